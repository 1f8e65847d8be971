//! The integration tests of kiln-oci, one binary: each module is one area.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod archive;
mod archive_interop;
mod fs_hostile;
mod fs_merge;
mod fs_rootfs;
mod fs_walk;
mod layout;
mod layout_interop;
mod layout_support;
mod layout_write;
mod registry;
mod registry_auth;
mod registry_interop;
mod registry_protocol;
mod support;
mod unpack_hostile;
mod unpack_interop;
