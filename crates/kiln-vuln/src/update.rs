//! Fetching advisory sources over HTTP(S) from URLs the user configures
//! (OSV's per-ecosystem `all.zip`, the Debian tracker's JSON, or any file
//! `kiln db import` reads). kiln names no hosts itself.
//!
//! One [`Remote`] is fetched by [`fetch`]: a conditional GET
//! (`If-None-Match` with the stored ETag, `If-Modified-Since` with the stored
//! `Last-Modified`) when the database already holds the source from the same
//! URL; `304 Not Modified` means nothing to import. A body is streamed to a
//! temporary file while its SHA-256 is computed, checked against the pinned
//! digest if there is one, and read like a `kiln db import` input. The
//! caller imports it with [`crate::db::import`], which stores the
//! [`FetchState`] with the records, atomically.

mod config;

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use ureq::http::{self, StatusCode};

use crate::import::{self, SourceData};
use crate::{Result, VulnError};

pub use config::{default_config_path, read_config};

/// Bodies larger than this are refused (the largest OSV `all.zip` is a few hundred MB).
pub const MAX_BODY: u64 = 4 << 30;

/// One configured source: a name (what `kiln db status` shows), a URL and
/// optionally the SHA-256 its body must have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    name: String,
    url: String,
    sha256: Option<String>,
}

impl Remote {
    /// Checks a source: the name is `[A-Za-z0-9._-]+`, the URL `http://` or
    /// `https://`, the digest `sha256:` and 64 hex digits.
    pub fn new(name: &str, url: &str, sha256: Option<&str>) -> Result<Self> {
        let bad = |reason: String| VulnError::Remote {
            name: name.to_owned(),
            reason,
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            return Err(bad(
                "a source name is letters, digits, '.', '_' and '-'".into()
            ));
        }
        let scheme_ok = url.starts_with("http://") || url.starts_with("https://");
        if !scheme_ok || url.parse::<http::Uri>().is_err() {
            return Err(bad(format!("{url:?} is not an http:// or https:// URL")));
        }
        let sha256 = sha256
            .map(|d| {
                let hex = d.strip_prefix("sha256:").unwrap_or_default();
                if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    Ok(format!("sha256:{}", hex.to_ascii_lowercase()))
                } else {
                    Err(bad(format!("digest {d:?} is not sha256:<64 hex digits>")))
                }
            })
            .transpose()?;
        Ok(Self {
            name: name.to_owned(),
            url: url.to_owned(),
            sha256,
        })
    }

    /// The source's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where it is fetched from.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The pinned digest (`sha256:…`), if any.
    pub fn sha256(&self) -> Option<&str> {
        self.sha256.as_deref()
    }

    /// The same source with this pinned digest.
    pub fn with_sha256(self, sha256: &str) -> Result<Self> {
        Self::new(&self.name, &self.url, Some(sha256))
    }
}

/// What the database remembers of a source's last fetch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FetchState {
    /// The URL fetched.
    pub url: String,
    /// The server's `ETag`, if it sent one.
    pub etag: Option<String>,
    /// The server's `Last-Modified`, if it sent one.
    pub last_modified: Option<String>,
    /// The body's digest, `sha256:…`.
    pub digest: String,
    /// When it was fetched (RFC 3339).
    pub fetched_at: String,
}

/// The outcome of one [`fetch`].
#[derive(Debug)]
pub enum Fetched {
    /// The server answered `304 Not Modified`: nothing to import.
    NotModified,
    /// The body is byte for byte what the database already holds: nothing to import.
    Unchanged(FetchState),
    /// New data, read and checked; its `fetch` field holds the new state.
    Changed(Box<SourceData>),
}

/// Knobs for [`fetch`].
#[derive(Debug, Clone, Copy, Default)]
pub struct FetchOptions {
    /// Fetch unconditionally and import even an unchanged body.
    pub force: bool,
}

fn fetch_err(remote: &Remote, reason: impl Into<String>) -> VulnError {
    VulnError::Fetch {
        name: remote.name.clone(),
        url: remote.url.clone(),
        reason: reason.into(),
    }
}

fn is_loopback(uri: &http::Uri) -> bool {
    let host = uri.host().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn agent(uri: &http::Uri) -> ureq::Agent {
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::PlatformVerifier)
        .build();
    let proxy = if is_loopback(uri) {
        None
    } else {
        ureq::Proxy::try_from_env()
    };
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .user_agent(concat!("kiln/", env!("CARGO_PKG_VERSION")))
        .tls_config(tls)
        .proxy(proxy)
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(Duration::from_secs(120)))
        .build()
        .into()
}

fn header(resp: &http::Response<ureq::Body>, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// What the first bytes say the body is, as a file extension `read_source` knows.
fn extension(head: &[u8], url: &str) -> &'static str {
    let mut text = head.iter().filter(|b| !b.is_ascii_whitespace());
    let (first, second) = (text.next(), text.next());
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        "zip"
    } else if first == Some(&b'{') || (first == Some(&b'[') && matches!(second, Some(b'{' | b']')))
    {
        "json"
    } else if url.ends_with(".yaml") || url.ends_with(".yml") {
        "yaml"
    } else {
        "list"
    }
}

/// Fetches `remote`. `previous` is what the database holds of it: its ETag
/// and Last-Modified make the request conditional when the URL is the same.
/// Errors name the source and the URL; nothing is written but a temporary file.
pub fn fetch(
    remote: &Remote,
    previous: Option<&FetchState>,
    options: FetchOptions,
) -> Result<Fetched> {
    let uri: http::Uri = remote
        .url
        .parse()
        .map_err(|e| fetch_err(remote, format!("{e}")))?;
    let mut request = http::Request::get(&remote.url);
    let previous = previous.filter(|p| p.url == remote.url && !options.force);
    if let Some(p) = previous {
        if let Some(etag) = &p.etag {
            request = request.header("If-None-Match", etag);
        }
        if let Some(lm) = &p.last_modified {
            request = request.header("If-Modified-Since", lm);
        }
    }
    let request = request
        .body(())
        .map_err(|e| fetch_err(remote, e.to_string()))?;
    tracing::debug!(source = remote.name, url = remote.url, "fetching");
    let response = agent(&uri)
        .run(request)
        .map_err(|e| fetch_err(remote, e.to_string()))?;
    let status = response.status();
    if status == StatusCode::NOT_MODIFIED && previous.is_some() {
        return Ok(Fetched::NotModified);
    }
    if status != StatusCode::OK {
        return Err(fetch_err(remote, format!("the server answered {status}")));
    }
    let etag = header(&response, "etag");
    let last_modified = header(&response, "last-modified");
    let dir = tempfile::tempdir().map_err(|source| VulnError::Write {
        path: std::env::temp_dir(),
        source,
    })?;
    let (digest, ext) = download(remote, response.into_body(), dir.path())?;
    if let Some(want) = &remote.sha256
        && *want != digest
    {
        return Err(VulnError::Digest {
            name: remote.name.clone(),
            url: remote.url.clone(),
            expected: want.clone(),
            actual: digest,
        });
    }
    let state = FetchState {
        url: remote.url.clone(),
        etag,
        last_modified,
        digest,
        fetched_at: jiff::Timestamp::now().to_string(),
    };
    if let Some(p) = previous
        && p.digest == state.digest
    {
        return Ok(Fetched::Unchanged(state));
    }
    let file = dir.path().join(format!("{}.{ext}", remote.name));
    std::fs::rename(dir.path().join("body"), &file).map_err(|source| VulnError::Write {
        path: file.clone(),
        source,
    })?;
    let mut data = import::read_source(&file)?;
    data.name = remote.name.clone();
    data.fetch = Some(state);
    Ok(Fetched::Changed(Box::new(data)))
}

/// Streams the body to `dir/body`; returns its digest and what it looks like.
fn download(remote: &Remote, body: ureq::Body, dir: &Path) -> Result<(String, &'static str)> {
    let path = dir.join("body");
    let write_err = |source| VulnError::Write {
        path: path.clone(),
        source,
    };
    let mut out = File::create(&path).map_err(write_err)?;
    let mut reader = body.into_with_config().limit(MAX_BODY).reader();
    let mut hasher = Sha256::new();
    let mut head = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader
            .read(&mut buf)
            .map_err(|e| fetch_err(remote, format!("reading the body: {e}")))?;
        if n == 0 {
            break;
        }
        let chunk = buf.get(..n).unwrap_or_default();
        if head.len() < 64 {
            head.extend_from_slice(chunk.get(..64 - head.len()).unwrap_or(chunk));
        }
        hasher.update(chunk);
        out.write_all(chunk).map_err(write_err)?;
    }
    out.sync_all().map_err(write_err)?;
    if head.is_empty() {
        return Err(fetch_err(remote, "the body is empty"));
    }
    let digest = format!("sha256:{}", hex::encode(hasher.finalize()));
    Ok((digest, extension(&head, &remote.url)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remotes_are_checked() {
        let r = Remote::new("PyPI", "http://127.0.0.1:1/PyPI/all.zip", None).unwrap();
        assert_eq!((r.name(), r.sha256()), ("PyPI", None));
        let d = format!("sha256:{}", "AB".repeat(32));
        let r = r.with_sha256(&d).unwrap();
        assert_eq!(
            r.sha256(),
            Some(format!("sha256:{}", "ab".repeat(32)).as_str())
        );
        for (name, url, digest) in [
            ("", "http://127.0.0.1/x", None),
            ("a b", "http://127.0.0.1/x", None),
            ("a", "ftp://127.0.0.1/x", None),
            ("a", "127.0.0.1/x", None),
            ("a", "http://127.0.0.1/x", Some("sha256:abc")),
            ("a", "http://127.0.0.1/x", Some(&*"0".repeat(64))),
        ] {
            let e = Remote::new(name, url, digest).unwrap_err().to_string();
            assert!(e.contains(&format!("source {name:?}")), "{e}");
        }
    }

    #[test]
    fn body_kinds() {
        assert_eq!(extension(b"PK\x03\x04rest", "http://h/x"), "zip");
        assert_eq!(extension(b"  {\"a\":1}", "http://h/data/json"), "json");
        assert_eq!(extension(b"id: X", "http://h/a.yaml"), "yaml");
        assert_eq!(extension(b"[ {\"id\": 1}]", "http://h/x"), "json");
        assert_eq!(extension(b"[29 Mar 2023] DSA", "http://h/DSA/list"), "list");
        assert_eq!(extension(b"\n\tDSA", "http://h/DSA/list"), "list");
    }
}
