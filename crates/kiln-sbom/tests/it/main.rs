//! The integration tests of kiln-sbom, one binary: each module is one area.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod debian;
mod dir_walk;
mod rpm;
