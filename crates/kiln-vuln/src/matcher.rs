//! Matching one installed package against the database.
//!
//! The entry point scan uses is [`Database::query`] with a [`PackageQuery`]:
//! ecosystem, the distribution release for OS packages, name and version,
//! and for OS packages the source package (Debian `Source:`, apk origin),
//! which distribution data is keyed by.
//!
//! Semantics (OSV's "evaluation" section): an affected entry matches when
//! its ecosystem, release and name equal the query's, and the version is in
//! its `versions` list or inside any SEMVER/ECOSYSTEM range
//! (`introduced`/`fixed`/`last_affected`/`limit`). Entries a distribution
//! marks not-affected never match, nor versions an
//! entry lists as unaffected. A release never matches another release
//! or none: `Debian:11` is not `Debian:12`, and a query without a release
//! finds only records without one.
//!
//! Matched records of one package are grouped into one finding when they
//! are the same vulnerability: an id of one is an id, alias (resolved
//! transitively at import) or upstream of another.

use std::collections::HashMap;

use kiln_version::{AnyVersion, Ecosystem};
use serde::Serialize;

use crate::advisory::{Advisory, AffectedPackage, DistroStatus, Status, package_key};
use crate::db::{Database, db_err, decode};
use crate::release;
use crate::severity::{Severity, headline};
use crate::{Result, VulnError};

/// The source package of a binary package (Debian `Source:`, apk origin).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourcePackage<'a> {
    /// Source package name.
    pub name: &'a str,
    /// Source package version.
    pub version: &'a str,
}

/// One installed package to look up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackageQuery<'a> {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// The distribution release (`12`, `bookworm`, `3.19`), for OS packages.
    pub release: Option<&'a str>,
    /// The package name (binary name for OS packages).
    pub name: &'a str,
    /// The installed version.
    pub version: &'a str,
    /// The source package, for OS packages built from one; distribution
    /// data is looked up by it.
    pub source: Option<SourcePackage<'a>>,
}

/// Why a record matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The version is in the record's `versions` list.
    Listed,
    /// The version is inside this range (rendered as `ECOSYSTEM introduced 0, fixed 1.2`).
    Range(String),
}

/// One record that matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// The record's id.
    pub record: String,
    /// The source it was imported from.
    pub source: String,
    /// What matched.
    pub reason: Reason,
    /// The version that fixes it according to this record.
    pub fixed: Option<String>,
    /// The distribution's status, for distribution data.
    pub status: Option<DistroStatus>,
    /// The record's summary.
    pub summary: Option<String>,
}

/// One vulnerability of one package.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    /// The package as queried (the binary name for OS packages).
    pub package: String,
    /// The ecosystem with its release (`Debian:12`).
    pub ecosystem: String,
    /// The installed version as queried.
    pub installed: String,
    /// The vulnerability's id: a distribution advisory first, then CVE, GHSA last.
    pub id: String,
    /// Its other ids.
    pub aliases: Vec<String>,
    /// The severity to show.
    pub severity: Option<Severity>,
    /// The version that fixes every matched record, if all name one.
    pub fixed: Option<String>,
    /// The distribution's status, if a distribution record matched.
    pub status: Option<DistroStatus>,
    /// Every record that matched.
    pub evidence: Vec<Evidence>,
}

/// Display preference: lower is shown first.
fn id_rank(id: &str) -> u8 {
    let prefix = id.split('-').next().unwrap_or(id);
    match prefix {
        "DSA" | "DLA" | "DTSA" | "USN" | "ALSA" | "ALBA" | "ALEA" | "RHSA" => 0,
        "CVE" => 1,
        "GHSA" => 3,
        _ => 2,
    }
}

struct Hit {
    advisory: Advisory,
    evidence: Evidence,
    severities: Vec<Severity>,
}

impl Database {
    /// The vulnerabilities affecting one installed package, sorted by id.
    pub fn query(&self, q: &PackageQuery<'_>) -> Result<Vec<Match>> {
        let (name, version) = match q.source {
            Some(s) => (s.name, s.version),
            None => (q.name, q.version),
        };
        let installed = AnyVersion::parse_in(q.ecosystem, version).map_err(|source| {
            VulnError::InstalledVersion {
                package: name.to_owned(),
                version: version.to_owned(),
                source,
            }
        })?;
        let release = q.release.map(|r| release::normalize(q.ecosystem, r));
        let key = package_key(q.ecosystem, name);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT a.id, a.source, a.head, f.packages FROM affected f JOIN advisory a ON a.rid = f.rid
                 WHERE f.ecosystem = ?1 AND f.release = ?2 AND f.name = ?3",
            )
            .map_err(db_err(self.path(), "querying"))?;
        let err = || db_err(self.path(), "querying");
        let mut rows = stmt
            .query((q.ecosystem.name(), release.as_deref().unwrap_or(""), &key))
            .map_err(err())?;
        let mut hits = Vec::new();
        // Only the affected packages are decoded for every row; the record's head only
        // for a row that matches.
        while let Some(row) = rows.next().map_err(err())? {
            let text = |i: usize| row.get_ref(i).and_then(|v| Ok(v.as_str()?));
            let id = text(0).map_err(err())?;
            let packages: Vec<AffectedPackage> = decode(id, text(3).map_err(err())?)?;
            let Some((p, reason, fixed)) = evaluate(&packages, q.ecosystem, version, &installed)
            else {
                continue;
            };
            let advisory: Advisory = decode(id, text(2).map_err(err())?)?;
            let mut severities = advisory.severity.clone();
            severities.extend(p.severity.iter().cloned());
            let evidence = Evidence {
                record: advisory.id.clone(),
                source: text(1).map_err(err())?.to_owned(),
                reason,
                fixed,
                status: p.status.clone(),
                summary: advisory.summary.clone(),
            };
            hits.push(Hit {
                advisory,
                evidence,
                severities,
            });
        }
        let mut matches = Vec::new();
        for group in self.group(hits)? {
            matches.push(finding(q, release.as_deref(), group));
        }
        matches.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(matches)
    }

    /// Splits hits into vulnerabilities: union-find over shared ids.
    fn group(&self, hits: Vec<Hit>) -> Result<Vec<(Vec<Hit>, Vec<String>)>> {
        let mut ids_of: Vec<Vec<String>> = Vec::with_capacity(hits.len());
        for h in &hits {
            let mut ids = self.alias_group(&h.advisory.id)?;
            ids.extend(h.advisory.all_ids().map(str::to_owned));
            ids.sort();
            ids.dedup();
            ids_of.push(ids);
        }
        let mut parent: Vec<usize> = (0..hits.len()).collect();
        fn find(p: &mut [usize], mut x: usize) -> usize {
            while p[x] != x {
                p[x] = p[p[x]];
                x = p[x];
            }
            x
        }
        let mut owner: HashMap<&str, usize> = HashMap::new();
        for (i, ids) in ids_of.iter().enumerate() {
            for id in ids {
                if let Some(&j) = owner.get(id.as_str()) {
                    let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                    parent[a.max(b)] = a.min(b);
                } else {
                    owner.insert(id, i);
                }
            }
        }
        let mut groups: Vec<(Vec<Hit>, Vec<String>)> = Vec::new();
        let mut slot: HashMap<usize, usize> = HashMap::new();
        let roots: Vec<usize> = (0..hits.len()).map(|i| find(&mut parent, i)).collect();
        for ((hit, ids), root) in hits.into_iter().zip(ids_of).zip(roots) {
            let at = *slot.entry(root).or_insert_with(|| {
                groups.push((Vec::new(), Vec::new()));
                groups.len() - 1
            });
            groups[at].0.push(hit);
            groups[at].1.extend(ids);
        }
        Ok(groups)
    }
}

/// The first of `packages` (one record's entries under the package's lookup key) that
/// `installed` is affected by, why, and the version that fixes it.
fn evaluate<'p>(
    packages: &'p [AffectedPackage],
    ecosystem: Ecosystem,
    version: &str,
    installed: &AnyVersion,
) -> Option<(&'p AffectedPackage, Reason, Option<String>)> {
    for p in packages {
        if p.status
            .as_ref()
            .is_some_and(|s| s.status == Status::NotAffected)
        {
            continue;
        }
        if p.unaffected.iter().any(|u| {
            u == version || AnyVersion::parse_in(ecosystem, u).is_ok_and(|uv| &uv == installed)
        }) {
            continue;
        }
        let listed = p.versions.iter().any(|l| {
            l == version || AnyVersion::parse_in(ecosystem, l).is_ok_and(|lv| &lv == installed)
        });
        if listed {
            let fix = p
                .ranges
                .iter()
                .filter_map(|r| r.fix_for(installed))
                .min_by(|a, b| {
                    kiln_version::compare(ecosystem, a, b).unwrap_or(std::cmp::Ordering::Equal)
                });
            return Some((p, Reason::Listed, fix));
        }
        if let Some(r) = p.ranges.iter().find(|r| r.range().affects(installed)) {
            return Some((p, Reason::Range(r.to_string()), r.fix_for(installed)));
        }
    }
    None
}

fn finding(
    q: &PackageQuery<'_>,
    release: Option<&str>,
    (hits, mut ids): (Vec<Hit>, Vec<String>),
) -> Match {
    ids.sort_by(|a, b| id_rank(a).cmp(&id_rank(b)).then_with(|| a.cmp(b)));
    ids.dedup();
    // Prefer the matched records' own ids as the headline over ids only named.
    let own: Vec<&str> = hits.iter().map(|h| h.advisory.id.as_str()).collect();
    let id = ids
        .iter()
        .find(|i| id_rank(i) <= 1 || own.contains(&i.as_str()))
        .cloned()
        .unwrap_or_default();
    let aliases = ids.into_iter().filter(|i| *i != id).collect();
    let severities: Vec<Severity> = hits
        .iter()
        .flat_map(|h| h.severities.iter().cloned())
        .collect();
    let fixes: Vec<Option<&String>> = hits.iter().map(|h| h.evidence.fixed.as_ref()).collect();
    let fixed = if fixes.iter().all(Option::is_some) {
        fixes
            .into_iter()
            .flatten()
            .max_by(|a, b| {
                kiln_version::compare(q.ecosystem, a, b).unwrap_or(std::cmp::Ordering::Equal)
            })
            .cloned()
    } else {
        None
    };
    let status = hits
        .iter()
        .filter_map(|h| h.evidence.status.clone())
        .min_by_key(|s| s.status == Status::Fixed);
    let ecosystem = match release {
        Some(r) => format!("{}:{r}", q.ecosystem),
        None => q.ecosystem.to_string(),
    };
    Match {
        package: q.name.to_owned(),
        ecosystem,
        installed: q.version.to_owned(),
        id,
        aliases,
        severity: headline(&severities).cloned(),
        fixed,
        status,
        evidence: hits.into_iter().map(|h| h.evidence).collect(),
    }
}
