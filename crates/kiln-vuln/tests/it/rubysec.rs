//! rubysec (ruby-advisory-db) imported from the real archive in ../shared/data and
//! matched as RubyGems: patched and unaffected requirements turned into ranges.

use crate::support;

use kiln_types::{Inventory, Package, PackageKind, Purl};
use kiln_vuln::{Rating, import, scan};
use support::{by_record, data, database, query, records};

#[test]
fn rubysec_archive_imports_whole() {
    let source = import::read_source(&data().join("advisories/rubysec.zip")).unwrap();
    // 1,234 gem files hold 1,174 distinct ids (one CVE can name several gems);
    // the 147 interpreter advisories add 132 more ids (the rest share an id
    // with a gem or another engine); the licence is read but not stored.
    assert_eq!(source.advisories.len(), 1306);
    assert_eq!(source.skipped, 0, "{:?}", source.warnings);
    assert_eq!(source.ignored, 1);
    let multi = source
        .advisories
        .iter()
        .filter(|a| a.affected.len() > 1)
        .count();
    assert!(multi > 0, "records shared by several gems keep every gem");
}

#[test]
fn rubygems_versions_against_rubysec() {
    let (_dir, db) = database(&["advisories/rubysec.zip"]);
    // rack CVE-2024-26141: unaffected < 1.3.0; patched ~> 2.2.8, >= 2.2.8.1 and >= 3.0.9.1.
    let hit = |v: &str| {
        records(&query(&db, "RubyGems", "rack", v)).contains(&"CVE-2024-26141".to_owned())
    };
    for (v, affected) in [
        ("1.2.9", false),
        ("1.3.0", true),
        ("2.2.8", true),
        ("2.2.8.1", false),
        ("2.2.9", false),
        ("3.0.0", true),
        ("3.0.9", true),
        ("3.0.9.1", false),
        ("3.1.0", false),
    ] {
        assert_eq!(hit(v), affected, "rack {v}");
    }
    let m = query(&db, "RubyGems", "rack", "3.0.0");
    let f = by_record(&m, "CVE-2024-26141");
    assert_eq!(f.fixed.as_deref(), Some("3.0.9.1"));
    assert_eq!(f.aliases, ["GHSA-xj5v-6v4g-jfw6"]);

    // nokogiri CVE-2022-23476: unaffected <= 1.13.7, patched >= 1.13.10: the range
    // starts just above 1.13.7, which itself stays unaffected.
    let hit = |v: &str| {
        records(&query(&db, "RubyGems", "nokogiri", v)).contains(&"CVE-2022-23476".to_owned())
    };
    assert!(!hit("1.13.7"));
    assert!(hit("1.13.8"));
    assert!(hit("1.13.9"));
    assert!(!hit("1.13.10"));
    // Severity from the stated CVSS v3 score (7.5).
    let m = query(&db, "RubyGems", "nokogiri", "1.13.3");
    let s = by_record(&m, "CVE-2022-24836").severity.clone().unwrap();
    assert_eq!((s.score, s.rating), (Some(7.5), Some(Rating::High)));
    // Names are exact: another ecosystem's package of the same name is not matched.
    assert!(query(&db, "PyPI", "rack", "1.3.0").is_empty());
}

/// Interpreter advisories (`rubies/`) are stored under kiln's `Ruby`
/// ecosystem by engine, and a scan finds them for a Ruby interpreter named
/// as Syft names one found by its binary (`pkg:generic/ruby@…`).
#[test]
fn ruby_interpreter_advisories_match_by_engine() {
    let (_dir, db) = database(&["advisories/rubysec.zip"]);
    // CVE-2021-31810 (Net::FTP PASV): patched ~> 2.6.8, ~> 2.7.4, >= 3.0.2.
    let hit =
        |v: &str| records(&query(&db, "Ruby", "ruby", v)).contains(&"CVE-2021-31810".to_owned());
    for (v, affected) in [
        ("2.6.7", true),
        ("2.6.8", false),
        ("2.7.3", true),
        ("2.7.4", false),
        ("3.0.1", true),
        ("3.0.2", false),
    ] {
        assert_eq!(hit(v), affected, "ruby {v}");
    }
    // jruby CVE-2019-16254: patched >= 9.2.12.0.
    let jruby =
        |v: &str| records(&query(&db, "Ruby", "jruby", v)).contains(&"CVE-2019-16254".to_owned());
    assert!(jruby("9.2.11.1"));
    assert!(!jruby("9.2.12.0"));
    // Not a gem: the RubyGems ecosystem does not hold interpreters.
    assert!(query(&db, "RubyGems", "ruby", "2.7.3").is_empty());

    let interpreter = |version: &str| {
        let purl = Purl::new("generic", "ruby").unwrap().with_version(version);
        Package::new(PackageKind::Binary, "ruby", version, purl)
    };
    let scan_of = |version: &str| {
        let inventory = Inventory {
            packages: vec![interpreter(version)],
            ..Inventory::default()
        };
        scan::scan(&db, &inventory).unwrap()
    };
    // `ruby -v` style patch level: 2.7.3p183 is release 2.7.3.
    let vulnerable = scan_of("2.7.3p183");
    assert_eq!(vulnerable.packages, 1, "{:?}", vulnerable.warnings);
    let f = vulnerable
        .findings
        .iter()
        .find(|f| f.ids().any(|i| i == "CVE-2021-31810"))
        .expect("CVE-2021-31810 found for ruby 2.7.3p183");
    assert_eq!(f.package.purl, "pkg:generic/ruby@2.7.3p183");
    assert_eq!(f.fixed.as_deref(), Some("2.7.4"));
    let fixed = scan_of("2.7.4");
    assert!(
        fixed
            .findings
            .iter()
            .all(|f| f.ids().all(|i| i != "CVE-2021-31810"))
    );
}
