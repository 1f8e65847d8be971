//! `kiln verify-blob` and `kiln verify` with `--trusted-root`: keyless bundles checked
//! offline against real public Sigstore bundles and trusted roots (the PyPI sdists
//! `scripts/test.sh` fetches into a cache and names in `KILN_SIGSTORE_VECTORS`).

#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on a broken fixture"
)]
#![expect(clippy::expect_used, reason = "test helpers fail loudly")]

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;

use kiln_oci::manifest::{ImageManifest, RawManifest};
use kiln_oci::media_type;
use kiln_oci::registry::{Client, RegistryOptions};
use kiln_test::registry::{TestRegistry, TinyImage};
use support::{Run, kiln, s};

const ARTIFACT: &str = "pypi_attestation_models-0.0.4a2.tar.gz";
const ARTIFACT_SHA256: &str =
    "sha256:c9709ce6fd5b67b59b4a28758cf14d3f411803c4b89b6068b1f1a8e4ee94c8ef";
const BUNDLE_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

fn vectors() -> PathBuf {
    let dir = std::env::var_os("KILN_SIGSTORE_VECTORS").expect(
        "KILN_SIGSTORE_VECTORS is not set: run scripts/test.sh, which fetches the public \
         Sigstore test vectors and sets it",
    );
    PathBuf::from(dir)
}

/// Facts about the vectors from their authors' own test suite (`test/test_impl.py` of
/// the sdist): the repository URL the public-good bundle's workflow identity starts
/// with, and the two OIDC issuers. Read, not written here, so the project names no
/// code-hosting host.
struct Facts {
    repository: String,
    actions_issuer: String,
    oauth_issuer: String,
}

fn facts() -> Facts {
    let path = vectors().join("pypi_attestations-0.0.30/test/test_impl.py");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let after = |marker: &str| -> String {
        let start = text
            .find(marker)
            .unwrap_or_else(|| panic!("{} lacks {marker:?}", path.display()))
            + marker.len();
        text[start..]
            .split('"')
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let ending = |suffix: &str| -> String {
        let end = text
            .find(&format!("{suffix}\""))
            .unwrap_or_else(|| panic!("{} lacks {suffix:?}", path.display()))
            + suffix.len();
        let start = text[..end].rfind('"').map_or(0, |i| i + 1);
        text[start..end].to_owned()
    };
    Facts {
        repository: ending("/trailofbits/pypi-attestation-models"),
        actions_issuer: after("OIDCIssuerV2(\""),
        oauth_issuer: after("identity=\"william@yossarian.net\", issuer=\""),
    }
}

/// The workflow identity of the public-good bundle's certificate.
fn prod_identity() -> String {
    format!(
        "{}/.github/workflows/release.yml@refs/tags/v0.0.4a2",
        facts().repository
    )
}

fn asset(name: &str) -> String {
    let path = vectors()
        .join("pypi_attestations-0.0.30/test/assets")
        .join(name);
    assert!(path.is_file(), "missing test vector {}", path.display());
    s(&path)
}

fn prod_root() -> String {
    let path = vectors().join("sigstore-3.6.1/sigstore/_store/prod/trusted_root.json");
    assert!(path.is_file(), "missing test vector {}", path.display());
    s(&path)
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
