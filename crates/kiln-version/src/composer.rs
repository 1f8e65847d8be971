//! Packagist (Composer) versions, ordered as PHP's `version_compare`
//! orders them, after dropping a leading `v`/`V`.
//!
//! The version is canonicalised: `-`, `_`, `+` and other punctuation become
//! `.`, and a `.` is inserted at every switch between digits and letters.
//! Tokens then compare pairwise: numbers by value; words by stability,
//! `dev < alpha = a < beta = b < RC = rc < (number) < pl = p`, with unknown
//! words lowest. When one side runs out, a following number makes the longer
//! side newer and a following word is weighed against "a number".

use std::cmp::Ordering;

use crate::digits::Digits;
use crate::error::check_basic;
use crate::{Scheme, VersionError};

/// A token's sort key: stability weight, then the number for numeric tokens.
type Key = (i8, Option<Digits>);

/// What a version that ran out of tokens is padded with: below any number,
/// above `RC`, below `pl`.
const NUMBER_WEIGHT: i8 = 4;

fn word_weight(word: &str) -> i8 {
    const FORMS: [(&str, i8); 9] = [
        ("dev", 0),
        ("alpha", 1),
        ("a", 1),
        ("beta", 2),
        ("b", 2),
        ("RC", 3),
        ("rc", 3),
        ("pl", 5),
        ("p", 5),
    ];
    FORMS
        .iter()
        .find(|(form, _)| word.starts_with(form))
        .map_or(-6, |(_, w)| *w)
}

/// A parsed Packagist version.
#[derive(Debug, Clone)]
pub struct ComposerVersion {
    raw: String,
    keys: Vec<Key>,
}

fn canonical_tokens(s: &str) -> Vec<String> {
    let mut out = String::new();
    let mut prev: Option<char> = None;
    for c in s.chars() {
        let is_digit = c.is_ascii_digit();
        let transition = prev.is_some_and(|p| {
            let p_non_digit = !p.is_ascii_digit() && p != '.';
            (p_non_digit && is_digit) || (p.is_ascii_digit() && !is_digit && c != '.')
        });
        if !c.is_ascii_alphanumeric() {
            out.push('.');
        } else {
            if transition {
                out.push('.');
            }
            out.push(c);
        }
        prev = Some(c);
    }
    out.split('.')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

impl ComposerVersion {
    /// Reads a Packagist version. `#` (PHP's internal "any number" marker)
    /// is rejected, as are empty strings and whitespace.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        check_basic(input, Scheme::Composer)?;
        if input.contains('#') {
            return Err(VersionError::invalid(
                input,
                Scheme::Composer,
                "contains '#'",
            ));
        }
        let s = input.strip_prefix(['v', 'V']).unwrap_or(input);
        let keys: Vec<Key> = canonical_tokens(s)
            .iter()
            .map(|t| match Digits::parse(t) {
                Some(n) => (NUMBER_WEIGHT, Some(n)),
                None => (word_weight(t), None),
            })
            .collect();
        if keys.is_empty() {
            return Err(VersionError::invalid(
                input,
                Scheme::Composer,
                "no version components",
            ));
        }
        Ok(Self {
            raw: input.to_owned(),
            keys,
        })
    }

    /// The version as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    fn compare(&self, other: &Self) -> Ordering {
        let pad: Key = (NUMBER_WEIGHT, None);
        let n = self.keys.len().max(other.keys.len());
        for i in 0..n {
            let a = self.keys.get(i).unwrap_or(&pad);
            let b = other.keys.get(i).unwrap_or(&pad);
            let ord = a.cmp(b);
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }
}

crate::version_impls!(ComposerVersion);

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> ComposerVersion {
        s.parse().unwrap()
    }

    #[test]
    fn stability_order() {
        let order = ["1.0-dev", "1.0a1", "1.0b1", "1.0RC1", "1.0", "1.0pl1"];
        for w in order.windows(2) {
            assert!(v(w[0]) < v(w[1]), "{} < {}", w[0], w[1]);
        }
        assert_eq!(v("v1.0.0"), v("1.0.0"));
        assert_eq!(v("1.25.0-beta2.1"), v("1.25.0-b.2.1"));
        assert!(v("1.0") < v("1.0.0"));
        assert!("1.2.3.#".parse::<ComposerVersion>().is_err());
    }
}
