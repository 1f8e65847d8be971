//! Python package versions (PEP 440), as PyPI and `packaging` order them.
//!
//! Strings that are not PEP 440 but were accepted by older `packaging`
//! ("legacy" versions such as `0.1-bulbasaur`) are still read and sort before
//! every PEP 440 version, as `packaging` < 22 sorted them.

use std::cmp::Ordering;
use std::fmt::Write as _;

use crate::digits::{Digits, split_run};
use crate::error::check_basic;
use crate::{Scheme, VersionError};

/// Pre-release kind, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Pre {
    Alpha,
    Beta,
    Rc,
}

/// One local-version segment: numbers sort after strings.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Local {
    Str(String),
    Num(Digits),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Release {
    epoch: Digits,
    release: Vec<Digits>,
    pre: Option<(Pre, Digits)>,
    post: Option<Digits>,
    dev: Option<Digits>,
    local: Vec<Local>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Form {
    Legacy(Vec<String>),
    Pep440,
}

/// A parsed Python version.
#[derive(Debug, Clone)]
pub struct Pep440Version {
    raw: String,
    form: Form,
    parts: Option<Release>,
}

fn take_sep(s: &str) -> &str {
    s.strip_prefix(['.', '-', '_']).unwrap_or(s)
}

fn take_num(s: &str) -> (Option<Digits>, &str) {
    let (d, rest) = split_run(s, |c| c.is_ascii_digit());
    (Digits::parse(d), rest)
}

fn take_word<'a>(s: &'a str, words: &[&str]) -> Option<(&'a str, &'a str)> {
    let w = words.iter().find(|w| s.starts_with(**w))?;
    Some(s.split_at(w.len()))
}

/// Parses the strict PEP 440 grammar (after lower-casing); `None` if not PEP 440.
fn parse_strict(s: &str) -> Option<Release> {
    let s = s.strip_prefix('v').unwrap_or(s);
    let (epoch, mut s) = match s.split_once('!') {
        Some((e, rest)) => (Digits::parse(e)?, rest),
        None => (Digits::zero(), s),
    };
    let mut release = Vec::new();
    loop {
        let (n, rest) = take_num(s);
        release.push(n?);
        s = rest;
        match s.strip_prefix('.') {
            Some(r) if r.starts_with(|c: char| c.is_ascii_digit()) => s = r,
            _ => break,
        }
    }
    let mut pre = None;
    let pre_words = ["alpha", "beta", "preview", "pre", "a", "b", "c", "rc"];
    if let Some((w, rest)) = take_word(take_sep(s), &pre_words) {
        let kind = match w {
            "alpha" | "a" => Pre::Alpha,
            "beta" | "b" => Pre::Beta,
            _ => Pre::Rc,
        };
        let (n, rest2) = take_num(take_sep(rest));
        let rest = if n.is_some() { rest2 } else { rest };
        pre = Some((kind, n.unwrap_or_else(Digits::zero)));
        s = rest;
    }
    let mut post = None;
    if let Some(r) = s.strip_prefix('-')
        && let (Some(n), rest) = take_num(r)
    {
        post = Some(n);
        s = rest;
    } else if let Some((_, rest)) = take_word(take_sep(s), &["post", "rev", "r"]) {
        let (n, rest2) = take_num(take_sep(rest));
        let rest = if n.is_some() { rest2 } else { rest };
        post = Some(n.unwrap_or_else(Digits::zero));
        s = rest;
    }
    let mut dev = None;
    if let Some((_, rest)) = take_word(take_sep(s), &["dev"]) {
        let (n, rest2) = take_num(take_sep(rest));
        let rest = if n.is_some() { rest2 } else { rest };
        dev = Some(n.unwrap_or_else(Digits::zero));
        s = rest;
    }
    let mut local = Vec::new();
    if let Some(l) = s.strip_prefix('+') {
        for seg in l.split(['.', '-', '_']) {
            if seg.is_empty() || !seg.bytes().all(|c| c.is_ascii_alphanumeric()) {
                return None;
            }
            local.push(Digits::parse(seg).map_or_else(|| Local::Str(seg.to_owned()), Local::Num));
        }
        s = "";
    }
    s.is_empty().then_some(Release {
        epoch,
        release,
        pre,
        post,
        dev,
        local,
    })
}

/// `packaging`'s legacy key: digit runs zero-padded, words prefixed by `*`.
fn legacy_key(s: &str) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut rest = s;
    let mut raw = Vec::new();
    while let Some(c) = rest.bytes().next() {
        let (tok, tail) = if c.is_ascii_digit() {
            split_run(rest, |b| b.is_ascii_digit())
        } else if c.is_ascii_lowercase() {
            split_run(rest, |b| b.is_ascii_lowercase())
        } else {
            rest.split_at(rest.chars().next().map_or(1, char::len_utf8))
        };
        raw.push(tok);
        rest = tail;
    }
    for tok in raw {
        let tok = match tok {
            "pre" | "preview" | "rc" => "c",
            "-" => "final-",
            "dev" => "@",
            t => t,
        };
        if tok == "." || tok.is_empty() {
            continue;
        }
        let part = if tok.starts_with(|c: char| c.is_ascii_digit()) {
            format!("{tok:0>8}")
        } else {
            format!("*{tok}")
        };
        if part.starts_with('*') {
            if part.as_str() < "*final" {
                while parts.last().is_some_and(|p| p == "*final-") {
                    parts.pop();
                }
            }
            while parts.last().is_some_and(|p| p == "00000000") {
                parts.pop();
            }
        }
        parts.push(part);
    }
    parts.push("*final".to_owned());
    parts
}

impl Pep440Version {
    /// Reads a PEP 440 version, or a legacy version `packaging` used to accept.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        check_basic(input, Scheme::Pep440)?;
        let lower = input.to_ascii_lowercase();
        match parse_strict(&lower) {
            Some(parts) => Ok(Self {
                raw: input.to_owned(),
                form: Form::Pep440,
                parts: Some(parts),
            }),
            None => Ok(Self {
                raw: input.to_owned(),
                form: Form::Legacy(legacy_key(&lower)),
                parts: None,
            }),
        }
    }

    /// Reads a version that must follow PEP 440.
    pub fn parse_strict(input: &str) -> Result<Self, VersionError> {
        let v = Self::parse(input)?;
        if v.parts.is_none() {
            return Err(VersionError::invalid(
                input,
                Scheme::Pep440,
                "not a PEP 440 version",
            ));
        }
        Ok(v)
    }

    /// The version as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Whether this is a pre-PEP 440 legacy version.
    pub fn is_legacy(&self) -> bool {
        self.parts.is_none()
    }

    /// PEP 440's normalised spelling (`1.0-RC.1` → `1.0rc1`); legacy versions
    /// are returned as written.
    pub fn normalized(&self) -> String {
        let Some(p) = &self.parts else {
            return self.raw.clone();
        };
        let mut out = String::new();
        if !p.epoch.is_zero() {
            let _ = write!(out, "{}!", p.epoch);
        }
        let rel: Vec<String> = p.release.iter().map(ToString::to_string).collect();
        out.push_str(&rel.join("."));
        if let Some((kind, n)) = &p.pre {
            let k = match kind {
                Pre::Alpha => "a",
                Pre::Beta => "b",
                Pre::Rc => "rc",
            };
            let _ = write!(out, "{k}{n}");
        }
        if let Some(n) = &p.post {
            let _ = write!(out, ".post{n}");
        }
        if let Some(n) = &p.dev {
            let _ = write!(out, ".dev{n}");
        }
        if !p.local.is_empty() {
            let segs: Vec<String> = p
                .local
                .iter()
                .map(|l| match l {
                    Local::Str(s) => s.clone(),
                    Local::Num(n) => n.to_string(),
                })
                .collect();
            let _ = write!(out, "+{}", segs.join("."));
        }
        out
    }

    fn compare(&self, other: &Self) -> Ordering {
        match (&self.parts, &other.parts) {
            (Some(a), Some(b)) => cmp_release(a, b),
            _ => self.form.cmp(&other.form),
        }
    }
}

fn cmp_release(a: &Release, b: &Release) -> Ordering {
    fn trimmed(r: &[Digits]) -> &[Digits] {
        let end = r.iter().rposition(|d| !d.is_zero()).map_or(0, |i| i + 1);
        &r[..end]
    }
    // Pre key: dev-only releases sort before any pre-release of the same release.
    fn pre_key(r: &Release) -> (u8, Option<&(Pre, Digits)>) {
        match (&r.pre, &r.post, &r.dev) {
            (None, None, Some(_)) => (0, None),
            (None, _, _) => (2, None),
            (Some(p), _, _) => (1, Some(p)),
        }
    }
    // Absent dev sorts after any dev release.
    fn dev_key(r: &Release) -> (bool, Option<&Digits>) {
        (r.dev.is_none(), r.dev.as_ref())
    }
    a.epoch
        .cmp(&b.epoch)
        .then_with(|| trimmed(&a.release).cmp(trimmed(&b.release)))
        .then_with(|| pre_key(a).cmp(&pre_key(b)))
        .then_with(|| a.post.cmp(&b.post))
        .then_with(|| dev_key(a).cmp(&dev_key(b)))
        .then_with(|| a.local.cmp(&b.local))
}

crate::version_impls!(Pep440Version);

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Pep440Version {
        s.parse().unwrap()
    }

    #[test]
    fn ordering_and_normalisation() {
        assert!(v("1.0.dev0") < v("1.0a0"));
        assert!(v("1.0a1") < v("1.0"));
        assert!(v("1.0") < v("1.0.post1"));
        assert!(v("1.0") < v("1.0+local"));
        assert_eq!(v("1.0"), v("1.0.0"));
        assert_eq!(v("1.0-RC.1").normalized(), "1.0rc1");
        assert_eq!(v("1!2.0-1").normalized(), "1!2.0.post1");
        assert_eq!(v("v1.0.DEV").normalized(), "1.0.dev0");
        assert!(v("0.9-ivysaur") < v("0.1"));
        assert!(Pep440Version::parse_strict("0.1-bulbasaur").is_err());
    }
}
