//! Keyless (Fulcio certificate + Rekor entry) Sigstore bundles, v0.1 to v0.3, verified
//! offline against a user-supplied [`TrustedRoot`]:
//!
//! 1. every transparency log entry verifies ([`rekor::verify_entry`]: signed entry
//!    timestamp, inclusion proof and checkpoint when present) and its body names this
//!    bundle's signature, certificate and content (`hashedrekord`, `dsse`, `intoto`);
//! 2. every RFC 3161 timestamp verifies against the root's timestamp authorities
//!    ([`timestamp::verify`]); with the signed entry timestamps these are the verified
//!    signing times, of which there must be at least one;
//! 3. the signing certificate was valid at every verified time, is a code-signing leaf,
//!    and chains to a certificate authority of the root valid at those times;
//! 4. an SCT embedded in it verifies with a certificate transparency log of the root
//!    ([`sct::verify_embedded`]), unless the policy waives it (cosign's
//!    `--insecure-ignore-sct`);
//! 5. its identity (subject alternative name) and OIDC issuer match the [`Policy`];
//! 6. the signature verifies with the certificate's key over the DSSE envelope or the
//!    artifact.
//!
//! Any mismatch refuses the bundle.

use regex::Regex;
use sha2::{Digest as _, Sha256};

use crate::bundle::{self, Content, RawBundle};
use crate::certificate::{Certificate, issuer_on_path};
use crate::dsse::{Payload, decode_base64};
use crate::key::{KeySet, PublicKey, hex_lower};
use crate::rekor::{self, LogEntry};
use crate::sct;
use crate::statement::Statement;
use crate::timestamp;
use crate::trust_root::{RawCertificate, RawChain, TrustedRoot};
use crate::verified::Verified;
use crate::{Error, Result};

/// How the certificate's identity (an e-mail address or URI) must read.
#[derive(Debug, Clone)]
pub enum IdentityMatcher {
    /// Exactly this string.
    Exact(String),
    /// The whole identity matches this regular expression.
    Regex(Regex),
}

impl IdentityMatcher {
    /// A matcher for `pattern`, anchored at both ends (a partial match is no match).
    pub fn regex(pattern: &str) -> Result<IdentityMatcher> {
        Regex::new(&format!("^(?:{pattern})$"))
            .map(IdentityMatcher::Regex)
            .map_err(|e| Error::document("the identity pattern", e.to_string()))
    }

    pub fn matches(&self, identity: &str) -> bool {
        match self {
            IdentityMatcher::Exact(s) => s == identity,
            IdentityMatcher::Regex(r) => r.is_match(identity),
        }
    }
}

/// Who must have signed.
#[derive(Debug, Clone)]
pub struct Policy {
    pub identity: IdentityMatcher,
    /// The OIDC issuer, exactly.
    pub issuer: String,
    /// Accept a certificate without a verifying embedded SCT (cosign's
    /// `--insecure-ignore-sct`); false unless asked.
    pub ignore_sct: bool,
}

impl Policy {
    /// A policy for this identity and issuer that requires a verifying SCT.
    pub fn new(identity: IdentityMatcher, issuer: impl Into<String>) -> Policy {
        Policy {
            identity,
            issuer: issuer.into(),
            ignore_sct: false,
        }
    }
}

/// The signer as the verified certificate and log say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// The certificate identity that matched the policy.
    pub identity: String,
    pub issuer: String,
    /// The verified signing time (Unix seconds): the log's integrated time when a signed
    /// entry timestamp vouches for it, else the earliest RFC 3161 timestamp.
    pub integrated_time: i64,
    pub log_index: i64,
    /// True when every log entry's inclusion proof (and checkpoint) verified.
    pub inclusion_proven: bool,
    /// The times RFC 3161 timestamp authorities vouched for (Unix seconds).
    pub timestamps: Vec<i64>,
    /// How many embedded SCTs verified (0 only when the policy waived them).
    pub scts: usize,
}

/// What a keyless bundle signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signed {
    /// A DSSE payload (an in-toto statement, usually).
    Dsse(Payload),
    /// An artifact with this SHA-256.
    Artifact { sha256: Vec<u8> },
}

/// A verified keyless bundle.
#[derive(Debug, Clone)]
pub struct Keyless {
    pub signer: Signer,
    pub signed: Signed,
}

/// The certificate material of a bundle, typed.
struct RawCertificateMaterial {
    certificate: Option<RawCertificate>,
    x509_certificate_chain: Option<RawChain>,
}

fn leaf_certificate(bundle: &RawBundle, what: &str) -> Result<Certificate> {
    let material = &bundle.verification_material;
    if material.public_key.is_some() {
        return Err(Error::verification(
            what,
            "the bundle is signed with a public key, not a certificate: verify it with --key",
        ));
    }
    let raw = RawCertificateMaterial {
        certificate: material
            .certificate
            .clone()
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| Error::document(what, format!("bad certificate: {e}")))?,
        x509_certificate_chain: material
            .x509_certificate_chain
            .clone()
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| Error::document(what, format!("bad certificate chain: {e}")))?,
    };
    // Only the leaf counts: intermediates in a v0.1/v0.2 chain are not trusted; the
    // chain is built from the trusted root.
    let leaf = match (&raw.certificate, &raw.x509_certificate_chain) {
        (Some(c), None) => &c.raw_bytes,
        (None, Some(chain)) => match chain.certificates.first() {
            Some(c) => &c.raw_bytes,
            None => return Err(Error::document(what, "the certificate chain is empty")),
        },
        _ => {
            return Err(Error::document(
                what,
                "the bundle carries neither one certificate nor one certificate chain",
            ));
        }
    };
    let der = decode_base64(leaf)
        .ok_or_else(|| Error::document(what, "the certificate is not base64"))?;
    Certificate::from_der(&der, what)
}

/// Checks that `leaf` chains to a CA of `root` valid at `time` (a path of CA
/// certificates of one authority, each valid then and signing the one below, up to a
/// self-signed certificate); returns the leaf's issuer.
fn check_chain(
    leaf: &Certificate,
    root: &TrustedRoot,
    time: i64,
    what: &str,
) -> Result<Certificate> {
    for ca in &root.certificate_authorities {
        if !ca.valid_for.contains(time) {
            continue;
        }
        let certs = ca
            .chain
            .iter()
            .map(|der| Certificate::from_der(der, "a trusted root certificate"))
            .collect::<Result<Vec<_>>>()?;
        if let Some(issuer) = issuer_on_path(leaf, &certs, time, what)? {
            return Ok(issuer.clone());
        }
    }
    Err(Error::verification(
        what,
        "the certificate does not chain to a certificate authority of the trusted root valid at the signing time",
    ))
}

/// The signed timestamps of a bundle (`timestampVerificationData.rfc3161Timestamps`).
fn signed_timestamps(bundle_json: &[u8], what: &str) -> Result<Vec<Vec<u8>>> {
    let value: serde_json::Value = serde_json::from_slice(bundle_json)
        .map_err(|e| Error::document(what, format!("not a Sigstore bundle: {e}")))?;
    let Some(list) =
        value.pointer("/verificationMaterial/timestampVerificationData/rfc3161Timestamps")
    else {
        return Ok(Vec::new());
    };
    let Some(list) = list.as_array() else {
        return Err(Error::document(what, "rfc3161Timestamps is not a list"));
    };
    list.iter()
        .map(|t| {
            t.get("signedTimestamp")
                .and_then(|s| s.as_str())
                .and_then(decode_base64)
                .ok_or_else(|| Error::document(what, "a signedTimestamp is not base64"))
        })
        .collect()
}

/// The bytes of the bundle's one signature.
fn signature_bytes(content: &Content) -> Vec<u8> {
    match content {
        Content::Dsse(envelope) => envelope.signatures()[0].sig.clone(),
        Content::MessageSignature { signature, .. } => signature.clone(),
    }
}

fn str_at<'a>(value: &'a serde_json::Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .and_then(|v| v.as_str())
}

/// True if `b64` is the base64 of a PEM (or DER) certificate equal to `leaf`.
fn names_certificate(b64: Option<&str>, leaf: &Certificate) -> bool {
    let Some(bytes) = b64.and_then(decode_base64) else {
        return false;
    };
    if bytes == leaf.der() {
        return true;
    }
    p256::pkcs8::der::pem::decode_vec(&bytes)
        .is_ok_and(|(label, der)| label == "CERTIFICATE" && der == leaf.der())
}

/// True if `b64` decodes to `signature`, once or (as `intoto` entries store it) twice.
fn names_signature(b64: Option<&str>, signature: &[u8]) -> bool {
    let Some(once) = b64.and_then(decode_base64) else {
        return false;
    };
    once == signature
        || std::str::from_utf8(&once)
            .ok()
            .and_then(decode_base64)
            .is_some_and(|twice| twice == signature)
}

/// Checks that a log entry's body is about this signature, certificate and content.
fn check_body(entry: &LogEntry, leaf: &Certificate, content: &Content, what: &str) -> Result<()> {
    let spec = entry.body.get("spec").cloned().unwrap_or_default();
    let matches = match (entry.kind.as_str(), entry.version.as_str(), content) {
        ("hashedrekord", "0.0.1", Content::MessageSignature { sha256, signature }) => {
            str_at(&spec, &["data", "hash", "algorithm"]) == Some("sha256")
                && sha256.as_ref().is_some_and(|d| {
                    str_at(&spec, &["data", "hash", "value"]) == Some(hex_lower(d).as_str())
                })
                && names_signature(str_at(&spec, &["signature", "content"]), signature)
                && names_certificate(str_at(&spec, &["signature", "publicKey", "content"]), leaf)
        }
        ("dsse", "0.0.1", Content::Dsse(envelope)) => {
            let payload_hash = hex_lower(&Sha256::digest(envelope.unverified_payload()));
            let signature = &envelope.signatures()[0].sig;
            str_at(&spec, &["payloadHash", "algorithm"]) == Some("sha256")
                && str_at(&spec, &["payloadHash", "value"]) == Some(payload_hash.as_str())
                && spec
                    .get("signatures")
                    .and_then(|s| s.as_array())
                    .is_some_and(|sigs| {
                        sigs.len() == 1
                            && names_signature(str_at(&sigs[0], &["signature"]), signature)
                            && names_certificate(str_at(&sigs[0], &["verifier"]), leaf)
                    })
        }
        ("intoto", "0.0.2", Content::Dsse(envelope)) => {
            let payload_hash = hex_lower(&Sha256::digest(envelope.unverified_payload()));
            let signature = &envelope.signatures()[0].sig;
            str_at(&spec, &["content", "payloadHash", "algorithm"]) == Some("sha256")
                && str_at(&spec, &["content", "payloadHash", "value"])
                    == Some(payload_hash.as_str())
                && spec
                    .pointer("/content/envelope/signatures")
                    .and_then(|s| s.as_array())
                    .is_some_and(|sigs| {
                        sigs.len() == 1
                            && names_signature(str_at(&sigs[0], &["sig"]), signature)
                            && names_certificate(str_at(&sigs[0], &["publicKey"]), leaf)
                    })
        }
        (kind, version, _) => {
            return Err(Error::verification(
                what,
                format!("unsupported log entry kind {kind} {version} for this bundle's content"),
            ));
        }
    };
    if !matches {
        return Err(Error::verification(
            what,
            format!(
                "the {} log entry is not about this bundle's signature, certificate and content",
                entry.kind
            ),
        ));
    }
    Ok(())
}

/// Verifies a keyless bundle. With `artifact`, a message signature must be over it and
/// an in-toto statement must name its SHA-256 as a subject; without, a message
/// signature bundle is refused (nothing to check it against).
pub fn verify(
    bundle_json: &[u8],
    artifact: Option<&[u8]>,
    root: &TrustedRoot,
    policy: &Policy,
    what: &str,
) -> Result<Verified<Keyless>> {
    if policy.issuer.is_empty()
        || matches!(&policy.identity, IdentityMatcher::Exact(s) if s.is_empty())
    {
        return Err(Error::verification(
            what,
            "an empty certificate identity or OIDC issuer matches nothing",
        ));
    }
    let raw = RawBundle::parse(bundle_json, what)?;
    bundle::check_media_type(&raw.media_type, what)?;
    let leaf = leaf_certificate(&raw, what)?;
    if raw.verification_material.tlog_entries.is_empty() {
        return Err(Error::verification(
            what,
            "the bundle has no transparency log entry",
        ));
    }
    let entries = raw
        .verification_material
        .tlog_entries
        .iter()
        .map(|e| rekor::verify_entry(e, root, what))
        .collect::<Result<Vec<_>>>()?;
    let content = bundle::check_content(raw.dsse_envelope, raw.message_signature, "", what)?;
    for entry in &entries {
        check_body(entry, &leaf, &content, what)?;
    }
    let signature = signature_bytes(&content);
    let timestamps = signed_timestamps(bundle_json, what)?
        .iter()
        .map(|der| timestamp::verify(der, &signature, root, what))
        .collect::<Result<Vec<i64>>>()?;
    let log_times = entries
        .iter()
        .filter(|e| e.time_signed)
        .map(|e| e.integrated_time);
    let times: Vec<i64> = log_times.chain(timestamps.iter().copied()).collect();
    // The first signed entry timestamp's time, else the earliest authority's time.
    let first_logged = entries.iter().find(|e| e.time_signed);
    let Some(time) = first_logged
        .map(|e| e.integrated_time)
        .or_else(|| timestamps.iter().copied().min())
    else {
        return Err(Error::verification(
            what,
            "no verified signing time: no signed entry timestamp from the log and no RFC 3161 timestamp",
        ));
    };
    if !times.iter().all(|t| leaf.valid_at(*t)) {
        return Err(Error::verification(
            what,
            "the signature was made outside the certificate's validity",
        ));
    }
    leaf.check_leaf(what)?;
    let mut leaf_issuer = None;
    for t in &times {
        leaf_issuer = Some(check_chain(&leaf, root, *t, what)?);
    }
    let scts = match (policy.ignore_sct, &leaf_issuer) {
        (false, Some(ca)) => sct::verify_embedded(&leaf, ca, root, what)?,
        _ => 0,
    };
    let identities = leaf.identities();
    let Some(identity) = identities.iter().find(|i| policy.identity.matches(i)) else {
        return Err(Error::verification(
            what,
            format!(
                "the certificate identity {} does not match the required identity",
                identities.join(", ")
            ),
        ));
    };
    let issuer = leaf.oidc_issuer().unwrap_or_default();
    if issuer != policy.issuer {
        return Err(Error::verification(
            what,
            format!(
                "the certificate's OIDC issuer {issuer:?} is not the required {:?}",
                policy.issuer
            ),
        ));
    }
    let key = PublicKey::from_spki_der(&leaf.public_key_der(what)?, what)?;
    let signed = match content {
        Content::Dsse(envelope) => {
            let payload = envelope
                .verify(&KeySet::new(vec![key.clone()]), 1, what)?
                .into_value();
            if let Some(data) = artifact {
                let statement = Statement::parse(&payload.bytes, what)?;
                if !statement.covers(&kiln_types::Digest::sha256(data)) {
                    return Err(Error::verification(
                        what,
                        "the statement's subjects do not include the file's digest",
                    ));
                }
            }
            Signed::Dsse(payload)
        }
        Content::MessageSignature { sha256, signature } => {
            let Some(data) = artifact else {
                return Err(Error::verification(
                    what,
                    "a message signature bundle needs the artifact it signs",
                ));
            };
            let actual = Sha256::digest(data).to_vec();
            if sha256.as_ref().is_some_and(|d| *d != actual) {
                return Err(Error::verification(
                    what,
                    "the bundle's message digest is not the file's digest",
                ));
            }
            if !key.verifies(data, &signature) {
                return Err(Error::verification(
                    what,
                    "the signature does not verify with the certificate's key",
                ));
            }
            Signed::Artifact { sha256: actual }
        }
    };
    let signer = Signer {
        identity: identity.clone(),
        issuer,
        integrated_time: time,
        log_index: entries[0].log_index,
        inclusion_proven: entries.iter().all(|e| e.inclusion_proven),
        timestamps,
        scts,
    };
    Ok(Verified::new(Keyless { signer, signed }, vec![key]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_patterns_match_whole_identities_only() {
        let m = IdentityMatcher::regex("https://git.example/org/.*").unwrap();
        assert!(m.matches("https://git.example/org/repo/.github/workflows/r.yml@refs/tags/v1"));
        assert!(!m.matches("x https://git.example/org/repo"));
        let m = IdentityMatcher::regex("a@example.com").unwrap();
        assert!(!m.matches("a@example.com.evil"));
        assert!(IdentityMatcher::regex("(").is_err());
        assert!(IdentityMatcher::Exact("a".into()).matches("a"));
        assert!(!IdentityMatcher::Exact("a".into()).matches("ab"));
    }

    #[test]
    fn empty_policies_match_nothing() {
        let root = TrustedRoot {
            certificate_authorities: Vec::new(),
            tlogs: Vec::new(),
            ctlogs: Vec::new(),
            timestamp_authorities: Vec::new(),
        };
        for policy in [
            Policy::new(
                IdentityMatcher::Exact(String::new()),
                "https://issuer.example".to_owned(),
            ),
            Policy::new(
                IdentityMatcher::Exact("a@example.com".to_owned()),
                String::new(),
            ),
        ] {
            let err = verify(b"{}", None, &root, &policy, "b").unwrap_err();
            assert!(err.to_string().contains("matches nothing"), "{err}");
        }
    }

    #[test]
    fn signatures_match_once_or_twice_encoded() {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        let once = b64.encode(b"sig");
        let twice = b64.encode(once.as_bytes());
        assert!(names_signature(Some(&once), b"sig"));
        assert!(names_signature(Some(&twice), b"sig"));
        assert!(!names_signature(Some(&once), b"sih"));
        assert!(!names_signature(None, b"sig"));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bundles_roots_and_checkpoints_never_panic(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
            note in "(?s).{0,200}",
            index in 0u64..64,
            size in 0u64..64,
        ) {
            let _ = TrustedRoot::parse(&bytes, "root");
            let log = crate::trust_root::TransparencyLog {
                log_id: vec![1, 2, 3, 4],
                public_key: bytes.clone(),
                valid_for: crate::trust_root::Validity { start: 0, end: None },
            };
            let root = TrustedRoot {
                certificate_authorities: vec![crate::trust_root::CertificateAuthority {
                    chain: vec![bytes.clone()],
                    valid_for: crate::trust_root::Validity { start: 0, end: None },
                }],
                tlogs: vec![log.clone()],
                ctlogs: vec![log.clone()],
                timestamp_authorities: Vec::new(),
            };
            let policy = Policy::new(IdentityMatcher::Exact("a@example.com".to_owned()), "https://issuer.example".to_owned());
            let _ = verify(&bytes, Some(&bytes), &root, &policy, "bundle");
            let _ = rekor::verify_checkpoint(&note, &log, "checkpoint");
            let _ = Certificate::from_der(&bytes, "certificate").map(|c| {
                (c.identities(), c.oidc_issuer(), c.check_leaf("c").is_ok(), c.validity())
            });
            let _ = rekor::root_from_inclusion_proof(index, size, [0; 32], &[[1; 32]; 3]);
        }
    }
}
