//! Vulnerability facts: the scan of the inventory with VEX applied, and for every finding
//! when it was published (the earliest `published` of the records that matched and of
//! the vulnerability's aliases) and how many whole days old it is.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::Timestamp;
use kiln_types::Inventory;
use kiln_vuln::{Database, Finding, VexDocument, vex};

use super::{FindingFacts, PackageFacts, VulnFacts};
use crate::Result;

/// Scans `inventory` in `database`, applies `vex` (named documents), and dates every
/// finding relative to `now`, from `first_seen` (by vulnerability id) where given.
pub fn facts(
    database: &Database,
    inventory: &Inventory,
    vex: &[(String, VexDocument)],
    now: Timestamp,
    first_seen: Option<&BTreeMap<String, String>>,
) -> Result<VulnFacts> {
    let mut report = kiln_vuln::scan(database, inventory)?;
    let docs: Vec<VexDocument> = vex.iter().map(|(_, d)| d.clone()).collect();
    vex::apply(&mut report, &docs);
    let mut dates = Dates {
        database,
        cache: HashMap::new(),
    };
    let mut findings = Vec::with_capacity(report.findings.len());
    for f in &report.findings {
        let published = dates.published(f)?;
        let seen = first_seen.and_then(|m| m.get(&f.id)).cloned();
        findings.push(finding(f, published, seen, now));
    }
    Ok(VulnFacts {
        scanned: true,
        database: Some(database.path().display().to_string()),
        vex: vex.iter().map(|(name, _)| name.clone()).collect(),
        findings,
        warnings: report.warnings,
    })
}

/// The facts of one finding.
pub fn finding(
    f: &Finding,
    published: Option<String>,
    first_seen: Option<String>,
    now: Timestamp,
) -> FindingFacts {
    let age_days = first_seen
        .as_deref()
        .or(published.as_deref())
        .and_then(|t| age_days(t, now));
    FindingFacts {
        id: f.id.clone(),
        aliases: f.aliases.clone(),
        package: PackageFacts {
            name: f.package.name.clone(),
            version: f.package.version.clone(),
            kind: f.package.kind.to_string(),
            purl: f.package.purl.clone(),
        },
        rating: f.rating.map(|r| r.to_string()),
        fixed: f.fixed.clone(),
        fixable: f.fixed.is_some(),
        status: f.status.as_ref().map(|s| s.status.to_string()),
        vex_status: f.vex.as_ref().map(|v| v.status.as_str().to_owned()),
        vex_justification: f.vex.as_ref().and_then(|v| v.justification.clone()),
        suppressed: f.suppressed,
        published,
        first_seen,
        age_days,
    }
}

/// Whole days from `since` (RFC 3339) to `now`; `None` if `since` does not parse.
/// A date in the future is 0 days old.
pub fn age_days(since: &str, now: Timestamp) -> Option<i64> {
    let since: Timestamp = since.parse().ok()?;
    let seconds = now.as_second().saturating_sub(since.as_second());
    Some(seconds.max(0) / 86_400)
}

/// Publication dates, looked up once per id.
struct Dates<'a> {
    database: &'a Database,
    cache: HashMap<String, Option<Timestamp>>,
}

impl Dates<'_> {
    /// The earliest publication of any record of `f`'s vulnerability.
    fn published(&mut self, f: &Finding) -> Result<Option<String>> {
        let mut ids: BTreeSet<String> = f.ids().map(str::to_owned).collect();
        ids.extend(f.evidence.iter().map(|e| e.record.clone()));
        ids.extend(self.database.alias_group(&f.id)?);
        let mut earliest: Option<Timestamp> = None;
        for id in ids {
            let when = match self.cache.get(&id) {
                Some(w) => *w,
                None => {
                    let w = self
                        .database
                        .advisory(&id)?
                        .iter()
                        .filter_map(|(_, a)| a.published.as_deref()?.parse::<Timestamp>().ok())
                        .min();
                    self.cache.insert(id, w);
                    w
                }
            };
            earliest = match (earliest, when) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        Ok(earliest.map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_are_whole_days() {
        let now: Timestamp = "2026-01-10T12:00:00Z".parse().unwrap_or_default();
        assert_eq!(age_days("2026-01-10T00:00:00Z", now), Some(0));
        assert_eq!(age_days("2026-01-03T12:00:00Z", now), Some(7));
        assert_eq!(age_days("2026-01-03T12:00:01Z", now), Some(6));
        assert_eq!(age_days("2025-12-11T12:00:00Z", now), Some(30));
        assert_eq!(age_days("2027-01-01T00:00:00Z", now), Some(0));
        assert_eq!(age_days("yesterday", now), None);
    }
}
