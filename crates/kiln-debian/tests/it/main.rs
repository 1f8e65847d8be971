//! The integration tests of kiln-debian, one binary: each module is one area.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod deb;
mod resolve;
mod resolve_conflicts;
mod support;
mod verify;
