//! Signed certificate timestamps (RFC 6962) embedded in Fulcio certificates: the TLS
//! `SignedCertificateTimestampList` in extension 1.3.6.1.4.1.11129.2.4.2, each SCT a
//! certificate transparency log's promise to publish the precertificate. An SCT verifies
//! when a log of the trusted root (found by log id = SHA-256 of its key) signed, over
//! the precert entry — the SHA-256 of the issuer's SubjectPublicKeyInfo and the leaf's
//! TBSCertificate with the SCT extension removed — at a time when its key was valid.

use sha2::{Digest as _, Sha256};
use x509_cert::der::Decode as _;
use x509_cert::der::asn1::OctetStringRef;
use x509_cert::der::oid::ObjectIdentifier;

use crate::certificate::{Certificate, Hash, ecdsa_verifies};
use crate::key::hex_lower;
use crate::trust_root::TrustedRoot;
use crate::{Error, Result};

/// The embedded SCT list extension.
pub const SCT_LIST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11129.2.4.2");
/// SCTs in one list at most (Fulcio embeds one; browsers want two or three).
const MAX_SCTS: usize = 16;
/// TLS `HashAlgorithm.sha256` and `SignatureAlgorithm.ecdsa` (RFC 5246 §7.4.1.4.1).
const TLS_SHA256: u8 = 4;
const TLS_ECDSA: u8 = 3;

/// One signed certificate timestamp (v1), as the certificate carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sct {
    pub log_id: [u8; 32],
    /// Milliseconds since the Unix epoch.
    pub timestamp: u64,
    pub extensions: Vec<u8>,
    pub hash_algorithm: u8,
    pub signature_algorithm: u8,
    pub signature: Vec<u8>,
}

/// A byte reader over TLS presentation-language structures.
struct Tls<'a>(&'a [u8]);

impl<'a> Tls<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn uint(&mut self, bytes: usize) -> Option<u64> {
        Some(
            self.take(bytes)?
                .iter()
                .fold(0u64, |n, b| (n << 8) | u64::from(*b)),
        )
    }

    /// An opaque vector with a `bytes`-byte length prefix.
    fn vector(&mut self, bytes: usize) -> Option<&'a [u8]> {
        let len = usize::try_from(self.uint(bytes)?).ok()?;
        self.take(len)
    }
}

/// Parses a TLS `SignedCertificateTimestampList`; `None` when it is malformed. SCTs of
/// versions other than v1 are skipped, as RFC 6962 asks.
pub fn parse_list(bytes: &[u8]) -> Option<Vec<Sct>> {
    let mut outer = Tls(bytes);
    let mut list = Tls(outer.vector(2)?);
    if !outer.0.is_empty() {
        return None;
    }
    let mut scts = Vec::new();
    while !list.0.is_empty() {
        let mut sct = Tls(list.vector(2)?);
        if scts.len() == MAX_SCTS {
            return None;
        }
        if sct.uint(1)? != 0 {
            continue;
        }
        let log_id = sct.take(32)?.try_into().ok()?;
        let timestamp = sct.uint(8)?;
        let extensions = sct.vector(2)?.to_vec();
        let hash_algorithm = u8::try_from(sct.uint(1)?).ok()?;
        let signature_algorithm = u8::try_from(sct.uint(1)?).ok()?;
        let signature = sct.vector(2)?.to_vec();
        if !sct.0.is_empty() {
            return None;
        }
        scts.push(Sct {
            log_id,
            timestamp,
            extensions,
            hash_algorithm,
            signature_algorithm,
            signature,
        });
    }
    Some(scts)
}

/// The bytes a log signs for a precertificate entry (RFC 6962 §3.2
/// `digitally-signed struct`, `signature_type` certificate_timestamp, `entry_type`
/// precert_entry).
pub fn precert_signed_data(sct: &Sct, issuer_key_hash: &[u8; 32], tbs: &[u8]) -> Option<Vec<u8>> {
    let tbs_len = u32::try_from(tbs.len()).ok().filter(|n| *n < 1 << 24)?;
    let ext_len = u16::try_from(sct.extensions.len()).ok()?;
    let mut data = Vec::with_capacity(tbs.len() + sct.extensions.len() + 50);
    data.push(0); // sct_version v1
    data.push(0); // signature_type certificate_timestamp
    data.extend_from_slice(&sct.timestamp.to_be_bytes());
    data.extend_from_slice(&1u16.to_be_bytes()); // entry_type precert_entry
    data.extend_from_slice(issuer_key_hash);
    data.extend_from_slice(&tbs_len.to_be_bytes()[1..]);
    data.extend_from_slice(tbs);
    data.extend_from_slice(&ext_len.to_be_bytes());
    data.extend_from_slice(&sct.extensions);
    Some(data)
}

/// The SCTs embedded in `leaf`, or an error naming what is missing or malformed.
pub fn embedded(leaf: &Certificate, what: &str) -> Result<Vec<Sct>> {
    let Some(value) = leaf.extension(SCT_LIST) else {
        return Err(Error::verification(
            what,
            "the signing certificate has no embedded SCT (certificate transparency)",
        ));
    };
    OctetStringRef::from_der(value)
        .ok()
        .and_then(|list| parse_list(list.as_bytes()))
        .ok_or_else(|| Error::document(what, "the certificate's SCT list is malformed"))
}

/// Checks that at least one SCT embedded in `leaf` (issued by `issuer`) verifies with a
/// certificate transparency log of `root`; returns how many did.
pub fn verify_embedded(
    leaf: &Certificate,
    issuer: &Certificate,
    root: &TrustedRoot,
    what: &str,
) -> Result<usize> {
    let scts = embedded(leaf, what)?;
    let issuer_key_hash: [u8; 32] = Sha256::digest(issuer.public_key_der(what)?).into();
    let tbs = leaf.tbs_der_without(SCT_LIST, what)?;
    let mut verified = 0;
    let mut reasons = Vec::new();
    for sct in &scts {
        let Some(log) = root.ctlog(&sct.log_id) else {
            reasons.push(format!(
                "log {} is not in the trusted root",
                hex_lower(&sct.log_id)
            ));
            continue;
        };
        let seconds = i64::try_from(sct.timestamp / 1000).unwrap_or(i64::MAX);
        if !log.valid_for.contains(seconds) {
            reasons.push("the log's key was not valid at the SCT's time".to_owned());
            continue;
        }
        let signed = (sct.hash_algorithm == TLS_SHA256 && sct.signature_algorithm == TLS_ECDSA)
            && precert_signed_data(sct, &issuer_key_hash, &tbs).is_some_and(|data| {
                ecdsa_verifies(&log.public_key, Hash::Sha256, &data, &sct.signature)
            });
        if signed {
            verified += 1;
        } else {
            reasons.push("the signature does not verify with the log's key".to_owned());
        }
    }
    if verified == 0 {
        return Err(Error::verification(
            what,
            format!(
                "no embedded SCT verifies with a certificate transparency log of the trusted root ({})",
                if reasons.is_empty() {
                    "the list is empty".to_owned()
                } else {
                    reasons.join("; ")
                }
            ),
        ));
    }
    Ok(verified)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(sct: &Sct) -> Vec<u8> {
        let mut body = vec![0];
        body.extend_from_slice(&sct.log_id);
        body.extend_from_slice(&sct.timestamp.to_be_bytes());
        body.extend_from_slice(&(sct.extensions.len() as u16).to_be_bytes());
        body.extend_from_slice(&sct.extensions);
        body.push(sct.hash_algorithm);
        body.push(sct.signature_algorithm);
        body.extend_from_slice(&(sct.signature.len() as u16).to_be_bytes());
        body.extend_from_slice(&sct.signature);
        let mut item = (body.len() as u16).to_be_bytes().to_vec();
        item.extend(body);
        let mut list = (item.len() as u16).to_be_bytes().to_vec();
        list.extend(item);
        list
    }

    fn sample() -> Sct {
        Sct {
            log_id: [7; 32],
            timestamp: 1_700_000_000_123,
            extensions: vec![],
            hash_algorithm: TLS_SHA256,
            signature_algorithm: TLS_ECDSA,
            signature: vec![1, 2, 3],
        }
    }

    #[test]
    fn lists_round_trip_and_truncations_are_refused() {
        let bytes = encode(&sample());
        assert_eq!(parse_list(&bytes), Some(vec![sample()]));
        for cut in 0..bytes.len() {
            assert_eq!(parse_list(&bytes[..cut]), None, "cut at {cut}");
        }
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert_eq!(parse_list(&trailing), None);
    }

    #[test]
    fn precert_data_has_the_rfc_6962_layout() {
        let data = precert_signed_data(&sample(), &[9; 32], b"tbs").unwrap();
        let mut want = vec![0, 0];
        want.extend_from_slice(&1_700_000_000_123u64.to_be_bytes());
        want.extend_from_slice(&[0, 1]);
        want.extend_from_slice(&[9; 32]);
        want.extend_from_slice(&[0, 0, 3]);
        want.extend_from_slice(b"tbs");
        want.extend_from_slice(&[0, 0]);
        assert_eq!(data, want);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_lists_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            let _ = parse_list(&bytes);
        }
    }
}
