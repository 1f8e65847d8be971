//! RFC 3161 timestamps and embedded SCTs in keyless verification, against real public
//! vectors: conda-sigstore 0.1.5's fixtures (a conda package attested on GitHub Actions
//! against the public-good instance, its bundle with a Sigstore timestamp authority
//! timestamp, and the trusted root with `ctlogs` and `timestampAuthorities`; a second
//! captured bundle without its artifact) and the pypi-attestations 0.0.30 public-good
//! bundle. `scripts/test.sh` fetches the sdists and sets `KILN_SIGSTORE_VECTORS`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use kiln_attest::certificate::Certificate;
use kiln_attest::keyless::{self, IdentityMatcher, Keyless, Policy};
use kiln_attest::sct;
use kiln_attest::trust_root::TrustedRoot;
use kiln_test::sigstore::{
    TimestampedVector, conda_fixture_path, first_bundle_of_sidecar, timestamped,
};
use serde_json::Value;
use x509_cert::der::{Decode as _, Encode as _};

const ENTRY: &str = "/verificationMaterial/tlogEntries/0";
const STAMP: &str =
    "/verificationMaterial/timestampVerificationData/rfc3161Timestamps/0/signedTimestamp";

fn root_json(v: &TimestampedVector) -> Value {
    serde_json::from_slice(&std::fs::read(&v.trusted_root).unwrap()).unwrap()
}

fn root_of(json: &Value) -> TrustedRoot {
    TrustedRoot::parse(&serde_json::to_vec(json).unwrap(), "root").unwrap()
}

fn policy(v: &TimestampedVector) -> Policy {
    Policy::new(IdentityMatcher::Exact(v.identity.clone()), v.issuer.clone())
}

fn bundle(v: &TimestampedVector) -> Value {
    serde_json::from_slice(&v.bundle).unwrap()
}

fn verify(
    v: &TimestampedVector,
    bundle: &Value,
    root: &TrustedRoot,
    policy: &Policy,
) -> kiln_attest::Result<Keyless> {
    let json = serde_json::to_vec(bundle).unwrap();
    keyless::verify(&json, Some(&v.artifact), root, policy, "bundle").map(|k| k.into_value())
}

fn refused(result: kiln_attest::Result<Keyless>, needle: &str) {
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

fn flip(bundle: &mut Value, pointer: &str, at: impl Fn(usize) -> usize) {
    let text = bundle.pointer(pointer).unwrap().as_str().unwrap();
    let mut bytes = STANDARD.decode(text).unwrap();
    let i = at(bytes.len());
    bytes[i] ^= 0x01;
    *bundle.pointer_mut(pointer).unwrap() = Value::String(STANDARD.encode(bytes));
}

fn without_set(mut bundle: Value) -> Value {
    bundle
        .pointer_mut(ENTRY)
        .unwrap()
        .as_object_mut()
        .unwrap()
        .remove("inclusionPromise")
        .expect("the vector has a signed entry timestamp");
    bundle
}

#[test]
fn a_timestamped_bundle_verifies_with_its_timestamp_and_sct() {
    let v = timestamped();
    let root = root_of(&root_json(&v));
    let signer = verify(&v, &bundle(&v), &root, &policy(&v)).unwrap().signer;
    assert_eq!(signer.identity, v.identity);
    assert_eq!(signer.timestamps.len(), 1);
    // The authority stamped the signature within seconds of the log integrating it.
    assert!(
        (signer.timestamps[0] - signer.integrated_time).abs() < 60,
        "{signer:?}"
    );
    assert!(signer.scts >= 1, "{signer:?}");
    assert!(signer.inclusion_proven);
}

#[test]
fn without_a_signed_entry_timestamp_the_rfc_3161_time_suffices() {
    let v = timestamped();
    let root = root_of(&root_json(&v));
    let signer = verify(&v, &without_set(bundle(&v)), &root, &policy(&v))
        .unwrap()
        .signer;
    assert_eq!(signer.integrated_time, signer.timestamps[0]);
    assert!(signer.inclusion_proven);
    // With neither, nothing vouches for the signing time.
    let mut neither = without_set(bundle(&v));
    neither["verificationMaterial"]["timestampVerificationData"] = serde_json::json!({});
    refused(
        verify(&v, &neither, &root, &policy(&v)),
        "no verified signing time",
    );
    // And the identity still has to match.
    let mut wrong = policy(&v);
    wrong.identity = IdentityMatcher::Exact(v.identity.replace("main", "evil"));
    refused(
        verify(&v, &without_set(bundle(&v)), &root, &wrong),
        "identity",
    );
}

#[test]
fn tampered_or_foreign_timestamps_are_refused() {
    let v = timestamped();
    let root = root_of(&root_json(&v));
    // A flipped byte near the end: inside the authority's signature.
    let mut b = without_set(bundle(&v));
    flip(&mut b, STAMP, |n| n - 10);
    refused(verify(&v, &b, &root, &policy(&v)), "RFC 3161");
    // A timestamp over another bundle's signature.
    let other = first_bundle_of_sidecar(&conda_fixture_path("prefix-actionlint.v0.sigs"));
    let other: Value = serde_json::from_slice(&other).unwrap();
    let mut b = without_set(bundle(&v));
    *b.pointer_mut(STAMP).unwrap() = other.pointer(STAMP).unwrap().clone();
    refused(
        verify(&v, &b, &root, &policy(&v)),
        "not over this bundle's signature",
    );
    // A root without timestamp authorities, or whose authority ended before the stamp.
    let mut json = root_json(&v);
    json["timestampAuthorities"] = Value::Array(vec![]);
    refused(
        verify(&v, &without_set(bundle(&v)), &root_of(&json), &policy(&v)),
        "timestamp authority",
    );
    let mut json = root_json(&v);
    for tsa in json["timestampAuthorities"].as_array_mut().unwrap() {
        tsa["validFor"]["end"] = "2025-08-01T00:00:00Z".into();
    }
    refused(
        verify(&v, &without_set(bundle(&v)), &root_of(&json), &policy(&v)),
        "timestamp authority",
    );
    // Garbage where the token should be.
    let mut b = bundle(&v);
    *b.pointer_mut(STAMP).unwrap() = STANDARD.encode(b"not a token").into();
    assert!(verify(&v, &b, &root, &policy(&v)).is_err());
}

#[test]
fn a_second_captured_bundle_verifies_without_its_artifact() {
    let v = timestamped();
    let root = root_of(&root_json(&v));
    let json = first_bundle_of_sidecar(&conda_fixture_path("prefix-actionlint.v0.sigs"));
    let policy = Policy::new(
        IdentityMatcher::regex(".*/octoconda/\\.github/workflows/octoconda\\.yaml@refs/heads/main")
            .unwrap(),
        v.issuer.clone(),
    );
    let signer = keyless::verify(&json, None, &root, &policy, "b")
        .unwrap()
        .into_value()
        .signer;
    assert_eq!(signer.timestamps.len(), 1);
    assert!(signer.scts >= 1);
}

/// The leaf certificate of a bundle and the CA certificate of the root that issued it.
fn leaf_and_issuer(v: &TimestampedVector, root: &TrustedRoot) -> (Vec<u8>, Certificate) {
    let b = bundle(v);
    let leaf = STANDARD
        .decode(
            b["verificationMaterial"]["certificate"]["rawBytes"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
    let cert = Certificate::from_der(&leaf, "leaf").unwrap();
    let issuer = root
        .certificate_authorities
        .iter()
        .flat_map(|ca| &ca.chain)
        .map(|der| Certificate::from_der(der, "ca").unwrap())
        .find(|ca| cert.signed_by(ca, "leaf").unwrap())
        .expect("the root holds the issuing CA");
    (leaf, issuer)
}

#[test]
fn scts_need_the_right_log_key_and_unaltered_bytes() {
    let v = timestamped();
    let root = root_of(&root_json(&v));
    let (leaf_der, issuer) = leaf_and_issuer(&v, &root);
    let leaf = Certificate::from_der(&leaf_der, "leaf").unwrap();
    assert_eq!(sct::verify_embedded(&leaf, &issuer, &root, "c").unwrap(), 1);
    let scts = sct::embedded(&leaf, "c").unwrap();
    assert_eq!(scts.len(), 1);

    // The log's key swapped for another key of the root (the Rekor log's).
    let mut json = root_json(&v);
    let rekor_key = json["tlogs"][0]["publicKey"].clone();
    for log in json["ctlogs"].as_array_mut().unwrap() {
        log["publicKey"]["rawBytes"] = rekor_key["rawBytes"].clone();
    }
    let err = sct::verify_embedded(&leaf, &issuer, &root_of(&json), "c").unwrap_err();
    assert!(err.to_string().contains("not in the trusted root"), "{err}");
    // Through the whole verification, unless the policy waives SCTs.
    refused(verify(&v, &bundle(&v), &root_of(&json), &policy(&v)), "SCT");
    let mut waived = policy(&v);
    waived.ignore_sct = true;
    let signer = verify(&v, &bundle(&v), &root_of(&json), &waived)
        .unwrap()
        .signer;
    assert_eq!(signer.scts, 0);

    // One flipped byte in the SCT's signature, or in its timestamp (the certificate is
    // no longer Fulcio's, but the SCT check alone must notice).
    let signature = &scts[0].signature;
    let at = leaf_der
        .windows(signature.len())
        .position(|w| w == signature.as_slice())
        .unwrap();
    let timestamp_at = at - 2 - 1 - 1 - scts[0].extensions.len() - 2 - 8;
    for offset in [at + signature.len() - 3, timestamp_at + 5] {
        let mut altered = leaf_der.clone();
        altered[offset] ^= 0x01;
        let altered = Certificate::from_der(&altered, "leaf").unwrap();
        let err = sct::verify_embedded(&altered, &issuer, &root, "c").unwrap_err();
        assert!(err.to_string().contains("does not verify"), "{err}");
    }
    // The wrong issuer key in the precert entry.
    let other_ca = root
        .certificate_authorities
        .iter()
        .flat_map(|ca| &ca.chain)
        .map(|der| Certificate::from_der(der, "ca").unwrap())
        .find(|ca| ca.der() != issuer.der())
        .unwrap();
    assert!(sct::verify_embedded(&leaf, &other_ca, &root, "c").is_err());

    // The extension removed.
    let mut cert = x509_cert::Certificate::from_der(&leaf_der).unwrap();
    cert.tbs_certificate
        .extensions
        .as_mut()
        .unwrap()
        .retain(|e| e.extn_id != sct::SCT_LIST);
    let stripped = Certificate::from_der(&cert.to_der().unwrap(), "leaf").unwrap();
    let err = sct::verify_embedded(&stripped, &issuer, &root, "c").unwrap_err();
    assert!(err.to_string().contains("no embedded SCT"), "{err}");
}
