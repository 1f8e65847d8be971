//! The integration tests of kiln-policy, one binary: each module is one area.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod evidence;
mod policies;
mod presets;
