//! Test repositories: a clean repository that meets every check, built with real `git`
//! (commits and a tag signed with a throwaway gpg key in a temporary GNUPGHOME), and an
//! OSV advisory database for the vulnerability check.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the support module"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use kiln_test::fixture::require_tool;
use kiln_vuln::{Database, ImportOptions, db, import};
use tempfile::TempDir;

/// A full commit hash, for pinned actions.
pub const SHA: &str = "8e5e7e5ab8b370d6c329ec480221332ada57f0ab";
/// A digest, for pinned images.
pub const DIGEST: &str = "sha256:7a0c55c8c1a0f6a4a6a8a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566";

/// A throwaway gpg key in its own GNUPGHOME.
#[derive(Debug)]
pub struct Gpg {
    pub home: TempDir,
    pub fingerprint: String,
}

impl Gpg {
    pub fn new() -> Gpg {
        require_tool("gpg");
        let home = tempfile::Builder::new().prefix("g").tempdir().unwrap();
        let out = Command::new("gpg")
            .env("GNUPGHOME", home.path())
            .args([
                "--batch",
                "--passphrase",
                "",
                "--quick-gen-key",
                "kiln test <test@example.invalid>",
                "ed25519",
                "sign",
                "never",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "gpg: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let list = Command::new("gpg")
            .env("GNUPGHOME", home.path())
            .args(["--batch", "--with-colons", "--list-secret-keys"])
            .output()
            .unwrap();
        let text = String::from_utf8(list.stdout).unwrap();
        let fingerprint = text
            .lines()
            .find_map(|l| {
                l.strip_prefix("fpr:")
                    .map(|r| r.trim_matches(':').to_owned())
            })
            .unwrap();
        Gpg { home, fingerprint }
    }
}

impl Drop for Gpg {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", self.home.path())
            .args(["--kill", "gpg-agent"])
            .status();
    }
}

/// What a test repository holds and how its history is made.
#[derive(Debug, Clone)]
pub struct Spec {
    pub files: BTreeMap<String, Vec<u8>>,
    /// Sign the commits.
    pub sign: bool,
    /// Add a tag `v1.0.0`: signed (`Some(true)`), annotated unsigned, or none.
    pub tag: Option<bool>,
    /// A file committed first and removed in the next commit.
    pub removed: Option<(String, String)>,
    /// Make it a git repository at all.
    pub git: bool,
}

impl Spec {
    pub fn set(&mut self, path: &str, text: &str) -> &mut Spec {
        self.files.insert(path.to_owned(), text.as_bytes().to_vec());
        self
    }

    pub fn remove(&mut self, path: &str) -> &mut Spec {
        assert!(
            self.files.remove(path).is_some(),
            "{path} is not in the spec"
        );
        self
    }

    pub fn edit(&mut self, path: &str, from: &str, to: &str) -> &mut Spec {
        let text = String::from_utf8(self.files[path].clone()).unwrap();
        assert!(text.contains(from), "{path} does not contain {from:?}");
        self.set(path, &text.replacen(from, to, 1))
    }
}

const WORKFLOW: &str = "name: ci
on:
  push:
  pull_request:
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@SHA # v4
      - name: build
        run: |
          cargo build --locked
          cargo clippy --locked -- -D warnings
          npm ci
          echo \"${{ github.event.pull_request.head.sha }}\"
      - name: sbom
        run: kiln sbom dir:. --format spdx-json --output sbom.json
        env:
          SOURCE_DATE_EPOCH: \"0\"
  release:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      id-token: write
    steps:
      - uses: actions/checkout@SHA # v4
      - run: curl -fsSLo tool.tar.gz https://example.invalid/tool.tar.gz && sha256sum -c tool.sha256
      - run: kiln attest registry.invalid/app@sha256:x --type slsa --predicate p.json --key k
      - run: kiln sign registry.invalid/app@sha256:x --key k
";

/// A privileged trigger used safely: the base branch's code, no untrusted expansion.
const LABEL: &str = "on: pull_request_target
permissions:
  contents: read
jobs:
  label:
    runs-on: ubuntu-latest
    permissions:
      pull-requests: write
    steps:
      - uses: actions/checkout@SHA
      - run: ./label.sh \"$TITLE\"
        env:
          TITLE: ${{ github.event.pull_request.title }}
";

const DOCKERFILE: &str = "ARG BASE=debian:12@DIGEST
FROM ${BASE} AS build
RUN apt-get update && apt-get install -y --no-install-recommends build-essential
FROM build AS test
RUN make test
FROM debian:12-slim@DIGEST
ENV APP_HOME=/app PASSWORD_FILE=/run/secrets/password
COPY --from=build /out/app /app
USER 65532:65532
";

const CARGO_LOCK: &str = "version = 3

[[package]]
name = \"clean\"
version = \"0.1.0\"
dependencies = [
 \"serde\",
]

[[package]]
name = \"serde\"
version = \"1.0.200\"
";

const PACKAGE_LOCK: &str = r#"{
  "name": "clean",
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "clean", "dependencies": {"lodash": "^4.17.21"}},
    "node_modules/lodash": {"version": "4.17.21"}
  }
}
"#;

/// A repository that passes every check.
pub fn clean() -> Spec {
    let mut s = Spec {
        files: BTreeMap::new(),
        sign: true,
        tag: Some(true),
        removed: None,
        git: true,
    };
    s.set(".github/workflows/ci.yml", &WORKFLOW.replace("SHA", SHA))
        .set(".github/dependabot.yml", "version: 2\nupdates:\n  - package-ecosystem: cargo\n    directory: /\n    schedule:\n      interval: weekly\n")
        .set(".github/workflows/label.yml", &LABEL.replace("SHA", SHA))
        .set("CODEOWNERS", "* @maintainers\n/.github/ @release-team\n")
        .set("SECURITY.md", "# Security\n\nReport vulnerabilities privately to the maintainers.\n")
        .set("LICENSE", "Apache License, Version 2.0\n")
        .set("README.md", "# clean\n\nThe AWS documentation key AKIAIOSFODNN7EXAMPLE is not a secret.\n")
        .set("Cargo.toml", "[package]\nname = \"clean\"\nversion = \"0.1.0\"\n\n[dependencies]\nserde = \"1\"\n")
        .set("Cargo.lock", CARGO_LOCK)
        .set("src/main.rs", "fn main() {}\n")
        .set("package.json", r#"{"name": "clean", "dependencies": {"lodash": "^4.17.21"}, "devDependencies": {"@acme/internal-tools": "1.0.0"}}"#)
        .set("package-lock.json", PACKAGE_LOCK)
        .set("requirements.txt", "# pinned\nrequests==2.31.0 --hash=sha256:58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f\n")
        .set("Dockerfile", &DOCKERFILE.replace("DIGEST", DIGEST))
        .set("scripts/release.sh", "#!/bin/sh\nset -eu\npip install -r requirements.txt\ncargo install --locked cargo-auditable --version 0.7.7\n")
        .set("fuzz/Cargo.toml", "[package]\nname = \"fuzz\"\n\n[dependencies]\nlibfuzzer-sys = \"0.4\"\n")
        .set("tests/fixtures/.keep", "");
    s.files.insert(
        "tests/fixtures/tiny.gz".into(),
        vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0],
    );
    s
}

fn git(dir: &Path, gpg: &Gpg, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .env("GNUPGHOME", gpg.home.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z")
        .args([
            "-c",
            "user.name=kiln test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args(["-c", &format!("user.signingkey={}", gpg.fingerprint)])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn write(root: &Path, path: &str, bytes: &[u8]) {
    let full = root.join(path);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(full, bytes).unwrap();
}

/// Builds the repository in a new temporary directory.
pub fn build(spec: &Spec, gpg: &Gpg) -> TempDir {
    require_tool("git");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for (path, bytes) in &spec.files {
        write(root, path, bytes);
    }
    if !spec.git {
        return dir;
    }
    git(root, gpg, &["init", "-q", "-b", "main"]);
    let sign = if spec.sign { "-S" } else { "--no-gpg-sign" };
    if let Some((path, text)) = &spec.removed {
        write(root, path, text.as_bytes());
        git(root, gpg, &["add", "-A"]);
        git(root, gpg, &["commit", "-q", sign, "-m", "first"]);
        std::fs::remove_file(root.join(path)).unwrap();
    }
    git(root, gpg, &["add", "-A"]);
    git(root, gpg, &["commit", "-q", sign, "-m", "the project"]);
    match spec.tag {
        Some(true) => git(root, gpg, &["tag", "-s", "-m", "v1.0.0", "v1.0.0"]),
        Some(false) => git(
            root,
            gpg,
            &["tag", "-a", "--no-sign", "-m", "v1.0.0", "v1.0.0"],
        ),
        None => {}
    }
    dir
}

/// An advisory database with one npm advisory: lodash before 4.17.21.
pub fn database(dir: &Path) -> Database {
    let record = r#"{"id":"GHSA-35jh-r3h4-6jhm","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2021-23337"],
      "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}],
      "affected":[{"package":{"ecosystem":"npm","name":"lodash"},
      "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"4.17.21"}]}]}]}"#;
    let sources = vec![import::read_bytes(
        "GHSA-35jh-r3h4-6jhm.json",
        record.as_bytes().to_vec(),
    )];
    let path = dir.join("db.sqlite");
    db::import(&path, &sources, &ImportOptions::default()).unwrap();
    Database::open(&path).unwrap()
}

/// The shared compromise catalog.
pub fn catalog_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/cncf/compromises.json")
}
