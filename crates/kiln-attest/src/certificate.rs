//! X.509 certificates as keyless verification needs them: a Fulcio leaf's identity (the
//! subject alternative name), its OIDC issuer (Fulcio's extensions), its code-signing
//! usage and validity, and chain checks (ECDSA P-256 and P-384 with SHA-256, SHA-384 or
//! SHA-512) up to a CA of the trusted root.

use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
use p256::pkcs8::DecodePublicKey as _;
use sha2::{Digest as _, Sha256, Sha384, Sha512};
use x509_cert::der::asn1::Utf8StringRef;
use x509_cert::der::oid::ObjectIdentifier;
use x509_cert::der::{Decode as _, Encode as _};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAltName};

use crate::{Error, Result};

const ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const ECDSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
const SUBJECT_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
const KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");
const BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const CODE_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");
/// Fulcio's OIDC issuer, raw string value (deprecated but still written).
const FULCIO_ISSUER_V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.1");
/// Fulcio's OIDC issuer, DER UTF8String.
const FULCIO_ISSUER_V2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.8");

/// The digest a signature algorithm uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    /// The hash an ECDSA signature algorithm (`ecdsa-with-SHA*`) names.
    pub(crate) fn of_ecdsa(oid: ObjectIdentifier) -> Option<Hash> {
        match oid {
            o if o == ECDSA_SHA256 => Some(Hash::Sha256),
            o if o == ECDSA_SHA384 => Some(Hash::Sha384),
            o if o == ECDSA_SHA512 => Some(Hash::Sha512),
            _ => None,
        }
    }

    pub(crate) fn digest(self, message: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha256 => Sha256::digest(message).to_vec(),
            Hash::Sha384 => Sha384::digest(message).to_vec(),
            Hash::Sha512 => Sha512::digest(message).to_vec(),
        }
    }
}

/// True if `signature` (DER ECDSA) by the P-256 or P-384 key `spki_der` covers `message`
/// hashed with `hash`. Any other key type is not valid.
pub(crate) fn ecdsa_verifies(
    spki_der: &[u8],
    hash: Hash,
    message: &[u8],
    signature: &[u8],
) -> bool {
    let prehash = hash.digest(message);
    if let Ok(key) = p256::ecdsa::VerifyingKey::from_public_key_der(spki_der) {
        return p256::ecdsa::Signature::from_der(signature)
            .is_ok_and(|s| key.verify_prehash(&prehash, &s).is_ok());
    }
    if let Ok(key) = p384::ecdsa::VerifyingKey::from_public_key_der(spki_der) {
        return p384::ecdsa::Signature::from_der(signature)
            .is_ok_and(|s| key.verify_prehash(&prehash, &s).is_ok());
    }
    false
}

/// A parsed certificate with the DER it came from.
#[derive(Debug, Clone)]
pub struct Certificate {
    der: Vec<u8>,
    cert: x509_cert::Certificate,
}

impl Certificate {
    pub fn from_der(der: &[u8], what: &str) -> Result<Certificate> {
        let cert = x509_cert::Certificate::from_der(der)
            .map_err(|e| Error::document(what, format!("not a DER X.509 certificate: {e}")))?;
        Ok(Certificate {
            der: der.to_vec(),
            cert,
        })
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn public_key_der(&self, what: &str) -> Result<Vec<u8>> {
        self.cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| Error::document(what, format!("cannot encode the public key: {e}")))
    }

    /// Not-before and not-after, Unix seconds.
    pub fn validity(&self) -> (i64, i64) {
        let v = &self.cert.tbs_certificate.validity;
        let secs = |t: x509_cert::time::Time| {
            i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
        };
        (secs(v.not_before), secs(v.not_after))
    }

    pub fn valid_at(&self, t: i64) -> bool {
        let (from, to) = self.validity();
        from <= t && t <= to
    }

    /// The DER value of the extension `oid`, when present.
    pub(crate) fn extension(&self, oid: ObjectIdentifier) -> Option<&[u8]> {
        self.cert
            .tbs_certificate
            .extensions
            .as_ref()?
            .iter()
            .find(|e| e.extn_id == oid)
            .map(|e| e.extn_value.as_bytes())
    }

    /// True if `issuer`'s key signed this certificate and `issuer`'s subject is this
    /// certificate's issuer.
    pub fn signed_by(&self, issuer: &Certificate, what: &str) -> Result<bool> {
        if self.cert.tbs_certificate.issuer != issuer.cert.tbs_certificate.subject {
            return Ok(false);
        }
        let oid = self.cert.signature_algorithm.oid;
        let Some(hash) = Hash::of_ecdsa(oid) else {
            return Err(Error::verification(
                what,
                format!("unsupported certificate signature algorithm {oid}"),
            ));
        };
        let tbs = self
            .cert
            .tbs_certificate
            .to_der()
            .map_err(|e| Error::document(what, format!("cannot encode a certificate: {e}")))?;
        let Some(signature) = self.cert.signature.as_bytes() else {
            return Ok(false);
        };
        Ok(ecdsa_verifies(
            &issuer.public_key_der(what)?,
            hash,
            &tbs,
            signature,
        ))
    }

    /// The DER TBSCertificate without the extension `oid` (as RFC 6962 rebuilds the
    /// precertificate a log signed).
    pub(crate) fn tbs_der_without(&self, oid: ObjectIdentifier, what: &str) -> Result<Vec<u8>> {
        let mut tbs = self.cert.tbs_certificate.clone();
        if let Some(extensions) = tbs.extensions.as_mut() {
            extensions.retain(|e| e.extn_id != oid);
        }
        tbs.to_der()
            .map_err(|e| Error::document(what, format!("cannot encode a certificate: {e}")))
    }

    /// True if this certificate's issuer and serial number are these.
    pub(crate) fn has_issuer_and_serial(
        &self,
        issuer: &x509_cert::name::Name,
        serial: &x509_cert::serial_number::SerialNumber,
    ) -> bool {
        let tbs = &self.cert.tbs_certificate;
        tbs.serial_number == *serial && tbs.issuer == *issuer
    }

    /// True if this certificate's subject key identifier is `id`.
    pub(crate) fn has_subject_key_id(&self, id: &[u8]) -> bool {
        self.extension(SUBJECT_KEY_IDENTIFIER)
            .and_then(|b| x509_cert::der::asn1::OctetStringRef::from_der(b).ok())
            .is_some_and(|ski| ski.as_bytes() == id)
    }

    /// True if the extended key usage lists `purpose`.
    pub(crate) fn has_extended_usage(&self, purpose: ObjectIdentifier) -> bool {
        self.extension(EXT_KEY_USAGE)
            .and_then(|b| ExtendedKeyUsage::from_der(b).ok())
            .is_some_and(|u| u.0.contains(&purpose))
    }

    /// True if this certificate is a CA (basic constraints `cA`).
    pub fn is_ca(&self) -> bool {
        self.extension(BASIC_CONSTRAINTS)
            .and_then(|b| BasicConstraints::from_der(b).ok())
            .is_some_and(|b| b.ca)
    }

    /// Checks what a Fulcio signing certificate must be: not a CA, digital signature
    /// usage, the code-signing extended usage, no critical extension kiln does not know.
    pub fn check_leaf(&self, what: &str) -> Result<()> {
        let known = [
            KEY_USAGE,
            SUBJECT_ALT_NAME,
            BASIC_CONSTRAINTS,
            EXT_KEY_USAGE,
        ];
        for e in self.cert.tbs_certificate.extensions.iter().flatten() {
            if e.critical && !known.contains(&e.extn_id) {
                return Err(Error::verification(
                    what,
                    format!(
                        "the signing certificate has an unknown critical extension {}",
                        e.extn_id
                    ),
                ));
            }
        }
        if self.is_ca() {
            return Err(Error::verification(
                what,
                "the signing certificate is a CA certificate",
            ));
        }
        let usage = self
            .extension(KEY_USAGE)
            .and_then(|b| KeyUsage::from_der(b).ok());
        if !usage.is_some_and(|u| u.digital_signature()) {
            return Err(Error::verification(
                what,
                "the signing certificate's key usage lacks digitalSignature",
            ));
        }
        if !self.has_extended_usage(CODE_SIGNING) {
            return Err(Error::verification(
                what,
                "the signing certificate is not for code signing (extended key usage)",
            ));
        }
        Ok(())
    }

    /// The e-mail addresses and URIs of the subject alternative name.
    pub fn identities(&self) -> Vec<String> {
        let Some(san) = self
            .extension(SUBJECT_ALT_NAME)
            .and_then(|b| SubjectAltName::from_der(b).ok())
        else {
            return Vec::new();
        };
        san.0
            .iter()
            .filter_map(|name| match name {
                GeneralName::Rfc822Name(s) | GeneralName::UniformResourceIdentifier(s) => {
                    Some(s.to_string())
                }
                _ => None,
            })
            .collect()
    }

    /// The OIDC issuer Fulcio recorded: the DER extension (…57264.1.8) when present,
    /// else the legacy raw one (…57264.1.1).
    pub fn oidc_issuer(&self) -> Option<String> {
        if let Some(bytes) = self.extension(FULCIO_ISSUER_V2) {
            return Utf8StringRef::from_der(bytes)
                .ok()
                .map(|s| s.as_str().to_owned());
        }
        self.extension(FULCIO_ISSUER_V1)
            .and_then(|b| std::str::from_utf8(b).ok())
            .map(str::to_owned)
    }
}

/// The issuer of `leaf` on a path through `cas` up to a self-signed certificate, every
/// certificate on it a CA valid at `time` and signing the one below; `None` when there is
/// no such path. The order of `cas` does not matter.
pub(crate) fn issuer_on_path<'a>(
    leaf: &Certificate,
    cas: &'a [Certificate],
    time: i64,
    what: &str,
) -> Result<Option<&'a Certificate>> {
    let mut used = vec![false; cas.len()];
    let mut child = leaf;
    let mut first: Option<&'a Certificate> = None;
    'walk: loop {
        for (i, parent) in cas.iter().enumerate() {
            if used[i] || !parent.is_ca() || !parent.valid_at(time) {
                continue;
            }
            if child.signed_by(parent, what)? {
                let issuer = *first.get_or_insert(parent);
                if parent.signed_by(parent, what)? {
                    return Ok(Some(issuer));
                }
                used[i] = true;
                child = parent;
                continue 'walk;
            }
        }
        return Ok(None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_not_a_certificate() {
        let err = Certificate::from_der(b"\x30\x03\x02\x01\x01", "c").unwrap_err();
        assert!(err.to_string().contains("X.509"), "{err}");
    }

    #[test]
    fn ecdsa_with_unknown_keys_or_bad_signatures_is_invalid() {
        assert!(!ecdsa_verifies(b"not a key", Hash::Sha256, b"m", b"s"));
        let key = crate::key::SigningKey::generate(crate::key::KeyType::EcdsaP256);
        let sig = key.sign(b"m");
        let spki = key.public_key().to_spki_der();
        assert!(ecdsa_verifies(&spki, Hash::Sha256, b"m", &sig));
        assert!(!ecdsa_verifies(&spki, Hash::Sha256, b"n", &sig));
        assert!(!ecdsa_verifies(&spki, Hash::Sha384, b"m", &sig));
    }
}
