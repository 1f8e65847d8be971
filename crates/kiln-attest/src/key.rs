//! Signing and verifying keys: ECDSA P-256 (the default, as cosign) and Ed25519.
//!
//! Private keys are read from PKCS#8, SEC1 and the cosign/sigstore encrypted PEM
//! ([`encrypted`]) and written only in the encrypted form; public keys are PEM
//! SubjectPublicKeyInfo. ECDSA signatures are ASN.1 DER over SHA-256 of the message, as
//! cosign makes them. Ed25519 follows cosign too: DSSE envelopes carry pure Ed25519
//! signatures ([`SigningKey::sign`]), while image signatures and file signatures
//! ([`SigningKey::sign_message`]) are Ed25519ph (RFC 8032, SHA-512 prehash, empty
//! context), the only Ed25519 form Rekor's `hashedrekord` accepts and the one cosign's
//! default signer and verifier use for them. Verification accepts either form. (The
//! `.sig` tag also gets a pure Ed25519 layer for containers/image; see `cosign::write`.)
//!
//! Private material never reaches `Debug`, errors or logs: [`SigningKey`]'s `Debug` prints
//! the type and the public key id only, and the key types zeroize on drop.

pub mod encrypted;

use std::fmt;

use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use p256::ecdsa::signature::{Signer, Verifier};
use p256::pkcs8::der::pem::{self, LineEnding};
use rand_core::OsRng;
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use crate::{Error, Result};

/// The kinds of key kiln makes and reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// ECDSA over NIST P-256 with SHA-256, DER signatures.
    EcdsaP256,
    /// Ed25519 (pure).
    Ed25519,
}

impl KeyType {
    pub fn name(self) -> &'static str {
        match self {
            KeyType::EcdsaP256 => "ecdsa-p256",
            KeyType::Ed25519 => "ed25519",
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for KeyType {
    type Err = Error;
    fn from_str(s: &str) -> Result<KeyType> {
        match s {
            "ecdsa-p256" | "ecdsa" | "p256" => Ok(KeyType::EcdsaP256),
            "ed25519" => Ok(KeyType::Ed25519),
            _ => Err(Error::key(
                s,
                "unknown key type (expected ecdsa-p256 or ed25519)",
            )),
        }
    }
}

/// A private key that signs.
#[derive(Clone)]
pub enum SigningKey {
    EcdsaP256(p256::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("type", &self.key_type())
            .field("public_key_id", &self.public_key().key_id())
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh random key from the operating system's generator.
    pub fn generate(key_type: KeyType) -> SigningKey {
        match key_type {
            KeyType::EcdsaP256 => {
                SigningKey::EcdsaP256(p256::ecdsa::SigningKey::random(&mut OsRng))
            }
            KeyType::Ed25519 => {
                SigningKey::Ed25519(ed25519_dalek::SigningKey::generate(&mut OsRng))
            }
        }
    }

    pub fn key_type(&self) -> KeyType {
        match self {
            SigningKey::EcdsaP256(_) => KeyType::EcdsaP256,
            SigningKey::Ed25519(_) => KeyType::Ed25519,
        }
    }

    pub fn public_key(&self) -> PublicKey {
        match self {
            SigningKey::EcdsaP256(k) => PublicKey::EcdsaP256(*k.verifying_key()),
            SigningKey::Ed25519(k) => PublicKey::Ed25519(k.verifying_key()),
        }
    }

    /// Signs `message`: DER ECDSA over its SHA-256, or an Ed25519 signature.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match self {
            SigningKey::EcdsaP256(k) => {
                let sig: p256::ecdsa::DerSignature = k.sign(message);
                sig.as_bytes().to_vec()
            }
            SigningKey::Ed25519(k) => k.sign(message).to_bytes().to_vec(),
        }
    }

    /// Signs a message as cosign signs image payloads and files: as [`SigningKey::sign`]
    /// for ECDSA, Ed25519ph for Ed25519.
    pub fn sign_message(&self, message: &[u8]) -> Vec<u8> {
        match self {
            SigningKey::EcdsaP256(_) => self.sign(message),
            SigningKey::Ed25519(k) => {
                let mut prehash = sha2::Sha512::new();
                prehash.update(message);
                // Signing with a valid key and no context cannot fail; an empty
                // signature never verifies.
                k.sign_prehashed(prehash, None)
                    .map(|s| s.to_bytes().to_vec())
                    .unwrap_or_default()
            }
        }
    }

    /// The key as PKCS#8 DER, zeroized on drop.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        let doc = match self {
            SigningKey::EcdsaP256(k) => k.to_pkcs8_der(),
            SigningKey::Ed25519(k) => k.to_pkcs8_der(),
        }
        .map_err(|e| Error::key("private key", format!("cannot encode as PKCS#8: {e}")))?;
        Ok(Zeroizing::new(doc.as_bytes().to_vec()))
    }

    /// Reads a PKCS#8 DER private key of a supported type.
    pub fn from_pkcs8_der(der: &[u8], what: &str) -> Result<SigningKey> {
        if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_der(der) {
            return Ok(SigningKey::EcdsaP256(k));
        }
        if let Ok(k) = ed25519_dalek::SigningKey::from_pkcs8_der(der) {
            return Ok(SigningKey::Ed25519(k));
        }
        Err(Error::key(
            what,
            "not a PKCS#8 ECDSA P-256 or Ed25519 private key",
        ))
    }

    /// Reads a private key from PEM: `PRIVATE KEY` (PKCS#8), `EC PRIVATE KEY` (SEC1), or
    /// the cosign/sigstore encrypted form (which needs `password`).
    pub fn from_pem(text: &[u8], password: Option<&[u8]>, what: &str) -> Result<SigningKey> {
        let (label, der) =
            pem::decode_vec(text).map_err(|_| Error::key(what, "not a PEM private key"))?;
        let der = Zeroizing::new(der);
        match label {
            "PRIVATE KEY" => SigningKey::from_pkcs8_der(&der, what),
            "EC PRIVATE KEY" => {
                let secret = p256::SecretKey::from_sec1_der(&der)
                    .map_err(|_| Error::key(what, "not a SEC1 P-256 private key"))?;
                Ok(SigningKey::EcdsaP256(secret.into()))
            }
            encrypted::LABEL | encrypted::LEGACY_LABEL => {
                let password = password.ok_or_else(|| {
                    Error::key(what, "the key is encrypted and no password was given")
                })?;
                let pkcs8 = encrypted::decrypt(&der, password, what)?;
                SigningKey::from_pkcs8_der(&pkcs8, what)
            }
            other => Err(Error::key(
                what,
                format!("unsupported PEM block {other:?} (expected a private key)"),
            )),
        }
    }

    /// The key in the cosign/sigstore encrypted PEM form, sealed with `password`.
    pub fn to_encrypted_pem(&self, password: &[u8]) -> Result<Zeroizing<String>> {
        let pkcs8 = self.to_pkcs8_der()?;
        let json = encrypted::encrypt(&pkcs8, password)?;
        let text = pem::encode_string(encrypted::LABEL, LineEnding::LF, &json)
            .map_err(|e| Error::key("private key", format!("cannot encode PEM: {e}")))?;
        Ok(Zeroizing::new(text))
    }
}

/// A public key that verifies.
#[derive(Clone, PartialEq, Eq)]
pub enum PublicKey {
    EcdsaP256(p256::ecdsa::VerifyingKey),
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({} {})", self.key_type(), self.key_id())
    }
}

impl PublicKey {
    pub fn key_type(&self) -> KeyType {
        match self {
            PublicKey::EcdsaP256(_) => KeyType::EcdsaP256,
            PublicKey::Ed25519(_) => KeyType::Ed25519,
        }
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn to_spki_der(&self) -> Vec<u8> {
        let doc = match self {
            PublicKey::EcdsaP256(k) => k.to_public_key_der(),
            PublicKey::Ed25519(k) => k.to_public_key_der(),
        };
        // Encoding a valid in-memory key into SPKI cannot fail; an empty result would
        // only make the key id and PEM unusable, never verify anything.
        doc.map(|d| d.as_bytes().to_vec()).unwrap_or_default()
    }

    /// `-----BEGIN PUBLIC KEY-----` PEM (SubjectPublicKeyInfo), as cosign writes.
    pub fn to_pem(&self) -> String {
        pem::encode_string("PUBLIC KEY", LineEnding::LF, &self.to_spki_der()).unwrap_or_default()
    }

    /// A stable id: lowercase hex SHA-256 of the SPKI DER. A hint only, never trusted.
    pub fn key_id(&self) -> String {
        hex_lower(&Sha256::digest(self.to_spki_der()))
    }

    /// Reads a `PUBLIC KEY` PEM (SubjectPublicKeyInfo) of a supported type.
    pub fn from_pem(text: &[u8], what: &str) -> Result<PublicKey> {
        let (label, der) =
            pem::decode_vec(text).map_err(|_| Error::key(what, "not a PEM public key"))?;
        if label != "PUBLIC KEY" {
            return Err(Error::key(
                what,
                format!("unsupported PEM block {label:?} (expected PUBLIC KEY)"),
            ));
        }
        PublicKey::from_spki_der(&der, what)
    }

    pub fn from_spki_der(der: &[u8], what: &str) -> Result<PublicKey> {
        if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_der(der) {
            return Ok(PublicKey::EcdsaP256(k));
        }
        if let Ok(k) = ed25519_dalek::VerifyingKey::from_public_key_der(der) {
            return Ok(PublicKey::Ed25519(k));
        }
        Err(Error::key(
            what,
            "not an ECDSA P-256 or Ed25519 public key (other algorithms are not supported)",
        ))
    }

    /// True if `signature` is this key's signature over `message` (for Ed25519: pure or
    /// Ed25519ph). Malformed signatures are simply not valid.
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            PublicKey::EcdsaP256(k) => p256::ecdsa::Signature::from_der(signature)
                .is_ok_and(|sig| k.verify(message, &sig).is_ok()),
            PublicKey::Ed25519(k) => {
                ed25519_dalek::Signature::from_slice(signature).is_ok_and(|sig| {
                    let mut prehash = sha2::Sha512::new();
                    prehash.update(message);
                    k.verify_strict(message, &sig).is_ok()
                        || k.verify_prehashed_strict(prehash, None, &sig).is_ok()
                })
            }
        }
    }
}

/// The keys a verification trusts. Verifying against an empty set always fails.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    keys: Vec<PublicKey>,
}

impl KeySet {
    pub fn new(keys: Vec<PublicKey>) -> KeySet {
        let mut unique: Vec<PublicKey> = Vec::with_capacity(keys.len());
        for k in keys {
            if !unique.contains(&k) {
                unique.push(k);
            }
        }
        KeySet { keys: unique }
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn keys(&self) -> &[PublicKey] {
        &self.keys
    }

    /// The first trusted key that verifies `signature` over `message`.
    pub fn find_signer(&self, message: &[u8], signature: &[u8]) -> Option<&PublicKey> {
        self.keys.iter().find(|k| k.verifies(message, signature))
    }
}

pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn ed25519_messages_are_signed_ed25519ph_as_rfc_8032_says() {
        // RFC 8032 section 7.3, test "abc".
        let secret: [u8; 32] =
            unhex("833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42")
                .try_into()
                .unwrap();
        let key = SigningKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&secret));
        let expected = unhex(concat!(
            "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41",
            "31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406"
        ));
        assert_eq!(key.sign_message(b"abc"), expected);
        let public = key.public_key();
        assert_eq!(
            hex_lower(&public.to_spki_der()[12..]),
            "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf"
        );
        // Both forms verify; neither verifies another message.
        assert!(public.verifies(b"abc", &expected));
        assert!(public.verifies(b"abc", &key.sign(b"abc")));
        assert_ne!(key.sign(b"abc"), expected);
        assert!(!public.verifies(b"abd", &expected));
        // ECDSA messages are signed as before.
        let ecdsa = SigningKey::generate(KeyType::EcdsaP256);
        assert!(ecdsa.public_key().verifies(b"m", &ecdsa.sign_message(b"m")));
    }

    #[test]
    fn debug_shows_no_private_material() {
        for t in [KeyType::EcdsaP256, KeyType::Ed25519] {
            let key = SigningKey::generate(t);
            let der = key.to_pkcs8_der().unwrap();
            let debug = format!("{key:?}");
            assert!(debug.contains(&key.public_key().key_id()));
            let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &*der);
            assert!(!debug.contains(&b64[b64.len() - 20..]));
            assert!(
                !debug
                    .to_lowercase()
                    .contains(&hex_lower(&der[der.len() - 16..]))
            );
        }
    }

    #[test]
    fn signatures_verify_only_under_their_key_and_message() {
        for t in [KeyType::EcdsaP256, KeyType::Ed25519] {
            let key = SigningKey::generate(t);
            let other = SigningKey::generate(t);
            let sig = key.sign(b"message");
            assert!(key.public_key().verifies(b"message", &sig));
            assert!(!key.public_key().verifies(b"messagE", &sig));
            assert!(!other.public_key().verifies(b"message", &sig));
            let set = KeySet::new(vec![other.public_key(), key.public_key()]);
            assert_eq!(set.find_signer(b"message", &sig), Some(&key.public_key()));
            assert!(KeySet::default().find_signer(b"message", &sig).is_none());
        }
    }

    #[test]
    fn public_pem_round_trips() {
        for t in [KeyType::EcdsaP256, KeyType::Ed25519] {
            let key = SigningKey::generate(t).public_key();
            let pem = key.to_pem();
            assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
            assert_eq!(PublicKey::from_pem(pem.as_bytes(), "k").unwrap(), key);
        }
    }

    #[test]
    fn pkcs8_and_sec1_import() {
        let key = SigningKey::generate(KeyType::EcdsaP256);
        let SigningKey::EcdsaP256(inner) = &key else {
            unreachable!()
        };
        let pkcs8 = inner.to_pkcs8_pem(LineEnding::LF).unwrap();
        let back = SigningKey::from_pem(pkcs8.as_bytes(), None, "k").unwrap();
        assert_eq!(back.public_key(), key.public_key());
        let sec1 = p256::SecretKey::from(inner)
            .to_sec1_pem(LineEnding::LF)
            .unwrap();
        let back = SigningKey::from_pem(sec1.as_bytes(), None, "k").unwrap();
        assert_eq!(back.public_key(), key.public_key());
        let err = SigningKey::from_pem(b"junk", None, "file.key").unwrap_err();
        assert_eq!(err.to_string(), "file.key: not a PEM private key");
    }
}
