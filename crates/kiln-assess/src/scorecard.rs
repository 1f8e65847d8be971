//! OpenSSF Scorecard's checks and what kiln does for each: covered by which kiln checks,
//! or not decidable from a checkout because it needs the hosting platform's API.

use serde::Serialize;

/// How kiln covers one Scorecard check.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(tag = "coverage", rename_all = "kebab-case")]
pub enum Coverage {
    /// The kiln checks that decide it from the checkout.
    Covered {
        /// kiln check ids.
        checks: &'static [&'static str],
    },
    /// Partly decidable: what kiln checks, and what needs the platform.
    Partial {
        /// kiln check ids.
        checks: &'static [&'static str],
        /// What the checkout cannot show.
        note: &'static str,
    },
    /// Needs the hosting platform's API; kiln reports it as not decidable.
    Platform {
        /// What Scorecard reads there.
        note: &'static str,
    },
}

/// Every Scorecard check, in Scorecard's alphabetical order.
pub const SCORECARD: &[(&str, Coverage)] = &[
    (
        "Binary-Artifacts",
        Coverage::Covered {
            checks: &["binary-artifacts"],
        },
    ),
    (
        "Branch-Protection",
        Coverage::Platform {
            note: "branch protection rules and rulesets live in the platform's settings",
        },
    ),
    (
        "CI-Tests",
        Coverage::Platform {
            note: "needs the check runs of merged pull requests",
        },
    ),
    (
        "CII-Best-Practices",
        Coverage::Platform {
            note: "needs the OpenSSF Best Practices badge API",
        },
    ),
    (
        "Code-Review",
        Coverage::Platform {
            note: "needs pull request reviews; git history cannot prove a review",
        },
    ),
    (
        "Contributors",
        Coverage::Platform {
            note: "needs contributors' organisation affiliations",
        },
    ),
    (
        "Dangerous-Workflow",
        Coverage::Covered {
            checks: &["dangerous-trigger", "script-injection"],
        },
    ),
    (
        "Dependency-Update-Tool",
        Coverage::Covered {
            checks: &["dependency-update-tool"],
        },
    ),
    (
        "Fuzzing",
        Coverage::Partial {
            checks: &["fuzzing"],
            note: "OSS-Fuzz enrolment is listed outside the repository",
        },
    ),
    (
        "License",
        Coverage::Covered {
            checks: &["license"],
        },
    ),
    (
        "Maintained",
        Coverage::Platform {
            note: "needs issue and commit activity and the archived flag from the platform",
        },
    ),
    (
        "Packaging",
        Coverage::Platform {
            note: "needs published packages and workflow runs",
        },
    ),
    (
        "Pinned-Dependencies",
        Coverage::Covered {
            checks: &[
                "ci-actions-pinned",
                "dockerfile-base-pinned",
                "dockerfile-no-latest",
                "remote-script-execution",
                "dependencies-pinned",
                "lockfile-committed",
                "lockfile-enforced",
            ],
        },
    ),
    (
        "SAST",
        Coverage::Partial {
            checks: &["sast"],
            note: "whether the analyser ran on every merged change needs the platform's check runs",
        },
    ),
    (
        "SBOM",
        Coverage::Partial {
            checks: &["sbom-generation"],
            note: "SBOMs attached to releases need the platform's release assets",
        },
    ),
    (
        "Security-Policy",
        Coverage::Covered {
            checks: &["security-policy"],
        },
    ),
    (
        "Signed-Releases",
        Coverage::Partial {
            checks: &["provenance-signing", "signed-tags"],
            note: "signatures on release assets need the platform's releases",
        },
    ),
    (
        "Token-Permissions",
        Coverage::Covered {
            checks: &["token-permissions"],
        },
    ),
    (
        "Vulnerabilities",
        Coverage::Covered {
            checks: &["known-vulnerabilities"],
        },
    ),
    (
        "Webhooks",
        Coverage::Platform {
            note: "needs the repository's webhook settings",
        },
    ),
];
