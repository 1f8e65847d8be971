//! `kiln verify-blob` and `kiln verify` with `--trusted-root`: keyless bundles checked
//! offline against real public Sigstore bundles and trusted roots (the PyPI sdists
//! `scripts/test.sh` fetches into a cache and names in `KILN_SIGSTORE_VECTORS`).

use crate::support;

use std::collections::BTreeMap;

use kiln_oci::manifest::{ImageManifest, RawManifest};
use kiln_oci::media_type;
use kiln_oci::registry::{Client, RegistryOptions};
use kiln_test::registry::{TestRegistry, TinyImage};
use kiln_test::sigstore::{asset_path, facts, prod_identity, timestamped, trusted_root_path};
use support::{Run, kiln, s};

const ARTIFACT: &str = "pypi_attestation_models-0.0.4a2.tar.gz";
const ARTIFACT_SHA256: &str =
    "sha256:c9709ce6fd5b67b59b4a28758cf14d3f411803c4b89b6068b1f1a8e4ee94c8ef";
const BUNDLE_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

fn asset(name: &str) -> String {
    s(&asset_path(name))
}

fn prod_root() -> String {
    s(&trusted_root_path("prod"))
}

fn fails_verification(run: &Run, needle: &str) {
    assert_eq!(run.code, 1, "expected exit 1: {}", run.stderr);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains(needle),
        "stderr lacks {needle:?}: {}",
        run.stderr
    );
}

fn verify_blob(file: &str, identity: &str, issuer: &str) -> Run {
    kiln(&[
        "verify-blob",
        file,
        "--bundle",
        &asset(&format!("{ARTIFACT}.sigstore")),
        "--trusted-root",
        &prod_root(),
        "--certificate-identity",
        identity,
        "--certificate-oidc-issuer",
        issuer,
    ])
}

#[test]
fn verify_blob_checks_a_real_keyless_bundle() {
    let run = verify_blob(&asset(ARTIFACT), &prod_identity(), &facts().actions_issuer);
    assert_eq!(run.ok(), format!("{ARTIFACT_SHA256}\n"));
    assert!(run.stderr.contains(&prod_identity()), "{}", run.stderr);
    let regexp = kiln(&[
        "verify-blob",
        &asset(ARTIFACT),
        "--bundle",
        &asset(&format!("{ARTIFACT}.sigstore")),
        "--trusted-root",
        &prod_root(),
        "--certificate-identity-regexp",
        "https://[^/]+/trailofbits/.*",
        "--certificate-oidc-issuer",
        &facts().actions_issuer,
    ]);
    regexp.ok();
    fails_verification(
        &verify_blob(
            &asset(ARTIFACT),
            &prod_identity().replace("trailofbits", "evil"),
            &facts().actions_issuer,
        ),
        "identity",
    );
    fails_verification(
        &verify_blob(&asset(ARTIFACT), &prod_identity(), &facts().oauth_issuer),
        "OIDC issuer",
    );
    // Another file (a real one from the same assets) is not the signed artifact.
    fails_verification(
        &verify_blob(
            &asset("rfc8785-0.1.2-py3-none-any.whl"),
            &prod_identity(),
            &facts().actions_issuer,
        ),
        "digest",
    );
}

/// `kiln verify-blob` of the conda-sigstore vector (a bundle with an RFC 3161 timestamp):
/// its signed entry timestamp removed, so only the timestamp authority dates it.
#[test]
fn verify_blob_accepts_a_timestamp_instead_of_a_signed_entry_timestamp() {
    let v = timestamped();
    let dir = tempfile::tempdir().unwrap();
    let artifact = dir.path().join("package.conda");
    std::fs::write(&artifact, &v.artifact).unwrap();
    let mut bundle: serde_json::Value = serde_json::from_slice(&v.bundle).unwrap();
    bundle["verificationMaterial"]["tlogEntries"][0]
        .as_object_mut()
        .unwrap()
        .remove("inclusionPromise")
        .unwrap();
    let bundle_path = dir.path().join("bundle.json");
    std::fs::write(&bundle_path, serde_json::to_vec(&bundle).unwrap()).unwrap();
    let run = |root: &str, identity: &str, extra: &[&str]| {
        let mut args = vec![
            "verify-blob",
            artifact.to_str().unwrap(),
            "--bundle",
            bundle_path.to_str().unwrap(),
            "--trusted-root",
            root,
            "--certificate-identity",
            identity,
            "--certificate-oidc-issuer",
            &v.issuer,
        ];
        args.extend_from_slice(extra);
        kiln(&args)
    };
    let root = s(&v.trusted_root);
    let digest = format!("{}\n", kiln_types::Digest::sha256(&v.artifact));
    let good = run(&root, &v.identity, &[]);
    assert!(
        good.stderr.contains("1 RFC 3161 timestamp(s), 1 SCT(s)"),
        "{}",
        good.stderr
    );
    assert_eq!(good.ok(), digest);
    fails_verification(
        &run(&root, &v.identity.replace("main", "evil"), &[]),
        "identity",
    );
    // A root whose ctlogs are gone: no SCT verifies, unless that is waived.
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&v.trusted_root).unwrap()).unwrap();
    json["ctlogs"] = serde_json::Value::Array(vec![]);
    let no_ctlogs = dir.path().join("root.json");
    std::fs::write(&no_ctlogs, serde_json::to_vec(&json).unwrap()).unwrap();
    fails_verification(&run(&s(&no_ctlogs), &v.identity, &[]), "SCT");
    assert_eq!(
        run(&s(&no_ctlogs), &v.identity, &["--insecure-ignore-sct"]).ok(),
        digest
    );
    // The package changed by one byte.
    let mut changed = v.artifact.clone();
    changed[1000] ^= 0x01;
    std::fs::write(&artifact, &changed).unwrap();
    fails_verification(&run(&root, &v.identity, &[]), "digest");
}

#[test]
fn keyless_flags_are_checked_before_anything_runs() {
    let missing_issuer = kiln(&[
        "verify-blob",
        &asset(ARTIFACT),
        "--bundle",
        &asset(&format!("{ARTIFACT}.sigstore")),
        "--trusted-root",
        &prod_root(),
        "--certificate-identity",
        &prod_identity(),
    ]);
    missing_issuer.fails_with(&["--certificate-oidc-issuer"]);
    let bad_root = kiln(&[
        "verify-blob",
        &asset(ARTIFACT),
        "--bundle",
        &asset(&format!("{ARTIFACT}.sigstore")),
        "--trusted-root",
        &asset(&format!("{ARTIFACT}.sigstore")),
        "--certificate-identity",
        &prod_identity(),
        "--certificate-oidc-issuer",
        &facts().actions_issuer,
    ]);
    bad_root.fails_with(&["trusted root"]);
}

/// An image whose only referrer is a bundle layer holding `bundle`.
fn image_with_bundle_referrer(registry: &TestRegistry, bundle: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let tiny = TinyImage::new("keyless");
    let layout = dir.path().join("layout");
    tiny.write_layout(&layout, "1");
    let image = format!("{}/app:1", registry.host());
    kiln(&["copy", &format!("oci:{}:1", s(&layout)), &image]).ok();
    let client = Client::new(RegistryOptions::default()).unwrap();
    let repo: kiln_types::ImageRef = image.parse().unwrap();
    let manifest_digest: kiln_types::Digest = tiny.manifest_digest().parse().unwrap();
    let subject = client
        .get_manifest(&repo.with_digest(manifest_digest))
        .unwrap()
        .descriptor();
    let empty = client
        .push_bytes(&repo, "application/vnd.oci.empty.v1+json", b"{}")
        .unwrap();
    let layer = client.push_bytes(&repo, BUNDLE_MEDIA_TYPE, bundle).unwrap();
    let referrer = ImageManifest {
        schema_version: 2,
        media_type: Some(media_type::OCI_MANIFEST.to_owned()),
        artifact_type: Some(BUNDLE_MEDIA_TYPE.to_owned()),
        config: empty,
        layers: vec![layer],
        subject: Some(subject),
        annotations: BTreeMap::new(),
    };
    let raw = RawManifest::from_value(media_type::OCI_MANIFEST, &referrer).unwrap();
    client.push_referrer(&repo, &raw).unwrap();
    image
}

#[test]
fn verify_runs_keyless_checks_on_bundle_referrers() {
    let registry = TestRegistry::start();
    let bundle = std::fs::read(asset(&format!("{ARTIFACT}.sigstore"))).unwrap();
    let image = image_with_bundle_referrer(&registry, &bundle);
    let verify = |identity: &str| {
        kiln(&[
            "verify",
            &image,
            "--trusted-root",
            &prod_root(),
            "--certificate-identity",
            identity,
            "--certificate-oidc-issuer",
            &facts().actions_issuer,
        ])
    };
    // The real bundle passes every keyless check and is then refused because its
    // statement is about a Python sdist, not this image.
    fails_verification(&verify(&prod_identity()), "do not name the image");
    fails_verification(&verify("someone@example.com"), "identity");
}
