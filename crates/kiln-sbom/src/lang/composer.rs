//! PHP packages: Composer's `vendor/composer/installed.json` (v1: an array; v2:
//! `{"packages": [...]}`) and `composer.lock` (`packages` and `packages-dev`). A lock
//! entry also installed in the project's `vendor` is reported once.

use std::collections::{HashMap, HashSet};

use kiln_oci::fs::MergedFs;
use kiln_oci::fs::path::file_name;
use kiln_types::PackageKind;
use serde_json::Value;

use super::{Found, depends_on, dir_of, files, licenses, purl};
use crate::Result;
use crate::cataloger::{Cataloger, Context};

/// The Composer cataloger.
#[derive(Debug, Default, Clone, Copy)]
pub struct Composer;

const INSTALLED: &str = "/vendor/composer/installed.json";

impl Cataloger for Composer {
    fn name(&self) -> &'static str {
        "composer"
    }

    fn wants(&self, path: &str, _size: u64) -> bool {
        path.ends_with(INSTALLED) || file_name(path) == "composer.lock"
    }

    fn catalog(&self, fs: &MergedFs, ctx: &mut Context) -> Result<()> {
        let mut installed: HashSet<(String, String, String)> = HashSet::new();
        for f in files(fs, ctx, "composer", |p| p.ends_with(INSTALLED)) {
            let project = f.path.strip_suffix(INSTALLED).unwrap_or_default();
            for (name, version) in add(ctx, &f, &["packages"], &HashSet::new(), project) {
                installed.insert((project.to_owned(), name, version));
            }
        }
        for f in files(fs, ctx, "composer", |p| file_name(p) == "composer.lock") {
            let project = match dir_of(f.path) {
                "/" => "",
                d => d,
            };
            add(ctx, &f, &["packages", "packages-dev"], &installed, project);
        }
        Ok(())
    }
}

/// The package objects of `doc` under any of `keys` (or `doc` itself as an array).
pub fn entries<'a>(doc: &'a Value, keys: &[&str]) -> Vec<&'a Value> {
    if let Value::Array(a) = doc {
        return a.iter().collect();
    }
    keys.iter()
        .filter_map(|k| doc.get(*k).and_then(Value::as_array))
        .flatten()
        .collect()
}

/// Adds the packages of one file; returns their names and versions.
fn add(
    ctx: &mut Context,
    f: &Found<'_>,
    keys: &[&str],
    skip: &HashSet<(String, String, String)>,
    project: &str,
) -> Vec<(String, String)> {
    let doc: Value = match serde_json::from_slice(f.bytes) {
        Ok(v) => v,
        Err(e) => {
            ctx.warn("composer", format!("{}: not valid JSON: {e}", f.path));
            return Vec::new();
        }
    };
    let mut added = Vec::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    let mut requires: Vec<(usize, Vec<String>)> = Vec::new();
    for e in entries(&doc, keys) {
        let str_of = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or_default();
        let (name, version) = (str_of("name"), str_of("version"));
        if name.is_empty() || version.is_empty() {
            continue;
        }
        if skip.contains(&(project.to_owned(), name.to_owned(), version.to_owned())) {
            continue;
        }
        let (vendor, short) = name.split_once('/').unwrap_or(("", name));
        let Some(p) = purl("composer", vendor, short, version) else {
            continue;
        };
        let mut pkg = f.package(PackageKind::Composer, name, version, p);
        if let Some(Value::Array(ls)) = e.get("license") {
            let texts: Vec<&str> = ls.iter().filter_map(Value::as_str).collect();
            let joined = texts.join(" OR ");
            pkg.licenses = licenses((!joined.is_empty()).then_some(joined.as_str()));
        }
        let req: Vec<String> = e
            .get("require")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        by_name.insert(name.to_owned(), ctx.packages.len());
        requires.push((ctx.packages.len(), req));
        added.push((name.to_owned(), version.to_owned()));
        ctx.packages.push(pkg);
    }
    for (from, req) in requires {
        for r in req {
            if let Some(&to) = by_name.get(&r) {
                let rel = depends_on(&ctx.packages[from], &ctx.packages[to]);
                ctx.relationships.push(rel);
            }
        }
    }
    added
}
