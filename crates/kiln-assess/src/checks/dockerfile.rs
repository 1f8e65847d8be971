//! Dockerfile checks: base images pinned by digest, never `latest` or untagged, no
//! secrets in `ARG`/`ENV`, a non-root `USER` in the final stage, no OS upgrades.

use super::Context;
use crate::check::{CheckInfo, Finding, Level, Outcome};
use crate::compromise::CompromiseType::{
    DevTooling, Negligence, PublishingInfrastructure, SourceCode,
};
use crate::dockerfile::{Instruction, bases, parse, tag};
use crate::pipeline::is_dockerfile;

pub static BASE_PINNED: CheckInfo = CheckInfo {
    id: "dockerfile-base-pinned",
    title: "Dockerfile base images are pinned by digest",
    level: Level::Warning,
    recommendations: &["CT-06", "CT-04", "BP-02"],
    questions: &["AQ-16", "AQ-20"],
    types: &[DevTooling, PublishingInfrastructure],
    scorecard: &["Pinned-Dependencies"],
    help: "Write `FROM name:tag@sha256:<digest>` and let the update tool move the digest.",
};

pub static NO_LATEST: CheckInfo = CheckInfo {
    id: "dockerfile-no-latest",
    title: "No Dockerfile base image is `latest` or untagged",
    level: Level::Warning,
    recommendations: &["CT-04"],
    questions: &["AQ-16"],
    types: &[DevTooling, PublishingInfrastructure],
    scorecard: &["Pinned-Dependencies"],
    help: "Name a version tag and a digest.",
};

pub static NO_SECRETS: CheckInfo = CheckInfo {
    id: "dockerfile-no-secrets",
    title: "No secrets passed through Dockerfile ARG or ENV",
    level: Level::Error,
    recommendations: &["SC-03", "CT-08"],
    questions: &["AQ-02"],
    types: &[SourceCode, DevTooling],
    scorecard: &[],
    help: "Use build secrets (`RUN --mount=type=secret`); ARG and ENV values stay in the \
           image's history and config.",
};

pub static NON_ROOT: CheckInfo = CheckInfo {
    id: "dockerfile-non-root",
    title: "The final image runs as a non-root USER",
    level: Level::Warning,
    recommendations: &["CT-05"],
    questions: &["AQ-16"],
    types: &[DevTooling],
    scorecard: &[],
    help: "End the final stage with `USER <uid>` (not 0 or root).",
};

pub static NO_UPGRADE: CheckInfo = CheckInfo {
    id: "dockerfile-no-os-upgrade",
    title: "No OS upgrade inside the image",
    level: Level::Note,
    recommendations: &["CT-07"],
    questions: &["AQ-16"],
    types: &[Negligence],
    scorecard: &[],
    help: "Move to a newer base image instead of `apt-get upgrade` in the build.",
};

fn dockerfiles<'a>(ctx: &'a Context<'_>) -> Vec<(&'a str, Vec<Instruction>)> {
    ctx.build
        .iter()
        .filter(|(p, _)| is_dockerfile(p))
        .map(|(p, t)| (p.as_str(), parse(t)))
        .collect()
}

fn each(ctx: &Context<'_>, f: impl Fn(&str, &[Instruction], &mut Vec<Finding>)) -> Outcome {
    let files = dockerfiles(ctx);
    if files.is_empty() {
        return Outcome::NotApplicable("no Dockerfiles".into());
    }
    let mut findings = Vec::new();
    for (path, ins) in &files {
        f(path, ins, &mut findings);
    }
    Outcome::from(findings, format!("{} Dockerfiles", files.len()))
}

pub fn base_pinned(ctx: &Context<'_>) -> Outcome {
    each(ctx, |path, ins, out| {
        for b in bases(ins).iter().filter(|b| !b.internal) {
            if !b.image.contains("@sha256:") {
                out.push(Finding::at(
                    path,
                    Some(b.line),
                    format!("`FROM {}` is not pinned by digest", b.image),
                ));
            }
        }
    })
}

pub fn no_latest(ctx: &Context<'_>) -> Outcome {
    each(ctx, |path, ins, out| {
        for b in bases(ins).iter().filter(|b| !b.internal) {
            let digest = b.image.contains("@sha256:");
            match tag(&b.image) {
                Some("latest") => out.push(Finding::at(
                    path,
                    Some(b.line),
                    format!("`FROM {}` follows `latest`", b.image),
                )),
                None if !digest => out.push(Finding::at(
                    path,
                    Some(b.line),
                    format!("`FROM {}` has no tag: it means `latest`", b.image),
                )),
                _ => {}
            }
        }
    })
}

const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "CREDENTIAL",
];

fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_WORDS.iter().any(|w| upper.contains(w))
        && !["_FILE", "_PATH", "_URL", "_DIR"]
            .iter()
            .any(|s| upper.ends_with(s))
}

/// The variable names an `ARG` or `ENV` instruction sets.
fn names(ins: &Instruction) -> Vec<String> {
    if ins.keyword == "ENV"
        && !ins
            .args
            .split_whitespace()
            .next()
            .is_some_and(|w| w.contains('='))
    {
        return ins
            .args
            .split_whitespace()
            .next()
            .map(str::to_owned)
            .into_iter()
            .collect();
    }
    ins.args
        .split_whitespace()
        .filter_map(|w| w.split('=').next())
        .filter(|n| !n.is_empty() && !n.starts_with('"'))
        .map(str::to_owned)
        .collect()
}

pub fn no_secrets(ctx: &Context<'_>) -> Outcome {
    each(ctx, |path, ins, out| {
        for i in ins
            .iter()
            .filter(|i| i.keyword == "ARG" || i.keyword == "ENV")
        {
            for name in names(i).iter().filter(|n| secret_name(n)) {
                out.push(Finding::at(
                    path,
                    Some(i.line),
                    format!("{} {name} puts a secret in the image's history", i.keyword),
                ));
            }
        }
    })
}

pub fn non_root(ctx: &Context<'_>) -> Outcome {
    each(ctx, |path, ins, out| {
        let last = ins.iter().map(|i| i.stage).max().unwrap_or(0);
        let final_base = bases(ins)
            .last()
            .map(|b| b.image.clone())
            .unwrap_or_default();
        let user = ins.iter().rfind(|i| i.stage == last && i.keyword == "USER");
        match user {
            Some(u) => {
                let who = u.args.split(':').next().unwrap_or("").trim();
                if matches!(who, "root" | "0" | "") {
                    out.push(Finding::at(
                        path,
                        Some(u.line),
                        format!("the final stage runs as `{}`", u.args),
                    ));
                }
            }
            None if final_base.contains("nonroot") => {}
            None => out.push(Finding::at(
                path,
                None,
                "the final stage sets no USER: it runs as root",
            )),
        }
    })
}

const UPGRADES: &[&str] = &[
    "apt-get upgrade",
    "apt-get dist-upgrade",
    "apt upgrade",
    "apt full-upgrade",
    "apk upgrade",
    "dnf upgrade",
    "yum upgrade",
    "yum update -y",
    "dnf update -y",
    "zypper update",
    "zypper up",
];

pub fn no_upgrade(ctx: &Context<'_>) -> Outcome {
    each(ctx, |path, ins, out| {
        for i in ins.iter().filter(|i| i.keyword == "RUN") {
            let args = i.args.split_whitespace().collect::<Vec<_>>().join(" ");
            if let Some(u) = UPGRADES.iter().find(|u| args.contains(*u)) {
                out.push(Finding::at(
                    path,
                    Some(i.line),
                    format!("`{u}` in the image"),
                ));
            }
        }
    })
}
