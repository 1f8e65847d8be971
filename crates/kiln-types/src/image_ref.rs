//! Image references in the form users type them: `registry/repo:tag@sha256:…`.

use std::fmt;
use std::str::FromStr;

use crate::Digest;

/// The registry a reference without a domain names, as Docker and skopeo assume.
const DEFAULT_REGISTRY: &str = "docker.io";

/// Why a string is not an image reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageRefError {
    #[error("image reference {0:?} is empty")]
    Empty(String),
    #[error("image reference {input:?} has an invalid repository name: {reason}")]
    BadRepository { input: String, reason: &'static str },
    #[error("image reference {0:?} has an invalid tag")]
    BadTag(String),
    #[error("image reference {input:?} has an invalid digest: {source}")]
    BadDigest {
        input: String,
        #[source]
        source: crate::DigestError,
    },
}

/// A normalised image reference: registry, repository, and a tag and/or digest.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ImageRef {
    registry: String,
    repository: String,
    tag: Option<String>,
    digest: Option<Digest>,
}

impl ImageRef {
    /// The registry host, with port if one was given (`127.0.0.1:5000`, `docker.io`).
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The repository path inside the registry (`library/debian`, `team/app`).
    pub fn repository(&self) -> &str {
        &self.repository
    }

    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    pub fn digest(&self) -> Option<&Digest> {
        self.digest.as_ref()
    }

    /// What to ask the registry for: the digest when pinned, else the tag, else `latest`.
    pub fn manifest_reference(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(d), _) => d.to_string(),
            (None, Some(t)) => t.clone(),
            (None, None) => "latest".to_owned(),
        }
    }

    /// The same repository with a different tag and no digest.
    pub fn with_tag(&self, tag: &str) -> Result<ImageRef, ImageRefError> {
        if !is_valid_tag(tag) {
            return Err(ImageRefError::BadTag(tag.to_owned()));
        }
        Ok(ImageRef {
            tag: Some(tag.to_owned()),
            digest: None,
            ..self.clone()
        })
    }

    /// The same repository pinned to `digest`, keeping the tag for display.
    pub fn with_digest(&self, digest: Digest) -> ImageRef {
        ImageRef {
            digest: Some(digest),
            ..self.clone()
        }
    }

    /// `registry/repository` without tag or digest.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
}

fn is_valid_tag(tag: &str) -> bool {
    let mut chars = tag.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    tag.len() <= 128
        && (first.is_ascii_alphanumeric() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn is_valid_component(c: &str) -> bool {
    // [a-z0-9]+ separated by `.`, `_`, `__` or one or more `-`.
    let bytes = c.as_bytes();
    if bytes.is_empty() || !bytes[0].is_ascii_alphanumeric() {
        return false;
    }
    if !bytes[bytes.len() - 1].is_ascii_alphanumeric() {
        return false;
    }
    let mut prev_sep = String::new();
    for &b in bytes {
        if b.is_ascii_lowercase() || b.is_ascii_digit() {
            if !prev_sep.is_empty() {
                let ok = prev_sep == "."
                    || prev_sep == "_"
                    || prev_sep == "__"
                    || prev_sep.bytes().all(|s| s == b'-');
                if !ok {
                    return false;
                }
                prev_sep.clear();
            }
        } else if matches!(b, b'.' | b'_' | b'-') {
            prev_sep.push(b as char);
        } else {
            return false;
        }
    }
    true
}

fn looks_like_domain(first: &str) -> bool {
    first.contains('.')
        || first.contains(':')
        || first == "localhost"
        || first.bytes().any(|b| b.is_ascii_uppercase())
}

impl FromStr for ImageRef {
    type Err = ImageRefError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        if input.is_empty() {
            return Err(ImageRefError::Empty(input.to_owned()));
        }
        let (rest, digest) = match input.split_once('@') {
            Some((rest, d)) => {
                let digest = d
                    .parse::<Digest>()
                    .map_err(|source| ImageRefError::BadDigest {
                        input: input.to_owned(),
                        source,
                    })?;
                (rest, Some(digest))
            }
            None => (input, None),
        };
        // A tag follows the last `:` that comes after the last `/`.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => {
                let tag = &rest[last_slash + i + 1..];
                if !is_valid_tag(tag) {
                    return Err(ImageRefError::BadTag(input.to_owned()));
                }
                (&rest[..last_slash + i], Some(tag.to_owned()))
            }
            None => (rest, None),
        };
        let bad = |reason| ImageRefError::BadRepository {
            input: input.to_owned(),
            reason,
        };
        let (registry, repository) = match name.split_once('/') {
            Some((first, path)) if looks_like_domain(first) => (first.to_owned(), path.to_owned()),
            _ => (DEFAULT_REGISTRY.to_owned(), name.to_owned()),
        };
        if registry.is_empty() || registry.contains(['/', '@']) {
            return Err(bad("the registry host is empty or malformed"));
        }
        if repository.is_empty() {
            return Err(bad("the repository path is empty"));
        }
        if !repository.split('/').all(is_valid_component) {
            return Err(bad(
                "path components must be lowercase letters, digits and separators",
            ));
        }
        let repository = if registry == DEFAULT_REGISTRY && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        // As Docker counts it: the whole normalized name, registry included.
        if registry.len() + 1 + repository.len() > 255 {
            return Err(bad("the name is longer than 255 characters"));
        }
        Ok(ImageRef {
            registry,
            repository,
            tag,
            digest,
        })
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ImageRef({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parts(s: &str) -> (String, String, Option<String>, Option<String>) {
        let r: ImageRef = s.parse().unwrap();
        (
            r.registry().to_owned(),
            r.repository().to_owned(),
            r.tag().map(str::to_owned),
            r.digest().map(ToString::to_string),
        )
    }

    #[test]
    fn normalises_like_docker() {
        assert_eq!(
            parts("debian"),
            ("docker.io".into(), "library/debian".into(), None, None)
        );
        assert_eq!(
            parts("127.0.0.1:5000/app:1.0"),
            (
                "127.0.0.1:5000".into(),
                "app".into(),
                Some("1.0".into()),
                None
            )
        );
        assert_eq!(
            parts("localhost/team/app"),
            ("localhost".into(), "team/app".into(), None, None)
        );
        let d = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(
            parts(&format!("app:1@{d}")),
            (
                "docker.io".into(),
                "library/app".into(),
                Some("1".into()),
                Some(d.into())
            )
        );
    }

    #[test]
    fn rejects_bad_references() {
        for bad in [
            "",
            "App",
            "app:",
            "app:-x",
            "a//b",
            "app@sha256:12",
            "127.0.0.1:5000/",
        ] {
            assert!(bad.parse::<ImageRef>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn the_length_limit_counts_the_normalized_name() {
        // 250 characters as written, 268 once `docker.io/library/` is added.
        let long = "a".repeat(250);
        assert!(long.parse::<ImageRef>().is_err());
        let fits = "a".repeat(255 - "docker.io/library/".len());
        let r: ImageRef = fits.parse().unwrap();
        assert_eq!(r.to_string().parse::<ImageRef>().unwrap(), r);
        assert!(format!("{fits}a").parse::<ImageRef>().is_err());
    }

    #[test]
    fn manifest_reference_prefers_digest() {
        let r: ImageRef = "app:1".parse().unwrap();
        assert_eq!(r.manifest_reference(), "1");
        let r: ImageRef = "app".parse().unwrap();
        assert_eq!(r.manifest_reference(), "latest");
    }

    proptest! {
        #[test]
        fn display_round_trips(
            host in "(localhost|[a-z]{1,8}\\.[a-z]{2,3})(:[0-9]{2,5})?",
            path in "[a-z0-9]{1,6}(/[a-z0-9]{1,6}){0,2}",
            tag in proptest::option::of("[A-Za-z0-9_][A-Za-z0-9_.-]{0,10}"),
        ) {
            let s = match &tag { Some(t) => format!("{host}/{path}:{t}"), None => format!("{host}/{path}") };
            let r: ImageRef = s.parse().unwrap();
            prop_assert_eq!(r.to_string(), s.clone());
            prop_assert_eq!(r.to_string().parse::<ImageRef>().unwrap(), r);
        }

        #[test]
        fn parse_never_panics(s in ".{0,100}") {
            let _ = s.parse::<ImageRef>();
        }
    }
}
