//! `kiln sign`, `attest` and `verify` on `oci:` layouts: both storage forms written into
//! the layout itself (tagged `.sig`/`.att` entries, untagged referrer entries), verified
//! back, refused with another key, and the image itself untouched for skopeo.

use crate::support;

use std::path::Path;
use std::process::Command;

use kiln_test::fixture::require_tool;
use kiln_test::registry::TinyImage;
use support::{Run, s};

fn kiln_in(dir: &Path, args: &[&str]) -> Run {
    support::kiln_at(dir, "layout test", args)
}

fn raw_manifest_digest(layout: &Path) -> String {
    let out = Command::new("skopeo")
        .args(["inspect", "--raw", &format!("oci:{}:1", s(layout))])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    kiln_types::Digest::sha256(&out.stdout).to_string()
}

#[test]
fn sign_attest_and_verify_inside_an_oci_layout() {
    require_tool("skopeo");
    let dir = tempfile::tempdir().unwrap();
    let tiny = TinyImage::new("layout-signatures");
    let layout = dir.path().join("layout");
    tiny.write_layout(&layout, "1");
    let target = format!("oci:{}:1", s(&layout));
    kiln_in(dir.path(), &["key", "generate"]).ok();
    kiln_in(dir.path(), &["key", "generate", "--output-prefix", "other"]).ok();
    std::fs::write(dir.path().join("predicate.json"), br#"{"built":"here"}"#).unwrap();

    kiln_in(dir.path(), &["sign", &target, "--key", "kiln.key"]).ok();
    kiln_in(
        dir.path(),
        &[
            "attest",
            &target,
            "--type",
            "custom",
            "--predicate",
            "predicate.json",
            "--key",
            "kiln.key",
        ],
    )
    .ok();

    // The image is what it was: skopeo reads the same manifest from the layout.
    assert_eq!(raw_manifest_digest(&layout), tiny.manifest_digest());
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let hex = tiny
        .manifest_digest()
        .trim_start_matches("sha256:")
        .to_owned();
    let tags: Vec<&str> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["annotations"]["org.opencontainers.image.ref.name"].as_str())
        .collect();
    assert!(
        tags.contains(&format!("sha256-{hex}.sig").as_str()),
        "{tags:?}"
    );
    assert!(
        tags.contains(&format!("sha256-{hex}.att").as_str()),
        "{tags:?}"
    );
    let referrers = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["artifactType"] == "application/vnd.dev.sigstore.bundle.v0.3+json")
        .count();
    assert_eq!(referrers, 2, "a signature and an attestation referrer");

    let run = kiln_in(
        dir.path(),
        &["verify", &target, "--key", "kiln.pub", "--format", "json"],
    );
    let json = run.json();
    assert_eq!(json["digest"], tiny.manifest_digest());
    let verified = json["verified"].as_array().unwrap();
    assert_eq!(verified.len(), 4, "{json}");
    let storages: Vec<(&str, &str)> = verified
        .iter()
        .map(|v| (v["kind"].as_str().unwrap(), v["storage"].as_str().unwrap()))
        .collect();
    for want in [
        ("signature", "tag"),
        ("signature", "referrer"),
        ("attestation", "tag"),
        ("attestation", "referrer"),
    ] {
        assert!(storages.contains(&want), "{storages:?}");
    }
    let typed = kiln_in(
        dir.path(),
        &[
            "verify", &target, "--key", "kiln.pub", "--type", "custom", "--format", "json",
        ],
    );
    assert_eq!(typed.json()["verified"].as_array().unwrap().len(), 2);

    let wrong = kiln_in(dir.path(), &["verify", &target, "--key", "other.pub"]);
    assert_eq!(wrong.code, 1, "{}", wrong.stderr);
    assert_eq!(wrong.stdout, "");
    assert!(wrong.stderr.contains("trusted keys"), "{}", wrong.stderr);

    // A layout image nobody signed fails closed.
    let unsigned = dir.path().join("unsigned");
    TinyImage::new("unsigned").write_layout(&unsigned, "1");
    let run = kiln_in(
        dir.path(),
        &[
            "verify",
            &format!("oci:{}:1", s(&unsigned)),
            "--key",
            "kiln.pub",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("no signatures"), "{}", run.stderr);
}
