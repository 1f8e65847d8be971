//! Rust crates: `Cargo.lock` files (versions 1 to 4) and the dependency list that
//! cargo-auditable embeds in binaries (the `.dep-v0` ELF section: zlib-compressed JSON).

use std::collections::HashMap;
use std::io::Read;

use kiln_oci::fs::MergedFs;
use kiln_oci::fs::path::file_name;
use kiln_types::PackageKind;
use serde::Deserialize;

use super::{Found, depends_on, files, purl};
use crate::Result;
use crate::cataloger::{Cataloger, Context};

/// The most decompressed bytes kiln reads from a `.dep-v0` section.
pub const MAX_AUDIT_JSON: u64 = 8 << 20;

/// One locked or embedded crate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Crate {
    pub name: String,
    pub version: String,
    #[serde(default)]
    pub source: Option<String>,
    /// Indexes into the list of crates.
    #[serde(skip)]
    pub deps: Vec<usize>,
}

/// The `Cargo.lock` cataloger.
#[derive(Debug, Default, Clone, Copy)]
pub struct CargoLock;

impl Cataloger for CargoLock {
    fn name(&self) -> &'static str {
        "cargo"
    }

    fn wants(&self, path: &str, _size: u64) -> bool {
        file_name(path) == "Cargo.lock"
    }

    fn catalog(&self, fs: &MergedFs, ctx: &mut Context) -> Result<()> {
        for f in files(fs, ctx, "cargo", |p| file_name(p) == "Cargo.lock") {
            match lock(&f.text()) {
                Ok(crates) => add(ctx, &f, &crates),
                Err(e) => ctx.warn("cargo", format!("{}: {e}", f.path)),
            }
        }
        Ok(())
    }
}

/// Adds `crates` found in `f`, with their dependency edges.
pub(crate) fn add(ctx: &mut Context, f: &Found<'_>, crates: &[Crate]) {
    let mut index = Vec::with_capacity(crates.len());
    for c in crates {
        let usable = !c.name.is_empty() && !c.version.is_empty();
        match usable
            .then(|| purl("cargo", "", &c.name, &c.version))
            .flatten()
        {
            Some(p) => {
                index.push(Some(ctx.packages.len()));
                let pkg = f.package(PackageKind::Cargo, &c.name, &c.version, p);
                ctx.packages.push(pkg);
            }
            None => index.push(None),
        }
    }
    for (c, from) in crates.iter().zip(&index) {
        for &d in &c.deps {
            if let (Some(a), Some(Some(b))) = (from, index.get(d))
                && let (Some(a), Some(b)) = (ctx.packages.get(*a), ctx.packages.get(*b))
            {
                let rel = depends_on(a, b);
                ctx.relationships.push(rel);
            }
        }
    }
}

/// The `[[package]]` tables of a `Cargo.lock`, with `dependencies` resolved.
pub fn lock(text: &str) -> Result<Vec<Crate>, String> {
    let mut crates: Vec<Crate> = Vec::new();
    let mut dep_specs: Vec<Vec<String>> = Vec::new();
    let mut in_package = false;
    let mut in_deps = false;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if in_deps {
            if line.starts_with(']') {
                in_deps = false;
            } else if let Some(s) = quoted(line)
                && let Some(d) = dep_specs.last_mut()
            {
                d.push(s.to_owned());
            }
            continue;
        }
        if line.starts_with('[') {
            in_package = line == "[[package]]";
            if in_package {
                crates.push(Crate::default());
                dep_specs.push(Vec::new());
            }
            continue;
        }
        if !in_package {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!("line {}: expected `key = value`", n + 1));
        };
        let value = value.trim();
        let (Some(c), Some(d)) = (crates.last_mut(), dep_specs.last_mut()) else {
            continue;
        };
        match key.trim() {
            "name" => c.name = quoted(value).unwrap_or_default().to_owned(),
            "version" => c.version = quoted(value).unwrap_or_default().to_owned(),
            "source" => c.source = quoted(value).map(str::to_owned),
            "dependencies" => {
                let inner = value.trim_start_matches('[').trim_end_matches(']');
                for part in inner.split(',') {
                    if let Some(s) = quoted(part) {
                        d.push(s.to_owned());
                    }
                }
                in_deps = !value.ends_with(']');
            }
            _ => {}
        }
    }
    if crates.is_empty() && !text.contains("[[package]]") {
        return Err("no [[package]] tables".to_owned());
    }
    let by_name: HashMap<&str, Vec<usize>> =
        crates
            .iter()
            .enumerate()
            .fold(HashMap::new(), |mut m, (i, c)| {
                m.entry(c.name.as_str()).or_default().push(i);
                m
            });
    let resolved: Vec<Vec<usize>> = dep_specs
        .iter()
        .map(|specs| {
            specs
                .iter()
                .filter_map(|s| {
                    let mut parts = s.split(' ');
                    let name = parts.next()?;
                    let version = parts.next();
                    let cands = by_name.get(name)?;
                    cands
                        .iter()
                        .copied()
                        .find(|&i| version.is_none_or(|v| crates[i].version == v))
                })
                .collect()
        })
        .collect();
    for (c, deps) in crates.iter_mut().zip(resolved) {
        c.deps = deps;
    }
    Ok(crates)
}

fn quoted(s: &str) -> Option<&str> {
    let s = s.trim().trim_end_matches(',').trim();
    s.strip_prefix('"')?.strip_suffix('"')
}

#[derive(Deserialize)]
struct Audit {
    packages: Vec<AuditPackage>,
}

#[derive(Deserialize)]
struct AuditPackage {
    name: String,
    version: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    dependencies: Vec<usize>,
}

/// The crates of a cargo-auditable `.dep-v0` section (zlib-compressed JSON).
pub fn auditable(section: &[u8]) -> Result<Vec<Crate>, String> {
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(section)
        .take(MAX_AUDIT_JSON + 1)
        .read_to_end(&mut json)
        .map_err(|e| format!("decompressing .dep-v0: {e}"))?;
    if json.len() as u64 > MAX_AUDIT_JSON {
        return Err(format!(
            ".dep-v0 decompresses to more than {MAX_AUDIT_JSON} bytes"
        ));
    }
    let audit: Audit =
        serde_json::from_slice(&json).map_err(|e| format!(".dep-v0 is not valid JSON: {e}"))?;
    let n = audit.packages.len();
    Ok(audit
        .packages
        .into_iter()
        .map(|p| Crate {
            name: p.name,
            version: p.version,
            source: p.source,
            deps: p.dependencies.into_iter().filter(|&d| d < n).collect(),
        })
        .collect())
}
