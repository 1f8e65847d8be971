//! CI workflow checks: pipeline as code, actions and CI images pinned by commit hash or
//! digest, minimal token permissions, no `pull_request_target` running the pull request's
//! code, no script injection through `${{ github.event.* }}`, no downloads piped to a
//! shell, no long-lived cloud or registry secrets where OIDC would do, no persistent
//! self-hosted runners.

use serde_yaml_ng::Value;

use super::Context;
use crate::check::{CheckInfo, Finding, Level, Outcome};
use crate::compromise::CompromiseType::{
    DevTooling, MaliciousMaintainer, PublishingInfrastructure, SourceCode, TrustAndSigning,
};
use crate::pipeline::{is_ci, logical_lines, pipes_download_to_shell, steps, str_field};

pub static PIPELINE_AS_CODE: CheckInfo = CheckInfo {
    id: "pipeline-as-code",
    title: "Builds run from a CI pipeline defined in the repository",
    level: Level::Warning,
    recommendations: &["BP-10", "BP-18"],
    questions: &["AQ-17", "AQ-18"],
    types: &[DevTooling, PublishingInfrastructure],
    scorecard: &[],
    help: "Define the build, test and release as CI configuration committed to the repository.",
};

pub static ACTIONS_PINNED: CheckInfo = CheckInfo {
    id: "ci-actions-pinned",
    title: "CI actions, includes and images are pinned by commit hash or digest",
    level: Level::Warning,
    recommendations: &["BP-02", "BP-05"],
    questions: &["AQ-20"],
    types: &[DevTooling, MaliciousMaintainer],
    scorecard: &["Pinned-Dependencies"],
    help: "Reference actions as owner/repo@<40-hex commit> (with the tag in a comment), \
           CI images as name@sha256:…, GitLab includes at a commit.",
};

pub static TOKEN_PERMISSIONS: CheckInfo = CheckInfo {
    id: "token-permissions",
    title: "Workflow tokens have minimal, explicit permissions",
    level: Level::Warning,
    recommendations: &["SC-13"],
    questions: &["AQ-09"],
    types: &[SourceCode, DevTooling],
    scorecard: &["Token-Permissions"],
    help: "Set `permissions: contents: read` at the top of every workflow and grant writes \
           per job only where needed.",
};

pub static DANGEROUS_TRIGGER: CheckInfo = CheckInfo {
    id: "dangerous-trigger",
    title: "No pull_request_target/workflow_run workflow checks out untrusted code",
    level: Level::Error,
    recommendations: &["SC-13", "BP-16"],
    questions: &["AQ-09", "AQ-22"],
    types: &[SourceCode, DevTooling],
    scorecard: &["Dangerous-Workflow"],
    help: "Build pull requests under `pull_request`; in privileged triggers never check out \
           the pull request's head.",
};

pub static SCRIPT_INJECTION: CheckInfo = CheckInfo {
    id: "script-injection",
    title: "No attacker-controlled ${{ github.event.* }} expanded into run: scripts",
    level: Level::Error,
    recommendations: &["BP-16", "SC-13"],
    questions: &["AQ-09", "AQ-22"],
    types: &[SourceCode, DevTooling],
    scorecard: &["Dangerous-Workflow"],
    help: "Pass untrusted values through `env:` and quote them in the script.",
};

pub static REMOTE_SCRIPTS: CheckInfo = CheckInfo {
    id: "remote-script-execution",
    title: "No download piped into a shell (curl … | sh) in CI, scripts or Dockerfiles",
    level: Level::Warning,
    recommendations: &["BP-02", "BP-05"],
    questions: &["AQ-20"],
    types: &[DevTooling],
    scorecard: &["Pinned-Dependencies"],
    help: "Download to a file, verify its checksum or signature, then run it; or use a \
           pinned package.",
};

pub static LONG_LIVED_SECRETS: CheckInfo = CheckInfo {
    id: "long-lived-secrets",
    title: "CI uses OIDC rather than long-lived cloud and registry secrets",
    level: Level::Warning,
    recommendations: &["SC-13", "BP-21"],
    questions: &["AQ-09"],
    types: &[DevTooling, TrustAndSigning, PublishingInfrastructure],
    scorecard: &[],
    help: "Federate with OIDC (`permissions: id-token: write` and the cloud's role \
           assumption, or trusted publishing) and delete the stored secret.",
};

pub static SELF_HOSTED_RUNNERS: CheckInfo = CheckInfo {
    id: "self-hosted-runners",
    title: "Jobs run on ephemeral, platform-hosted runners",
    level: Level::Note,
    recommendations: &["BP-13"],
    questions: &["AQ-21"],
    types: &[DevTooling],
    scorecard: &[],
    help: "Use hosted runners or ephemeral (one job per runner) self-hosted runners.",
};

/// Long-lived secrets that an OIDC federation or trusted publishing replaces.
const OIDC_REPLACEABLE: &[&str] = &[
    "AWS_SECRET_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AZURE_CREDENTIALS",
    "AZURE_CLIENT_SECRET",
    "GCP_SA_KEY",
    "GCP_CREDENTIALS",
    "GOOGLE_CREDENTIALS",
    "GCLOUD_SERVICE_KEY",
    "GOOGLE_APPLICATION_CREDENTIALS_JSON",
    "PYPI_API_TOKEN",
    "PYPI_TOKEN",
    "NPM_TOKEN",
    "CARGO_REGISTRY_TOKEN",
];

pub fn pipeline_as_code(ctx: &Context<'_>) -> Outcome {
    let ci: Vec<&String> = ctx.repo.files().iter().filter(|p| is_ci(p)).collect();
    if ci.is_empty() {
        return Outcome::from(
            vec![Finding::repo("no CI configuration in the repository")],
            "CI configuration",
        );
    }
    Outcome::from(Vec::new(), format!("{} CI files", ci.len()))
}

fn pinned_ref(uses: &str) -> bool {
    if uses.starts_with("./") {
        return true;
    }
    if let Some(image) = uses.strip_prefix("docker://") {
        return image.contains("@sha256:");
    }
    uses.rsplit_once('@')
        .is_some_and(|(_, r)| r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The image a `container:`/`services:`/`image:` value names.
pub(super) fn image_of(v: &Value) -> Option<&str> {
    v.as_str()
        .or_else(|| str_field(v, "image"))
        .or_else(|| str_field(v, "name"))
}

pub fn actions_pinned(ctx: &Context<'_>) -> Outcome {
    let mut findings = Vec::new();
    let mut seen = 0;
    for wf in &ctx.workflows {
        for (name, job) in wf.jobs() {
            let mut refs: Vec<&str> = str_field(job, "uses").into_iter().collect();
            refs.extend(steps(job).iter().filter_map(|s| str_field(s, "uses")));
            for uses in refs {
                seen += 1;
                if !pinned_ref(uses) {
                    findings.push(Finding::at(
                        &wf.path,
                        wf.line_of(uses),
                        format!("job `{name}` uses `{uses}`, not pinned by commit hash"),
                    ));
                }
            }
            let mut images: Vec<&str> = job
                .get("container")
                .and_then(image_of)
                .into_iter()
                .collect();
            if let Some(Value::Mapping(services)) = job.get("services") {
                images.extend(services.values().filter_map(image_of));
            }
            for image in images {
                seen += 1;
                if !image.contains("@sha256:") {
                    findings.push(Finding::at(
                        &wf.path,
                        wf.line_of(image),
                        format!("job `{name}` runs in image `{image}`, not pinned by digest"),
                    ));
                }
            }
        }
    }
    if let Some(text) = ctx.repo.text(".gitlab-ci.yml") {
        super::gitlab::pins(&text, &mut findings, &mut seen);
    }
    if seen == 0 {
        return Outcome::NotApplicable("no actions, includes or CI images".into());
    }
    Outcome::from(findings, format!("{seen} CI references"))
}

fn writes(perms: &Value) -> Vec<String> {
    match perms {
        Value::String(s) if s == "write-all" => vec!["write-all".into()],
        Value::Mapping(m) => m
            .iter()
            .filter(|(_, v)| v.as_str() == Some("write"))
            .filter_map(|(k, _)| k.as_str().map(|k| format!("{k}: write")))
            .collect(),
        _ => Vec::new(),
    }
}

pub fn token_permissions(ctx: &Context<'_>) -> Outcome {
    if ctx.workflows.is_empty() {
        return Outcome::NotApplicable("no GitHub Actions workflows".into());
    }
    let mut findings = Vec::new();
    for wf in &ctx.workflows {
        let top = wf.doc.get("permissions");
        if let Some(perms) = top {
            for w in writes(perms) {
                findings.push(Finding::at(
                    &wf.path,
                    wf.line_of("permissions"),
                    format!("top-level `{w}` gives every job write access"),
                ));
            }
        }
        for (name, job) in wf.jobs() {
            match job.get("permissions") {
                Some(Value::String(s)) if s == "write-all" => findings.push(Finding::at(
                    &wf.path,
                    wf.line_of("write-all"),
                    format!("job `{name}` has `permissions: write-all`"),
                )),
                None if top.is_none() => findings.push(Finding::at(
                    &wf.path,
                    wf.line_of(&format!("{name}:")),
                    format!(
                        "job `{name}` sets no permissions and the workflow none either: \
                         the token gets the repository default, possibly write-all"
                    ),
                )),
                _ => {}
            }
        }
    }
    Outcome::from(findings, format!("{} workflows", ctx.workflows.len()))
}

const PRIVILEGED: &[&str] = &["pull_request_target", "workflow_run"];
const UNTRUSTED_REFS: &[&str] = &[
    "github.event.pull_request.head",
    "github.head_ref",
    "github.event.workflow_run.head",
    "refs/pull/",
];

pub fn dangerous_trigger(ctx: &Context<'_>) -> Outcome {
    let privileged: Vec<_> = ctx
        .workflows
        .iter()
        .filter(|wf| wf.events().iter().any(|e| PRIVILEGED.contains(&e.as_str())))
        .collect();
    if privileged.is_empty() {
        return Outcome::NotApplicable("no pull_request_target or workflow_run workflows".into());
    }
    let mut findings = Vec::new();
    for wf in &privileged {
        for (name, job) in wf.jobs() {
            for step in steps(job) {
                let Some(uses) = str_field(step, "uses") else {
                    continue;
                };
                if !uses.starts_with("actions/checkout") {
                    continue;
                }
                let r = step
                    .get("with")
                    .and_then(|w| str_field(w, "ref"))
                    .unwrap_or("");
                if UNTRUSTED_REFS.iter().any(|u| r.contains(u)) {
                    findings.push(Finding::at(
                        &wf.path,
                        wf.line_of(r),
                        format!(
                            "job `{name}` checks out `{r}` in a privileged trigger: the pull \
                             request's code runs with the repository's secrets"
                        ),
                    ));
                }
            }
        }
    }
    Outcome::from(
        findings,
        format!("{} privileged workflows", privileged.len()),
    )
}

const UNTRUSTED_SUFFIXES: &[&str] = &[
    ".title",
    ".body",
    ".message",
    ".head_ref",
    ".head.ref",
    ".head.label",
    ".head_branch",
    ".email",
    ".name",
    ".default_branch",
    ".page_name",
    ".commits",
];

/// The attacker-controlled expression in a script, if any.
fn injected(script: &str) -> Option<String> {
    let mut rest = script;
    while let Some(start) = rest.find("${{") {
        let after = &rest[start + 3..];
        let end = after.find("}}").unwrap_or(after.len());
        let expr = after[..end].trim();
        let bad = expr.contains("github.head_ref")
            || (expr.contains("github.event.")
                && UNTRUSTED_SUFFIXES.iter().any(|s| {
                    expr.split(|c: char| c.is_whitespace() || c == ')' || c == ',')
                        .any(|w| w.starts_with("github.event.") && w.ends_with(s))
                }));
        if bad {
            return Some(expr.to_owned());
        }
        rest = &after[end..];
    }
    None
}

pub fn script_injection(ctx: &Context<'_>) -> Outcome {
    if ctx.workflows.is_empty() {
        return Outcome::NotApplicable("no GitHub Actions workflows".into());
    }
    let mut findings = Vec::new();
    for wf in &ctx.workflows {
        for (name, job) in wf.jobs() {
            for step in steps(job) {
                let mut scripts: Vec<&str> = str_field(step, "run").into_iter().collect();
                if str_field(step, "uses").is_some_and(|u| u.starts_with("actions/github-script")) {
                    scripts.extend(step.get("with").and_then(|w| str_field(w, "script")));
                }
                for script in scripts {
                    if let Some(expr) = injected(script) {
                        findings.push(Finding::at(
                            &wf.path,
                            wf.line_of(&expr),
                            format!("job `{name}` expands `${{{{ {expr} }}}}` into a script"),
                        ));
                    }
                }
            }
        }
    }
    Outcome::from(findings, format!("{} workflows", ctx.workflows.len()))
}

pub fn remote_scripts(ctx: &Context<'_>) -> Outcome {
    if ctx.build.is_empty() {
        return Outcome::NotApplicable("no CI files, scripts or Dockerfiles".into());
    }
    let mut findings = Vec::new();
    for (path, text) in &ctx.build {
        for (line, l) in logical_lines(text) {
            if pipes_download_to_shell(&l) {
                findings.push(Finding::at(
                    path,
                    Some(line),
                    "runs a downloaded script without verifying it",
                ));
            }
        }
    }
    Outcome::from(findings, format!("{} build files", ctx.build.len()))
}

pub fn long_lived_secrets(ctx: &Context<'_>) -> Outcome {
    let ci: Vec<&(String, String)> = ctx.build.iter().filter(|(p, _)| is_ci(p)).collect();
    if ci.is_empty() {
        return Outcome::NotApplicable("no CI configuration".into());
    }
    let mut findings = Vec::new();
    for (path, text) in &ci {
        for (i, line) in text.lines().enumerate() {
            for name in OIDC_REPLACEABLE {
                let used = [
                    format!("secrets.{name}"),
                    format!("${name}"),
                    format!("${{{name}}}"),
                ]
                .iter()
                .any(|form| {
                    line.match_indices(form.as_str()).any(|(at, _)| {
                        !line[at + form.len()..]
                            .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                    })
                });
                if used {
                    findings.push(Finding::at(
                        path,
                        Some(i + 1),
                        format!("uses the long-lived secret {name} where OIDC would do"),
                    ));
                }
            }
        }
    }
    Outcome::from(findings, format!("{} CI files", ci.len()))
}

pub fn self_hosted_runners(ctx: &Context<'_>) -> Outcome {
    if ctx.workflows.is_empty() {
        return Outcome::NotApplicable("no GitHub Actions workflows".into());
    }
    let mut findings = Vec::new();
    for wf in &ctx.workflows {
        for (name, job) in wf.jobs() {
            let labels: Vec<&str> = match job.get("runs-on") {
                Some(Value::String(s)) => vec![s.as_str()],
                Some(Value::Sequence(s)) => s.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if labels.contains(&"self-hosted") {
                findings.push(Finding::at(
                    &wf.path,
                    wf.line_of("self-hosted"),
                    format!(
                        "job `{name}` runs on a self-hosted runner, which may persist between jobs"
                    ),
                ));
            }
        }
    }
    Outcome::from(findings, format!("{} workflows", ctx.workflows.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_and_injections() {
        assert!(pinned_ref(
            "actions/checkout@0123456789abcdef0123456789abcdef01234567"
        ));
        assert!(!pinned_ref("actions/checkout@v4"));
        assert!(pinned_ref("./.github/actions/x"));
        assert!(!pinned_ref("docker://alpine:3"));
        assert!(injected("echo ${{ github.event.issue.title }}").is_some());
        assert!(injected("echo ${{ github.head_ref }}").is_some());
        assert!(injected("echo ${{ github.event.pull_request.head.sha }}").is_none());
        assert!(injected("echo ${{ github.sha }}").is_none());
    }
}
