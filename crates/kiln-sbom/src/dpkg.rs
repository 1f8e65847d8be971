//! Debian and Ubuntu packages from dpkg's database: `/var/lib/dpkg/status` (entries whose
//! `Status` says `installed`), distroless-style `/var/lib/dpkg/status.d/*` (one file per
//! package, `*.md5sums` listing its files), file ownership from `info/<pkg>[:arch].list`,
//! and licences from machine-readable (DEP-5) `/usr/share/doc/<pkg>/copyright` files.
//!
//! A package's layer is the layer that last wrote its `.list` file (dpkg rewrites it when
//! it installs or upgrades the package), or the layer of its status entry without one.
//! `Depends` and `Pre-Depends` become `dependsOn` relationships between installed
//! packages ([`depends`]).

pub use kiln_debian::control;
mod copyright;
mod depends;

use std::collections::HashMap;

use kiln_oci::fs::{EntryKind, MergedFs};
use kiln_types::{Location, Package, PackageKind, Purl, SourcePackage};

use self::control::Paragraph;
use crate::cataloger::{Cataloger, Context};
use crate::{Result, license};

const STATUS: &str = "/var/lib/dpkg/status";
const STATUS_D: &str = "/var/lib/dpkg/status.d/";
const INFO: &str = "/var/lib/dpkg/info/";
const DOC: &str = "/usr/share/doc/";

/// The dpkg cataloger.
#[derive(Debug, Default, Clone, Copy)]
pub struct Dpkg;

impl Cataloger for Dpkg {
    fn name(&self) -> &'static str {
        "dpkg"
    }

    fn wants(&self, path: &str, _size: u64) -> bool {
        if path == STATUS {
            return true;
        }
        if let Some(rest) = path.strip_prefix(STATUS_D) {
            return !rest.contains('/');
        }
        if let Some(rest) = path.strip_prefix(INFO) {
            return rest.ends_with(".list") && !rest.contains('/');
        }
        path.strip_prefix(DOC)
            .and_then(|rest| rest.strip_suffix("/copyright"))
            .is_some_and(|pkg| !pkg.is_empty() && !pkg.contains('/'))
    }

    fn catalog(&self, fs: &MergedFs, ctx: &mut Context) -> Result<()> {
        let mut lists: HashMap<&str, (&str, usize)> = HashMap::new();
        let mut status_d: Vec<(&str, usize)> = Vec::new();
        for e in fs.entries() {
            if !matches!(e.kind, EntryKind::File { .. } | EntryKind::Hardlink { .. }) {
                continue;
            }
            if let Some(name) = e
                .path
                .strip_prefix(INFO)
                .and_then(|r| r.strip_suffix(".list"))
            {
                lists.insert(name, (&e.path, e.layer));
            } else if let Some(rest) = e.path.strip_prefix(STATUS_D)
                && !rest.contains('/')
                && !rest.ends_with(".md5sums")
            {
                status_d.push((&e.path, e.layer));
            }
        }
        let mut sources: Vec<(&str, usize)> = Vec::new();
        if let Some(e) = fs
            .get(STATUS)
            .filter(|e| matches!(e.kind, EntryKind::File { .. }))
        {
            sources.push((STATUS, e.layer));
        }
        sources.extend(status_d);
        let mut declared = Vec::new();
        for (path, layer) in sources {
            let Some(text) = read(fs, path, ctx) else {
                continue;
            };
            let (paragraphs, bad) = control::paragraphs(&text);
            if bad > 0 {
                ctx.warn("dpkg", format!("{path}: {bad} malformed lines skipped"));
            }
            for para in &paragraphs {
                let found = Found { path, layer, para };
                if let Some(pkg) = found.package(fs, ctx, &lists) {
                    ctx.packages.push(pkg);
                    declared.push(depends::Declared {
                        index: ctx.packages.len() - 1,
                        depends: ["Pre-Depends", "Depends"]
                            .iter()
                            .filter_map(|f| para.get(f))
                            .map(str::to_owned)
                            .collect(),
                        provides: para.get("Provides").map(str::to_owned),
                    });
                }
            }
        }
        let relationships = depends::resolve(&ctx.packages, &declared);
        ctx.relationships.extend(relationships);
        Ok(())
    }
}

/// One status paragraph and where it was read.
struct Found<'a> {
    path: &'a str,
    layer: usize,
    para: &'a Paragraph,
}

impl Found<'_> {
    fn package(
        &self,
        fs: &MergedFs,
        ctx: &mut Context,
        lists: &HashMap<&str, (&str, usize)>,
    ) -> Option<Package> {
        let p = self.para;
        let (Some(name), Some(version)) = (p.get("Package"), p.get("Version")) else {
            ctx.warn(
                "dpkg",
                format!("{}:{}: entry without Package or Version", self.path, p.line),
            );
            return None;
        };
        if name.is_empty() || version.is_empty() {
            return None;
        }
        if let Some(status) = p.get("Status")
            && status.split_whitespace().nth(2) != Some("installed")
        {
            tracing::debug!(package = name, status, "not installed; skipped");
            return None;
        }
        let arch = p.get("Architecture").filter(|a| !a.is_empty());
        let source = parse_source(p.get("Source"), name, version);
        let mut pkg = Package::new(
            PackageKind::Deb,
            name,
            version,
            purl(ctx, name, version, arch, &source)?,
        );
        pkg.arch = arch.map(str::to_owned);
        pkg.supplier = p
            .get("Maintainer")
            .filter(|m| !m.is_empty())
            .map(str::to_owned);
        pkg.source = Some(source);
        pkg.locations.push(Location {
            path: self.path.to_owned(),
            layer: Some(self.layer),
        });
        pkg.layer = Some(self.layer);
        let list = arch
            .and_then(|a| lists.get(format!("{name}:{a}").as_str()))
            .or_else(|| lists.get(name));
        if let Some(&(list_path, list_layer)) = list {
            pkg.locations.push(Location {
                path: list_path.to_owned(),
                layer: Some(list_layer),
            });
            pkg.layer = Some(list_layer);
            if let Some(text) = read(fs, list_path, ctx) {
                pkg.file_count = own_lines(fs, ctx, text.lines());
            }
        } else if self.path != STATUS {
            let md5sums = format!("{}.md5sums", self.path);
            if let Some(text) = fs.read(&md5sums).map(String::from_utf8_lossy) {
                let paths = text
                    .lines()
                    .filter_map(|l| l.split_once("  ").map(|(_, p)| p));
                pkg.file_count = own_lines(fs, ctx, paths);
            }
        }
        let copyright = format!("{DOC}{name}/copyright");
        if let Some(bytes) = fs.read_resolved(&copyright) {
            let text = String::from_utf8_lossy(bytes);
            pkg.licenses = copyright::licenses(&text)
                .iter()
                .filter_map(|l| license::parse(l))
                .collect();
            if !pkg.licenses.is_empty() {
                pkg.locations.push(Location {
                    path: copyright,
                    layer: fs
                        .resolve(&format!("{DOC}{name}/copyright"))
                        .map(|e| e.layer),
                });
            }
        }
        Some(pkg)
    }
}

/// Records every path in `lines` as owned; returns how many non-directory lines there were.
fn own_lines<'a>(fs: &MergedFs, ctx: &mut Context, lines: impl Iterator<Item = &'a str>) -> usize {
    let mut files = 0;
    for line in lines {
        let line = line.trim_end();
        if line.is_empty() || line == "/." {
            continue;
        }
        // Lines are absolute; `own` normalises any that are not.
        if !ctx.own(fs, line).is_some_and(|e| e.is_dir()) {
            files += 1;
        }
    }
    files
}

fn read(fs: &MergedFs, path: &str, ctx: &mut Context) -> Option<String> {
    match fs.read(path) {
        Some(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
        None => {
            if fs.was_not_captured(path) {
                ctx.warn("dpkg", format!("{path}: too large to read"));
            }
            None
        }
    }
}

/// `Source: glibc (2.36-9)` → glibc at 2.36-9; `Source: glibc` → glibc at the binary's
/// version; no `Source` → the binary package itself.
pub fn parse_source(field: Option<&str>, name: &str, version: &str) -> SourcePackage {
    let field = field.map(str::trim).filter(|s| !s.is_empty());
    let Some(field) = field else {
        return SourcePackage {
            name: name.to_owned(),
            version: Some(version.to_owned()),
        };
    };
    match field.split_once('(') {
        Some((src, rest)) => SourcePackage {
            name: src.trim().to_owned(),
            version: Some(rest.trim_end_matches(')').trim().to_owned()).filter(|v| !v.is_empty()),
        },
        None => SourcePackage {
            name: field.to_owned(),
            version: Some(version.to_owned()),
        },
    }
}

fn purl(
    ctx: &Context,
    name: &str,
    version: &str,
    arch: Option<&str>,
    source: &SourcePackage,
) -> Option<Purl> {
    let vendor = ctx.distro.as_ref().map_or("debian", |d| d.id.as_str());
    let mut purl = Purl::new("deb", name)
        .ok()?
        .with_namespace(vendor)
        .with_version(version);
    if let Some(a) = arch {
        purl = purl.with_qualifier("arch", a).ok()?;
    }
    if let Some(d) = &ctx.distro {
        purl = purl.with_qualifier("distro", &d.purl_qualifier()).ok()?;
    }
    let src_version = source.version.as_deref().unwrap_or(version);
    let upstream = if source.name != name && src_version != version {
        format!("{}@{src_version}", source.name)
    } else if source.name != name {
        source.name.clone()
    } else if src_version != version {
        format!("{name}@{src_version}")
    } else {
        String::new()
    };
    purl.with_qualifier("upstream", &upstream).ok()
}

#[cfg(test)]
mod tests;
