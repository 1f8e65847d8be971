//! apt sources: where packages come from and which key signs them. Read from deb822
//! `.sources` files (`Types`, `URIs`, `Suites`, `Components`, `Architectures`,
//! `Signed-By`, `Enabled`) and one-line `sources.list` entries
//! (`deb [arch=amd64 signed-by=/path] URI SUITE COMPONENT...`). Only binary (`deb`)
//! sources are kept; `deb-src` and disabled entries are dropped.

use std::path::{Path, PathBuf};

use crate::control;

/// A sources file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SourcesError {
    /// An entry is malformed; `origin` is `file:line`.
    #[error("{origin}: {reason}")]
    Invalid { origin: String, reason: String },
    /// A sources file could not be read.
    #[error("reading {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The key(s) a source's Release files must be signed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedBy {
    /// Keyring files (binary `.gpg` or armored `.asc`), any of whose keys may sign.
    Keyrings(Vec<PathBuf>),
    /// An armored public key block written inline in a `.sources` file.
    Inline(String),
}

/// One binary package source: each URI × each suite, with the same components.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Archive base URIs (`http:`, `https:` or `file:`), without a trailing `/`.
    pub uris: Vec<String>,
    /// Suites or codenames (`bookworm`, `bookworm-updates`, `stable`).
    pub suites: Vec<String>,
    /// Components (`main`, `contrib`, …).
    pub components: Vec<String>,
    /// Architectures this source is restricted to; empty means any.
    pub architectures: Vec<String>,
    /// The keys that sign this source; `None` means the default (host) keyring.
    pub signed_by: Option<SignedBy>,
    /// Where the entry was read from, `file:line`.
    pub origin: String,
}

impl Source {
    /// Whether the source serves `arch` (always true when it names no architectures).
    pub fn serves(&self, arch: &str) -> bool {
        self.architectures.is_empty() || self.architectures.iter().any(|a| a == arch)
    }
}

fn invalid(origin: &str, reason: impl Into<String>) -> SourcesError {
    SourcesError::Invalid {
        origin: origin.to_owned(),
        reason: reason.into(),
    }
}

fn words(v: &str) -> Vec<String> {
    v.split_whitespace().map(str::to_owned).collect()
}

fn check_uri(origin: &str, uri: &str) -> Result<String, SourcesError> {
    let ok = ["http://", "https://", "file:"]
        .iter()
        .any(|s| uri.starts_with(s) && uri.len() > s.len());
    if !ok {
        return Err(invalid(
            origin,
            format!("unsupported URI {uri:?} (http, https and file are supported)"),
        ));
    }
    Ok(uri.trim_end_matches('/').to_owned())
}

fn check_suites(
    origin: &str,
    suites: &[String],
    components: &[String],
) -> Result<(), SourcesError> {
    if suites.is_empty() {
        return Err(invalid(origin, "no suite"));
    }
    if let Some(flat) = suites.iter().find(|s| s.ends_with('/')) {
        return Err(invalid(
            origin,
            format!("flat repository suite {flat:?} is not supported"),
        ));
    }
    if components.is_empty() {
        return Err(invalid(origin, "no component"));
    }
    Ok(())
}

fn signed_by(value: &str) -> SignedBy {
    if value.contains("BEGIN PGP PUBLIC KEY BLOCK") {
        // deb822 continuation lines: a lone `.` stands for an empty line.
        let text: Vec<&str> = value
            .lines()
            .map(|l| if l.trim() == "." { "" } else { l.trim() })
            .collect();
        let mut key = text.join("\n").trim().to_owned();
        key.push('\n');
        SignedBy::Inline(key)
    } else {
        SignedBy::Keyrings(
            value
                .split([',', ' ', '\n'])
                .filter(|s| !s.trim().is_empty())
                .map(|s| PathBuf::from(s.trim()))
                .collect(),
        )
    }
}

/// Reads a deb822 `.sources` file; `name` names it in errors.
pub fn parse_deb822(text: &str, name: &str) -> Result<Vec<Source>, SourcesError> {
    let (paragraphs, _) = control::paragraphs(text);
    let mut out = Vec::new();
    for p in paragraphs {
        let origin = format!("{name}:{}", p.line);
        let get = |f: &str| p.get_all(f).map(words).unwrap_or_default();
        if p.get("Enabled")
            .is_some_and(|v| v.eq_ignore_ascii_case("no"))
        {
            continue;
        }
        let types = get("Types");
        if types.is_empty() {
            return Err(invalid(&origin, "no Types field"));
        }
        if !types.iter().any(|t| t == "deb") {
            continue;
        }
        let uris = get("URIs")
            .iter()
            .map(|u| check_uri(&origin, u))
            .collect::<Result<Vec<_>, _>>()?;
        if uris.is_empty() {
            return Err(invalid(&origin, "no URIs field"));
        }
        let suites = get("Suites");
        let components = get("Components");
        check_suites(&origin, &suites, &components)?;
        out.push(Source {
            uris,
            suites,
            components,
            architectures: get("Architectures"),
            signed_by: p.get_all("Signed-By").map(signed_by),
            origin,
        });
    }
    Ok(out)
}

/// Reads a one-line-style `sources.list`; `name` names it in errors.
pub fn parse_list(text: &str, name: &str) -> Result<Vec<Source>, SourcesError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let origin = format!("{name}:{}", i + 1);
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (kind, rest) = line
            .split_once(char::is_whitespace)
            .ok_or_else(|| invalid(&origin, "entry has no URI"))?;
        match kind {
            "deb" => {}
            "deb-src" => continue,
            other => return Err(invalid(&origin, format!("unknown type {other:?}"))),
        }
        let rest = rest.trim_start();
        let (options, rest) = match rest.strip_prefix('[') {
            Some(r) => {
                let (opts, after) = r
                    .split_once(']')
                    .ok_or_else(|| invalid(&origin, "unclosed '[' in options"))?;
                (opts, after)
            }
            None => ("", rest),
        };
        let mut architectures = Vec::new();
        let mut keyring = None;
        for opt in options.split_whitespace() {
            let (k, v) = opt
                .split_once('=')
                .ok_or_else(|| invalid(&origin, format!("option {opt:?} has no value")))?;
            match k {
                "arch" => architectures = v.split(',').map(str::to_owned).collect(),
                "signed-by" => keyring = Some(signed_by(v)),
                _ => {}
            }
        }
        let mut parts = rest.split_whitespace();
        let uri = parts
            .next()
            .ok_or_else(|| invalid(&origin, "entry has no URI"))?;
        let uri = check_uri(&origin, uri)?;
        let suites: Vec<String> = parts.next().map(str::to_owned).into_iter().collect();
        let components: Vec<String> = parts.map(str::to_owned).collect();
        check_suites(&origin, &suites, &components)?;
        out.push(Source {
            uris: vec![uri],
            suites,
            components,
            architectures,
            signed_by: keyring,
            origin,
        });
    }
    Ok(out)
}

fn read(path: &Path) -> Result<Option<String>, SourcesError> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(SourcesError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

/// The host's own apt sources under `root` (`/` for the running system):
/// `etc/apt/sources.list`, then `etc/apt/sources.list.d/*.list` and `*.sources` in
/// name order. Missing files are no error; an empty result means none are configured.
pub fn host(root: &Path) -> Result<Vec<Source>, SourcesError> {
    let mut out = Vec::new();
    let list = root.join("etc/apt/sources.list");
    if let Some(text) = read(&list)? {
        out.extend(parse_list(&text, &list.display().to_string())?);
    }
    let dir = root.join("etc/apt/sources.list.d");
    let mut files = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect::<Vec<_>>(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(source) => return Err(SourcesError::Read { path: dir, source }),
    };
    files.sort();
    for f in files {
        let name = f.display().to_string();
        let ext = f.extension().and_then(|e| e.to_str());
        let Some(text) = (match ext {
            Some("list" | "sources") => read(&f)?,
            _ => None,
        }) else {
            continue;
        };
        if ext == Some("sources") {
            out.extend(parse_deb822(&text, &name)?);
        } else {
            out.extend(parse_list(&text, &name)?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_deb822_with_inline_key_and_skips_src_and_disabled() {
        let text = "Types: deb deb-src\nURIs: http://127.0.0.1:1/debian/\nSuites: stable stable-updates\n\
                    Components: main contrib\nArchitectures: amd64 arm64\n\
                    Signed-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n abc\n -----END PGP PUBLIC KEY BLOCK-----\n\n\
                    Types: deb-src\nURIs: http://127.0.0.1:1/x\nSuites: s\nComponents: main\n\n\
                    Types: deb\nEnabled: no\nURIs: http://127.0.0.1:1/y\nSuites: s\nComponents: main\n\n\
                    Types: deb\nURIs: file:/srv/repo\nSuites: s\nComponents: main\nSigned-By: /k/a.gpg /k/b.asc\n";
        let s = parse_deb822(text, "t.sources").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].uris, ["http://127.0.0.1:1/debian"]);
        assert_eq!(s[0].suites, ["stable", "stable-updates"]);
        assert_eq!(s[0].components, ["main", "contrib"]);
        assert!(s[0].serves("arm64") && !s[0].serves("i386"));
        assert_eq!(
            s[0].signed_by,
            Some(SignedBy::Inline(
                "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nabc\n-----END PGP PUBLIC KEY BLOCK-----\n"
                    .into()
            ))
        );
        assert_eq!(s[0].origin, "t.sources:1");
        assert_eq!(
            s[1].signed_by,
            Some(SignedBy::Keyrings(vec![
                "/k/a.gpg".into(),
                "/k/b.asc".into()
            ]))
        );
        assert!(s[1].serves("anything"));
    }

    #[test]
    fn reads_one_line_entries_with_options() {
        let text = "# comment\n\ndeb-src http://127.0.0.1:1/d s main\n\
                    deb [arch=amd64,arm64 signed-by=/k/r.gpg] http://127.0.0.1:1/d bookworm main non-free # tail\n\
                    deb file:/srv/r s main\n";
        let s = parse_list(text, "sources.list").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].architectures, ["amd64", "arm64"]);
        assert_eq!(s[0].components, ["main", "non-free"]);
        assert_eq!(
            s[0].signed_by,
            Some(SignedBy::Keyrings(vec!["/k/r.gpg".into()]))
        );
        assert_eq!(s[0].origin, "sources.list:4");
        assert_eq!(s[1].uris, ["file:/srv/r"]);
    }

    #[test]
    fn rejects_what_it_cannot_use_naming_the_line() {
        for (text, want) in [
            ("deb ftp://h/d s main\n", "unsupported URI"),
            ("deb http://h/d\n", "no suite"),
            ("deb http://h/d s\n", "no component"),
            ("deb http://h/d ./\n", "flat repository"),
            ("deb [arch=amd64 http://h/d s main\n", "unclosed"),
            ("rpm http://h/d s main\n", "unknown type"),
        ] {
            let e = parse_list(&format!("\n{text}"), "f.list")
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("f.list:2: ") && e.contains(want), "{e}");
        }
        let e = parse_deb822("URIs: http://h/\nSuites: s\n", "x.sources").unwrap_err();
        assert_eq!(e.to_string(), "x.sources:1: no Types field");
    }

    #[test]
    fn host_reads_list_and_sources_under_a_root() {
        let root = tempfile::tempdir().unwrap();
        let d = root.path().join("etc/apt/sources.list.d");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            root.path().join("etc/apt/sources.list"),
            "deb http://127.0.0.1:9/a s main\n",
        )
        .unwrap();
        std::fs::write(
            d.join("b.sources"),
            "Types: deb\nURIs: http://127.0.0.1:9/b\nSuites: t\nComponents: main\n",
        )
        .unwrap();
        std::fs::write(d.join("ignored.save"), "garbage").unwrap();
        let s = host(root.path()).unwrap();
        let uris: Vec<_> = s.iter().map(|s| s.uris[0].as_str()).collect();
        assert_eq!(uris, ["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"]);
        assert!(host(&root.path().join("nothing")).unwrap().is_empty());
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,200}") {
            let _ = parse_list(&s, "p");
            let _ = parse_deb822(&s, "p");
        }

        #[test]
        fn never_panics_on_near_valid(s in "(deb|Types: deb\nURIs:) \\[?[a-z=,/ ]{0,30}\\]? ?(http://|file:)[a-z/.]{0,10} [a-z/ ]{0,20}\n") {
            let _ = parse_list(&s, "p");
            let _ = parse_deb822(&s, "p");
        }
    }
}
