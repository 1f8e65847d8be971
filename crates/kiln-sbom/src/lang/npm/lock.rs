//! npm, yarn and pnpm lock files into flat lists of entries with resolved dependencies.

use std::collections::HashMap;

use kiln_oci::fs::path::child;
use kiln_types::PackageKind;
use serde_json::{Map, Value};

use super::purl;
use crate::cataloger::Context;
use crate::lang::{Found, depends_on, dir_of};

/// One locked package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockEntry {
    pub name: String,
    pub version: String,
    /// Where npm installs it, relative to the lock file's directory
    /// (`node_modules/a/node_modules/b`; empty for the project itself).
    pub install_path: Option<String>,
    /// Indexes of the entries it depends on.
    pub deps: Vec<usize>,
}

/// A `package-lock.json` (or `npm-shrinkwrap.json`) of lockfileVersion 1, 2 or 3.
pub fn package_lock(text: &str) -> Result<Vec<LockEntry>, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let mut raw: Vec<(String, String, String, Vec<String>)> = Vec::new();
    if let Some(packages) = doc.get("packages").and_then(Value::as_object) {
        for (key, v) in packages {
            if v.get("link").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            let Some(version) = v.get("version").and_then(Value::as_str) else {
                continue;
            };
            let name = v
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or_else(|| key.rsplit_once("node_modules/").map(|(_, n)| n.to_owned()))
                .unwrap_or_default();
            let mut deps = names(v.get("dependencies"));
            deps.extend(names(v.get("optionalDependencies")));
            raw.push((key.clone(), name, version.to_owned(), deps));
        }
    } else if let Some(deps) = doc.get("dependencies").and_then(Value::as_object) {
        v1(deps, "", &mut raw, 0);
    } else {
        return Err("neither `packages` nor `dependencies`".to_owned());
    }
    raw.retain(|(_, name, version, _)| !name.is_empty() && !version.is_empty());
    let index: HashMap<&str, usize> = raw
        .iter()
        .enumerate()
        .map(|(i, r)| (r.0.as_str(), i))
        .collect();
    Ok(raw
        .iter()
        .map(|(key, name, version, deps)| LockEntry {
            name: name.clone(),
            version: version.clone(),
            install_path: Some(key.clone()),
            deps: deps
                .iter()
                .filter_map(|d| resolve(&index, key, d))
                .collect(),
        })
        .collect())
}

fn names(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// Lockfile v1: nested `dependencies` maps, flattened to v2-style install paths.
fn v1(
    deps: &Map<String, Value>,
    prefix: &str,
    out: &mut Vec<(String, String, String, Vec<String>)>,
    depth: usize,
) {
    if depth > 64 {
        return;
    }
    for (name, v) in deps {
        let key = if prefix.is_empty() {
            format!("node_modules/{name}")
        } else {
            format!("{prefix}/node_modules/{name}")
        };
        let version = v.get("version").and_then(Value::as_str).unwrap_or_default();
        out.push((
            key.clone(),
            name.clone(),
            version.to_owned(),
            names(v.get("requires")),
        ));
        if let Some(nested) = v.get("dependencies").and_then(Value::as_object) {
            v1(nested, &key, out, depth + 1);
        }
    }
}

/// Node's resolution: `dep` in the nearest `node_modules` from `from` upwards.
fn resolve(index: &HashMap<&str, usize>, from: &str, dep: &str) -> Option<usize> {
    let mut base = from;
    loop {
        let cand = if base.is_empty() {
            format!("node_modules/{dep}")
        } else {
            format!("{base}/node_modules/{dep}")
        };
        if let Some(&i) = index.get(cand.as_str()) {
            return Some(i);
        }
        if base.is_empty() {
            return None;
        }
        base = base.rfind("/node_modules/").map_or("", |i| &base[..i]);
    }
}

/// The package name of a yarn/pnpm spec: `@s/a@^1` → `@s/a`.
fn spec_name(spec: &str) -> &str {
    match spec.get(1..).and_then(|r| r.find('@')) {
        Some(i) => &spec[..=i],
        None => spec,
    }
}

fn unquote(s: &str) -> &str {
    s.trim().trim_matches('"').trim_matches('\'')
}

/// A `yarn.lock` of yarn 1 (`version "1.2.3"`) or berry (`version: 1.2.3`).
pub fn yarn_lock(text: &str) -> Vec<LockEntry> {
    let mut entries: Vec<LockEntry> = Vec::new();
    let mut specs: HashMap<String, usize> = HashMap::new();
    let mut pending: Vec<Vec<String>> = Vec::new();
    let mut current: Option<usize> = None;
    let mut in_deps = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        if indent == 0 {
            in_deps = false;
            current = None;
            let header = trimmed.trim_end_matches(':');
            if header.starts_with("__metadata") || header.contains("@workspace:") {
                continue;
            }
            let spec_list: Vec<&str> = header.split(", ").map(unquote).collect();
            let Some(first) = spec_list.first() else {
                continue;
            };
            let name = spec_name(first).to_owned();
            for s in &spec_list {
                specs.insert((*s).to_owned(), entries.len());
            }
            current = Some(entries.len());
            entries.push(LockEntry {
                name,
                version: String::new(),
                install_path: None,
                deps: Vec::new(),
            });
            pending.push(Vec::new());
        } else if let Some(i) = current {
            if indent <= 2 {
                in_deps = trimmed == "dependencies:" || trimmed == "optionalDependencies:";
                if let Some(v) = trimmed
                    .strip_prefix("version ")
                    .or_else(|| trimmed.strip_prefix("version:"))
                {
                    entries[i].version = unquote(v).to_owned();
                }
            } else if in_deps {
                let (n, range) = match trimmed.split_once(": ") {
                    Some((n, r)) => (unquote(n), unquote(r)),
                    None => match trimmed.split_once(' ') {
                        Some((n, r)) => (unquote(n), unquote(r)),
                        None => continue,
                    },
                };
                pending[i].push(format!("{n}@{range}"));
                pending[i].push(format!("{n}@npm:{range}"));
            }
        }
    }
    for (i, wanted) in pending.iter().enumerate() {
        let mut deps: Vec<usize> = wanted
            .iter()
            .filter_map(|s| specs.get(s).copied())
            .collect();
        deps.dedup();
        entries[i].deps = deps;
    }
    // Keep indexes valid: drop nothing, but blank out unusable entries' edges.
    let usable = |e: &LockEntry| {
        !e.name.is_empty() && !e.version.is_empty() && e.version != "0.0.0-use.local"
    };
    let ok: Vec<bool> = entries.iter().map(usable).collect();
    let renumber: HashMap<usize, usize> = ok
        .iter()
        .enumerate()
        .filter(|(_, k)| **k)
        .enumerate()
        .map(|(new, (old, _))| (old, new))
        .collect();
    entries
        .into_iter()
        .zip(ok)
        .filter(|(_, k)| *k)
        .map(|(mut e, _)| {
            e.deps = e
                .deps
                .iter()
                .filter_map(|d| renumber.get(d).copied())
                .collect();
            e
        })
        .collect()
}

/// The `packages:` section of a `pnpm-lock.yaml` (lockfile 5, 6 and 9 key forms).
pub fn pnpm_lock(text: &str) -> Vec<LockEntry> {
    let mut out: Vec<LockEntry> = Vec::new();
    let mut in_packages = false;
    for line in text.lines() {
        if !line.starts_with(' ') && !line.trim().is_empty() {
            in_packages = line.trim_end() == "packages:";
            continue;
        }
        if !in_packages || !line.starts_with("  ") || line.starts_with("   ") {
            continue;
        }
        let Some(key) = line.trim().strip_suffix(':') else {
            continue;
        };
        let key = unquote(key).trim_start_matches('/');
        let key = key.split('(').next().unwrap_or(key);
        let Some((name, version)) = pnpm_key(key) else {
            continue;
        };
        if name.is_empty() || version.is_empty() || version.contains(':') {
            continue;
        }
        if !out.iter().any(|e| e.name == name && e.version == version) {
            out.push(LockEntry {
                name: name.to_owned(),
                version: version.to_owned(),
                install_path: None,
                deps: Vec::new(),
            });
        }
    }
    out
}

/// `/name/1.2.3_peer` (lockfile 5), `/name@1.2.3` (6) or `name@1.2.3` (9), scoped or not.
fn pnpm_key(key: &str) -> Option<(&str, &str)> {
    let scoped = usize::from(key.starts_with('@'));
    let mut slashes = key.match_indices('/').map(|(i, _)| i);
    if let Some(i) = slashes.nth(scoped) {
        let (name, version) = (&key[..i], &key[i + 1..]);
        if version.starts_with(|c: char| c.is_ascii_digit()) {
            return Some((name, version.split('_').next().unwrap_or(version)));
        }
    }
    let i = key.get(1..)?.find('@')? + 1;
    Some((&key[..i], &key[i + 1..]))
}

/// Adds a lock file's entries: installed ones are the packages already found at their
/// install path, others become packages located at the lock file.
pub(super) fn add(
    ctx: &mut Context,
    f: &Found<'_>,
    entries: &[LockEntry],
    installed: &HashMap<String, usize>,
) {
    let dir = dir_of(f.path);
    let mut index: Vec<Option<usize>> = Vec::with_capacity(entries.len());
    for e in entries {
        let at = match &e.install_path {
            Some(k) if k.is_empty() => child(dir, "package.json"),
            Some(k) => child(dir, &format!("{k}/package.json")),
            None => child(dir, &format!("node_modules/{}/package.json", e.name)),
        };
        let found = installed
            .get(&at)
            .copied()
            .filter(|&i| ctx.packages.get(i).is_some_and(|p| p.version == e.version));
        if let Some(i) = found {
            index.push(Some(i));
            continue;
        }
        match purl(&e.name, &e.version) {
            Some(p) => {
                index.push(Some(ctx.packages.len()));
                let pkg = f.package(PackageKind::Npm, &e.name, &e.version, p);
                ctx.packages.push(pkg);
            }
            None => index.push(None),
        }
    }
    for (e, from) in entries.iter().zip(&index) {
        let Some(from) = *from else { continue };
        for &d in &e.deps {
            if let Some(Some(to)) = index.get(d)
                && let (Some(a), Some(b)) = (ctx.packages.get(from), ctx.packages.get(*to))
            {
                let rel = depends_on(a, b);
                ctx.relationships.push(rel);
            }
        }
    }
}
