//! The integration tests of kiln-attest, one binary: each module is one area.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod keyless;
mod keyless_timestamp;
mod properties;
