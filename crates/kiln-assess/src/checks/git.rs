//! Signature checks over git history: every commit reachable from HEAD signed (and the
//! signature good where gpg can check it), every tag an annotated, signed tag. A
//! signature gpg cannot check here (`%G?` = `E`: the signer's public key is not in the
//! keyring) counts as signed and is counted apart; a bad one (`B`) fails. Whether a
//! commit carries a signature at all is read from the commit object (its `gpgsig`
//! header), not from gpg, so a gpg that cannot run here does not make signed commits
//! look unsigned.

use super::Context;
use crate::check::{CheckInfo, Finding, Level, Outcome};
use crate::compromise::CompromiseType::{
    MaliciousMaintainer, PublishingInfrastructure, SourceCode, TrustAndSigning,
};

pub static SIGNED_COMMITS: CheckInfo = CheckInfo {
    id: "signed-commits",
    title: "Commits are signed",
    level: Level::Warning,
    recommendations: &["SC-01", "SC-02"],
    questions: &["AQ-01"],
    types: &[SourceCode, MaliciousMaintainer],
    scorecard: &[],
    help: "Sign commits (`git config commit.gpgsign true`, GPG, SSH or S/MIME keys) and \
           require signatures on protected branches.",
};

pub static SIGNED_TAGS: CheckInfo = CheckInfo {
    id: "signed-tags",
    title: "Release tags are signed",
    level: Level::Warning,
    recommendations: &["SC-01"],
    questions: &["AQ-01", "AQ-25"],
    types: &[SourceCode, TrustAndSigning, PublishingInfrastructure],
    scorecard: &[],
    help: "Create release tags with `git tag -s`.",
};

/// How many offending commits a finding names.
const EXAMPLES: usize = 5;

pub fn signed_commits(ctx: &Context<'_>) -> Outcome {
    if !ctx.repo.is_git() {
        return Outcome::NotChecked("not a git repository".into());
    }
    let log = match ctx.repo.git(&["log", "--format=%H%x09%G?%x09%an", "HEAD"]) {
        Ok(log) => log,
        Err(e) => return crate::repo::history_error(e),
    };
    // Read only when gpg called some commit unsigned: the raw log holds every message.
    let carrying = if log.lines().any(|l| l.split('\t').nth(1) == Some("N")) {
        match signature_carriers(ctx) {
            Ok(set) => set,
            Err(e) => return crate::repo::history_error(e),
        }
    } else {
        std::collections::HashSet::new()
    };
    let mut total = 0;
    let mut unsigned = Vec::new();
    let mut bad = Vec::new();
    let mut unverifiable = 0;
    for line in log.lines() {
        let mut parts = line.splitn(3, '\t');
        let (Some(hash), Some(status)) = (parts.next(), parts.next()) else {
            continue;
        };
        let author = parts.next().unwrap_or("");
        total += 1;
        let short = hash.get(..12).unwrap_or(hash);
        match status {
            "N" if carrying.contains(hash) => unverifiable += 1,
            "N" => unsigned.push(format!("{short} ({author})")),
            "B" => bad.push(format!("{short} ({author})")),
            "E" => unverifiable += 1,
            _ => {}
        }
    }
    if total == 0 {
        return Outcome::NotApplicable("no commits".into());
    }
    let mut findings = Vec::new();
    if !unsigned.is_empty() {
        findings.push(Finding::repo(format!(
            "{} of {total} commits are unsigned, e.g. {}",
            unsigned.len(),
            unsigned[..unsigned.len().min(EXAMPLES)].join(", ")
        )));
    }
    if !bad.is_empty() {
        findings.push(Finding::repo(format!(
            "{} commits carry a bad signature: {}",
            bad.len(),
            bad[..bad.len().min(EXAMPLES)].join(", ")
        )));
    }
    Outcome::from(
        findings,
        format!("{total} commits, {unverifiable} with signatures no key here can check"),
    )
}

/// The commits reachable from HEAD whose object carries a signature header.
fn signature_carriers(ctx: &Context<'_>) -> Result<std::collections::HashSet<String>, String> {
    let raw = ctx.repo.git(&["log", "--format=raw", "HEAD"])?;
    let mut carriers = std::collections::HashSet::new();
    let mut current: Option<&str> = None;
    let mut in_headers = false;
    for line in raw.lines() {
        if let Some(hash) = line.strip_prefix("commit ") {
            current = hash.split_whitespace().next();
            in_headers = true;
        } else if line.is_empty() {
            in_headers = false;
        } else if in_headers
            && (line.starts_with("gpgsig ") || line.starts_with("gpgsig-sha256 "))
            && let Some(hash) = current
        {
            carriers.insert(hash.to_owned());
        }
    }
    Ok(carriers)
}

fn is_signed(tag_object: &str) -> bool {
    [
        "-----BEGIN PGP SIGNATURE-----",
        "-----BEGIN SSH SIGNATURE-----",
        "-----BEGIN SIGNED MESSAGE-----",
    ]
    .iter()
    .any(|m| tag_object.contains(m))
}

pub fn signed_tags(ctx: &Context<'_>) -> Outcome {
    if !ctx.repo.is_git() {
        return Outcome::NotChecked("not a git repository".into());
    }
    let refs = ctx
        .repo
        .git(&[
            "for-each-ref",
            "refs/tags",
            "--format=%(refname:short)%09%(objecttype)",
        ])
        .unwrap_or_default();
    let tags: Vec<(&str, &str)> = refs.lines().filter_map(|l| l.split_once('\t')).collect();
    if tags.is_empty() {
        return Outcome::NotApplicable("no tags".into());
    }
    let mut findings = Vec::new();
    for (name, kind) in &tags {
        if *kind != "tag" {
            findings.push(Finding::repo(format!(
                "tag `{name}` is lightweight, so unsigned"
            )));
            continue;
        }
        let object = ctx
            .repo
            .git(&["cat-file", "tag", &format!("refs/tags/{name}")])
            .unwrap_or_default();
        if !is_signed(&object) {
            findings.push(Finding::repo(format!("tag `{name}` is not signed")));
        }
    }
    Outcome::from(findings, format!("{} tags", tags.len()))
}
