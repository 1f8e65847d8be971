//! What the pipeline does besides building: static analysis, fuzzing, SBOM generation,
//! reproducible-build settings, and provenance and signing steps. These look for the
//! tools' names in CI files, build scripts and Dockerfiles: presence of configuration,
//! not proof that it ran.

use super::Context;
use crate::check::{CheckInfo, Finding, Level, Outcome};
use crate::compromise::CompromiseType::{
    MaliciousMaintainer, Negligence, PublishingInfrastructure, SourceCode, TrustAndSigning,
};
use crate::repo::file_name;

pub static SAST: CheckInfo = CheckInfo {
    id: "sast",
    title: "CI runs static analysis",
    level: Level::Note,
    recommendations: &["SC-05"],
    questions: &["AQ-04"],
    types: &[SourceCode],
    scorecard: &["SAST"],
    help: "Run a static analyser in CI (CodeQL, Semgrep, clippy -D warnings, gosec, bandit).",
};

pub static FUZZING: CheckInfo = CheckInfo {
    id: "fuzzing",
    title: "Parsers are fuzzed",
    level: Level::Note,
    recommendations: &["SC-05"],
    questions: &["AQ-04"],
    types: &[SourceCode],
    scorecard: &["Fuzzing"],
    help: "Add fuzz targets (cargo-fuzz, Go native fuzzing, Atheris, Jazzer.js, ClusterFuzzLite).",
};

pub static SBOM: CheckInfo = CheckInfo {
    id: "sbom-generation",
    title: "The pipeline generates an SBOM",
    level: Level::Warning,
    recommendations: &["MAT-06", "MAT-03"],
    questions: &["AQ-15"],
    types: &[PublishingInfrastructure, Negligence],
    scorecard: &["SBOM"],
    help: "Generate an SBOM in the build (`kiln sbom`, syft, cargo-cyclonedx) and attest it.",
};

pub static REPRODUCIBLE: CheckInfo = CheckInfo {
    id: "reproducible-build",
    title: "The build is configured to be reproducible",
    level: Level::Warning,
    recommendations: &["BP-04", "BP-06", "BP-07"],
    questions: &["AQ-24"],
    types: &[MaliciousMaintainer, PublishingInfrastructure],
    scorecard: &[],
    help: "Set SOURCE_DATE_EPOCH, strip paths (-trimpath, --remap-path-prefix), or build \
           images with `kiln build`; rebuild and compare digests.",
};

pub static PROVENANCE: CheckInfo = CheckInfo {
    id: "provenance-signing",
    title: "Releases are signed and carry build provenance",
    level: Level::Warning,
    recommendations: &["ART-01", "ART-02", "BP-01"],
    questions: &["AQ-19", "AQ-25", "AQ-26"],
    types: &[PublishingInfrastructure, TrustAndSigning],
    scorecard: &["Signed-Releases"],
    help: "Attest SLSA provenance and sign artefacts in the release pipeline \
           (`kiln attest`/`kiln sign`, cosign, the SLSA generator).",
};

fn mentions(ctx: &Context<'_>, needles: &[&str]) -> Option<String> {
    ctx.build.iter().find_map(|(path, text)| {
        needles
            .iter()
            .find(|n| text.contains(*n))
            .map(|n| format!("`{n}` in {path}"))
    })
}

fn presence(ctx: &Context<'_>, needles: &[&str], missing: &str) -> Outcome {
    if ctx.build.is_empty() {
        return Outcome::from(
            vec![Finding::repo(format!(
                "{missing}: no CI files or build scripts"
            ))],
            "build files",
        );
    }
    match mentions(ctx, needles) {
        Some(found) => Outcome::from(Vec::new(), found),
        None => Outcome::from(
            vec![Finding::repo(missing.to_owned())],
            format!("{} build files", ctx.build.len()),
        ),
    }
}

pub fn sast(ctx: &Context<'_>) -> Outcome {
    presence(
        ctx,
        &[
            "codeql",
            "semgrep",
            "clippy",
            "gosec",
            "bandit",
            "golangci-lint",
            "eslint",
            "sonar-scanner",
            "staticcheck",
        ],
        "no static analysis step in CI",
    )
}

pub fn sbom(ctx: &Context<'_>) -> Outcome {
    presence(
        ctx,
        &[
            "kiln sbom",
            "syft",
            "cyclonedx",
            "sbom-action",
            "spdx-sbom-generator",
            "--sbom",
            "trivy sbom",
        ],
        "no SBOM generation step",
    )
}

pub fn reproducible(ctx: &Context<'_>) -> Outcome {
    if ctx
        .repo
        .files()
        .iter()
        .any(|p| matches!(file_name(p), "flake.nix" | "default.nix" | "shell.nix"))
    {
        return Outcome::from(Vec::new(), "Nix build definition");
    }
    presence(
        ctx,
        &[
            "SOURCE_DATE_EPOCH",
            "kiln build",
            "-trimpath",
            "--remap-path-prefix",
            "reproducible-builds",
            "diffoscope",
        ],
        "nothing configures a reproducible build (SOURCE_DATE_EPOCH, path stripping, kiln build)",
    )
}

pub fn provenance(ctx: &Context<'_>) -> Outcome {
    presence(
        ctx,
        &[
            "slsa-github-generator",
            "attest-build-provenance",
            "actions/attest",
            "cosign sign",
            "cosign attest",
            "kiln sign",
            "kiln attest",
            "gh-action-sigstore-python",
            "witness run",
        ],
        "no signing or provenance step in the release pipeline",
    )
}

pub fn fuzzing(ctx: &Context<'_>) -> Outcome {
    let repo = ctx.repo;
    let found = repo.files().iter().find(|p| {
        p.starts_with(".clusterfuzzlite/")
            || (file_name(p) == "Cargo.toml"
                && repo.text(p).is_some_and(|t| t.contains("libfuzzer-sys")))
            || (p.ends_with("_test.go") && repo.text(p).is_some_and(|t| t.contains("func Fuzz")))
            || (p.ends_with(".py") && repo.text(p).is_some_and(|t| t.contains("import atheris")))
            || (p.ends_with(".js") && repo.text(p).is_some_and(|t| t.contains("@jazzer.js")))
    });
    match found {
        Some(p) => Outcome::from(Vec::new(), p.clone()),
        None => Outcome::from(
            vec![Finding::repo("no fuzz targets")],
            "fuzzing configuration",
        ),
    }
}
