//! NuGet versions: SemVer 2 with up to four numeric parts, leading zeros
//! allowed, pre-release labels compared case-insensitively, build metadata
//! ignored.

use std::cmp::Ordering;

use crate::digits::Digits;
use crate::error::check_basic;
use crate::{Scheme, VersionError};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Label {
    Num(Digits),
    Text(String),
}

/// A parsed NuGet version.
#[derive(Debug, Clone)]
pub struct NuGetVersion {
    raw: String,
    release: [Digits; 4],
    pre: Vec<Label>,
}

impl NuGetVersion {
    /// Reads a NuGet version.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        let err = |reason| VersionError::invalid(input, Scheme::NuGet, reason);
        check_basic(input, Scheme::NuGet)?;
        let s = input.split_once('+').map_or(input, |(s, _)| s);
        let (core, pre) = match s.split_once('-') {
            Some((c, p)) => (c, Some(p)),
            None => (s, None),
        };
        let mut release = [
            Digits::zero(),
            Digits::zero(),
            Digits::zero(),
            Digits::zero(),
        ];
        let parts: Vec<&str> = core.split('.').collect();
        if parts.len() > 4 {
            return Err(err("more than four numeric parts"));
        }
        for (slot, p) in release.iter_mut().zip(&parts) {
            *slot = Digits::parse(p).ok_or_else(|| err("numeric part is not a number"))?;
        }
        let mut labels = Vec::new();
        if let Some(pre) = pre {
            for l in pre.split('.') {
                if l.is_empty() || !l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-') {
                    return Err(err("invalid pre-release label"));
                }
                labels.push(match Digits::parse(l) {
                    Some(n) => Label::Num(n),
                    None => Label::Text(l.to_ascii_lowercase()),
                });
            }
        }
        Ok(Self {
            raw: input.to_owned(),
            release,
            pre: labels,
        })
    }

    /// The version as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    fn compare(&self, other: &Self) -> Ordering {
        self.release.cmp(&other.release).then_with(|| {
            match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            }
        })
    }
}

crate::version_impls!(NuGetVersion);

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> NuGetVersion {
        s.parse().unwrap()
    }

    #[test]
    fn four_parts_and_case() {
        assert_eq!(v("1.0"), v("1.0.0.0"));
        assert!(v("1.0.0") < v("1.0.0.1"));
        assert_eq!(v("1.0.0-BETA"), v("1.0.0-beta+x"));
        assert!(v("1.0.0-beta") < v("1.0.0-beta2"));
        assert!("1.0.0.0.0".parse::<NuGetVersion>().is_err());
    }
}
