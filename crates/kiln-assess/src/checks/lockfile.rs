//! Lock files: committed beside every manifest, enforced where CI installs or builds,
//! and dependencies pinned where no lock file does it (requirements files, `pip install`,
//! `cargo install`, unbounded or branch-following versions).

use serde_json::Value as Json;

use super::Context;
use crate::check::{CheckInfo, Finding, Level, Outcome};
use crate::compromise::CompromiseType::{
    MaliciousMaintainer, Negligence, PublishingInfrastructure,
};
use crate::pipeline::logical_lines;
use crate::repo::{Repo, file_name, parent};

pub static COMMITTED: CheckInfo = CheckInfo {
    id: "lockfile-committed",
    title: "Every package manifest has a committed lock file",
    level: Level::Warning,
    recommendations: &["MAT-01", "BP-05"],
    questions: &["AQ-20"],
    types: &[Negligence, MaliciousMaintainer, PublishingInfrastructure],
    scorecard: &["Pinned-Dependencies"],
    help: "Commit the lock file (Cargo.lock, package-lock.json, poetry.lock, go.sum, …).",
};

pub static ENFORCED: CheckInfo = CheckInfo {
    id: "lockfile-enforced",
    title: "CI installs and builds from the lock file (--locked, npm ci, --frozen-lockfile)",
    level: Level::Warning,
    recommendations: &["MAT-01", "BP-05"],
    questions: &["AQ-20"],
    types: &[Negligence, MaliciousMaintainer, PublishingInfrastructure],
    scorecard: &["Pinned-Dependencies"],
    help: "Make CI fail when the lock file is out of date: `cargo … --locked`, `npm ci`, \
           `yarn --frozen-lockfile`, `pipenv install --deploy`, `uv sync --locked`.",
};

pub static PINNED: CheckInfo = CheckInfo {
    id: "dependencies-pinned",
    title: "Dependencies without a lock file are pinned to exact versions",
    level: Level::Warning,
    recommendations: &["BP-05", "MAT-01"],
    questions: &["AQ-20"],
    types: &[Negligence, MaliciousMaintainer],
    scorecard: &["Pinned-Dependencies"],
    help: "Pin with `==` (and `--hash`) in requirements files and install commands, \
           `rev = \"<commit>\"` for git dependencies, exact versions where nothing locks them.",
};

/// An ecosystem: its manifest, the lock files that satisfy it, and the commands (in CI
/// or scripts) that make installs fail on a stale lock.
struct Ecosystem {
    name: &'static str,
    manifest: fn(&Repo, &str) -> bool,
    locks: &'static [&'static str],
    enforcing: &'static [&'static str],
}

const ECOSYSTEMS: &[Ecosystem] = &[
    Ecosystem {
        name: "Cargo",
        manifest: |_, p| file_name(p) == "Cargo.toml",
        locks: &["Cargo.lock"],
        enforcing: &["--locked", "--frozen"],
    },
    Ecosystem {
        name: "npm",
        manifest: |_, p| file_name(p) == "package.json",
        locks: &[
            "package-lock.json",
            "npm-shrinkwrap.json",
            "yarn.lock",
            "pnpm-lock.yaml",
            "bun.lockb",
            "bun.lock",
        ],
        enforcing: &[
            "npm ci",
            "--frozen-lockfile",
            "--immutable",
            "npm clean-install",
        ],
    },
    Ecosystem {
        name: "Python",
        manifest: |r, p| {
            file_name(p) == "Pipfile"
                || (file_name(p) == "pyproject.toml"
                    && r.text(p).is_some_and(|t| t.contains("dependencies")))
        },
        locks: &["poetry.lock", "Pipfile.lock", "uv.lock", "pdm.lock"],
        enforcing: &[
            "--locked",
            "--frozen",
            "--deploy",
            "poetry install",
            "--no-update",
            "pdm sync",
        ],
    },
    Ecosystem {
        name: "Go",
        manifest: |r, p| {
            file_name(p) == "go.mod" && r.text(p).is_some_and(|t| t.contains("require"))
        },
        locks: &["go.sum"],
        enforcing: &[],
    },
    Ecosystem {
        name: "Bundler",
        manifest: |_, p| file_name(p) == "Gemfile",
        locks: &["Gemfile.lock"],
        enforcing: &[
            "--frozen",
            "--deployment",
            "BUNDLE_FROZEN",
            "BUNDLE_DEPLOYMENT",
        ],
    },
    Ecosystem {
        name: "Composer",
        manifest: |_, p| file_name(p) == "composer.json",
        locks: &["composer.lock"],
        enforcing: &["composer install"],
    },
];

/// The lock file for a manifest: in its directory or an ancestor (workspaces).
fn lock_for(repo: &Repo, manifest: &str, locks: &[&str]) -> Option<String> {
    let mut dir = parent(manifest).to_owned();
    loop {
        for lock in locks {
            let candidate = if dir.is_empty() {
                (*lock).to_owned()
            } else {
                format!("{dir}/{lock}")
            };
            if repo.has(&candidate) {
                return Some(candidate);
            }
        }
        if dir.is_empty() {
            return None;
        }
        dir = parent(&dir).to_owned();
    }
}

fn manifests<'a>(repo: &'a Repo, eco: &'a Ecosystem) -> impl Iterator<Item = &'a String> + 'a {
    repo.files()
        .iter()
        .filter(move |p| !p.contains("node_modules/") && (eco.manifest)(repo, p))
}

pub fn committed(ctx: &Context<'_>) -> Outcome {
    let mut findings = Vec::new();
    let mut seen = 0;
    for eco in ECOSYSTEMS {
        for m in manifests(ctx.repo, eco) {
            seen += 1;
            if lock_for(ctx.repo, m, eco.locks).is_none() {
                findings.push(Finding::at(
                    m,
                    None,
                    format!(
                        "{} manifest without a committed lock file ({})",
                        eco.name,
                        eco.locks.join(", ")
                    ),
                ));
            }
        }
    }
    if seen == 0 {
        return Outcome::NotApplicable("no package manifests".into());
    }
    Outcome::from(findings, format!("{seen} manifests"))
}

pub fn enforced(ctx: &Context<'_>) -> Outcome {
    let mut findings = Vec::new();
    let mut locked = Vec::new();
    for eco in ECOSYSTEMS {
        if eco.enforcing.is_empty() {
            continue; // go.sum is always verified by the go command.
        }
        if let Some(lock) = manifests(ctx.repo, eco).find_map(|m| lock_for(ctx.repo, m, eco.locks))
        {
            locked.push(eco.name);
            let enforced = ctx
                .build
                .iter()
                .any(|(_, text)| eco.enforcing.iter().any(|e| text.contains(e)));
            if !enforced {
                findings.push(Finding::at(
                    &lock,
                    None,
                    format!(
                        "no CI file or build script enforces the {} lock file ({})",
                        eco.name,
                        eco.enforcing.join(", ")
                    ),
                ));
            }
        }
    }
    if locked.is_empty() {
        return Outcome::NotApplicable("no lock files to enforce".into());
    }
    Outcome::from(findings, format!("lock files of {}", locked.join(", ")))
}

/// Whether a requirements line pins one exact version (or is not a requirement).
fn requirement_pinned(line: &str) -> bool {
    let l = line.split(" #").next().unwrap_or("").trim();
    if l.is_empty()
        || l.starts_with('#')
        || l.starts_with('-')
        || l.starts_with('.')
        || l.starts_with('/')
    {
        return true;
    }
    if l.contains("://") {
        return l.contains("#sha256=") || l.contains("--hash");
    }
    l.contains("==") && !l.contains("==*") && !l.contains(".*")
}

fn is_requirements(path: &str) -> bool {
    let name = file_name(path);
    name.ends_with(".txt")
        && (name.contains("requirements") || parent(path).ends_with("requirements"))
}

/// Unpinned packages in an install command line.
fn unpinned_install(line: &str) -> Option<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        let next = words.get(i + 1).copied().unwrap_or("");
        let args = || {
            words
                .get(i + 2..)
                .unwrap_or(&[])
                .iter()
                .take_while(|a| !matches!(**a, "&&" | ";" | "||" | "|"))
        };
        if (w.ends_with("pip") || w.ends_with("pip3")) && next == "install" {
            let mut skip = false;
            for a in args() {
                if skip {
                    skip = false;
                    continue;
                }
                if matches!(
                    *a,
                    "-r" | "-c"
                        | "-e"
                        | "--requirement"
                        | "--constraint"
                        | "--prefix"
                        | "--target"
                        | "-t"
                        | "--index-url"
                        | "-i"
                ) {
                    skip = true;
                    continue;
                }
                if a.starts_with('-')
                    || a.starts_with('.')
                    || a.starts_with('/')
                    || a.contains("==")
                    || a.ends_with(".whl")
                    || a.starts_with('$')
                {
                    continue;
                }
                return Some(format!("pip install {a}"));
            }
        }
        if *w == "cargo" && next == "install" {
            let a: Vec<&&str> = args().collect();
            if !a.iter().any(|x| {
                x.starts_with("--version")
                    || x.starts_with("--path")
                    || **x == "--git" && a.iter().any(|y| y.starts_with("--rev"))
            }) {
                let name = a.iter().find(|x| !x.starts_with('-')).map_or("", |x| **x);
                return Some(format!("cargo install {name} without --version"));
            }
        }
        if *w == "go" && next == "install" && args().any(|a| a.ends_with("@latest")) {
            return Some("go install …@latest".into());
        }
        if *w == "npm"
            && matches!(next, "install" | "i")
            && args().any(|a| *a == "-g" || *a == "--global")
            && let Some(a) = args()
                .find(|a| !a.starts_with('-') && !a.get(1..).is_some_and(|rest| rest.contains('@')))
        {
            return Some(format!("npm install -g {a} without a version"));
        }
    }
    None
}

fn npm_spec_pinned(spec: &str, locked: bool) -> bool {
    let s = spec.trim();
    if s.is_empty()
        || s == "*"
        || s == "latest"
        || s == "x"
        || s.starts_with(">=") && !s.contains('<')
    {
        return false;
    }
    if s.contains("://") || s.starts_with("git") || s.starts_with("github:") {
        return s
            .rsplit_once('#')
            .is_some_and(|(_, r)| r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit()));
    }
    locked
        || s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'+')
}

pub fn pinned(ctx: &Context<'_>) -> Outcome {
    let mut findings = Vec::new();
    let mut seen = 0;
    for path in ctx.repo.files() {
        if is_requirements(path) {
            let Some(text) = ctx.repo.text(path) else {
                continue;
            };
            seen += 1;
            for (line, l) in logical_lines(&text) {
                if !requirement_pinned(&l) {
                    findings.push(Finding::at(
                        path,
                        Some(line),
                        format!("`{}` is not pinned with ==", l.trim()),
                    ));
                }
            }
        } else if file_name(path) == "package.json" && !path.contains("node_modules/") {
            let Some(doc) = ctx
                .repo
                .text(path)
                .and_then(|t| serde_json::from_str::<Json>(&t).ok())
            else {
                continue;
            };
            seen += 1;
            let locked = lock_for(ctx.repo, path, ECOSYSTEMS[1].locks).is_some();
            for key in ["dependencies", "devDependencies", "optionalDependencies"] {
                let Some(Json::Object(deps)) = doc.get(key) else {
                    continue;
                };
                for (name, spec) in deps {
                    let spec = spec.as_str().unwrap_or("");
                    if !npm_spec_pinned(spec, locked) {
                        findings.push(Finding::at(
                            path,
                            None,
                            format!("{key}: `{name}` is `{spec}`"),
                        ));
                    }
                }
            }
        } else if file_name(path) == "Cargo.toml" {
            let Some(text) = ctx.repo.text(path) else {
                continue;
            };
            seen += 1;
            for (i, l) in text.lines().enumerate() {
                let l = l.trim();
                if l.contains("git =") && !l.contains("rev =") {
                    findings.push(Finding::at(
                        path,
                        Some(i + 1),
                        "git dependency without `rev`: follows a branch",
                    ));
                } else if l.ends_with("= \"*\"") || l.contains("version = \"*\"") {
                    findings.push(Finding::at(
                        path,
                        Some(i + 1),
                        "dependency on any version (`*`)",
                    ));
                }
            }
        }
    }
    for (path, text) in &ctx.build {
        seen += 1;
        for (line, l) in logical_lines(text) {
            if let Some(what) = unpinned_install(&l) {
                findings.push(Finding::at(
                    path,
                    Some(line),
                    format!("`{what}` installs whatever is newest"),
                ));
            }
        }
    }
    if seen == 0 {
        return Outcome::NotApplicable("no manifests or build files".into());
    }
    Outcome::from(findings, format!("{seen} manifests and build files"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins() {
        assert!(requirement_pinned("requests==2.31.0 --hash=sha256:abc"));
        assert!(!requirement_pinned("requests>=2"));
        assert!(!requirement_pinned("requests"));
        assert!(requirement_pinned("# comment"));
        assert!(requirement_pinned("-r base.txt"));
        assert_eq!(
            unpinned_install("pip install requests"),
            Some("pip install requests".into())
        );
        assert_eq!(
            unpinned_install("python3 -m pip install -q -r requirements.txt"),
            None
        );
        assert_eq!(unpinned_install("pip install requests==2.31.0"), None);
        assert!(unpinned_install("cargo install --locked cargo-nextest").is_some());
        assert_eq!(
            unpinned_install("cargo install --locked x --version 1.0.0"),
            None
        );
        assert!(npm_spec_pinned("^1.2.3", true));
        assert!(!npm_spec_pinned("^1.2.3", false));
        assert!(!npm_spec_pinned("latest", true));
        assert!(!npm_spec_pinned("git+https://example.invalid/x.git", true));
        assert!(unpinned_install("npm i -g é").is_some());
    }

    proptest::proptest! {
        #[test]
        fn line_parsers_never_panic(s in "(pip|cargo|npm|go|install|-g|é|@| |==|-r)*") {
            let _ = unpinned_install(&s);
            let _ = requirement_pinned(&s);
            let _ = npm_spec_pinned(&s, false);
        }
    }
}
