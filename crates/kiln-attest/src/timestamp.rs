//! RFC 3161 signed timestamps as Sigstore bundles carry them
//! (`verificationMaterial.timestampVerificationData.rfc3161Timestamps[].signedTimestamp`,
//! a DER `TimeStampResp` or bare `TimeStampToken`), verified offline against the trusted
//! root's timestamp authorities:
//!
//! 1. the token is CMS `SignedData` (RFC 5652) over a `TSTInfo` whose message imprint is
//!    the hash (SHA-256/384/512) of the bundle's signature;
//! 2. exactly one signer, with the `content-type` (`id-ct-TSTInfo`) and `message-digest`
//!    (the hash of the `TSTInfo`) signed attributes, and an ECDSA signature over them;
//! 3. the signer's certificate (from the authority's chain or embedded in the token) is
//!    for time stamping and chains, valid at the stamped time, to a self-signed
//!    certificate of an authority of the root whose window holds that time.
//!
//! The result is the `genTime` the authority vouches for.

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use x509_cert::der::asn1::OctetStringRef;
use x509_cert::der::oid::ObjectIdentifier;
use x509_cert::der::{Decode as _, Encode as _};
use x509_tsp::{TimeStampResp, TstInfo};

use crate::certificate::{Certificate, Hash, ecdsa_verifies, issuer_on_path};
use crate::trust_root::TrustedRoot;
use crate::{Error, Result};

const SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
const CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
const TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");

fn digest_hash(oid: ObjectIdentifier) -> Option<Hash> {
    match oid {
        o if o == SHA256 => Some(Hash::Sha256),
        o if o == SHA384 => Some(Hash::Sha384),
        o if o == SHA512 => Some(Hash::Sha512),
        _ => None,
    }
}

fn bad(what: &str, reason: &str) -> Error {
    Error::verification(what, format!("the RFC 3161 timestamp {reason}"))
}

/// The token of a DER `TimeStampResp` (status granted) or of a bare `ContentInfo`.
fn token(der: &[u8], what: &str) -> Result<ContentInfo> {
    if let Ok(response) = TimeStampResp::from_der(der) {
        // PKIStatus granted (0) or grantedWithMods (1).
        if response.status.status as u8 > 1 {
            return Err(bad(what, "response does not grant a timestamp"));
        }
        return response
            .time_stamp_token
            .ok_or_else(|| bad(what, "response carries no token"));
    }
    ContentInfo::from_der(der).map_err(|e| {
        Error::document(
            what,
            format!("the RFC 3161 timestamp is not a DER timestamp response or token: {e}"),
        )
    })
}

/// Verifies one signed timestamp over `signature` (the bytes the bundle's signature
/// holds); returns the stamped time, Unix seconds.
pub fn verify(der: &[u8], signature: &[u8], root: &TrustedRoot, what: &str) -> Result<i64> {
    let info = token(der, what)?;
    if info.content_type != SIGNED_DATA {
        return Err(bad(what, "token is not CMS signed data"));
    }
    let signed: SignedData = info
        .content
        .decode_as()
        .map_err(|e| Error::document(what, format!("bad RFC 3161 signed data: {e}")))?;
    if signed.encap_content_info.econtent_type != TST_INFO {
        return Err(bad(what, "token does not hold a TSTInfo"));
    }
    let Some(econtent) = &signed.encap_content_info.econtent else {
        return Err(bad(what, "token has no content"));
    };
    let tst_der = OctetStringRef::try_from(econtent)
        .map_err(|e| Error::document(what, format!("bad RFC 3161 content: {e}")))?
        .as_bytes();
    let tst = TstInfo::from_der(tst_der)
        .map_err(|e| Error::document(what, format!("bad RFC 3161 TSTInfo: {e}")))?;
    let imprint = &tst.message_imprint;
    let Some(imprint_hash) = digest_hash(imprint.hash_algorithm.oid) else {
        return Err(bad(what, "message imprint uses an unsupported hash"));
    };
    if imprint_hash.digest(signature) != imprint.hashed_message.as_bytes() {
        return Err(bad(what, "is not over this bundle's signature"));
    }
    let time = i64::try_from(tst.gen_time.to_unix_duration().as_secs())
        .map_err(|_| Error::document(what, "the RFC 3161 timestamp's time is out of range"))?;

    let signers = signed.signer_infos.0.as_slice();
    let [signer] = signers else {
        return Err(bad(what, "does not have exactly one signer"));
    };
    let Some(attributes) = &signer.signed_attrs else {
        return Err(bad(what, "signer has no signed attributes"));
    };
    let value_of = |oid: ObjectIdentifier| {
        attributes
            .iter()
            .find(|a| a.oid == oid)
            .and_then(|a| match a.values.as_slice() {
                [one] => Some(one),
                _ => None,
            })
    };
    let content_type_ok = value_of(CONTENT_TYPE)
        .and_then(|v| v.decode_as::<ObjectIdentifier>().ok())
        .is_some_and(|oid| oid == TST_INFO);
    let Some(digest_alg) = digest_hash(signer.digest_alg.oid) else {
        return Err(bad(what, "signer uses an unsupported digest"));
    };
    let digest_ok = value_of(MESSAGE_DIGEST)
        .and_then(|v| OctetStringRef::try_from(v).ok())
        .is_some_and(|d| d.as_bytes() == digest_alg.digest(tst_der));
    if !content_type_ok || !digest_ok {
        return Err(bad(
            what,
            "signed attributes do not name the TSTInfo (content type, message digest)",
        ));
    }
    let signature_hash = Hash::of_ecdsa(signer.signature_algorithm.oid).unwrap_or(digest_alg);
    let signed_attributes = attributes
        .to_der()
        .map_err(|e| Error::document(what, format!("bad RFC 3161 signed attributes: {e}")))?;

    let embedded = signed
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|choice| match choice {
            CertificateChoices::Certificate(c) => c.to_der().ok(),
            CertificateChoices::Other(_) => None,
        })
        .filter_map(|der| Certificate::from_der(&der, what).ok())
        .collect::<Vec<_>>();
    let is_signer = |c: &Certificate| match &signer.sid {
        SignerIdentifier::IssuerAndSerialNumber(id) => {
            c.has_issuer_and_serial(&id.issuer, &id.serial_number)
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => c.has_subject_key_id(ski.0.as_bytes()),
    };
    let mut signature_failed = false;
    for authority in &root.timestamp_authorities {
        if !authority.valid_for.contains(time) {
            continue;
        }
        let chain = authority
            .chain
            .iter()
            .map(|der| Certificate::from_der(der, "a trusted timestamp authority certificate"))
            .collect::<Result<Vec<_>>>()?;
        for candidate in chain.iter().chain(&embedded).filter(|c| is_signer(c)) {
            if candidate.is_ca()
                || !candidate.has_extended_usage(TIME_STAMPING)
                || !candidate.valid_at(time)
            {
                continue;
            }
            if !ecdsa_verifies(
                &candidate.public_key_der(what)?,
                signature_hash,
                &signed_attributes,
                signer.signature.as_bytes(),
            ) {
                signature_failed = true;
                continue;
            }
            if issuer_on_path(candidate, &chain, time, what)?.is_some() {
                return Ok(time);
            }
        }
    }
    if signature_failed {
        return Err(bad(what, "signature does not verify"));
    }
    Err(bad(
        what,
        "is not signed by a timestamp authority of the trusted root valid at its time",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empty_root() -> TrustedRoot {
        TrustedRoot {
            certificate_authorities: Vec::new(),
            tlogs: Vec::new(),
            ctlogs: Vec::new(),
            timestamp_authorities: Vec::new(),
        }
    }

    #[test]
    fn garbage_is_not_a_timestamp() {
        let err = verify(b"\x30\x03\x02\x01\x00", b"sig", &empty_root(), "t").unwrap_err();
        assert!(err.to_string().contains("RFC 3161"), "{err}");
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_tokens_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            let _ = verify(&bytes, b"sig", &empty_root(), "t");
        }
    }
}
