//! Signatures over files (`sign-blob` / `verify-blob`): a signature over the file's bytes
//! as cosign makes them (DER ECDSA over SHA-256, base64), optionally in a Sigstore bundle
//! with a message signature.

use kiln_types::Digest;
use sha2::{Digest as _, Sha256};

use crate::bundle::{self, Content, RawBundle};
use crate::key::{KeySet, SigningKey};
use crate::verified::Verified;
use crate::{Error, Result};

/// Signs `data`; returns the raw signature bytes.
pub fn sign(key: &SigningKey, data: &[u8]) -> Vec<u8> {
    key.sign_message(data)
}

/// A v0.3 bundle carrying the signature of `data`.
pub fn sign_bundle(key: &SigningKey, data: &[u8]) -> RawBundle {
    let signature = key.sign_message(data);
    bundle::for_message(&Sha256::digest(data), &signature, &key.public_key())
}

/// Verifies `signature` over `data`; returns the blob's digest, verified.
pub fn verify(
    data: &[u8],
    signature: &[u8],
    keys: &KeySet,
    what: &str,
) -> Result<Verified<Digest>> {
    if keys.is_empty() {
        return Err(Error::verification(what, "no trusted keys to verify with"));
    }
    if signature.is_empty() {
        return Err(Error::verification(what, "the signature is empty"));
    }
    match keys.find_signer(data, signature) {
        Some(key) => Ok(Verified::new(Digest::sha256(data), vec![key.clone()])),
        None => Err(Error::verification(
            what,
            "the signature does not verify with the trusted keys",
        )),
    }
}

/// Verifies a bundle (as [`sign_bundle`] writes) over `data`.
pub fn verify_bundle(
    data: &[u8],
    bundle_json: &[u8],
    keys: &KeySet,
    what: &str,
) -> Result<Verified<Digest>> {
    let bundle = RawBundle::parse(bundle_json, what)?.check(what)?;
    match bundle.content {
        Content::MessageSignature { sha256, signature } => {
            if let Some(expected) = sha256
                && expected.as_slice() != Sha256::digest(data).as_slice()
            {
                return Err(Error::verification(
                    what,
                    "the bundle's message digest is not the file's digest",
                ));
            }
            verify(data, &signature, keys, what)
        }
        Content::Dsse(_) => Err(Error::verification(
            what,
            "the bundle holds a DSSE envelope, not a blob signature",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::KeyType;

    #[test]
    fn blob_signatures_and_bundles_verify_and_fail_closed() {
        let key = SigningKey::generate(KeyType::EcdsaP256);
        let keys = KeySet::new(vec![key.public_key()]);
        let sig = sign(&key, b"release.tar");
        assert_eq!(
            verify(b"release.tar", &sig, &keys, "f").unwrap().value(),
            &Digest::sha256(b"release.tar")
        );
        assert!(verify(b"release.taR", &sig, &keys, "f").is_err());
        assert!(verify(b"release.tar", &sig, &KeySet::default(), "f").is_err());
        let bundle = sign_bundle(&key, b"release.tar").to_json();
        assert!(verify_bundle(b"release.tar", &bundle, &keys, "f").is_ok());
        let err = verify_bundle(b"other", &bundle, &keys, "f").unwrap_err();
        assert!(err.to_string().contains("message digest"), "{err}");
    }
}
