//! Running every check over a repository and scoring the result per section of the
//! paper; each check's result carries the catalogued incidents of the compromise types
//! it leaves open.

use std::path::Path;

use kiln_vuln::Database;

use crate::check::{CheckInfo, Finding, Outcome, Status};
use crate::checks::{self, Context};
use crate::compromise::{Catalog, Incident};
use crate::error::Result;
use crate::pipeline;
use crate::practice::{RECOMMENDATIONS, Section};
use crate::repo::Repo;

/// How many incidents a check's result lists (newest first).
pub const INCIDENTS_SHOWN: usize = 5;

/// What the assessment reads besides the repository.
#[derive(Debug, Default, Clone, Copy)]
pub struct Options<'a> {
    /// The advisory database for the known-vulnerabilities check.
    pub db: Option<&'a Database>,
    /// The compromise catalog, for the incidents behind each finding.
    pub catalog: Option<&'a Catalog>,
}

/// One check's result.
#[derive(Debug, Clone)]
pub struct CheckResult {
    /// The check.
    pub info: &'static CheckInfo,
    /// Its verdict.
    pub status: Status,
    /// What was looked at, or why it was not decided.
    pub detail: String,
    /// What falls short.
    pub findings: Vec<Finding>,
    /// Catalogued incidents of the check's compromise types, newest first (none without
    /// the catalog).
    pub incidents: Vec<Incident>,
    /// How many incidents of those types the catalog holds.
    pub incidents_total: usize,
}

impl CheckResult {
    /// The paper section the check belongs to (its first recommendation's).
    pub fn section(&self) -> Section {
        self.info
            .recommendations
            .first()
            .and_then(|r| Section::of(r))
            .unwrap_or(Section::SourceCode)
    }
}

/// A section's score.
#[derive(Debug, Clone, Copy)]
pub struct SectionScore {
    /// The section.
    pub section: Section,
    /// Recommendations in the section.
    pub recommendations: usize,
    /// Of those, how many some check looks at.
    pub covered: usize,
    /// Checks of the section that passed.
    pub passed: usize,
    /// Checks of the section that failed.
    pub failed: usize,
    /// Checks of the section not applicable or not decided.
    pub undecided: usize,
}

impl SectionScore {
    /// Passed checks as a percentage of decided ones; `None` when none was decided.
    pub fn score(&self) -> Option<u32> {
        let decided = self.passed + self.failed;
        (decided > 0).then(|| ((self.passed * 100) as f64 / decided as f64).round() as u32)
    }

    /// Covered recommendations as a percentage.
    pub fn coverage(&self) -> u32 {
        if self.recommendations == 0 {
            return 0;
        }
        ((self.covered * 100) as f64 / self.recommendations as f64).round() as u32
    }
}

/// The whole assessment.
#[derive(Debug, Clone)]
pub struct Assessment {
    /// The repository as given.
    pub repo: String,
    /// Every check's result, in report order.
    pub checks: Vec<CheckResult>,
    /// Whether the catalog was available.
    pub catalog: bool,
}

impl Assessment {
    /// The failed checks.
    pub fn failed(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|c| c.status == Status::Fail)
    }

    /// Every finding with its check.
    pub fn findings(&self) -> impl Iterator<Item = (&CheckResult, &Finding)> {
        self.checks
            .iter()
            .flat_map(|c| c.findings.iter().map(move |f| (c, f)))
    }

    /// The score of every section, in the paper's order.
    pub fn sections(&self) -> Vec<SectionScore> {
        Section::ALL
            .iter()
            .map(|&section| {
                let recs: Vec<&str> = RECOMMENDATIONS
                    .iter()
                    .filter(|r| Section::of(r.id) == Some(section))
                    .map(|r| r.id)
                    .collect();
                let covered = recs
                    .iter()
                    .filter(|r| {
                        checks::all()
                            .iter()
                            .any(|(info, _)| info.recommendations.contains(r))
                    })
                    .count();
                let mine: Vec<&CheckResult> = self
                    .checks
                    .iter()
                    .filter(|c| c.section() == section)
                    .collect();
                let count = |s: Status| mine.iter().filter(|c| c.status == s).count();
                SectionScore {
                    section,
                    recommendations: recs.len(),
                    covered,
                    passed: count(Status::Pass),
                    failed: count(Status::Fail),
                    undecided: count(Status::NotApplicable) + count(Status::NotChecked),
                }
            })
            .collect()
    }
}

/// Assesses the checkout at `dir`.
pub fn assess(dir: &Path, options: &Options<'_>) -> Result<Assessment> {
    let repo = Repo::open(dir)?;
    let ctx = Context {
        repo: &repo,
        build: pipeline::build_files(&repo),
        workflows: pipeline::workflows(&repo),
        db: options.db,
    };
    let mut results = Vec::new();
    for (info, run) in checks::all() {
        let _span = tracing::debug_span!("check", id = info.id).entered();
        let (status, detail, findings) = match run(&ctx) {
            Outcome::Findings(f, detail) if f.is_empty() => (Status::Pass, detail, f),
            Outcome::Findings(f, detail) => (Status::Fail, detail, f),
            Outcome::NotApplicable(why) => (Status::NotApplicable, why, Vec::new()),
            Outcome::NotChecked(why) => (Status::NotChecked, why, Vec::new()),
        };
        let (incidents, incidents_total) = match options.catalog {
            Some(catalog) => {
                let all: Vec<&Incident> = catalog.of_types(info.types).collect();
                (
                    all.iter()
                        .take(INCIDENTS_SHOWN)
                        .map(|i| (*i).clone())
                        .collect(),
                    all.len(),
                )
            }
            None => (Vec::new(), 0),
        };
        results.push(CheckResult {
            info,
            status,
            detail,
            findings,
            incidents,
            incidents_total,
        });
    }
    Ok(Assessment {
        repo: dir.display().to_string(),
        checks: results,
        catalog: options.catalog.is_some(),
    })
}
