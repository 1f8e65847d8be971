//! The Debian security tracker's JSON (its `data/json` export):
//! `{source_package: {CVE: {description, releases: {codename: {status,
//! fixed_version, urgency, nodsa, nodsa_reason}}}}}`.
//!
//! One record per CVE, one affected entry per (source package, release):
//! - `resolved` with `fixed_version` `0`: not affected, never matches;
//! - `resolved` with a version: fixed there (`introduced 0, fixed v`);
//! - `open`: unfixed, or `no-dsa` / `ignored` / `postponed` when `nodsa` is
//!   set (by `nodsa_reason`), or `end-of-life` by urgency; every version matches;
//! - `undetermined`: every version matches, shown as undetermined.

use kiln_version::Ecosystem;
use kiln_version::range::EventKind;
use serde_json::{Map, Value};

use super::{Entry, SourceData};
use crate::advisory::{Advisory, AffectedPackage, AffectedRange, DistroStatus, RangeKind, Status};
use crate::release::debian_codename;
use crate::severity::Severity;

/// Whether `obj` has the tracker's package → CVE → releases shape.
pub fn looks_like(obj: &Map<String, Value>) -> bool {
    obj.values().take(3).any(|cves| {
        cves.as_object()
            .is_some_and(|c| c.values().take(3).any(|v| v.get("releases").is_some()))
    })
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn status_of(rel: &Value) -> Result<(Status, Option<String>), String> {
    let status = text(rel, "status").ok_or("no status")?;
    let fixed = text(rel, "fixed_version");
    let urgency = text(rel, "urgency");
    Ok(match status {
        "resolved" if fixed == Some("0") => (Status::NotAffected, None),
        "resolved" => (Status::Fixed, None),
        "open" => {
            let reason = text(rel, "nodsa_reason");
            let note = text(rel, "nodsa").map(str::to_owned);
            let st = match (rel.get("nodsa").is_some(), reason) {
                (true, Some("ignored")) => Status::Ignored,
                (true, Some("postponed")) => Status::Postponed,
                (true, _) => Status::NoDsa,
                _ if urgency == Some("end-of-life") => Status::EndOfLife,
                _ => Status::Unfixed,
            };
            (st, note)
        }
        "undetermined" => (Status::Undetermined, None),
        other => return Err(format!("unknown status {other:?}")),
    })
}

fn package(name: &str, codename: &str, rel: &Value) -> Result<Option<AffectedPackage>, String> {
    let Some(release) = debian_codename(codename) else {
        // sid and experimental have no release number; kiln scopes to releases.
        return Ok(None);
    };
    let (status, note) = status_of(rel)?;
    let fixed = text(rel, "fixed_version").filter(|f| *f != "0");
    let mut events = vec![(EventKind::Introduced, "0".to_owned())];
    if let Some(f) = fixed {
        events.push((EventKind::Fixed, f.to_owned()));
    }
    let ranges = if status == Status::NotAffected {
        Vec::new()
    } else {
        vec![
            AffectedRange::new(RangeKind::Ecosystem, Ecosystem::Debian, events)
                .map_err(|e| e.to_string())?,
        ]
    };
    let urgency = text(rel, "urgency").map(str::to_owned);
    Ok(Some(AffectedPackage {
        ecosystem: Ecosystem::Debian,
        release: Some(release.to_owned()),
        name: name.to_owned(),
        purl: Some(format!("pkg:deb/debian/{name}?arch=source")),
        ranges,
        versions: Vec::new(),
        unaffected: Vec::new(),
        severity: urgency
            .as_deref()
            .and_then(Severity::from_word)
            .into_iter()
            .collect(),
        status: Some(DistroStatus {
            status,
            note,
            urgency,
        }),
    }))
}

/// Reads a whole tracker JSON document into `data`.
pub fn read(entry: &Entry, value: &Value, data: &mut SourceData) {
    let Some(packages) = value.as_object() else {
        return;
    };
    for (name, cves) in packages {
        let Some(cves) = cves.as_object() else {
            data.warn(&entry.name, format!("package {name:?} is not an object"));
            continue;
        };
        for (cve, info) in cves {
            let mut adv = Advisory {
                id: cve.clone(),
                aliases: Vec::new(),
                upstream: Vec::new(),
                modified: None,
                published: None,
                withdrawn: None,
                summary: text(info, "description")
                    .map(|d| d.lines().next().unwrap_or(d).to_owned()),
                severity: Vec::new(),
                affected: Vec::new(),
                references: Vec::new(),
            };
            // An empty `releases` is written as `[]`.
            if let Some(releases) = info.get("releases").and_then(Value::as_object) {
                for (codename, rel) in releases {
                    match package(name, codename, rel) {
                        Ok(Some(p)) => adv.affected.push(p),
                        Ok(None) => {}
                        Err(e) => data.warn(&entry.name, format!("{cve} {name} {codename}: {e}")),
                    }
                }
            }
            data.push(adv);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        let doc = serde_json::json!({"p": {"CVE-1": {"releases": {
            "bookworm": {"status": "open", "urgency": "low", "nodsa": "Minor issue", "nodsa_reason": "postponed"},
            "bullseye": {"status": "open", "urgency": "not yet assigned", "nodsa": "Minor issue", "nodsa_reason": ""},
            "buster": {"status": "resolved", "fixed_version": "0", "urgency": "unimportant"},
            "trixie": {"status": "resolved", "fixed_version": "1.2-3", "urgency": "high**"},
            "stretch": {"status": "open", "urgency": "end-of-life"},
            "jessie": {"status": "undetermined"},
            "sid": {"status": "resolved", "fixed_version": "1.2-3"},
            "wheezy": {"status": "weird"}
        }}}, "q": {"CVE-2": {"releases": []}}});
        assert!(looks_like(doc.as_object().unwrap()));
        let mut data = SourceData::default();
        read(
            &Entry {
                name: "t.json".into(),
                bytes: vec![],
            },
            &doc,
            &mut data,
        );
        let a = &data.advisories[0];
        let st = |r: &str| {
            a.affected
                .iter()
                .find(|p| p.release.as_deref() == Some(r))
                .map(|p| p.status.as_ref().unwrap().status)
        };
        assert_eq!(st("12"), Some(Status::Postponed));
        assert_eq!(st("11"), Some(Status::NoDsa));
        assert_eq!(st("10"), Some(Status::NotAffected));
        assert_eq!(st("13"), Some(Status::Fixed));
        assert_eq!(st("9"), Some(Status::EndOfLife));
        assert_eq!(st("8"), Some(Status::Undetermined));
        assert_eq!(a.affected.len(), 6, "sid is skipped, wheezy warned");
        assert_eq!(data.skipped, 1);
        assert_eq!(data.advisories[1].id, "CVE-2");
    }
}
