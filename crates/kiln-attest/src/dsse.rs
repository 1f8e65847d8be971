//! DSSE envelopes (v1.0.2): the pre-authentication encoding, signing, and verification
//! that returns the verified payload.
//!
//! A [`RawEnvelope`] is the JSON as read; [`Envelope`] is its checked, decoded form (both
//! standard and URL-safe base64, padded or not); [`Envelope::verify`] returns
//! [`Verified<Payload>`] with the exact payload bytes the signatures cover.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::{Deserialize, Serialize};

use crate::key::{KeySet, SigningKey};
use crate::verified::Verified;
use crate::{Error, Result};

/// The payload type of in-toto statements.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// The media type of a DSSE envelope stored as a blob (cosign `.att` layers).
pub const ENVELOPE_MEDIA_TYPE: &str = "application/vnd.dsse.envelope.v1+json";
/// Signatures read from one envelope at most.
const MAX_SIGNATURES: usize = 64;

/// `PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths in
/// decimal bytes.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let head = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        payload.len()
    );
    let mut out = Vec::with_capacity(head.len() + payload.len());
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(payload);
    out
}

/// Decodes standard or URL-safe base64, padded or not.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    const CONFIG: GeneralPurposeConfig =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    const STD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, CONFIG);
    const URL: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, CONFIG);
    STD.decode(text).or_else(|_| URL.decode(text)).ok()
}

/// An envelope as its JSON reads; every field required, unknown fields ignored.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawEnvelope {
    pub payload: String,
    pub payload_type: String,
    pub signatures: Vec<RawSignature>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RawSignature {
    #[serde(default)]
    pub keyid: Option<String>,
    pub sig: String,
}

/// A checked envelope: payload and signatures decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    payload_type: String,
    payload: Vec<u8>,
    signatures: Vec<Signature>,
}

/// One signature; `keyid` is an unauthenticated hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub keyid: String,
    pub sig: Vec<u8>,
}

/// A payload and its type, as the signatures cover them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    pub payload_type: String,
    pub bytes: Vec<u8>,
}

impl RawEnvelope {
    pub fn parse(bytes: &[u8], what: &str) -> Result<RawEnvelope> {
        serde_json::from_slice(bytes)
            .map_err(|e| Error::document(what, format!("not a DSSE envelope: {e}")))
    }

    pub fn check(self, what: &str) -> Result<Envelope> {
        let payload = decode_base64(&self.payload)
            .ok_or_else(|| Error::document(what, "the DSSE payload is not base64"))?;
        if self.signatures.len() > MAX_SIGNATURES {
            return Err(Error::document(
                what,
                format!("more than {MAX_SIGNATURES} signatures"),
            ));
        }
        let signatures = self
            .signatures
            .into_iter()
            .map(|s| {
                let sig = decode_base64(&s.sig)
                    .ok_or_else(|| Error::document(what, "a DSSE signature is not base64"))?;
                Ok(Signature {
                    keyid: s.keyid.unwrap_or_default(),
                    sig,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Envelope {
            payload_type: self.payload_type,
            payload,
            signatures,
        })
    }
}

impl Envelope {
    /// Parses and checks envelope JSON.
    pub fn parse(bytes: &[u8], what: &str) -> Result<Envelope> {
        RawEnvelope::parse(bytes, what)?.check(what)
    }

    /// Signs `payload` with each of `keys` (key ids: the public keys' ids).
    pub fn sign(payload_type: &str, payload: Vec<u8>, keys: &[&SigningKey]) -> Envelope {
        let message = pae(payload_type, &payload);
        let signatures = keys
            .iter()
            .map(|k| Signature {
                keyid: k.public_key().key_id(),
                sig: k.sign(&message),
            })
            .collect();
        Envelope {
            payload_type: payload_type.to_owned(),
            payload,
            signatures,
        }
    }

    pub fn payload_type(&self) -> &str {
        &self.payload_type
    }

    pub fn signatures(&self) -> &[Signature] {
        &self.signatures
    }

    /// The payload before verification: for display of untrusted content only.
    pub fn unverified_payload(&self) -> &[u8] {
        &self.payload
    }

    /// The JSON form, standard base64.
    pub fn to_raw(&self) -> RawEnvelope {
        RawEnvelope {
            payload: STANDARD.encode(&self.payload),
            payload_type: self.payload_type.clone(),
            signatures: self
                .signatures
                .iter()
                .map(|s| RawSignature {
                    keyid: Some(s.keyid.clone()),
                    sig: STANDARD.encode(&s.sig),
                })
                .collect(),
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(&self.to_raw()).unwrap_or_default()
    }

    /// Verifies the signatures over `PAE(payloadType, payload)` and returns the payload
    /// when at least `threshold` (minimum 1) distinct trusted keys signed it. Key ids are
    /// ignored. An empty key set or an envelope without signatures fails.
    pub fn verify(self, keys: &KeySet, threshold: usize, what: &str) -> Result<Verified<Payload>> {
        if keys.is_empty() {
            return Err(Error::verification(what, "no trusted keys to verify with"));
        }
        if self.signatures.is_empty() {
            return Err(Error::verification(what, "the envelope has no signatures"));
        }
        let threshold = threshold.max(1);
        let message = pae(&self.payload_type, &self.payload);
        let mut signers = Vec::new();
        for signature in &self.signatures {
            for key in keys.keys() {
                if !signers.contains(key) && key.verifies(&message, &signature.sig) {
                    signers.push(key.clone());
                    break;
                }
            }
        }
        if signers.is_empty() {
            return Err(Error::verification(
                what,
                "no signature verifies with the trusted keys",
            ));
        }
        if signers.len() < threshold {
            return Err(Error::verification(
                what,
                format!(
                    "{} of the required {threshold} trusted keys signed",
                    signers.len()
                ),
            ));
        }
        Ok(Verified::new(
            Payload {
                payload_type: self.payload_type,
                bytes: self.payload,
            },
            signers,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::KeyType;

    #[test]
    fn pae_matches_the_spec_vector() {
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ");
        // Lengths count bytes, not characters.
        let mut expected = "DSSEv1 2 é 1 ".as_bytes().to_vec();
        expected.push(0xff);
        assert_eq!(pae("é", b"\xff"), expected);
    }

    #[test]
    fn url_safe_and_unpadded_base64_are_accepted() {
        let key = SigningKey::generate(KeyType::EcdsaP256);
        let env = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, b"{\"a\":\"??>>\"}".to_vec(), &[&key]);
        let mut raw = env.to_raw();
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        raw.payload = url.encode(b"{\"a\":\"??>>\"}");
        raw.signatures[0].sig = url.encode(&env.signatures()[0].sig);
        let json = serde_json::to_vec(&raw).unwrap();
        let back = Envelope::parse(&json, "e").unwrap();
        assert_eq!(back, env);
        let keys = KeySet::new(vec![key.public_key()]);
        assert_eq!(
            back.verify(&keys, 1, "e").unwrap().value().bytes,
            b"{\"a\":\"??>>\"}"
        );
    }

    #[test]
    fn missing_required_fields_are_rejected() {
        for json in [
            r#"{"payloadType":"t","signatures":[]}"#,
            r#"{"payload":"","signatures":[]}"#,
            r#"{"payload":"","payloadType":"t"}"#,
            r#"{"payload":"","payloadType":"t","signatures":[{"keyid":""}]}"#,
        ] {
            assert!(Envelope::parse(json.as_bytes(), "e").is_err(), "{json}");
        }
    }

    #[test]
    fn verification_fails_closed() {
        let key = SigningKey::generate(KeyType::EcdsaP256);
        let other = SigningKey::generate(KeyType::Ed25519);
        let keys = KeySet::new(vec![key.public_key()]);
        let env = Envelope::sign("t", b"x".to_vec(), &[&key]);
        let err = env.clone().verify(&KeySet::default(), 1, "e").unwrap_err();
        assert_eq!(err.to_string(), "e: no trusted keys to verify with");
        let unsigned = Envelope::sign("t", b"x".to_vec(), &[]);
        let err = unsigned.verify(&keys, 1, "e").unwrap_err();
        assert_eq!(err.to_string(), "e: the envelope has no signatures");
        let err = env
            .clone()
            .verify(&KeySet::new(vec![other.public_key()]), 1, "e")
            .unwrap_err();
        assert!(err.is_verification_failure());
        // A payload type change breaks the PAE.
        let mut retyped = env.clone();
        retyped.payload_type = "u".to_owned();
        assert!(retyped.verify(&keys, 1, "e").is_err());
        // Two signatures by the same key count once.
        let twice = Envelope::sign("t", b"x".to_vec(), &[&key, &key]);
        let both = KeySet::new(vec![key.public_key(), other.public_key()]);
        let err = twice.verify(&both, 2, "e").unwrap_err();
        assert_eq!(
            err.to_string(),
            "e: 1 of the required 2 trusted keys signed"
        );
        let pair = Envelope::sign("t", b"x".to_vec(), &[&key, &other]);
        assert_eq!(pair.verify(&both, 2, "e").unwrap().signers().len(), 2);
    }
}
