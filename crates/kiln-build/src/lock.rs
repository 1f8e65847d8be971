//! `kiln.lock`: what a spec resolved to, exactly. The spec's digest, each source with the
//! digest of the signed Release it was resolved from, and per architecture every package
//! with its version, source package, URL, size and SHA-256. A build from a lock uses
//! exactly these files (from the package cache, each checked against its SHA-256), so
//! the same lock gives the same image.
//!
//! The file is JSON with a stable order (architectures and packages sorted by name) and
//! a trailing newline; it is written atomically.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::spec::Spec;

/// The lock format's version.
pub const LOCK_VERSION: u32 = 1;

/// A resolved spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    pub version: u32,
    pub spec: LockedSpec,
    pub sources: Vec<LockedSource>,
    /// Debian architecture → packages, sorted by name.
    pub architectures: BTreeMap<String, Vec<LockedPackage>>,
}

/// Which spec (and variant) this lock is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedSpec {
    /// `sha256:<hex>` of the spec text, line endings normalised.
    pub digest: String,
    /// `runtime` or `dev`.
    pub variant: String,
}

/// One source suite and the signed Release it was resolved from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedSource {
    pub uri: String,
    pub suite: String,
    pub components: Vec<String>,
    /// `sha256:<hex>` of the verified `InRelease` (or `Release`) bytes.
    pub release: String,
    /// Fingerprint of the key whose signature verified.
    pub signer: String,
}

/// One package of one architecture.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedPackage {
    pub name: String,
    pub version: String,
    pub architecture: String,
    pub source: String,
    pub source_version: String,
    pub url: String,
    pub size: u64,
    /// Lowercase hex.
    pub sha256: String,
}

/// Reading or checking a lock failed.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("reading lock file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("writing lock file {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("lock file {path}: {reason}")]
    Invalid { path: String, reason: String },
    #[error(
        "lock file {path} is for another spec or variant ({locked}, this is {current}): run `kiln lock` again"
    )]
    Stale {
        path: String,
        locked: String,
        current: String,
    },
}

impl Lock {
    /// A lock with no packages yet, for `spec`.
    pub fn new(spec: &Spec) -> Lock {
        Lock {
            version: LOCK_VERSION,
            spec: LockedSpec {
                digest: spec.digest_string(),
                variant: spec.variant.name().to_owned(),
            },
            sources: Vec::new(),
            architectures: BTreeMap::new(),
        }
    }

    /// The lock's bytes: pretty JSON, packages sorted, a trailing newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut sorted = self.clone();
        for pkgs in sorted.architectures.values_mut() {
            pkgs.sort();
        }
        sorted
            .sources
            .sort_by(|a, b| (&a.uri, &a.suite).cmp(&(&b.uri, &b.suite)));
        let mut bytes = serde_json::to_vec_pretty(&sorted).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// Reads and checks a lock: its version, digests in lowercase hex, sorted and unique
    /// packages.
    pub fn parse(bytes: &[u8], path: &str) -> Result<Lock, LockError> {
        let invalid = |reason: String| LockError::Invalid {
            path: path.to_owned(),
            reason,
        };
        let lock: Lock = serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))?;
        if lock.version != LOCK_VERSION {
            return Err(invalid(format!(
                "version {} is not {LOCK_VERSION}",
                lock.version
            )));
        }
        let hex64 = |s: &str| {
            s.len() == 64
                && s.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        };
        if !lock.spec.digest.strip_prefix("sha256:").is_some_and(hex64) {
            return Err(invalid(format!(
                "spec digest {:?} is not sha256:<hex>",
                lock.spec.digest
            )));
        }
        if lock.architectures.is_empty() {
            return Err(invalid("no architectures".to_owned()));
        }
        for (arch, pkgs) in &lock.architectures {
            for p in pkgs {
                if !hex64(&p.sha256) {
                    return Err(invalid(format!(
                        "{arch} package {}: sha256 {:?} is not lowercase hex",
                        p.name, p.sha256
                    )));
                }
                if !(p.url.starts_with("http://")
                    || p.url.starts_with("https://")
                    || p.url.starts_with("file:/"))
                {
                    return Err(invalid(format!(
                        "{arch} package {}: url {:?} is not http(s) or file",
                        p.name, p.url
                    )));
                }
            }
            if pkgs.windows(2).any(|w| w[0].name >= w[1].name) {
                return Err(invalid(format!(
                    "{arch} packages are not sorted and unique by name"
                )));
            }
        }
        Ok(lock)
    }

    /// Reads the lock at `path`.
    pub fn load(path: &Path) -> Result<Lock, LockError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| LockError::Read {
            path: shown.clone(),
            source,
        })?;
        Lock::parse(&bytes, &shown)
    }

    /// Writes the lock to `path` atomically (temp file in the same directory + rename).
    pub fn write(&self, path: &Path) -> Result<(), LockError> {
        let err = |source| LockError::Write {
            path: path.display().to_string(),
            source,
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
        std::io::Write::write_all(&mut tmp, &self.to_bytes()).map_err(err)?;
        tmp.persist(path).map_err(|e| err(e.error))?;
        Ok(())
    }

    /// Errors unless this lock was made from `spec` (same digest and variant).
    pub fn check_for(&self, spec: &Spec, path: &str) -> Result<(), LockError> {
        let current = format!("{} {}", spec.digest_string(), spec.variant.name());
        let locked = format!("{} {}", self.spec.digest, self.spec.variant);
        if current != locked {
            return Err(LockError::Stale {
                path: path.to_owned(),
                locked,
                current,
            });
        }
        Ok(())
    }

    /// The `sha256:<hex>` of the lock's bytes, as provenance records it.
    pub fn digest(&self) -> String {
        use sha2::Digest as _;
        format!(
            "sha256:{}",
            hex::encode(sha2::Sha256::digest(self.to_bytes()))
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Lock {
        let spec = Spec::parse("packages: [hello]\n", "s.yaml", Path::new(".")).unwrap();
        let mut lock = Lock::new(&spec);
        lock.sources.push(LockedSource {
            uri: "http://127.0.0.1:1".into(),
            suite: "stable".into(),
            components: vec!["main".into()],
            release: format!("sha256:{}", "1".repeat(64)),
            signer: "ABCD".into(),
        });
        let pkg = |name: &str| LockedPackage {
            name: name.into(),
            version: "1.0-1".into(),
            architecture: "amd64".into(),
            source: name.into(),
            source_version: "1.0-1".into(),
            url: format!("http://127.0.0.1:1/pool/main/{name}_1.0-1_amd64.deb"),
            size: 1234,
            sha256: "a".repeat(64),
        };
        lock.architectures
            .insert("amd64".into(), vec![pkg("zlib1g"), pkg("hello")]);
        lock
    }

    #[test]
    fn round_trip_is_stable_and_sorted() {
        let lock = sample();
        let bytes = lock.to_bytes();
        assert!(bytes.ends_with(b"}\n"));
        let back = Lock::parse(&bytes, "kiln.lock").unwrap();
        assert_eq!(back.architectures["amd64"][0].name, "hello");
        assert_eq!(back.to_bytes(), bytes);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiln.lock");
        lock.write(&path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
        assert_eq!(Lock::load(&path).unwrap(), back);
    }

    #[test]
    fn bad_locks_are_refused() {
        let good = String::from_utf8(sample().to_bytes()).unwrap();
        for (from, to, why) in [
            ("\"version\": 1", "\"version\": 2", "version 2"),
            (&"a".repeat(64), &"A".repeat(64), "lowercase hex"),
            ("\"size\"", "\"bogus\": 1, \"size\"", "unknown field"),
            ("http://127.0.0.1:1/pool", "ftp://x/pool", "not http"),
        ] {
            let bad = good.replacen(from, to, 1);
            let e = Lock::parse(bad.as_bytes(), "kiln.lock")
                .unwrap_err()
                .to_string();
            assert!(
                e.contains(why) && e.starts_with("lock file kiln.lock"),
                "{e}"
            );
        }
    }

    #[test]
    fn a_lock_for_another_spec_is_stale() {
        let lock = sample();
        let same = Spec::parse("packages: [hello]\r\n", "s.yaml", Path::new(".")).unwrap();
        lock.check_for(&same, "kiln.lock").unwrap();
        let other = Spec::parse("packages: [hello, zlib1g]\n", "s.yaml", Path::new(".")).unwrap();
        let e = lock.check_for(&other, "kiln.lock").unwrap_err().to_string();
        assert!(e.contains("run `kiln lock` again"), "{e}");
        let dev = same.variant(crate::Variant::Dev);
        assert!(lock.check_for(&dev, "kiln.lock").is_err());
    }
}
