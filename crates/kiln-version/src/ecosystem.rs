//! Ecosystems as OSV names them, and the version scheme each one uses.
//! One is kiln's own: `Ruby`, the Ruby interpreters, for which no OSV
//! ecosystem exists.

use std::fmt;
use std::str::FromStr;

use crate::VersionError;

/// A version ordering. Several ecosystems share one (Debian and Ubuntu use dpkg's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scheme {
    /// Debian's `dpkg --compare-versions`.
    Dpkg,
    /// `rpmvercmp` over epoch:version-release.
    Rpm,
    /// Alpine's apk.
    Apk,
    /// PEP 440, with pre-PEP 440 "legacy" versions ordered before all others.
    Pep440,
    /// SemVer 2.0 precedence (npm, crates.io, Go), read leniently.
    SemVer,
    /// Maven's version order specification.
    Maven,
    /// `Gem::Version`.
    RubyGems,
    /// NuGet's SemVer 2 with four numeric parts.
    NuGet,
    /// PHP's `version_compare`, as Packagist data uses it.
    Composer,
    /// Dart's `pub_semver`: SemVer where build metadata orders too.
    Pub,
    /// R's `package_version`.
    Cran,
    /// Haskell's `Data.Version` (PVP).
    Hackage,
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Dpkg => "dpkg",
            Self::Rpm => "rpm",
            Self::Apk => "apk",
            Self::Pep440 => "pep440",
            Self::SemVer => "semver",
            Self::Maven => "maven",
            Self::RubyGems => "rubygems",
            Self::NuGet => "nuget",
            Self::Composer => "composer",
            Self::Pub => "pub",
            Self::Cran => "cran",
            Self::Hackage => "hackage",
        })
    }
}

macro_rules! ecosystems {
    ($($variant:ident => $name:literal, $scheme:ident;)*) => {
        /// An advisory ecosystem, spelled as OSV spells it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Ecosystem {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
        }

        impl Ecosystem {
            /// Every ecosystem kiln knows.
            pub const ALL: &'static [Ecosystem] = &[$(Self::$variant),*];

            /// The OSV name, without any `:release` suffix.
            pub fn name(self) -> &'static str {
                match self { $(Self::$variant => $name),* }
            }

            /// The version ordering this ecosystem uses.
            pub fn scheme(self) -> Scheme {
                match self { $(Self::$variant => Scheme::$scheme),* }
            }
        }
    };
}

ecosystems! {
    Debian => "Debian", Dpkg;
    Ubuntu => "Ubuntu", Dpkg;
    Alpine => "Alpine", Apk;
    Wolfi => "Wolfi", Apk;
    Chainguard => "Chainguard", Apk;
    RedHat => "Red Hat", Rpm;
    AlmaLinux => "AlmaLinux", Rpm;
    RockyLinux => "Rocky Linux", Rpm;
    OpenSuse => "openSUSE", Rpm;
    Suse => "SUSE", Rpm;
    OpenEuler => "openEuler", Rpm;
    Mageia => "Mageia", Rpm;
    PyPi => "PyPI", Pep440;
    Npm => "npm", SemVer;
    CratesIo => "crates.io", SemVer;
    Go => "Go", SemVer;
    Hex => "Hex", SemVer;
    Maven => "Maven", Maven;
    RubyGems => "RubyGems", RubyGems;
    NuGet => "NuGet", NuGet;
    Packagist => "Packagist", Composer;
    Pub => "Pub", Pub;
    Cran => "CRAN", Cran;
    Hackage => "Hackage", Hackage;
    // Not an OSV ecosystem: Ruby interpreters (rubysec `rubies/`), named by
    // engine (`ruby`, `jruby`, `mruby`), versions ordered as rubysec's
    // requirements order them.
    Ruby => "Ruby", RubyGems;
}

impl Ecosystem {
    /// Splits an OSV ecosystem string such as `Debian:11`, `Alpine:v3.19` or
    /// `Ubuntu:22.04:LTS` into the ecosystem and its release suffix.
    pub fn parse_with_release(s: &str) -> Result<(Self, Option<&str>), VersionError> {
        let (base, release) = match s.split_once(':') {
            Some((base, release)) => (base, Some(release)),
            None => (s, None),
        };
        let eco = Self::ALL
            .iter()
            .copied()
            .find(|e| e.name() == base)
            .ok_or_else(|| VersionError::UnknownEcosystem(s.to_owned()))?;
        Ok((eco, release))
    }
}

impl FromStr for Ecosystem {
    type Err = VersionError;

    /// Reads an OSV ecosystem name; a `:release` suffix is accepted and
    /// ignored (it does not change the version ordering).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_with_release(s).map(|(eco, _)| eco)
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for eco in Ecosystem::ALL {
            assert_eq!(eco.name().parse::<Ecosystem>().unwrap(), *eco);
            assert_eq!(eco.to_string(), eco.name());
        }
    }

    #[test]
    fn release_suffixes_are_split_off() {
        let (eco, rel) = Ecosystem::parse_with_release("Ubuntu:22.04:LTS").unwrap();
        assert_eq!((eco, rel), (Ecosystem::Ubuntu, Some("22.04:LTS")));
        assert_eq!(
            "Debian:11".parse::<Ecosystem>().unwrap().scheme(),
            Scheme::Dpkg
        );
        assert_eq!(
            "Rocky Linux:9".parse::<Ecosystem>().unwrap().scheme(),
            Scheme::Rpm
        );
        assert!("debian".parse::<Ecosystem>().is_err());
        assert!("".parse::<Ecosystem>().is_err());
    }
}
