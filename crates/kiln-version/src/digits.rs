//! Arbitrary-length unsigned integers kept as digit strings.
//!
//! Advisory data contains version components far larger than `u64`
//! (dates, build stamps), so numbers are compared by length and then
//! lexically after stripping leading zeros.

use std::cmp::Ordering;
use std::fmt;

/// A non-negative integer of any size, without leading zeros.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Digits(String);

impl Digits {
    /// Reads an ASCII digit string; `None` if it is empty or holds a non-digit.
    pub(crate) fn parse(s: &str) -> Option<Self> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let trimmed = s.trim_start_matches('0');
        Some(Self(if trimmed.is_empty() {
            "0".to_owned()
        } else {
            trimmed.to_owned()
        }))
    }

    /// Zero.
    pub(crate) fn zero() -> Self {
        Self("0".to_owned())
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.0 == "0"
    }
}

impl Ord for Digits {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.cmp(&other.0))
    }
}

impl PartialOrd for Digits {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Digits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Splits `s` into its leading run of bytes matching `pred` and the rest.
pub(crate) fn split_run(s: &str, pred: impl Fn(u8) -> bool) -> (&str, &str) {
    let end = s.bytes().position(|b| !pred(b)).unwrap_or(s.len());
    s.split_at(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_value_not_spelling() {
        let a = Digits::parse("0099").unwrap();
        let b = Digits::parse("100").unwrap();
        assert!(a < b);
        assert_eq!(Digits::parse("000").unwrap(), Digits::zero());
        assert!(Digits::parse("").is_none());
        assert!(Digits::parse("1a").is_none());
        let big = Digits::parse("999999999999999999999999999991").unwrap();
        assert!(big < Digits::parse("999999999999999999999999999999").unwrap());
    }
}
