//! Assembling the evidence document for one target: one streaming pass over its layers
//! (capturing what the catalogers and the user lookup need), then the file facts, the
//! inventory, the vulnerability scan, and the verified signatures.

use std::collections::BTreeMap;

use jiff::Timestamp;
use kiln_attest::cosign::ResolvedImage;
use kiln_attest::cosign::read::{self, ImageVerification, VerifyOptions};
use kiln_attest::key::KeySet;
use kiln_oci::fs::{Limits, MergedFs};
use kiln_oci::registry::Client;
use kiln_oci::{Image, ImageSource, OpenOptions, Target};
use kiln_sbom::Catalog;
use kiln_types::Inventory;
use kiln_vuln::{Database, VexDocument};

use super::signatures::{self, Signed};
use super::{DistroFacts, Evidence, PackageFacts, SCHEMA, SbomFacts, VulnFacts, files, image};
use crate::{PolicyError, Result};

/// Where the signature facts come from.
#[derive(Debug, Clone, Copy)]
pub enum Signatures<'a> {
    /// Not looked up (the document says so).
    Skip,
    /// Looked up in the image's registry and verified with these keys; targets that are
    /// not in a registry have none.
    Lookup(&'a KeySet),
    /// Already verified by the caller (`kiln verify`).
    Verified {
        keys: &'a KeySet,
        outcome: &'a ImageVerification,
    },
}

/// What the evidence is assembled from, besides the image.
#[derive(Debug, Clone, Copy)]
pub struct Sources<'a> {
    /// The advisory database; without one the document says the image was not scanned.
    pub database: Option<&'a Database>,
    /// VEX documents with their names.
    pub vex: &'a [(String, VexDocument)],
    pub signatures: Signatures<'a>,
    /// The time the document is made at; finding ages count to it.
    pub now: Timestamp,
    /// When each vulnerability (by id) was first seen in this image (RFC 3339), for
    /// callers that track it; ages count from it instead of the publication date.
    pub first_seen: Option<&'a BTreeMap<String, String>>,
}

/// Opens `target` (named `name` as the user wrote it) and assembles its evidence.
pub fn build(
    name: &str,
    target: &Target,
    options: &OpenOptions,
    sources: &Sources<'_>,
) -> Result<Evidence> {
    let src = target.open(options)?;
    let image = Image::resolve(src.as_ref(), options.platform.as_ref())?;
    let (mut evidence, inventory) = assemble_inner(name, src.as_ref(), &image, sources)?;
    if let Signatures::Lookup(keys) = sources.signatures {
        let digests = [
            evidence.image.digest.as_str(),
            evidence.image.manifest_digest.as_str(),
        ];
        let signed = match target {
            Target::Registry { reference } if !keys.is_empty() => {
                let client = Client::new(options.registry.clone())?;
                // Pinned to the digest the evidence was read from: a tag moved meanwhile
                // must not lend its signatures to this image.
                let pinned = reference.with_digest(image.root.digest.clone());
                let resolved = ResolvedImage::resolve(&client, &pinned)?;
                let verify = VerifyOptions {
                    threshold: 1,
                    predicate: None,
                };
                match read::verify(&client, &resolved, keys, &verify) {
                    Ok(outcome) => signatures::facts(&outcome, keys, &digests, &inventory),
                    Err(e) if e.is_verification_failure() => {
                        signatures::none_verified(keys, &e.to_string())
                    }
                    Err(e) => return Err(PolicyError::Attest(e)),
                }
            }
            Target::Registry { .. } => signatures::not_checked(keys, "no trusted keys were given"),
            other => signatures::not_checked(
                keys,
                &format!("{other} is not in a registry; signatures are kept in registries"),
            ),
        };
        set_signed(&mut evidence, signed);
    }
    Ok(evidence)
}

/// Assembles the evidence of an opened image. With [`Signatures::Lookup`] nothing is
/// looked up here (there is no target); [`build`] does that.
pub fn assemble(
    name: &str,
    src: &dyn ImageSource,
    image: &Image,
    sources: &Sources<'_>,
) -> Result<Evidence> {
    Ok(assemble_inner(name, src, image, sources)?.0)
}

fn assemble_inner(
    name: &str,
    src: &dyn ImageSource,
    image: &Image,
    sources: &Sources<'_>,
) -> Result<(Evidence, Inventory)> {
    let catalog = Catalog::default();
    let capture = |path: &str, size: u64| path == image::PASSWD || catalog.wants(path, size);
    let fs = MergedFs::from_image_with(src, image, &capture, &Limits::default())?;
    let mut inventory = catalog.catalog_fs(&fs);
    inventory.source = kiln_sbom::target_info(image, name);
    let file_facts = files::facts(&fs);
    let passwd = fs.read_resolved(image::PASSWD);
    let image_facts = image::facts(image, name, passwd);
    let vulnerabilities = match sources.database {
        Some(db) => {
            super::vulns::facts(db, &inventory, sources.vex, sources.now, sources.first_seen)?
        }
        None => VulnFacts {
            vex: sources.vex.iter().map(|(n, _)| n.clone()).collect(),
            ..VulnFacts::default()
        },
    };
    let digests = [
        image_facts.digest.as_str(),
        image_facts.manifest_digest.as_str(),
    ];
    let signed = match sources.signatures {
        Signatures::Skip => signatures::not_checked(&KeySet::default(), "not looked up"),
        Signatures::Lookup(keys) => signatures::not_checked(keys, "not looked up"),
        Signatures::Verified { keys, outcome } => {
            signatures::facts(outcome, keys, &digests, &inventory)
        }
    };
    let mut evidence = Evidence {
        schema: SCHEMA.to_owned(),
        generated: sources.now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        image: image_facts,
        files: file_facts,
        sbom: sbom_facts(&inventory),
        vulnerabilities,
        verification: signed.verification.clone(),
        signatures: Vec::new(),
        attestations: Vec::new(),
        provenance: Vec::new(),
    };
    set_signed(&mut evidence, signed);
    Ok((evidence, inventory))
}

fn set_signed(evidence: &mut Evidence, signed: Signed) {
    evidence.verification = signed.verification;
    evidence.signatures = signed.signatures;
    evidence.attestations = signed.attestations;
    evidence.provenance = signed.provenance;
}

fn sbom_facts(inventory: &Inventory) -> SbomFacts {
    let mut packages: Vec<PackageFacts> = inventory
        .packages
        .iter()
        .map(|p| PackageFacts {
            name: p.name.clone(),
            version: p.version.clone(),
            kind: p.kind.to_string(),
            purl: p.purl.to_string(),
        })
        .collect();
    packages.sort();
    SbomFacts {
        distro: inventory.distro.as_ref().map(|d| DistroFacts {
            id: d.id.clone(),
            version_id: d.version_id.clone(),
        }),
        count: packages.len(),
        packages,
    }
}
