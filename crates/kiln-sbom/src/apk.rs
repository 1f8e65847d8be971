//! Alpine and Wolfi packages from apk's installed database, `/lib/apk/db/installed`:
//! one paragraph per package of `X:value` lines — `P` name, `V` version, `A` arch, `o`
//! origin (source) package, `L` licence, `m` maintainer, `D` dependencies, `p` provides,
//! and file ownership as `F` (directory) followed by its `R` (file) lines.

use std::collections::HashMap;

use kiln_oci::fs::MergedFs;
use kiln_types::{
    Location, Package, PackageKind, Purl, Relationship, RelationshipKind, SourcePackage,
};

use crate::cataloger::{Cataloger, Context};
use crate::{Result, license};

const INSTALLED: &str = "/lib/apk/db/installed";

/// The apk cataloger.
#[derive(Debug, Default, Clone, Copy)]
pub struct Apk;

/// One package's fields as the database lists them.
#[derive(Debug, Default)]
struct Record {
    name: String,
    version: String,
    arch: Option<String>,
    origin: Option<String>,
    license: Option<String>,
    maintainer: Option<String>,
    depends: Vec<String>,
    provides: Vec<String>,
    files: Vec<String>,
}

impl Cataloger for Apk {
    fn name(&self) -> &'static str {
        "apk"
    }

    fn wants(&self, path: &str, _size: u64) -> bool {
        path == INSTALLED
    }

    fn catalog(&self, fs: &MergedFs, ctx: &mut Context) -> Result<()> {
        let Some(bytes) = fs.read_resolved(INSTALLED) else {
            if fs.was_not_captured(INSTALLED) {
                ctx.warn(self.name(), format!("{INSTALLED}: too large to read"));
            }
            return Ok(());
        };
        let layer = fs.resolve(INSTALLED).map(|e| e.layer);
        let records = parse(&String::from_utf8_lossy(bytes));
        let mut by_name: HashMap<String, String> = HashMap::new();
        let mut found = Vec::new();
        for r in records {
            if r.name.is_empty() || r.version.is_empty() {
                ctx.warn(
                    self.name(),
                    format!("{INSTALLED}: entry without P or V skipped"),
                );
                continue;
            }
            let Some(purl) = purl(ctx, &r) else { continue };
            let mut pkg = Package::new(PackageKind::Apk, &r.name, &r.version, purl);
            pkg.arch = r.arch.clone();
            pkg.supplier = r.maintainer.clone();
            pkg.source = Some(SourcePackage {
                name: r.origin.clone().unwrap_or_else(|| r.name.clone()),
                version: Some(r.version.clone()),
            });
            pkg.licenses = r
                .license
                .as_deref()
                .and_then(license::parse)
                .into_iter()
                .collect();
            pkg.locations.push(Location {
                path: INSTALLED.to_owned(),
                layer,
            });
            pkg.layer = layer;
            pkg.file_count = r.files.len();
            for f in &r.files {
                ctx.own(fs, f);
            }
            let id = pkg.id();
            by_name.insert(r.name.clone(), id.clone());
            for p in &r.provides {
                by_name
                    .entry(bare(p).to_owned())
                    .or_insert_with(|| id.clone());
            }
            found.push((id, r.depends, pkg));
        }
        for (id, depends, pkg) in found {
            for d in depends.iter().filter(|d| !d.starts_with('!')) {
                if let Some(to) = by_name.get(bare(d))
                    && *to != id
                {
                    ctx.relationships.push(Relationship {
                        from: id.clone(),
                        to: to.clone(),
                        kind: RelationshipKind::DependsOn,
                    });
                }
            }
            ctx.packages.push(pkg);
        }
        Ok(())
    }
}

/// A dependency or provide without its version constraint: `so:libc.musl-x86_64.so.1`.
fn bare(token: &str) -> &str {
    token.split(['=', '<', '>', '~']).next().unwrap_or(token)
}

fn parse(text: &str) -> Vec<Record> {
    let mut out = Vec::new();
    let mut cur = Record::default();
    let mut dir = String::new();
    let mut started = false;
    for line in text.lines() {
        if line.trim().is_empty() {
            if started {
                out.push(std::mem::take(&mut cur));
                started = false;
            }
            dir.clear();
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        started = true;
        let value = value.trim();
        match key {
            "P" => cur.name = value.to_owned(),
            "V" => cur.version = value.to_owned(),
            "A" => cur.arch = Some(value.to_owned()).filter(|v| !v.is_empty()),
            "o" => cur.origin = Some(value.to_owned()).filter(|v| !v.is_empty()),
            "L" => cur.license = Some(value.to_owned()).filter(|v| !v.is_empty()),
            "m" => cur.maintainer = Some(value.to_owned()).filter(|v| !v.is_empty()),
            "D" => cur.depends = value.split_whitespace().map(str::to_owned).collect(),
            "p" => cur.provides = value.split_whitespace().map(str::to_owned).collect(),
            "F" => dir = value.trim_matches('/').to_owned(),
            "R" if !value.is_empty() => cur.files.push(if dir.is_empty() {
                format!("/{value}")
            } else {
                format!("/{dir}/{value}")
            }),
            _ => {}
        }
    }
    if started {
        out.push(cur);
    }
    out
}

fn purl(ctx: &Context, r: &Record) -> Option<Purl> {
    let vendor = ctx.distro.as_ref().map_or("alpine", |d| d.id.as_str());
    let mut purl = Purl::new("apk", &r.name)
        .ok()?
        .with_namespace(vendor)
        .with_version(&r.version);
    if let Some(a) = &r.arch {
        purl = purl.with_qualifier("arch", a).ok()?;
    }
    if let Some(d) = &ctx.distro {
        purl = purl.with_qualifier("distro", &d.purl_qualifier()).ok()?;
    }
    if let Some(o) = r.origin.as_deref().filter(|o| *o != r.name) {
        purl = purl.with_qualifier("upstream", o).ok()?;
    }
    Some(purl)
}

#[cfg(test)]
mod tests;
