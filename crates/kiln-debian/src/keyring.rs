//! OpenPGP keyrings that archives are verified against: binary (`.gpg`, concatenated
//! transferable public keys, as `debian-archive-keyring.gpg` is) or armored (`.asc`).
//! A key signs through its primary key or a subkey whose binding signature verifies and
//! allows signing. Signatures over SHA-1 or MD5 are refused, as apt refuses them, and
//! so are keys that are revoked or expired at the time of verification.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use pgp::composed::{PublicOrSecret, SignedPublicKey};
use pgp::crypto::hash::HashAlgorithm;
use pgp::packet::Signature;
use pgp::types::{KeyDetails, Tag};

use crate::sources::SignedBy;

/// A keyring that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    #[error("reading keyring {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// No usable public key in the data.
    #[error("keyring {name}: {reason}")]
    Invalid { name: String, reason: String },
}

/// Trusted public keys.
#[derive(Debug, Clone, Default)]
pub struct Keyring {
    keys: Vec<SignedPublicKey>,
}

/// Keyrings the host trusts for its archives, relative to the root: apt's own
/// trust stores, then the archive keyrings Debian ships.
const HOST_KEYRINGS: &[&str] = &[
    "etc/apt/trusted.gpg",
    "usr/share/keyrings/debian-archive-keyring.gpg",
    "usr/share/keyrings/ubuntu-archive-keyring.gpg",
];

impl Keyring {
    /// A keyring with no keys: verifies nothing.
    pub fn empty() -> Keyring {
        Keyring::default()
    }

    /// Reads binary or armored key data; `name` names it in errors. Keys that fail to
    /// parse are skipped (logged); no usable key at all is an error.
    pub fn from_bytes(bytes: &[u8], name: &str) -> Result<Keyring, KeyringError> {
        let invalid = |reason: String| KeyringError::Invalid {
            name: name.to_owned(),
            reason,
        };
        let (iter, _) = PublicOrSecret::from_reader_many(Cursor::new(bytes))
            .map_err(|e| invalid(e.to_string()))?;
        let mut keys = Vec::new();
        for item in iter {
            match item {
                Ok(PublicOrSecret::Public(k)) => keys.push(k),
                Ok(PublicOrSecret::Secret(k)) => keys.push(k.to_public_key()),
                Err(e) => tracing::warn!(keyring = name, error = %e, "skipping unreadable key"),
            }
        }
        if keys.is_empty() {
            return Err(invalid("no public key in it".into()));
        }
        Ok(Keyring { keys })
    }

    /// Reads a keyring file.
    pub fn load(path: &Path) -> Result<Keyring, KeyringError> {
        let bytes = std::fs::read(path).map_err(|source| KeyringError::Read {
            path: path.to_owned(),
            source,
        })?;
        Keyring::from_bytes(&bytes, &path.display().to_string())
    }

    /// The keys a source's `Signed-By` names.
    pub fn from_signed_by(signed_by: &SignedBy) -> Result<Keyring, KeyringError> {
        match signed_by {
            SignedBy::Inline(text) => Keyring::from_bytes(text.as_bytes(), "inline Signed-By key"),
            SignedBy::Keyrings(paths) => {
                let mut ring = Keyring::empty();
                for p in paths {
                    ring.extend(Keyring::load(p)?);
                }
                Ok(ring)
            }
        }
    }

    /// The host's archive keyrings under `root` (`/` for the running system):
    /// `etc/apt/trusted.gpg`, `etc/apt/trusted.gpg.d/*.{gpg,asc}` and the Debian and
    /// Ubuntu archive keyrings in `usr/share/keyrings`. Missing files are skipped; the
    /// result may be empty, and then verifies nothing.
    pub fn host(root: &Path) -> Result<Keyring, KeyringError> {
        let mut files: Vec<PathBuf> = HOST_KEYRINGS.iter().map(|p| root.join(p)).collect();
        let dir = root.join("etc/apt/trusted.gpg.d");
        if let Ok(rd) = std::fs::read_dir(&dir) {
            let mut more: Vec<PathBuf> = rd
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("gpg" | "asc")))
                .collect();
            more.sort();
            files.extend(more);
        }
        let mut ring = Keyring::empty();
        for f in files.iter().filter(|f| f.is_file()) {
            ring.extend(Keyring::load(f)?);
        }
        Ok(ring)
    }

    /// Adds another keyring's keys.
    pub fn extend(&mut self, other: Keyring) {
        self.keys.extend(other.keys);
    }

    /// Number of primary keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Upper-case hex fingerprints of the primary keys, in keyring order.
    pub fn fingerprints(&self) -> Vec<String> {
        self.keys
            .iter()
            .map(|k| hex::encode_upper(k.primary_key.fingerprint().as_bytes()))
            .collect()
    }

    /// Checks `sig` over `data` against every key; the fingerprint of the primary key
    /// that verified it, or why none did.
    pub(crate) fn verify(
        &self,
        sig: &Signature,
        data: &[u8],
        now: jiff::Timestamp,
    ) -> Result<String, String> {
        match sig.hash_alg() {
            Some(HashAlgorithm::Sha1 | HashAlgorithm::Md5) | None => {
                return Err("signature uses a weak or unknown hash algorithm".into());
            }
            Some(_) => {}
        }
        for key in &self.keys {
            let fpr = || hex::encode_upper(key.primary_key.fingerprint().as_bytes());
            let by_primary = sig.verify(&key.primary_key, data).is_ok();
            let by_subkey = !by_primary
                && key.public_subkeys.iter().any(|sub| {
                    sub.signatures.iter().any(|b| b.key_flags().sign())
                        && sub.verify_bindings(&key.primary_key).is_ok()
                        && sig.verify(&sub.key, data).is_ok()
                });
            if by_primary || by_subkey {
                return match usable(key, now) {
                    Ok(()) => Ok(fpr()),
                    Err(why) => Err(format!("signed by key {} which is {why}", fpr())),
                };
            }
        }
        Err(if self.keys.is_empty() {
            "no trusted key to verify with (empty keyring)".into()
        } else {
            "not signed by any trusted key, or the signature does not match".into()
        })
    }
}

/// Whether `key` may still sign at `now`: not revoked (a verified revocation signature),
/// not expired (the newest verified self-certification's key expiration time).
fn usable(key: &SignedPublicKey, now: jiff::Timestamp) -> Result<(), String> {
    if key
        .details
        .revocation_signatures
        .iter()
        .any(|r| r.verify_key(&key.primary_key).is_ok())
    {
        return Err("revoked".into());
    }
    let newest = key
        .details
        .users
        .iter()
        .flat_map(|u| {
            u.signatures.iter().filter(|s| {
                s.verify_certification(&key.primary_key, Tag::UserId, &u.id)
                    .is_ok()
            })
        })
        .max_by_key(|s| s.created().map(|t| t.as_secs()));
    let lifetime = newest
        .and_then(|s| s.key_expiration_time())
        .map(|d| d.as_secs())
        .filter(|&d| d > 0);
    if let Some(lifetime) = lifetime {
        let expires = i64::from(key.primary_key.created_at().as_secs()) + i64::from(lifetime);
        if now.as_second() >= expires {
            let when = jiff::Timestamp::from_second(expires)
                .map_or_else(|_| expires.to_string(), |t| t.to_string());
            return Err(format!("expired (since {when})"));
        }
    }
    Ok(())
}
