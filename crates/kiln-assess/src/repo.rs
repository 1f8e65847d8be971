//! The repository under assessment: its committed files (`git ls-files`, or a walk that
//! skips build output when it is not a git repository), bounded reads of their text, and
//! the `git` commands the history checks run.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};

/// Files larger than this are not read as text.
const MAX_TEXT: u64 = 2 << 20;

/// Directories a walk never enters (build output, dependencies, VCS data).
const SKIP_DIRS: &[&str] = &[".git", "target", "node_modules", ".venv", "vendor"];

/// A checkout.
#[derive(Debug)]
pub struct Repo {
    root: PathBuf,
    files: Vec<String>,
    git: bool,
}

impl Repo {
    /// Opens the checkout at `root`.
    pub fn open(root: &Path) -> Result<Repo> {
        if !root.is_dir() {
            return Err(Error::NotADirectory {
                path: root.to_owned(),
            });
        }
        let git = root.join(".git").exists();
        let mut files = if git {
            match git_in(root, &["ls-files", "-z"]) {
                Ok(out) => out
                    .split('\0')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                Err(e) => {
                    tracing::warn!("git ls-files failed, walking instead: {e}");
                    walk(root)
                }
            }
        } else {
            walk(root)
        };
        files.retain(|f| root.join(f).is_file());
        files.sort();
        Ok(Repo {
            root: root.to_owned(),
            files,
            git,
        })
    }

    /// The checkout's root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether it is a git repository (history checks need one).
    pub fn is_git(&self) -> bool {
        self.git
    }

    /// Every committed file, relative and `/`-separated, sorted.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// Whether `path` is committed.
    pub fn has(&self, path: &str) -> bool {
        self.files
            .binary_search_by(|f| f.as_str().cmp(path))
            .is_ok()
    }

    /// The file's text, if it is small enough and UTF-8 (lossily).
    pub fn text(&self, path: &str) -> Option<String> {
        let full = self.root.join(path);
        let meta = std::fs::metadata(&full).ok()?;
        if meta.len() > MAX_TEXT {
            return None;
        }
        let bytes = std::fs::read(&full).ok()?;
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Up to `n` first bytes of the file.
    pub fn head(&self, path: &str, n: usize) -> Vec<u8> {
        use std::io::Read;
        let mut buf = Vec::new();
        if let Ok(f) = std::fs::File::open(self.root.join(path)) {
            let _ = f.take(n as u64).read_to_end(&mut buf);
        }
        buf
    }

    /// Runs `git` in the repository; its stdout, or why it failed.
    pub fn git(&self, args: &[&str]) -> std::result::Result<String, String> {
        git_in(&self.root, args)
    }
}

fn git_in(root: &Path, args: &[&str]) -> std::result::Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["-c", "core.quotepath=off"])
        .args(args)
        .output()
        .map_err(|e| format!("running git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn walk(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(root.join(&rel)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(ty) = entry.file_type() else { continue };
            let path = rel.join(&name);
            if ty.is_dir() {
                if !SKIP_DIRS.contains(&name.as_str()) {
                    stack.push(path);
                }
            } else if ty.is_file() {
                out.push(path.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out
}

/// What a failed `git log` means: no commits yet (nothing to check), or git could not run
/// at all (not decided).
pub fn history_error(e: String) -> crate::check::Outcome {
    if e.starts_with("running git") {
        crate::check::Outcome::NotChecked(e)
    } else {
        crate::check::Outcome::NotApplicable(format!("no history: {e}"))
    }
}

/// The file name of a `/`-separated path.
pub fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The directory of a `/`-separated path (`""` at the root).
pub fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// Whether a path is test data (a `tests`, `testdata`, `fixtures` … directory).
pub fn is_test_path(path: &str) -> bool {
    path.split('/').any(|c| {
        matches!(
            c,
            "test"
                | "tests"
                | "testdata"
                | "test-data"
                | "fixtures"
                | "fixture"
                | "__fixtures__"
                | "snapshots"
                | "examples"
                | "fuzz"
                | "corpus"
        )
    })
}
