//! Java archives (`.jar`, `.war`, `.ear`, and archives nested inside them): packages from
//! `META-INF/maven/**/pom.properties` (authoritative), else `pom.xml`, and the archive's own
//! identity from `META-INF/MANIFEST.MF` and its file name.
//!
//! Nesting is bounded ([`MAX_DEPTH`]) and so are the bytes decompressed per top-level
//! archive ([`MAX_INFLATED`]); an archive over a bound, or one that is not a zip, is a
//! warning, never a hang or an unbounded allocation.

pub mod meta;

use std::io::{Cursor, Read};

use kiln_oci::fs::MergedFs;
use kiln_oci::fs::path::file_name;
use kiln_types::{Location, PackageKind};

use self::meta::Coordinates;
use super::{files, licenses, purl};
use crate::Result;
use crate::cataloger::{Cataloger, Context};

/// Archives nested deeper than this are not opened.
pub const MAX_DEPTH: usize = 4;
/// Bytes decompressed in total for one top-level archive.
pub const MAX_INFLATED: u64 = 256 << 20;
/// The largest metadata file read from an archive.
const MAX_META: u64 = 1 << 20;
/// Entries listed per archive.
const MAX_ENTRIES: usize = 200_000;
/// The largest archive file kiln reads from the image.
pub const MAX_ARCHIVE: u64 = 200 << 20;
/// Where Debian-family distributions install the Java archives their packages own; not
/// captured (the OS cataloger owns them, so they would be skipped after reading).
const DISTRO_JAVA_DIRS: [&str; 3] = [
    "/usr/share/java/",
    "/usr/share/maven-repo/",
    "/usr/lib/jvm/",
];

/// The Java archive cataloger.
#[derive(Debug, Default, Clone, Copy)]
pub struct Java;

fn is_archive(name: &str) -> bool {
    let Some(ext) = name.len().checked_sub(4).and_then(|i| name.get(i..)) else {
        return false;
    };
    [".jar", ".war", ".ear", ".jpi", ".hpi"]
        .iter()
        .any(|e| ext.eq_ignore_ascii_case(e))
}

impl Cataloger for Java {
    fn name(&self) -> &'static str {
        "java"
    }

    fn wants(&self, path: &str, size: u64) -> bool {
        size <= MAX_ARCHIVE
            && is_archive(file_name(path))
            && !DISTRO_JAVA_DIRS.iter().any(|d| path.starts_with(d))
    }

    fn catalog(&self, fs: &MergedFs, ctx: &mut Context) -> Result<()> {
        for f in files(fs, ctx, "java", |p| is_archive(file_name(p))) {
            let mut scan = Scan {
                budget: MAX_INFLATED,
                found: Vec::new(),
                warnings: Vec::new(),
            };
            scan.archive(f.bytes, f.path, 0);
            for w in scan.warnings {
                ctx.warn("java", w);
            }
            for (c, at, license) in scan.found {
                let Some(p) = purl("maven", &c.group, &c.artifact, &c.version) else {
                    continue;
                };
                let mut pkg = f.package(PackageKind::Maven, &c.artifact, &c.version, p);
                pkg.locations[0] = Location {
                    path: at,
                    layer: Some(f.layer),
                };
                pkg.licenses = licenses(license.as_deref());
                ctx.packages.push(pkg);
            }
        }
        Ok(())
    }
}

/// Packages found in one top-level archive, and what went wrong.
#[derive(Debug)]
pub struct Scan {
    /// Bytes that may still be decompressed.
    pub budget: u64,
    /// Coordinates, the (nested) path they were found at, a licence.
    pub found: Vec<(Coordinates, String, Option<String>)>,
    pub warnings: Vec<String>,
}

impl Scan {
    /// Scans a zip archive in memory; `path` names it (`/a.war:WEB-INF/lib/b.jar`).
    pub fn archive(&mut self, bytes: &[u8], path: &str, depth: usize) {
        let mut zip = match zip::ZipArchive::new(Cursor::new(bytes)) {
            Ok(z) => z,
            Err(e) => {
                self.warnings
                    .push(format!("{path}: not a zip archive: {e}"));
                return;
            }
        };
        if zip.len() > MAX_ENTRIES {
            self.warnings
                .push(format!("{path}: {} entries, over the limit", zip.len()));
            return;
        }
        let mut manifest = None;
        let mut props = Vec::new();
        let mut poms = Vec::new();
        let mut nested = Vec::new();
        for i in 0..zip.len() {
            let name = match zip.by_index_raw(i) {
                Ok(e) if !e.is_dir() => e.name().to_owned(),
                Ok(_) => continue,
                Err(e) => {
                    self.warnings.push(format!("{path}: entry {i}: {e}"));
                    continue;
                }
            };
            if name.eq_ignore_ascii_case("META-INF/MANIFEST.MF") {
                manifest = Some(i);
            } else if name.starts_with("META-INF/maven/") && name.ends_with("/pom.properties") {
                props.push(i);
            } else if name.starts_with("META-INF/maven/") && name.ends_with("/pom.xml") {
                poms.push(i);
            } else if is_archive(&name) {
                nested.push((i, name));
            }
        }
        let text = |s: &mut Scan, zip: &mut zip::ZipArchive<Cursor<&[u8]>>, i: usize| {
            s.read(zip, i, MAX_META, path)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
        };
        let mut coords: Vec<Coordinates> = props
            .iter()
            .filter_map(|&i| text(self, &mut zip, i))
            .filter_map(|t| meta::pom_properties(&t))
            .collect();
        if coords.is_empty() {
            coords = poms
                .iter()
                .filter_map(|&i| text(self, &mut zip, i))
                .filter_map(|t| meta::pom_xml(&t))
                .collect();
        }
        let mf = manifest
            .and_then(|i| text(self, &mut zip, i))
            .map(|t| meta::manifest(&t))
            .unwrap_or_default();
        let license = mf
            .get("Bundle-License")
            .filter(|l| !l.contains("://"))
            .cloned();
        let (stem, file_version) = meta::file_name_parts(file_name(path));
        if !coords.iter().any(|c| c.artifact == stem) {
            let get = |k: &str| mf.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
            let version = get("Implementation-Version")
                .or_else(|| get("Bundle-Version"))
                .or_else(|| get("Specification-Version"))
                .unwrap_or(file_version);
            let artifact = if stem.is_empty() {
                get("Implementation-Title").unwrap_or_default()
            } else {
                stem
            };
            let group = get("Implementation-Vendor-Id").unwrap_or(artifact);
            if !version.is_empty() && !artifact.is_empty() {
                self.found.push((
                    Coordinates {
                        group: group.to_owned(),
                        artifact: artifact.to_owned(),
                        version: version.to_owned(),
                    },
                    path.to_owned(),
                    license.clone(),
                ));
            }
        }
        for c in coords {
            let lic = (c.artifact == stem).then(|| license.clone()).flatten();
            self.found.push((c, path.to_owned(), lic));
        }
        for (i, name) in nested {
            let inner = format!("{path}:{name}");
            if depth + 1 > MAX_DEPTH {
                self.warnings.push(format!(
                    "{inner}: nested deeper than {MAX_DEPTH}; not opened"
                ));
                continue;
            }
            if let Some(bytes) = self.read(&mut zip, i, MAX_ARCHIVE, path) {
                self.archive(&bytes, &inner, depth + 1);
            }
        }
    }

    /// Decompresses entry `i` if it fits both `cap` and the remaining budget.
    fn read(
        &mut self,
        zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
        i: usize,
        cap: u64,
        path: &str,
    ) -> Option<Vec<u8>> {
        let limit = cap.min(self.budget);
        let mut entry = match zip.by_index(i) {
            Ok(e) => e,
            Err(e) => {
                self.warnings.push(format!("{path}: entry {i}: {e}"));
                return None;
            }
        };
        let name = entry.name().to_owned();
        if entry.size() > limit {
            self.warnings.push(format!(
                "{path}:{name}: {} bytes uncompressed, over the limit of {limit}; skipped",
                entry.size()
            ));
            return None;
        }
        let mut out = Vec::new();
        let read = (&mut entry).take(limit + 1).read_to_end(&mut out);
        self.budget = self.budget.saturating_sub(out.len() as u64);
        match read {
            Ok(_) if out.len() as u64 > limit => {
                self.warnings.push(format!(
                    "{path}:{name}: inflates past the limit of {limit} bytes; skipped"
                ));
                None
            }
            Ok(_) => Some(out),
            Err(e) => {
                self.warnings.push(format!("{path}:{name}: {e}"));
                None
            }
        }
    }
}
