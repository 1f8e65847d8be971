//! VEX reading and matching on small hand-written documents.

use super::*;
use crate::scan::FoundPackage;
use kiln_types::PackageKind;

fn finding(id: &str, aliases: &[&str], purl: &str) -> Finding {
    Finding {
        package: FoundPackage {
            name: "urllib3".into(),
            version: "1.26.4".into(),
            kind: PackageKind::Python,
            purl: purl.into(),
            locations: vec![],
            id: "0".into(),
        },
        id: id.into(),
        aliases: aliases.iter().map(|s| (*s).to_owned()).collect(),
        ecosystem: "PyPI".into(),
        severity: None,
        rating: None,
        fixed: None,
        status: None,
        matched: vec![],
        sources: vec![],
        summary: None,
        evidence: vec![],
        vex: None,
        suppressed: false,
    }
}

fn report(f: Vec<Finding>) -> ScanReport {
    ScanReport {
        distro: None,
        packages: 1,
        findings: f,
        warnings: vec![],
    }
}

const OPENVEX: &str = r#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"x","author":"a","timestamp":"2024-01-01T00:00:00Z","version":1,
 "statements":[
  {"vulnerability":{"name":"CVE-1"},"products":[{"@id":"pkg:oci/app","subcomponents":[{"@id":"pkg:pypi/urllib3@1.26.4"}]}],"status":"affected","timestamp":"2024-01-01T00:00:00Z"},
  {"vulnerability":{"name":"CVE-1"},"products":[{"@id":"pkg:oci/app","subcomponents":[{"@id":"pkg:pypi/urllib3"}]}],"status":"not_affected","justification":"vulnerable_code_not_present","timestamp":"2024-02-01T00:00:00Z"},
  {"vulnerability":{"name":"CVE-1"},"products":[{"@id":"pkg:pypi/urllib3@1.26.4"}],"status":"under_investigation","timestamp":"2023-01-01T00:00:00Z"}
 ]}"#;

#[test]
fn openvex_newest_statement_wins_and_matches_by_alias() {
    let doc = VexDocument::parse("v.json", OPENVEX.as_bytes()).unwrap();
    assert_eq!(doc.format, "openvex");
    assert_eq!(doc.statements.len(), 3);
    let mut r = report(vec![
        finding("PYSEC-1", &["CVE-1"], "pkg:pypi/urllib3@1.26.4"),
        finding("PYSEC-1", &["CVE-1"], "pkg:pypi/urllib3@1.26.5"),
        finding("PYSEC-2", &["CVE-2"], "pkg:pypi/urllib3@1.26.4"),
    ]);
    apply(&mut r, &[doc]);
    let a = r.findings[0].vex.as_ref().unwrap();
    assert!(r.findings[0].suppressed);
    assert_eq!(a.status, VexStatus::NotAffected);
    assert_eq!(
        a.justification.as_deref(),
        Some("vulnerable_code_not_present")
    );
    // Versionless VEX purl matches any version.
    assert!(r.findings[1].suppressed);
    assert!(r.findings[2].vex.is_none() && !r.findings[2].suppressed);
}

#[test]
fn purl_matching_rules() {
    let p = |s: &str| purl(s).unwrap();
    let pkg = p("pkg:deb/debian/libssl1.1@1.1.1n?arch=amd64&distro=debian-11");
    assert!(purl_matches(&p("pkg:deb/debian/libssl1.1"), &pkg));
    assert!(purl_matches(&p("pkg:deb/debian/libssl1.1@1.1.1n"), &pkg));
    assert!(purl_matches(
        &p("pkg:deb/debian/libssl1.1@1.1.1n?arch=amd64"),
        &pkg
    ));
    assert!(!purl_matches(
        &p("pkg:deb/debian/libssl1.1@1.1.1n?arch=arm64"),
        &pkg
    ));
    assert!(!purl_matches(&p("pkg:deb/debian/libssl1.1@1.1.1k"), &pkg));
    assert!(!purl_matches(&p("pkg:deb/ubuntu/libssl1.1"), &pkg));
    assert!(purl_matches(
        &p("pkg:pypi/Foo_Bar@1"),
        &p("pkg:pypi/foo-bar@1")
    ));
}

#[test]
fn cyclonedx_states_and_refs() {
    let doc = r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,
      "components":[{"bom-ref":"c1","type":"library","name":"urllib3","purl":"pkg:pypi/urllib3@1.26.4",
        "components":[{"bom-ref":"c2","type":"library","name":"x","purl":"pkg:pypi/x@1"}]}],
      "vulnerabilities":[
        {"id":"CVE-1","analysis":{"state":"false_positive"},"affects":[{"ref":"c1"}]},
        {"id":"GHSA-2","references":[{"id":"CVE-2"}],"analysis":{"state":"resolved","detail":"patched"},"affects":[{"ref":"c2"},{"ref":"pkg:npm/y@1"}]},
        {"id":"CVE-3","analysis":{"state":"exploitable"},"affects":[{"ref":"c1"}]},
        {"id":"CVE-4","analysis":{"state":"in_triage"},"affects":[{"ref":"c1"}]},
        {"id":"CVE-5","affects":[{"ref":"c1"}]}
      ]}"#;
    let d = VexDocument::parse("c.json", doc.as_bytes()).unwrap();
    let got: Vec<_> = d
        .statements
        .iter()
        .map(|s| (s.vulnerability.as_str(), s.status, s.products.len()))
        .collect();
    assert_eq!(
        got,
        [
            ("CVE-1", VexStatus::NotAffected, 1),
            ("GHSA-2", VexStatus::Fixed, 2),
            ("CVE-3", VexStatus::Affected, 1),
            ("CVE-4", VexStatus::UnderInvestigation, 1),
        ]
    );
    assert_eq!(d.statements[1].aliases, ["CVE-2"]);
    assert_eq!(d.statements[1].products[0].to_string(), "pkg:pypi/x@1");
}

#[test]
fn csaf_product_tree_and_relationships() {
    let doc = r#"{"document":{"csaf_version":"2.0","category":"csaf_vex","tracking":{"current_release_date":"2024-01-01T00:00:00Z"}},
      "product_tree":{"branches":[{"category":"vendor","name":"v","branches":[{"category":"product_version","name":"1.26.4",
          "product":{"product_id":"U","name":"urllib3 1.26.4","product_identification_helper":{"purl":"pkg:pypi/urllib3@1.26.4"}}}]}],
        "full_product_names":[{"product_id":"IMG","name":"image"}],
        "relationships":[{"category":"default_component_of","product_reference":"U","relates_to_product_reference":"IMG",
          "full_product_name":{"product_id":"IMG:U","name":"urllib3 in image"}}]},
      "vulnerabilities":[{"cve":"CVE-1","ids":[{"system_name":"PYSEC","text":"PYSEC-1"}],
        "product_status":{"known_not_affected":["IMG:U"],"under_investigation":["NOPE"]},
        "flags":[{"label":"vulnerable_code_not_in_execute_path","product_ids":["IMG:U"]}],
        "threats":[{"category":"impact","details":"not reachable","product_ids":["IMG:U"]}]}]}"#;
    let d = VexDocument::parse("csaf.json", doc.as_bytes()).unwrap();
    assert_eq!(d.format, "csaf");
    assert_eq!(d.statements.len(), 1);
    let s = &d.statements[0];
    assert_eq!(
        (
            s.vulnerability.as_str(),
            s.aliases.as_slice(),
            s.status,
            s.justification.as_deref(),
            s.statement.as_deref()
        ),
        (
            "CVE-1",
            &["PYSEC-1".to_owned()][..],
            VexStatus::NotAffected,
            Some("vulnerable_code_not_in_execute_path"),
            Some("not reachable")
        )
    );
    let mut r = report(vec![finding("PYSEC-1", &[], "pkg:pypi/urllib3@1.26.4")]);
    apply(&mut r, &[d]);
    assert!(r.findings[0].suppressed, "matched through the CSAF alias");
}

#[test]
fn unknown_documents_are_errors_naming_the_file() {
    for bad in [
        "nope",
        "{}",
        r#"{"@context":"https://openvex.dev/ns/v0.2.0"}"#,
        r#"{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":{"name":"C"},"status":"maybe"}]}"#,
    ] {
        let e = VexDocument::parse("bad.json", bad.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("bad.json"), "{e}");
    }
}

#[test]
fn triage_is_checked_and_written() {
    let ok = b"- vulnerability: CVE-1\n  products: [\"pkg:pypi/urllib3@1.26.4\"]\n  status: not_affected\n  justification: vulnerable_code_not_present\n";
    let t = write::read_triage("t.yaml", ok).unwrap();
    let doc = write::openvex(&t, "urn:x", "me", "2024-01-01T00:00:00Z");
    let back = VexDocument::parse("w.json", doc.to_string().as_bytes()).unwrap();
    assert_eq!(back.statements[0].status, VexStatus::NotAffected);
    let missing =
        b"- vulnerability: CVE-1\n  products: [\"pkg:pypi/a@1\"]\n  status: not_affected\n";
    assert!(
        write::read_triage("t.yaml", missing)
            .unwrap_err()
            .to_string()
            .contains("needs a justification")
    );
    let badj = b"- vulnerability: CVE-1\n  products: [\"pkg:pypi/a@1\"]\n  status: not_affected\n  justification: because\n";
    assert!(write::read_triage("t.yaml", badj).is_err());
}

proptest::proptest! {
    #[test]
    fn parse_never_panics(s in "\\PC{0,400}") {
        let _ = VexDocument::parse("p.json", s.as_bytes());
        let _ = write::read_triage("p.yaml", s.as_bytes());
    }
}
