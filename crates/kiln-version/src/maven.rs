//! Maven versions, ordered like Maven's `ComparableVersion`.
//!
//! A version (lowercased) becomes a tree of items. `.` separates items of
//! one list; `-` and every switch between digits and letters start a new
//! sub-list nested at the end of the current one. An item is an integer,
//! a qualifier string, or such a sub-list. Empty pieces (`1..2`, `-`,
//! `1-`) are the integer `0`. Qualifiers are ordered
//! `alpha < beta < milestone < rc = cr < snapshot < "" = ga = final =
//! release < sp`, then unknown qualifiers alphabetically; `a1`, `b1`, `m1`
//! mean `alpha-1`, `beta-1`, `milestone-1`. Each list drops its trailing
//! "null" items (`0`, `""`, empty lists), skipping over non-null sub-lists.
//!
//! A missing item (the shorter list's padding) equals each kind's null.
//! Kinds order `qualifier < list < integer`, except that a qualifier and a
//! list on different sides of null order by that side, which keeps hyphen
//! forms (`-`, `1-`, `1.0-`, `0-alpha`, `1-ga-1` = `1-1`) transitive
//! (property-tested). Known gap: a qualifier after a dotted zero
//! (`0.alpha`, `.alpha`) still compares across kinds, so e.g. `.alpha <
//! ga < a` but `.alpha > a`.

use std::cmp::Ordering;

use crate::digits::Digits;
use crate::error::check_basic;
use crate::{Scheme, VersionError};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Int(Digits),
    /// The qualifier's rank in [`KNOWN`], or `KNOWN.len()` with its text.
    Str(usize, String),
    List(Vec<Item>),
}

const KNOWN: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
/// The rank of the release qualifier `""`.
const RELEASE: usize = 5;

impl Item {
    fn qualifier(text: &str, followed_by_digit: bool) -> Item {
        let q = match text {
            "cr" => "rc",
            "ga" | "final" | "release" => "",
            "a" if followed_by_digit => "alpha",
            "b" if followed_by_digit => "beta",
            "m" if followed_by_digit => "milestone",
            other => other,
        };
        match KNOWN.iter().position(|k| *k == q) {
            Some(rank) => Item::Str(rank, String::new()),
            None => Item::Str(KNOWN.len(), q.to_owned()),
        }
    }

    fn piece(text: &str, followed_by_digit: bool) -> Item {
        if text.is_empty() {
            return Item::Int(Digits::zero());
        }
        match Digits::parse(text) {
            Some(n) => Item::Int(n),
            None => Item::qualifier(text, followed_by_digit),
        }
    }

    fn is_null(&self) -> bool {
        match self {
            Item::Int(n) => n.is_zero(),
            Item::Str(rank, _) => *rank == RELEASE,
            Item::List(items) => items.is_empty(),
        }
    }

    /// `self` against a missing item.
    fn cmp_null(&self) -> Ordering {
        match self {
            Item::Int(n) => {
                if n.is_zero() {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            Item::Str(rank, _) => rank.cmp(&RELEASE),
            Item::List(items) => items
                .iter()
                .map(Item::cmp_null)
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal),
        }
    }

    fn kind(&self) -> u8 {
        match self {
            Item::Str(..) => 0,
            Item::List(_) => 1,
            Item::Int(_) => 2,
        }
    }

    /// Integers rank above other kinds; a qualifier and a list rank first
    /// by their side of null (so that padding, which equals every null,
    /// agrees with direct comparisons), then `qualifier < list`.
    fn compare(&self, other: &Item) -> Ordering {
        match (self, other) {
            (Item::Str(..), Item::List(_)) | (Item::List(_), Item::Str(..)) => {
                let (side_a, side_b) = (self.cmp_null(), other.cmp_null());
                if side_a != side_b || side_a.is_eq() {
                    return side_a.cmp(&side_b);
                }
                self.kind().cmp(&other.kind())
            }
            (Item::Int(a), Item::Int(b)) => a.cmp(b),
            (Item::Str(ra, ta), Item::Str(rb, tb)) => ra.cmp(rb).then_with(|| ta.cmp(tb)),
            (Item::List(a), Item::List(b)) => compare_lists(a, b),
            _ => self.kind().cmp(&other.kind()),
        }
    }
}

fn compare_lists(a: &[Item], b: &[Item]) -> Ordering {
    for i in 0..a.len().max(b.len()) {
        let o = match (a.get(i), b.get(i)) {
            (Some(x), Some(y)) => x.compare(y),
            (Some(x), None) => x.cmp_null(),
            (None, Some(y)) => y.cmp_null().reverse(),
            (None, None) => Ordering::Equal,
        };
        if o.is_ne() {
            return o;
        }
    }
    Ordering::Equal
}

/// Drops trailing nulls, skipping over non-null sub-lists.
fn normalize(items: &mut Vec<Item>) {
    let mut i = items.len();
    while i > 0 {
        i -= 1;
        if items[i].is_null() {
            items.remove(i);
        } else if !matches!(items[i], Item::List(_)) {
            break;
        }
    }
}

/// A parsed Maven version.
#[derive(Debug, Clone)]
pub struct MavenVersion {
    raw: String,
    items: Vec<Item>,
}

/// Builds the item tree: `stack` holds the open lists, innermost last; each
/// is the last item of the one before it.
fn parse_items(version: &str) -> Vec<Item> {
    let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
    let bytes = version.as_bytes();
    let mut is_digit = false;
    let mut start = 0;
    for (i, &c) in bytes.iter().enumerate() {
        let current = stack.len() - 1;
        match c {
            b'-' if current > 0
                && stack[current].is_empty()
                && Item::piece(&version[start..i], false) == Item::Str(RELEASE, String::new()) =>
            {
                // `1-ga-1` is `1-1`: a release qualifier alone in its
                // sub-list only repeats the hyphen.
                start = i + 1;
            }
            b'.' | b'-' => {
                stack[current].push(Item::piece(&version[start..i], false));
                start = i + 1;
                if c == b'-' {
                    stack.push(Vec::new());
                }
            }
            b'0'..=b'9' => {
                if !is_digit && i > start {
                    stack[current].push(Item::qualifier(&version[start..i], true));
                    start = i;
                    stack.push(Vec::new());
                }
                is_digit = true;
            }
            _ => {
                if is_digit && i > start {
                    stack[current].push(Item::piece(&version[start..i], false));
                    start = i;
                    stack.push(Vec::new());
                }
                is_digit = false;
            }
        }
    }
    if start < bytes.len() {
        let current = stack.len() - 1;
        stack[current].push(Item::piece(&version[start..], false));
    }
    let mut inner = None;
    while let Some(mut list) = stack.pop() {
        if let Some(child) = inner.take() {
            list.push(Item::List(child));
        }
        normalize(&mut list);
        inner = Some(list);
    }
    inner.unwrap_or_default()
}

impl MavenVersion {
    /// Reads a Maven version. Any non-empty string without whitespace is one.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        check_basic(input, Scheme::Maven)?;
        Ok(Self {
            raw: input.to_owned(),
            items: parse_items(&input.to_ascii_lowercase()),
        })
    }

    /// The version as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    fn compare(&self, other: &Self) -> Ordering {
        compare_lists(&self.items, &other.items)
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
