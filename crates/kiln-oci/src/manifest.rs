//! Manifests, indexes, descriptors and image configs, as parsed from their exact bytes.
//!
//! A parsed manifest is never re-serialised to compute a digest: [`RawManifest`] keeps the
//! bytes that were read or will be written, and the digest is always of those bytes.

use std::collections::BTreeMap;

use kiln_types::{Digest, Platform};
use serde::{Deserialize, Serialize};

use crate::media_type::{self, ManifestKind};
use crate::{Error, Result};

/// A content descriptor: what a manifest or index says about a blob or manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    pub media_type: String,
    pub digest: Digest,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<PlatformSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urls: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

impl Descriptor {
    pub fn new(media_type: &str, digest: Digest, size: u64) -> Descriptor {
        Descriptor {
            media_type: media_type.to_owned(),
            digest,
            size,
            platform: None,
            artifact_type: None,
            annotations: BTreeMap::new(),
            urls: None,
            data: None,
        }
    }

    /// The descriptor of `bytes` with `media_type`.
    pub fn of_bytes(media_type: &str, bytes: &[u8]) -> Descriptor {
        Descriptor::new(media_type, Digest::sha256(bytes), bytes.len() as u64)
    }
}

/// The `platform` object of an index entry or config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformSpec {
    pub architecture: String,
    pub os: String,
    #[serde(
        rename = "os.version",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub os_version: Option<String>,
    #[serde(
        rename = "os.features",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub os_features: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

impl PlatformSpec {
    pub fn platform(&self) -> Platform {
        Platform::new(&self.os, &self.architecture, self.variant.as_deref())
    }
}

/// A single-platform image manifest (OCI image manifest or Docker schema 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageManifest {
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    pub config: Descriptor,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub layers: Vec<Descriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// An OCI image index or Docker manifest list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageIndex {
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub manifests: Vec<Descriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl ImageIndex {
    /// An empty OCI index, as a layout's `index.json` starts.
    pub fn empty() -> ImageIndex {
        ImageIndex {
            schema_version: 2,
            media_type: Some(media_type::OCI_INDEX.to_owned()),
            artifact_type: None,
            manifests: Vec::new(),
            subject: None,
            annotations: BTreeMap::new(),
        }
    }
}

fn null_as_empty<'de, D, T>(d: D) -> std::result::Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// Manifest bytes exactly as stored, with the media type they were served or stored with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawManifest {
    pub media_type: String,
    pub bytes: Vec<u8>,
    pub digest: Digest,
}

/// A manifest parsed from its raw bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Image(Box<ImageManifest>),
    Index(Box<ImageIndex>),
}

impl RawManifest {
    /// Wraps `bytes`, taking the media type from the transport if known, else from the
    /// document's own `mediaType`, else from its shape (`manifests` or `layers`).
    pub fn new(
        declared_media_type: Option<&str>,
        bytes: Vec<u8>,
        what: &str,
    ) -> Result<RawManifest> {
        let digest = Digest::sha256(&bytes);
        let media_type = match declared_media_type.filter(|m| ManifestKind::of(m).is_some()) {
            Some(m) => m.to_owned(),
            None => sniff_media_type(&bytes, what)?,
        };
        Ok(RawManifest {
            media_type,
            bytes,
            digest,
        })
    }

    /// Wraps `bytes` and checks them against the digest they were asked for by.
    pub fn verified(
        declared_media_type: Option<&str>,
        bytes: Vec<u8>,
        expected: &Digest,
        what: &str,
    ) -> Result<RawManifest> {
        let actual = expected.of_same_kind(&bytes);
        if &actual != expected {
            return Err(Error::DigestMismatch {
                what: what.to_owned(),
                expected: expected.clone(),
                actual,
            });
        }
        let mut raw = RawManifest::new(declared_media_type, bytes, what)?;
        raw.digest = expected.clone();
        Ok(raw)
    }

    pub fn kind(&self) -> ManifestKind {
        ManifestKind::of(&self.media_type).unwrap_or(ManifestKind::Image)
    }

    /// Parses the bytes as the kind their media type names.
    pub fn parse(&self, what: &str) -> Result<Parsed> {
        let invalid = |reason: String| Error::InvalidManifest {
            what: what.to_owned(),
            reason,
        };
        match self.kind() {
            ManifestKind::Image => {
                let m: ImageManifest = serde_json::from_slice(&self.bytes)
                    .map_err(|e| invalid(format!("not an image manifest: {e}")))?;
                if m.schema_version != 2 {
                    return Err(invalid(format!(
                        "schemaVersion is {}, not 2",
                        m.schema_version
                    )));
                }
                Ok(Parsed::Image(Box::new(m)))
            }
            ManifestKind::Index => {
                let i: ImageIndex = serde_json::from_slice(&self.bytes)
                    .map_err(|e| invalid(format!("not an image index: {e}")))?;
                if i.schema_version != 2 {
                    return Err(invalid(format!(
                        "schemaVersion is {}, not 2",
                        i.schema_version
                    )));
                }
                Ok(Parsed::Index(Box::new(i)))
            }
        }
    }

    /// The descriptor that points at this manifest.
    pub fn descriptor(&self) -> Descriptor {
        Descriptor::new(
            &self.media_type,
            self.digest.clone(),
            self.bytes.len() as u64,
        )
    }

    /// Serialises `value` and wraps the bytes; for manifests kiln writes itself.
    pub fn from_value<T: Serialize>(media_type: &str, value: &T) -> Result<RawManifest> {
        let bytes = serde_json::to_vec(value).map_err(|e| Error::InvalidManifest {
            what: "manifest being written".to_owned(),
            reason: e.to_string(),
        })?;
        Ok(RawManifest {
            media_type: media_type.to_owned(),
            digest: Digest::sha256(&bytes),
            bytes,
        })
    }
}

fn sniff_media_type(bytes: &[u8], what: &str) -> Result<String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Probe {
        media_type: Option<String>,
        manifests: Option<serde_json::Value>,
        layers: Option<serde_json::Value>,
        config: Option<serde_json::Value>,
    }
    let probe: Probe = serde_json::from_slice(bytes).map_err(|e| Error::InvalidManifest {
        what: what.to_owned(),
        reason: format!("not JSON: {e}"),
    })?;
    if let Some(m) = probe.media_type {
        if ManifestKind::of(&m).is_some() {
            return Ok(m);
        }
        return Err(Error::UnknownMediaType {
            what: what.to_owned(),
            media_type: m,
        });
    }
    if probe.manifests.is_some() {
        Ok(media_type::OCI_INDEX.to_owned())
    } else if probe.layers.is_some() || probe.config.is_some() {
        Ok(media_type::OCI_MANIFEST.to_owned())
    } else {
        Err(Error::InvalidManifest {
            what: what.to_owned(),
            reason: "neither an image manifest nor an index".to_owned(),
        })
    }
}

/// The image configuration blob (OCI image config / Docker container config).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub os: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<RuntimeConfig>,
    #[serde(default)]
    pub rootfs: RootFs,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_as_empty"
    )]
    pub history: Vec<History>,
}

impl ImageConfig {
    pub fn platform(&self) -> Platform {
        Platform::new(&self.os, &self.architecture, self.variant.as_deref())
    }
}

/// The runtime part of a config: what a container starts with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RuntimeConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposed_ports: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volumes: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_signal: Option<String>,
}

/// `rootfs`: the uncompressed digests of the layers, base first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootFs {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub diff_ids: Vec<Digest>,
}

impl Default for RootFs {
    fn default() -> RootFs {
        RootFs {
            kind: "layers".to_owned(),
            diff_ids: Vec::new(),
        }
    }
}

/// One `history` entry of a config.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub empty_layer: bool,
}

/// Parses a config blob.
pub fn parse_config(bytes: &[u8], what: &str) -> Result<ImageConfig> {
    serde_json::from_slice(bytes).map_err(|e| Error::InvalidManifest {
        what: what.to_owned(),
        reason: format!("not an image config: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_type_comes_from_the_document_when_transport_is_silent() {
        let idx = br#"{"schemaVersion":2,"manifests":[]}"#.to_vec();
        assert_eq!(
            RawManifest::new(None, idx, "t").unwrap().media_type,
            media_type::OCI_INDEX
        );
        let m = br#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"x","digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":0},"layers":[]}"#;
        let raw = RawManifest::new(Some("text/plain"), m.to_vec(), "t").unwrap();
        assert_eq!(raw.media_type, media_type::DOCKER_MANIFEST);
        assert!(matches!(raw.parse("t").unwrap(), Parsed::Image(_)));
    }

    #[test]
    fn rejects_what_is_not_a_manifest() {
        assert!(RawManifest::new(None, b"not json".to_vec(), "t").is_err());
        assert!(RawManifest::new(None, br#"{"a":1}"#.to_vec(), "t").is_err());
        let unknown = br#"{"schemaVersion":2,"mediaType":"application/x-unknown"}"#.to_vec();
        assert!(matches!(
            RawManifest::new(None, unknown, "t"),
            Err(Error::UnknownMediaType { .. })
        ));
    }

    #[test]
    fn verified_rejects_a_digest_mismatch() {
        let bytes = br#"{"schemaVersion":2,"manifests":[]}"#.to_vec();
        let wrong = Digest::sha256(b"other");
        assert!(matches!(
            RawManifest::verified(None, bytes, &wrong, "t"),
            Err(Error::DigestMismatch { .. })
        ));
    }
}
