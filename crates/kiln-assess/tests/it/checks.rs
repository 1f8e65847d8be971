//! Every check against repositories built here with real git: the clean repository
//! passes every check (no false positives), and for every check one planted problem
//! makes it fail with a finding that says what is wrong.

use crate::support;

use std::collections::BTreeSet;

use kiln_assess::check::Status;
use kiln_assess::{Assessment, Catalog, Options, assess};
use support::{DIGEST, Gpg, SHA, Spec, build, clean, database};

fn run(spec: &Spec, gpg: &Gpg) -> Assessment {
    let repo = build(spec, gpg);
    let dbdir = tempfile::tempdir().unwrap();
    let db = database(dbdir.path());
    let catalog = Catalog::load(&support::catalog_path()).unwrap();
    assess(
        repo.path(),
        &Options {
            db: Some(&db),
            catalog: Some(&catalog),
        },
    )
    .unwrap()
}

fn status(a: &Assessment, id: &str) -> Status {
    a.checks.iter().find(|c| c.info.id == id).unwrap().status
}

type Plant = fn(&mut Spec);

fn pem() -> String {
    format!(
        "-----BEGIN {}-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END {}-----\n",
        "OPENSSH PRIVATE KEY", "OPENSSH PRIVATE KEY"
    )
}

/// For every check: a planted problem and a word its finding must contain.
const PLANTED: &[(&str, &str, Plant)] = &[
    ("signed-commits", "unsigned", |s| s.sign = false),
    ("signed-tags", "not signed", |s| s.tag = Some(false)),
    ("secrets-in-tree", "AWS access key id", |s| {
        s.set(
            "config/prod.env",
            &format!("AWS_ACCESS_KEY_ID={}{}\n", "AKIA", "Q3EGRIJ5ZZPPAB7N"),
        );
    }),
    ("secrets-in-history", "private key", |s| {
        s.removed = Some(("deploy_key".into(), pem()))
    }),
    ("codeowners", "no CODEOWNERS", |s| {
        s.remove("CODEOWNERS");
    }),
    ("codeowners-ci", "has no owner", |s| {
        s.set("CODEOWNERS", "/src/ @developers\n");
    }),
    ("security-policy", "SECURITY.md", |s| {
        s.remove("SECURITY.md");
    }),
    ("license", "LICENSE", |s| {
        s.remove("LICENSE");
    }),
    ("sast", "static analysis", |s| {
        s.edit(
            ".github/workflows/ci.yml",
            "cargo clippy --locked -- -D warnings",
            "cargo test --locked",
        );
    }),
    ("fuzzing", "fuzz", |s| {
        s.remove("fuzz/Cargo.toml");
    }),
    ("token-permissions", "sets no permissions", |s| {
        s.edit(
            ".github/workflows/ci.yml",
            "permissions:\n  contents: read\njobs:",
            "jobs:",
        );
    }),
    ("long-lived-secrets", "AWS_SECRET_ACCESS_KEY", |s| {
        s.set(
            ".github/workflows/deploy.yml",
            &format!(
                "on: push\npermissions:\n  contents: read\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@{SHA}\n      - run: ./deploy.sh\n        env:\n          AWS_SECRET_ACCESS_KEY: ${{{{ secrets.AWS_SECRET_ACCESS_KEY }}}}\n"
            ),
        );
    }),
    ("dangerous-trigger", "privileged trigger", |s| {
        s.set(
            ".github/workflows/pr.yml",
            &format!(
                "on: pull_request_target\npermissions:\n  contents: read\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@{SHA}\n        with:\n          ref: ${{{{ github.event.pull_request.head.sha }}}}\n      - run: make test\n"
            ),
        );
    }),
    ("script-injection", "github.event.issue.title", |s| {
        s.set(
            ".github/workflows/triage.yml",
            "on: issues\npermissions:\n  issues: write\njobs:\n  label:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo \"${{ github.event.issue.title }}\"\n",
        );
    }),
    ("lockfile-committed", "without a committed lock file", |s| {
        s.remove("package-lock.json");
    }),
    ("lockfile-enforced", "npm", |s| {
        s.edit(".github/workflows/ci.yml", "npm ci", "npm install");
    }),
    ("dependencies-pinned", "not pinned with ==", |s| {
        s.set("requirements.txt", "requests>=2\n");
    }),
    (
        "known-vulnerabilities",
        "lodash 4.17.20 has CVE-2021-23337",
        |s| {
            s.edit(
                "package-lock.json",
                "\"version\": \"4.17.21\"",
                "\"version\": \"4.17.20\"",
            );
        },
    ),
    ("dependency-update-tool", "Dependabot", |s| {
        s.remove(".github/dependabot.yml");
    }),
    ("typosquatting", "lodahs", |s| {
        s.edit("package.json", "\"lodash\"", "\"lodahs\"");
    }),
    ("dependency-confusion", "extra package index", |s| {
        s.set(
            "pip.conf",
            "[global]\nextra-index-url = https://packages.example.invalid/simple\n",
        );
    }),
    ("sbom-generation", "no SBOM", |s| {
        s.edit(
            ".github/workflows/ci.yml",
            "kiln sbom dir:. --format spdx-json --output sbom.json",
            "make",
        );
    }),
    ("pipeline-as-code", "no CI configuration", |s| {
        s.remove(".github/workflows/ci.yml")
            .remove(".github/workflows/label.yml");
    }),
    ("ci-actions-pinned", "not pinned by commit hash", |s| {
        s.edit(
            ".github/workflows/ci.yml",
            &format!("actions/checkout@{SHA}"),
            "actions/checkout@v4",
        );
    }),
    ("remote-script-execution", "downloaded script", |s| {
        s.set(
            "scripts/install.sh",
            "#!/bin/sh\ncurl -sSf https://example.invalid/install.sh \\\n  | sh -s -- -y\n",
        );
    }),
    ("self-hosted-runners", "self-hosted", |s| {
        s.edit(
            ".github/workflows/ci.yml",
            "runs-on: ubuntu-latest",
            "runs-on: [self-hosted, linux]",
        );
    }),
    ("binary-artifacts", "ELF", |s| {
        s.files
            .insert("bin/tool".into(), b"\x7fELF\x02\x01\x01\0\0\0".to_vec());
    }),
    ("reproducible-build", "reproducible", |s| {
        s.edit(
            ".github/workflows/ci.yml",
            "SOURCE_DATE_EPOCH: \"0\"",
            "MODE: release",
        );
    }),
    ("provenance-signing", "no signing", |s| {
        s.edit(".github/workflows/ci.yml", "kiln attest", "echo")
            .edit(".github/workflows/ci.yml", "kiln sign", "echo");
    }),
    ("dockerfile-base-pinned", "not pinned by digest", |s| {
        s.edit(
            "Dockerfile",
            &format!("FROM debian:12-slim@{DIGEST}"),
            "FROM debian:12-slim",
        );
    }),
    ("dockerfile-no-latest", "latest", |s| {
        s.edit(
            "Dockerfile",
            &format!("FROM debian:12-slim@{DIGEST}"),
            "FROM debian",
        );
    }),
    ("dockerfile-no-secrets", "NPM_TOKEN", |s| {
        s.edit("Dockerfile", "ENV APP_HOME", "ARG NPM_TOKEN\nENV APP_HOME");
    }),
    ("dockerfile-non-root", "root", |s| {
        s.edit("Dockerfile", "USER 65532:65532", "USER root");
    }),
    ("dockerfile-no-os-upgrade", "apt-get upgrade", |s| {
        s.edit(
            "Dockerfile",
            "apt-get update &&",
            "apt-get update && apt-get upgrade -y &&",
        );
    }),
];

#[test]
fn every_check_has_a_planted_problem() {
    let planted: BTreeSet<&str> = PLANTED.iter().map(|(id, _, _)| *id).collect();
    let all: BTreeSet<&str> = kiln_assess::checks().iter().map(|c| c.id).collect();
    assert_eq!(planted, all);
    assert_eq!(PLANTED.len(), all.len(), "one planted problem per check");
}

#[test]
fn clean_repository_passes_every_check_and_each_planted_problem_trips_its_check() {
    let gpg = Gpg::new();
    let clean_result = run(&clean(), &gpg);
    let not_passing: Vec<String> = clean_result
        .checks
        .iter()
        .filter(|c| c.status != Status::Pass)
        .map(|c| format!("{} {:?} {} {:?}", c.info.id, c.status, c.detail, c.findings))
        .collect();
    assert!(
        not_passing.is_empty(),
        "the clean repository: {not_passing:#?}"
    );
    assert_eq!(clean_result.findings().count(), 0);

    let mut wrong = Vec::new();
    for (id, word, plant) in PLANTED {
        let mut spec = clean();
        plant(&mut spec);
        let a = run(&spec, &gpg);
        let c = a.checks.iter().find(|c| c.info.id == *id).unwrap();
        let messages: Vec<&str> = c.findings.iter().map(|f| f.message.as_str()).collect();
        if c.status != Status::Fail || !messages.iter().any(|m| m.contains(word)) {
            wrong.push(format!(
                "{id}: {:?} {messages:?} (wanted {word:?})",
                c.status
            ));
        }
    }
    assert!(wrong.is_empty(), "planted problems not found: {wrong:#?}");
}

#[test]
fn findings_point_at_the_file_and_line() {
    let gpg = Gpg::new();
    let mut spec = clean();
    spec.edit(
        ".github/workflows/ci.yml",
        &format!("actions/checkout@{SHA} # v4\n      - name: build"),
        "actions/checkout@v4\n      - name: build",
    );
    spec.set(
        "config/prod.env",
        &format!("# prod\nKEY={}{}\n", "ghp_", "x".repeat(36)),
    );
    let a = run(&spec, &gpg);
    let pin = &a
        .checks
        .iter()
        .find(|c| c.info.id == "ci-actions-pinned")
        .unwrap()
        .findings;
    assert_eq!(pin.len(), 1, "only the unpinned reference: {pin:?}");
    assert_eq!(pin[0].path.as_deref(), Some(".github/workflows/ci.yml"));
    assert_eq!(pin[0].line, Some(11));
    let secret = &a
        .checks
        .iter()
        .find(|c| c.info.id == "secrets-in-tree")
        .unwrap()
        .findings;
    assert_eq!(secret.len(), 1);
    assert_eq!(
        (secret[0].path.as_deref(), secret[0].line),
        (Some("config/prod.env"), Some(2))
    );
    assert!(
        !secret[0].message.contains(&"x".repeat(20)),
        "redacted: {}",
        secret[0].message
    );
}

#[test]
fn history_secret_names_its_commit_and_is_gone_from_the_tree() {
    let gpg = Gpg::new();
    let mut spec = clean();
    spec.removed = Some(("deploy_key".into(), pem()));
    let a = run(&spec, &gpg);
    assert_eq!(status(&a, "secrets-in-tree"), Status::Pass);
    let h = &a
        .checks
        .iter()
        .find(|c| c.info.id == "secrets-in-history")
        .unwrap()
        .findings;
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].path.as_deref(), Some("deploy_key"));
    assert_eq!(h[0].line, Some(1));
    assert_eq!(h[0].commit.as_ref().map(String::len), Some(40));
}

#[test]
fn undecidable_checks_say_so_instead_of_guessing() {
    let gpg = Gpg::new();
    let mut spec = clean();
    spec.git = false;
    let repo = build(&spec, &gpg);
    let a = assess(repo.path(), &Options::default()).unwrap();
    for id in [
        "signed-commits",
        "signed-tags",
        "secrets-in-history",
        "known-vulnerabilities",
    ] {
        assert_eq!(status(&a, id), Status::NotChecked, "{id}");
    }
    assert!(!a.catalog);
    assert!(a.checks.iter().all(|c| c.incidents.is_empty()));
    // The rest is decided from the files alone, as in the git repository.
    assert_eq!(status(&a, "ci-actions-pinned"), Status::Pass);
    assert_eq!(a.failed().count(), 0);
}

#[test]
fn near_misses_do_not_trip() {
    let gpg = Gpg::new();
    let mut spec = clean();
    // Quoted markers, documentation keys, hashes checked before running, scoped names,
    // an ARG default naming a secret file, a `latest`-looking tag that is a digest pin.
    spec.set("docs/keys.md", &format!("The marker `-----BEGIN {}-----` opens a key.\n", "RSA PRIVATE KEY"))
        .set("scripts/get.sh", "curl -fsSLo t.tgz https://example.invalid/t.tgz\necho 'curl x | sh' > notes.txt\ncurl x | tar xz\n")
        .set("Dockerfile.dev", &format!("FROM debian:12@{DIGEST}\nARG TOKEN_FILE=/run/secrets/t\nUSER 1000\n"));
    let a = run(&spec, &gpg);
    let failed: Vec<&str> = a.failed().map(|c| c.info.id).collect();
    assert!(failed.is_empty(), "{failed:?}");
}

#[test]
fn gitlab_ci_images_and_includes() {
    let gpg = Gpg::new();
    let mut spec = clean();
    spec.set(
        ".gitlab-ci.yml",
        &format!(
            "include:\n  - project: group/templates\n    ref: {SHA}\n    file: /ci.yml\nimage: rust:1.88@{DIGEST}\nbuild:\n  script:\n    - cargo build --locked\n"
        ),
    );
    let a = run(&spec, &gpg);
    assert_eq!(status(&a, "ci-actions-pinned"), Status::Pass);

    spec.set(
        ".gitlab-ci.yml",
        "include:\n  - remote: https://example.invalid/ci.yml\n  - project: group/templates\n    ref: main\nimage: rust:latest\nbuild:\n  image: node:20\n  script:\n    - curl -s https://example.invalid/x | bash\n",
    );
    let a = run(&spec, &gpg);
    let c = a
        .checks
        .iter()
        .find(|c| c.info.id == "ci-actions-pinned")
        .unwrap();
    let messages: Vec<&str> = c.findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(messages.len(), 4, "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("remote")));
    assert!(messages.iter().any(|m| m.contains("`main`, not a commit")));
    assert!(messages.iter().any(|m| m.contains("rust:latest")));
    assert!(messages.iter().any(|m| m.contains("node:20")));
    assert_eq!(status(&a, "remote-script-execution"), Status::Fail);
}

#[test]
fn unscoped_internal_names_are_exposed_to_dependency_confusion() {
    let gpg = Gpg::new();
    let mut spec = clean();
    spec.edit(
        "package.json",
        "\"@acme/internal-tools\"",
        "\"acme-internal-tools\"",
    );
    let a = run(&spec, &gpg);
    let c = a
        .checks
        .iter()
        .find(|c| c.info.id == "dependency-confusion")
        .unwrap();
    assert_eq!(c.status, Status::Fail);
    assert_eq!(c.findings.len(), 1, "{:?}", c.findings);
    assert!(
        c.findings[0]
            .message
            .contains("`acme-internal-tools` looks internal but is unscoped")
    );
    assert_eq!(c.findings[0].path.as_deref(), Some("package.json"));
}

#[test]
fn a_repository_without_commits_has_no_history_to_check() {
    kiln_test::fixture::require_tool("git");
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    std::fs::write(dir.path().join("README.md"), "# new\n").unwrap();
    let a = assess(dir.path(), &Options::default()).unwrap();
    for id in ["signed-commits", "signed-tags", "secrets-in-history"] {
        assert_eq!(status(&a, id), Status::NotApplicable, "{id}");
    }
    assert_eq!(
        status(&a, "secrets-in-tree"),
        Status::Pass,
        "the untracked file is not committed, nothing to read"
    );
}

#[test]
fn signed_commits_stay_signed_when_gpg_cannot_run() {
    let gpg = Gpg::new();
    let repo = build(&clean(), &gpg);
    // A gpg that fails outright: git then reports `N` (no signature) for every commit.
    let out = std::process::Command::new("git")
        .current_dir(repo.path())
        .args(["config", "gpg.program", "false"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let a = assess(repo.path(), &Options::default()).unwrap();
    let check = a
        .checks
        .iter()
        .find(|c| c.info.id == "signed-commits")
        .unwrap();
    assert_eq!(check.status, Status::Pass, "{:?}", check.findings);
    assert!(
        check
            .detail
            .contains("with signatures no key here can check"),
        "{}",
        check.detail
    );
    assert!(!check.detail.starts_with("0 commits"), "{}", check.detail);

    // An unsigned history still fails.
    let mut unsigned = clean();
    unsigned.sign = false;
    let a = run(&unsigned, &gpg);
    assert_eq!(status(&a, "signed-commits"), Status::Fail);
}
