//! The cosign/sigstore encrypted private key: PEM `ENCRYPTED SIGSTORE PRIVATE KEY` (or the
//! older `ENCRYPTED COSIGN PRIVATE KEY`) around JSON
//! `{"kdf":{"name":"scrypt","params":{"N","r","p"},"salt"},"cipher":{"name":"nacl/secretbox","nonce"},"ciphertext"}`
//! sealing PKCS#8 DER. The secretbox output is NaCl's: the 16-byte tag, then the text.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use crypto_secretbox::aead::{AeadInPlace, KeyInit};
use crypto_secretbox::{Nonce, Tag, XSalsa20Poly1305};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::{Error, Result};

pub const LABEL: &str = "ENCRYPTED SIGSTORE PRIVATE KEY";
pub const LEGACY_LABEL: &str = "ENCRYPTED COSIGN PRIVATE KEY";

/// The scrypt cost kiln writes (cosign's); reading also accepts 65536.
const WRITE_N: u64 = 32768;
const TAG_LEN: usize = 16;

#[derive(Serialize, Deserialize)]
struct Sealed {
    kdf: Kdf,
    cipher: Cipher,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
struct Kdf {
    name: String,
    params: ScryptParams,
    salt: String,
}

#[derive(Serialize, Deserialize)]
struct ScryptParams {
    #[serde(rename = "N")]
    n: u64,
    r: u32,
    p: u32,
}

#[derive(Serialize, Deserialize)]
struct Cipher {
    name: String,
    nonce: String,
}

fn derive(password: &[u8], salt: &[u8], n: u64, what: &str) -> Result<Zeroizing<[u8; 32]>> {
    let log_n = match n {
        32768 => 15,
        65536 => 16,
        _ => {
            return Err(Error::key(
                what,
                format!("scrypt N={n} is not accepted (32768 or 65536)"),
            ));
        }
    };
    let params = scrypt::Params::new(log_n, 8, 1, 32)
        .map_err(|e| Error::key(what, format!("scrypt parameters: {e}")))?;
    let mut key = Zeroizing::new([0u8; 32]);
    scrypt::scrypt(password, salt, &params, key.as_mut())
        .map_err(|e| Error::key(what, format!("scrypt: {e}")))?;
    Ok(key)
}

/// Seals `pkcs8` under `password`; returns the JSON document (the PEM body).
pub fn encrypt(pkcs8: &[u8], password: &[u8]) -> Result<Vec<u8>> {
    let mut salt = [0u8; 32];
    OsRng.fill_bytes(&mut salt);
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut nonce);
    let key = derive(password, &salt, WRITE_N, "private key")?;
    let cipher = XSalsa20Poly1305::new(key.as_ref().into());
    let mut buffer = Zeroizing::new(pkcs8.to_vec());
    let tag = cipher
        .encrypt_in_place_detached(Nonce::from_slice(&nonce), b"", &mut buffer)
        .map_err(|_| Error::key("private key", "encryption failed"))?;
    let mut sealed = Vec::with_capacity(TAG_LEN + buffer.len());
    sealed.extend_from_slice(&tag);
    sealed.extend_from_slice(&buffer);
    let doc = Sealed {
        kdf: Kdf {
            name: "scrypt".to_owned(),
            params: ScryptParams {
                n: WRITE_N,
                r: 8,
                p: 1,
            },
            salt: STANDARD.encode(salt),
        },
        cipher: Cipher {
            name: "nacl/secretbox".to_owned(),
            nonce: STANDARD.encode(nonce),
        },
        ciphertext: STANDARD.encode(sealed),
    };
    serde_json::to_vec(&doc).map_err(|e| Error::key("private key", e.to_string()))
}

/// Opens the JSON document `body` (the PEM body) with `password`; returns PKCS#8 DER.
pub fn decrypt(body: &[u8], password: &[u8], what: &str) -> Result<Zeroizing<Vec<u8>>> {
    let doc: Sealed = serde_json::from_slice(body)
        .map_err(|e| Error::key(what, format!("not a sigstore encrypted key: {e}")))?;
    if doc.kdf.name != "scrypt" {
        return Err(Error::key(
            what,
            format!("unsupported key derivation {:?}", doc.kdf.name),
        ));
    }
    if doc.kdf.params.r != 8 || doc.kdf.params.p != 1 {
        return Err(Error::key(what, "scrypt parameters other than r=8, p=1"));
    }
    if doc.cipher.name != "nacl/secretbox" {
        return Err(Error::key(
            what,
            format!("unsupported cipher {:?}", doc.cipher.name),
        ));
    }
    let b64 = |field: &str, value: &str| {
        STANDARD
            .decode(value)
            .map_err(|_| Error::key(what, format!("{field} is not base64")))
    };
    let salt = b64("salt", &doc.kdf.salt)?;
    let nonce = b64("nonce", &doc.cipher.nonce)?;
    let sealed = b64("ciphertext", &doc.ciphertext)?;
    if nonce.len() != 24 {
        return Err(Error::key(what, "the nonce is not 24 bytes"));
    }
    if sealed.len() < TAG_LEN {
        return Err(Error::key(what, "the ciphertext is truncated"));
    }
    let key = derive(password, &salt, doc.kdf.params.n, what)?;
    let cipher = XSalsa20Poly1305::new(key.as_ref().into());
    let (tag, text) = sealed.split_at(TAG_LEN);
    let mut buffer = Zeroizing::new(text.to_vec());
    cipher
        .decrypt_in_place_detached(
            Nonce::from_slice(&nonce),
            b"",
            &mut buffer,
            Tag::from_slice(tag),
        )
        .map_err(|_| Error::WrongPassword {
            what: what.to_owned(),
        })?;
    Ok(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::{KeyType, SigningKey};

    #[test]
    fn encrypted_pem_round_trips_and_rejects_wrong_password() {
        for t in [KeyType::EcdsaP256, KeyType::Ed25519] {
            let key = SigningKey::generate(t);
            let pem = key.to_encrypted_pem(b"pw").unwrap();
            assert!(pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
            let back = SigningKey::from_pem(pem.as_bytes(), Some(b"pw"), "k").unwrap();
            assert_eq!(back.public_key(), key.public_key());
            let err = SigningKey::from_pem(pem.as_bytes(), Some(b"nope"), "k.key").unwrap_err();
            assert_eq!(err.to_string(), "k.key: wrong password or corrupted key");
            let legacy = pem.replace(LABEL, LEGACY_LABEL);
            let back = SigningKey::from_pem(legacy.as_bytes(), Some(b"pw"), "k").unwrap();
            assert_eq!(back.public_key(), key.public_key());
        }
    }

    #[test]
    fn empty_password_is_allowed() {
        let key = SigningKey::generate(KeyType::EcdsaP256);
        let pem = key.to_encrypted_pem(b"").unwrap();
        assert!(SigningKey::from_pem(pem.as_bytes(), Some(b""), "k").is_ok());
    }

    #[test]
    fn costly_scrypt_parameters_are_refused() {
        let body = br#"{"kdf":{"name":"scrypt","params":{"N":1048576,"r":8,"p":1},"salt":"AA=="},"cipher":{"name":"nacl/secretbox","nonce":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},"ciphertext":"AAAAAAAAAAAAAAAAAAAAAA=="}"#;
        let err = decrypt(body, b"", "k").unwrap_err();
        assert!(err.to_string().contains("N=1048576"), "{err}");
    }
}
