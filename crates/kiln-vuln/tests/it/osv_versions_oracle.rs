//! Truth no one here wrote: PyPI records carry OSV's enumerated `versions`
//! lists. For every record whose ranges are ECOSYSTEM only (no GIT range
//! that the list could reflect), kiln's range evaluation must put exactly
//! the listed versions inside, over every version any record lists for
//! that package.

use crate::support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use kiln_version::{AnyVersion, Ecosystem};
use kiln_vuln::Advisory;
use kiln_vuln::raw::RawOsv;

#[test]
fn pypi_ranges_agree_with_enumerated_versions() {
    let file = std::fs::File::open(support::data().join("advisories/osv/PyPI.zip")).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut raws = Vec::new();
    for i in 0..zip.len() {
        let mut member = zip.by_index(i).unwrap();
        if !member.name().ends_with(".yaml") {
            continue;
        }
        let mut text = String::new();
        member.read_to_string(&mut text).unwrap();
        let raw: RawOsv = serde_yaml_ng::from_str(&text).unwrap();
        if raw.withdrawn.is_none() {
            raws.push(raw);
        }
    }
    // Every version any record lists, per package.
    let mut universe: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for raw in &raws {
        for a in raw.affected.iter().flatten() {
            let name = a.package.as_ref().unwrap().name.to_lowercase();
            for v in a.versions.iter().flatten() {
                universe
                    .entry(name.clone())
                    .or_default()
                    .insert(v.clone().into_string());
            }
        }
    }
    let (mut records, mut checks, mut explained, mut disagreements) = (0, 0, 0, Vec::new());
    for raw in raws {
        let ecosystem_only = raw.affected.iter().flatten().all(|a| {
            a.versions.as_ref().is_some_and(|v| !v.is_empty())
                && a.ranges.as_ref().is_some_and(|r| !r.is_empty())
                && a.ranges.iter().flatten().all(|r| r.kind == "ECOSYSTEM")
        });
        if !ecosystem_only {
            continue;
        }
        let advisory = Advisory::from_osv(raw).unwrap().advisory;
        records += 1;
        for p in &advisory.affected {
            let listed: BTreeSet<&str> = p.versions.iter().map(String::as_str).collect();
            for v in &universe[&p.name.to_lowercase()] {
                let Ok(parsed) = AnyVersion::parse_in(Ecosystem::PyPi, v) else {
                    continue;
                };
                let in_ranges = p.ranges.iter().any(|r| r.range().affects(&parsed));
                checks += 1;
                if in_ranges == listed.contains(v.as_str()) {
                    continue;
                }
                // Two known ways the enumerated lists differ from the ranges:
                // a list computed before later releases (the version is newer
                // than everything listed), and pre-releases of an `introduced`
                // version, which PEP 440 orders before it (3.2a1 < 3.2).
                let newest = listed
                    .iter()
                    .filter_map(|l| AnyVersion::parse_in(Ecosystem::PyPi, l).ok())
                    .max();
                let stale_list = in_ranges && newest.is_some_and(|n| parsed > n);
                let prerelease = !in_ranges && v.chars().any(|c| c.is_ascii_alphabetic());
                if stale_list || prerelease {
                    explained += 1;
                } else {
                    disagreements.push(format!(
                        "{} {} {v}: ranges say {in_ranges}",
                        advisory.id, p.name
                    ));
                }
            }
        }
    }
    assert!(records > 1000, "only {records} ECOSYSTEM-only records");
    assert!(checks > 50_000, "only {checks} checks");
    // 31 of 153,765 at the snapshot in shared/data.
    assert!(
        explained < checks / 1000,
        "{explained} explained differences of {checks}"
    );
    // The rest, each understood, pinned so that any change shows:
    // - overlapping intervals written as pairs (`[0, 3.1.1)` and `[3.1.1, 3.1.3)`;
    //   wagtail's `[2.11, 2.11.7)` around `fixed 2.11.6` of `[0, 2.11.6)`): the
    //   sorted-event walk of the OSV schema, which kiln-version implements,
    //   closes them at the tie; osv.dev's enumeration treats each pair as an
    //   interval. Reported as a known difference, not hidden.
    // - versions inside a range that the list omits (backports released after
    //   the list was computed: notebook 5.7.14, nvflare 2.0.19, paddlepaddle rcs).
    let known = [
        "PYSEC-2021-114 wagtail 2.11.6: ranges say false",
        "PYSEC-2022-180 notebook 5.7.14: ranges say true",
        "PYSEC-2022-180 notebook 5.7.14a0: ranges say true",
        "PYSEC-2022-180 notebook 5.7.15: ranges say true",
        "PYSEC-2022-236 pyspark 3.1.1: ranges say false",
        "PYSEC-2022-236 pyspark 3.1.2: ranges say false",
        "PYSEC-2022-257 nvflare 2.0.19: ranges say true",
        "PYSEC-2022-43063 paddlepaddle 2.0.0rc0: ranges say true",
        "PYSEC-2022-43063 paddlepaddle 2.0.0rc1: ranges say true",
        "PYSEC-2023-72 pyspark 3.1.1: ranges say false",
        "PYSEC-2023-72 pyspark 3.1.2: ranges say false",
        "PYSEC-2023-72 pyspark 3.1.3: ranges say false",
    ];
    disagreements.sort();
    assert_eq!(disagreements, known, "{checks} checks");
}
