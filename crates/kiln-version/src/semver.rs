//! SemVer 2.0 precedence, as npm, crates.io and Go order versions.
//!
//! Read leniently, as advisory data needs: an optional `v` prefix (Go),
//! missing minor/patch numbers count as 0, leading zeros are accepted, and
//! numeric components after the third are treated like build metadata. Build
//! metadata never affects precedence (`+incompatible` included). Go
//! pseudo-versions are ordinary pre-releases and need nothing special.

use std::cmp::Ordering;

use crate::digits::Digits;
use crate::error::check_basic;
use crate::{Scheme, VersionError};

/// One dot-separated pre-release or build identifier.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Ident {
    /// All digits; sorts before alphanumerics.
    Num(Digits),
    /// Anything else, compared by ASCII.
    Alnum(String),
}

/// The parts shared by SemVer and Pub versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Parts {
    pub(crate) release: [Digits; 3],
    pub(crate) pre: Vec<Ident>,
    pub(crate) build: Vec<Ident>,
}

fn idents(s: &str) -> Option<Vec<Ident>> {
    s.split('.')
        .map(|id| {
            if id.is_empty() || !id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-') {
                return None;
            }
            Some(Digits::parse(id).map_or_else(|| Ident::Alnum(id.to_owned()), Ident::Num))
        })
        .collect()
}

/// Parses `[v]MAJOR[.MINOR[.PATCH[.N...]]][-PRE][+BUILD]`.
pub(crate) fn parse_parts(input: &str, scheme: Scheme) -> Result<Parts, VersionError> {
    let err = |reason| VersionError::invalid(input, scheme, reason);
    check_basic(input, scheme)?;
    let s = input.strip_prefix('v').unwrap_or(input);
    let (s, build) = match s.split_once('+') {
        Some((s, b)) => (s, idents(b).ok_or_else(|| err("invalid build metadata"))?),
        None => (s, Vec::new()),
    };
    let (core, pre) = match s.split_once('-') {
        Some((c, p)) => (c, idents(p).ok_or_else(|| err("invalid pre-release"))?),
        None => (s, Vec::new()),
    };
    let mut nums = core.split('.');
    let mut release = [Digits::zero(), Digits::zero(), Digits::zero()];
    for (i, slot) in release.iter_mut().enumerate() {
        match nums.next() {
            Some(n) => {
                *slot = Digits::parse(n).ok_or_else(|| err("version core is not numeric"))?
            }
            None if i == 0 => return Err(err("missing major version")),
            None => break,
        }
    }
    let mut build = build;
    let extra: Vec<&str> = nums.collect();
    if !extra.is_empty() {
        let extra = idents(&extra.join(".")).ok_or_else(|| err("invalid extra component"))?;
        build.splice(0..0, extra);
    }
    Ok(Parts {
        release,
        pre,
        build,
    })
}

/// SemVer precedence: release, then pre-release (absent sorts last).
pub(crate) fn precedence(a: &Parts, b: &Parts) -> Ordering {
    a.release
        .cmp(&b.release)
        .then_with(|| match (a.pre.is_empty(), b.pre.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => a.pre.cmp(&b.pre),
        })
}

/// A parsed SemVer version.
#[derive(Debug, Clone)]
pub struct SemVer {
    raw: String,
    parts: Parts,
}

impl SemVer {
    /// Reads a SemVer version (leniently, see the module docs).
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        Ok(Self {
            raw: input.to_owned(),
            parts: parse_parts(input, Scheme::SemVer)?,
        })
    }

    /// The version as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Whether this is a pre-release (Go pseudo-versions are).
    pub fn is_prerelease(&self) -> bool {
        !self.parts.pre.is_empty()
    }

    fn compare(&self, other: &Self) -> Ordering {
        precedence(&self.parts, &other.parts)
    }
}

crate::version_impls!(SemVer);

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> SemVer {
        s.parse().unwrap()
    }

    #[test]
    fn precedence_rules() {
        assert!(v("1.0.0-alpha") < v("1.0.0-alpha.1"));
        assert!(v("1.0.0-beta.2") < v("1.0.0-beta.11"));
        assert!(v("1.0.0-rc.1") < v("1.0.0"));
        assert_eq!(v("v2.0.0+incompatible"), v("2.0.0"));
        assert!(v("v0.0.0-20210101000000-abcdef123456") < v("v0.0.1"));
        assert!(v("v1.6.1-0.20230101000000-abcdef123456") < v("v1.6.1"));
        assert!(v("v1.6.1-0.20230101000000-abcdef123456") > v("v1.6.0"));
        for bad in ["", "x", "1.x", "1.0.0-", "1.0.0+", "1.0.0-a..b", "-1"] {
            assert!(bad.parse::<SemVer>().is_err(), "{bad}");
        }
    }
}
