//! OSV `affected` ranges: ordered `introduced` / `fixed` / `last_affected` /
//! `limit` events, plus explicit version lists, evaluated as the OSV schema
//! specifies.
//!
//! A version is affected by a range when it lies below some `limit` (or
//! there is none) and, walking the events in version order, the last event
//! at or below it opened an interval: `introduced <= v` opens one,
//! `fixed <= v` closes it, `last_affected < v` closes it. `introduced: "0"`
//! means "from the beginning"; `limit: "*"` means "no limit".
//!
//! Ranges are checked when built: every version parses in the range's
//! scheme, there is at least one `introduced`, and `fixed` and
//! `last_affected` are not mixed.

use std::cmp::Ordering;
use std::fmt;

use crate::{AnyVersion, Scheme, VersionError};

/// The kind of an OSV range event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventKind {
    /// The first affected version (inclusive).
    Introduced,
    /// The first unaffected version after an introduction (exclusive end).
    Fixed,
    /// The last affected version (inclusive end).
    LastAffected,
    /// An upper bound on the whole range (exclusive).
    Limit,
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Introduced => "introduced",
            Self::Fixed => "fixed",
            Self::LastAffected => "last_affected",
            Self::Limit => "limit",
        })
    }
}

/// One checked event. `version` is `None` for `introduced: "0"` and
/// `limit: "*"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    kind: EventKind,
    version: Option<AnyVersion>,
}

impl Event {
    /// The event's kind.
    pub fn kind(&self) -> EventKind {
        self.kind
    }

    /// The event's version; `None` for `introduced: "0"` and `limit: "*"`.
    pub fn version(&self) -> Option<&AnyVersion> {
        self.version.as_ref()
    }
}

/// A checked, sorted OSV range (`ECOSYSTEM` or `SEMVER` type) in one scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    scheme: Scheme,
    /// introduced/fixed/last_affected, sorted by version, "0" first.
    events: Vec<Event>,
    limits: Vec<Event>,
}

fn render(events: &[(EventKind, &str)]) -> String {
    let parts: Vec<String> = events.iter().map(|(k, v)| format!("{k}: {v:?}")).collect();
    parts.join(", ")
}

impl Range {
    /// Checks and normalises a list of `(kind, version)` events, read in `scheme`.
    pub fn new(scheme: Scheme, raw: &[(EventKind, &str)]) -> Result<Self, VersionError> {
        let invalid = |reason| VersionError::InvalidRange {
            events: render(raw),
            reason,
        };
        let mut events = Vec::new();
        let mut limits = Vec::new();
        for &(kind, text) in raw {
            let version = match (kind, text) {
                (EventKind::Introduced, "0") | (EventKind::Limit, "*") => None,
                _ => Some(AnyVersion::parse(scheme, text)?),
            };
            let event = Event { kind, version };
            if kind == EventKind::Limit {
                limits.push(event)
            } else {
                events.push(event)
            }
        }
        if !events.iter().any(|e| e.kind == EventKind::Introduced) {
            return Err(invalid("no introduced event"));
        }
        let has = |k| events.iter().any(|e: &Event| e.kind == k);
        if has(EventKind::Fixed) && has(EventKind::LastAffected) {
            return Err(invalid("fixed and last_affected in one range"));
        }
        // "0" first; at equal versions an introduction comes before the
        // event that closes it, so `introduced X, fixed X` stays empty.
        events.sort_by(|a, b| match (&a.version, &b.version) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) => x.cmp(y).then_with(|| a.kind.cmp(&b.kind)),
        });
        events.dedup();
        Ok(Self {
            scheme,
            events,
            limits,
        })
    }

    /// The scheme the range's versions are in.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The introduced/fixed/last_affected events in evaluation order.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Whether `v` is affected. A version of another scheme never is; use
    /// [`Range::try_affects`] to have that reported.
    pub fn affects(&self, v: &AnyVersion) -> bool {
        self.try_affects(v).unwrap_or(false)
    }

    /// Whether `v` is affected; an error if `v` is of another scheme.
    pub fn try_affects(&self, v: &AnyVersion) -> Result<bool, VersionError> {
        if v.scheme() != self.scheme {
            let right_input = self.events.iter().find_map(|e| e.version.as_ref());
            return Err(VersionError::SchemeMismatch {
                left: v.scheme(),
                left_input: v.to_string(),
                right: self.scheme,
                right_input: right_input
                    .map(ToString::to_string)
                    .unwrap_or_else(|| "0".into()),
            });
        }
        let below_limit = self.limits.is_empty()
            || self
                .limits
                .iter()
                .any(|l| l.version.as_ref().is_none_or(|lim| v < lim));
        if !below_limit {
            return Ok(false);
        }
        let mut affected = false;
        for e in &self.events {
            match (e.kind, &e.version) {
                (EventKind::Introduced, None) => affected = true,
                (EventKind::Introduced, Some(at)) if v >= at => affected = true,
                (EventKind::Fixed, Some(at)) if v >= at => affected = false,
                (EventKind::LastAffected, Some(at)) if v > at => affected = false,
                _ => {}
            }
        }
        Ok(affected)
    }

    /// Parses `v` in the range's scheme and evaluates it.
    pub fn affects_str(&self, v: &str) -> Result<bool, VersionError> {
        self.try_affects(&AnyVersion::parse(self.scheme, v)?)
    }
}

/// An OSV `affected` entry's version data: an explicit `versions` list and
/// any number of ranges. A version is affected if it is listed or any range
/// affects it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Affected {
    scheme: Scheme,
    listed: Vec<String>,
    listed_parsed: Vec<AnyVersion>,
    ranges: Vec<Range>,
}

impl Affected {
    /// Builds from a `versions` list and checked ranges. Listed versions that
    /// do not parse in `scheme` (git tags, say) are still matched exactly by
    /// string. Every range must be in `scheme`.
    pub fn new(
        scheme: Scheme,
        versions: &[&str],
        ranges: Vec<Range>,
    ) -> Result<Self, VersionError> {
        if let Some(r) = ranges.iter().find(|r| r.scheme != scheme) {
            return Err(VersionError::InvalidRange {
                events: format!("{:?}", r.events),
                reason: "range scheme differs from the affected entry's",
            });
        }
        Ok(Self {
            scheme,
            listed: versions.iter().map(|s| (*s).to_owned()).collect(),
            listed_parsed: versions
                .iter()
                .filter_map(|s| AnyVersion::parse(scheme, s).ok())
                .collect(),
            ranges,
        })
    }

    /// The ranges.
    pub fn ranges(&self) -> &[Range] {
        &self.ranges
    }

    /// Whether `v` is affected: listed (exactly, or equal under the scheme)
    /// or inside any range.
    pub fn affects(&self, v: &AnyVersion) -> bool {
        if v.scheme() != self.scheme {
            return false;
        }
        let text = v.to_string();
        self.listed.contains(&text)
            || self.listed_parsed.iter().any(|l| l == v)
            || self.ranges.iter().any(|r| r.affects(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EventKind::*;

    fn sv(s: &str) -> AnyVersion {
        AnyVersion::parse(Scheme::SemVer, s).unwrap()
    }

    fn range(events: &[(EventKind, &str)]) -> Range {
        Range::new(Scheme::SemVer, events).unwrap()
    }

    #[test]
    fn introduced_zero_fixed() {
        let r = range(&[(Introduced, "0"), (Fixed, "1.2.0")]);
        assert!(r.affects(&sv("0.0.1")));
        assert!(r.affects(&sv("1.2.0-rc.1")));
        assert!(!r.affects(&sv("1.2.0")));
        assert!(!r.affects(&sv("2.0.0")));
    }

    #[test]
    fn several_intervals_and_last_affected() {
        let r = range(&[
            (Fixed, "1.5.0"),
            (Introduced, "2.0.0"),
            (Introduced, "1.0.0"),
            (Fixed, "2.1.0"),
        ]);
        let hits: Vec<bool> = ["0.9.0", "1.0.0", "1.4.9", "1.5.0", "2.0.0", "2.1.0"]
            .iter()
            .map(|v| r.affects(&sv(v)))
            .collect();
        assert_eq!(hits, [false, true, true, false, true, false]);
        let r = range(&[(Introduced, "1.0.0"), (LastAffected, "1.4.0")]);
        assert!(r.affects(&sv("1.4.0")));
        assert!(!r.affects(&sv("1.4.1")));
    }

    #[test]
    fn limits_cap() {
        let r = range(&[(Introduced, "0"), (Limit, "2.0.0")]);
        assert!(r.affects(&sv("1.9.9")));
        assert!(!r.affects(&sv("2.0.0")));
        let r = range(&[(Introduced, "1.0.0"), (Limit, "*")]);
        assert!(r.affects(&sv("9.0.0")));
    }

    #[test]
    fn malformed_ranges_are_rejected() {
        let e = Range::new(Scheme::SemVer, &[(Fixed, "1.0.0")]).unwrap_err();
        assert!(e.to_string().contains("no introduced"), "{e}");
        assert!(
            Range::new(
                Scheme::SemVer,
                &[(Introduced, "0"), (Fixed, "1"), (LastAffected, "2")]
            )
            .is_err()
        );
        let e = Range::new(Scheme::SemVer, &[(Introduced, "not-a-version")]).unwrap_err();
        assert!(e.to_string().contains("not-a-version"), "{e}");
    }

    #[test]
    fn lists_and_scheme_mismatch() {
        let deb = |s| AnyVersion::parse(Scheme::Dpkg, s).unwrap();
        let r = Range::new(Scheme::Dpkg, &[(Introduced, "0"), (Fixed, "1.2-1+deb11u1")]).unwrap();
        let a = Affected::new(Scheme::Dpkg, &["3.0-1", "some-tag"], vec![r.clone()]).unwrap();
        assert!(a.affects(&deb("1.2-1")));
        assert!(a.affects(&deb("0:3.0-1")));
        assert!(!a.affects(&deb("2.0-1")));
        assert!(!a.affects(&sv("1.0.0")));
        assert!(r.try_affects(&sv("1.0.0")).is_err());
    }
}
