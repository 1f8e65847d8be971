//! Finding and verifying an image's signatures and attestations: the legacy `.sig` and
//! `.att` tags and the bundle referrers. Each is verified against the trusted keys and
//! must name the image's manifest digest; what fails is reported, never trusted. Keyless
//! bundle referrers are verified against a trusted root and an identity policy instead.

use kiln_oci::manifest::{Descriptor, Parsed};
use kiln_types::{Digest, ImageRef};

use super::write::{existing_layers, fetch_blob};
use super::{ResolvedImage, Store};
use crate::bundle::{self, Content, RawBundle};
use crate::dsse::{ENVELOPE_MEDIA_TYPE, Envelope, IN_TOTO_PAYLOAD_TYPE, Payload};
use crate::key::KeySet;
use crate::keyless::{self, Policy, Signed, Signer};
use crate::predicate::{COSIGN_SIGN_V1, PredicateKind};
use crate::simple_signing::{self, SIGNATURE_ANNOTATION, SimpleSigning};
use crate::statement::Statement;
use crate::trust_root::TrustedRoot;
use crate::verified::Verified;
use crate::{Error, Result};

/// What signatures are verified against.
#[derive(Debug, Clone, Copy)]
pub enum Trust<'a> {
    /// Public keys: legacy tags and bundle referrers.
    Keys(&'a KeySet),
    /// Keyless bundles (Fulcio certificate, Rekor entry) against a trusted root and an
    /// identity policy. Only bundle referrers carry them (the legacy tags' keyless form,
    /// certificate annotations with a Rekor bundle annotation, is not read).
    Keyless(&'a TrustedRoot, &'a Policy),
}

/// Referrers examined at most.
const MAX_REFERRERS: usize = 1000;

/// Whether a piece of evidence is an image signature or an attestation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceKind {
    Signature,
    Attestation,
}

/// Where it was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// A layer of the legacy `.sig`/`.att` tag.
    Tag,
    /// A cosign v3 bundle referrer.
    Referrer,
}

/// A signature or attestation, as its verified payload says.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub kind: EvidenceKind,
    pub storage: Storage,
    /// The tag or manifest digest it was found under, and the layer digest.
    pub location: String,
    /// The statement's predicate type (attestations and v3 signatures).
    pub predicate_type: Option<String>,
    /// The verified payload: the simple-signing JSON or the in-toto statement.
    pub payload: serde_json::Value,
    /// The signer's certificate identity, for keyless bundles.
    pub signer: Option<Signer>,
}

/// A signature or attestation that did not verify, and why.
#[derive(Debug, Clone)]
pub struct Rejected {
    pub storage: Storage,
    pub location: String,
    pub reason: String,
}

/// What to require.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Distinct trusted keys that must have signed matching evidence (minimum 1).
    pub threshold: usize,
    /// Only attestations of this predicate type count.
    pub predicate: Option<PredicateKind>,
}

/// The outcome of a successful verification.
#[derive(Debug, Clone)]
pub struct ImageVerification {
    pub image: Descriptor,
    /// Evidence that verified and matches the options; never empty.
    pub verified: Vec<Verified<Evidence>>,
    /// Evidence that was found but did not verify (ignored, as cosign ignores it).
    pub rejected: Vec<Rejected>,
}

/// Finds every signature and attestation of `image` and verifies them against `keys`.
/// Fails (with [`Error::Verification`]) unless at least `threshold` distinct keys signed
/// matching evidence that names the image's digest.
pub fn verify(
    client: &dyn Store,
    image: &ResolvedImage,
    keys: &KeySet,
    options: &VerifyOptions,
) -> Result<ImageVerification> {
    verify_with(client, image, Trust::Keys(keys), options)
}

/// As [`verify`], with keys or a trusted root and identity policy.
pub fn verify_with(
    client: &dyn Store,
    image: &ResolvedImage,
    trust: Trust<'_>,
    options: &VerifyOptions,
) -> Result<ImageVerification> {
    let what = image.reference.to_string();
    if let Trust::Keys(keys) = trust
        && keys.is_empty()
    {
        return Err(Error::verification(&what, "no trusted keys to verify with"));
    }
    let mut found = Vec::new();
    let mut rejected = Vec::new();
    let mut sort =
        |storage: Storage, location: String, result: Result<Verified<Evidence>>| match result {
            Ok(v) => {
                found.push(v);
                Ok(())
            }
            Err(e @ (Error::Verification { .. } | Error::InvalidDocument { .. })) => {
                tracing::debug!(%location, reason = %e, "rejected");
                rejected.push(Rejected {
                    storage,
                    location,
                    reason: e.to_string(),
                });
                Ok(())
            }
            Err(e) => Err(e),
        };

    if let Trust::Keys(keys) = trust {
        let sig_tag = image.legacy_tag("sig")?;
        for layer in existing_layers(client, &sig_tag)? {
            let location = format!("{sig_tag} layer {}", layer.digest);
            let result =
                legacy_signature(client, &sig_tag, &layer, image.digest(), keys, &location);
            sort(Storage::Tag, location, result)?;
        }
        let att_tag = image.legacy_tag("att")?;
        for layer in existing_layers(client, &att_tag)? {
            let location = format!("{att_tag} layer {}", layer.digest);
            let result =
                legacy_attestation(client, &att_tag, &layer, image.digest(), keys, &location);
            sort(Storage::Tag, location, result)?;
        }
    }
    let referrers = client.referrers(
        &image.reference,
        image.digest(),
        Some(bundle::MEDIA_TYPE_V03),
    )?;
    for desc in referrers.iter().take(MAX_REFERRERS) {
        let location = format!("{}@{}", image.reference.name(), desc.digest);
        let result = referrer(
            client,
            &image.reference,
            &desc.digest,
            image.digest(),
            trust,
            &location,
        );
        sort(Storage::Referrer, location, result)?;
    }

    let total = found.len() + rejected.len();
    if total == 0 {
        return Err(Error::verification(
            &what,
            "no signatures or attestations found",
        ));
    }
    let matching: Vec<Verified<Evidence>> = found
        .into_iter()
        .filter(|v| match &options.predicate {
            None => true,
            Some(kind) => {
                v.value().kind == EvidenceKind::Attestation
                    && v.value()
                        .predicate_type
                        .as_deref()
                        .is_some_and(|t| kind.matches(t))
            }
        })
        .collect();
    if matching.is_empty() {
        let reason = match (&options.predicate, rejected.is_empty()) {
            (Some(kind), true) => format!("no attestation of type {} found", kind.uri()),
            (Some(kind), false) => format!(
                "no verified attestation of type {}: {}",
                kind.uri(),
                reasons(&rejected)
            ),
            (None, _) => format!("nothing verifies: {}", reasons(&rejected)),
        };
        return Err(Error::verification(&what, reason));
    }
    let mut signers = Vec::new();
    for v in &matching {
        for k in v.signers() {
            if !signers.contains(k) {
                signers.push(k.clone());
            }
        }
    }
    let threshold = options.threshold.max(1);
    if signers.len() < threshold {
        return Err(Error::verification(
            &what,
            format!(
                "{} of the required {threshold} trusted keys signed",
                signers.len()
            ),
        ));
    }
    Ok(ImageVerification {
        image: image.descriptor.clone(),
        verified: matching,
        rejected,
    })
}

fn reasons(rejected: &[Rejected]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for r in rejected {
        // The reason without the location prefix, once each.
        let reason = r
            .reason
            .strip_prefix(&format!("{}: ", r.location))
            .unwrap_or(&r.reason);
        if !seen.contains(&reason) {
            seen.push(reason);
        }
    }
    seen.join("; ")
}

fn legacy_signature(
    client: &dyn Store,
    tag: &ImageRef,
    layer: &Descriptor,
    image: &Digest,
    keys: &KeySet,
    what: &str,
) -> Result<Verified<Evidence>> {
    if layer.media_type != simple_signing::MEDIA_TYPE {
        return Err(Error::document(
            what,
            format!("unexpected layer type {:?}", layer.media_type),
        ));
    }
    let signature = layer
        .annotations
        .get(SIGNATURE_ANNOTATION)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::verification(what, "the layer has no signature"))?;
    let signature = crate::dsse::decode_base64(signature)
        .ok_or_else(|| Error::document(what, "the signature is not base64"))?;
    let payload = fetch_blob(client, tag, layer)?;
    let signer = keys
        .find_signer(&payload, &signature)
        .ok_or_else(|| {
            Error::verification(what, "the signature does not verify with the trusted keys")
        })?
        .clone();
    let signed = SimpleSigning::parse(&payload, what)?;
    if &signed.manifest_digest != image {
        return Err(Error::verification(
            what,
            format!(
                "signed digest {} is not the image's {image}",
                signed.manifest_digest
            ),
        ));
    }
    Ok(Verified::new(
        Evidence {
            kind: EvidenceKind::Signature,
            storage: Storage::Tag,
            location: what.to_owned(),
            predicate_type: None,
            payload: signed.json,
            signer: None,
        },
        vec![signer],
    ))
}

fn legacy_attestation(
    client: &dyn Store,
    tag: &ImageRef,
    layer: &Descriptor,
    image: &Digest,
    keys: &KeySet,
    what: &str,
) -> Result<Verified<Evidence>> {
    if layer.media_type != ENVELOPE_MEDIA_TYPE {
        return Err(Error::document(
            what,
            format!("unexpected layer type {:?}", layer.media_type),
        ));
    }
    let bytes = fetch_blob(client, tag, layer)?;
    let envelope = Envelope::parse(&bytes, what)?;
    let payload = envelope.verify(keys, 1, what)?;
    verified_statement(payload, image, None, Storage::Tag, what)
}

fn referrer(
    client: &dyn Store,
    repo: &ImageRef,
    manifest: &Digest,
    image: &Digest,
    trust: Trust<'_>,
    what: &str,
) -> Result<Verified<Evidence>> {
    let reference = repo.with_digest(manifest.clone());
    let Parsed::Image(m) = client.get_manifest(&reference)?.parse(what)? else {
        return Err(Error::document(what, "a bundle referrer is an index"));
    };
    if m.subject.as_ref().is_none_or(|s| &s.digest != image) {
        return Err(Error::verification(
            what,
            "the referrer's subject is not the image",
        ));
    }
    let layer = m
        .layers
        .iter()
        .find(|l| l.media_type == bundle::MEDIA_TYPE_V03)
        .ok_or_else(|| Error::verification(what, "the referrer has no bundle layer"))?;
    let bytes = fetch_blob(client, repo, layer)?;
    let unsupported = || {
        Error::verification(
            what,
            "message-signature bundles for images are not supported",
        )
    };
    match trust {
        Trust::Keys(keys) => match RawBundle::parse(&bytes, what)?.check(what)?.content {
            Content::Dsse(envelope) => {
                let payload = envelope.verify(keys, 1, what)?;
                verified_statement(payload, image, None, Storage::Referrer, what)
            }
            Content::MessageSignature { .. } => Err(unsupported()),
        },
        Trust::Keyless(root, policy) => {
            let verified = keyless::verify(&bytes, None, root, policy, what)?;
            let signer = verified.value().signer.clone();
            let payload = verified.try_map(|k| match k.signed {
                Signed::Dsse(payload) => Ok(payload),
                Signed::Artifact { .. } => Err(unsupported()),
            })?;
            verified_statement(payload, image, Some(signer), Storage::Referrer, what)
        }
    }
}

fn verified_statement(
    payload: Verified<Payload>,
    image: &Digest,
    signer: Option<Signer>,
    storage: Storage,
    what: &str,
) -> Result<Verified<Evidence>> {
    if payload.value().payload_type != IN_TOTO_PAYLOAD_TYPE {
        return Err(Error::verification(
            what,
            format!(
                "payload type {:?} is not an in-toto statement",
                payload.value().payload_type
            ),
        ));
    }
    let verified = payload.try_map(|p| Statement::parse(&p.bytes, what))?;
    if !verified.value().covers(image) {
        return Err(Error::verification(
            what,
            format!("the statement's subjects do not name the image's {image}"),
        ));
    }
    Ok(verified.map(|statement| {
        let kind = if statement.predicate_type == COSIGN_SIGN_V1 {
            EvidenceKind::Signature
        } else {
            EvidenceKind::Attestation
        };
        Evidence {
            kind,
            storage,
            location: what.to_owned(),
            predicate_type: Some(statement.predicate_type.clone()),
            payload: serde_json::to_value(&statement).unwrap_or_default(),
            signer,
        }
    }))
}
