//! SLSA Provenance v1 (`https://slsa.dev/provenance/v1`): the predicate types, with the
//! fields Build L1 requires checked on read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::statement::Subject;
use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Provenance {
    pub build_definition: BuildDefinition,
    pub run_details: RunDetails,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildDefinition {
    pub build_type: String,
    pub external_parameters: serde_json::Map<String, serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_parameters: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resolved_dependencies: Vec<ResourceDescriptor>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunDetails {
    pub builder: Builder,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BuildMetadata>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub byproducts: Vec<ResourceDescriptor>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Builder {
    pub id: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub version: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub builder_dependencies: Vec<ResourceDescriptor>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invocation_id: Option<String>,
    /// RFC 3339, UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_on: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_on: Option<String>,
}

/// A resource descriptor: at least one of `uri`, `digest`, `content`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceDescriptor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub digest: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

impl From<Subject> for ResourceDescriptor {
    fn from(s: Subject) -> ResourceDescriptor {
        ResourceDescriptor {
            uri: None,
            digest: s.digest,
            name: s.name,
            content: None,
        }
    }
}

impl Provenance {
    /// Reads a v1 provenance predicate and checks what Build L1 requires: a build type,
    /// a builder id, digests in lowercase hex, descriptors that name something.
    pub fn check(predicate: &serde_json::Value, what: &str) -> Result<Provenance> {
        let p: Provenance = serde_json::from_value(predicate.clone())
            .map_err(|e| Error::document(what, format!("not SLSA provenance v1: {e}")))?;
        if p.build_definition.build_type.is_empty() {
            return Err(Error::document(what, "buildDefinition.buildType is empty"));
        }
        if p.run_details.builder.id.is_empty() {
            return Err(Error::document(what, "runDetails.builder.id is empty"));
        }
        let descriptors = p
            .build_definition
            .resolved_dependencies
            .iter()
            .chain(&p.run_details.byproducts)
            .chain(&p.run_details.builder.builder_dependencies);
        for d in descriptors {
            if d.uri.is_none() && d.digest.is_empty() && d.content.is_none() {
                return Err(Error::document(
                    what,
                    "a resource descriptor has none of uri, digest, content",
                ));
            }
            for (alg, hex) in &d.digest {
                let hexy = alg == "gitCommit"
                    || alg == "sha1"
                    || alg.starts_with("sha")
                    || alg.starts_with("sha3");
                if hexy
                    && !hex
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                {
                    return Err(Error::document(
                        what,
                        format!("digest {alg}:{hex} is not lowercase hex"),
                    ));
                }
            }
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> serde_json::Value {
        serde_json::json!({
            "buildDefinition": {
                "buildType": "https://example.com/kiln/build/v1",
                "externalParameters": {"spec": "image.yaml"},
                "resolvedDependencies": [{"uri": "pkg:deb/debian/libc6@2.36", "digest": {"sha256": "ab"}}]
            },
            "runDetails": {"builder": {"id": "https://example.com/builder"}}
        })
    }

    #[test]
    fn required_fields_are_checked() {
        assert!(Provenance::check(&good(), "p").is_ok());
        let mut v = good();
        v["runDetails"]["builder"]["id"] = "".into();
        assert!(
            Provenance::check(&v, "p")
                .unwrap_err()
                .to_string()
                .contains("builder.id")
        );
        let mut v = good();
        v["buildDefinition"]["resolvedDependencies"][0]["digest"]["sha256"] = "AB".into();
        assert!(
            Provenance::check(&v, "p")
                .unwrap_err()
                .to_string()
                .contains("lowercase")
        );
        // The v0.2 shape is not v1.
        let v02 = serde_json::json!({"builder": {"id": "x"}, "buildType": "t", "invocation": {}});
        assert!(Provenance::check(&v02, "p").is_err());
    }
}
