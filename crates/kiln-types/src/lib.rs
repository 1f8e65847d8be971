//! Identifiers shared by every kiln crate: content digests, image references and platforms.
//!
//! Each type is a newtype with private fields that can only hold a valid value; `FromStr`
//! and `Display` round-trip. Nothing here performs I/O.

mod digest;
mod image_ref;
mod platform;

pub use digest::{Algorithm, Digest, DigestError, Hasher};
pub use image_ref::{ImageRef, ImageRefError};
pub use platform::{Platform, PlatformError};
