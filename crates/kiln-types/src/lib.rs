//! Identifiers and models shared by every kiln crate: content digests, image references,
//! platforms, package URLs, and the package/inventory model SBOMs are made of.
//!
//! Each identifier is a newtype with private fields that can only hold a valid value;
//! `FromStr` and `Display` round-trip. Nothing here performs I/O.

mod digest;
mod image_ref;
pub mod package;
mod platform;
mod purl;

pub use digest::{Algorithm, Digest, DigestError, Hasher};
pub use image_ref::{ImageRef, ImageRefError};
pub use package::{
    Distro, Inventory, LayerInfo, License, Location, Package, PackageKind, Relationship,
    RelationshipKind, SourcePackage, TargetInfo,
};
pub use platform::{Platform, PlatformError};
pub use purl::{Purl, PurlError};
