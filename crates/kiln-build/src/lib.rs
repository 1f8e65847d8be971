//! `kiln build`: from a YAML spec and its lock file to a minimal, hardened, reproducible
//! image with its evidence. The spec and the lock say what goes in; assembly unpacks the
//! locked `.deb` files into one root, does what their maintainer scripts would have done,
//! hardens it and writes deterministic layers; the evidence (SBOM, provenance,
//! signatures) is made from the same resolution.
//!
//! Assembly in order: [`input`] (plain data the spec maps onto) → [`assemble::assemble`]
//! (unpack into a [`rootfs::Rootfs`], then [`scripts`], [`harden`]) → [`image::build`]
//! (one deterministic [`layer`], config, manifest) → [`image::write`] (any
//! `kiln_oci::ImageDestination`, an index for several architectures). [`surface`]
//! measures the attack surface of any image.

pub mod assemble;
pub mod builder;
mod error;
pub mod evidence;
pub mod harden;
pub mod image;
pub mod input;
pub mod layer;
pub mod lock;
mod package;
pub mod resolution;
pub mod rootfs;
pub mod scripts;
pub mod spec;
pub mod surface;

pub use assemble::{Assembled, InstalledPackage, assemble};
pub use error::{Error, Result};
pub use input::{
    Accounts, AssemblyInput, ExtraPath, ExtraPathKind, Group, ImageSettings, PackageInput, User,
    Variant,
};
