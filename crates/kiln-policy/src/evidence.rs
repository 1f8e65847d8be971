//! The evidence document: everything kiln knows about one image, as one JSON object that
//! policies read as `input`. Its schema is versioned ([`SCHEMA`]) and documented in
//! `docs/policy/evidence.md` and `docs/policy/evidence.schema.json`; fields are only ever
//! added within a version.
//!
//! [`builder`] assembles it from a target; the parts are computed by [`files`] (over the
//! merged filesystem), [`image`] (config and user), [`vulns`] (findings with VEX and
//! ages) and [`signatures`] (verified signatures, attestations and provenance).

pub mod builder;
pub mod files;
pub mod image;
pub mod signatures;
pub mod vulns;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{PolicyError, Result};

/// The schema identifier every document carries in `schema`.
pub const SCHEMA: &str = "kiln.dev/evidence/v1";

/// One image's evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// When the document was assembled (RFC 3339, UTC); finding ages count to it.
    pub generated: String,
    pub image: ImageFacts,
    pub files: FileFacts,
    pub sbom: SbomFacts,
    pub vulnerabilities: VulnFacts,
    pub verification: VerificationFacts,
    /// Verified image signatures.
    pub signatures: Vec<SignatureFacts>,
    /// Verified attestations (every predicate type, provenance and SBOMs included).
    pub attestations: Vec<AttestationFacts>,
    /// The verified SLSA provenance v1 predicates.
    pub provenance: Vec<ProvenanceFacts>,
}

impl Evidence {
    /// Reads a document written by [`Evidence::to_json`] (or by hand), checking its schema.
    pub fn from_json(what: &str, bytes: &[u8]) -> Result<Evidence> {
        let bad = |reason: String| PolicyError::Evidence {
            what: what.to_owned(),
            reason,
        };
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| bad(format!("not JSON: {e}")))?;
        match value.get("schema").and_then(serde_json::Value::as_str) {
            Some(SCHEMA) => {}
            Some(other) => return Err(bad(format!("schema {other:?} is not {SCHEMA:?}"))),
            None => return Err(bad(format!("no \"schema\" field (expected {SCHEMA:?})"))),
        }
        serde_json::from_value(value).map_err(|e| bad(e.to_string()))
    }

    /// The document as pretty JSON with a final newline.
    pub fn to_json(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

/// The image and its config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageFacts {
    /// The target as the user named it.
    pub reference: String,
    /// The digest of what the reference names (an index or a manifest).
    pub digest: String,
    /// The digest of the platform's image manifest.
    pub manifest_digest: String,
    /// `os/arch[/variant]`.
    pub platform: String,
    /// The config's `created`, if any.
    pub created: Option<String>,
    /// How many layers.
    pub layers: usize,
    pub config: ConfigFacts,
    /// The user the container starts as, resolved.
    pub user: UserFacts,
}

/// The runtime config, as the image declares it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConfigFacts {
    /// `User` exactly as written (empty: not set, which means root).
    pub user: String,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    /// `NAME=value` entries, in order.
    pub env: Vec<String>,
    pub labels: BTreeMap<String, String>,
    pub working_dir: String,
    pub exposed_ports: Vec<String>,
}

/// The user a container starts as.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserFacts {
    /// The user part of `User` (`""` when unset).
    pub name: String,
    /// The numeric uid, when known (`0` for an unset user).
    pub uid: Option<u64>,
    /// The numeric gid, when known.
    pub gid: Option<u64>,
    /// How the uid was found: `default` (unset: root), `numeric`, `passwd` (looked up in
    /// the image's `/etc/passwd`) or `unresolved` (a name the image does not define).
    pub resolved_by: String,
}

/// Facts about the merged filesystem.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileFacts {
    /// Paths in the image (directories included).
    pub count: usize,
    /// Executable shells (and busybox, which is one).
    pub shells: Vec<ExecutableFact>,
    /// Executable package managers, OS and language.
    pub package_managers: Vec<ExecutableFact>,
    /// Regular files with the setuid bit.
    pub setuid: Vec<ModeFact>,
    /// Regular files with the setgid bit.
    pub setgid: Vec<ModeFact>,
}

/// An executable found by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutableFact {
    /// Where it is.
    pub path: String,
    /// What it is (`sh`, `bash`, `apt`, `pip`).
    pub name: String,
    /// `shell`, or for package managers `os` or `language`.
    pub kind: String,
    /// The regular file it resolves to, when `path` is a link.
    pub target: Option<String>,
}

/// A file and its permission bits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModeFact {
    pub path: String,
    /// Octal, four digits (`4755`).
    pub mode: String,
    pub uid: u64,
    pub gid: u64,
}

/// The packages kiln catalogued in the image.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SbomFacts {
    /// `ID` and `VERSION_ID` of os-release, if any.
    pub distro: Option<DistroFacts>,
    /// How many packages.
    pub count: usize,
    pub packages: Vec<PackageFacts>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistroFacts {
    pub id: String,
    pub version_id: Option<String>,
}

/// One catalogued package.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PackageFacts {
    pub name: String,
    pub version: String,
    /// `deb`, `apk`, `rpm`, `python`, `npm`, …
    pub kind: String,
    pub purl: String,
}

/// The vulnerability scan, if one was made.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VulnFacts {
    /// False when no advisory database was available: there are then no findings, which
    /// does not mean there are no vulnerabilities.
    pub scanned: bool,
    /// The database that was used.
    pub database: Option<String>,
    /// The VEX documents that were applied.
    pub vex: Vec<String>,
    /// Every finding, suppressed ones included (`suppressed: true`).
    pub findings: Vec<FindingFacts>,
    /// Packages that could not be looked up, and why.
    pub warnings: Vec<String>,
}

/// One vulnerability of one package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingFacts {
    pub id: String,
    pub aliases: Vec<String>,
    pub package: PackageFacts,
    /// `critical`, `high`, `medium`, `low`, `negligible`, or null when unrated.
    pub rating: Option<String>,
    /// The fixed version, if one is known.
    pub fixed: Option<String>,
    /// Whether a fixed version is known.
    pub fixable: bool,
    /// The distribution's status, if distribution data matched.
    pub status: Option<String>,
    /// The VEX status that applies, if any.
    pub vex_status: Option<String>,
    pub vex_justification: Option<String>,
    /// Whether VEX (`not_affected`, `fixed`) suppresses it.
    pub suppressed: bool,
    /// The earliest publication date of its records and aliases (RFC 3339), if any.
    pub published: Option<String>,
    /// When it was first seen in this image, if a caller tracks that (RFC 3339).
    pub first_seen: Option<String>,
    /// Whole days from `first_seen` (else `published`) to `generated`; null if neither
    /// is known.
    pub age_days: Option<i64>,
}

/// How signatures were looked for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VerificationFacts {
    /// True when the image's registry was searched with trusted keys.
    pub checked: bool,
    /// The ids (SHA-256 of the SubjectPublicKeyInfo) of the trusted keys.
    pub trusted_keys: Vec<String>,
    /// Why nothing was checked, or why nothing verified.
    pub note: Option<String>,
    /// Signatures and attestations found that did not verify.
    pub rejected: Vec<RejectedFacts>,
}

/// Something found that did not verify.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RejectedFacts {
    pub location: String,
    pub reason: String,
}

/// A verified image signature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignatureFacts {
    /// Ids of the trusted keys whose signatures verified.
    pub signers: Vec<String>,
    /// `tag` (cosign v2 `.sig`) or `referrer` (cosign v3 bundle).
    pub storage: String,
    pub location: String,
    /// The manifest digest the signature names.
    pub digest: String,
    /// The identity the simple-signing payload names, if any.
    pub docker_reference: Option<String>,
}

/// A verified in-toto attestation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttestationFacts {
    pub predicate_type: String,
    pub signers: Vec<String>,
    pub storage: String,
    pub location: String,
    pub subjects: Vec<SubjectFacts>,
    /// Whether a subject names the image's digest (or its platform manifest's).
    pub covers_image: bool,
    /// For SPDX and CycloneDX predicates: the SBOM compared with the image.
    pub sbom: Option<SbomComparison>,
}

/// A statement subject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubjectFacts {
    pub name: Option<String>,
    pub digest: BTreeMap<String, String>,
}

/// An attested SBOM against the packages kiln finds in the image. Packages compare by
/// purl type, namespace, name and version (qualifiers ignored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SbomComparison {
    /// `spdx` or `cyclonedx`; null if the predicate could not be read.
    pub format: Option<String>,
    /// Packages the SBOM lists.
    pub packages: usize,
    /// Packages in the image the SBOM does not list (at most 100, `missing_count` all).
    pub missing: Vec<String>,
    pub missing_count: usize,
    /// Packages the SBOM lists that are not in the image (at most 100).
    pub extra: Vec<String>,
    pub extra_count: usize,
    /// Why the predicate could not be read, if it could not.
    pub error: Option<String>,
}

/// A verified SLSA provenance v1 predicate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProvenanceFacts {
    pub signers: Vec<String>,
    pub location: String,
    pub covers_image: bool,
    pub builder_id: String,
    pub build_type: String,
    pub invocation_id: Option<String>,
    pub started_on: Option<String>,
    pub finished_on: Option<String>,
    pub external_parameters: serde_json::Value,
    pub resolved_dependencies: Vec<DependencyFacts>,
    /// Why the predicate is not valid provenance v1, if it is not (then the other fields
    /// are empty).
    pub error: Option<String>,
}

/// One resolved dependency of a build.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DependencyFacts {
    pub uri: Option<String>,
    pub name: Option<String>,
    pub digest: BTreeMap<String, String>,
}
