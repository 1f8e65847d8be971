//! OCI images wherever users keep them: the image model (manifests, indexes, configs),
//! OCI layouts, docker-archives, root filesystem directories, and registries; the merged
//! filesystem view over an image's layers; and copying between any two places with
//! manifest digests kept byte for byte.
//!
//! Every blob read is digest-verified ([`blob::VerifyingReader`]); archives are never
//! unpacked outside their destination ([`unpack`]). This crate never prints: it logs with
//! `tracing` and reports progress through [`copy::CopyReporter`].

pub mod archive;
pub mod blob;
pub mod copy;
mod error;
pub mod fs;
pub mod image;
pub mod layer;
pub mod layout;
pub mod manifest;
pub mod media_type;
pub mod registry;
pub mod rootfs;
pub mod source;
pub mod target;
pub mod unpack;

pub use error::{Error, IoContext, Result};
pub use image::Image;
pub use source::{ImageDestination, ImageSource};
pub use target::{OpenOptions, Target};
