//! Storing signatures and attestations: appended to the legacy `.sig`/`.att` tag
//! manifests, and pushed as bundle referrers.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use kiln_oci::blob::read_verified;
use kiln_oci::manifest::{Descriptor, ImageManifest, Parsed, RawManifest};
use kiln_oci::media_type;
use kiln_types::{Digest, ImageRef};

use super::{
    BUNDLE_CONTENT_ANNOTATION, BUNDLE_PREDICATE_ANNOTATION, Forms, PREDICATE_TYPE_ANNOTATION,
    ResolvedImage,
};
use crate::cosign::Store;
use crate::dsse::{ENVELOPE_MEDIA_TYPE, Envelope, IN_TOTO_PAYLOAD_TYPE};
use crate::key::{KeyType, SigningKey};
use crate::predicate::{COSIGN_SIGN_V1, PredicateKind};
use crate::simple_signing::{self, SIGNATURE_ANNOTATION};
use crate::statement::{Statement, Subject};
use crate::{Error, Result, bundle};

/// Where a signature or attestation went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stored {
    /// The legacy tag manifest, if written.
    pub tag: Option<(String, Digest)>,
    /// The referrer manifest's digest, if written.
    pub referrer: Option<Digest>,
}

/// Signs the image: a simple-signing layer on `.sig` and a cosign v3 bundle referrer.
pub fn sign(
    client: &dyn Store,
    image: &ResolvedImage,
    key: &SigningKey,
    forms: Forms,
) -> Result<Stored> {
    let mut stored = Stored::default();
    if forms.tag {
        let payload = simple_signing::payload(&image.docker_reference(), image.digest());
        let tag = image.legacy_tag("sig")?;
        let mut digest = None;
        for signature in image_signatures(key, &payload) {
            let annotations =
                BTreeMap::from([(SIGNATURE_ANNOTATION.to_owned(), STANDARD.encode(signature))]);
            digest = Some(append_layer(
                client,
                &tag,
                simple_signing::MEDIA_TYPE,
                &payload,
                annotations,
            )?);
        }
        stored.tag = digest.map(|d| (tag.to_string(), d));
    }
    if forms.referrer {
        let statement = statement(image, COSIGN_SIGN_V1, serde_json::json!({}));
        stored.referrer = Some(push_bundle(client, image, &statement, key)?);
    }
    tracing::info!(image = %image.digest(), "signed");
    Ok(stored)
}

/// The signatures of a simple-signing payload, one layer each. ECDSA has one form. An
/// Ed25519 key signs twice: Ed25519ph, which cosign signs and verifies, and pure Ed25519,
/// which containers/image (skopeo, podman: `sigstoreSigned` policies) signs and verifies
/// and which refuses the Ed25519ph form. Both tools accept an image when one of its
/// signatures verifies, and kiln counts signers, not layers.
fn image_signatures(key: &SigningKey, payload: &[u8]) -> Vec<Vec<u8>> {
    match key.key_type() {
        KeyType::EcdsaP256 => vec![key.sign_message(payload)],
        KeyType::Ed25519 => vec![key.sign_message(payload), key.sign(payload)],
    }
}

/// Attests `predicate` of `kind` about the image: a DSSE layer on `.att` and a bundle
/// referrer. The predicate is shape-checked first.
pub fn attest(
    client: &dyn Store,
    image: &ResolvedImage,
    key: &SigningKey,
    kind: &PredicateKind,
    predicate: serde_json::Value,
    forms: Forms,
) -> Result<Stored> {
    kind.check(&predicate, "predicate")?;
    let statement = statement(image, kind.uri(), predicate);
    let mut stored = Stored::default();
    if forms.tag {
        let envelope = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, statement.to_json(), &[key]);
        let annotations = BTreeMap::from([
            (PREDICATE_TYPE_ANNOTATION.to_owned(), kind.uri().to_owned()),
            (SIGNATURE_ANNOTATION.to_owned(), String::new()),
        ]);
        let tag = image.legacy_tag("att")?;
        let digest = append_layer(
            client,
            &tag,
            ENVELOPE_MEDIA_TYPE,
            &envelope.to_json(),
            annotations,
        )?;
        stored.tag = Some((tag.to_string(), digest));
    }
    if forms.referrer {
        stored.referrer = Some(push_bundle(client, image, &statement, key)?);
    }
    tracing::info!(image = %image.digest(), predicate_type = kind.uri(), "attested");
    Ok(stored)
}

fn statement(
    image: &ResolvedImage,
    predicate_type: &str,
    predicate: serde_json::Value,
) -> Statement {
    Statement::new(
        vec![Subject::new(Some(&image.reference.name()), image.digest())],
        predicate_type,
        predicate,
    )
}

/// Adds a layer to the image manifest under `tag` (creating it), unless an identical
/// layer is there already, and re-pushes the tag.
fn append_layer(
    client: &dyn Store,
    tag: &ImageRef,
    layer_type: &str,
    bytes: &[u8],
    annotations: BTreeMap<String, String>,
) -> Result<Digest> {
    let mut layers = existing_layers(client, tag)?;
    let mut layer = Descriptor::of_bytes(layer_type, bytes);
    layer.annotations = annotations;
    if layers.contains(&layer) {
        return Ok(client.get_manifest(tag)?.digest);
    }
    client.push_bytes(tag, layer_type, bytes)?;
    layers.push(layer);
    let diff_ids: Vec<String> = layers.iter().map(|l| l.digest.to_string()).collect();
    let config = serde_json::json!({
        "architecture": "",
        "config": {},
        "created": "0001-01-01T00:00:00Z",
        "history": [{"created": "0001-01-01T00:00:00Z"}],
        "os": "",
        "rootfs": {"type": "layers", "diff_ids": diff_ids}
    });
    let config_bytes =
        serde_json::to_vec(&config).map_err(|e| Error::document("config", e.to_string()))?;
    let config = client.push_bytes(tag, media_type::OCI_CONFIG, &config_bytes)?;
    let manifest = ImageManifest {
        schema_version: 2,
        media_type: Some(media_type::OCI_MANIFEST.to_owned()),
        artifact_type: None,
        config,
        layers,
        subject: None,
        annotations: BTreeMap::new(),
    };
    let raw = RawManifest::from_value(media_type::OCI_MANIFEST, &manifest)?;
    Ok(client.put_manifest(tag, tag.tag(), &raw)?)
}

/// The layers of the manifest under `tag`, or none if there is no such tag.
pub(crate) fn existing_layers(client: &dyn Store, tag: &ImageRef) -> Result<Vec<Descriptor>> {
    match client.get_manifest(tag) {
        Ok(raw) => match raw.parse(&tag.to_string())? {
            Parsed::Image(m) => Ok(m.layers),
            Parsed::Index(_) => Err(Error::document(
                &tag.to_string(),
                "holds an index, not a signature manifest",
            )),
        },
        Err(kiln_oci::Error::NotFound { .. }) => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

/// Signs `statement` into a bundle and pushes it as a referrer of the image.
fn push_bundle(
    client: &dyn Store,
    image: &ResolvedImage,
    statement: &Statement,
    key: &SigningKey,
) -> Result<Digest> {
    let envelope = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, statement.to_json(), &[key]);
    let bundle_json = bundle::for_envelope(&envelope, &key.public_key()).to_json();
    let repo = &image.reference;
    let config = client.push_bytes(repo, media_type::OCI_EMPTY, b"{}")?;
    let layer = client.push_bytes(repo, bundle::MEDIA_TYPE_V03, &bundle_json)?;
    let created = jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let manifest = ImageManifest {
        schema_version: 2,
        media_type: Some(media_type::OCI_MANIFEST.to_owned()),
        artifact_type: Some(bundle::MEDIA_TYPE_V03.to_owned()),
        config,
        layers: vec![layer],
        subject: Some(image.descriptor.clone()),
        annotations: BTreeMap::from([
            (
                BUNDLE_CONTENT_ANNOTATION.to_owned(),
                "dsse-envelope".to_owned(),
            ),
            (
                BUNDLE_PREDICATE_ANNOTATION.to_owned(),
                statement.predicate_type.clone(),
            ),
            (
                "org.opencontainers.image.created".to_owned(),
                created.to_string(),
            ),
        ]),
    };
    let raw = RawManifest::from_value(media_type::OCI_MANIFEST, &manifest)?;
    Ok(client.push_referrer(repo, &raw)?)
}

/// Reads a small blob of `repo`, verified against its descriptor.
pub(crate) fn fetch_blob(
    client: &dyn Store,
    repo: &ImageRef,
    desc: &Descriptor,
) -> Result<Vec<u8>> {
    let what = format!("{}@{}", repo.name(), desc.digest);
    let reader = client.get_blob(repo, &desc.digest)?;
    Ok(read_verified(reader, desc, &what)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecdsa_signs_once_and_ed25519_in_both_forms() {
        let payload = b"{\"critical\":{}}";
        let ecdsa = SigningKey::generate(KeyType::EcdsaP256);
        let sigs = image_signatures(&ecdsa, payload);
        assert_eq!(sigs.len(), 1);
        assert!(ecdsa.public_key().verifies(payload, &sigs[0]));

        let secret = [7u8; 32];
        let dalek = ed25519_dalek::SigningKey::from_bytes(&secret);
        let ed = SigningKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&secret));
        let sigs = image_signatures(&ed, payload);
        assert_eq!(sigs.len(), 2);
        let sig = |bytes: &[u8]| ed25519_dalek::Signature::from_slice(bytes).unwrap();
        let mut prehash = <sha2::Sha512 as sha2::Digest>::new();
        sha2::Digest::update(&mut prehash, payload);
        let vk = dalek.verifying_key();
        assert!(vk.verify_prehashed(prehash, None, &sig(&sigs[0])).is_ok());
        assert!(vk.verify_strict(payload, &sig(&sigs[1])).is_ok());
        assert!(vk.verify_strict(payload, &sig(&sigs[0])).is_err());
    }
}
