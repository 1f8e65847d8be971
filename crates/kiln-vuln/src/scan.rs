//! Scanning an inventory: every package becomes a [`PackageQuery`] in the
//! ecosystem advisories key it by, and every match a [`Finding`].
//!
//! Ecosystems: dpkg packages are `Debian` or `Ubuntu` by the distribution's
//! `ID` (release = `VERSION_ID`), apk packages `Alpine` (`vMAJOR.MINOR`), rpm
//! packages `AlmaLinux`, `Rocky Linux` or `Red Hat` (major release); OS
//! packages are looked up by their source package. Language packages map to
//! PyPI, npm, Go, crates.io, Maven, RubyGems, Packagist and NuGet, named as
//! OSV names them (`group:artifact`, `@scope/name`, module paths). A Ruby
//! interpreter found by its binary (`pkg:generic/ruby`) is looked up in
//! kiln's `Ruby` ecosystem (rubysec's interpreter advisories).
//!
//! Distribution data wins over ecosystem data for files a distribution
//! package owns: the catalogers already leave out language packages whose
//! metadata an OS package installed, and a language package whose location
//! is in [`Inventory::owned_paths`], or that an OS package `contains` (a
//! relationship SBOM readers keep from SPDX and CycloneDX documents), is not
//! looked up again here.
//!
//! A version that does not parse becomes a warning naming the package; the
//! scan goes on.

use std::collections::{BTreeSet, HashSet};

use kiln_types::{Distro, Inventory, Package, PackageKind, RelationshipKind};
use kiln_version::Ecosystem;
use serde::Serialize;

use crate::advisory::DistroStatus;
use crate::db::Database;
use crate::matcher::{Evidence, Match, PackageQuery, Reason, SourcePackage};
use crate::severity::{Rating, Severity};
use crate::vex::Applied;

/// The package a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundPackage {
    /// The package name as catalogued.
    pub name: String,
    /// The installed version.
    pub version: String,
    /// The package kind (`deb`, `python`, …).
    pub kind: PackageKind,
    /// Its package URL.
    pub purl: String,
    /// Where it was found (metadata paths).
    pub locations: Vec<String>,
    /// Its [`Package::id`], stable within the inventory.
    pub id: String,
}

/// One vulnerability of one package.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The package.
    pub package: FoundPackage,
    /// The vulnerability's id (a distribution advisory first, then CVE).
    pub id: String,
    /// Its other ids.
    pub aliases: Vec<String>,
    /// The ecosystem and release that matched (`Debian:11`, `PyPI`).
    pub ecosystem: String,
    /// The headline severity.
    pub severity: Option<Severity>,
    /// Its rating, for gates and grouping.
    pub rating: Option<Rating>,
    /// The version that fixes it, if known.
    pub fixed: Option<String>,
    /// The distribution's status, if distribution data matched.
    pub status: Option<DistroStatus>,
    /// What matched: a listed version or a rendered range, per record.
    pub matched: Vec<String>,
    /// The data sources of the matched records.
    pub sources: Vec<String>,
    /// A one-line summary, if a record has one.
    pub summary: Option<String>,
    /// Every record that matched.
    pub evidence: Vec<Evidence>,
    /// The VEX statement that applies, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vex: Option<Applied>,
    /// Whether a VEX statement (`not_affected`, `fixed`) suppresses it.
    pub suppressed: bool,
}

impl Finding {
    /// The vulnerability's id followed by its aliases.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

/// The result of scanning one inventory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanReport {
    /// The distribution release the target runs, if known.
    pub distro: Option<Distro>,
    /// How many packages were looked up.
    pub packages: usize,
    /// Findings, sorted by rating (worst first), id, package name, version and purl.
    pub findings: Vec<Finding>,
    /// Packages kiln could not look up, and why.
    pub warnings: Vec<String>,
}

impl ScanReport {
    /// The findings no VEX statement suppresses.
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| !f.suppressed)
    }
}

/// What one package is looked up as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// The distribution release, for OS packages.
    pub release: Option<String>,
    /// The name as the ecosystem's advisories spell it.
    pub name: String,
    /// The source package name and version, for OS packages.
    pub source: Option<(String, String)>,
}

/// How `package` is looked up, or why it cannot be.
pub fn lookup(package: &Package, distro: Option<&Distro>) -> Result<Lookup, String> {
    let purl = &package.purl;
    let joined = |sep: &str| match purl.namespace() {
        Some(ns) if !ns.is_empty() => format!("{ns}{sep}{}", purl.name()),
        _ => purl.name().to_owned(),
    };
    let lang = |ecosystem: Ecosystem, name: String| Lookup {
        ecosystem,
        release: None,
        name,
        source: None,
    };
    let source = || {
        let s = package.source.as_ref();
        Some((
            s.map_or_else(|| package.name.clone(), |s| s.name.clone()),
            s.and_then(|s| s.version.clone())
                .unwrap_or_else(|| package.version.clone()),
        ))
    };
    let os = |ecosystem: Ecosystem, release: Option<String>| -> Result<Lookup, String> {
        let release = release.ok_or_else(|| {
            format!(
                "{} {}: the distribution release is unknown",
                package.name, package.version
            )
        })?;
        Ok(Lookup {
            ecosystem,
            release: Some(release),
            name: package.name.clone(),
            source: source(),
        })
    };
    let distro_id = distro.map(|d| d.id.as_str());
    let version_id = distro.and_then(|d| d.version_id.clone());
    match package.kind {
        PackageKind::Deb => match distro_id {
            Some("ubuntu") => os(Ecosystem::Ubuntu, version_id),
            Some("debian") => os(
                Ecosystem::Debian,
                version_id.or_else(|| distro.and_then(|d| d.version_codename.clone())),
            ),
            other => Err(unknown_distro(package, other)),
        },
        PackageKind::Apk => match distro_id {
            Some("alpine") => os(Ecosystem::Alpine, version_id),
            // Wolfi is a rolling distribution: its records carry no release.
            Some("wolfi") => os(Ecosystem::Wolfi, Some(String::new())),
            other => Err(unknown_distro(package, other)),
        },
        PackageKind::Rpm => {
            let ecosystem = match distro_id {
                Some("almalinux") => Ecosystem::AlmaLinux,
                Some("rocky") => Ecosystem::RockyLinux,
                Some("rhel") => Ecosystem::RedHat,
                other => return Err(unknown_distro(package, other)),
            };
            let major = version_id.map(|v| v.split('.').next().unwrap_or_default().to_owned());
            os(ecosystem, major)
        }
        PackageKind::Python => Ok(lang(Ecosystem::PyPi, purl.name().to_owned())),
        PackageKind::Npm => Ok(lang(Ecosystem::Npm, joined("/"))),
        PackageKind::Go => Ok(lang(Ecosystem::Go, joined("/"))),
        PackageKind::Cargo => Ok(lang(Ecosystem::CratesIo, purl.name().to_owned())),
        PackageKind::Maven => Ok(lang(Ecosystem::Maven, joined(":"))),
        PackageKind::Gem => Ok(lang(Ecosystem::RubyGems, purl.name().to_owned())),
        PackageKind::Composer => Ok(lang(Ecosystem::Packagist, joined("/"))),
        PackageKind::NuGet => Ok(lang(Ecosystem::NuGet, purl.name().to_owned())),
        PackageKind::Binary => interpreter(package).ok_or_else(|| {
            format!(
                "{} {}: binaries without package metadata are not matched",
                package.name, package.version
            )
        }),
    }
}

/// A Ruby interpreter found by its binary, as Syft names one
/// (`pkg:generic/ruby@3.2.1`): looked up in the `Ruby` ecosystem by engine,
/// at its release version (`2.7.3p183` is release 2.7.3, patch level 183).
fn interpreter(package: &Package) -> Option<Lookup> {
    let purl = &package.purl;
    if purl.ty() != "generic" {
        return None;
    }
    let engine = match purl.name() {
        "rubinius" => "rbx",
        name @ ("ruby" | "jruby" | "mruby" | "mrubyc" | "rbx") => name,
        _ => return None,
    };
    let version = package.version.as_str();
    let release = match version.rsplit_once('p') {
        Some((head, level))
            if head.ends_with(|c: char| c.is_ascii_digit())
                && !level.is_empty()
                && level.bytes().all(|b| b.is_ascii_digit()) =>
        {
            head
        }
        _ => version,
    };
    Some(Lookup {
        ecosystem: Ecosystem::Ruby,
        release: None,
        name: engine.to_owned(),
        source: Some((engine.to_owned(), release.to_owned())),
    })
}

fn unknown_distro(package: &Package, id: Option<&str>) -> String {
    format!(
        "{} {} ({}): no advisory data for distribution {}",
        package.name,
        package.version,
        package.kind,
        id.map_or_else(|| "(unknown)".to_owned(), |i| format!("{i:?}"))
    )
}

/// Looks every package of `inventory` up in `db`. Database failures are
/// errors; packages that cannot be looked up become warnings.
pub fn scan(db: &Database, inventory: &Inventory) -> crate::Result<ScanReport> {
    db.snapshot(|db| scan_in(db, inventory))
}

fn scan_in(db: &Database, inventory: &Inventory) -> crate::Result<ScanReport> {
    let distro = inventory.distro.as_ref();
    let mut findings = Vec::new();
    let mut warnings = Vec::new();
    let mut looked_up = 0;
    let owned = os_contained(inventory);
    for package in &inventory.packages {
        if !package.kind.is_os()
            && ((!owned.is_empty() && owned.contains(package.id().as_str()))
                || package
                    .locations
                    .first()
                    .is_some_and(|l| inventory.owned_paths.contains(&l.path)))
        {
            continue; // The distribution package that owns it is matched instead.
        }
        let l = match lookup(package, distro) {
            Ok(l) => l,
            Err(w) => {
                if package.kind != PackageKind::Binary {
                    warnings.push(w);
                }
                continue;
            }
        };
        looked_up += 1;
        let query = PackageQuery {
            ecosystem: l.ecosystem,
            release: l.release.as_deref().filter(|r| !r.is_empty()),
            name: &l.name,
            version: &package.version,
            source: l
                .source
                .as_ref()
                .map(|(name, version)| SourcePackage { name, version }),
        };
        match db.query(&query) {
            Ok(matches) => findings.extend(matches.into_iter().map(|m| finding(package, m))),
            Err(crate::VulnError::InstalledVersion { .. }) => warnings.push(format!(
                "{} {} ({}): the version does not parse as a {} version; not matched",
                package.name, package.version, package.purl, l.ecosystem
            )),
            Err(e) => return Err(e),
        }
    }
    sort(&mut findings);
    warnings.sort();
    warnings.dedup();
    Ok(ScanReport {
        distro: inventory.distro.clone(),
        packages: looked_up,
        findings,
        warnings,
    })
}

/// The ids of the packages an OS package of `inventory` contains.
fn os_contained(inventory: &Inventory) -> HashSet<&str> {
    if inventory.relationships.is_empty() {
        return HashSet::new();
    }
    let os: HashSet<String> = inventory
        .packages
        .iter()
        .filter(|p| p.kind.is_os())
        .map(Package::id)
        .collect();
    inventory
        .relationships
        .iter()
        .filter(|r| r.kind == RelationshipKind::Contains && os.contains(&r.from))
        .map(|r| r.to.as_str())
        .collect()
}

/// The deterministic order of findings: worst rating first, then id,
/// package name, version and purl.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.rating
            .cmp(&a.rating)
            .then_with(|| a.id.cmp(&b.id))
            .then_with(|| a.package.name.cmp(&b.package.name))
            .then_with(|| a.package.version.cmp(&b.package.version))
            .then_with(|| a.package.purl.cmp(&b.package.purl))
            .then_with(|| a.package.locations.cmp(&b.package.locations))
    });
}

fn finding(package: &Package, m: Match) -> Finding {
    let matched = m
        .evidence
        .iter()
        .map(|e| match &e.reason {
            Reason::Listed => format!("{}: version listed", e.record),
            Reason::Range(r) => format!("{}: {r}", e.record),
        })
        .collect();
    let sources: BTreeSet<String> = m.evidence.iter().map(|e| e.source.clone()).collect();
    Finding {
        package: FoundPackage {
            name: package.name.clone(),
            version: package.version.clone(),
            kind: package.kind,
            purl: package.purl.to_string(),
            locations: package.locations.iter().map(|l| l.path.clone()).collect(),
            id: package.id(),
        },
        rating: m.severity.as_ref().and_then(|s| s.rating),
        summary: m.evidence.iter().find_map(|e| e.summary.clone()),
        id: m.id,
        aliases: m.aliases,
        ecosystem: m.ecosystem,
        severity: m.severity,
        fixed: m.fixed,
        status: m.status,
        matched,
        sources: sources.into_iter().collect(),
        evidence: m.evidence,
        vex: None,
        suppressed: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_types::{Purl, SourcePackage as Src};

    fn distro(id: &str, version: &str) -> Distro {
        Distro {
            id: id.into(),
            version_id: Some(version.into()),
            ..Distro::default()
        }
    }

    #[test]
    fn ecosystems_and_names() {
        let mut deb = Package::new(
            PackageKind::Deb,
            "libssl1.1",
            "1.1.1n-0+deb11u3",
            Purl::new("deb", "libssl1.1").unwrap(),
        );
        deb.source = Some(Src {
            name: "openssl".into(),
            version: None,
        });
        let l = lookup(&deb, Some(&distro("debian", "11"))).unwrap();
        assert_eq!(l.ecosystem, Ecosystem::Debian);
        assert_eq!(l.release.as_deref(), Some("11"));
        assert_eq!(
            l.source,
            Some(("openssl".into(), "1.1.1n-0+deb11u3".into()))
        );
        assert_eq!(
            lookup(&deb, Some(&distro("ubuntu", "22.04")))
                .unwrap()
                .ecosystem,
            Ecosystem::Ubuntu
        );
        assert!(
            lookup(&deb, None)
                .unwrap_err()
                .contains("distribution (unknown)")
        );
        let rpm = Package::new(
            PackageKind::Rpm,
            "bash",
            "5.1.8-9.el9",
            Purl::new("rpm", "bash").unwrap(),
        );
        let l = lookup(&rpm, Some(&distro("rocky", "9.4"))).unwrap();
        assert_eq!(
            (l.ecosystem, l.release.as_deref()),
            (Ecosystem::RockyLinux, Some("9"))
        );
        let maven = Package::new(
            PackageKind::Maven,
            "log4j-core",
            "2.14.1",
            Purl::new("maven", "log4j-core")
                .unwrap()
                .with_namespace("org.apache.logging.log4j"),
        );
        assert_eq!(
            lookup(&maven, None).unwrap().name,
            "org.apache.logging.log4j:log4j-core"
        );
        let npm = Package::new(
            PackageKind::Npm,
            "core",
            "7.0.0",
            Purl::new("npm", "core").unwrap().with_namespace("@babel"),
        );
        assert_eq!(lookup(&npm, None).unwrap().name, "@babel/core");
    }
}
