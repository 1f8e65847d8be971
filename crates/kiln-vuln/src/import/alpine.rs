//! Alpine secdb (`v3.x/main.yaml` or `.json`): `{distroversion, reponame,
//! packages: [{pkg: {name, secfixes: {version: [ids]}}}]}`.
//!
//! secdb lists fixes only: each id fixed in `version` becomes an affected
//! entry `introduced 0, fixed version` of the origin package in
//! `Alpine:<distroversion>`; version `0` means "never affected".

use kiln_version::Ecosystem;
use kiln_version::range::EventKind;
use serde_json::Value;

use super::{Entry, SourceData};
use crate::advisory::{Advisory, AffectedPackage, AffectedRange, DistroStatus, RangeKind, Status};
use crate::release;

fn affected(name: &str, rel: &str, fixed: &str) -> Result<AffectedPackage, String> {
    let (status, ranges) = if fixed == "0" {
        (Status::NotAffected, Vec::new())
    } else {
        let events = vec![
            (EventKind::Introduced, "0".to_owned()),
            (EventKind::Fixed, fixed.to_owned()),
        ];
        let range = AffectedRange::new(RangeKind::Ecosystem, Ecosystem::Alpine, events)
            .map_err(|e| e.to_string())?;
        (Status::Fixed, vec![range])
    };
    Ok(AffectedPackage {
        ecosystem: Ecosystem::Alpine,
        release: Some(rel.to_owned()),
        name: name.to_owned(),
        purl: Some(format!("pkg:apk/alpine/{name}")),
        ranges,
        versions: Vec::new(),
        unaffected: Vec::new(),
        status: Some(DistroStatus {
            status,
            note: None,
            urgency: None,
        }),
        severity: Vec::new(),
    })
}

/// Reads one secdb document into `data`.
pub fn read(entry: &Entry, value: &Value, data: &mut SourceData) {
    let Some(distro) = value.get("distroversion").and_then(Value::as_str) else {
        data.warn(&entry.name, "distroversion is not a string");
        return;
    };
    let rel = release::normalize(Ecosystem::Alpine, distro);
    let packages = value
        .get("packages")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for p in &packages {
        let pkg = p.get("pkg").unwrap_or(p);
        let Some(name) = pkg.get("name").and_then(Value::as_str) else {
            data.warn(&entry.name, "a package without a name");
            continue;
        };
        let Some(fixes) = pkg.get("secfixes").and_then(Value::as_object) else {
            continue;
        };
        for (version, ids) in fixes {
            let ids: Vec<&str> = ids
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .flat_map(str::split_whitespace)
                        .collect()
                })
                .unwrap_or_default();
            let package = match affected(name, &rel, version) {
                Ok(p) => p,
                Err(e) => {
                    data.warn(&entry.name, format!("{name} {version}: {e}"));
                    continue;
                }
            };
            for id in ids {
                data.push(Advisory {
                    id: id.to_owned(),
                    aliases: Vec::new(),
                    upstream: Vec::new(),
                    modified: None,
                    published: None,
                    withdrawn: None,
                    summary: None,
                    severity: Vec::new(),
                    affected: vec![package.clone()],
                    references: Vec::new(),
                });
            }
        }
    }
}
