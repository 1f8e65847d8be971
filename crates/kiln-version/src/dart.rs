//! Dart's Pub versions: SemVer, except that build metadata orders too
//! (`1.0.0 < 1.0.0+build`, builds compared like pre-releases).

use std::cmp::Ordering;

use crate::semver::{Parts, parse_parts, precedence};
use crate::{Scheme, VersionError};

/// A parsed Pub version.
#[derive(Debug, Clone)]
pub struct PubVersion {
    raw: String,
    parts: Parts,
}

impl PubVersion {
    /// Reads a Pub version.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        Ok(Self {
            raw: input.to_owned(),
            parts: parse_parts(input, Scheme::Pub)?,
        })
    }

    /// The version as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    fn compare(&self, other: &Self) -> Ordering {
        precedence(&self.parts, &other.parts).then_with(|| {
            let (a, b) = (&self.parts.build, &other.parts.build);
            a.is_empty()
                .cmp(&b.is_empty())
                .reverse()
                .then_with(|| a.cmp(b))
        })
    }
}

crate::version_impls!(PubVersion);

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> PubVersion {
        s.parse().unwrap()
    }

    #[test]
    fn build_metadata_orders() {
        assert!(v("1.0.0") < v("1.0.0+build"));
        assert!(v("1.0.0-pre+build") < v("1.0.0"));
        assert!(v("1.2.3+900") < v("1.2.3+a"));
        assert!(v("1.2.3+a") < v("1.2.3+a1"));
    }
}
