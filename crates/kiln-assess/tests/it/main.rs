//! The integration tests of kiln-assess, one binary: each module is one area.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod checks;
mod support;
