//! Matching real advisories from the shared data: ids and fixed versions
//! below were read from the data files themselves.

use crate::support;

use kiln_version::Ecosystem;
use kiln_vuln::{PackageQuery, Rating, Reason, SeverityKind, SourcePackage, Status};
use support::{by_record, database, query, records};

#[test]
fn pypi_urllib3_jinja2_django() {
    let (_dir, db) = database(&["advisories/osv/PyPI.zip"]);
    let m = query(&db, "PyPI", "urllib3", "1.26.4");
    assert_eq!(
        records(&m),
        ["PYSEC-2021-108", "PYSEC-2023-192", "PYSEC-2023-212"]
    );
    let redirect = by_record(&m, "PYSEC-2023-212");
    assert_eq!(redirect.id, "CVE-2023-45803");
    assert!(redirect.aliases.contains(&"GHSA-g4mx-q9vg-27p4".to_owned()));
    assert_eq!(redirect.fixed.as_deref(), Some("1.26.18"));
    let sev = redirect.severity.as_ref().unwrap();
    assert_eq!(
        (sev.kind, sev.score, sev.rating),
        (SeverityKind::CvssV3, Some(4.2), Some(Rating::Medium))
    );
    assert_eq!(
        by_record(&m, "PYSEC-2021-108").fixed.as_deref(),
        Some("1.26.5")
    );
    assert_eq!(
        by_record(&m, "PYSEC-2023-192").fixed.as_deref(),
        Some("1.26.17")
    );
    // The fixed release is clean of that record, and the 2.x line has its own fix.
    assert!(
        !records(&query(&db, "PyPI", "urllib3", "1.26.18")).contains(&"PYSEC-2023-212".to_owned())
    );
    let two = query(&db, "PyPI", "urllib3", "2.0.6");
    assert_eq!(
        by_record(&two, "PYSEC-2023-212").fixed.as_deref(),
        Some("2.0.7")
    );

    // Names are PEP 503 normalised: Jinja2 finds jinja2.
    let j = query(&db, "PyPI", "Jinja2", "2.11.2");
    assert_eq!(records(&j), ["PYSEC-2021-66"]);
    assert_eq!(j[0].fixed.as_deref(), Some("2.11.3"));
    assert!(
        query(&db, "PyPI", "jinja2", "2.11.3")
            .iter()
            .all(|m| m.evidence.iter().all(|e| e.record != "PYSEC-2021-66"))
    );

    let d = query(&db, "PyPI", "django", "3.2.4");
    assert_eq!(records(&d).len(), 21, "{:?}", records(&d));
    assert_eq!(
        by_record(&d, "PYSEC-2021-109").fixed.as_deref(),
        Some("3.2.5")
    );
    assert_eq!(
        by_record(&d, "PYSEC-2024-47").fixed.as_deref(),
        Some("3.2.25")
    );
}

#[test]
fn rustsec_semver_ranges() {
    let (_dir, db) = database(&["advisories/osv/crates.io.zip"]);
    let m = query(&db, "crates.io", "smallvec", "0.6.9");
    assert_eq!(
        records(&m),
        [
            "RUSTSEC-2018-0018",
            "RUSTSEC-2019-0009",
            "RUSTSEC-2019-0012",
            "RUSTSEC-2021-0003"
        ]
    );
    assert_eq!(
        by_record(&m, "RUSTSEC-2021-0003").fixed.as_deref(),
        Some("0.6.14")
    );
    assert_eq!(
        by_record(&m, "RUSTSEC-2019-0009").fixed.as_deref(),
        Some("0.6.10")
    );
    // time: many one-version intervals.
    let t =
        |v| records(&query(&db, "crates.io", "time", v)).contains(&"RUSTSEC-2020-0071".to_owned());
    assert!(t("0.1.0") && t("0.2.22") && t("0.2.7"));
    assert!(!t("0.2.0") && !t("0.2.23") && !t("0.2.1"));
    let v4 = query(&db, "crates.io", "time", "0.3.10");
    let sev = by_record(&v4, "RUSTSEC-2026-0009")
        .severity
        .clone()
        .unwrap();
    // Scored from its CVSS v4 vector (the PyPI `cvss` library agrees: 6.8).
    assert_eq!(
        (sev.kind, sev.score, sev.rating),
        (
            SeverityKind::CvssV4,
            Some(6.8),
            Some(kiln_vuln::Rating::Medium)
        )
    );
}

#[test]
fn go_module() {
    let (_dir, db) = database(&["advisories/osv/Go.zip"]);
    let m = query(&db, "Go", "github.com/gin-gonic/gin", "v1.5.0");
    let g = by_record(&m, "GO-2020-0001");
    assert_eq!(g.fixed.as_deref(), Some("1.6.0"));
    assert!(g.aliases.contains(&"GHSA-6vm3-jj99-7229".to_owned()));
    assert_eq!(
        g.evidence[0].reason,
        Reason::Range("SEMVER introduced 0, fixed 1.6.0".into())
    );
    assert!(
        !records(&query(&db, "Go", "github.com/gin-gonic/gin", "1.6.0"))
            .contains(&"GO-2020-0001".to_owned())
    );
}

#[test]
fn debian_dsa_by_source_package_and_release() {
    let (_dir, db) = database(&[
        "advisories/debian-tracker/DSA.list",
        "advisories/osv/Debian.zip",
    ]);
    let q = |release, version| {
        db.query(&PackageQuery {
            ecosystem: Ecosystem::Debian,
            release: Some(release),
            name: "libssl1.1",
            version,
            source: Some(SourcePackage {
                name: "openssl",
                version,
            }),
        })
        .unwrap()
    };
    let bullseye = q("bullseye", "1.1.1k-1");
    let m = by_record(&bullseye, "DSA-4963-1");
    assert_eq!(m.package, "libssl1.1");
    assert_eq!(m.ecosystem, "Debian:11");
    assert_eq!(m.fixed.as_deref(), Some("1.1.1k-1+deb11u1"));
    assert_eq!(m.status.as_ref().unwrap().status, Status::Fixed);
    assert!(m.aliases.contains(&"CVE-2021-3711".to_owned()));
    // The same DSA from the list and from the OSV zip is one finding with two records.
    let sources: Vec<&str> = m.evidence.iter().map(|e| e.source.as_str()).collect();
    assert_eq!(sources.len(), 2, "{sources:?}");
    assert_eq!(bullseye.iter().filter(|x| x.id == "DSA-4963-1").count(), 1);

    let buster = q("10", "1.1.1d-0+deb10u6");
    assert_eq!(
        by_record(&buster, "DSA-4963-1").fixed.as_deref(),
        Some("1.1.1d-0+deb10u7")
    );
    assert!(
        buster.iter().all(|x| x.id != "DSA-4855-1"),
        "fixed in deb10u5"
    );
    // Debian 12 is not Debian 11: the lists predate bookworm.
    assert!(q("12", "1.1.1k-1").is_empty());
    // A release-less query does not match release-scoped records.
    assert!(query(&db, "Debian", "openssl", "1.1.1k-1").is_empty());
}

#[test]
fn debian_tracker_statuses_for_bookworm() {
    let (_dir, db) = database(&["samples/debian-fixtures.zip"]);
    let m = query(&db, "Debian:12", "apparmor", "3.0.8-3");
    // CVE-2014-1424 is resolved with fixed_version 0 (not affected); CVE-2017-6507 fixed in 2.11.0-3.
    assert_eq!(records(&m), ["CVE-2016-1585"]);
    let st = m[0].status.as_ref().unwrap();
    assert_eq!(
        (st.status, st.urgency.as_deref()),
        (Status::Unfixed, Some("unimportant"))
    );
    assert_eq!(m[0].fixed, None);
    // sope: fixed per release, each release its own version.
    let b12 = query(&db, "Debian:12", "sope", "5.8.0-1");
    assert_eq!(
        by_record(&b12, "CVE-2025-53603").fixed.as_deref(),
        Some("5.8.0-1+deb12u1")
    );
    assert!(query(&db, "Debian:11", "sope", "5.0.1-2+deb11u1").is_empty());
    // In bookworm the bullseye fix is not enough; the fixture's DSA list names the
    // same CVE, so tracker record and DSA are one finding.
    let cross = query(&db, "Debian:12", "sope", "5.0.1-2+deb11u1");
    assert_eq!(records(&cross), ["CVE-2025-53603", "DSA-5970-1"]);
    assert_eq!(cross.len(), 1, "{cross:#?}");
    assert_eq!(cross[0].id, "DSA-5970-1");
}

#[test]
fn alpine_secdb() {
    let (_dir, db) = database(&["advisories/alpine-secdb.zip"]);
    let m = query(&db, "Alpine:v3.11", "openssl", "1.1.1d-r2");
    assert_eq!(
        by_record(&m, "CVE-2019-1551").fixed.as_deref(),
        Some("1.1.1d-r3")
    );
    assert!(
        !records(&query(&db, "Alpine:v3.11", "openssl", "1.1.1d-r3"))
            .contains(&"CVE-2019-1551".to_owned())
    );
    // The release is normalised: 3.11.6 is v3.11.
    let (eco, _) = Ecosystem::parse_with_release("Alpine").unwrap();
    let again = db
        .query(&PackageQuery {
            ecosystem: eco,
            release: Some("3.11.6"),
            name: "openssl",
            version: "1.1.1d-r2",
            source: None,
        })
        .unwrap();
    assert_eq!(records(&again), records(&m));
}

#[test]
fn status_counts_sources() {
    let (_dir, db) = database(&[
        "advisories/osv/crates.io.zip",
        "advisories/debian-tracker/DSA.list",
    ]);
    let s = db.sources().unwrap();
    let names: Vec<(&str, u64, u64)> = s
        .iter()
        .map(|s| (s.name.as_str(), s.records, s.withdrawn))
        .collect();
    // 1,206 RUSTSEC records of which 13 are withdrawn; 5,406 DSAs.
    assert_eq!(names, [("DSA.list", 5406, 0), ("crates.io.zip", 1193, 13)]);
    assert_eq!(s[0].newest.as_deref(), Some("2023-03-29T00:00:00Z"));
}
