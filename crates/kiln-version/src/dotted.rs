//! Dotted-number versions: CRAN (R `package_version`) and Hackage (Haskell PVP) versions: sequences
//! of non-negative integers compared element by element, a proper prefix
//! sorting first (`0.1.0 < 0.1.0.0`).

use std::cmp::Ordering;

use crate::digits::Digits;
use crate::error::check_basic;
use crate::{Scheme, VersionError};

fn numbers(input: &str, scheme: Scheme, seps: &[char]) -> Result<Vec<Digits>, VersionError> {
    check_basic(input, scheme)?;
    input
        .split(seps)
        .map(|p| {
            Digits::parse(p)
                .ok_or_else(|| VersionError::invalid(input, scheme, "component is not a number"))
        })
        .collect()
}

/// A CRAN package version: numbers separated by `.` or `-`.
#[derive(Debug, Clone)]
pub struct CranVersion {
    raw: String,
    parts: Vec<Digits>,
}

impl CranVersion {
    /// Reads a CRAN version.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        Ok(Self {
            raw: input.to_owned(),
            parts: numbers(input, Scheme::Cran, &['.', '-'])?,
        })
    }

    /// The version as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    fn compare(&self, other: &Self) -> Ordering {
        self.parts.cmp(&other.parts)
    }
}

/// A Hackage package version: numbers separated by `.`.
#[derive(Debug, Clone)]
pub struct HackageVersion {
    raw: String,
    parts: Vec<Digits>,
}

impl HackageVersion {
    /// Reads a Hackage version.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        Ok(Self {
            raw: input.to_owned(),
            parts: numbers(input, Scheme::Hackage, &['.'])?,
        })
    }

    /// The version as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    fn compare(&self, other: &Self) -> Ordering {
        self.parts.cmp(&other.parts)
    }
}

crate::version_impls!(CranVersion);
crate::version_impls!(HackageVersion);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_sorts_first() {
        let c = |s: &str| s.parse::<CranVersion>().unwrap();
        assert!(c("0.1.0") < c("0.1.0.0"));
        assert_eq!(c("0.01.0"), c("0.1-0"));
        assert!(c("0.9") < c("0.75"));
        assert!("1.a".parse::<HackageVersion>().is_err());
        assert!("1-0".parse::<HackageVersion>().is_err());
    }
}
