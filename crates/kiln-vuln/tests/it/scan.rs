//! `scan` over hand-written records: ecosystems and releases per package kind,
//! language packages an OS package owns left to distribution data, one finding per
//! (package, vulnerability), deterministic order, and warnings instead of failures.

use kiln_types::{Distro, Inventory, Location, Package, PackageKind, Purl, SourcePackage};
use kiln_vuln::{Database, ImportOptions, db, import};

const RECORDS: &[(&str, &str)] = &[
    (
        "DSA-1.json",
        r#"{"id":"DSA-1","modified":"2024-01-01T00:00:00Z","upstream":["CVE-2024-1"],
        "affected":[{"package":{"ecosystem":"Debian:12","name":"openssl"},
        "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.11-1~deb12u2"}]}]}]}"#,
    ),
    (
        "PYSEC-1.json",
        r#"{"id":"PYSEC-1","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2024-2"],
        "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "affected":[{"package":{"ecosystem":"PyPI","name":"requests"},
        "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.31.0"}]}]}]}"#,
    ),
    (
        "GHSA-1.json",
        r#"{"id":"GHSA-aaaa-bbbb-cccc","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2024-2"],
        "affected":[{"package":{"ecosystem":"PyPI","name":"requests"},
        "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.31.0"}]}]}]}"#,
    ),
];

fn database(dir: &std::path::Path) -> Database {
    let sources: Vec<_> = RECORDS
        .iter()
        .map(|(name, text)| import::read_bytes(name, text.as_bytes().to_vec()))
        .collect();
    let path = dir.join("db.sqlite");
    db::import(&path, &sources, &ImportOptions::default()).unwrap();
    Database::open(&path).unwrap()
}

fn pkg(kind: PackageKind, ty: &str, name: &str, version: &str, path: &str) -> Package {
    let purl = Purl::new(ty, name).unwrap().with_version(version);
    let mut p = Package::new(kind, name, version, purl);
    p.locations.push(Location {
        path: path.into(),
        layer: None,
    });
    p
}

#[test]
fn scan_maps_kinds_groups_aliases_and_warns() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let mut libssl = pkg(
        PackageKind::Deb,
        "deb",
        "libssl3",
        "3.0.9-1",
        "/var/lib/dpkg/status",
    );
    libssl.source = Some(SourcePackage {
        name: "openssl".into(),
        version: None,
    });
    let owned = pkg(
        PackageKind::Python,
        "pypi",
        "requests",
        "2.28.1",
        "/usr/lib/python3/dist-packages/requests-2.28.1.egg-info",
    );
    let mut inv = Inventory {
        distro: Some(Distro {
            id: "debian".into(),
            version_id: Some("12".into()),
            ..Distro::default()
        }),
        packages: vec![
            libssl,
            pkg(
                PackageKind::Python,
                "pypi",
                "requests",
                "2.30.0",
                "/app/requests.dist-info/METADATA",
            ),
            pkg(
                PackageKind::Python,
                "pypi",
                "requests",
                "2.31.0",
                "/b/requests.dist-info/METADATA",
            ),
            owned.clone(),
            pkg(
                PackageKind::Binary,
                "generic",
                "busybox",
                "1.36",
                "/bin/busybox",
            ),
            pkg(
                PackageKind::Apk,
                "apk",
                "musl",
                "1.2.4-r2",
                "/lib/apk/db/installed",
            ),
        ],
        ..Inventory::default()
    };
    inv.owned_paths.insert(owned.locations[0].path.clone());
    let report = kiln_vuln::scan(&db, &inv).unwrap();
    let got: Vec<_> = report
        .findings
        .iter()
        .map(|f| {
            (
                f.id.as_str(),
                f.package.name.as_str(),
                f.package.version.as_str(),
                f.fixed.as_deref(),
                f.aliases.join(","),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            // Critical first (scored CVSS), the two PyPI records as one finding.
            (
                "CVE-2024-2",
                "requests",
                "2.30.0",
                Some("2.31.0"),
                "PYSEC-1,GHSA-aaaa-bbbb-cccc".to_owned()
            ),
            (
                "DSA-1",
                "libssl3",
                "3.0.9-1",
                Some("3.0.11-1~deb12u2"),
                "CVE-2024-1".to_owned()
            ),
        ]
    );
    assert_eq!(report.findings[0].ecosystem, "PyPI");
    assert_eq!(report.findings[1].ecosystem, "Debian:12");
    assert_eq!(
        report.packages, 3,
        "libssl3 and two requests; not the owned one"
    );
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(report.warnings[0].contains("musl"));
}
