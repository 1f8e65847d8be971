//! Keyless verification against real public Sigstore bundles and trusted roots: the
//! test assets of the PyPI `pypi-attestations` 0.0.30 sdist (bundles signed on GitHub
//! Actions against the public-good instance and by an e-mail identity against staging)
//! and the trusted roots shipped in the PyPI `sigstore` 3.6.1 sdist. `scripts/test.sh`
//! fetches both sdists into a cache outside the repository and sets
//! `KILN_SIGSTORE_VECTORS`; none of these files is in the project.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use kiln_attest::keyless::{self, IdentityMatcher, Policy, Signed};
use kiln_attest::trust_root::TrustedRoot;
use kiln_test::sigstore::{asset_path, facts, prod_identity, trusted_root_path};
use serde_json::Value;

const PROD_BUNDLE: &str = "pypi_attestation_models-0.0.4a2.tar.gz";
const STAGING_BUNDLE: &str = "rfc8785-0.1.2-py3-none-any.whl";

fn asset(name: &str) -> Vec<u8> {
    let path = asset_path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn root_bytes(instance: &str) -> Vec<u8> {
    let path = trusted_root_path(instance);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn root(instance: &str) -> TrustedRoot {
    TrustedRoot::parse(&root_bytes(instance), instance).unwrap()
}

fn prod_policy() -> Policy {
    Policy::new(
        IdentityMatcher::Exact(prod_identity()),
        facts().actions_issuer,
    )
}

fn prod_bundle() -> Value {
    serde_json::from_slice(&asset(&format!("{PROD_BUNDLE}.sigstore"))).unwrap()
}

fn verify_prod(bundle: &Value, root: &TrustedRoot, policy: &Policy) -> kiln_attest::Result<()> {
    let json = serde_json::to_vec(bundle).unwrap();
    keyless::verify(&json, Some(&asset(PROD_BUNDLE)), root, policy, "bundle").map(|_| ())
}

fn refused(result: kiln_attest::Result<()>, needle: &str) {
    let err = result.expect_err("verification must fail");
    assert!(
        err.is_verification_failure(),
        "not a verification failure: {err}"
    );
    assert!(
        err.to_string().contains(needle),
        "{err} (expected {needle:?})"
    );
}

/// Flips one bit in the base64 value at `pointer`.
fn flip(bundle: &mut Value, pointer: &str) {
    let text = bundle.pointer(pointer).unwrap().as_str().unwrap();
    let mut bytes = STANDARD.decode(text).unwrap();
    let last = bytes.len() - 1;
    bytes[last / 2] ^= 0x01;
    *bundle.pointer_mut(pointer).unwrap() = Value::String(STANDARD.encode(bytes));
}

#[test]
fn a_public_good_bundle_verifies_with_its_identity_and_issuer() {
    let json = asset(&format!("{PROD_BUNDLE}.sigstore"));
    let verified = keyless::verify(
        &json,
        Some(&asset(PROD_BUNDLE)),
        &root("prod"),
        &prod_policy(),
        "bundle",
    )
    .unwrap();
    let value = verified.value();
    assert_eq!(value.signer.identity, prod_identity());
    assert_eq!(value.signer.issuer, facts().actions_issuer);
    assert_eq!(value.signer.integrated_time, 1_718_048_845);
    assert_eq!(value.signer.log_index, 101_487_427);
    assert!(value.signer.inclusion_proven);
    // Its Fulcio certificate's embedded SCT verified with a ctlog of the root; the
    // bundle has no RFC 3161 timestamp.
    assert_eq!(value.signer.scts, 1);
    assert!(value.signer.timestamps.is_empty());
    let Signed::Dsse(payload) = &value.signed else {
        panic!("expected a DSSE payload");
    };
    let statement: Value = serde_json::from_slice(&payload.bytes).unwrap();
    // The publish attestation of the package index, for the sdist in the assets.
    let predicate_type = statement["predicateType"].as_str().unwrap();
    assert!(
        predicate_type.ends_with("/attestations/publish/v1"),
        "{predicate_type}"
    );
    assert_eq!(statement["subject"][0]["name"], PROD_BUNDLE);
    // A regular expression over the whole identity works too; a partial one does not.
    let policy = Policy::new(
        IdentityMatcher::regex("https://[^/]+/trailofbits/.*@refs/tags/v.*").unwrap(),
        facts().actions_issuer,
    );
    verify_prod(&prod_bundle(), &root("prod"), &policy).unwrap();
    let partial = Policy::new(
        IdentityMatcher::regex(&regex::escape(&facts().repository)).unwrap(),
        facts().actions_issuer,
    );
    refused(
        verify_prod(&prod_bundle(), &root("prod"), &partial),
        "identity",
    );
}

#[test]
fn a_staging_bundle_with_an_email_identity_verifies_against_the_staging_root() {
    let json = asset(&format!("{STAGING_BUNDLE}.sigstore"));
    let policy = Policy::new(
        IdentityMatcher::Exact("william@yossarian.net".to_owned()),
        facts().oauth_issuer,
    );
    let verified = keyless::verify(
        &json,
        Some(&asset(STAGING_BUNDLE)),
        &root("staging"),
        &policy,
        "bundle",
    )
    .unwrap();
    assert_eq!(verified.value().signer.identity, "william@yossarian.net");
    // The public-good root does not know the staging log or CA.
    let err = keyless::verify(
        &json,
        Some(&asset(STAGING_BUNDLE)),
        &root("prod"),
        &policy,
        "b",
    )
    .unwrap_err();
    assert!(err.to_string().contains("does not list"), "{err}");
}

#[test]
fn wrong_identity_or_issuer_is_refused() {
    let mut policy = prod_policy();
    policy.identity = IdentityMatcher::Exact(prod_identity().replace("v0.0.4a2", "v0.0.4a3"));
    refused(
        verify_prod(&prod_bundle(), &root("prod"), &policy),
        "identity",
    );
    let mut policy = prod_policy();
    policy.issuer = "https://other-issuer.example".to_owned();
    refused(
        verify_prod(&prod_bundle(), &root("prod"), &policy),
        "OIDC issuer",
    );
}

#[test]
fn a_tampered_artifact_or_payload_is_refused() {
    let mut data = asset(PROD_BUNDLE);
    data[100] ^= 0x01;
    let json = asset(&format!("{PROD_BUNDLE}.sigstore"));
    let result = keyless::verify(&json, Some(&data), &root("prod"), &prod_policy(), "b");
    refused(result.map(|_| ()), "digest");
    let mut bundle = prod_bundle();
    flip(&mut bundle, "/dsseEnvelope/payload");
    refused(
        verify_prod(&bundle, &root("prod"), &prod_policy()),
        "not about this bundle",
    );
    let mut bundle = prod_bundle();
    flip(&mut bundle, "/dsseEnvelope/signatures/0/sig");
    assert!(verify_prod(&bundle, &root("prod"), &prod_policy()).is_err());
}

#[test]
fn tampered_log_evidence_is_refused() {
    let entry = "/verificationMaterial/tlogEntries/0";
    let mut bundle = prod_bundle();
    flip(
        &mut bundle,
        &format!("{entry}/inclusionPromise/signedEntryTimestamp"),
    );
    refused(
        verify_prod(&bundle, &root("prod"), &prod_policy()),
        "signed entry timestamp",
    );
    let mut bundle = prod_bundle();
    flip(&mut bundle, &format!("{entry}/inclusionProof/hashes/3"));
    refused(
        verify_prod(&bundle, &root("prod"), &prod_policy()),
        "inclusion proof",
    );
    let mut bundle = prod_bundle();
    flip(&mut bundle, &format!("{entry}/inclusionProof/rootHash"));
    refused(
        verify_prod(&bundle, &root("prod"), &prod_policy()),
        "inclusion proof",
    );
    // The integrated time is signed: moving it breaks the timestamp.
    let mut bundle = prod_bundle();
    *bundle
        .pointer_mut(&format!("{entry}/integratedTime"))
        .unwrap() = "1718048846".into();
    refused(
        verify_prod(&bundle, &root("prod"), &prod_policy()),
        "signed entry timestamp",
    );
    // A checkpoint whose note was altered no longer carries the log's signature.
    let mut bundle = prod_bundle();
    let pointer = format!("{entry}/inclusionProof/checkpoint/envelope");
    let note = bundle
        .pointer(&pointer)
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
    *bundle.pointer_mut(&pointer).unwrap() = note
        .replacen("rekor.sigstore.dev - ", "rekor.sigstore.dev -  ", 1)
        .into();
    refused(
        verify_prod(&bundle, &root("prod"), &prod_policy()),
        "checkpoint",
    );
    // Without the signed entry timestamp (and with no RFC 3161 timestamp) the signing
    // time is unauthenticated.
    let mut bundle = prod_bundle();
    bundle
        .pointer_mut(entry)
        .unwrap()
        .as_object_mut()
        .unwrap()
        .remove("inclusionPromise");
    refused(
        verify_prod(&bundle, &root("prod"), &prod_policy()),
        "no verified signing time",
    );
    // Nor an inclusion proof: nothing shows the entry is in the log.
    bundle
        .pointer_mut(entry)
        .unwrap()
        .as_object_mut()
        .unwrap()
        .remove("inclusionProof");
    refused(
        verify_prod(&bundle, &root("prod"), &prod_policy()),
        "neither a signed entry timestamp nor an inclusion proof",
    );
    // No log entry at all.
    let mut bundle = prod_bundle();
    *bundle
        .pointer_mut("/verificationMaterial/tlogEntries")
        .unwrap() = Value::Array(vec![]);
    refused(
        verify_prod(&bundle, &root("prod"), &prod_policy()),
        "no transparency log entry",
    );
}

#[test]
fn a_root_without_the_issuing_ca_is_refused() {
    // The public-good root with its CAs replaced by the staging ones.
    let mut prod: Value = serde_json::from_slice(&root_bytes("prod")).unwrap();
    let staging: Value = serde_json::from_slice(&root_bytes("staging")).unwrap();
    prod["certificateAuthorities"] = staging["certificateAuthorities"].clone();
    let root = TrustedRoot::parse(&serde_json::to_vec(&prod).unwrap(), "root").unwrap();
    refused(verify_prod(&prod_bundle(), &root, &prod_policy()), "chain");
    // The right CA, but not valid at the signing time.
    let mut prod: Value = serde_json::from_slice(&root_bytes("prod")).unwrap();
    for ca in prod["certificateAuthorities"].as_array_mut().unwrap() {
        ca["validFor"]["end"] = "2024-01-01T00:00:00Z".into();
    }
    let root = TrustedRoot::parse(&serde_json::to_vec(&prod).unwrap(), "root").unwrap();
    refused(verify_prod(&prod_bundle(), &root, &prod_policy()), "chain");
}

#[test]
fn a_swapped_certificate_is_refused() {
    // The staging bundle's certificate in the public-good bundle: the log entry names
    // another certificate (and the staging CA is not trusted either).
    let staging: Value =
        serde_json::from_slice(&asset(&format!("{STAGING_BUNDLE}.sigstore"))).unwrap();
    let mut bundle = prod_bundle();
    bundle["verificationMaterial"]["certificate"] =
        staging["verificationMaterial"]["certificate"].clone();
    refused(
        verify_prod(&bundle, &root("prod"), &prod_policy()),
        "not about this bundle",
    );
}
