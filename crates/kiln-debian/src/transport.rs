//! Getting bytes from an archive URI: `http:`/`https:` through ureq (proxy from the
//! environment, never for loopback), `file:` from the local filesystem. Every body is
//! bounded by the caller's limit; "not found" is its own error so callers can try the
//! next candidate (`InRelease` then `Release`, `.xz` then `.gz`).

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use ureq::Agent;

/// A download that failed; every variant names the URL.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: not found")]
    NotFound { url: String },
    #[error("{url}: HTTP status {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: larger than {limit} bytes")]
    TooLarge { url: String, limit: u64 },
    #[error("{url}: unsupported URL (http, https and file are supported)")]
    Unsupported { url: String },
    #[error("{url}")]
    Http {
        url: String,
        #[source]
        source: Box<ureq::Error>,
    },
    #[error("{url}")]
    Io {
        url: String,
        #[source]
        source: std::io::Error,
    },
}

/// HTTP agents (one with the environment's proxy, one without for loopback).
#[derive(Debug, Clone)]
pub struct Transport {
    agent: Agent,
    loopback: Agent,
}

impl Default for Transport {
    fn default() -> Self {
        Transport::new()
    }
}

fn is_loopback(url: &str) -> bool {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .unwrap_or("");
    let host = rest.split(['/', '?']).next().unwrap_or("");
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    host.starts_with("127.") || host.starts_with("localhost") || host.starts_with("[::1]")
}

/// The local path of a `file:` URL (`file:/p` or `file:///p`).
fn file_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("file:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    rest.starts_with('/').then(|| PathBuf::from(rest))
}

impl Transport {
    pub fn new() -> Transport {
        let config = |proxy: Option<ureq::Proxy>| {
            Agent::config_builder()
                .http_status_as_error(false)
                .user_agent(concat!("kiln/", env!("CARGO_PKG_VERSION")))
                .proxy(proxy)
                .timeout_connect(Some(Duration::from_secs(30)))
                .timeout_recv_response(Some(Duration::from_secs(120)))
                .max_redirects(5)
                .build()
        };
        Transport {
            agent: config(ureq::Proxy::try_from_env()).into(),
            loopback: config(None).into(),
        }
    }

    /// Copies the body at `url` into `out`, at most `limit` bytes; the byte count.
    pub fn get(&self, url: &str, out: &mut dyn Write, limit: u64) -> Result<u64, FetchError> {
        let io = |source| FetchError::Io {
            url: url.to_owned(),
            source,
        };
        let mut reader: Box<dyn Read> = if let Some(path) = file_path(url) {
            match std::fs::File::open(&path) {
                Ok(f) => Box::new(f),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(FetchError::NotFound {
                        url: url.to_owned(),
                    });
                }
                Err(e) => return Err(io(e)),
            }
        } else if url.starts_with("http://") || url.starts_with("https://") {
            let agent = if is_loopback(url) {
                &self.loopback
            } else {
                &self.agent
            };
            tracing::debug!(url, "GET");
            let response = agent.get(url).call().map_err(|e| FetchError::Http {
                url: url.to_owned(),
                source: Box::new(e),
            })?;
            match response.status().as_u16() {
                200 => {}
                404 | 410 => {
                    return Err(FetchError::NotFound {
                        url: url.to_owned(),
                    });
                }
                status => {
                    return Err(FetchError::Status {
                        url: url.to_owned(),
                        status,
                    });
                }
            }
            Box::new(response.into_body().into_reader())
        } else {
            return Err(FetchError::Unsupported {
                url: url.to_owned(),
            });
        };
        let mut limited = (&mut reader).take(limit.saturating_add(1));
        let n = std::io::copy(&mut limited, out).map_err(io)?;
        if n > limit {
            return Err(FetchError::TooLarge {
                url: url.to_owned(),
                limit,
            });
        }
        Ok(n)
    }

    /// The body at `url` in memory, at most `limit` bytes.
    pub fn get_bytes(&self, url: &str, limit: u64) -> Result<Vec<u8>, FetchError> {
        let mut buf = Vec::new();
        self.get(url, &mut buf, limit)?;
        Ok(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_and_limits() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"hello").unwrap();
        let t = Transport::new();
        for url in [
            format!("file:{}", p.display()),
            format!("file://{}", p.display()),
        ] {
            assert_eq!(t.get_bytes(&url, 5).unwrap(), b"hello");
            assert!(matches!(
                t.get_bytes(&url, 4),
                Err(FetchError::TooLarge { .. })
            ));
        }
        let missing = format!("file:{}", dir.path().join("nope").display());
        assert!(matches!(
            t.get_bytes(&missing, 5),
            Err(FetchError::NotFound { .. })
        ));
        assert!(matches!(
            t.get_bytes("ftp://x/y", 5),
            Err(FetchError::Unsupported { .. })
        ));
        assert!(is_loopback("http://127.0.0.1:8080/x") && !is_loopback("http://example.invalid/"));
    }
}
