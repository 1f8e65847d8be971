//! `kiln scan` end to end with the real advisory data in ../shared/data: a Debian 11
//! image with a vulnerable openssl, a CycloneDX SBOM with urllib3 1.26.4, VEX in three
//! formats, gates, and documents checked by validators no one here wrote (the CycloneDX
//! 1.6 schema, sarif-pydantic) and against Syft's SBOMs of the same image.

use crate::support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use kiln_test::fixture::{Compression, ImageBuilder, LayerSpec};
use support::tools::{cdxgen, cyclonedx_validate, python, syft, trivy};
use support::{advisory_db, kiln, s};

fn data(rel: &str) -> String {
    format!("{}/../../../shared/data/{rel}", env!("CARGO_MANIFEST_DIR"))
}

const STATUS: &[u8] = b"Package: libssl1.1\nStatus: install ok installed\nPriority: optional\n\
Section: libs\nInstalled-Size: 4121\nMaintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>\n\
Architecture: amd64\nMulti-Arch: same\nSource: openssl\nVersion: 1.1.1n-0+deb11u3\n\
Description: Secure Sockets Layer toolkit - shared libraries\n\n\
Package: base-files\nStatus: install ok installed\nPriority: required\nSection: admin\n\
Maintainer: Santiago Vila <sanvila@debian.org>\nArchitecture: amd64\nVersion: 11.1+deb11u5\n\
Description: Debian base system miscellaneous files\n\n";

/// A Debian 11 image with libssl1.1 1.1.1n-0+deb11u3 (source openssl), as an OCI layout.
fn debian_image(dir: &Path) -> String {
    let layer = LayerSpec::new()
        .dir("/etc")
        .file(
            "/etc/os-release",
            b"PRETTY_NAME=\"Debian GNU/Linux 11 (bullseye)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"11\"\nVERSION_CODENAME=bullseye\nID=debian\n",
            0o644,
        )
        // Trivy takes the distro from this file, not from os-release.
        .file("/etc/debian_version", b"11.6\n", 0o644)
        .dir("/var")
        .dir("/var/lib")
        .dir("/var/lib/dpkg")
        .file("/var/lib/dpkg/status", STATUS, 0o644);
    ImageBuilder::new()
        .platform("linux", "amd64")
        .layer(layer, Compression::Gzip)
        .write_layout(dir, "fixture");
    format!("oci:{}:fixture", s(dir))
}

const BOM: &str = r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[
 {"type":"operating-system","name":"debian","version":"11"},
 {"bom-ref":"my-urllib3","type":"library","name":"urllib3","version":"1.26.4","purl":"pkg:pypi/urllib3@1.26.4"}]}"#;

struct World {
    dir: tempfile::TempDir,
    db: String,
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let db = advisory_db(
            dir.path(),
            &[
                data("advisories/osv/PyPI.zip"),
                data("advisories/osv/Debian.zip"),
            ],
        );
        std::fs::write(dir.path().join("bom.json"), BOM).unwrap();
        World { dir, db }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn scan(&self, target: &str, extra: &[&str]) -> support::Run {
        let mut args = vec!["scan", "-q", "--db", &self.db, target];
        args.extend_from_slice(extra);
        kiln(&args)
    }

    fn json(&self, target: &str, extra: &[&str]) -> serde_json::Value {
        let mut args = vec!["-f", "json"];
        args.extend_from_slice(extra);
        self.scan(target, &args).json()
    }
}

/// (id, package, version, fixed, suppressed) of every finding.
fn summary(doc: &serde_json::Value) -> Vec<(String, String, String, String, bool)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_owned(),
                f["package"]["name"].as_str().unwrap().to_owned(),
                f["package"]["version"].as_str().unwrap().to_owned(),
                f["fixed"].as_str().unwrap_or("").to_owned(),
                f["suppressed"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn row(id: &str, pkg: &str, v: &str, fixed: &str) -> (String, String, String, String, bool) {
    (id.into(), pkg.into(), v.into(), fixed.into(), false)
}

#[test]
fn image_and_sbom_give_the_exact_advisories() {
    let w = World::new();
    let image = debian_image(&w.path("layout"));
    let doc = w.json(&image, &[]);
    assert_eq!(
        summary(&doc),
        [row(
            "DSA-5343-1",
            "libssl1.1",
            "1.1.1n-0+deb11u3",
            "1.1.1n-0+deb11u4"
        )]
    );
    let f = &doc["findings"][0];
    assert_eq!(f["ecosystem"], "Debian:11");
    assert!(
        f["aliases"]
            .as_array()
            .unwrap()
            .contains(&"CVE-2023-0286".into())
    );
    assert_eq!(f["package"]["locations"][0], "/var/lib/dpkg/status");
    assert_eq!(doc["schema"], "kiln.scan/v1");

    let bom = s(&w.path("bom.json"));
    let doc = w.json(&bom, &[]);
    assert_eq!(
        summary(&doc),
        [
            row("CVE-2023-43804", "urllib3", "1.26.4", "1.26.17"),
            row("CVE-2023-45803", "urllib3", "1.26.4", "1.26.18"),
            row("CVE-2021-33503", "urllib3", "1.26.4", "1.26.5"),
        ]
    );
    assert_eq!(doc["findings"][0]["rating"], "high");
    let only_fixed = w.json(&bom, &["--only-fixed"]);
    assert_eq!(only_fixed["findings"].as_array().unwrap().len(), 3);

    let table = w.scan(&bom, &[]);
    let out = table.ok();
    assert!(
        out.contains("HIGH (1)") && out.contains("* 1.26.17"),
        "{out}"
    );
}

#[test]
fn fail_on_gates_and_missing_database() {
    let w = World::new();
    let bom = s(&w.path("bom.json"));
    assert_eq!(w.scan(&bom, &["--fail-on", "critical"]).code, 0);
    let high = w.scan(&bom, &["--fail-on", "high"]);
    assert_eq!(high.code, 1, "{}", high.stderr);
    assert!(high.stderr.contains("1 vulnerability at or above high"));
    assert_eq!(w.scan(&bom, &["--fail-on", "medium"]).code, 1);
    let missing = kiln(&["scan", "--db", &s(&w.path("none.sqlite")), &bom]);
    missing.fails_with(&["none.sqlite", "kiln db import"]);
    // A version that does not parse is a warning; the other packages are still matched.
    let odd = w.path("odd.json");
    std::fs::write(
        &odd,
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[
          {"type":"library","name":"urllib3","purl":"pkg:pypi/urllib3@1.26.4"},
          {"type":"library","name":"libc6","purl":"pkg:deb/debian/libc6@x%21y?distro=debian-11"}]}"#,
    )
    .unwrap();
    let doc = w.json(&s(&odd), &[]);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 3);
    assert_eq!(
        doc["warnings"][0],
        "libc6 x!y (pkg:deb/debian/libc6@x%21y?distro=debian-11): the version does not parse as a Debian version; not matched"
    );
    let bad = w.path("bad.json");
    std::fs::write(&bad, "{\"hello\": 1}").unwrap();
    w.scan(&s(&bad), &[])
        .fails_with(&["bad.json", "not an SBOM"]);
}

const OPENVEX: &str = r#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"urn:t","author":"t","timestamp":"2024-01-01T00:00:00Z","version":1,
 "statements":[{"vulnerability":{"name":"PYSEC-2023-192"},"products":[{"@id":"pkg:oci/app","subcomponents":[{"@id":"pkg:pypi/urllib3"}]}],
   "status":"not_affected","justification":"vulnerable_code_not_in_execute_path"}]}"#;

const CDX_VEX: &str = r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,
 "components":[{"bom-ref":"u","type":"library","name":"urllib3","purl":"pkg:pypi/urllib3@1.26.4"}],
 "vulnerabilities":[{"id":"GHSA-v845-jxx5-vc9f","analysis":{"state":"resolved","detail":"backported"},"affects":[{"ref":"u"}]}]}"#;

const CSAF: &str = r#"{"document":{"csaf_version":"2.0","category":"csaf_vex","tracking":{"current_release_date":"2024-01-01T00:00:00Z"}},
 "product_tree":{"full_product_names":[{"product_id":"P1","name":"urllib3","product_identification_helper":{"purl":"pkg:pypi/urllib3@1.26.4"}}]},
 "vulnerabilities":[{"cve":"CVE-2023-43804","product_status":{"known_not_affected":["P1"]},
   "flags":[{"label":"vulnerable_code_not_present","product_ids":["P1"]}]}]}"#;

#[test]
fn vex_in_three_formats_suppresses_by_id_or_alias() {
    let w = World::new();
    let bom = s(&w.path("bom.json"));
    for (name, text, status) in [
        ("o.json", OPENVEX, "not_affected"),
        ("c.json", CDX_VEX, "fixed"),
        ("s.json", CSAF, "not_affected"),
    ] {
        let file = w.path(name);
        std::fs::write(&file, text).unwrap();
        let file = s(&file);
        let hidden = w.json(&bom, &["--vex", &file]);
        let ids: Vec<_> = summary(&hidden).into_iter().map(|r| r.0).collect();
        assert_eq!(ids, ["CVE-2023-45803", "CVE-2021-33503"], "{name}");
        let shown = w.json(&bom, &["--vex", &file, "--show-suppressed"]);
        let f = &shown["findings"][0];
        assert_eq!(
            (f["id"].as_str(), f["suppressed"].as_bool()),
            (Some("CVE-2023-43804"), Some(true)),
            "{name}"
        );
        assert_eq!(f["vex"]["status"], status, "{name}");
        // The high finding is suppressed: the high gate passes.
        assert_eq!(
            w.scan(&bom, &["--vex", &file, "--fail-on", "high"]).code,
            0,
            "{name}"
        );
    }
    let bad = w.path("bad-vex.json");
    std::fs::write(&bad, "{}").unwrap();
    w.scan(&bom, &["--vex", &s(&bad)])
        .fails_with(&["bad-vex.json"]);
}

const SARIF_VALIDATE: &str = r#"
import json, sys
from sarif_pydantic import Sarif
log = Sarif.model_validate(json.load(open(sys.argv[1])))
print(len(log.runs[0].results))
"#;

#[test]
fn documents_pass_validators() {
    let w = World::new();
    let bom = s(&w.path("bom.json"));
    let cdx = w.path("out.cdx.json");
    w.scan(&bom, &["-f", "cyclonedx", "-o", &s(&cdx)]).ok();
    let (ok, text) = cyclonedx_validate(&cdx);
    assert!(ok, "CycloneDX schema rejected kiln's report: {text}");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&cdx).unwrap()).unwrap();
    let vulns = doc["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 3);
    for v in vulns {
        assert_eq!(
            v["affects"][0]["ref"], "my-urllib3",
            "the input's own bom-ref"
        );
    }
    let v = vulns.iter().find(|v| v["id"] == "CVE-2023-43804").unwrap();
    let refs: BTreeSet<&str> = v["references"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        refs,
        BTreeSet::from(["GHSA-v845-jxx5-vc9f", "PYSEC-2023-192"])
    );

    let sarif = w.path("out.sarif");
    w.scan(&bom, &["-f", "sarif", "-o", &s(&sarif)]).ok();
    let (ok, text) = python(SARIF_VALIDATE, &[&sarif]);
    assert!(ok && text.trim() == "3", "sarif-pydantic: {text}");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    assert_eq!(doc["version"], "2.1.0");
    let levels: Vec<&str> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["error", "warning", "note"]);

    let vex = w.scan(&bom, &["-f", "openvex"]).json();
    assert_eq!(vex["@context"], "https://openvex.dev/ns/v0.2.0");
    assert_eq!(vex["statements"].as_array().unwrap().len(), 3);
    assert_eq!(vex["statements"][0]["status"], "affected");
    // kiln reads its own OpenVEX back.
    let file = w.path("own.openvex.json");
    std::fs::write(&file, vex.to_string()).unwrap();
    let again = w.json(&bom, &["--vex", &s(&file)]);
    assert_eq!(
        summary(&again).len(),
        3,
        "affected statements only annotate"
    );
    assert_eq!(again["findings"][0]["vex"]["status"], "affected");
}

#[test]
fn triage_file_becomes_openvex_that_suppresses() {
    let w = World::new();
    let triage = w.path("triage.yaml");
    std::fs::write(
        &triage,
        "- vulnerability: CVE-2021-33503\n  products: [\"pkg:pypi/urllib3@1.26.4\"]\n  status: not_affected\n  justification: vulnerable_code_not_in_execute_path\n",
    )
    .unwrap();
    let out = kiln(&["vex", &s(&triage)]).json();
    let file = w.path("t.openvex.json");
    std::fs::write(&file, out.to_string()).unwrap();
    let doc = w.json(&s(&w.path("bom.json")), &["--vex", &s(&file)]);
    let ids: Vec<_> = summary(&doc).into_iter().map(|r| r.0).collect();
    assert_eq!(ids, ["CVE-2023-43804", "CVE-2023-45803"]);
    std::fs::write(
        &triage,
        "- vulnerability: X\n  products: []\n  status: fixed\n",
    )
    .unwrap();
    kiln(&["vex", &s(&triage)]).fails_with(&["triage.yaml", "no product"]);
}

#[test]
fn syft_sboms_of_the_image_give_the_same_findings() {
    let w = World::new();
    let layout = w.path("layout");
    let image = debian_image(&layout);
    let direct = summary(&w.json(&image, &[]));
    assert_eq!(direct.len(), 1);
    for format in ["cyclonedx-json", "spdx-json"] {
        let file = w.path(&format!("syft.{format}"));
        std::fs::write(&file, syft(&layout, format)).unwrap();
        assert_eq!(summary(&w.json(&s(&file), &[])), direct, "{format}");
    }
}

#[test]
fn trivy_sboms_of_the_image_give_the_same_findings() {
    let w = World::new();
    let layout = w.path("layout");
    let image = debian_image(&layout);
    let direct = summary(&w.json(&image, &[]));
    assert_eq!(direct.len(), 1);
    let cache = w.path("trivy-cache");
    for format in ["cyclonedx", "spdx-json"] {
        let file = w.path(&format!("trivy.{format}"));
        std::fs::write(&file, trivy(&layout, &cache, format)).unwrap();
        assert_eq!(summary(&w.json(&s(&file), &[])), direct, "{format}");
    }
}

/// A Node project as it is checked in: its manifest and its npm lock file.
fn npm_project(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("package.json"),
        r#"{"name":"shop","version":"1.0.0","private":true,"dependencies":{"lodash":"^4.17.15","minimist":"1.2.0"}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("package-lock.json"),
        r#"{"name":"shop","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{
"":{"name":"shop","version":"1.0.0","dependencies":{"lodash":"^4.17.15","minimist":"1.2.0"}},
"node_modules/lodash":{"version":"4.17.15","license":"MIT"},
"node_modules/minimist":{"version":"1.2.0","license":"MIT"}}}"#,
    )
    .unwrap();
}

#[test]
fn cdxgen_sboms_of_a_project_give_the_findings_of_the_project() {
    let dir = tempfile::tempdir().unwrap();
    let db = advisory_db(dir.path(), &[data("advisories/osv/npm.zip")]);
    let project = dir.path().join("shop");
    npm_project(&project);
    let findings = |target: &str| {
        let doc = kiln(&["scan", "-q", "--db", &db, "-f", "json", target]).json();
        summary(&doc)
    };
    let direct = findings(&format!("dir:{}", s(&project)));
    assert!(
        direct
            .iter()
            .any(|f| f.0 == "x_NSWG-ECO-516" && f.1 == "lodash"),
        "{direct:?}"
    );
    // cdxgen 9 (the last to run on Debian bookworm's Node 18) writes up to 1.5; Syft's
    // and Trivy's 1.6 are read in the tests above.
    for spec in ["1.4", "1.5"] {
        let bom = dir.path().join(format!("shop-{spec}.cdx.json"));
        cdxgen(&project, spec, &bom);
        assert_eq!(findings(&s(&bom)), direct, "CycloneDX {spec}");
    }
}

#[test]
fn known_vulnerable_language_packages() {
    let dir = tempfile::tempdir().unwrap();
    let db = advisory_db(
        dir.path(),
        &[
            data("advisories/osv/PyPI.zip"),
            data("advisories/osv/npm.zip"),
        ],
    );
    let bom = dir.path().join("app.cdx.json");
    std::fs::write(
        &bom,
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[
         {"type":"library","name":"urllib3","purl":"pkg:pypi/urllib3@1.26.4"},
         {"type":"library","name":"jinja2","purl":"pkg:pypi/Jinja2@2.11.2"},
         {"type":"library","name":"lodash","purl":"pkg:npm/lodash@4.17.15"},
         {"type":"library","name":"minimist","purl":"pkg:npm/minimist@1.2.0"}]}"#,
    )
    .unwrap();
    let doc = kiln(&["scan", "-q", "--db", &db, "-f", "json", &s(&bom)]).json();
    let got: BTreeSet<(String, String, String)> =
        summary(&doc).into_iter().map(|r| (r.0, r.1, r.3)).collect();
    let want: BTreeSet<(String, String, String)> = [
        ("CVE-2023-43804", "urllib3", "1.26.17"),
        ("CVE-2023-45803", "urllib3", "1.26.18"),
        ("CVE-2021-33503", "urllib3", "1.26.5"),
        ("CVE-2020-28493", "jinja2", "2.11.3"),
        // The Node.js security WG data (frozen mid-2020) has lodash's prototype
        // pollution but no minimist record.
        ("x_NSWG-ECO-516", "lodash", "4.17.19"),
    ]
    .into_iter()
    .map(|(a, b, c)| (a.into(), b.into(), c.into()))
    .collect();
    assert_eq!(got, want);
}

#[test]
fn a_ruby_interpreter_in_a_syft_sbom_matches_interpreter_advisories() {
    let dir = tempfile::tempdir().unwrap();
    let db = advisory_db(dir.path(), &[data("advisories/rubysec.zip")]);
    // Syft names an interpreter found by its binary with a generic purl.
    let bom = dir.path().join("ruby.cdx.json");
    std::fs::write(
        &bom,
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[
         {"type":"application","name":"ruby","version":"2.7.3p183","purl":"pkg:generic/ruby@2.7.3p183"},
         {"type":"application","name":"ruby","version":"2.7.4","purl":"pkg:generic/ruby@2.7.4"}]}"#,
    )
    .unwrap();
    let doc = kiln(&["scan", "-q", "--db", &db, "-f", "json", &s(&bom)]).json();
    // The advisory's id or one of its aliases is CVE-2021-31810 (Net::FTP PASV).
    let ftp = |version: &str| -> Vec<String> {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| {
                f["package"]["version"] == version && f.to_string().contains("CVE-2021-31810")
            })
            .map(|f| f["fixed"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    assert_eq!(ftp("2.7.3p183"), ["2.7.4"], "{doc}");
    assert!(ftp("2.7.4").is_empty(), "{doc}");
}
