//! `kiln scan REF --vex-attestations --key PUB`: OpenVEX attestations of an image in a
//! real registry (Debian's `docker-registry` on loopback), made by `kiln attest --type
//! openvex`, verified like `kiln verify` and applied like `--vex` files.

use crate::support;

use std::path::Path;

use kiln_test::fixture::{Compression, ImageBuilder, LayerSpec};
use kiln_test::registry::TestRegistry;
use support::{Run, s};

fn kiln_in(dir: &Path, args: &[&str]) -> Run {
    support::kiln_at(dir, "correct horse", args)
}

const STATUS: &[u8] = b"Package: libssl1.1\nStatus: install ok installed\nPriority: optional\n\
Section: libs\nInstalled-Size: 4121\nMaintainer: Debian OpenSSL Team <team@example.org>\n\
Architecture: amd64\nSource: openssl\nVersion: 1.1.1n-0+deb11u3\nDescription: ssl\n\n";

const RECORD: &str = r#"{"id":"DSA-9999-1","modified":"2026-01-01T00:00:00Z","upstream":["CVE-2099-1111"],
"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
"affected":[{"package":{"ecosystem":"Debian:11","name":"openssl"},
"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.1.1n-0+deb11u4"}]}]}]}"#;

const VEX: &str = r#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/vex/ssl",
"author":"kiln test","timestamp":"2026-01-02T00:00:00Z","version":1,
"statements":[{"vulnerability":{"name":"CVE-2099-1111"},
"products":[{"@id":"pkg:deb/debian/libssl1.1"}],
"status":"not_affected","justification":"vulnerable_code_not_in_execute_path"}]}"#;

/// `(id, suppressed)` of each finding.
fn findings(run: &Run) -> Vec<(String, bool)> {
    let doc: serde_json::Value = serde_json::from_str(run.ok()).unwrap();
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_owned(),
                f["suppressed"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[test]
fn verified_openvex_attestations_suppress_findings() {
    let registry = TestRegistry::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let layer = LayerSpec::new()
        .file(
            "/etc/os-release",
            b"ID=debian\nVERSION_ID=\"11\"\nVERSION_CODENAME=bullseye\n",
            0o644,
        )
        .file("/var/lib/dpkg/status", STATUS, 0o644);
    ImageBuilder::new()
        .platform("linux", "amd64")
        .layer(layer, Compression::Gzip)
        .write_layout(&d.join("layout"), "fixture");
    let image = format!("{}/ssl:1", registry.host());
    kiln_in(
        d,
        &[
            "copy",
            &format!("oci:{}:fixture", s(&d.join("layout"))),
            &image,
        ],
    )
    .ok();
    std::fs::create_dir(d.join("records")).unwrap();
    std::fs::write(d.join("records/DSA-9999-1.json"), RECORD).unwrap();
    kiln_in(d, &["db", "import", "-q", "--db", "db.sqlite", "records"]).ok();
    kiln_in(d, &["key", "generate"]).ok();
    kiln_in(d, &["key", "generate", "--output-prefix", "other"]).ok();
    let scan = |extra: &[&str]| {
        let mut args = vec!["scan", image.as_str(), "--db", "db.sqlite", "-f", "json"];
        args.extend_from_slice(extra);
        kiln_in(d, &args)
    };
    let active = vec![("DSA-9999-1".to_owned(), false)];
    let suppressed = vec![("DSA-9999-1".to_owned(), true)];

    // Before any attestation: the finding, and --vex-attestations finds nothing to apply.
    assert_eq!(findings(&scan(&[])), active);
    let run = scan(&["--vex-attestations", "--key", "kiln.pub"]);
    assert_eq!(findings(&run), active);
    assert!(
        run.stderr.contains("no OpenVEX attestation"),
        "{}",
        run.stderr
    );

    std::fs::write(d.join("vex.json"), VEX).unwrap();
    kiln_in(
        d,
        &[
            "attest",
            &image,
            "--type",
            "openvex",
            "--predicate",
            "vex.json",
            "--key",
            "kiln.key",
        ],
    )
    .ok();

    // Verified with the signer's key, the statement suppresses the finding.
    let run = scan(&["--vex-attestations", "--key", "kiln.pub"]);
    assert_eq!(
        findings(&run),
        Vec::<(String, bool)>::new(),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("applying 2 verified OpenVEX attestations"),
        "tag and referrer forms: {}",
        run.stderr
    );
    let run = scan(&[
        "--vex-attestations",
        "--key",
        "kiln.pub",
        "--show-suppressed",
    ]);
    assert_eq!(findings(&run), suppressed);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let vex = &doc["findings"][0]["vex"];
    assert_eq!(vex["justification"], "vulnerable_code_not_in_execute_path");
    assert!(
        vex["document"]
            .as_str()
            .unwrap()
            .starts_with("attestation "),
        "{vex}"
    );
    // The gate counts only what remains.
    scan(&[
        "--vex-attestations",
        "--key",
        "kiln.pub",
        "--fail-on",
        "low",
    ])
    .ok();
    assert_eq!(scan(&["--fail-on", "low"]).code, 1);

    // Another key verifies nothing: nothing is suppressed. Without the flag, nothing is read.
    let run = scan(&["--vex-attestations", "--key", "other.pub"]);
    assert_eq!(findings(&run), active);
    assert!(
        run.stderr.contains("no OpenVEX attestation"),
        "{}",
        run.stderr
    );
    assert_eq!(findings(&scan(&[])), active);

    // A key is required.
    let run = scan(&["--vex-attestations"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    // An OCI layout is searched as a registry is; one without attestations suppresses
    // nothing and says so.
    let layout = format!("oci:{}:fixture", s(&d.join("layout")));
    let run = kiln_in(
        d,
        &[
            "scan",
            &layout,
            "--db",
            "db.sqlite",
            "--vex-attestations",
            "--key",
            "kiln.pub",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("no OpenVEX attestation"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("0 suppressed by VEX"), "{}", run.stdout);
}
