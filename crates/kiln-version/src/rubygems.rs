//! RubyGems versions, ordered as `Gem::Version#<=>` orders them.
//!
//! A version is split into runs of digits and runs of letters; any letter
//! makes it a pre-release. `-` means `.pre.`. Trailing zero numbers are
//! dropped (before and after the first letter run), a letter run sorts
//! before any number, and the shorter version is padded with zeros.

use std::cmp::Ordering;

use crate::digits::{Digits, split_run};
use crate::error::check_basic;
use crate::{Scheme, VersionError};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Segment {
    Str(String),
    Num(Digits),
}

/// A parsed gem version.
#[derive(Debug, Clone)]
pub struct GemVersion {
    raw: String,
    segments: Vec<Segment>,
}

fn valid(s: &str) -> bool {
    let (core, pre) = match s.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (s, None),
    };
    let mut parts = core.split('.');
    // RubyGems wants digits first; a letter run may follow (`1beta`).
    let first_ok = parts.next().is_some_and(|p| {
        p.starts_with(|c: char| c.is_ascii_digit()) && p.bytes().all(|c| c.is_ascii_alphanumeric())
    });
    let rest_ok = parts.all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_alphanumeric()));
    let pre_ok = pre.is_none_or(|p| {
        p.split('.')
            .all(|x| !x.is_empty() && x.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-'))
    });
    first_ok && rest_ok && pre_ok
}

fn drop_trailing_zeros(segs: &mut Vec<Segment>) {
    while segs
        .last()
        .is_some_and(|s| matches!(s, Segment::Num(n) if n.is_zero()))
    {
        segs.pop();
    }
}

impl GemVersion {
    /// Reads a gem version (`Gem::Version.correct?` rules; surrounding
    /// whitespace is not accepted).
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        check_basic(input, Scheme::RubyGems)?;
        if !valid(input) {
            return Err(VersionError::invalid(
                input,
                Scheme::RubyGems,
                "malformed version",
            ));
        }
        let replaced = input.replace('-', ".pre.");
        let mut all = Vec::new();
        let mut rest = replaced.as_str();
        while let Some(c) = rest.bytes().next() {
            if c.is_ascii_digit() {
                let (d, tail) = split_run(rest, |b| b.is_ascii_digit());
                all.push(Segment::Num(Digits::parse(d).unwrap_or_else(Digits::zero)));
                rest = tail;
            } else if c.is_ascii_alphabetic() {
                let (w, tail) = split_run(rest, |b| b.is_ascii_alphabetic());
                all.push(Segment::Str(w.to_owned()));
                rest = tail;
            } else {
                rest = &rest[1..];
            }
        }
        let split = all
            .iter()
            .position(|s| matches!(s, Segment::Str(_)))
            .unwrap_or(all.len());
        let mut strings = all.split_off(split);
        drop_trailing_zeros(&mut all);
        drop_trailing_zeros(&mut strings);
        all.extend(strings);
        Ok(Self {
            raw: input.to_owned(),
            segments: all,
        })
    }

    /// The version as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Whether the version holds a letter (a pre-release).
    pub fn is_prerelease(&self) -> bool {
        self.segments.iter().any(|s| matches!(s, Segment::Str(_)))
    }

    fn compare(&self, other: &Self) -> Ordering {
        let zero = Segment::Num(Digits::zero());
        let n = self.segments.len().max(other.segments.len());
        for i in 0..n {
            let a = self.segments.get(i).unwrap_or(&zero);
            let b = other.segments.get(i).unwrap_or(&zero);
            let ord = a.cmp(b);
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }
}

crate::version_impls!(GemVersion);

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> GemVersion {
        s.parse().unwrap()
    }

    #[test]
    fn prerelease_letters() {
        assert!(v("1.0.a") < v("1.0"));
        assert_eq!(v("1.0.a2"), v("1.0.a.2"));
        assert_eq!(v("1.0"), v("1"));
        assert!(v("1.0.0-rc1") < v("1.0.0"));
        assert!(v("3.2") < v("3.10"));
        assert!("a.b".parse::<GemVersion>().is_err());
    }
}
