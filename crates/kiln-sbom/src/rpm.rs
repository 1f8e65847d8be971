//! RPM packages (RHEL, Alma, Rocky, Fedora, SUSE) from the rpm database under
//! `/var/lib/rpm` or `/usr/lib/sysimage/rpm`, in any of its three backends, read without
//! librpm: SQLite (`rpmdb.sqlite`, rpm ≥ 4.16), NDB (`Packages.db`, [`ndb`]) and
//! Berkeley DB (`Packages`, a hash database, [`bdb`]). The first found in that order is
//! read; its header blobs are parsed by [`header`].

pub mod bdb;
pub mod header;
pub mod ndb;
mod sqlite;

use std::collections::{BTreeSet, HashMap};

use kiln_oci::fs::MergedFs;
use kiln_types::{
    Location, Package, PackageKind, Purl, Relationship, RelationshipKind, SourcePackage,
};

use self::header::Header;
use crate::cataloger::{Cataloger, Context};
use crate::{Result, license};

const DIRS: [&str; 2] = ["/var/lib/rpm/", "/usr/lib/sysimage/rpm/"];
const SQLITE: &str = "rpmdb.sqlite";
const NDB: &str = "Packages.db";
const BDB: &str = "Packages";

/// The rpm cataloger.
#[derive(Debug, Default, Clone, Copy)]
pub struct Rpm;

impl Cataloger for Rpm {
    fn name(&self) -> &'static str {
        "rpm"
    }

    fn wants(&self, path: &str, _size: u64) -> bool {
        DIRS.iter().any(|d| {
            path.strip_prefix(d)
                .is_some_and(|f| f == SQLITE || f == "rpmdb.sqlite-wal" || f == NDB || f == BDB)
        })
    }

    fn catalog(&self, fs: &MergedFs, ctx: &mut Context) -> Result<()> {
        let mut seen = BTreeSet::new();
        for dir in DIRS {
            let Some((file, real)) = [SQLITE, NDB, BDB]
                .into_iter()
                .find_map(|f| fs.resolve_path(&format!("{dir}{f}")).map(|r| (f, r)))
            else {
                continue;
            };
            if !seen.insert(real.clone()) {
                continue;
            }
            let Some(db) = fs.read(&real) else {
                if fs.was_not_captured(&real) {
                    ctx.warn(self.name(), format!("{real}: too large to read"));
                }
                continue;
            };
            let layer = fs.get(&real).map(|e| e.layer);
            let blobs = match file {
                SQLITE => sqlite::header_blobs(&real, db, fs.read(&format!("{real}-wal")))?,
                NDB => ndb::header_blobs(&real, db)?,
                _ => bdb::header_blobs(&real, db)?,
            };
            add_packages(fs, ctx, &real, layer, &blobs);
        }
        Ok(())
    }
}

fn add_packages(
    fs: &MergedFs,
    ctx: &mut Context,
    path: &str,
    layer: Option<usize>,
    blobs: &[(i64, Vec<u8>)],
) {
    let mut provided: HashMap<String, String> = HashMap::new();
    let mut found = Vec::new();
    for (hnum, blob) in blobs {
        let h = match Header::parse(blob) {
            Ok(h) => h,
            Err(e) => {
                ctx.warn("rpm", format!("{path}: header {hnum}: {e}"));
                continue;
            }
        };
        let (Some(name), Some(version)) = (h.string(header::NAME), h.string(header::VERSION))
        else {
            ctx.warn(
                "rpm",
                format!("{path}: header {hnum} has no name or version"),
            );
            continue;
        };
        // Public keys imported with `rpm --import` are stored as pseudo-packages.
        if name == "gpg-pubkey" {
            continue;
        }
        let release = h.string(header::RELEASE);
        let epoch = h.int(header::EPOCH);
        let arch = h.string(header::ARCH);
        let evr = match release {
            Some(r) => format!("{version}-{r}"),
            None => version.to_owned(),
        };
        let full = match epoch {
            Some(e) => format!("{e}:{evr}"),
            None => evr.clone(),
        };
        let srpm = h.string(header::SOURCERPM);
        let Some(purl) = purl(ctx, name, &evr, epoch, arch, srpm) else {
            continue;
        };
        let mut pkg = Package::new(PackageKind::Rpm, name, &full, purl);
        pkg.arch = arch.map(str::to_owned);
        pkg.supplier = h
            .string(header::VENDOR)
            .or(h.string(header::PACKAGER))
            .map(str::to_owned);
        pkg.source = srpm.and_then(source_rpm);
        pkg.licenses = h
            .string(header::LICENSE)
            .and_then(license::parse)
            .into_iter()
            .collect();
        pkg.locations.push(Location {
            path: path.to_owned(),
            layer,
        });
        pkg.layer = layer;
        let files = h.files();
        pkg.file_count = files.len();
        for f in &files {
            ctx.own(fs, f);
        }
        let id = pkg.id();
        for p in h.strings(header::PROVIDENAME) {
            provided.entry(p.clone()).or_insert_with(|| id.clone());
        }
        provided
            .entry(name.to_owned())
            .or_insert_with(|| id.clone());
        let requires: BTreeSet<String> = h.strings(header::REQUIRENAME).iter().cloned().collect();
        found.push((id, requires, pkg));
    }
    for (id, requires, pkg) in found {
        let targets: BTreeSet<&String> = requires
            .iter()
            .filter_map(|r| provided.get(r))
            .filter(|t| **t != id)
            .collect();
        for to in targets {
            ctx.relationships.push(Relationship {
                from: id.clone(),
                to: to.clone(),
                kind: RelationshipKind::DependsOn,
            });
        }
        ctx.packages.push(pkg);
    }
}

/// `bash-5.1.8-9.el9.src.rpm` → bash at 5.1.8-9.el9.
fn source_rpm(file: &str) -> Option<SourcePackage> {
    let stem = file
        .strip_suffix(".src.rpm")
        .or_else(|| file.strip_suffix(".nosrc.rpm"))?;
    let (rest, release) = stem.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    (!name.is_empty()).then(|| SourcePackage {
        name: name.to_owned(),
        version: Some(format!("{version}-{release}")),
    })
}

fn purl(
    ctx: &Context,
    name: &str,
    evr: &str,
    epoch: Option<u32>,
    arch: Option<&str>,
    srpm: Option<&str>,
) -> Option<Purl> {
    let vendor = ctx.distro.as_ref().map_or("redhat", |d| d.id.as_str());
    let mut purl = Purl::new("rpm", name)
        .ok()?
        .with_namespace(vendor)
        .with_version(evr);
    if let Some(a) = arch {
        purl = purl.with_qualifier("arch", a).ok()?;
    }
    if let Some(e) = epoch {
        purl = purl.with_qualifier("epoch", &e.to_string()).ok()?;
    }
    if let Some(d) = &ctx.distro {
        purl = purl.with_qualifier("distro", &d.purl_qualifier()).ok()?;
    }
    if let Some(s) = srpm {
        purl = purl.with_qualifier("upstream", s).ok()?;
    }
    Some(purl)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_rpm_names() {
        let s = source_rpm("bash-5.1.8-9.el9.src.rpm").unwrap();
        assert_eq!(
            (s.name.as_str(), s.version.as_deref()),
            ("bash", Some("5.1.8-9.el9"))
        );
        let s = source_rpm("python3-pip-21.3.1-1.fc36.nosrc.rpm").unwrap();
        assert_eq!(s.name, "python3-pip");
        assert_eq!(source_rpm("nonsense"), None);
        assert_eq!(source_rpm("-1-2.src.rpm"), None);
    }
}
