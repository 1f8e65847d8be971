//! Known-vulnerable locked dependencies, through kiln's own scanner: the committed lock
//! files are staged in a temporary directory, catalogued by kiln-sbom's lock-file
//! catalogers as a `dir:` target, and matched against the kiln-vuln advisory database.
//! Without a database the check says "not checked"; it never guesses.

use kiln_oci::{Image, OpenOptions, Target};
use kiln_sbom::Catalog;

use super::Context;
use crate::check::{CheckInfo, Finding, Level, Outcome};
use crate::compromise::CompromiseType::Negligence;
use crate::error::{Error, Result};
use crate::repo::{Repo, file_name};

pub static KNOWN_VULNERABLE: CheckInfo = CheckInfo {
    id: "known-vulnerabilities",
    title: "No locked dependency has a known vulnerability",
    level: Level::Error,
    recommendations: &["MAT-07", "MAT-09"],
    questions: &["AQ-04", "AQ-11", "AQ-12"],
    types: &[Negligence],
    scorecard: &["Vulnerabilities"],
    help: "Update the dependency to a fixed version, or record why it is not affected in VEX.",
};

/// Lock files the catalogers read.
const LOCKS: &[&str] = &[
    "Cargo.lock",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "Gemfile.lock",
    "composer.lock",
    "poetry.lock",
    "Pipfile.lock",
    "uv.lock",
];

fn lock_files(repo: &Repo) -> Vec<&String> {
    repo.files()
        .iter()
        .filter(|p| LOCKS.contains(&file_name(p)) && !p.contains("node_modules/"))
        .collect()
}

fn inventory(repo: &Repo, locks: &[&String]) -> Result<kiln_types::Inventory> {
    let stage = tempfile::tempdir().map_err(|source| Error::Stage {
        path: std::env::temp_dir(),
        source,
    })?;
    for lock in locks {
        let to = stage.path().join(lock.as_str());
        let copy = || -> std::io::Result<()> {
            if let Some(dir) = to.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::copy(repo.root().join(lock.as_str()), &to).map(|_| ())
        };
        copy().map_err(|source| Error::Stage {
            path: to.clone(),
            source,
        })?;
    }
    let sbom_err = |e: Box<dyn std::error::Error + Send + Sync>| Error::Sbom {
        path: repo.root().to_owned(),
        source: e,
    };
    let target = Target::parse(&format!("dir:{}", stage.path().display()))
        .map_err(|e| sbom_err(Box::new(e)))?;
    let src = target
        .open(&OpenOptions::default())
        .map_err(|e| sbom_err(Box::new(e)))?;
    let image = Image::resolve(src.as_ref(), None).map_err(|e| sbom_err(Box::new(e)))?;
    Catalog::default()
        .catalog_image(src.as_ref(), &image, "lock files")
        .map_err(|e| sbom_err(Box::new(e)))
}

pub fn known_vulnerable(ctx: &Context<'_>) -> Outcome {
    let locks = lock_files(ctx.repo);
    if locks.is_empty() {
        return Outcome::NotApplicable("no lock files".into());
    }
    let Some(db) = ctx.db else {
        return Outcome::NotChecked(
            "no advisory database: pass --db (see `kiln db import`)".into(),
        );
    };
    let inv = match inventory(ctx.repo, &locks) {
        Ok(inv) => inv,
        Err(e) => return Outcome::NotChecked(format!("{e}")),
    };
    let report = match kiln_vuln::scan(db, &inv) {
        Ok(r) => r,
        Err(e) => return Outcome::NotChecked(format!("scanning: {e}")),
    };
    let findings = report
        .active()
        .map(|f| {
            let path = f
                .package
                .locations
                .first()
                .map(|l| l.trim_start_matches('/').to_owned());
            let rating = f.rating.map_or("unrated".to_owned(), |r| r.to_string());
            let fixed = f
                .fixed
                .as_deref()
                .map_or(String::new(), |v| format!(", fixed in {v}"));
            Finding {
                message: format!(
                    "{} {} has {} ({rating}{fixed})",
                    f.package.name, f.package.version, f.id
                ),
                path,
                line: None,
                commit: None,
            }
        })
        .collect();
    Outcome::from(
        findings,
        format!(
            "{} packages from {} lock files",
            report.packages,
            locks.len()
        ),
    )
}
