//! RPM versions, `[epoch:]version[-release]`, ordered with `rpmvercmp`.
//!
//! The epoch is taken only when everything before the first colon is digits
//! (otherwise the colon belongs to the version). The release is what follows
//! the first hyphen; a version without a release sorts before the same
//! version with any release. `~` sorts before everything, `^` after the
//! end of the string but before anything else.

use std::cmp::Ordering;

use crate::digits::{Digits, split_run};
use crate::error::check_basic;
use crate::{Scheme, VersionError};

/// A parsed RPM EVR.
#[derive(Debug, Clone)]
pub struct RpmVersion {
    raw: String,
    epoch: Digits,
    version: String,
    release: Option<String>,
}

impl RpmVersion {
    /// Reads an EVR string.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        check_basic(input, Scheme::Rpm)?;
        let (epoch, vr) = match input.split_once(':') {
            Some((e, vr)) if e.bytes().all(|b| b.is_ascii_digit()) => {
                (Digits::parse(e).unwrap_or_else(Digits::zero), vr)
            }
            _ => (Digits::zero(), input),
        };
        let (version, release) = match vr.rsplit_once('-') {
            Some((v, r)) => (v, Some(r.to_owned())),
            None => (vr, None),
        };
        Ok(Self {
            raw: input.to_owned(),
            epoch,
            version: version.to_owned(),
            release,
        })
    }

    /// The version as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The epoch (0 when absent).
    pub fn epoch(&self) -> String {
        self.epoch.to_string()
    }

    fn compare(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| component_cmp(&self.version, &other.version))
            .then_with(|| match (&self.release, &other.release) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (Some(a), Some(b)) => rpmvercmp(a, b),
            })
    }
}

/// An empty component sorts before any non-empty one.
fn component_cmp(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => rpmvercmp(a, b),
    }
}

fn is_separator(b: u8) -> bool {
    !b.is_ascii_alphanumeric() && b != b'~' && b != b'^'
}

/// The `rpmvercmp` algorithm on two strings.
pub(crate) fn rpmvercmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a, b);
    loop {
        a = a.trim_start_matches(|c: char| c.is_ascii() && is_separator(c as u8) || !c.is_ascii());
        b = b.trim_start_matches(|c: char| c.is_ascii() && is_separator(c as u8) || !c.is_ascii());
        let (a0, b0) = (a.bytes().next(), b.bytes().next());
        match (a0 == Some(b'~'), b0 == Some(b'~')) {
            (true, true) => {
                a = &a[1..];
                b = &b[1..];
                continue;
            }
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            (false, false) => {}
        }
        match (a0 == Some(b'^'), b0 == Some(b'^')) {
            (true, true) => {
                a = &a[1..];
                b = &b[1..];
                continue;
            }
            (true, false) => {
                return if b.is_empty() {
                    Ordering::Greater
                } else {
                    Ordering::Less
                };
            }
            (false, true) => {
                return if a.is_empty() {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
            }
            (false, false) => {}
        }
        let (Some(first), Some(_)) = (a0, b0) else {
            break;
        };
        let numeric = first.is_ascii_digit();
        let pred = |c: u8| {
            if numeric {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let (aseg, arest) = split_run(a, pred);
        let (bseg, brest) = split_run(b, pred);
        if bseg.is_empty() {
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let ord = if numeric {
            Digits::parse(aseg).cmp(&Digits::parse(bseg))
        } else {
            aseg.cmp(bseg)
        };
        if ord != Ordering::Equal {
            return ord;
        }
        a = arest;
        b = brest;
    }
    a.len().cmp(&b.len())
}

crate::version_impls!(RpmVersion);

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> RpmVersion {
        s.parse().unwrap()
    }

    #[test]
    fn tilde_and_caret() {
        assert!(v("1.0~rc1") < v("1.0"));
        assert!(v("1.0^git1") > v("1.0"));
        assert!(v("1.0^git1") < v("1.0.1"));
        assert!(v("1.0~rc1^git1") > v("1.0~rc1"));
        assert_eq!(v("01:2"), v("1:2"));
        assert!(v("3") < v("1:2"));
        assert!(v("1") < v("1-0"));
        assert_eq!(v("1.0"), v("1_0"));
        assert!("".parse::<RpmVersion>().is_err());
    }
}
