//! The HTTP side of the registry client: one request, with auth challenges answered,
//! retries on 429, 5xx and connection errors, and registry errors mapped to [`Error`].

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use kiln_types::ImageRef;
use ureq::http::{self, Method, Response};
use ureq::{Agent, Body};

use super::RegistryOptions;
use super::auth::{AuthHeader, Challenge, TokenCache};
use super::credentials::CredentialStore;
use crate::{Error, Result};

/// How many times one request is tried in all.
const MAX_ATTEMPTS: u32 = 4;
/// The first pause between tries; it doubles each time.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// The longest `Retry-After` kiln waits for; a longer one ends the retries.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);
/// How much of an error body is read for its message.
pub(super) const MAX_ERROR_BODY: u64 = 64 << 10;
/// Blobs above this size are pushed in chunks of this size.
pub(super) const DEFAULT_CHUNK_SIZE: u64 = 8 << 20;

/// A registry client shared by sources and destinations. Cloning is cheap: clones share
/// connections, credentials and tokens.
#[derive(Clone)]
pub struct Client {
    pub(super) inner: Arc<Inner>,
    pub(super) chunk_size: u64,
}

pub(super) struct Inner {
    agent: Agent,
    loopback_agent: Agent,
    pub(super) insecure: bool,
    pub(super) credentials: CredentialStore,
    pub(super) tokens: TokenCache,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("insecure", &self.inner.insecure)
            .field("credentials", &self.inner.credentials)
            .field("chunk_size", &self.chunk_size)
            .finish_non_exhaustive()
    }
}

/// One request to a registry.
pub(super) struct Call<'a> {
    pub method: Method,
    pub url: String,
    /// What the request is about, for errors (`127.0.0.1:5000/app:1.0`).
    pub what: &'a str,
    /// The registry host the request goes to, for auth.
    pub registry: &'a str,
    /// The repository the credentials are looked up for.
    pub repository: &'a str,
    /// Token scopes the request needs (`repository:app:pull`).
    pub scopes: Vec<String>,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<&'a [u8]>,
}

impl Call<'_> {
    pub(super) fn scope_key(&self) -> String {
        self.scopes.join(" ")
    }
}

impl Client {
    pub fn new(options: RegistryOptions) -> Result<Client> {
        let credentials = CredentialStore::load(options.auth_file.as_deref())?;
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::PlatformVerifier)
            .build();
        let config = |proxy: Option<ureq::Proxy>| {
            Agent::config_builder()
                .http_status_as_error(false)
                .user_agent(concat!("kiln/", env!("CARGO_PKG_VERSION")))
                .tls_config(tls.clone())
                .proxy(proxy)
                .timeout_connect(Some(Duration::from_secs(30)))
                .timeout_recv_response(Some(Duration::from_secs(120)))
                .max_redirects(5)
                .build()
        };
        Ok(Client {
            inner: Arc::new(Inner {
                agent: config(ureq::Proxy::try_from_env()).into(),
                loopback_agent: config(None).into(),
                insecure: options.insecure,
                credentials,
                tokens: TokenCache::default(),
            }),
            chunk_size: DEFAULT_CHUNK_SIZE,
        })
    }

    /// The same client, pushing blobs larger than `bytes` in chunks of `bytes`.
    pub fn with_chunk_size(mut self, bytes: u64) -> Client {
        self.chunk_size = bytes.max(1);
        self
    }

    /// `http://` for loopback registries or when insecure, else `https://`.
    pub(super) fn base_url(&self, registry: &str) -> String {
        let scheme = if self.inner.insecure || is_loopback(registry) {
            "http"
        } else {
            "https"
        };
        format!("{scheme}://{registry}")
    }

    /// `<base>/v2/<repository>/<path>`.
    pub(super) fn repo_url(&self, repo: &ImageRef, path: &str) -> String {
        format!(
            "{}/v2/{}/{path}",
            self.base_url(repo.registry()),
            repo.repository()
        )
    }

    /// A request on `repo` that needs `pull` (or `pull,push` when `push`) access.
    pub(super) fn call<'a>(
        &self,
        method: Method,
        repo: &'a ImageRef,
        url: String,
        what: &'a str,
        push: bool,
    ) -> Call<'a> {
        let access = if push { "pull,push" } else { "pull" };
        Call {
            method,
            url,
            what,
            registry: repo.registry(),
            repository: repo.repository(),
            scopes: vec![format!("repository:{}:{access}", repo.repository())],
            headers: Vec::new(),
            body: None,
        }
    }

    /// Sends `call`, answering one auth challenge and retrying transient failures.
    /// Returns the final response whatever its status; see [`Client::check`].
    pub(super) fn send(&self, call: &Call<'_>) -> Result<Response<Body>> {
        let mut attempt = 0;
        let mut challenged = false;
        loop {
            let auth = self.auth_for(call);
            let response = match self.execute(call, auth.as_ref()) {
                Ok(r) => r,
                Err(e) if is_transient(&e) && attempt + 1 < MAX_ATTEMPTS => {
                    let delay = backoff(attempt);
                    tracing::debug!(what = call.what, error = %e, ?delay, "retrying after a connection error");
                    std::thread::sleep(delay);
                    attempt += 1;
                    continue;
                }
                Err(e) => {
                    return Err(Error::Transport {
                        what: call.what.to_owned(),
                        reason: format!("{} {}: {e}", call.method, strip_query(&call.url)),
                    });
                }
            };
            let status = response.status().as_u16();
            if status == 401 && !challenged {
                challenged = true;
                let header = response
                    .headers()
                    .get(http::header::WWW_AUTHENTICATE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(Challenge::parse);
                if let Some(challenge) = header
                    && self.authenticate(
                        call,
                        &challenge,
                        matches!(auth, Some(AuthHeader::Basic(_))),
                    )?
                {
                    continue;
                }
            }
            if (status == 429 || status >= 500) && attempt + 1 < MAX_ATTEMPTS {
                let delay = match retry_after(&response) {
                    Some(d) if d > MAX_RETRY_AFTER => return Ok(response),
                    Some(d) => d,
                    None => backoff(attempt),
                };
                tracing::debug!(what = call.what, status, ?delay, "retrying");
                std::thread::sleep(delay);
                attempt += 1;
                continue;
            }
            return Ok(response);
        }
    }

    /// Passes a 2xx response through; turns anything else into an error about `what`.
    /// A 404 is [`Error::NotFound`] when `not_found` is set.
    pub(super) fn check(
        &self,
        response: Response<Body>,
        call: &Call<'_>,
        not_found: bool,
    ) -> Result<Response<Body>> {
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(response);
        }
        if status == 404 && not_found {
            return Err(Error::NotFound {
                what: call.what.to_owned(),
            });
        }
        let message = error_message(response);
        if status == 401 || status == 403 {
            let had = self.credentials(call).is_some();
            let mut reason = match (status, had) {
                (401, false) => format!("no credentials for {}", call.registry),
                (401, true) => "the registry refused the credentials".to_owned(),
                (_, false) => "access denied to anonymous user".to_owned(),
                (_, true) => "access denied".to_owned(),
            };
            if !message.is_empty() {
                reason = format!("{reason} ({status}: {message})");
            }
            return Err(Error::Auth {
                what: call.what.to_owned(),
                reason,
            });
        }
        Err(Error::Registry {
            what: call.what.to_owned(),
            status,
            message,
        })
    }

    /// Sends and checks in one step.
    pub(super) fn fetch(&self, call: &Call<'_>, not_found: bool) -> Result<Response<Body>> {
        let response = self.send(call)?;
        self.check(response, call, not_found)
    }

    pub(super) fn agent_for(&self, url: &str) -> &Agent {
        let host = url
            .split_once("://")
            .map_or(url, |(_, rest)| rest)
            .split('/')
            .next()
            .unwrap_or_default();
        if is_loopback(host) {
            &self.inner.loopback_agent
        } else {
            &self.inner.agent
        }
    }

    fn execute(
        &self,
        call: &Call<'_>,
        auth: Option<&AuthHeader>,
    ) -> std::result::Result<Response<Body>, ureq::Error> {
        let mut builder = http::Request::builder()
            .method(call.method.clone())
            .uri(&call.url);
        for (name, value) in &call.headers {
            builder = builder.header(*name, value);
        }
        if let Some(auth) = auth {
            builder = builder.header("Authorization", auth.value());
        }
        let agent = self.agent_for(&call.url);
        match call.body {
            Some(body) => agent.run(builder.body(body)?),
            None => agent.run(builder.body(())?),
        }
    }
}

/// Whether `registry` (`host[:port]`) is on this machine: 127.0.0.0/8, `localhost`, `[::1]`.
pub(super) fn is_loopback(registry: &str) -> bool {
    let host = if let Some(rest) = registry.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        match registry.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => registry,
        }
    };
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn is_transient(e: &ureq::Error) -> bool {
    matches!(
        e,
        ureq::Error::Io(_)
            | ureq::Error::Timeout(_)
            | ureq::Error::ConnectionFailed
            | ureq::Error::HostNotFound
            | ureq::Error::Protocol(_)
    )
}

fn backoff(attempt: u32) -> Duration {
    FIRST_BACKOFF * 2u32.saturating_pow(attempt)
}

fn retry_after(response: &Response<Body>) -> Option<Duration> {
    let value = response.headers().get(http::header::RETRY_AFTER)?;
    let secs: u64 = value.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(secs))
}

/// The URL without its query, which may hold upload state or token parameters.
pub(super) fn strip_query(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

/// The registry's explanation: `errors[].code: message` from its JSON body, or the start
/// of a plain-text body, on one line.
pub(super) fn error_message(response: Response<Body>) -> String {
    #[derive(serde::Deserialize)]
    struct Errors {
        #[serde(default)]
        errors: Vec<ErrorEntry>,
    }
    #[derive(serde::Deserialize)]
    struct ErrorEntry {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    let mut body = response.into_body();
    let Ok(bytes) = body.with_config().limit(MAX_ERROR_BODY).read_to_vec() else {
        return String::new();
    };
    if let Ok(parsed) = serde_json::from_slice::<Errors>(&bytes) {
        let parts: Vec<String> = parsed
            .errors
            .iter()
            .map(|e| match (e.code.is_empty(), e.message.is_empty()) {
                (false, false) => format!("{}: {}", e.code, e.message),
                (false, true) => e.code.clone(),
                _ => e.message.clone(),
            })
            .filter(|s| !s.is_empty())
            .collect();
        if !parts.is_empty() {
            return parts.join("; ");
        }
    }
    let text = String::from_utf8_lossy(&bytes);
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    line.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_recognised() {
        for yes in [
            "127.0.0.1:5000",
            "127.1.2.3",
            "localhost",
            "LOCALHOST:80",
            "[::1]:5000",
            "[::1]",
        ] {
            assert!(is_loopback(yes), "{yes}");
        }
        for no in [
            "registry.example.test",
            "10.0.0.1:5000",
            "localhost.example.test",
            "[::2]:1",
        ] {
            assert!(!is_loopback(no), "{no}");
        }
    }

    #[test]
    fn plain_http_only_for_loopback_unless_insecure() {
        let c = Client::new(RegistryOptions {
            insecure: false,
            auth_file: None,
        })
        .unwrap();
        assert_eq!(c.base_url("127.0.0.1:5000"), "http://127.0.0.1:5000");
        assert_eq!(c.base_url("reg.example.test"), "https://reg.example.test");
        let c = Client::new(RegistryOptions {
            insecure: true,
            auth_file: None,
        })
        .unwrap();
        assert_eq!(c.base_url("reg.example.test"), "http://reg.example.test");
    }

    #[test]
    fn backoff_doubles() {
        assert_eq!(backoff(0), Duration::from_millis(250));
        assert_eq!(backoff(2), Duration::from_millis(1000));
    }
}
