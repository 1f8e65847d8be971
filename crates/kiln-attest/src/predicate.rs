//! Predicate types: the aliases users type (`slsa`, `spdx`, …), the URIs they stand for,
//! which URIs each alias matches when filtering, and a shape check of each predicate
//! kiln is asked to sign.

pub mod provenance;

use crate::{Error, Result};

pub const SLSA_PROVENANCE_V1: &str = "https://slsa.dev/provenance/v1";
pub const SPDX: &str = "https://spdx.dev/Document";
pub const CYCLONEDX: &str = "https://cyclonedx.org/bom";
pub const OPENVEX: &str = "https://openvex.dev/ns/v0.2.0";
pub const COSIGN_VULN: &str = "https://cosign.sigstore.dev/attestation/vuln/v1";
pub const COSIGN_CUSTOM: &str = "https://cosign.sigstore.dev/attestation/v1";
/// The predicate type of a cosign v3 image signature statement.
pub const COSIGN_SIGN_V1: &str = "https://sigstore.dev/cosign/sign/v1";

/// A predicate type as the user named it: an alias or a full URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PredicateKind {
    Slsa,
    Spdx,
    CycloneDx,
    OpenVex,
    Vuln,
    Custom,
    /// Any other predicate type, by URI.
    Uri(String),
}

impl PredicateKind {
    /// Reads an alias (`slsa|spdx|cyclonedx|openvex|vuln|custom`) or a URI.
    pub fn parse(input: &str) -> Result<PredicateKind> {
        Ok(match input {
            "slsa" | "slsaprovenance1" => PredicateKind::Slsa,
            "spdx" | "spdxjson" => PredicateKind::Spdx,
            "cyclonedx" => PredicateKind::CycloneDx,
            "openvex" | "vex" => PredicateKind::OpenVex,
            "vuln" => PredicateKind::Vuln,
            "custom" => PredicateKind::Custom,
            uri if uri.contains(':') && !uri.chars().any(char::is_whitespace) => {
                PredicateKind::Uri(uri.to_owned())
            }
            other => {
                return Err(Error::document(
                    other,
                    "unknown predicate type (use slsa, spdx, cyclonedx, openvex, vuln, custom or a URI)",
                ));
            }
        })
    }

    /// The URI kiln writes for this kind.
    pub fn uri(&self) -> &str {
        match self {
            PredicateKind::Slsa => SLSA_PROVENANCE_V1,
            PredicateKind::Spdx => SPDX,
            PredicateKind::CycloneDx => CYCLONEDX,
            PredicateKind::OpenVex => OPENVEX,
            PredicateKind::Vuln => COSIGN_VULN,
            PredicateKind::Custom => COSIGN_CUSTOM,
            PredicateKind::Uri(u) => u,
        }
    }

    /// True if a statement with predicate type `uri` is of this kind. Aliases match the
    /// spellings other tools write (versioned SPDX/CycloneDX URIs, both OpenVEX URIs).
    pub fn matches(&self, uri: &str) -> bool {
        let family =
            |base: &str| uri == base || uri.strip_prefix(base).is_some_and(|r| r.starts_with('/'));
        match self {
            PredicateKind::Slsa => uri == SLSA_PROVENANCE_V1,
            PredicateKind::Spdx => family(SPDX),
            PredicateKind::CycloneDx => family(CYCLONEDX),
            PredicateKind::OpenVex => family("https://openvex.dev/ns") || uri == "text/vex",
            PredicateKind::Vuln => uri == COSIGN_VULN,
            PredicateKind::Custom => uri == COSIGN_CUSTOM,
            PredicateKind::Uri(u) => uri == u,
        }
    }

    /// Checks that `predicate` has the shape its kind requires before it is signed.
    pub fn check(&self, predicate: &serde_json::Value, what: &str) -> Result<()> {
        let object = predicate
            .as_object()
            .ok_or_else(|| Error::document(what, "the predicate is not a JSON object"))?;
        let need = |field: &str, why: &str| -> Result<()> {
            if object.contains_key(field) {
                Ok(())
            } else {
                Err(Error::document(what, format!("missing {field:?}: {why}")))
            }
        };
        match self {
            PredicateKind::Slsa => provenance::Provenance::check(predicate, what).map(|_| ()),
            PredicateKind::Spdx => need("spdxVersion", "not an SPDX document"),
            PredicateKind::CycloneDx => {
                if object.get("bomFormat").and_then(|v| v.as_str()) == Some("CycloneDX") {
                    Ok(())
                } else {
                    Err(Error::document(
                        what,
                        "not a CycloneDX BOM (bomFormat is not \"CycloneDX\")",
                    ))
                }
            }
            PredicateKind::OpenVex => {
                let context = object
                    .get("@context")
                    .and_then(|v| v.as_str())
                    .unwrap_or("");
                if context.starts_with("https://openvex.dev/ns") {
                    need("statements", "not an OpenVEX document")
                } else {
                    Err(Error::document(what, "not an OpenVEX document (@context)"))
                }
            }
            PredicateKind::Vuln => need("scanner", "not a cosign vulnerability scan predicate"),
            PredicateKind::Custom | PredicateKind::Uri(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_map_to_uris_and_match_other_tools_spellings() {
        let k = PredicateKind::parse("openvex").unwrap();
        assert_eq!(k.uri(), OPENVEX);
        assert!(k.matches("https://openvex.dev/ns"));
        assert!(k.matches("https://openvex.dev/ns/v0.2.0"));
        assert!(!k.matches("https://openvex.dev/nsx"));
        assert!(
            PredicateKind::parse("cyclonedx")
                .unwrap()
                .matches("https://cyclonedx.org/bom/v1.6")
        );
        assert!(
            PredicateKind::parse("spdx")
                .unwrap()
                .matches("https://spdx.dev/Document/v2.3")
        );
        assert!(
            !PredicateKind::parse("slsa")
                .unwrap()
                .matches("https://slsa.dev/provenance/v0.2")
        );
        assert_eq!(PredicateKind::parse("vuln").unwrap().uri(), COSIGN_VULN);
        assert_eq!(PredicateKind::parse("custom").unwrap().uri(), COSIGN_CUSTOM);
        let uri = PredicateKind::parse("https://example.com/p/v1").unwrap();
        assert!(uri.matches("https://example.com/p/v1"));
        assert!(PredicateKind::parse("sbom").is_err());
    }

    #[test]
    fn predicates_are_shape_checked() {
        let cdx = PredicateKind::CycloneDx;
        assert!(
            cdx.check(&serde_json::json!({"bomFormat": "CycloneDX"}), "f")
                .is_ok()
        );
        assert!(
            cdx.check(&serde_json::json!({"spdxVersion": "SPDX-2.3"}), "f")
                .is_err()
        );
        assert!(
            PredicateKind::Spdx
                .check(&serde_json::json!([]), "f")
                .is_err()
        );
        let vex =
            serde_json::json!({"@context": "https://openvex.dev/ns/v0.2.0", "statements": []});
        assert!(PredicateKind::OpenVex.check(&vex, "f").is_ok());
    }
}
