//! The checked advisory model: what kiln stores and matches against.
//!
//! Built from [`RawOsv`] by [`Advisory::from_osv`], or by the native-format
//! importers. Ranges are [`kiln_version::range::Range`]s, so they parsed in
//! their ecosystem's scheme when built; GIT ranges are dropped, and the
//! record keeps its other ranges.

use std::fmt;

use kiln_version::range::{EventKind, Range};
use kiln_version::{AnyVersion, Ecosystem, Scheme, VersionError};
use serde::{Deserialize, Serialize};

use crate::raw::{RawAffected, RawOsv, RawSeverity};
use crate::release;
use crate::severity::Severity;
use crate::stored::StoredPackage;
use crate::{Result, VulnError};

/// One advisory (one record of one source).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// The record's id (`GHSA-…`, `PYSEC-…`, `DSA-5380-1`, `CVE-…`).
    pub id: String,
    /// Ids of the same vulnerability elsewhere (`aliases`).
    pub aliases: Vec<String>,
    /// Ids this record derives from (`upstream`, e.g. the CVE of a DSA).
    pub upstream: Vec<String>,
    /// Last modification (RFC 3339), when known.
    pub modified: Option<String>,
    /// Publication (RFC 3339), when known.
    pub published: Option<String>,
    /// When the record was withdrawn; importers drop withdrawn records.
    pub withdrawn: Option<String>,
    /// One line about it.
    pub summary: Option<String>,
    /// Record-level severities.
    pub severity: Vec<Severity>,
    /// The packages and versions it affects.
    pub affected: Vec<AffectedPackage>,
    /// Reference URLs.
    pub references: Vec<String>,
}

/// The state a distribution gives a (vulnerability, package, release).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Fixed in the listed version.
    Fixed,
    /// Affected, no fix yet ("open", `<unfixed>`).
    Unfixed,
    /// Affected; Debian will not issue an advisory (minor issue).
    NoDsa,
    /// Affected; Debian decided not to fix it.
    Ignored,
    /// Affected; the fix is deferred to a later update.
    Postponed,
    /// Affected; the release is out of security support.
    EndOfLife,
    /// Not yet assessed.
    Undetermined,
    /// The release's package is not affected; never matches.
    NotAffected,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Fixed => "fixed",
            Self::Unfixed => "unfixed",
            Self::NoDsa => "no-dsa",
            Self::Ignored => "ignored",
            Self::Postponed => "postponed",
            Self::EndOfLife => "end-of-life",
            Self::Undetermined => "undetermined",
            Self::NotAffected => "not-affected",
        })
    }
}

/// A distribution's statement about one package in one release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DistroStatus {
    /// The state.
    pub status: Status,
    /// The distribution's note (`Minor issue`, `Vulnerable code not present`).
    pub note: Option<String>,
    /// Debian urgency as written (`low`, `high**`, `unimportant`).
    pub urgency: Option<String>,
}

/// How a range orders its versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RangeKind {
    /// SemVer 2.0 precedence.
    #[serde(rename = "SEMVER")]
    SemVer,
    /// The ecosystem's own ordering.
    #[serde(rename = "ECOSYSTEM")]
    Ecosystem,
}

impl fmt::Display for RangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SemVer => "SEMVER",
            Self::Ecosystem => "ECOSYSTEM",
        })
    }
}

/// One checked range, with the events as the source wrote them (for display).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AffectedRange {
    kind: RangeKind,
    events: Vec<(EventKind, String)>,
    range: Range,
}

impl AffectedRange {
    /// Checks `events` in the scheme `kind` implies for `ecosystem`.
    pub fn new(
        kind: RangeKind,
        ecosystem: Ecosystem,
        events: Vec<(EventKind, String)>,
    ) -> Result<Self, VersionError> {
        let scheme = match kind {
            RangeKind::SemVer => Scheme::SemVer,
            RangeKind::Ecosystem => ecosystem.scheme(),
        };
        let borrowed: Vec<(EventKind, &str)> =
            events.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let range = Range::new(scheme, &borrowed)?;
        Ok(Self {
            kind,
            events,
            range,
        })
    }

    /// `SEMVER` or `ECOSYSTEM`.
    pub fn kind(&self) -> RangeKind {
        self.kind
    }

    /// The events as written.
    pub fn events(&self) -> &[(EventKind, String)] {
        &self.events
    }

    /// The checked range.
    pub fn range(&self) -> &Range {
        &self.range
    }

    /// The lowest `fixed` version above `v`: the fix for an affected `v`.
    pub fn fix_for(&self, v: &AnyVersion) -> Option<String> {
        self.range
            .events()
            .iter()
            .filter(|e| e.kind() == EventKind::Fixed)
            .filter_map(|e| e.version())
            .filter(|f| f.try_cmp(v).is_ok_and(|o| o.is_gt()))
            .min()
            .map(ToString::to_string)
    }
}

impl fmt::Display for AffectedRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        for (i, (k, v)) in self.events.iter().enumerate() {
            let sep = if i == 0 { " " } else { ", " };
            write!(f, "{sep}{k} {v}")?;
        }
        Ok(())
    }
}

/// One affected package of an advisory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "StoredPackage", into = "StoredPackage")]
pub struct AffectedPackage {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// Its release suffix, normalised (`11`, `v3.19`), for distributions.
    pub release: Option<String>,
    /// The package name as the record writes it (source package for distributions).
    pub name: String,
    /// The record's purl, if any.
    pub purl: Option<String>,
    /// SEMVER and ECOSYSTEM ranges.
    pub ranges: Vec<AffectedRange>,
    /// Explicitly listed affected versions.
    pub versions: Vec<String>,
    /// Versions the source says are not affected although a range holds
    /// them: a rubysec range that starts just above a version (`unaffected:
    /// <= 1.0`) is stored from that version, which is listed here.
    pub unaffected: Vec<String>,
    /// The distribution's status, for distribution data.
    pub status: Option<DistroStatus>,
    /// Package-level severities.
    pub severity: Vec<Severity>,
}

impl AffectedPackage {
    /// The ecosystem as OSV spells it, with the release (`Debian:11`).
    pub fn ecosystem_label(&self) -> String {
        match &self.release {
            Some(r) => format!("{}:{r}", self.ecosystem),
            None => self.ecosystem.to_string(),
        }
    }
}

/// The name kiln indexes a package under: PEP 503 normalised for PyPI,
/// verbatim elsewhere.
pub fn package_key(ecosystem: Ecosystem, name: &str) -> String {
    match ecosystem {
        Ecosystem::PyPi => {
            let mut out = String::with_capacity(name.len());
            let mut sep = false;
            for c in name.chars() {
                if matches!(c, '-' | '_' | '.') {
                    sep = true;
                } else {
                    if sep && !out.is_empty() {
                        out.push('-');
                    }
                    sep = false;
                    out.extend(c.to_lowercase());
                }
            }
            out
        }
        _ => name.to_owned(),
    }
}

/// A checked record and what was dropped from it on the way.
#[derive(Debug)]
pub struct Parsed {
    /// The record.
    pub advisory: Advisory,
    /// What was left out (unknown ecosystems, ranges that do not parse).
    pub notes: Vec<String>,
}

fn timestamp(id: &str, field: &str, text: Option<crate::raw::Text>) -> Result<Option<String>> {
    let Some(text) = text else { return Ok(None) };
    let text = text.into_string();
    let ts: jiff::Timestamp = text.parse().map_err(|e| VulnError::InvalidRecord {
        record: id.to_owned(),
        reason: format!("{field} {text:?} is not an RFC 3339 time: {e}"),
    })?;
    Ok(Some(ts.to_string()))
}

fn severities(raw: Option<Vec<RawSeverity>>) -> Vec<Severity> {
    raw.unwrap_or_default()
        .into_iter()
        .filter_map(|s| Severity::from_osv(&s.kind, &s.score.into_string()))
        .collect()
}

fn event_kind(key: &str) -> Option<EventKind> {
    Some(match key {
        "introduced" => EventKind::Introduced,
        "fixed" => EventKind::Fixed,
        "last_affected" => EventKind::LastAffected,
        "limit" => EventKind::Limit,
        _ => return None,
    })
}

fn affected(id: &str, raw: RawAffected, notes: &mut Vec<String>) -> Option<AffectedPackage> {
    let Some(package) = raw.package else {
        notes.push("an affected entry without a package".into());
        return None;
    };
    let (ecosystem, release) = match Ecosystem::parse_with_release(&package.ecosystem) {
        Ok(parsed) => parsed,
        Err(_) => {
            notes.push(format!(
                "ecosystem {:?} is not one kiln matches",
                package.ecosystem
            ));
            return None;
        }
    };
    let release = release.map(|r| release::normalize(ecosystem, r));
    let mut ranges = Vec::new();
    for r in raw.ranges.unwrap_or_default() {
        let kind = match r.kind.as_str() {
            "SEMVER" => RangeKind::SemVer,
            "ECOSYSTEM" => RangeKind::Ecosystem,
            _ => continue, // GIT: commit reachability, not matchable offline.
        };
        let mut events = Vec::new();
        for ev in r.events {
            for (k, v) in ev {
                match event_kind(&k) {
                    Some(kind) => events.push((kind, v.into_string())),
                    None => notes.push(format!("unknown range event {k:?} in {}", package.name)),
                }
            }
        }
        match AffectedRange::new(kind, ecosystem, events) {
            Ok(range) => ranges.push(range),
            Err(e) => notes.push(format!("{id}: range of {} dropped: {e}", package.name)),
        }
    }
    let versions: Vec<String> = raw
        .versions
        .unwrap_or_default()
        .into_iter()
        .map(crate::raw::Text::into_string)
        .collect();
    if ranges.is_empty() && versions.is_empty() {
        notes.push(format!(
            "{id}: {} has no range or version kiln can evaluate",
            package.name
        ));
        return None;
    }
    let urgency = raw
        .ecosystem_specific
        .as_ref()
        .and_then(|v| v.get("urgency"))
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    let mut severity = severities(raw.severity);
    if let Some(s) = urgency.as_deref().and_then(Severity::from_word) {
        severity.push(s);
    }
    Some(AffectedPackage {
        ecosystem,
        release,
        name: package.name,
        purl: package.purl,
        ranges,
        versions,
        unaffected: Vec::new(),
        status: None,
        severity,
    })
}

impl Advisory {
    /// Checks an OSV record. An error means the record as a whole is
    /// unusable; dropped parts are listed in [`Parsed::notes`].
    pub fn from_osv(raw: RawOsv) -> Result<Parsed> {
        let id = raw.id.trim().to_owned();
        if id.is_empty() || id.chars().any(char::is_whitespace) {
            return Err(VulnError::InvalidRecord {
                record: format!("{:?}", raw.id),
                reason: "id is empty or contains whitespace".into(),
            });
        }
        let mut notes = Vec::new();
        let modified = timestamp(&id, "modified", raw.modified)?;
        let published = timestamp(&id, "published", raw.published)?;
        let withdrawn = timestamp(&id, "withdrawn", raw.withdrawn)?;
        let affected = raw
            .affected
            .unwrap_or_default()
            .into_iter()
            .filter_map(|a| affected(&id, a, &mut notes))
            .collect();
        let summary = raw.summary.filter(|s| !s.is_empty()).or_else(|| {
            raw.details
                .as_deref()
                .and_then(|d| d.lines().find(|l| !l.trim().is_empty()))
                .map(|l| l.trim().to_owned())
        });
        Ok(Parsed {
            advisory: Advisory {
                aliases: raw.aliases.unwrap_or_default(),
                upstream: raw.upstream.unwrap_or_default(),
                modified,
                published,
                withdrawn,
                summary,
                severity: severities(raw.severity),
                affected,
                references: raw
                    .references
                    .unwrap_or_default()
                    .into_iter()
                    .map(|r| r.url)
                    .collect(),
                id,
            },
            notes,
        })
    }

    /// Every id this record names: its own, aliases and upstream.
    pub fn all_ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str())
            .chain(self.aliases.iter().map(String::as_str))
            .chain(self.upstream.iter().map(String::as_str))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pypi_names_normalise() {
        assert_eq!(package_key(Ecosystem::PyPi, "Jinja2"), "jinja2");
        assert_eq!(
            package_key(Ecosystem::PyPi, "zope.Interface__x"),
            "zope-interface-x"
        );
        assert_eq!(package_key(Ecosystem::Npm, "Foo_Bar"), "Foo_Bar");
    }

    #[test]
    fn git_ranges_are_dropped_not_the_record() {
        let raw: RawOsv = serde_json::from_str(
            r#"{"id":"X-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"p"},
              "ranges":[{"type":"GIT","repo":"r","events":[{"introduced":"0"},{"fixed":"abc"}]},
                        {"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2"}]}]}]}"#,
        )
        .unwrap();
        let p = Advisory::from_osv(raw).unwrap();
        assert_eq!(p.advisory.affected[0].ranges.len(), 1);
        assert_eq!(
            p.advisory.affected[0].ranges[0].to_string(),
            "ECOSYSTEM introduced 0, fixed 1.2"
        );
    }

    #[test]
    fn bad_timestamps_and_ids_reject_the_record() {
        let raw: RawOsv = serde_json::from_str(r#"{"id":"X-1","modified":"yesterday"}"#).unwrap();
        let e = Advisory::from_osv(raw).unwrap_err().to_string();
        assert!(e.contains("X-1") && e.contains("yesterday"), "{e}");
        let raw: RawOsv = serde_json::from_str(r#"{"id":" "}"#).unwrap();
        assert!(Advisory::from_osv(raw).is_err());
    }
}
