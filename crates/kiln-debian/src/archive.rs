//! Everything the sources offer for one architecture: for each source URI and suite,
//! the Release is fetched (`InRelease`, else `Release` + `Release.gpg`) and verified
//! against the source's `Signed-By` keys or the default keyring (and must name the suite
//! asked for, as its `Suite` or `Codename`), then each component's
//! `binary-ARCH` and `binary-all` Packages index is fetched by its Release digest.
//! Nothing unverified reaches the [`Archive`].

use std::path::PathBuf;

use crate::cache::Cache;
use crate::index::{self, IndexError, PackageRecord};
use crate::keyring::{Keyring, KeyringError};
use crate::release::{self, ReleaseError, VerifyOptions};
use crate::sources::Source;
use crate::transport::FetchError;

/// Release files larger than this are refused.
pub const MAX_RELEASE_BYTES: u64 = 64 << 20;

/// Loading an archive failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("fetching the Release file of {dist}")]
    Fetch {
        dist: String,
        #[source]
        source: FetchError,
    },
    #[error(transparent)]
    Release(#[from] ReleaseError),
    #[error("keys for {origin}")]
    Keyring {
        origin: String,
        #[source]
        source: KeyringError,
    },
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("no source serves architecture {arch}")]
    NoSource { arch: String },
    /// A signed Release for another suite (e.g. an old one replayed under this name).
    #[error("{dist}: the signed Release is for suite {found:?}, not {wanted:?}")]
    WrongSuite {
        dist: String,
        wanted: String,
        found: String,
    },
}

/// How an archive is loaded.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Release expiry and the clock.
    pub verify: VerifyOptions,
    /// Keys for sources without `Signed-By`; `None` reads the host's keyrings
    /// ([`Keyring::host`]) under `host_root`.
    pub default_keyring: Option<Keyring>,
    /// Root the host keyrings are read under when needed; `None` is `/`.
    pub host_root: Option<PathBuf>,
}

/// A package the archive offers, and where its `.deb` is.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub record: PackageRecord,
    /// Full URL of the `.deb` (archive URI + `Filename`).
    pub url: String,
    /// The suite (or codename) it was listed under.
    pub suite: String,
    /// The component it was listed under.
    pub component: String,
}

/// Every verified package the sources offer for one architecture (its own and `all`).
#[derive(Debug, Clone, Default)]
pub struct Archive {
    architecture: String,
    candidates: Vec<Candidate>,
}

impl Archive {
    /// An archive from already-verified candidates (tests, or a lock's contents).
    pub fn from_candidates(architecture: &str, candidates: Vec<Candidate>) -> Archive {
        Archive {
            architecture: architecture.to_owned(),
            candidates,
        }
    }

    /// Fetches and verifies every source serving `arch`.
    pub fn load(
        sources: &[Source],
        arch: &str,
        cache: &Cache,
        opts: &LoadOptions,
    ) -> Result<Archive, LoadError> {
        let serving: Vec<&Source> = sources.iter().filter(|s| s.serves(arch)).collect();
        if serving.is_empty() {
            return Err(LoadError::NoSource {
                arch: arch.to_owned(),
            });
        }
        let mut default = opts.default_keyring.clone();
        let mut candidates = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for source in serving {
            let keyring = match &source.signed_by {
                Some(sb) => Keyring::from_signed_by(sb).map_err(|e| LoadError::Keyring {
                    origin: source.origin.clone(),
                    source: e,
                })?,
                None => match &default {
                    Some(k) => k.clone(),
                    None => {
                        let root = opts.host_root.clone().unwrap_or_else(|| PathBuf::from("/"));
                        let k = Keyring::host(&root).map_err(|e| LoadError::Keyring {
                            origin: source.origin.clone(),
                            source: e,
                        })?;
                        default = Some(k.clone());
                        k
                    }
                },
            };
            for uri in &source.uris {
                for suite in &source.suites {
                    let dist = format!("{uri}/dists/{suite}");
                    let verified = fetch_release(cache, &dist, &keyring, &opts.verify)?;
                    let r = verified.release();
                    if r.suite.as_deref() != Some(suite) && r.codename.as_deref() != Some(suite) {
                        return Err(LoadError::WrongSuite {
                            dist,
                            wanted: suite.clone(),
                            found: r
                                .suite
                                .clone()
                                .or_else(|| r.codename.clone())
                                .unwrap_or_default(),
                        });
                    }
                    for component in &source.components {
                        for (a, optional) in [(arch, false), ("all", true)] {
                            let Some(records) = index::fetch_packages(
                                cache, &dist, &verified, component, a, optional,
                            )?
                            else {
                                continue;
                            };
                            for record in records {
                                if record.architecture != arch && record.architecture != "all" {
                                    continue;
                                }
                                let key = (
                                    record.name.clone(),
                                    record.version.to_string(),
                                    record.architecture.clone(),
                                );
                                if !seen.insert(key) {
                                    continue;
                                }
                                candidates.push(Candidate {
                                    url: format!("{uri}/{}", record.filename),
                                    record,
                                    suite: suite.clone(),
                                    component: component.clone(),
                                });
                            }
                        }
                    }
                }
            }
        }
        Ok(Archive {
            architecture: arch.to_owned(),
            candidates,
        })
    }

    /// The architecture this archive was loaded for.
    pub fn architecture(&self) -> &str {
        &self.architecture
    }

    /// Every candidate, in source order.
    pub fn candidates(&self) -> &[Candidate] {
        &self.candidates
    }
}

/// Fetches and verifies `<dist>/InRelease`, else `<dist>/Release` + `Release.gpg`.
pub fn fetch_release(
    cache: &Cache,
    dist: &str,
    keyring: &Keyring,
    opts: &VerifyOptions,
) -> Result<release::VerifiedRelease, LoadError> {
    let t = cache.transport();
    let fetch_err = |source| LoadError::Fetch {
        dist: dist.to_owned(),
        source,
    };
    let inrelease = format!("{dist}/InRelease");
    match t.get_bytes(&inrelease, MAX_RELEASE_BYTES) {
        Ok(bytes) => {
            return Ok(release::verify_inrelease(
                &bytes, keyring, &inrelease, opts,
            )?);
        }
        Err(FetchError::NotFound { .. }) => {}
        Err(e) => return Err(fetch_err(e)),
    }
    let rel_url = format!("{dist}/Release");
    let rel = t
        .get_bytes(&rel_url, MAX_RELEASE_BYTES)
        .map_err(fetch_err)?;
    let sig_url = format!("{dist}/Release.gpg");
    let sig = match t.get_bytes(&sig_url, MAX_RELEASE_BYTES) {
        Ok(s) => s,
        Err(FetchError::NotFound { .. }) => {
            return Err(ReleaseError::Unsigned { name: rel_url }.into());
        }
        Err(e) => return Err(fetch_err(e)),
    };
    Ok(release::verify_detached(
        &rel, &sig, keyring, &sig_url, opts,
    )?)
}
