//! What a check is (its stable id, the recommendations and assessment questions it
//! answers, the compromise types a failure leaves open) and what it found.

use serde::Serialize;

use crate::compromise::CompromiseType;

/// How much a failed check matters, as SARIF levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// A direct path to compromise (secrets, injectable workflows, vulnerable code).
    Error,
    /// A control the paper asks for is missing.
    Warning,
    /// Hygiene worth fixing.
    Note,
}

impl Level {
    /// The SARIF level name.
    pub fn name(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }
}

/// A check's description: everything but its result.
#[derive(Debug, Serialize)]
pub struct CheckInfo {
    /// Its stable id (`ci-actions-pinned`).
    pub id: &'static str,
    /// One line saying what it checks.
    pub title: &'static str,
    /// How much a failure matters.
    pub level: Level,
    /// The recommendations of the paper a failure falls short of (`BP-02`).
    pub recommendations: &'static [&'static str],
    /// The assessment questions it answers (`AQ-20`).
    pub questions: &'static [&'static str],
    /// The compromise types a failure leaves open.
    pub types: &'static [CompromiseType],
    /// The OpenSSF Scorecard checks it corresponds to.
    pub scorecard: &'static [&'static str],
    /// What to do about a failure.
    pub help: &'static str,
}

/// Where a finding is and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What is wrong, in one line.
    pub message: String,
    /// The file, relative to the repository root, `/`-separated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The 1-based line in that file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The commit, for findings in history.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

impl Finding {
    /// A finding about the repository as a whole.
    pub fn repo(message: impl Into<String>) -> Finding {
        Finding {
            message: message.into(),
            path: None,
            line: None,
            commit: None,
        }
    }

    /// A finding at a file (and line).
    pub fn at(path: &str, line: Option<usize>, message: impl Into<String>) -> Finding {
        Finding {
            message: message.into(),
            path: Some(path.to_owned()),
            line,
            commit: None,
        }
    }
}

/// A check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The repository meets it.
    Pass,
    /// It falls short: see the findings.
    Fail,
    /// Nothing in the repository it applies to (no Dockerfile, no tags).
    NotApplicable,
    /// kiln could not decide it (no advisory database, not a git repository).
    NotChecked,
}

impl Status {
    /// How reports print it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "FAIL",
            Status::NotApplicable => "n/a",
            Status::NotChecked => "not checked",
        }
    }
}

/// What one check returned.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Findings (none means a pass) and what was looked at.
    Findings(Vec<Finding>, String),
    /// Nothing to check, and why.
    NotApplicable(String),
    /// Not decidable here, and why.
    NotChecked(String),
}

impl Outcome {
    /// A pass or a failure, from the findings.
    pub fn from(findings: Vec<Finding>, looked_at: impl Into<String>) -> Outcome {
        Outcome::Findings(findings, looked_at.into())
    }
}
