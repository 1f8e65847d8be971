//! A version of any scheme, and comparison of version strings by ecosystem.

use std::cmp::Ordering;
use std::fmt;

use crate::apk::ApkVersion;
use crate::composer::ComposerVersion;
use crate::dart::PubVersion;
use crate::dotted::{CranVersion, HackageVersion};
use crate::dpkg::DpkgVersion;
use crate::maven::MavenVersion;
use crate::nuget::NuGetVersion;
use crate::pep440::Pep440Version;
use crate::rpm::RpmVersion;
use crate::rubygems::GemVersion;
use crate::semver::SemVer;
use crate::{Ecosystem, Scheme, VersionError};

/// A parsed version of some scheme.
///
/// `Ord` is total: versions of the same scheme compare by that scheme;
/// versions of different schemes order by scheme (a stable but meaningless
/// order, so they can share a collection). Use [`AnyVersion::try_cmp`] to
/// have a scheme mismatch reported instead.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[expect(missing_docs, reason = "each variant is its scheme's version type")]
pub enum AnyVersion {
    Dpkg(DpkgVersion),
    Rpm(RpmVersion),
    Apk(ApkVersion),
    Pep440(Pep440Version),
    SemVer(SemVer),
    Maven(MavenVersion),
    RubyGems(GemVersion),
    NuGet(NuGetVersion),
    Composer(ComposerVersion),
    Pub(PubVersion),
    Cran(CranVersion),
    Hackage(HackageVersion),
}

impl AnyVersion {
    /// Parses `input` in `scheme`.
    pub fn parse(scheme: Scheme, input: &str) -> Result<Self, VersionError> {
        Ok(match scheme {
            Scheme::Dpkg => Self::Dpkg(input.parse()?),
            Scheme::Rpm => Self::Rpm(input.parse()?),
            Scheme::Apk => Self::Apk(input.parse()?),
            Scheme::Pep440 => Self::Pep440(input.parse()?),
            Scheme::SemVer => Self::SemVer(input.parse()?),
            Scheme::Maven => Self::Maven(input.parse()?),
            Scheme::RubyGems => Self::RubyGems(input.parse()?),
            Scheme::NuGet => Self::NuGet(input.parse()?),
            Scheme::Composer => Self::Composer(input.parse()?),
            Scheme::Pub => Self::Pub(input.parse()?),
            Scheme::Cran => Self::Cran(input.parse()?),
            Scheme::Hackage => Self::Hackage(input.parse()?),
        })
    }

    /// Parses `input` in the scheme of `ecosystem`.
    pub fn parse_in(ecosystem: Ecosystem, input: &str) -> Result<Self, VersionError> {
        Self::parse(ecosystem.scheme(), input)
    }

    /// The scheme this version belongs to.
    pub fn scheme(&self) -> Scheme {
        match self {
            Self::Dpkg(_) => Scheme::Dpkg,
            Self::Rpm(_) => Scheme::Rpm,
            Self::Apk(_) => Scheme::Apk,
            Self::Pep440(_) => Scheme::Pep440,
            Self::SemVer(_) => Scheme::SemVer,
            Self::Maven(_) => Scheme::Maven,
            Self::RubyGems(_) => Scheme::RubyGems,
            Self::NuGet(_) => Scheme::NuGet,
            Self::Composer(_) => Scheme::Composer,
            Self::Pub(_) => Scheme::Pub,
            Self::Cran(_) => Scheme::Cran,
            Self::Hackage(_) => Scheme::Hackage,
        }
    }

    /// Compares two versions of the same scheme; an error if the schemes differ.
    pub fn try_cmp(&self, other: &Self) -> Result<Ordering, VersionError> {
        if self.scheme() != other.scheme() {
            return Err(VersionError::SchemeMismatch {
                left: self.scheme(),
                left_input: self.to_string(),
                right: other.scheme(),
                right_input: other.to_string(),
            });
        }
        Ok(self.cmp(other))
    }
}

impl fmt::Display for AnyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Dpkg(v) => v.fmt(f),
            Self::Rpm(v) => v.fmt(f),
            Self::Apk(v) => v.fmt(f),
            Self::Pep440(v) => v.fmt(f),
            Self::SemVer(v) => v.fmt(f),
            Self::Maven(v) => v.fmt(f),
            Self::RubyGems(v) => v.fmt(f),
            Self::NuGet(v) => v.fmt(f),
            Self::Composer(v) => v.fmt(f),
            Self::Pub(v) => v.fmt(f),
            Self::Cran(v) => v.fmt(f),
            Self::Hackage(v) => v.fmt(f),
        }
    }
}

/// Compares two version strings as `ecosystem` orders them.
pub fn compare(ecosystem: Ecosystem, a: &str, b: &str) -> Result<Ordering, VersionError> {
    let a = AnyVersion::parse_in(ecosystem, a)?;
    let b = AnyVersion::parse_in(ecosystem, b)?;
    a.try_cmp(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_by_ecosystem() {
        assert_eq!(
            compare(Ecosystem::Debian, "0:1.0", "1.0").unwrap(),
            Ordering::Equal
        );
        assert_eq!(
            compare(Ecosystem::Go, "v1.2.3", "1.2.4").unwrap(),
            Ordering::Less
        );
        assert_eq!(
            compare(Ecosystem::PyPi, "1.0rc1", "1.0").unwrap(),
            Ordering::Less
        );
        let err = compare(Ecosystem::Debian, "1.0", "").unwrap_err();
        assert!(err.to_string().contains("dpkg"), "{err}");
    }

    #[test]
    fn mismatched_schemes_are_an_error() {
        let a = AnyVersion::parse(Scheme::Dpkg, "1.0").unwrap();
        let b = AnyVersion::parse(Scheme::Rpm, "1.0").unwrap();
        assert!(a.try_cmp(&b).is_err());
    }
}
