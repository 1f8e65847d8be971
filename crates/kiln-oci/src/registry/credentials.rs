//! Registry credentials from the files docker, podman and skopeo keep them in.
//!
//! The file is `auth_file` when given; otherwise `$REGISTRY_AUTH_FILE`,
//! `$XDG_RUNTIME_DIR/containers/auth.json`, `$DOCKER_CONFIG/config.json` and
//! `~/.docker/config.json`, the first that exists and has an entry for the registry.
//! Entries are `auths.<key>.auth` (base64 `user:password`), or `username`/`password`,
//! or `identitytoken`. Keys may carry a scheme, a `/v1/` suffix, or a repository path
//! (the most specific match wins).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::Deserialize;

use super::auth::{Credentials, Secret};
use crate::{Error, IoContext, Result};

#[derive(Deserialize)]
struct ConfigFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
}

#[derive(Deserialize, Default)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

/// Credentials read from one file, by normalised key.
#[derive(Clone, Default)]
pub struct CredentialStore {
    files: Vec<(PathBuf, BTreeMap<String, Credentials>)>,
}

impl std::fmt::Debug for CredentialStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialStore")
            .field(
                "files",
                &self.files.iter().map(|(p, _)| p).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl CredentialStore {
    /// Loads `explicit` (which must exist) or the default files that exist.
    pub fn load(explicit: Option<&Path>) -> Result<CredentialStore> {
        let paths = match explicit {
            Some(p) => {
                if !p.is_file() {
                    return Err(Error::Auth {
                        what: p.display().to_string(),
                        reason: "the credentials file does not exist".to_owned(),
                    });
                }
                vec![p.to_path_buf()]
            }
            None => default_paths()
                .into_iter()
                .filter(|p| p.is_file())
                .collect(),
        };
        let mut files = Vec::new();
        for path in paths {
            let bytes = std::fs::read(&path).at(&path)?;
            let entries = parse(&bytes, &path.display().to_string())?;
            files.push((path, entries));
        }
        Ok(CredentialStore { files })
    }

    /// Parses one file's bytes; `what` names it in errors.
    pub fn from_bytes(bytes: &[u8], what: &str) -> Result<CredentialStore> {
        Ok(CredentialStore {
            files: vec![(PathBuf::from(what), parse(bytes, what)?)],
        })
    }

    /// The credentials for `repository` on `registry`, most specific key first.
    pub fn find(&self, registry: &str, repository: &str) -> Option<&Credentials> {
        let hosts = host_aliases(registry);
        for (_, entries) in &self.files {
            let mut best: Option<(usize, &Credentials)> = None;
            for (key, creds) in entries {
                let specificity = hosts
                    .iter()
                    .filter_map(|host| match_key(key, host, repository))
                    .max();
                if let Some(s) = specificity
                    && best.is_none_or(|(b, _)| s > b)
                {
                    best = Some((s, creds));
                }
            }
            if let Some((_, creds)) = best {
                return Some(creds);
            }
        }
        None
    }
}

fn default_paths() -> Vec<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let mut out = Vec::new();
    if let Some(p) = env("REGISTRY_AUTH_FILE") {
        out.push(p);
    }
    if let Some(d) = env("XDG_RUNTIME_DIR") {
        out.push(d.join("containers").join("auth.json"));
    }
    if let Some(d) = env("DOCKER_CONFIG") {
        out.push(d.join("config.json"));
    }
    if let Some(h) = env("HOME") {
        out.push(h.join(".docker").join("config.json"));
    }
    out
}

/// Docker Hub is known under several names in credential files.
fn host_aliases(registry: &str) -> Vec<&str> {
    match registry {
        "docker.io" | "index.docker.io" | "registry-1.docker.io" => {
            vec!["docker.io", "index.docker.io", "registry-1.docker.io"]
        }
        other => vec![other],
    }
}

/// How specifically `key` names `host/repository`, or `None` if it does not.
fn match_key(key: &str, host: &str, repository: &str) -> Option<usize> {
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key)
        .trim_end_matches('/');
    let key = key
        .strip_suffix("/v1")
        .or_else(|| key.strip_suffix("/v2"))
        .unwrap_or(key);
    if key == host {
        return Some(key.len());
    }
    let full = format!("{host}/{repository}");
    let prefix_match =
        full == key || (full.starts_with(key) && full.as_bytes().get(key.len()) == Some(&b'/'));
    (prefix_match && key.starts_with(&format!("{host}/"))).then_some(key.len())
}

fn parse(bytes: &[u8], what: &str) -> Result<BTreeMap<String, Credentials>> {
    let bad = |reason: String| Error::Auth {
        what: what.to_owned(),
        reason,
    };
    let file: ConfigFile =
        serde_json::from_slice(bytes).map_err(|e| bad(format!("not a credentials file: {e}")))?;
    let mut out = BTreeMap::new();
    for (key, entry) in file.auths {
        let creds = if let Some(token) = entry.identitytoken.filter(|t| !t.is_empty()) {
            Credentials::IdentityToken(Secret::new(token))
        } else if let Some(auth) = entry.auth.filter(|a| !a.is_empty()) {
            // The decoded value is secret; errors name only the key.
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .ok()
                .and_then(|d| String::from_utf8(d).ok())
                .ok_or_else(|| bad(format!("auths.{key:?}.auth is not base64 of user:password")))?;
            let (user, pass) = decoded
                .split_once(':')
                .ok_or_else(|| bad(format!("auths.{key:?}.auth is not base64 of user:password")))?;
            Credentials::Basic {
                username: user.to_owned(),
                password: Secret::new(pass),
            }
        } else if let (Some(username), Some(password)) = (entry.username, entry.password) {
            Credentials::Basic {
                username,
                password: Secret::new(password),
            }
        } else {
            continue; // an entry kept only for a credential helper
        };
        out.insert(key, creds);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(c: Option<&Credentials>) -> Option<(String, String)> {
        match c? {
            Credentials::Basic { username, password } => {
                Some((username.clone(), password.expose().to_owned()))
            }
            Credentials::IdentityToken(t) => Some(("<token>".into(), t.expose().to_owned())),
        }
    }

    #[test]
    fn reads_every_entry_form() {
        let file = br#"{"auths":{
            "127.0.0.1:5000": {"auth": "YWxpY2U6czNjcjN0OndpdGg6Y29sb25z"},
            "https://index.docker.io/v1/": {"username": "bob", "password": "pw"},
            "reg.example.test": {"identitytoken": "refresh"},
            "helper.example.test": {}
        }, "credsStore": "desktop"}"#;
        let store = CredentialStore::from_bytes(file, "config.json").unwrap();
        assert_eq!(
            user(store.find("127.0.0.1:5000", "app")),
            Some(("alice".into(), "s3cr3t:with:colons".into()))
        );
        assert_eq!(
            user(store.find("docker.io", "library/debian")),
            Some(("bob".into(), "pw".into()))
        );
        assert_eq!(
            user(store.find("reg.example.test", "x")),
            Some(("<token>".into(), "refresh".into()))
        );
        assert!(store.find("helper.example.test", "x").is_none());
        assert!(store.find("127.0.0.1:5001", "app").is_none());
    }

    #[test]
    fn the_most_specific_repository_key_wins() {
        let file = br#"{"auths":{
            "reg.test": {"username": "any", "password": "1"},
            "reg.test/team": {"username": "team", "password": "2"},
            "reg.test/team/app": {"username": "app", "password": "3"},
            "reg.test/tea": {"username": "wrong", "password": "4"}
        }}"#;
        let store = CredentialStore::from_bytes(file, "auth.json").unwrap();
        let name = |repo| user(store.find("reg.test", repo)).unwrap().0;
        assert_eq!(name("team/app"), "app");
        assert_eq!(name("team/other"), "team");
        assert_eq!(name("team2/x"), "any");
        assert_eq!(name("teams"), "any");
    }

    #[test]
    fn malformed_files_name_the_file_and_key_but_not_the_secret() {
        let err = CredentialStore::from_bytes(b"{not json", "/x/auth.json")
            .err()
            .unwrap();
        assert!(err.to_string().contains("/x/auth.json"), "{err}");
        // base64 of "nocolonsecret"
        let file = br#"{"auths":{"r.test":{"auth":"bm9jb2xvbnNlY3JldA=="}}}"#;
        let err = CredentialStore::from_bytes(file, "auth.json")
            .err()
            .unwrap();
        let msg = err.to_string();
        assert!(
            msg.contains("r.test") && !msg.contains("nocolonsecret"),
            "{msg}"
        );
    }

    #[test]
    fn a_missing_explicit_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("auth.json");
        let err = CredentialStore::load(Some(&missing)).err().unwrap();
        assert!(err.to_string().contains("auth.json"), "{err}");
    }
}
