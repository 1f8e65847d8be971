//! OSV ranges (placeholder).
