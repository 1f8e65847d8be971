//! Repository governance files: CODEOWNERS (present, and owning the CI configuration),
//! a security policy, a licence, and a dependency update tool's configuration.

use super::Context;
use crate::check::{CheckInfo, Finding, Level, Outcome};
use crate::compromise::CompromiseType::{DevTooling, Negligence, SourceCode};
use crate::owners::Owners;
use crate::pipeline::is_ci;
use crate::repo::{file_name, parent};

pub static CODEOWNERS: CheckInfo = CheckInfo {
    id: "codeowners",
    title: "A CODEOWNERS file names who is responsible for the code",
    level: Level::Warning,
    recommendations: &["SC-04", "SC-07"],
    questions: &["AQ-05"],
    types: &[SourceCode],
    scorecard: &[],
    help: "Add CODEOWNERS (root, .github/ or docs/) and require code-owner review.",
};

pub static CODEOWNERS_CI: CheckInfo = CheckInfo {
    id: "codeowners-ci",
    title: "CODEOWNERS covers the CI and build configuration",
    level: Level::Warning,
    recommendations: &["BP-18", "SC-04"],
    questions: &["AQ-17"],
    types: &[SourceCode, DevTooling],
    scorecard: &[],
    help: "Give the CI configuration (.github/workflows/, .gitlab-ci.yml …) owners, so \
           pipeline changes need their review.",
};

pub static SECURITY_POLICY: CheckInfo = CheckInfo {
    id: "security-policy",
    title: "A security policy says how to report vulnerabilities",
    level: Level::Note,
    recommendations: &["SC-06"],
    questions: &["AQ-05"],
    types: &[Negligence],
    scorecard: &["Security-Policy"],
    help: "Add SECURITY.md with a private reporting channel and response expectations.",
};

pub static LICENSE: CheckInfo = CheckInfo {
    id: "license",
    title: "A licence file states the terms of use",
    level: Level::Note,
    recommendations: &["MAT-08"],
    questions: &["AQ-11"],
    types: &[],
    scorecard: &["License"],
    help: "Add a LICENSE file at the root (a compliance control: no compromise type).",
};

pub static DEPENDENCY_UPDATES: CheckInfo = CheckInfo {
    id: "dependency-update-tool",
    title: "A dependency update tool is configured",
    level: Level::Warning,
    recommendations: &["BP-05", "MAT-03"],
    questions: &["AQ-13"],
    types: &[Negligence],
    scorecard: &["Dependency-Update-Tool"],
    help: "Configure Dependabot (.github/dependabot.yml) or Renovate (renovate.json).",
};

const OWNERS_PATHS: &[&str] = &[
    "CODEOWNERS",
    ".github/CODEOWNERS",
    ".gitlab/CODEOWNERS",
    "docs/CODEOWNERS",
];

fn owners(ctx: &Context<'_>) -> Option<(String, Owners)> {
    OWNERS_PATHS.iter().find(|p| ctx.repo.has(p)).and_then(|p| {
        ctx.repo
            .text(p)
            .map(|t| ((*p).to_owned(), Owners::parse(&t)))
    })
}

pub fn codeowners(ctx: &Context<'_>) -> Outcome {
    match owners(ctx) {
        None => Outcome::from(vec![Finding::repo("no CODEOWNERS file")], "CODEOWNERS"),
        Some((path, o)) if o.is_empty() => Outcome::from(
            vec![Finding::at(&path, None, "CODEOWNERS names no owners")],
            path.clone(),
        ),
        Some((path, _)) => Outcome::from(Vec::new(), path),
    }
}

pub fn codeowners_ci(ctx: &Context<'_>) -> Outcome {
    let ci: Vec<&String> = ctx.repo.files().iter().filter(|p| is_ci(p)).collect();
    if ci.is_empty() {
        return Outcome::NotApplicable("no CI configuration".into());
    }
    let Some((path, o)) = owners(ctx) else {
        return Outcome::from(
            vec![Finding::repo(
                "no CODEOWNERS file: the CI configuration has no owners",
            )],
            "CI files",
        );
    };
    let findings = ci
        .iter()
        .filter(|f| o.owners_of(f).is_empty())
        .map(|f| Finding::at(f, None, format!("{f} has no owner in {path}")))
        .collect();
    Outcome::from(findings, format!("{} CI files", ci.len()))
}

pub fn security_policy(ctx: &Context<'_>) -> Outcome {
    let found = ctx.repo.files().iter().find(|p| {
        matches!(parent(p), "" | ".github" | "docs" | ".gitlab")
            && matches!(
                file_name(p).to_ascii_lowercase().as_str(),
                "security.md" | "security.rst" | "security.txt" | "security.adoc" | "security"
            )
    });
    match found {
        Some(p) => Outcome::from(Vec::new(), p.clone()),
        None => Outcome::from(vec![Finding::repo("no SECURITY.md")], "security policy"),
    }
}

pub fn license(ctx: &Context<'_>) -> Outcome {
    let found = ctx.repo.files().iter().find(|p| {
        let name = file_name(p).to_ascii_lowercase();
        let stem = name.split('.').next().unwrap_or("");
        (parent(p).is_empty() || parent(p).eq_ignore_ascii_case("LICENSES"))
            && (matches!(stem, "license" | "licence" | "copying" | "unlicense")
                || stem.starts_with("license-")
                || parent(p).eq_ignore_ascii_case("LICENSES"))
    });
    match found {
        Some(p) => Outcome::from(Vec::new(), p.clone()),
        None => Outcome::from(
            vec![Finding::repo("no LICENSE file at the root")],
            "licence",
        ),
    }
}

const UPDATE_CONFIGS: &[&str] = &[
    ".github/dependabot.yml",
    ".github/dependabot.yaml",
    "renovate.json",
    "renovate.json5",
    ".renovaterc",
    ".renovaterc.json",
    ".github/renovate.json",
    ".github/renovate.json5",
    ".gitlab/renovate.json",
];

pub fn dependency_updates(ctx: &Context<'_>) -> Outcome {
    match UPDATE_CONFIGS.iter().find(|p| ctx.repo.has(p)) {
        Some(p) => Outcome::from(Vec::new(), *p),
        None => Outcome::from(
            vec![Finding::repo("no Dependabot or Renovate configuration")],
            "update tool configuration",
        ),
    }
}
