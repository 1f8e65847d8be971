//! The cosign "simple signing" payload: what a legacy `.sig` layer signs.
//!
//! `{"critical":{"identity":{"docker-reference":R},"image":{"docker-manifest-digest":D},
//! "type":"cosign container image signature"},"optional":null}`. Keys are read
//! case-insensitively (the spec's own example capitalises one); the digest is what counts.

use kiln_types::Digest;
use serde_json::{Map, Value};

use crate::{Error, Result};

/// The media type of a `.sig` layer.
pub const MEDIA_TYPE: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// The annotation that carries the base64 signature on a `.sig` (or empty on `.att`) layer.
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
pub const SIGNATURE_TYPE: &str = "cosign container image signature";

/// A parsed simple-signing payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleSigning {
    pub docker_reference: String,
    pub manifest_digest: Digest,
    /// The payload as JSON, for printing.
    pub json: Value,
}

/// The payload bytes kiln signs for the image `digest` known as `docker_reference`.
pub fn payload(docker_reference: &str, digest: &Digest) -> Vec<u8> {
    let value = serde_json::json!({
        "critical": {
            "identity": {"docker-reference": docker_reference},
            "image": {"docker-manifest-digest": digest.to_string()},
            "type": SIGNATURE_TYPE
        },
        "optional": null
    });
    serde_json::to_vec(&value).unwrap_or_default()
}

fn field<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

impl SimpleSigning {
    pub fn parse(bytes: &[u8], what: &str) -> Result<SimpleSigning> {
        let bad = |reason: &str| Error::document(what, format!("simple signing payload: {reason}"));
        let json: Value = serde_json::from_slice(bytes).map_err(|e| bad(&e.to_string()))?;
        let critical = json
            .as_object()
            .and_then(|o| field(o, "critical"))
            .and_then(Value::as_object)
            .ok_or_else(|| bad("no \"critical\" object"))?;
        let kind = field(critical, "type").and_then(Value::as_str);
        if kind != Some(SIGNATURE_TYPE) {
            return Err(bad(&format!("type is {kind:?}, not {SIGNATURE_TYPE:?}")));
        }
        let digest = field(critical, "image")
            .and_then(Value::as_object)
            .and_then(|i| field(i, "docker-manifest-digest"))
            .and_then(Value::as_str)
            .ok_or_else(|| bad("no image.docker-manifest-digest"))?;
        let manifest_digest: Digest = digest
            .parse()
            .map_err(|e| bad(&format!("docker-manifest-digest: {e}")))?;
        let docker_reference = field(critical, "identity")
            .and_then(Value::as_object)
            .and_then(|i| field(i, "docker-reference"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        Ok(SimpleSigning {
            docker_reference,
            manifest_digest,
            json,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trips_and_tolerates_key_case() {
        let d = Digest::sha256(b"m");
        let p = SimpleSigning::parse(&payload("r/app:1", &d), "p").unwrap();
        assert_eq!(p.manifest_digest, d);
        assert_eq!(p.docker_reference, "r/app:1");
        let spec_example = format!(
            r#"{{"critical":{{"identity":{{"docker-reference":"r"}},"image":{{"Docker-manifest-digest":"{d}"}},"type":"cosign container image signature"}},"optional":{{"k":"v"}}}}"#
        );
        assert_eq!(
            SimpleSigning::parse(spec_example.as_bytes(), "p")
                .unwrap()
                .manifest_digest,
            d
        );
    }

    #[test]
    fn wrong_type_or_digest_is_rejected() {
        let d = Digest::sha256(b"m");
        let other = String::from_utf8(payload("r", &d))
            .unwrap()
            .replace("cosign container", "atomic container");
        assert!(SimpleSigning::parse(other.as_bytes(), "p").is_err());
        let bad = String::from_utf8(payload("r", &d))
            .unwrap()
            .replace("sha256:", "sha256:zz");
        assert!(SimpleSigning::parse(bad.as_bytes(), "p").is_err());
    }
}
