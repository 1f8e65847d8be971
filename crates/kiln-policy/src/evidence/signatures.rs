//! Signature facts: what `kiln_attest::cosign::read::verify` verified, turned into the
//! evidence's `signatures`, `attestations` (SBOM predicates compared with the image's
//! packages) and `provenance` (SLSA v1 predicates read as such).

use std::collections::BTreeSet;

use kiln_attest::cosign::read::{Evidence as Found, EvidenceKind, ImageVerification, Storage};
use kiln_attest::key::KeySet;
use kiln_attest::predicate::PredicateKind;
use kiln_attest::predicate::provenance::Provenance;
use kiln_types::{Inventory, Package};

use super::{
    AttestationFacts, DependencyFacts, ProvenanceFacts, RejectedFacts, SbomComparison,
    SignatureFacts, SubjectFacts, VerificationFacts,
};

/// How many missing or extra packages a comparison lists.
const MAX_LISTED: usize = 100;

/// The signature parts of the evidence.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Signed {
    pub verification: VerificationFacts,
    pub signatures: Vec<SignatureFacts>,
    pub attestations: Vec<AttestationFacts>,
    pub provenance: Vec<ProvenanceFacts>,
}

/// Nothing was looked up, and why.
pub fn not_checked(keys: &KeySet, note: &str) -> Signed {
    Signed {
        verification: VerificationFacts {
            checked: false,
            trusted_keys: key_ids(keys),
            note: Some(note.to_owned()),
            rejected: Vec::new(),
        },
        ..Signed::default()
    }
}

/// The registry was searched and nothing verified, for `reason`.
pub fn none_verified(keys: &KeySet, reason: &str) -> Signed {
    Signed {
        verification: VerificationFacts {
            checked: true,
            trusted_keys: key_ids(keys),
            note: Some(reason.to_owned()),
            rejected: Vec::new(),
        },
        ..Signed::default()
    }
}

/// The facts of a successful verification. `digests` are the image's digests (what the
/// reference names and the platform manifest); `inventory` is what kiln catalogued.
pub fn facts(
    outcome: &ImageVerification,
    keys: &KeySet,
    digests: &[&str],
    inventory: &Inventory,
) -> Signed {
    let mut signed = Signed {
        verification: VerificationFacts {
            checked: true,
            trusted_keys: key_ids(keys),
            note: None,
            rejected: outcome
                .rejected
                .iter()
                .map(|r| RejectedFacts {
                    location: r.location.clone(),
                    reason: r.reason.clone(),
                })
                .collect(),
        },
        ..Signed::default()
    };
    for v in &outcome.verified {
        let signers: Vec<String> = v.signers().iter().map(|k| k.key_id()).collect();
        let e = v.value();
        match e.kind {
            EvidenceKind::Signature => signed.signatures.push(signature(e, signers)),
            EvidenceKind::Attestation => {
                let a = attestation(e, signers.clone(), digests, inventory);
                if PredicateKind::Slsa.matches(&a.predicate_type) {
                    signed
                        .provenance
                        .push(provenance(e, signers, a.covers_image));
                }
                signed.attestations.push(a);
            }
        }
    }
    signed
}

fn key_ids(keys: &KeySet) -> Vec<String> {
    keys.keys().iter().map(|k| k.key_id()).collect()
}

fn storage(s: Storage) -> String {
    match s {
        Storage::Tag => "tag",
        Storage::Referrer => "referrer",
    }
    .to_owned()
}

fn signature(e: &Found, signers: Vec<String>) -> SignatureFacts {
    let p = &e.payload;
    // Simple signing (`critical.image`) or a cosign v3 statement (its subject).
    let digest = p
        .pointer("/critical/image/docker-manifest-digest")
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .or_else(|| {
            subjects(p)
                .first()
                .and_then(|s| s.digest.get("sha256"))
                .map(|h| format!("sha256:{h}"))
        })
        .unwrap_or_default();
    SignatureFacts {
        signers,
        storage: storage(e.storage),
        location: e.location.clone(),
        digest,
        docker_reference: p
            .pointer("/critical/identity/docker-reference")
            .and_then(|v| v.as_str())
            .map(str::to_owned),
    }
}

fn subjects(payload: &serde_json::Value) -> Vec<SubjectFacts> {
    payload
        .get("subject")
        .and_then(|s| s.as_array())
        .map(|list| {
            list.iter()
                .map(|s| SubjectFacts {
                    name: s.get("name").and_then(|n| n.as_str()).map(str::to_owned),
                    digest: s
                        .get("digest")
                        .and_then(|d| serde_json::from_value(d.clone()).ok())
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn covers(subjects: &[SubjectFacts], digests: &[&str]) -> bool {
    subjects.iter().any(|s| {
        s.digest
            .iter()
            .any(|(alg, hex)| digests.contains(&format!("{alg}:{hex}").as_str()))
    })
}

fn attestation(
    e: &Found,
    signers: Vec<String>,
    digests: &[&str],
    inventory: &Inventory,
) -> AttestationFacts {
    let predicate_type = e.predicate_type.clone().unwrap_or_default();
    let subjects = subjects(&e.payload);
    let is_sbom = PredicateKind::Spdx.matches(&predicate_type)
        || PredicateKind::CycloneDx.matches(&predicate_type);
    AttestationFacts {
        covers_image: covers(&subjects, digests),
        sbom: is_sbom.then(|| {
            let predicate = e.payload.get("predicate").cloned().unwrap_or_default();
            compare_sbom(&e.location, &predicate, inventory)
        }),
        predicate_type,
        signers,
        storage: storage(e.storage),
        location: e.location.clone(),
        subjects,
    }
}

/// The key packages compare by: purl type, namespace, name, and version.
fn package_key(p: &Package) -> String {
    let ns = p
        .purl
        .namespace()
        .filter(|n| !n.is_empty())
        .map(|n| format!("{n}/"))
        .unwrap_or_default();
    format!("pkg:{}/{ns}{}@{}", p.purl.ty(), p.purl.name(), p.version)
}

/// Compares an attested SBOM with the image's inventory.
pub fn compare_sbom(
    what: &str,
    predicate: &serde_json::Value,
    inventory: &Inventory,
) -> SbomComparison {
    let bytes = serde_json::to_vec(predicate).unwrap_or_default();
    let sbom = match kiln_sbom::read::read(what, &bytes) {
        Ok(s) => s,
        Err(e) => {
            return SbomComparison {
                format: None,
                packages: 0,
                missing: Vec::new(),
                missing_count: 0,
                extra: Vec::new(),
                extra_count: 0,
                error: Some(e.to_string()),
            };
        }
    };
    let listed: BTreeSet<String> = sbom.inventory.packages.iter().map(package_key).collect();
    let present: BTreeSet<String> = inventory.packages.iter().map(package_key).collect();
    let missing: Vec<String> = present.difference(&listed).cloned().collect();
    let extra: Vec<String> = listed.difference(&present).cloned().collect();
    SbomComparison {
        format: Some(sbom.format.to_owned()),
        packages: sbom.inventory.packages.len(),
        missing_count: missing.len(),
        missing: missing.into_iter().take(MAX_LISTED).collect(),
        extra_count: extra.len(),
        extra: extra.into_iter().take(MAX_LISTED).collect(),
        error: None,
    }
}

fn provenance(e: &Found, signers: Vec<String>, covers_image: bool) -> ProvenanceFacts {
    let predicate = e.payload.get("predicate").cloned().unwrap_or_default();
    let mut facts = ProvenanceFacts {
        signers,
        location: e.location.clone(),
        covers_image,
        builder_id: String::new(),
        build_type: String::new(),
        invocation_id: None,
        started_on: None,
        finished_on: None,
        external_parameters: serde_json::Value::Null,
        resolved_dependencies: Vec::new(),
        error: None,
    };
    match Provenance::check(&predicate, &e.location) {
        Ok(p) => {
            facts.builder_id = p.run_details.builder.id;
            facts.build_type = p.build_definition.build_type;
            if let Some(m) = p.run_details.metadata {
                facts.invocation_id = m.invocation_id;
                facts.started_on = m.started_on;
                facts.finished_on = m.finished_on;
            }
            facts.external_parameters =
                serde_json::Value::Object(p.build_definition.external_parameters);
            facts.resolved_dependencies = p
                .build_definition
                .resolved_dependencies
                .into_iter()
                .map(|d| DependencyFacts {
                    uri: d.uri,
                    name: d.name,
                    digest: d.digest,
                })
                .collect();
        }
        Err(err) => facts.error = Some(err.to_string()),
    }
    facts
}
