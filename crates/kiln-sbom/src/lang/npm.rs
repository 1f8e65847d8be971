//! Node packages: every `package.json` with a name and a version (installed modules
//! under `node_modules`, Debian's `/usr/share/nodejs` when dpkg does not own them, and
//! applications), and the lock files `package-lock.json` (v1–v3), `yarn.lock` (v1 and
//! berry) and `pnpm-lock.yaml`.
//!
//! A lock file entry that is also installed in the `node_modules` next to it is reported
//! once, as the installed package; the lock file adds `dependsOn` relationships.

mod lock;

use std::collections::HashMap;

use kiln_oci::fs::MergedFs;
use kiln_oci::fs::path::file_name;
use kiln_types::{Package, PackageKind, Purl};
use serde_json::Value;

use super::{Found, files, licenses};
use crate::Result;
use crate::cataloger::{Cataloger, Context};

pub use lock::{LockEntry, package_lock, pnpm_lock, yarn_lock};

/// The npm cataloger.
#[derive(Debug, Default, Clone, Copy)]
pub struct Npm;

const LOCKS: [&str; 3] = ["package-lock.json", "yarn.lock", "pnpm-lock.yaml"];

impl Cataloger for Npm {
    fn name(&self) -> &'static str {
        "npm"
    }

    fn wants(&self, path: &str, _size: u64) -> bool {
        let name = file_name(path);
        name == "package.json" || (LOCKS.contains(&name) && !path.contains("/node_modules/"))
    }

    fn catalog(&self, fs: &MergedFs, ctx: &mut Context) -> Result<()> {
        // Installed packages by the path of their package.json.
        let mut installed: HashMap<String, usize> = HashMap::new();
        for f in files(fs, ctx, "npm", |p| file_name(p) == "package.json") {
            let manifest: Value = match serde_json::from_slice(f.bytes) {
                Ok(v) => v,
                Err(e) => {
                    ctx.warn("npm", format!("{}: not valid JSON: {e}", f.path));
                    continue;
                }
            };
            if let Some(pkg) = from_manifest(&f, &manifest) {
                installed.insert(f.path.to_owned(), ctx.packages.len());
                ctx.packages.push(pkg);
            }
        }
        let locks = files(fs, ctx, "npm", |p| {
            LOCKS.contains(&file_name(p)) && !p.contains("/node_modules/")
        });
        for f in locks {
            let text = f.text();
            let parsed = match file_name(f.path) {
                "package-lock.json" => package_lock(&text),
                "yarn.lock" => Ok(yarn_lock(&text)),
                _ => Ok(pnpm_lock(&text)),
            };
            match parsed {
                Ok(entries) => lock::add(ctx, &f, &entries, &installed),
                Err(e) => ctx.warn("npm", format!("{}: {e}", f.path)),
            }
        }
        Ok(())
    }
}

/// The package a `package.json` describes, if it names one with a version.
fn from_manifest(f: &Found<'_>, manifest: &Value) -> Option<Package> {
    let name = manifest.get("name")?.as_str()?.trim();
    let version = manifest.get("version")?.as_str()?.trim();
    if name.is_empty() || version.is_empty() {
        return None;
    }
    let mut pkg = f.package(PackageKind::Npm, name, version, purl(name, version)?);
    pkg.licenses = licenses(license_texts(manifest).iter().map(String::as_str));
    pkg.supplier = match manifest.get("author") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Object(o)) => o.get("name").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
    .filter(|s| !s.is_empty());
    Some(pkg)
}

/// `license` as a string or `{type}`, or the legacy `licenses` array.
fn license_texts(manifest: &Value) -> Vec<String> {
    let one = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("type").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    };
    if let Some(l) = manifest.get("license").and_then(one) {
        return vec![l];
    }
    match manifest.get("licenses") {
        Some(Value::Array(a)) => a.iter().filter_map(one).collect(),
        Some(v) => one(v).into_iter().collect(),
        None => Vec::new(),
    }
}

/// `pkg:npm/%40scope/name@version` or `pkg:npm/name@version`.
pub fn purl(name: &str, version: &str) -> Option<Purl> {
    match name.split_once('/') {
        Some((scope, n)) if scope.starts_with('@') => super::purl("npm", scope, n, version),
        _ => super::purl("npm", "", name, version),
    }
}
