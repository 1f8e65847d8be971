//! The integration tests of kiln-build, one binary: each module is one area.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod assemble;
mod ca_links;
mod examples;
mod image;
mod ldso_cache;
mod scanners;
mod support;
