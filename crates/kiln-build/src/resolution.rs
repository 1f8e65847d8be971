//! From a spec to its lock: the spec's sources (or the host's apt sources) are loaded
//! and verified by `kiln-debian` for each architecture, the package requests resolved,
//! and the result recorded with the digest of every signed Release it came from.

use std::path::{Path, PathBuf};

use kiln_debian::archive::{self, Archive, LoadOptions, MAX_RELEASE_BYTES};
use kiln_debian::cache::Cache;
use kiln_debian::keyring::Keyring;
use kiln_debian::resolve::{self, Request};
use kiln_debian::sources::{self, SignedBy, Source};
use kiln_debian::transport::FetchError;
use sha2::{Digest as _, Sha256};

use crate::lock::{Lock, LockedPackage, LockedSource};
use crate::spec::Spec;

/// Resolving failed: the sources, a Release, an index, or the requests themselves.
#[derive(Debug, thiserror::Error)]
pub enum ResolutionError {
    #[error("{spec}: no package sources: the spec names none and the host has none")]
    NoSources { spec: String },
    #[error("reading the host's apt sources: {0}")]
    HostSources(#[from] sources::SourcesError),
    #[error("{arch}: {source}")]
    Load {
        arch: String,
        #[source]
        source: archive::LoadError,
    },
    #[error("{dist}: {reason}")]
    Release { dist: String, reason: String },
    #[error("{arch}: {source}")]
    Resolve {
        arch: String,
        #[source]
        source: resolve::ResolveError,
    },
    #[error("package request {request:?}: {reason}")]
    Request { request: String, reason: String },
}

/// Where the host's apt configuration and keyrings are read (`/` normally).
#[derive(Debug, Clone)]
pub struct ResolveOptions {
    pub host_root: PathBuf,
    pub load: LoadOptions,
}

impl Default for ResolveOptions {
    fn default() -> ResolveOptions {
        ResolveOptions {
            host_root: PathBuf::from("/"),
            load: LoadOptions::default(),
        }
    }
}

/// The spec's sources as apt sources; the host's when it names none.
pub fn apt_sources(spec: &Spec, host_root: &Path) -> Result<Vec<Source>, ResolutionError> {
    if spec.sources.is_empty() {
        let host = sources::host(host_root)?;
        if host.is_empty() {
            return Err(ResolutionError::NoSources {
                spec: spec.file.clone(),
            });
        }
        return Ok(host);
    }
    Ok(spec
        .sources
        .iter()
        .enumerate()
        .map(|(i, s)| Source {
            uris: s
                .uris
                .iter()
                .map(|u| u.trim_end_matches('/').to_owned())
                .collect(),
            suites: s.suites.clone(),
            components: s.components.clone(),
            architectures: Vec::new(),
            signed_by: s.signed_by.clone().map(|p| SignedBy::Keyrings(vec![p])),
            origin: format!("{} sources[{i}]", spec.file),
        })
        .collect())
}

/// Resolves `spec` (already the wanted variant) for each of its architectures.
pub fn lock(spec: &Spec, cache: &Cache, opts: &ResolveOptions) -> Result<Lock, ResolutionError> {
    let apt = apt_sources(spec, &opts.host_root)?;
    let mut load = opts.load.clone();
    if load.host_root.is_none() {
        load.host_root = Some(opts.host_root.clone());
    }
    let requests = spec
        .packages
        .iter()
        .map(|p| {
            p.to_string()
                .parse::<Request>()
                .map_err(|e| ResolutionError::Request {
                    request: p.to_string(),
                    reason: e.to_string(),
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Lock::new(spec);
    out.sources = locked_sources(&apt, cache, &load)?;
    for arch in &spec.architectures {
        let arch = arch.as_str();
        let archive =
            Archive::load(&apt, arch, cache, &load).map_err(|source| ResolutionError::Load {
                arch: arch.to_owned(),
                source,
            })?;
        let resolution =
            resolve::resolve(&archive, &requests).map_err(|source| ResolutionError::Resolve {
                arch: arch.to_owned(),
                source,
            })?;
        for d in &resolution.dropped {
            tracing::info!(
                arch,
                package = d.package,
                dependency = d.dependency,
                "dependency left out: only excluded packages provide it"
            );
        }
        let packages = resolution
            .packages
            .iter()
            .map(|c| LockedPackage {
                name: c.record.name.clone(),
                version: c.record.version.to_string(),
                architecture: c.record.architecture.clone(),
                source: c.record.source.clone(),
                source_version: c.record.source_version.to_string(),
                url: c.url.clone(),
                size: c.record.size,
                sha256: c.record.sha256.clone(),
            })
            .collect();
        out.architectures.insert(arch.to_owned(), packages);
    }
    Ok(out)
}

/// Each source suite with the digest of the Release bytes that verified.
fn locked_sources(
    apt: &[Source],
    cache: &Cache,
    load: &LoadOptions,
) -> Result<Vec<LockedSource>, ResolutionError> {
    let mut out = Vec::new();
    let mut host_keys: Option<Keyring> = load.default_keyring.clone();
    for source in apt {
        let keyring = match &source.signed_by {
            Some(sb) => Keyring::from_signed_by(sb).map_err(|e| ResolutionError::Release {
                dist: source.origin.clone(),
                reason: e.to_string(),
            })?,
            None => match &host_keys {
                Some(k) => k.clone(),
                None => {
                    let root = load.host_root.clone().unwrap_or_else(|| PathBuf::from("/"));
                    let k = Keyring::host(&root).map_err(|e| ResolutionError::Release {
                        dist: source.origin.clone(),
                        reason: e.to_string(),
                    })?;
                    host_keys = Some(k.clone());
                    k
                }
            },
        };
        for uri in &source.uris {
            for suite in &source.suites {
                let dist = format!("{uri}/dists/{suite}");
                let (digest, signer) = release_digest(cache, &dist, &keyring, load)?;
                out.push(LockedSource {
                    uri: uri.clone(),
                    suite: suite.clone(),
                    components: source.components.clone(),
                    release: digest,
                    signer,
                });
            }
        }
    }
    Ok(out)
}

/// Fetches and verifies the suite's `InRelease` (else `Release` + `Release.gpg`) and
/// returns the SHA-256 of exactly the bytes that verified, and the signer.
fn release_digest(
    cache: &Cache,
    dist: &str,
    keyring: &Keyring,
    load: &LoadOptions,
) -> Result<(String, String), ResolutionError> {
    let t = cache.transport();
    let fail = |reason: String| ResolutionError::Release {
        dist: dist.to_owned(),
        reason,
    };
    let digest = |b: &[u8]| format!("sha256:{}", hex::encode(Sha256::digest(b)));
    let inrelease = format!("{dist}/InRelease");
    match t.get_bytes(&inrelease, MAX_RELEASE_BYTES) {
        Ok(bytes) => {
            let v =
                kiln_debian::release::verify_inrelease(&bytes, keyring, &inrelease, &load.verify)
                    .map_err(|e| fail(e.to_string()))?;
            return Ok((digest(&bytes), v.signer().to_owned()));
        }
        Err(FetchError::NotFound { .. }) => {}
        Err(e) => return Err(fail(e.to_string())),
    }
    let rel_url = format!("{dist}/Release");
    let rel = t
        .get_bytes(&rel_url, MAX_RELEASE_BYTES)
        .map_err(|e| fail(e.to_string()))?;
    let sig = t
        .get_bytes(&format!("{dist}/Release.gpg"), MAX_RELEASE_BYTES)
        .map_err(|e| fail(e.to_string()))?;
    let v = kiln_debian::release::verify_detached(&rel, &sig, keyring, &rel_url, &load.verify)
        .map_err(|e| fail(e.to_string()))?;
    Ok((digest(&rel), v.signer().to_owned()))
}
