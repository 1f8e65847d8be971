//! Alpine (apk) versions: `number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}`.
//!
//! Suffixes order `_alpha < _beta < _pre < _rc < (none) < _cvs < _svn <
//! _git < _hg < _p`. Numeric components after the first that start with `0`
//! compare as strings, as apk does. The commit hash is ignored.
//!
//! apk accepts strings outside its grammar and still orders them; so does
//! this module: whatever follows the longest well-formed prefix is kept as a
//! remainder. After components, letter and suffixes, a version with a
//! remainder sorts before one without; two remainders compare as strings up
//! to their first `-` (a `-rN` there still counts as the build number), and
//! a remainder after `-r` is ignored, as apk stops reading there. The build
//! number compares last.

use std::cmp::Ordering;

use crate::digits::{Digits, split_run};
use crate::error::check_basic;
use crate::{Scheme, VersionError};

/// One dotted numeric component.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Component {
    /// Two dots in a row, or a trailing dot.
    Empty,
    /// Absent (the other version has more components).
    Missing,
    /// A non-first component with a leading zero: compared as a string.
    ZeroLed(String),
    /// A number.
    Num(Digits),
}

const SUFFIXES: [&str; 9] = ["alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"];
/// Weight of "no suffix": between `_rc` and `_cvs`.
const NO_SUFFIX: u8 = 4;

fn suffix_weight(name: &str) -> u8 {
    let idx = SUFFIXES
        .iter()
        .position(|s| *s == name)
        .unwrap_or(SUFFIXES.len());
    let idx = u8::try_from(idx).unwrap_or(u8::MAX);
    if idx >= NO_SUFFIX { idx + 1 } else { idx }
}

/// A parsed apk version.
#[derive(Debug, Clone)]
pub struct ApkVersion {
    raw: String,
    components: Vec<Component>,
    letter: Option<u8>,
    suffixes: Vec<(u8, Digits)>,
    build: Digits,
    /// `None` for a well-formed version; otherwise the part of the
    /// remainder that orders it.
    remainder: Option<String>,
}

impl ApkVersion {
    /// Reads an apk version.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        check_basic(input, Scheme::Apk)?;
        let (numbers, mut rest) = split_run(input, |c| c.is_ascii_digit() || c == b'.');
        let mut components = Vec::new();
        if !numbers.is_empty() {
            for (i, part) in numbers.split('.').enumerate() {
                components.push(match Digits::parse(part) {
                    None => Component::Empty,
                    Some(_) if i > 0 && part.starts_with('0') => {
                        Component::ZeroLed(part.to_owned())
                    }
                    Some(d) => Component::Num(d),
                });
            }
        }
        let letter = match rest.bytes().next() {
            Some(c) if c.is_ascii_lowercase() => {
                rest = &rest[1..];
                Some(c)
            }
            _ => None,
        };
        let mut suffixes = Vec::new();
        while let Some(after) = rest.strip_prefix('_') {
            let Some(name) = SUFFIXES.iter().find(|s| after.starts_with(**s)) else {
                break;
            };
            let (num, tail) = split_run(&after[name.len()..], |c| c.is_ascii_digit());
            suffixes.push((
                suffix_weight(name),
                Digits::parse(num).unwrap_or_else(Digits::zero),
            ));
            rest = tail;
        }
        if let Some(after) = rest.strip_prefix('~') {
            let (hash, tail) =
                split_run(after, |c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c));
            if !hash.is_empty() {
                rest = tail;
            }
        }
        let mut build = Digits::zero();
        let mut had_build = false;
        if let Some(after) = rest.strip_prefix("-r") {
            let (num, tail) = split_run(after, |c| c.is_ascii_digit());
            build = Digits::parse(num).unwrap_or_else(Digits::zero);
            had_build = true;
            rest = tail;
        }
        let remainder = if rest.is_empty() {
            None
        } else if had_build {
            Some(String::new())
        } else {
            // A remainder orders by its text up to the first `-`; a `-rN`
            // right there is still the build number (`5.7.1p1-r1`).
            let (text, tail) = rest.split_at(rest.find('-').unwrap_or(rest.len()));
            if let Some(after) = tail.strip_prefix("-r") {
                let (num, _) = split_run(after, |c| c.is_ascii_digit());
                build = Digits::parse(num).unwrap_or_else(Digits::zero);
            }
            Some(text.to_owned())
        };
        Ok(Self {
            raw: input.to_owned(),
            components,
            letter,
            suffixes,
            build,
            remainder,
        })
    }

    /// The version as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Whether the whole string follows apk's grammar.
    pub fn is_well_formed(&self) -> bool {
        self.remainder.is_none()
    }

    fn compare(&self, other: &Self) -> Ordering {
        let n = self.components.len().max(other.components.len());
        let comp = |v: &Self, i: usize| v.components.get(i).cloned().unwrap_or(Component::Missing);
        for i in 0..n {
            let ord = comp(self, i).cmp(&comp(other, i));
            if ord != Ordering::Equal {
                return ord;
            }
        }
        let letters = self.letter.cmp(&other.letter);
        if letters != Ordering::Equal {
            return letters;
        }
        let n = self.suffixes.len().max(other.suffixes.len());
        let none = (NO_SUFFIX, Digits::zero());
        for i in 0..n {
            let a = self.suffixes.get(i).unwrap_or(&none);
            let b = other.suffixes.get(i).unwrap_or(&none);
            let ord = a.cmp(b);
            if ord != Ordering::Equal {
                return ord;
            }
        }
        let rest = match (&self.remainder, &other.remainder) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(a), Some(b)) => a.cmp(b),
        };
        rest.then_with(|| self.build.cmp(&other.build))
    }
}

crate::version_impls!(ApkVersion);

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> ApkVersion {
        s.parse().unwrap()
    }

    #[test]
    fn grammar() {
        assert!(v("1.2_rc1") < v("1.2"));
        assert!(v("1.2") < v("1.2_p1"));
        assert!(v("1.2_pre1") < v("1.2_rc1"));
        assert!(v("1.0-r1") < v("1.0-r10"));
        assert!(v("1.0a") > v("1.0"));
        assert_eq!(v("1.0~abc123-r1"), v("1.0~def-r1"));
        assert!(v("1.0-r1").is_well_formed());
        assert!(!v("1.0bc").is_well_formed());
    }
}
