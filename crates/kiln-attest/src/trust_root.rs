//! The Sigstore trusted root (`trusted_root.json`, the protobuf-JSON form of
//! `dev.sigstore.trustroot.v1.TrustedRoot`) that keyless verification trusts: the Fulcio
//! certificate authorities (certificate chains with validity windows), the Rekor
//! transparency logs (public keys and log ids), the certificate transparency logs whose
//! SCTs Fulcio embeds, and the RFC 3161 timestamp authorities. The user supplies the
//! file; kiln never fetches one.

use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use crate::dsse::decode_base64;
use crate::{Error, Result};

/// A window of validity; `end` open when absent. Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub start: i64,
    pub end: Option<i64>,
}

impl Validity {
    pub fn contains(&self, t: i64) -> bool {
        t >= self.start && self.end.is_none_or(|end| t <= end)
    }
}

/// A Fulcio CA: its chain, issuing certificate first, root last (DER).
#[derive(Debug, Clone)]
pub struct CertificateAuthority {
    pub chain: Vec<Vec<u8>>,
    pub valid_for: Validity,
}

/// A Rekor log: its id (SHA-256 of the key's DER) and the key (SubjectPublicKeyInfo DER).
#[derive(Debug, Clone)]
pub struct TransparencyLog {
    pub log_id: Vec<u8>,
    pub public_key: Vec<u8>,
    pub valid_for: Validity,
}

/// A checked trusted root.
#[derive(Debug, Clone)]
pub struct TrustedRoot {
    pub certificate_authorities: Vec<CertificateAuthority>,
    pub tlogs: Vec<TransparencyLog>,
    /// Certificate transparency logs (RFC 6962), for the SCTs in Fulcio certificates.
    pub ctlogs: Vec<TransparencyLog>,
    /// RFC 3161 timestamp authorities: the signing certificate first, root last.
    pub timestamp_authorities: Vec<CertificateAuthority>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRoot {
    media_type: String,
    #[serde(default)]
    tlogs: Vec<RawLog>,
    #[serde(default)]
    certificate_authorities: Vec<RawCa>,
    #[serde(default)]
    ctlogs: Vec<RawLog>,
    #[serde(default)]
    timestamp_authorities: Vec<RawCa>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLog {
    public_key: RawPublicKey,
    log_id: RawLogId,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPublicKey {
    #[serde(default)]
    raw_bytes: Option<String>,
    #[serde(default)]
    valid_for: Option<RawValidity>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawLogId {
    pub(crate) key_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCa {
    cert_chain: RawChain,
    #[serde(default)]
    valid_for: Option<RawValidity>,
}

#[derive(Deserialize)]
pub(crate) struct RawChain {
    pub(crate) certificates: Vec<RawCertificate>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawCertificate {
    pub(crate) raw_bytes: String,
}

#[derive(Deserialize)]
struct RawValidity {
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    end: Option<String>,
}

const MEDIA_TYPE_PREFIX: &str = "application/vnd.dev.sigstore.trustedroot";

fn time(text: &str, what: &str) -> Result<i64> {
    text.parse::<jiff::Timestamp>()
        .map(|t| t.as_second())
        .map_err(|e| Error::document(what, format!("bad time {text:?}: {e}")))
}

fn validity(raw: Option<RawValidity>, what: &str) -> Result<Validity> {
    let Some(raw) = raw else {
        return Err(Error::document(what, "an entry has no validFor window"));
    };
    let Some(start) = raw.start else {
        return Err(Error::document(what, "a validFor window has no start"));
    };
    Ok(Validity {
        start: time(&start, what)?,
        end: raw.end.as_deref().map(|e| time(e, what)).transpose()?,
    })
}

pub(crate) fn base64_field(text: &str, what: &str, field: &str) -> Result<Vec<u8>> {
    decode_base64(text).ok_or_else(|| Error::document(what, format!("{field} is not base64")))
}

impl TrustedRoot {
    /// Parses and checks `trusted_root.json`. Logs whose key is missing are dropped (a
    /// root may list keys kiln cannot use); a root with no CA or no log is refused.
    pub fn parse(bytes: &[u8], what: &str) -> Result<TrustedRoot> {
        let raw: RawRoot = serde_json::from_slice(bytes)
            .map_err(|e| Error::document(what, format!("not a Sigstore trusted root: {e}")))?;
        if !raw.media_type.starts_with(MEDIA_TYPE_PREFIX) {
            return Err(Error::document(
                what,
                format!("unknown trusted root media type {:?}", raw.media_type),
            ));
        }
        let tlogs = logs(raw.tlogs, what)?;
        let ctlogs = logs(raw.ctlogs, what)?;
        let certificate_authorities = authorities(raw.certificate_authorities, what)?;
        let timestamp_authorities = authorities(raw.timestamp_authorities, what)?;
        if certificate_authorities.is_empty() || tlogs.is_empty() {
            return Err(Error::document(
                what,
                "the trusted root needs at least one certificate authority and one transparency log",
            ));
        }
        Ok(TrustedRoot {
            certificate_authorities,
            tlogs,
            ctlogs,
            timestamp_authorities,
        })
    }

    /// The log with this id.
    pub fn tlog(&self, log_id: &[u8]) -> Option<&TransparencyLog> {
        self.tlogs.iter().find(|l| l.log_id == log_id)
    }

    /// The certificate transparency log with this id (the SHA-256 of its key).
    pub fn ctlog(&self, log_id: &[u8]) -> Option<&TransparencyLog> {
        self.ctlogs
            .iter()
            .find(|l| Sha256::digest(&l.public_key).as_slice() == log_id)
    }
}

/// Logs with a key (a root may list keys kiln cannot use: those without one are dropped).
fn logs(raw: Vec<RawLog>, what: &str) -> Result<Vec<TransparencyLog>> {
    let mut logs = Vec::new();
    for log in raw {
        let Some(key) = log.public_key.raw_bytes else {
            continue;
        };
        logs.push(TransparencyLog {
            log_id: base64_field(&log.log_id.key_id, what, "a log id")?,
            public_key: base64_field(&key, what, "a log key")?,
            valid_for: validity(log.public_key.valid_for, what)?,
        });
    }
    Ok(logs)
}

fn authorities(raw: Vec<RawCa>, what: &str) -> Result<Vec<CertificateAuthority>> {
    let mut authorities = Vec::new();
    for ca in raw {
        let chain = ca
            .cert_chain
            .certificates
            .iter()
            .map(|c| base64_field(&c.raw_bytes, what, "a CA certificate"))
            .collect::<Result<Vec<_>>>()?;
        if chain.is_empty() {
            return Err(Error::document(
                what,
                "a certificate authority has no chain",
            ));
        }
        authorities.push(CertificateAuthority {
            chain,
            valid_for: validity(ca.valid_for, what)?,
        });
    }
    Ok(authorities)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_without_cas_or_logs_and_bad_times_are_refused() {
        let empty = br#"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}"#;
        assert!(TrustedRoot::parse(empty, "r").is_err());
        let wrong = br#"{"mediaType":"application/json"}"#;
        let err = TrustedRoot::parse(wrong, "r").unwrap_err();
        assert!(err.to_string().contains("media type"), "{err}");
        let bad_time = br#"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs":[{"publicKey":{"rawBytes":"AA==","validFor":{"start":"yesterday"}},"logId":{"keyId":"AA=="}}],
            "certificateAuthorities":[{"certChain":{"certificates":[{"rawBytes":"AA=="}]},"validFor":{"start":"2021-01-01T00:00:00Z"}}]}"#;
        let err = TrustedRoot::parse(bad_time, "r").unwrap_err();
        assert!(err.to_string().contains("yesterday"), "{err}");
    }

    #[test]
    fn validity_windows_include_their_ends() {
        let v = Validity {
            start: 10,
            end: Some(20),
        };
        assert!(v.contains(10) && v.contains(20) && !v.contains(9) && !v.contains(21));
        assert!(
            Validity {
                start: 0,
                end: None
            }
            .contains(i64::MAX)
        );
    }
}
