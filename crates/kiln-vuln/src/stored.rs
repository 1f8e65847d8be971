//! The form an [`AffectedPackage`] takes inside the database: plain strings,
//! read back through the same checks as at import.

use kiln_version::Ecosystem;
use kiln_version::range::EventKind;
use serde::{Deserialize, Serialize};

use crate::advisory::{AffectedPackage, AffectedRange, DistroStatus, RangeKind};
use crate::severity::Severity;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredRange {
    #[serde(rename = "type")]
    kind: RangeKind,
    events: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredPackage {
    ecosystem: String,
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    ranges: Vec<StoredRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    versions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    unaffected: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<DistroStatus>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    severity: Vec<Severity>,
}

fn kind_name(kind: EventKind) -> String {
    kind.to_string()
}

fn kind_of(name: &str) -> Result<EventKind, String> {
    Ok(match name {
        "introduced" => EventKind::Introduced,
        "fixed" => EventKind::Fixed,
        "last_affected" => EventKind::LastAffected,
        "limit" => EventKind::Limit,
        other => return Err(format!("unknown event kind {other:?}")),
    })
}

impl From<AffectedPackage> for StoredPackage {
    fn from(p: AffectedPackage) -> Self {
        Self {
            ecosystem: p.ecosystem_label(),
            ranges: p
                .ranges
                .iter()
                .map(|r| StoredRange {
                    kind: r.kind(),
                    events: r
                        .events()
                        .iter()
                        .map(|(k, v)| (kind_name(*k), v.clone()))
                        .collect(),
                })
                .collect(),
            name: p.name,
            purl: p.purl,
            versions: p.versions,
            unaffected: p.unaffected,
            status: p.status,
            severity: p.severity,
        }
    }
}

impl TryFrom<StoredPackage> for AffectedPackage {
    type Error = String;

    fn try_from(s: StoredPackage) -> Result<Self, String> {
        let (ecosystem, release) =
            Ecosystem::parse_with_release(&s.ecosystem).map_err(|e| e.to_string())?;
        let release = release.map(str::to_owned);
        let mut ranges = Vec::with_capacity(s.ranges.len());
        for r in s.ranges {
            let events = r
                .events
                .into_iter()
                .map(|(k, v)| Ok((kind_of(&k)?, v)))
                .collect::<Result<Vec<_>, String>>()?;
            ranges.push(AffectedRange::new(r.kind, ecosystem, events).map_err(|e| e.to_string())?);
        }
        Ok(Self {
            ecosystem,
            release,
            name: s.name,
            purl: s.purl,
            ranges,
            versions: s.versions,
            unaffected: s.unaffected,
            status: s.status,
            severity: s.severity,
        })
    }
}
