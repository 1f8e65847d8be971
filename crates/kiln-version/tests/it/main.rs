//! The integration tests of kiln-version, one binary: each module is one area.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod oracle;
mod properties;
mod range_brute_force;
mod vectors;
