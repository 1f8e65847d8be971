//! Names of dependencies: typosquatting (a name one edit away from a popular package, or
//! the same letters with different separators) and dependency-confusion exposure (extra
//! package indexes next to the default one; unscoped names that look internal).

use serde_json::Value as Json;

use super::Context;
use crate::check::{CheckInfo, Finding, Level, Outcome};
use crate::compromise::CompromiseType::{MaliciousMaintainer, Negligence};
use crate::popular;
use crate::repo::{file_name, parent};

pub static TYPOSQUATTING: CheckInfo = CheckInfo {
    id: "typosquatting",
    title: "No dependency name is a near-miss of a popular package",
    level: Level::Error,
    recommendations: &["MAT-05", "MAT-01"],
    questions: &["AQ-10"],
    types: &[Negligence, MaliciousMaintainer],
    scorecard: &[],
    help: "Check the name letter by letter against the package you meant; replace it.",
};

pub static DEPENDENCY_CONFUSION: CheckInfo = CheckInfo {
    id: "dependency-confusion",
    title: "Package sources cannot be confused (no extra indexes, internal names scoped)",
    level: Level::Warning,
    recommendations: &["MAT-05"],
    questions: &["AQ-14"],
    types: &[Negligence],
    scorecard: &[],
    help: "Use one index that proxies the public one (`--index-url`), never \
           `--extra-index-url`; publish internal npm packages under an @scope.",
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Eco {
    Npm,
    Pypi,
    Cargo,
}

/// Dependency names declared in the repository's manifests, with where.
fn declared(ctx: &Context<'_>) -> Vec<(Eco, String, String)> {
    let mut out = Vec::new();
    for path in ctx.repo.files() {
        let name = file_name(path);
        if path.contains("node_modules/") {
            continue;
        }
        if name == "package.json" {
            let Some(doc) = ctx
                .repo
                .text(path)
                .and_then(|t| serde_json::from_str::<Json>(&t).ok())
            else {
                continue;
            };
            for key in [
                "dependencies",
                "devDependencies",
                "optionalDependencies",
                "peerDependencies",
            ] {
                if let Some(Json::Object(deps)) = doc.get(key) {
                    out.extend(deps.keys().map(|d| (Eco::Npm, d.clone(), path.clone())));
                }
            }
        } else if name.ends_with(".txt")
            && (name.contains("requirements") || parent(path).ends_with("requirements"))
        {
            let Some(text) = ctx.repo.text(path) else {
                continue;
            };
            for l in text.lines() {
                let l = l.trim();
                if l.is_empty() || l.starts_with('#') || l.starts_with('-') || l.contains("://") {
                    continue;
                }
                let n: String = l
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                    .collect();
                if !n.is_empty() {
                    out.push((Eco::Pypi, n, path.clone()));
                }
            }
        } else if name == "Cargo.toml" {
            let Some(text) = ctx.repo.text(path) else {
                continue;
            };
            let mut in_deps = false;
            for l in text.lines() {
                let l = l.trim();
                if l.starts_with('[') {
                    let h = l.trim_matches(|c| c == '[' || c == ']');
                    in_deps = h.ends_with("dependencies");
                    if let Some((_, dep)) = h.split_once("dependencies.") {
                        out.push((Eco::Cargo, dep.to_owned(), path.clone()));
                    }
                    continue;
                }
                if in_deps && !l.starts_with('#') {
                    let key: String = l
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
                        .collect();
                    if !key.is_empty() && !l.contains("package =") {
                        out.push((Eco::Cargo, key, path.clone()));
                    }
                }
            }
        }
    }
    out
}

fn normalise(eco: Eco, name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    match eco {
        Eco::Npm => lower,
        Eco::Pypi | Eco::Cargo => lower.replace(['_', '.'], "-"),
    }
}

/// Optimal string alignment distance (edits incl. adjacent transpositions).
fn distance(a: &[u8], b: &[u8]) -> usize {
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// The popular name `name` imitates, if any.
fn imitates(eco: Eco, name: &str) -> Option<&'static str> {
    let list = match eco {
        Eco::Npm => popular::NPM,
        Eco::Pypi => popular::PYPI,
        Eco::Cargo => popular::CRATES,
    };
    let n = normalise(eco, name);
    if list.contains(&n.as_str()) {
        return None;
    }
    let bare = |s: &str| s.replace(['-', '_', '.'], "");
    list.iter().copied().find(|p| {
        (n.len() >= 5 && p.len() >= 5 && distance(n.as_bytes(), p.as_bytes()) == 1)
            || (bare(&n) == bare(p))
    })
}

pub fn typosquatting(ctx: &Context<'_>) -> Outcome {
    let deps = declared(ctx);
    if deps.is_empty() {
        return Outcome::NotApplicable("no declared dependencies".into());
    }
    let findings = deps
        .iter()
        .filter_map(|(eco, name, path)| {
            imitates(*eco, name).map(|p| {
                Finding::at(
                    path,
                    None,
                    format!("`{name}` is one edit away from the popular `{p}`"),
                )
            })
        })
        .collect();
    Outcome::from(findings, format!("{} dependency names", deps.len()))
}

const INTERNAL_WORDS: &[&str] = &["internal", "private", "corp", "intranet", "inhouse"];

pub fn dependency_confusion(ctx: &Context<'_>) -> Outcome {
    let mut findings = Vec::new();
    let mut seen = 0;
    for path in ctx.repo.files() {
        let name = file_name(path);
        let pip_config = matches!(name, "pip.conf" | "pip.ini")
            || (name.ends_with(".txt")
                && (name.contains("requirements") || parent(path).ends_with("requirements")))
            || name == "pyproject.toml"
            || name == ".npmrc";
        if !pip_config {
            continue;
        }
        seen += 1;
        let Some(text) = ctx.repo.text(path) else {
            continue;
        };
        for (i, l) in text.lines().enumerate() {
            if l.trim_start().starts_with('#') {
                continue;
            }
            if l.contains("extra-index-url") || l.contains("extra_index_url") {
                findings.push(Finding::at(
                    path,
                    Some(i + 1),
                    "an extra package index beside the default one: a public package can shadow an internal name",
                ));
            }
        }
    }
    for (eco, dep, path) in declared(ctx) {
        seen += 1;
        if eco == Eco::Npm && !dep.starts_with('@') {
            let words: Vec<&str> = dep.split(['-', '_', '.']).collect();
            if words.iter().any(|w| INTERNAL_WORDS.contains(w)) {
                findings.push(Finding::at(
                    &path,
                    None,
                    format!("`{dep}` looks internal but is unscoped: the public registry may serve an impostor"),
                ));
            }
        }
    }
    if seen == 0 {
        return Outcome::NotApplicable("no manifests or package index configuration".into());
    }
    Outcome::from(findings, format!("{seen} names and configuration files"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses() {
        assert_eq!(imitates(Eco::Npm, "lodahs"), Some("lodash"));
        assert_eq!(imitates(Eco::Npm, "crossenv"), Some("cross-env"));
        assert_eq!(imitates(Eco::Pypi, "reqests"), Some("requests"));
        assert_eq!(
            imitates(Eco::Pypi, "python3-dateutil"),
            Some("python-dateutil")
        );
        assert_eq!(imitates(Eco::Cargo, "serde_json"), None, "the same crate");
        assert_eq!(imitates(Eco::Npm, "lodash"), None);
        assert_eq!(imitates(Eco::Cargo, "tempfile"), None);
        assert_eq!(imitates(Eco::Cargo, "rustix"), None);
        assert_eq!(distance(b"ab", b"ba"), 1);
    }
}
