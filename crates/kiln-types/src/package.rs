//! The package model every SBOM is made of: packages with their identity, licences,
//! locations and origin, the distribution they came from, relationships between them,
//! and the [`Inventory`] of one scanned target.
//!
//! [`Inventory::normalize`] gives every inventory one deterministic order, so that the
//! same input always serialises to the same bytes.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::Purl;

/// The ecosystem a package belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageKind {
    Deb,
    Apk,
    Rpm,
    Python,
    Npm,
    Go,
    Cargo,
    Maven,
    Gem,
    Composer,
    NuGet,
    /// A binary kiln recognised without a package manager's metadata.
    Binary,
}

impl PackageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PackageKind::Deb => "deb",
            PackageKind::Apk => "apk",
            PackageKind::Rpm => "rpm",
            PackageKind::Python => "python",
            PackageKind::Npm => "npm",
            PackageKind::Go => "go",
            PackageKind::Cargo => "cargo",
            PackageKind::Maven => "maven",
            PackageKind::Gem => "gem",
            PackageKind::Composer => "composer",
            PackageKind::NuGet => "nuget",
            PackageKind::Binary => "binary",
        }
    }

    /// Whether packages of this kind are installed by the operating system's package
    /// manager (and own the files they list).
    pub fn is_os(self) -> bool {
        matches!(self, PackageKind::Deb | PackageKind::Apk | PackageKind::Rpm)
    }
}

impl fmt::Display for PackageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A declared licence: an SPDX expression when the metadata's text maps to one, the text
/// as written otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum License {
    /// A valid SPDX licence expression (`MIT OR Apache-2.0`, `GPL-2.0-or-later`).
    Expression(String),
    /// Licence text that is not an SPDX expression (`Artistic`, `public-domain`).
    Raw(String),
}

impl License {
    pub fn text(&self) -> &str {
        match self {
            License::Expression(s) | License::Raw(s) => s,
        }
    }
}

/// Where a package was found, and the layer (base = 0) that wrote that file last.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<usize>,
}

/// The source package a binary package was built from (Debian `Source:`, Alpine origin,
/// RPM source rpm).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SourcePackage {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// One package found in a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    pub name: String,
    pub version: String,
    pub kind: PackageKind,
    pub purl: Purl,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<License>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpes: Vec<String>,
    /// The metadata files that describe the package, first the one it was found by.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<Location>,
    /// The layer that introduced the package, when the target has layers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourcePackage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// Maintainer, vendor or packager, as the metadata writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    /// How many files the package's metadata says it installed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub file_count: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Package {
    /// A package with the fields every package has; the rest default to empty.
    pub fn new(kind: PackageKind, name: &str, version: &str, purl: Purl) -> Package {
        Package {
            name: name.to_owned(),
            version: version.to_owned(),
            kind,
            purl,
            licenses: Vec::new(),
            cpes: Vec::new(),
            locations: Vec::new(),
            layer: None,
            source: None,
            arch: None,
            supplier: None,
            file_count: 0,
        }
    }

    /// A stable identifier, unique within an inventory: 16 hex digits of a SHA-256 over
    /// the purl and the first location. The same package found twice at different paths
    /// gets two ids.
    pub fn id(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.purl.to_string().as_bytes());
        h.update(b"\n");
        if let Some(l) = self.locations.first() {
            h.update(l.path.as_bytes());
        }
        hex::encode(&h.finalize()[..8])
    }

    fn sort_key(&self) -> (PackageKind, &str, &str, String, &[Location]) {
        (
            self.kind,
            &self.name,
            &self.version,
            self.purl.to_string(),
            &self.locations,
        )
    }
}

/// The operating system release a target runs, from `os-release`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Distro {
    /// `ID`: `debian`, `alpine`, `rhel`, `fedora`.
    pub id: String,
    /// `VERSION_ID`: `12`, `3.20.1`, `9.4`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// `VERSION_CODENAME`: `bookworm`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_codename: Option<String>,
    /// `PRETTY_NAME`, else `NAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `ID_LIKE`, split on spaces.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub id_like: Vec<String>,
}

impl Distro {
    /// Parses the text of an `os-release` file; `None` when it has no `ID`.
    pub fn from_os_release(text: &str) -> Option<Distro> {
        let mut d = Distro::default();
        let mut name = None;
        let mut pretty = None;
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('#') {
                continue;
            }
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            let v = unquote(v.trim());
            if v.is_empty() {
                continue;
            }
            match k.trim() {
                "ID" => d.id = v.to_lowercase(),
                "VERSION_ID" => d.version_id = Some(v),
                "VERSION_CODENAME" => d.version_codename = Some(v),
                "NAME" => name = Some(v),
                "PRETTY_NAME" => pretty = Some(v),
                "ID_LIKE" => d.id_like = v.split_whitespace().map(str::to_lowercase).collect(),
                _ => {}
            }
        }
        d.name = pretty.or(name);
        (!d.id.is_empty()).then_some(d)
    }

    /// `debian-12`, `alpine-3.20.1`, or the id alone without a version.
    pub fn purl_qualifier(&self) -> String {
        match &self.version_id {
            Some(v) => format!("{}-{v}", self.id),
            None => self.id.clone(),
        }
    }
}

/// Removes shell-style quotes and backslash escapes, as os-release allows.
fn unquote(v: &str) -> String {
    let inner = match v.as_bytes() {
        [b'"', .., b'"'] | [b'\'', .., b'\''] if v.len() >= 2 => &v[1..v.len() - 1],
        _ => v,
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// How two packages relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RelationshipKind {
    Contains,
    DependsOn,
}

/// `from` relates to `to`, both [`Package::id`]s.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Relationship {
    pub from: String,
    pub to: String,
    pub kind: RelationshipKind,
}

/// One layer of a scanned image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerInfo {
    pub digest: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff_id: Option<String>,
    pub size: u64,
}

/// What was scanned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetInfo {
    /// The target as the user named it.
    pub name: String,
    /// The digest of the manifest (or index) the target names.
    pub digest: String,
    /// The chosen image manifest's digest.
    pub manifest_digest: String,
    pub platform: String,
    /// The image config's `created`, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    pub layers: Vec<LayerInfo>,
}

/// Everything found in one target.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    pub source: TargetInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distro: Option<Distro>,
    pub packages: Vec<Package>,
    #[serde(default)]
    pub relationships: Vec<Relationship>,
    /// Problems met on the way (unreadable metadata, corrupt databases); the rest of the
    /// target was still catalogued.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Paths (normalised, absolute) of files that OS packages say they installed; other
    /// catalogers do not report them again. Not serialised.
    #[serde(skip)]
    pub owned_paths: BTreeSet<String>,
}

impl Inventory {
    /// Sorts packages by kind, name, version, purl and locations, relationships and
    /// warnings lexically, and drops exact duplicates.
    pub fn normalize(&mut self) {
        for p in &mut self.packages {
            p.licenses.dedup();
            p.cpes.sort();
            p.cpes.dedup();
        }
        self.packages
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.packages.dedup();
        self.relationships.sort();
        self.relationships.dedup();
        self.warnings.sort();
        self.warnings.dedup();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release_of_debian_and_alpine() {
        let debian = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n\
            VERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n\
            HOME_URL=\"https://www.debian.org/\"\n";
        let d = Distro::from_os_release(debian).unwrap();
        assert_eq!(d.id, "debian");
        assert_eq!(d.version_id.as_deref(), Some("12"));
        assert_eq!(d.version_codename.as_deref(), Some("bookworm"));
        assert_eq!(d.name.as_deref(), Some("Debian GNU/Linux 12 (bookworm)"));
        assert_eq!(d.purl_qualifier(), "debian-12");
        let alpine = "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.1\n";
        assert_eq!(
            Distro::from_os_release(alpine).unwrap().purl_qualifier(),
            "alpine-3.20.1"
        );
        let rocky = "ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID='9.4'\n# c\n";
        let r = Distro::from_os_release(rocky).unwrap();
        assert_eq!(r.id_like, ["rhel", "centos", "fedora"]);
        assert_eq!(r.version_id.as_deref(), Some("9.4"));
        assert_eq!(Distro::from_os_release("NAME=x\n"), None);
        assert_eq!(
            Distro::from_os_release("ID=\"\\\"q\\\"\"").unwrap().id,
            "\"q\""
        );
    }

    fn pkg(name: &str, version: &str, path: &str) -> Package {
        let purl = Purl::new("deb", name).unwrap().with_version(version);
        let mut p = Package::new(PackageKind::Deb, name, version, purl);
        p.locations.push(Location {
            path: path.to_owned(),
            layer: Some(0),
        });
        p
    }

    #[test]
    fn normalize_orders_and_dedups() {
        let mut inv = Inventory {
            packages: vec![
                pkg("b", "1", "/s"),
                pkg("a", "2", "/s"),
                pkg("a", "1", "/s"),
                pkg("b", "1", "/s"),
            ],
            warnings: vec!["z".into(), "a".into(), "z".into()],
            ..Inventory::default()
        };
        inv.normalize();
        let names: Vec<_> = inv
            .packages
            .iter()
            .map(|p| format!("{}@{}", p.name, p.version))
            .collect();
        assert_eq!(names, ["a@1", "a@2", "b@1"]);
        assert_eq!(inv.warnings, ["a", "z"]);
    }

    #[test]
    fn ids_are_stable_and_distinguish_locations() {
        let a = pkg("a", "1", "/x");
        assert_eq!(a.id(), pkg("a", "1", "/x").id());
        assert_ne!(a.id(), pkg("a", "1", "/y").id());
        assert_eq!(a.id().len(), 16);
    }

    #[test]
    fn inventory_json_round_trips() {
        let mut inv = Inventory::default();
        let mut p = pkg("libc6", "2.36-9", "/var/lib/dpkg/status");
        p.licenses
            .push(License::Expression("LGPL-2.1-or-later".into()));
        p.source = Some(SourcePackage {
            name: "glibc".into(),
            version: None,
        });
        inv.packages.push(p);
        let json = serde_json::to_string(&inv).unwrap();
        assert!(
            json.contains("\"expression\":\"LGPL-2.1-or-later\""),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<Inventory>(&json).unwrap(), inv);
    }
}
