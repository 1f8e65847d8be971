//! The checks, one module per subject; each exposes its [`CheckInfo`]s and functions from
//! a [`Context`] to an [`Outcome`]. [`all`] lists them in report order.

mod binaries;
mod dockerfile;
mod git;
mod gitlab;
mod governance;
mod lockfile;
mod names;
mod release;
mod secrets;
mod vulns;
mod workflow;

use kiln_vuln::Database;

use crate::check::{CheckInfo, Outcome};
use crate::pipeline::Workflow;
use crate::repo::Repo;

/// What the checks read: the repository, its build files, parsed workflows, and the
/// advisory database if there is one.
#[derive(Debug)]
pub struct Context<'a> {
    /// The checkout.
    pub repo: &'a Repo,
    /// CI files, scripts and Dockerfiles with their text.
    pub build: Vec<(String, String)>,
    /// GitHub Actions workflows.
    pub workflows: Vec<Workflow>,
    /// The advisory database, when given.
    pub db: Option<&'a Database>,
}

/// A check: its description and how it runs.
pub type Check = (&'static CheckInfo, fn(&Context<'_>) -> Outcome);

/// Every check, in report order (source code, materials, build, artefacts, containers).
pub fn all() -> Vec<Check> {
    vec![
        (&git::SIGNED_COMMITS, git::signed_commits),
        (&git::SIGNED_TAGS, git::signed_tags),
        (&secrets::TREE, secrets::tree),
        (&secrets::HISTORY, secrets::history),
        (&governance::CODEOWNERS, governance::codeowners),
        (&governance::CODEOWNERS_CI, governance::codeowners_ci),
        (&governance::SECURITY_POLICY, governance::security_policy),
        (&governance::LICENSE, governance::license),
        (&release::SAST, release::sast),
        (&release::FUZZING, release::fuzzing),
        (&workflow::TOKEN_PERMISSIONS, workflow::token_permissions),
        (&workflow::LONG_LIVED_SECRETS, workflow::long_lived_secrets),
        (&workflow::DANGEROUS_TRIGGER, workflow::dangerous_trigger),
        (&workflow::SCRIPT_INJECTION, workflow::script_injection),
        (&lockfile::COMMITTED, lockfile::committed),
        (&lockfile::ENFORCED, lockfile::enforced),
        (&lockfile::PINNED, lockfile::pinned),
        (&vulns::KNOWN_VULNERABLE, vulns::known_vulnerable),
        (
            &governance::DEPENDENCY_UPDATES,
            governance::dependency_updates,
        ),
        (&names::TYPOSQUATTING, names::typosquatting),
        (&names::DEPENDENCY_CONFUSION, names::dependency_confusion),
        (&release::SBOM, release::sbom),
        (&workflow::PIPELINE_AS_CODE, workflow::pipeline_as_code),
        (&workflow::ACTIONS_PINNED, workflow::actions_pinned),
        (&workflow::REMOTE_SCRIPTS, workflow::remote_scripts),
        (
            &workflow::SELF_HOSTED_RUNNERS,
            workflow::self_hosted_runners,
        ),
        (&binaries::BINARIES, binaries::binaries),
        (&release::REPRODUCIBLE, release::reproducible),
        (&release::PROVENANCE, release::provenance),
        (&dockerfile::BASE_PINNED, dockerfile::base_pinned),
        (&dockerfile::NO_LATEST, dockerfile::no_latest),
        (&dockerfile::NO_SECRETS, dockerfile::no_secrets),
        (&dockerfile::NON_ROOT, dockerfile::non_root),
        (&dockerfile::NO_UPGRADE, dockerfile::no_upgrade),
    ]
}
