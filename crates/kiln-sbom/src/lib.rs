//! Software bills of materials for images: catalogers that find packages in an image's
//! merged filesystem, and writers for SPDX 2.3, SPDX 3.0.1, CycloneDX 1.6, a table and
//! kiln's own JSON.
//!
//! [`Catalog`] reads an image's layers once ([`kiln_oci::fs::MergedFs`]), capturing
//! only the files some [`Cataloger`] wants, then runs the catalogers in order: the
//! distribution ([`OsRelease`]) first, then the OS package managers ([`Dpkg`], [`Apk`],
//! [`Rpm`]), which record the files they own so later catalogers can skip them, then the
//! language ecosystems ([`lang`]: Python, npm, Go and Rust binaries, Cargo.lock, Java,
//! Ruby, Composer, .NET). A broken
//! metadata file becomes a warning in the [`kiln_types::Inventory`]; the run goes on.
//! This crate never prints.

mod apk;
mod catalog;
pub mod cataloger;
pub mod cpe;
pub mod dpkg;
mod error;
pub mod format;
pub mod lang;
pub mod license;
mod os_release;
pub mod read;
pub mod rpm;
#[cfg(test)]
mod testfs;

pub use apk::Apk;
pub use catalog::{Catalog, dir_target_info, target_info};
pub use cataloger::{Cataloger, Context};
pub use dpkg::Dpkg;
pub use error::{Error, Result};
pub use lang::binary::Binary;
pub use lang::cargo::CargoLock;
pub use lang::composer::Composer;
pub use lang::dotnet::DotNet;
pub use lang::java::Java;
pub use lang::npm::Npm;
pub use lang::python::Python;
pub use lang::ruby::Ruby;
pub use os_release::OsRelease;
pub use rpm::Rpm;
