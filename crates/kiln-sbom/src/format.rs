//! SBOM writers.
