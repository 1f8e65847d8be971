//! Registry authentication: `WWW-Authenticate` challenges, bearer tokens and their cache.
//!
//! Secrets (passwords, identity tokens, bearer tokens) live in [`Secret`], whose `Debug`
//! and `Display` never show the value, so they cannot leak into logs or errors.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;

/// A secret string. Formatting it prints `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// What a user has for one registry.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// A user name and password, sent as HTTP basic auth or to a token service.
    Basic { username: String, password: Secret },
    /// An OAuth2 refresh token (`identitytoken` in docker's config).
    IdentityToken(Secret),
}

impl Credentials {
    /// The `Authorization: Basic …` value, when these are a user and password.
    pub fn basic_header(&self) -> Option<String> {
        match self {
            Credentials::Basic { username, password } => {
                let raw = format!("{username}:{}", password.expose());
                Some(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(raw)
                ))
            }
            Credentials::IdentityToken(_) => None,
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
            Credentials::IdentityToken(_) => f.write_str("IdentityToken(<redacted>)"),
        }
    }
}

/// A parsed `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    Basic {
        realm: Option<String>,
    },
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
}

impl Challenge {
    /// Parses the first `Basic` or `Bearer` challenge of a header value. Parameter values
    /// may be quoted and contain commas (`scope="repository:a:pull,push"`).
    pub fn parse(header: &str) -> Option<Challenge> {
        let header = header.trim();
        let (scheme, rest) = match header.find(char::is_whitespace) {
            Some(i) => (&header[..i], &header[i..]),
            None => (header, ""),
        };
        let params = parse_params(rest);
        if scheme.eq_ignore_ascii_case("basic") {
            return Some(Challenge::Basic {
                realm: params.get("realm").cloned(),
            });
        }
        if scheme.eq_ignore_ascii_case("bearer") {
            let realm = params.get("realm")?.clone();
            return Some(Challenge::Bearer {
                realm,
                service: params.get("service").cloned(),
                scope: params.get("scope").cloned(),
            });
        }
        None
    }
}

/// `key=value, key="quoted, value"` pairs; keys lowercased. Stops at malformed input.
fn parse_params(input: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut chars = input.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c.is_whitespace() || c == ',' {
                break;
            }
            key.push(c.to_ascii_lowercase());
            chars.next();
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if key.is_empty() || chars.next() != Some('=') {
            return out;
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(escaped) = chars.next() {
                            value.push(escaped);
                        }
                    }
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' || c.is_whitespace() {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        out.insert(key, value);
    }
}

/// The `Authorization` a registry wants, once learnt from its challenge.
#[derive(Clone)]
pub enum AuthHeader {
    Basic(Secret),
    Bearer(Secret),
}

impl AuthHeader {
    pub fn value(&self) -> String {
        match self {
            AuthHeader::Basic(v) => v.expose().to_owned(),
            AuthHeader::Bearer(t) => format!("Bearer {}", t.expose()),
        }
    }
}

impl fmt::Debug for AuthHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthHeader::Basic(_) => f.write_str("Basic(<redacted>)"),
            AuthHeader::Bearer(_) => f.write_str("Bearer(<redacted>)"),
        }
    }
}

struct CachedToken {
    token: Secret,
    expires: Instant,
}

/// Bearer tokens per (registry, scope), and the registries known to want basic auth.
#[derive(Default)]
pub struct TokenCache {
    tokens: Mutex<HashMap<(String, String), CachedToken>>,
    basic: Mutex<HashSet<String>>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenCache(<redacted>)")
    }
}

/// How long before its stated expiry a token is dropped, so a request never races it.
const EXPIRY_MARGIN: Duration = Duration::from_secs(10);

impl TokenCache {
    pub fn token(&self, registry: &str, scope: &str) -> Option<Secret> {
        let tokens = self.tokens.lock().ok()?;
        let cached = tokens.get(&(registry.to_owned(), scope.to_owned()))?;
        (cached.expires > Instant::now()).then(|| cached.token.clone())
    }

    pub fn store(&self, registry: &str, scope: &str, token: Secret, lifetime: Duration) {
        let lifetime = lifetime
            .checked_sub(EXPIRY_MARGIN)
            .unwrap_or(Duration::from_secs(1));
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.insert(
                (registry.to_owned(), scope.to_owned()),
                CachedToken {
                    token,
                    expires: Instant::now() + lifetime,
                },
            );
        }
    }

    pub fn mark_basic(&self, registry: &str) {
        if let Ok(mut basic) = self.basic.lock() {
            basic.insert(registry.to_owned());
        }
    }

    pub fn wants_basic(&self, registry: &str) -> bool {
        self.basic.lock().is_ok_and(|b| b.contains(registry))
    }
}

/// A token service's answer.
#[derive(serde::Deserialize)]
pub struct TokenResponse {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl TokenResponse {
    /// The token and how long it lives (60 s when the service does not say, as the
    /// distribution token spec defines).
    pub fn into_token(self) -> Option<(Secret, Duration)> {
        let token = self
            .token
            .filter(|t| !t.is_empty())
            .or(self.access_token.filter(|t| !t.is_empty()))?;
        let lifetime = Duration::from_secs(self.expires_in.unwrap_or(60).max(1));
        Some((Secret::new(token), lifetime))
    }
}

/// Percent-encodes a query parameter value.
pub fn query_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bearer_with_quoted_commas() {
        let c = Challenge::parse(
            r#"Bearer realm="https://auth.example.test/token",service="registry.example.test",scope="repository:team/app:pull,push""#,
        )
        .unwrap();
        assert_eq!(
            c,
            Challenge::Bearer {
                realm: "https://auth.example.test/token".into(),
                service: Some("registry.example.test".into()),
                scope: Some("repository:team/app:pull,push".into()),
            }
        );
    }

    #[test]
    fn parses_unquoted_spaced_and_escaped_values() {
        let c = Challenge::parse(r#"bearer  realm = http://127.0.0.1:1/t , scope="a\"b""#).unwrap();
        assert_eq!(
            c,
            Challenge::Bearer {
                realm: "http://127.0.0.1:1/t".into(),
                service: None,
                scope: Some("a\"b".into()),
            }
        );
        assert_eq!(
            Challenge::parse(r#"Basic realm="Registry Realm""#).unwrap(),
            Challenge::Basic {
                realm: Some("Registry Realm".into())
            }
        );
        assert_eq!(
            Challenge::parse("Basic").unwrap(),
            Challenge::Basic { realm: None }
        );
    }

    #[test]
    fn rejects_unknown_schemes_and_bearer_without_realm() {
        assert_eq!(Challenge::parse(r#"Digest realm="x""#), None);
        assert_eq!(Challenge::parse(r#"Bearer service="x""#), None);
        assert_eq!(Challenge::parse(""), None);
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let creds = Credentials::Basic {
            username: "alice".into(),
            password: Secret::new("hunter2"),
        };
        let shown = format!("{creds:?} {:?}", AuthHeader::Bearer(Secret::new("tok3n")));
        assert!(shown.contains("alice"), "{shown}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("tok3n"),
            "{shown}"
        );
        assert_eq!(
            creds.basic_header().unwrap(),
            "Basic YWxpY2U6aHVudGVyMg==" // alice:hunter2
        );
    }

    #[test]
    fn token_cache_is_per_registry_and_scope() {
        let cache = TokenCache::default();
        cache.store("r", "s1", Secret::new("t1"), Duration::from_secs(300));
        assert_eq!(cache.token("r", "s1").unwrap().expose(), "t1");
        assert!(cache.token("r", "s2").is_none());
        assert!(cache.token("other", "s1").is_none());
    }

    #[test]
    fn token_response_prefers_token_then_access_token() {
        let r: TokenResponse =
            serde_json::from_str(r#"{"access_token":"a","expires_in":300}"#).unwrap();
        let (t, life) = r.into_token().unwrap();
        assert_eq!((t.expose(), life.as_secs()), ("a", 300));
        let r: TokenResponse = serde_json::from_str(r#"{"token":""}"#).unwrap();
        assert!(r.into_token().is_none());
    }

    #[test]
    fn escapes_query_values() {
        assert_eq!(
            query_escape("repository:a/b:pull,push"),
            "repository%3Aa%2Fb%3Apull%2Cpush"
        );
    }
}
