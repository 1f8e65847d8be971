//! Test support for kiln: a real local registry (Debian's `docker-registry`) on loopback,
//! image fixtures built from real files, and filters for snapshot tests.
//!
//! Tools the tests need are installed by `.ci/run`; a missing tool fails the test with
//! a message saying how to install it, never a silent skip.

#![expect(clippy::expect_used, reason = "test support fails loudly by design")]

pub mod apt;
pub mod binaries;
pub mod deb;
pub mod fixture;
pub mod registry;
pub mod rpm;
pub mod sigstore;
