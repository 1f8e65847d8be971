//! The sources file `kiln db update` reads (YAML, or JSON, which is YAML):
//!
//! ```yaml
//! sources:
//!   - name: PyPI
//!     url: https://advisories.example/PyPI/all.zip
//!     sha256: sha256:…        # optional: the body must have this digest
//!   - name: debian-tracker
//!     url: https://tracker.example/data/json
//! ```
//!
//! Every problem in the file is reported at once, each naming its entry.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::Remote;
use crate::{Result, VulnError};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    sources: Vec<RawSource>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: String,
    url: String,
    #[serde(default)]
    sha256: Option<String>,
}

/// `$XDG_CONFIG_HOME/kiln/sources.yaml`, else `~/.config/kiln/sources.yaml`.
pub fn default_config_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("kiln").join("sources.yaml"))
}

/// Reads a sources file; `path` names it in errors.
pub fn read_config(path: &Path, bytes: &[u8]) -> Result<Vec<Remote>> {
    let err = |reason: String| VulnError::Config {
        path: path.to_owned(),
        reason,
    };
    let raw: RawConfig = serde_yaml_ng::from_slice(bytes).map_err(|e| err(e.to_string()))?;
    let mut remotes: Vec<Remote> = Vec::new();
    let mut problems = Vec::new();
    for (i, s) in raw.sources.iter().enumerate() {
        match Remote::new(&s.name, &s.url, s.sha256.as_deref()) {
            Ok(r) if remotes.iter().any(|o| o.name == r.name) => {
                problems.push(format!("sources[{i}]: source {:?} is named twice", r.name));
            }
            Ok(r) => remotes.push(r),
            Err(e) => problems.push(format!("sources[{i}]: {e}")),
        }
    }
    if problems.is_empty() {
        Ok(remotes)
    } else {
        Err(err(problems.join("; ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sources_and_reports_every_problem() {
        let good = b"sources:\n  - name: PyPI\n    url: http://127.0.0.1:8/PyPI/all.zip\n  - name: dt\n    url: https://127.0.0.1/data/json\n    sha256: sha256:0000000000000000000000000000000000000000000000000000000000000000\n";
        let r = read_config(Path::new("s.yaml"), good).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].sha256().map(str::len), Some(71));
        let bad = b"sources:\n  - {name: a, url: 'ftp://x'}\n  - {name: b, url: 'http://127.0.0.1/', sha256: md5}\n  - {name: c, url: 'http://127.0.0.1/'}\n  - {name: c, url: 'http://127.0.0.1/y'}\n";
        let e = read_config(Path::new("s.yaml"), bad)
            .unwrap_err()
            .to_string();
        for part in [
            "s.yaml",
            "sources[0]",
            "sources[1]",
            "sources[3]",
            "named twice",
        ] {
            assert!(e.contains(part), "{part}: {e}");
        }
        let e = read_config(Path::new("s.yaml"), b"sources: [{name: a}]")
            .unwrap_err()
            .to_string();
        assert!(e.contains("url"), "{e}");
        let e = read_config(Path::new("s.yaml"), b"srcs: []")
            .unwrap_err()
            .to_string();
        assert!(e.contains("srcs"), "{e}");
    }
}
