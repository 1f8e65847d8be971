//! rubysec (ruby-advisory-db) imported from the real archive in ../shared/data and
//! matched as RubyGems: patched and unaffected requirements turned into ranges.

mod support;

use kiln_vuln::{Rating, import};
use support::{by_record, data, database, query, records};

#[test]
fn rubysec_archive_imports_whole() {
    let source = import::read_source(&data().join("advisories/rubysec.zip")).unwrap();
    // 1,234 gem files hold 1,174 distinct ids (one CVE can name several gems);
    // the 147 interpreter advisories and the licence are read but not stored.
    assert_eq!(source.advisories.len(), 1174);
    assert_eq!(source.skipped, 0, "{:?}", source.warnings);
    assert_eq!(source.ignored, 148);
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
