//! The bundles kiln writes (blob signatures, image signatures and attestations stored as
//! OCI referrers) checked by Sigstore's own JavaScript verifier (`@sigstore/verify`,
//! installed by `scripts/test.sh` into `interop/sigstore-js`).

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use kiln_oci::manifest::Parsed;
use kiln_oci::registry::{Client, RegistryOptions};
use kiln_test::fixture::require_tool;
use kiln_test::registry::{TestRegistry, TinyImage};
use kiln_types::{Digest, ImageRef};
use support::{Run, s};

/// Runs kiln in `dir` with a key password set.
fn kiln_in(dir: &Path, args: &[&str]) -> Run {
    support::kiln_at(dir, "interop", args)
}

fn verifier_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../interop/sigstore-js");
    assert!(
        dir.join("node_modules/@sigstore/verify").is_dir(),
        "@sigstore/verify is not installed: run scripts/test.sh (npm install in interop/sigstore-js)"
    );
    dir
}

/// What `verify.js` said about a bundle.
fn sigstore_js(bundle: &Path, key: &Path, artifact: Option<&Path>) -> serde_json::Value {
    let dir = verifier_dir();
    let mut cmd = Command::new(require_tool("node"));
    cmd.current_dir(&dir).arg("verify.js").arg(bundle).arg(key);
    if let Some(a) = artifact {
        cmd.arg(a);
    }
    let out = cmd.output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "verify.js printed no JSON: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(out.status.success(), v["verified"] == true, "{v}");
    v
}

#[test]
fn sigstore_js_verifies_kilns_blob_bundles_and_refuses_wrong_ones() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    kiln_in(d, &["key", "generate"]).ok();
    kiln_in(d, &["key", "generate", "--output-prefix", "other"]).ok();
    std::fs::write(d.join("release.tar"), b"release contents\n").unwrap();
    std::fs::write(d.join("changed.tar"), b"release contents!\n").unwrap();
    kiln_in(
        d,
        &[
            "sign-blob",
            "release.tar",
            "--key",
            "kiln.key",
            "--bundle",
            "release.bundle",
        ],
    )
    .ok();

    let ok = sigstore_js(
        &d.join("release.bundle"),
        &d.join("kiln.pub"),
        Some(&d.join("release.tar")),
    );
    assert_eq!(ok["content"], "messageSignature");
    let changed = sigstore_js(
        &d.join("release.bundle"),
        &d.join("kiln.pub"),
        Some(&d.join("changed.tar")),
    );
    assert_eq!(changed["verified"], false);
    let wrong_key = sigstore_js(
        &d.join("release.bundle"),
        &d.join("other.pub"),
        Some(&d.join("release.tar")),
    );
    assert_eq!(wrong_key["verified"], false);
}

#[test]
fn sigstore_js_verifies_kilns_image_signature_and_attestation_referrers() {
    let registry = TestRegistry::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let tiny = TinyImage::new("sigstore-js");
    tiny.write_layout(&d.join("layout"), "1");
    let image = format!("{}/app:1", registry.host());
    kiln_in(
        d,
        &["copy", &format!("oci:{}:1", s(&d.join("layout"))), &image],
    )
    .ok();
    let digest: Digest = tiny.manifest_digest().parse().unwrap();
    kiln_in(d, &["key", "generate"]).ok();
    let predicate = serde_json::json!({
        "buildDefinition": {
            "buildType": "https://example.com/kiln-test/v1",
            "externalParameters": {"spec": "image.yaml"}
        },
        "runDetails": {"builder": {"id": "https://example.com/kiln-test-builder"}}
    });
    std::fs::write(d.join("provenance.json"), predicate.to_string()).unwrap();
    kiln_in(
        d,
        &["sign", &image, "--key", "kiln.key", "--storage", "referrer"],
    )
    .ok();
    kiln_in(
        d,
        &[
            "attest",
            &image,
            "--type",
            "slsa",
            "--predicate",
            "provenance.json",
            "--key",
            "kiln.key",
            "--storage",
            "referrer",
        ],
    )
    .ok();

    let client = Client::new(RegistryOptions::default()).unwrap();
    let reference: ImageRef = image.parse().unwrap();
    let referrers = client.referrers(&reference, &digest, None).unwrap();
    assert_eq!(referrers.len(), 2, "{referrers:?}");
    let mut predicate_types = Vec::new();
    for (i, r) in referrers.iter().enumerate() {
        let raw = client
            .get_manifest(&reference.with_digest(r.digest.clone()))
            .unwrap();
        let Parsed::Image(m) = raw.parse("referrer").unwrap() else {
            panic!("an index")
        };
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(
            &mut client.get_blob(&reference, &m.layers[0].digest).unwrap(),
            &mut bytes,
        )
        .unwrap();
        let path = d.join(format!("bundle-{i}.json"));
        std::fs::write(&path, &bytes).unwrap();

        let v = sigstore_js(&path, &d.join("kiln.pub"), None);
        assert_eq!(v["content"], "dsseEnvelope");
        assert_eq!(v["payloadType"], "application/vnd.in-toto+json");
        let statement: serde_json::Value =
            serde_json::from_slice(&STANDARD.decode(v["payload"].as_str().unwrap()).unwrap())
                .unwrap();
        assert_eq!(statement["subject"][0]["digest"]["sha256"], digest.hex());
        predicate_types.push(statement["predicateType"].as_str().unwrap().to_owned());

        // One changed byte of the signed payload and the verifier refuses the bundle.
        let mut bundle: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let payload = bundle["dsseEnvelope"]["payload"].as_str().unwrap();
        let mut decoded = STANDARD.decode(payload).unwrap();
        let last = decoded.len() - 2;
        decoded[last] ^= 0x01;
        bundle["dsseEnvelope"]["payload"] = serde_json::json!(STANDARD.encode(decoded));
        let tampered = d.join(format!("tampered-{i}.json"));
        std::fs::write(&tampered, bundle.to_string()).unwrap();
        assert_eq!(
            sigstore_js(&tampered, &d.join("kiln.pub"), None)["verified"],
            false
        );
    }
    predicate_types.sort();
    assert_eq!(
        predicate_types,
        [
            "https://sigstore.dev/cosign/sign/v1",
            "https://slsa.dev/provenance/v1"
        ]
    );
}
