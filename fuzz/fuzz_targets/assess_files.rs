//! Fuzzes the assessment's readers of repository files: the input, split at NUL bytes,
//! becomes a Dockerfile, a GitHub Actions workflow, a GitLab CI file, CODEOWNERS, a
//! requirements file, package.json, Cargo.toml, a shell script and a text file with
//! possible secrets; `assess` runs every check over that directory.
//!
//! Run with `cargo +nightly fuzz run assess_files` from the repository root.

#![no_main]

use kiln_assess::{Options, assess};
use libfuzzer_sys::fuzz_target;

const FILES: &[&str] = &[
    "Dockerfile",
    ".github/workflows/ci.yml",
    ".gitlab-ci.yml",
    "CODEOWNERS",
    "requirements.txt",
    "package.json",
    "Cargo.toml",
    "scripts/build.sh",
    "notes.txt",
];

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    for (path, part) in FILES.iter().zip(data.split(|b| *b == 0)) {
        let full = dir.path().join(path);
        if let Some(parent) = full.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(full, part);
    }
    let _ = assess(dir.path(), &Options::default());
});
