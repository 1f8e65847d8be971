//! Sigstore bundles v0.3 (the protobuf-JSON form of `dev.sigstore.bundle.v1.Bundle`) with
//! public-key verification material: a DSSE envelope (cosign v3 image signatures and
//! attestations) or a message signature (`sign-blob --bundle`).
//!
//! Certificate (keyless) bundles are refused here: [`crate::keyless`] verifies them
//! against a trusted root.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::dsse::{Envelope, RawEnvelope, decode_base64};
use crate::key::PublicKey;
use crate::{Error, Result};

pub const MEDIA_TYPE_V03: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// Older spellings readers must accept.
const LEGACY_MEDIA_TYPES: [&str; 3] = [
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawBundle {
    pub media_type: String,
    pub verification_material: RawVerificationMaterial,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dsse_envelope: Option<RawEnvelope>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_signature: Option<RawMessageSignature>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawVerificationMaterial {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<PublicKeyIdentifier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x509_certificate_chain: Option<serde_json::Value>,
    #[serde(default)]
    pub tlog_entries: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PublicKeyIdentifier {
    #[serde(default)]
    pub hint: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawMessageSignature {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_digest: Option<RawHashOutput>,
    pub signature: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RawHashOutput {
    pub algorithm: String,
    pub digest: String,
}

/// What a checked public-key bundle carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    Dsse(Envelope),
    MessageSignature {
        /// SHA-256 of the message, when the bundle states it.
        sha256: Option<Vec<u8>>,
        signature: Vec<u8>,
    },
}

/// A checked bundle with public-key verification material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    pub key_hint: String,
    pub content: Content,
}

impl RawBundle {
    pub fn parse(bytes: &[u8], what: &str) -> Result<RawBundle> {
        serde_json::from_slice(bytes)
            .map_err(|e| Error::document(what, format!("not a Sigstore bundle: {e}")))
    }

    /// Checks the media type, the verification material and the content.
    pub fn check(self, what: &str) -> Result<Bundle> {
        check_media_type(&self.media_type, what)?;
        let material = self.verification_material;
        let Some(public_key) = material.public_key else {
            let reason =
                if material.certificate.is_some() || material.x509_certificate_chain.is_some() {
                    "keyless bundle (Fulcio certificate): verify it with a trusted root"
                } else {
                    "the bundle has no verification material"
                };
            return Err(Error::verification(what, reason));
        };
        let content = check_content(
            self.dsse_envelope,
            self.message_signature,
            &public_key.hint,
            what,
        )?;
        Ok(Bundle {
            key_hint: public_key.hint,
            content,
        })
    }
}

pub(crate) fn check_media_type(media_type: &str, what: &str) -> Result<()> {
    if media_type != MEDIA_TYPE_V03 && !LEGACY_MEDIA_TYPES.contains(&media_type) {
        return Err(Error::document(
            what,
            format!("unknown bundle media type {media_type:?}"),
        ));
    }
    Ok(())
}

/// Checks a bundle's content: exactly one of a DSSE envelope (with exactly one signature,
/// whose key id equals `hint` when that is set) and a message signature.
pub(crate) fn check_content(
    dsse_envelope: Option<RawEnvelope>,
    message_signature: Option<RawMessageSignature>,
    hint: &str,
    what: &str,
) -> Result<Content> {
    match (dsse_envelope, message_signature) {
        (Some(envelope), None) => {
            let envelope = envelope.check(what)?;
            if envelope.signatures().len() != 1 {
                return Err(Error::verification(
                    what,
                    format!(
                        "a bundle's envelope must carry exactly one signature, not {}",
                        envelope.signatures().len()
                    ),
                ));
            }
            let keyid = &envelope.signatures()[0].keyid;
            if !hint.is_empty() && keyid != hint {
                return Err(Error::document(
                    what,
                    "the key hint differs from the envelope's key id",
                ));
            }
            Ok(Content::Dsse(envelope))
        }
        (None, Some(message)) => {
            let sha256 = match message.message_digest {
                None => None,
                Some(d) if d.algorithm == "SHA2_256" => Some(
                    decode_base64(&d.digest)
                        .filter(|b| b.len() == 32)
                        .ok_or_else(|| {
                            Error::document(what, "the message digest is not 32 bytes of base64")
                        })?,
                ),
                Some(d) => {
                    return Err(Error::verification(
                        what,
                        format!("unsupported message digest algorithm {:?}", d.algorithm),
                    ));
                }
            };
            let signature = decode_base64(&message.signature)
                .ok_or_else(|| Error::document(what, "the signature is not base64"))?;
            Ok(Content::MessageSignature { sha256, signature })
        }
        _ => Err(Error::document(
            what,
            "a bundle carries exactly one of dsseEnvelope and messageSignature",
        )),
    }
}

fn material(key: &PublicKey) -> RawVerificationMaterial {
    RawVerificationMaterial {
        public_key: Some(PublicKeyIdentifier { hint: key.key_id() }),
        certificate: None,
        x509_certificate_chain: None,
        tlog_entries: Vec::new(),
    }
}

/// A v0.3 bundle around a DSSE envelope signed by `key`.
pub fn for_envelope(envelope: &Envelope, key: &PublicKey) -> RawBundle {
    RawBundle {
        media_type: MEDIA_TYPE_V03.to_owned(),
        verification_material: material(key),
        dsse_envelope: Some(envelope.to_raw()),
        message_signature: None,
    }
}

/// A v0.3 bundle with a message signature over a blob with SHA-256 `sha256`.
pub fn for_message(sha256: &[u8], signature: &[u8], key: &PublicKey) -> RawBundle {
    RawBundle {
        media_type: MEDIA_TYPE_V03.to_owned(),
        verification_material: material(key),
        dsse_envelope: None,
        message_signature: Some(RawMessageSignature {
            message_digest: Some(RawHashOutput {
                algorithm: "SHA2_256".to_owned(),
                digest: STANDARD.encode(sha256),
            }),
            signature: STANDARD.encode(signature),
        }),
    }
}

impl RawBundle {
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::{KeyType, SigningKey};

    #[test]
    fn keyless_and_malformed_bundles_are_refused() {
        let keyless = serde_json::json!({
            "mediaType": MEDIA_TYPE_V03,
            "verificationMaterial": {"certificate": {"rawBytes": "AA=="}},
            "messageSignature": {"signature": "AA=="}
        });
        let err = RawBundle::parse(keyless.to_string().as_bytes(), "b")
            .unwrap()
            .check("b")
            .unwrap_err();
        assert!(
            err.is_verification_failure() && err.to_string().contains("keyless"),
            "{err}"
        );
        let both = serde_json::json!({
            "mediaType": MEDIA_TYPE_V03,
            "verificationMaterial": {"publicKey": {"hint": ""}}
        });
        assert!(
            RawBundle::parse(both.to_string().as_bytes(), "b")
                .unwrap()
                .check("b")
                .is_err()
        );
        let sha512 = serde_json::json!({
            "mediaType": MEDIA_TYPE_V03,
            "verificationMaterial": {"publicKey": {"hint": ""}},
            "messageSignature": {"messageDigest": {"algorithm": "SHA2_512", "digest": "AA=="}, "signature": "AA=="}
        });
        let err = RawBundle::parse(sha512.to_string().as_bytes(), "b")
            .unwrap()
            .check("b")
            .unwrap_err();
        assert!(err.to_string().contains("SHA2_512"));
    }

    #[test]
    fn envelope_bundle_round_trips() {
        let key = SigningKey::generate(KeyType::EcdsaP256);
        let env = Envelope::sign("t", b"p".to_vec(), &[&key]);
        let json = for_envelope(&env, &key.public_key()).to_json();
        let bundle = RawBundle::parse(&json, "b").unwrap().check("b").unwrap();
        assert_eq!(bundle.content, Content::Dsse(env));
        assert_eq!(bundle.key_hint, key.public_key().key_id());
    }
}
