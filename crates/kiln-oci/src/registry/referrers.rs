//! OCI 1.1 referrers: listing the manifests whose `subject` is a digest, through the
//! referrers API or, where a registry lacks it (404), the referrers tag `<alg>-<hex>`;
//! and pushing a manifest with a subject so that either way finds it.

use kiln_types::{Digest, ImageRef};
use ureq::http::Method;

use super::Client;
use super::manifest::{content_type, next_link, read_body};
use crate::manifest::{Descriptor, ImageIndex, Parsed, RawManifest};
use crate::media_type;
use crate::{Error, Result};

/// Pages of referrers followed at most.
const MAX_PAGES: usize = 1_000;

/// The referrers tag schema's tag for `digest`: `<alg>-<encoded>`, the algorithm cut to
/// 32 characters and the encoded part to 64, anything outside `[a-zA-Z0-9._-]` made `-`.
pub fn referrers_tag(digest: &Digest) -> String {
    let clean = |s: &str, max: usize| -> String {
        s.chars()
            .take(max)
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    };
    format!(
        "{}-{}",
        clean(digest.algorithm().name(), 32),
        clean(digest.hex(), 64)
    )
}

impl Client {
    /// The descriptors of the manifests in `repo` whose subject is `subject`, optionally
    /// only those of `artifact_type`.
    pub fn referrers(
        &self,
        repo: &ImageRef,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<Vec<Descriptor>> {
        let what = format!("{}@{subject} referrers", repo.name());
        let mut url = self.repo_url(repo, &format!("referrers/{subject}"));
        if let Some(t) = artifact_type {
            url = format!("{url}?artifactType={}", super::auth::query_escape(t));
        }
        let mut found = Vec::new();
        let mut first = true;
        for _ in 0..MAX_PAGES {
            let mut call = self.call(Method::GET, repo, url.clone(), &what, false);
            call.headers
                .push(("Accept", media_type::OCI_INDEX.to_owned()));
            let response = self.send(&call)?;
            if first && response.status().as_u16() == 404 {
                tracing::debug!(%what, "no referrers API; reading the referrers tag");
                return self.referrers_from_tag(repo, subject, artifact_type);
            }
            first = false;
            let response = self.check(response, &call, true)?;
            let filtered = response
                .headers()
                .get("OCI-Filters-Applied")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.split(',').any(|f| f.trim() == "artifactType"));
            let next = next_link(&response).map(|l| self.resolve(repo, &l));
            let declared = content_type(&response);
            let bytes = read_body(response, &what, "the referrers index")?;
            let index = parse_index(declared.as_deref(), bytes, &what)?;
            found.extend(
                index
                    .manifests
                    .into_iter()
                    .filter(|d| filtered || matches_type(d, artifact_type)),
            );
            match next {
                Some(n) => url = n,
                None => return Ok(found),
            }
        }
        Err(Error::Registry {
            what,
            status: 200,
            message: format!("more than {MAX_PAGES} pages of referrers"),
        })
    }

    fn referrers_from_tag(
        &self,
        repo: &ImageRef,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<Vec<Descriptor>> {
        let Some(index) = self.fallback_index(repo, subject)? else {
            return Ok(Vec::new());
        };
        Ok(index
            .manifests
            .into_iter()
            .filter(|d| matches_type(d, artifact_type))
            .collect())
    }

    /// The index under the referrers tag of `subject`, or `None` if there is none.
    fn fallback_index(&self, repo: &ImageRef, subject: &Digest) -> Result<Option<ImageIndex>> {
        let tag_ref =
            repo.with_tag(&referrers_tag(subject))
                .map_err(|e| Error::InvalidManifest {
                    what: repo.name(),
                    reason: e.to_string(),
                })?;
        let raw = match self.get_manifest(&tag_ref) {
            Ok(raw) => raw,
            Err(Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        match raw.parse(&tag_ref.to_string())? {
            Parsed::Index(index) => Ok(Some(*index)),
            Parsed::Image(_) => Err(Error::InvalidManifest {
                what: tag_ref.to_string(),
                reason: "the referrers tag holds an image manifest, not an index".to_owned(),
            }),
        }
    }

    /// Pushes a manifest that has a `subject` (by digest). When the registry does not
    /// answer `OCI-Subject`, also adds it to the subject's referrers tag index.
    pub fn push_referrer(&self, repo: &ImageRef, raw: &RawManifest) -> Result<Digest> {
        let what = format!("{}@{}", repo.name(), raw.digest);
        let (subject, descriptor) = referrer_descriptor(raw, &what)?;
        let pushed = self.put_manifest(repo, None, raw)?;
        if pushed.subject_accepted {
            return Ok(pushed.digest);
        }
        let mut index = self
            .fallback_index(repo, &subject)?
            .unwrap_or_else(ImageIndex::empty);
        if index
            .manifests
            .iter()
            .any(|d| d.digest == descriptor.digest)
        {
            return Ok(pushed.digest);
        }
        index.manifests.push(descriptor);
        if index.media_type.is_none() {
            index.media_type = Some(media_type::OCI_INDEX.to_owned());
        }
        let index_raw = RawManifest::from_value(media_type::OCI_INDEX, &index)?;
        self.put_manifest(repo, Some(&referrers_tag(&subject)), &index_raw)?;
        tracing::debug!(%what, subject = %subject, "updated the referrers tag");
        Ok(pushed.digest)
    }
}

/// The subject digest and the descriptor a referrers index lists for `raw`.
fn referrer_descriptor(raw: &RawManifest, what: &str) -> Result<(Digest, Descriptor)> {
    let (subject, artifact_type, annotations) = match raw.parse(what)? {
        Parsed::Image(m) => (
            m.subject,
            m.artifact_type.or(Some(m.config.media_type)),
            m.annotations,
        ),
        Parsed::Index(i) => (i.subject, i.artifact_type, i.annotations),
    };
    let subject = subject.ok_or_else(|| Error::InvalidManifest {
        what: what.to_owned(),
        reason: "a referrer needs a subject".to_owned(),
    })?;
    let mut descriptor = raw.descriptor();
    descriptor.artifact_type = artifact_type;
    descriptor.annotations = annotations;
    Ok((subject.digest, descriptor))
}

fn matches_type(desc: &Descriptor, artifact_type: Option<&str>) -> bool {
    artifact_type.is_none_or(|t| desc.artifact_type.as_deref() == Some(t))
}

fn parse_index(declared: Option<&str>, bytes: Vec<u8>, what: &str) -> Result<ImageIndex> {
    let raw = RawManifest::new(declared, bytes, what)?;
    match raw.parse(what)? {
        Parsed::Index(index) => Ok(*index),
        Parsed::Image(_) => Err(Error::InvalidManifest {
            what: what.to_owned(),
            reason: "the referrers answer is not an index".to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referrers_tag_follows_the_schema() {
        let d = Digest::sha256(b"x");
        assert_eq!(referrers_tag(&d), format!("sha256-{}", d.hex()));
        let long: Digest = format!("sha512:{}", "ab".repeat(64)).parse().unwrap();
        assert_eq!(referrers_tag(&long), format!("sha512-{}", "ab".repeat(32)));
    }

    #[test]
    fn referrer_descriptor_takes_artifact_type_or_config_type() {
        let subject = Descriptor::of_bytes(media_type::OCI_MANIFEST, b"s");
        let m = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": media_type::OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.example.config", "digest": Digest::sha256(b"c"), "size": 1},
            "layers": [],
            "subject": subject,
            "annotations": {"a": "b"}
        });
        let raw = RawManifest::from_value(media_type::OCI_MANIFEST, &m).unwrap();
        let (s, d) = referrer_descriptor(&raw, "t").unwrap();
        assert_eq!(s, subject.digest);
        assert_eq!(
            d.artifact_type.as_deref(),
            Some("application/vnd.example.config")
        );
        assert_eq!(d.annotations.get("a").map(String::as_str), Some("b"));
        assert_eq!(d.digest, raw.digest);
    }
}
