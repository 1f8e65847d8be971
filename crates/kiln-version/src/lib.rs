//! Version orderings and OSV-style ranges for every ecosystem kiln matches
//! advisories in.
//!
//! Each scheme has its own type (one module each) that parses with
//! [`FromStr`](std::str::FromStr), keeps the spelling it was given for
//! `Display`, and implements `Ord` consistently with `Eq`: versions that are
//! equal under the scheme compare `Equal` however they are spelled. Strings
//! that are not versions are a [`VersionError`], never a panic.
//!
//! [`AnyVersion`] erases the scheme; [`compare`] compares two strings in an
//! [`Ecosystem`]; [`range`] evaluates OSV `affected` ranges.

mod any;
pub mod apk;
pub mod composer;
pub mod dart;
mod digits;
pub mod dotted;
pub mod dpkg;
mod ecosystem;
mod error;
pub mod maven;
pub mod nuget;
pub mod pep440;
pub mod range;
pub mod rpm;
pub mod rubygems;
pub mod semver;

pub use any::{AnyVersion, compare};
pub use ecosystem::{Ecosystem, Scheme};
pub use error::VersionError;

/// Implements `PartialEq`, `Eq`, `PartialOrd`, `Ord` (through the type's
/// `compare`), `Display` (the spelling as given) and `FromStr` (through
/// `parse`) for a version type with a `raw: String` field.
#[macro_export]
#[doc(hidden)]
macro_rules! version_impls {
    ($ty:ty) => {
        impl PartialEq for $ty {
            fn eq(&self, other: &Self) -> bool {
                self.compare(other) == std::cmp::Ordering::Equal
            }
        }
        impl Eq for $ty {}
        impl PartialOrd for $ty {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }
        impl Ord for $ty {
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                self.compare(other)
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.raw)
            }
        }
        impl std::str::FromStr for $ty {
            type Err = $crate::VersionError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}
