//! Maven versions, ordered by Maven's version order specification
//! (the semantics of `ComparableVersion`).
//!
//! A version is split into tokens at `.`, `-` and at every switch between
//! digits and non-digits (which counts as a `-`). Each token remembers the
//! separator before it. Qualifiers are case-insensitive and ordered
//! `alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release
//! < sp`, then unknown qualifiers alphabetically; `a1`, `b1`, `m1` are
//! `alpha-1`, `beta-1`, `milestone-1`. Trailing "null" tokens (`0`, `""`,
//! `ga`, `final`) are dropped before each hyphen from the end, and the
//! shorter version is padded with nulls when comparing.

use std::cmp::Ordering;

use crate::digits::Digits;
use crate::error::check_basic;
use crate::{Scheme, VersionError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sep {
    Dot,
    Dash,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Num(Digits),
    Qualifier(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    sep: Sep,
    value: Value,
}

const KNOWN: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

impl Token {
    fn is_null(&self) -> bool {
        match &self.value {
            Value::Num(n) => n.is_zero(),
            Value::Qualifier(q) => q.is_empty(),
        }
    }

    /// The null token that pads the other side against `self`.
    fn null_for(&self) -> Token {
        match self.sep {
            Sep::Dot if self.value == Value::Qualifier("sp".to_owned()) => Token {
                sep: Sep::Dot,
                value: Value::Qualifier(String::new()),
            },
            Sep::Dot => Token {
                sep: Sep::Dot,
                value: Value::Num(Digits::zero()),
            },
            Sep::Dash => Token {
                sep: Sep::Dash,
                value: Value::Qualifier(String::new()),
            },
        }
    }

    /// `.qualifier < -qualifier < -number < .number`
    fn kind_rank(&self) -> u8 {
        match (&self.value, self.sep) {
            (Value::Qualifier(_), Sep::Dot) => 0,
            (Value::Qualifier(_), Sep::Dash) => 1,
            (Value::Num(_), Sep::Dash) => 2,
            (Value::Num(_), Sep::Dot) => 3,
        }
    }

    fn compare(&self, other: &Token, self_padded: bool, other_padded: bool) -> Ordering {
        if self.sep != other.sep {
            return self.kind_rank().cmp(&other.kind_rank());
        }
        match (&self.value, &other.value) {
            (Value::Num(a), Value::Num(b)) => a.cmp(b),
            (Value::Num(_), _) if !self_padded => Ordering::Greater,
            (_, Value::Num(_)) if !other_padded => Ordering::Less,
            (a, b) => qualifier_key(a).cmp(&qualifier_key(b)),
        }
    }
}

fn qualifier_key(v: &Value) -> (usize, &str) {
    match v {
        // A padded numeric null only meets qualifiers here; it ranks as "".
        Value::Num(_) => (5, ""),
        Value::Qualifier(q) => {
            let rank = KNOWN.iter().position(|k| k == q).unwrap_or(KNOWN.len());
            (rank, if rank == KNOWN.len() { q.as_str() } else { "" })
        }
    }
}

/// A parsed Maven version.
#[derive(Debug, Clone)]
pub struct MavenVersion {
    raw: String,
    tokens: Vec<Token>,
}

fn make_token(sep: Sep, text: &str, followed_by_digit: bool) -> Token {
    let lower = text.to_ascii_lowercase();
    if let Some(n) = Digits::parse(&lower) {
        return Token {
            sep,
            value: Value::Num(n),
        };
    }
    let q = match lower.as_str() {
        "" => {
            return Token {
                sep,
                value: Value::Num(Digits::zero()),
            };
        }
        "cr" => "rc",
        "ga" | "final" | "release" => "",
        "a" if followed_by_digit => "alpha",
        "b" if followed_by_digit => "beta",
        "m" if followed_by_digit => "milestone",
        other => other,
    };
    Token {
        sep,
        value: Value::Qualifier(q.to_owned()),
    }
}

impl MavenVersion {
    /// Reads a Maven version. Any non-empty string without whitespace is one.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        check_basic(input, Scheme::Maven)?;
        let mut tokens = Vec::new();
        let mut sep = Sep::Dash;
        let mut piece_start = 0;
        let bytes = input.as_bytes();
        let flush = |tokens: &mut Vec<Token>, piece: &str, sep: Sep| {
            let mut start = 0;
            let mut sep = sep;
            let pb = piece.as_bytes();
            for i in 1..=pb.len() {
                let boundary =
                    i == pb.len() || pb[i].is_ascii_digit() != pb[i - 1].is_ascii_digit();
                if boundary {
                    let followed = i < pb.len() && pb[i].is_ascii_digit();
                    tokens.push(make_token(sep, &piece[start..i], followed));
                    start = i;
                    sep = Sep::Dash;
                }
            }
            if pb.is_empty() {
                tokens.push(make_token(sep, "", false));
            }
        };
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'.' || b == b'-' {
                flush(&mut tokens, &input[piece_start..i], sep);
                sep = if b == b'.' { Sep::Dot } else { Sep::Dash };
                piece_start = i + 1;
            }
        }
        flush(&mut tokens, &input[piece_start..], sep);
        // The first token has no separator; treat it as a dotted number or
        // qualifier consistently.
        if let Some(first) = tokens.first_mut() {
            first.sep = Sep::Dot;
        }
        // Drop trailing nulls, then again before each hyphen from the end.
        let mut i = tokens.len();
        while i > 1 {
            i -= 1;
            if tokens[i].is_null() {
                tokens.remove(i);
                continue;
            }
            while i > 0 && tokens[i].sep != Sep::Dash {
                i -= 1;
            }
        }
        Ok(Self {
            raw: input.to_owned(),
            tokens,
        })
    }

    /// The version as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    fn compare(&self, other: &Self) -> Ordering {
        let n = self.tokens.len().max(other.tokens.len());
        for i in 0..n {
            let (a, b) = match (self.tokens.get(i), other.tokens.get(i)) {
                (Some(a), Some(b)) => (a.clone(), b.clone()),
                (Some(a), None) => (a.clone(), a.null_for()),
                (None, Some(b)) => (b.null_for(), b.clone()),
                (None, None) => break,
            };
            if a == b {
                continue;
            }
            let (ap, bp) = (i >= self.tokens.len(), i >= other.tokens.len());
            return a.compare(&b, ap, bp);
        }
        Ordering::Equal
    }
}

crate::version_impls!(MavenVersion);

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> MavenVersion {
        s.parse().unwrap()
    }

    #[test]
    fn qualifiers() {
        assert!(v("1-alpha") < v("1-beta"));
        assert!(v("1-beta") < v("1-milestone"));
        assert!(v("1-rc") < v("1-snapshot"));
        assert_eq!(v("1-rc"), v("1-cr"));
        assert!(v("1-snapshot") < v("1"));
        assert_eq!(v("1"), v("1-ga"));
        assert_eq!(v("1.0.0"), v("1-final"));
        assert!(v("1") < v("1-sp"));
        assert!(v("1-sp") < v("1-1"));
        assert_eq!(v("1a1"), v("1-alpha-1"));
    }
}
