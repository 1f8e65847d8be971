//! Signed archive Release files: `InRelease` (cleartext-signed) or `Release` with a
//! detached `Release.gpg`, verified against a [`Keyring`] before a byte of them is
//! read; then `Suite`, `Codename`, `Date`, `Valid-Until` and the `SHA256` list of
//! index files. Only a [`VerifiedRelease`] tells callers which index digests to trust.

use std::collections::BTreeMap;
use std::io::Cursor;

use jiff::Timestamp;
use pgp::composed::{CleartextSignedMessage, Deserializable, DetachedSignature};
use pgp::packet::{Signature, SignatureType};

use crate::control;
use crate::keyring::Keyring;

/// A Release file that cannot be trusted or read; `name` is the file (or its URL).
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    /// No signature at all where one is required.
    #[error("{name}: not signed")]
    Unsigned { name: String },
    /// The signature is malformed, by an unknown key, or does not match the text.
    #[error("{name}: signature verification failed: {reason}")]
    BadSignature { name: String, reason: String },
    /// The text is not a usable Release file.
    #[error("{name}: invalid Release file: {reason}")]
    Invalid { name: String, reason: String },
    /// `Valid-Until` has passed.
    #[error("{name}: expired (Valid-Until {valid_until}, now {now})")]
    Expired {
        name: String,
        valid_until: Timestamp,
        now: Timestamp,
    },
}

/// An index file listed in Release: its size and SHA-256 (lowercase hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    pub size: u64,
    pub sha256: String,
}

/// The fields of a Release file kiln uses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Release {
    pub origin: Option<String>,
    pub label: Option<String>,
    pub suite: Option<String>,
    pub codename: Option<String>,
    pub date: Option<Timestamp>,
    pub valid_until: Option<Timestamp>,
    pub architectures: Vec<String>,
    pub components: Vec<String>,
    pub acquire_by_hash: bool,
    /// `SHA256` entries by path relative to the suite directory
    /// (`main/binary-amd64/Packages.xz`).
    pub files: BTreeMap<String, FileEntry>,
}

/// How Release files are checked.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Accept a Release whose `Valid-Until` has passed (e.g. a snapshot archive).
    pub allow_expired: bool,
    /// The time `Valid-Until` is compared with; `None` is the current time.
    pub now: Option<Timestamp>,
}

/// A Release whose signature verified against the keyring, and that is not expired
/// (unless allowed).
#[derive(Debug, Clone)]
pub struct VerifiedRelease {
    release: Release,
    signer: String,
}

impl VerifiedRelease {
    /// The parsed, trusted Release fields.
    pub fn release(&self) -> &Release {
        &self.release
    }

    /// Fingerprint (upper-case hex) of the primary key whose signature verified.
    pub fn signer(&self) -> &str {
        &self.signer
    }
}

/// Reads a Release date (`Sat, 10 Jun 2023 08:56:43 UTC` or with a numeric offset).
pub fn parse_date(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    let fixed = match s.strip_suffix(" UTC").or_else(|| s.strip_suffix(" Z")) {
        Some(head) => format!("{head} +0000"),
        None => s.to_owned(),
    };
    jiff::fmt::rfc2822::parse(&fixed)
        .ok()
        .map(|z| z.timestamp())
}

impl Release {
    /// Parses Release text (already verified, or for inspection only); `name` names
    /// it in errors.
    pub fn parse(text: &str, name: &str) -> Result<Release, ReleaseError> {
        let invalid = |reason: String| ReleaseError::Invalid {
            name: name.to_owned(),
            reason,
        };
        let (paragraphs, _) = control::paragraphs(text);
        let p = paragraphs
            .into_iter()
            .next()
            .ok_or_else(|| invalid("no fields".into()))?;
        let owned = |f: &str| p.get(f).filter(|v| !v.is_empty()).map(str::to_owned);
        let date = |f: &str| -> Result<Option<Timestamp>, ReleaseError> {
            match p.get(f) {
                None => Ok(None),
                Some(v) => parse_date(v)
                    .map(Some)
                    .ok_or_else(|| invalid(format!("{f} {v:?} is not a date"))),
            }
        };
        let list = |f: &str| -> Vec<String> {
            p.get(f)
                .map(|v| v.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default()
        };
        let sums = p
            .get_all("SHA256")
            .ok_or_else(|| invalid("no SHA256 file list".into()))?;
        let mut files = BTreeMap::new();
        for line in sums.lines().filter(|l| !l.trim().is_empty()) {
            let mut parts = line.split_whitespace();
            let (Some(sha), Some(size), Some(path), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(invalid(format!("bad SHA256 line {line:?}")));
            };
            if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid(format!("bad SHA256 digest in {line:?}")));
            }
            let size = size
                .parse::<u64>()
                .map_err(|_| invalid(format!("bad size in {line:?}")))?;
            files.insert(
                path.to_owned(),
                FileEntry {
                    size,
                    sha256: sha.to_ascii_lowercase(),
                },
            );
        }
        Ok(Release {
            origin: owned("Origin"),
            label: owned("Label"),
            suite: owned("Suite"),
            codename: owned("Codename"),
            date: date("Date")?,
            valid_until: date("Valid-Until")?,
            architectures: list("Architectures"),
            components: list("Components"),
            acquire_by_hash: p
                .get("Acquire-By-Hash")
                .is_some_and(|v| v.eq_ignore_ascii_case("yes")),
            files,
        })
    }

    /// Errors if `Valid-Until` is before `now`.
    pub fn check_valid(&self, name: &str, now: Timestamp) -> Result<(), ReleaseError> {
        match self.valid_until {
            Some(valid_until) if valid_until < now => Err(ReleaseError::Expired {
                name: name.to_owned(),
                valid_until,
                now,
            }),
            _ => Ok(()),
        }
    }
}

fn check_signatures<'a>(
    sigs: impl Iterator<Item = &'a Signature>,
    data: &[u8],
    keyring: &Keyring,
    name: &str,
    now: Timestamp,
) -> Result<String, ReleaseError> {
    let mut reason = None;
    for sig in sigs {
        if !matches!(sig.typ(), Some(SignatureType::Binary | SignatureType::Text)) {
            reason.get_or_insert_with(|| "not a document signature".to_owned());
            continue;
        }
        match keyring.verify(sig, data, now) {
            Ok(fpr) => return Ok(fpr),
            Err(r) => reason = Some(r),
        }
    }
    Err(match reason {
        None => ReleaseError::Unsigned {
            name: name.to_owned(),
        },
        Some(reason) => ReleaseError::BadSignature {
            name: name.to_owned(),
            reason,
        },
    })
}

fn finish(
    text: &str,
    signer: String,
    name: &str,
    opts: &VerifyOptions,
) -> Result<VerifiedRelease, ReleaseError> {
    let release = Release::parse(text, name)?;
    if !opts.allow_expired {
        release.check_valid(name, opts.now.unwrap_or_else(Timestamp::now))?;
    }
    tracing::debug!(release = name, signer, "release verified");
    Ok(VerifiedRelease { release, signer })
}

/// Verifies a cleartext-signed `InRelease` and parses the signed text only.
pub fn verify_inrelease(
    bytes: &[u8],
    keyring: &Keyring,
    name: &str,
    opts: &VerifyOptions,
) -> Result<VerifiedRelease, ReleaseError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ReleaseError::Invalid {
        name: name.to_owned(),
        reason: "not UTF-8".into(),
    })?;
    if !text
        .trim_start()
        .starts_with("-----BEGIN PGP SIGNED MESSAGE-----")
    {
        return Err(ReleaseError::Unsigned {
            name: name.to_owned(),
        });
    }
    let (msg, _) =
        CleartextSignedMessage::from_string(text).map_err(|e| ReleaseError::BadSignature {
            name: name.to_owned(),
            reason: format!("unreadable signed message: {e}"),
        })?;
    let signed = msg.signed_text();
    let now = opts.now.unwrap_or_else(Timestamp::now);
    let signer = check_signatures(
        msg.signatures().iter(),
        signed.as_bytes(),
        keyring,
        name,
        now,
    )?;
    finish(&signed, signer, name, opts)
}

/// Verifies `Release` against its detached signature (`Release.gpg`, armored or binary,
/// possibly several signatures: one by a trusted key suffices).
pub fn verify_detached(
    release: &[u8],
    signature: &[u8],
    keyring: &Keyring,
    name: &str,
    opts: &VerifyOptions,
) -> Result<VerifiedRelease, ReleaseError> {
    let bad = |reason: String| ReleaseError::BadSignature {
        name: name.to_owned(),
        reason,
    };
    let (iter, _) = DetachedSignature::from_reader_many(Cursor::new(signature))
        .map_err(|e| bad(format!("unreadable signature: {e}")))?;
    let sigs = iter
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("unreadable signature: {e}")))?;
    let now = opts.now.unwrap_or_else(Timestamp::now);
    let signer = check_signatures(
        sigs.iter().map(|d| &d.signature),
        release,
        keyring,
        name,
        now,
    )?;
    let text = std::str::from_utf8(release).map_err(|_| ReleaseError::Invalid {
        name: name.to_owned(),
        reason: "not UTF-8".into(),
    })?;
    finish(text, signer, name, opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TEXT: &str = "Origin: Kiln\nSuite: stable\nCodename: kiln\n\
        Date: Sat, 10 Jun 2023 08:56:43 UTC\nValid-Until: Sat, 17 Jun 2023 08:56:43 +0000\n\
        Architectures: amd64 arm64\nComponents: main\nAcquire-By-Hash: yes\nMD5Sum:\n \
        0123 5 main/x\nSHA256:\n \
        2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae 12 main/binary-amd64/Packages\n \
        2C26B46B68FFC68FF99B453C1D30413413422D706483BFA0F98A5E886266E7AE 7 main/binary-amd64/Packages.xz\n";

    #[test]
    fn parses_fields_dates_and_the_sha256_list() {
        let r = Release::parse(TEXT, "Release").unwrap();
        assert_eq!(r.suite.as_deref(), Some("stable"));
        assert_eq!(r.codename.as_deref(), Some("kiln"));
        assert_eq!(r.date.unwrap().as_second(), 1_686_387_403);
        assert_eq!(
            r.valid_until.unwrap().as_second(),
            1_686_387_403 + 7 * 86_400
        );
        assert!(r.acquire_by_hash);
        assert_eq!(r.architectures, ["amd64", "arm64"]);
        assert_eq!(r.files.len(), 2);
        let xz = &r.files["main/binary-amd64/Packages.xz"];
        assert_eq!(xz.size, 7);
        assert!(xz.sha256.starts_with("2c26b4"));
    }

    #[test]
    fn expiry_is_checked_against_the_given_time() {
        let r = Release::parse(TEXT, "Release").unwrap();
        let before = Timestamp::from_second(1_686_387_403).unwrap();
        let after = Timestamp::from_second(1_686_387_403 + 8 * 86_400).unwrap();
        assert!(r.check_valid("R", before).is_ok());
        let e = r.check_valid("R", after).unwrap_err().to_string();
        assert!(e.starts_with("R: expired (Valid-Until 2023-06-17"), "{e}");
    }

    #[test]
    fn rejects_bad_lists_and_dates() {
        for (text, want) in [
            ("Suite: s\n", "no SHA256"),
            ("SHA256:\n abc 1 p\n", "bad SHA256 digest"),
            (
                "SHA256:\n 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae x p\n",
                "bad size",
            ),
            (
                "SHA256:\n 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae 1\n",
                "bad SHA256 line",
            ),
            ("Date: yesterday\nSHA256:\n", "not a date"),
        ] {
            let e = Release::parse(text, "R").unwrap_err().to_string();
            assert!(
                e.starts_with("R: invalid Release file") && e.contains(want),
                "{e}"
            );
        }
    }

    #[test]
    fn unsigned_and_garbage_signatures_fail_closed() {
        let ring = Keyring::empty();
        let o = VerifyOptions::default();
        let e = verify_inrelease(TEXT.as_bytes(), &ring, "InRelease", &o).unwrap_err();
        assert!(matches!(e, ReleaseError::Unsigned { .. }), "{e}");
        let e = verify_detached(TEXT.as_bytes(), b"junk", &ring, "Release.gpg", &o).unwrap_err();
        assert!(e.to_string().starts_with("Release.gpg: "), "{e}");
        let e = verify_detached(TEXT.as_bytes(), b"", &ring, "Release.gpg", &o).unwrap_err();
        assert!(e.to_string().starts_with("Release.gpg: "), "{e}");
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,300}") {
            let _ = Release::parse(&s, "p");
            let _ = verify_inrelease(s.as_bytes(), &Keyring::empty(), "p", &VerifyOptions::default());
        }

        #[test]
        fn never_panics_near_valid(s in "(Date|Valid-Until|SHA256): [ -~]{0,40}\n( [0-9a-f]{0,64} [0-9]{0,5} [a-z/]{0,10}\n){0,3}") {
            let _ = Release::parse(&s, "p");
        }
    }
}
