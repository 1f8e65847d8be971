//! cosign's storage of signatures and attestations next to an image in a registry, in
//! both forms cosign reads:
//!
//! - the legacy tags (cosign v2): `sha256-<hex>.sig`, an image manifest with one
//!   simple-signing layer per signature (the signature in the
//!   `dev.cosignproject.cosign/signature` annotation), and `sha256-<hex>.att`, one DSSE
//!   envelope layer per attestation (annotation `predicateType`, empty signature
//!   annotation);
//! - the cosign v3 form: a Sigstore bundle v0.3 in an OCI 1.1 artifact whose `subject` is
//!   the image, found through the referrers API or its fallback tag.
//!
//! [`write`] stores them, [`read`] finds and verifies them, in a registry or an OCI
//! layout ([`store`]).

pub mod read;
pub mod store;
pub mod write;

pub use store::{LayoutStore, Store};

use kiln_oci::manifest::Descriptor;
use kiln_types::{Digest, ImageRef};

use crate::{Error, Result};

/// The manifest annotation of a bundle referrer naming its content.
pub const BUNDLE_CONTENT_ANNOTATION: &str = "dev.sigstore.bundle.content";
/// The manifest annotation of a bundle referrer naming its predicate type.
pub const BUNDLE_PREDICATE_ANNOTATION: &str = "dev.sigstore.bundle.predicateType";
/// The layer annotation of a `.att` layer.
pub const PREDICATE_TYPE_ANNOTATION: &str = "predicateType";

/// An image resolved to the exact manifest its signatures must name.
#[derive(Debug, Clone)]
pub struct ResolvedImage {
    /// The reference as given (tag kept, for the signed identity).
    pub reference: ImageRef,
    /// The manifest (or index) descriptor: its digest is what gets signed.
    pub descriptor: Descriptor,
}

impl ResolvedImage {
    /// Resolves `reference` to its manifest digest (verified when pinned by digest).
    pub fn resolve(client: &dyn Store, reference: &ImageRef) -> Result<ResolvedImage> {
        let raw = client.get_manifest(reference)?;
        Ok(ResolvedImage {
            reference: reference.clone(),
            descriptor: raw.descriptor(),
        })
    }

    pub fn digest(&self) -> &Digest {
        &self.descriptor.digest
    }

    /// The identity a simple-signing payload names: `registry/repo[:tag]`.
    pub fn docker_reference(&self) -> String {
        match self.reference.tag() {
            Some(tag) => format!("{}:{tag}", self.reference.name()),
            None => self.reference.name(),
        }
    }

    /// The reference of the legacy tag with `suffix` (`sig` or `att`).
    pub fn legacy_tag(&self, suffix: &str) -> Result<ImageRef> {
        let tag = format!(
            "{}-{}.{suffix}",
            self.digest().algorithm().name(),
            self.digest().hex()
        );
        self.reference
            .with_tag(&tag)
            .map_err(|e| Error::document(&tag, e.to_string()))
    }
}

/// Which forms to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forms {
    /// The legacy `.sig`/`.att` tags.
    pub tag: bool,
    /// The cosign v3 bundle referrer.
    pub referrer: bool,
}

impl Default for Forms {
    fn default() -> Forms {
        Forms {
            tag: true,
            referrer: true,
        }
    }
}
