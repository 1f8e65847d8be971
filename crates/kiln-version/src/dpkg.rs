//! Debian package versions, ordered as `dpkg --compare-versions` orders them.
//!
//! `[epoch:]upstream[-revision]`: the epoch is a number, the revision is what
//! follows the last hyphen. Upstream and revision compare with dpkg's
//! algorithm: alternating non-digit and digit runs; in non-digit runs `~`
//! sorts before everything (even the end of the string), letters before
//! other characters.

use std::cmp::Ordering;

use crate::digits::{Digits, split_run};
use crate::error::check_basic;
use crate::{Scheme, VersionError};

/// A parsed Debian version. Equal versions compare equal however they are
/// spelled (`0:1.0` = `1.0` = `1.0-0`).
#[derive(Debug, Clone)]
pub struct DpkgVersion {
    raw: String,
    epoch: Digits,
    upstream: String,
    revision: String,
}

impl DpkgVersion {
    /// Reads a version as dpkg does, rejecting what dpkg rejects.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        let err = |reason| VersionError::invalid(input, Scheme::Dpkg, reason);
        check_basic(input, Scheme::Dpkg)?;
        let (epoch, rest) = match input.split_once(':') {
            Some((e, rest)) => (
                Digits::parse(e).ok_or_else(|| err("epoch is not a number"))?,
                rest,
            ),
            None => (Digits::zero(), input),
        };
        let (upstream, revision) = match rest.rsplit_once('-') {
            Some((u, r)) => {
                if r.is_empty() {
                    return Err(err("revision is empty"));
                }
                (u, r)
            }
            None => (rest, ""),
        };
        if upstream.is_empty() {
            return Err(err("upstream version is empty"));
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || ".+~-:".contains(c);
        if !upstream.chars().all(allowed) {
            return Err(err("invalid character in upstream version"));
        }
        if !revision
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".+~".contains(c))
        {
            return Err(err("invalid character in revision"));
        }
        Ok(Self {
            raw: input.to_owned(),
            epoch,
            upstream: upstream.to_owned(),
            revision: revision.to_owned(),
        })
    }

    /// The version as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    fn compare(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(&self.upstream, &other.upstream))
            .then_with(|| verrevcmp(&self.revision, &other.revision))
    }
}

/// Weight of one byte in a non-digit run; `None` is the end of the run.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(b'~') => -1,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

fn verrevcmp(mut a: &str, mut b: &str) -> Ordering {
    while !a.is_empty() || !b.is_empty() {
        let (an, ar) = split_run(a, |c| !c.is_ascii_digit());
        let (bn, br) = split_run(b, |c| !c.is_ascii_digit());
        let (mut ai, mut bi) = (an.bytes(), bn.bytes());
        loop {
            let (x, y) = (ai.next(), bi.next());
            if x.is_none() && y.is_none() {
                break;
            }
            let ord = order(x).cmp(&order(y));
            if ord != Ordering::Equal {
                return ord;
            }
        }
        let (ad, ar) = split_run(ar, |c| c.is_ascii_digit());
        let (bd, br) = split_run(br, |c| c.is_ascii_digit());
        let num = |d: &str| Digits::parse(d).unwrap_or_else(Digits::zero);
        let ord = num(ad).cmp(&num(bd));
        if ord != Ordering::Equal {
            return ord;
        }
        a = ar;
        b = br;
    }
    Ordering::Equal
}

crate::version_impls!(DpkgVersion);

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> DpkgVersion {
        s.parse().unwrap()
    }

    #[test]
    fn tilde_sorts_before_everything() {
        assert!(v("1.0~rc1") < v("1.0"));
        assert!(v("1.0~~") < v("1.0~"));
        assert!(v("1.2.3-1~deb7u1") < v("1.2.3-1"));
        assert!(v("1.0a") < v("1.0+"));
        assert_eq!(v("0:1.0"), v("1.0"));
        assert_eq!(v("1.0"), v("1.0-0"));
        assert!(v("1:0.1") > v("9.9"));
    }

    #[test]
    fn rejects_what_dpkg_rejects() {
        for bad in [
            "", "a:1.0", "1.0-", ":1.0", "1:", "1.0 1", "1.0-a_b", "1.0_1",
        ] {
            assert!(bad.parse::<DpkgVersion>().is_err(), "{bad}");
        }
    }
}
