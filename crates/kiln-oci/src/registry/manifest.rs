//! Manifests and tags in a registry: get (verified), head, put, and tag listing.

use kiln_types::{Digest, ImageRef};
use ureq::Body;
use ureq::http::{Method, Response, header};

use super::Client;
use crate::manifest::{Descriptor, RawManifest};
use crate::media_type;
use crate::{Error, Result};

/// The largest manifest kiln reads (the spec asks registries for at least 4 MB).
pub const MAX_MANIFEST: u64 = 16 << 20;
/// Pages of a paginated listing followed at most.
const MAX_PAGES: usize = 10_000;

/// Reads a manifest-sized response body (at most [`MAX_MANIFEST`] bytes); `thing` says
/// what was being read, for the error.
pub(super) fn read_body(response: Response<Body>, what: &str, thing: &str) -> Result<Vec<u8>> {
    response
        .into_body()
        .with_config()
        .limit(MAX_MANIFEST)
        .read_to_vec()
        .map_err(|e| Error::Transport {
            what: what.to_owned(),
            reason: format!("reading {thing}: {e}"),
        })
}

/// What a manifest push returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedManifest {
    pub digest: Digest,
    /// The registry answered with `OCI-Subject`: it indexes this manifest's subject
    /// itself, so no fallback referrers tag is needed.
    pub subject_accepted: bool,
}

impl Client {
    /// A manifest request for `reference`, accepting every manifest type kiln reads.
    fn manifest_call<'a>(
        &self,
        method: Method,
        reference: &'a ImageRef,
        what: &'a str,
    ) -> super::client::Call<'a> {
        let target = reference.manifest_reference();
        let url = self.repo_url(reference, &format!("manifests/{target}"));
        let mut call = self.call(method, reference, url, what, false);
        call.headers
            .push(("Accept", media_type::MANIFEST_TYPES.join(", ")));
        call
    }

    /// The manifest `reference` names, by digest when pinned (checked against it) or by
    /// tag (checked against `Docker-Content-Digest` when the registry sends one).
    pub fn get_manifest(&self, reference: &ImageRef) -> Result<RawManifest> {
        let what = reference.to_string();
        let call = self.manifest_call(Method::GET, reference, &what);
        let response = self.fetch(&call, true)?;
        let content_type = content_type(&response);
        let claimed = header_digest(&response);
        let bytes = read_body(response, &what, "the manifest")?;
        match reference.digest() {
            Some(expected) => {
                RawManifest::verified(content_type.as_deref(), bytes, expected, &what)
            }
            None => {
                let raw = RawManifest::new(content_type.as_deref(), bytes, &what)?;
                if let Some(claimed) = claimed {
                    let actual = claimed.of_same_kind(&raw.bytes);
                    if actual != claimed {
                        return Err(Error::DigestMismatch {
                            what,
                            expected: claimed,
                            actual,
                        });
                    }
                }
                Ok(raw)
            }
        }
    }

    /// The descriptor of the manifest `reference` names, or `None` if there is none.
    /// Falls back to a GET when the registry does not say the digest.
    pub fn head_manifest(&self, reference: &ImageRef) -> Result<Option<Descriptor>> {
        let what = reference.to_string();
        let call = self.manifest_call(Method::HEAD, reference, &what);
        let response = self.send(&call)?;
        if response.status().as_u16() == 404 {
            return Ok(None);
        }
        let response = self.check(response, &call, true)?;
        let size = content_length(&response);
        match (content_type(&response), header_digest(&response), size) {
            (Some(media_type), Some(digest), Some(size))
                if media_type::ManifestKind::of(&media_type).is_some() =>
            {
                Ok(Some(Descriptor::new(&media_type, digest, size)))
            }
            _ => Ok(Some(self.get_manifest(reference)?.descriptor())),
        }
    }

    /// Stores `raw` in `repo` under `tag`, or under its digest when `tag` is `None`.
    pub fn put_manifest(
        &self,
        repo: &ImageRef,
        tag: Option<&str>,
        raw: &RawManifest,
    ) -> Result<PushedManifest> {
        let target = match tag {
            Some(t) => t.to_owned(),
            None => raw.digest.to_string(),
        };
        let what = match tag {
            Some(t) => format!("{}:{t}", repo.name()),
            None => format!("{}@{}", repo.name(), raw.digest),
        };
        let mut call = self.call(
            Method::PUT,
            repo,
            self.repo_url(repo, &format!("manifests/{target}")),
            &what,
            true,
        );
        call.headers.push(("Content-Type", raw.media_type.clone()));
        call.body = Some(&raw.bytes);
        let response = self.fetch(&call, false)?;
        if let Some(stored) = header_digest(&response)
            && stored != raw.digest
        {
            return Err(Error::DigestMismatch {
                what,
                expected: raw.digest.clone(),
                actual: stored,
            });
        }
        let subject_accepted = response.headers().contains_key("OCI-Subject");
        tracing::debug!(%what, digest = %raw.digest, subject_accepted, "pushed manifest");
        Ok(PushedManifest {
            digest: raw.digest.clone(),
            subject_accepted,
        })
    }

    /// Every tag of `repo`, following `Link` pagination.
    pub fn list_tags(&self, repo: &ImageRef) -> Result<Vec<String>> {
        self.list_tags_in_pages(repo, 1000)
    }

    /// Every tag of `repo`, asking for `page_size` per page.
    pub fn list_tags_in_pages(&self, repo: &ImageRef, page_size: usize) -> Result<Vec<String>> {
        #[derive(serde::Deserialize)]
        struct TagList {
            #[serde(default)]
            tags: Option<Vec<String>>,
        }
        let what = format!("{} tags", repo.name());
        let mut url = self.repo_url(repo, &format!("tags/list?n={}", page_size.max(1)));
        let mut tags = Vec::new();
        for _ in 0..MAX_PAGES {
            let call = self.call(Method::GET, repo, url.clone(), &what, false);
            let response = self.fetch(&call, true)?;
            let next = next_link(&response).map(|l| self.resolve(repo, &l));
            let page: TagList = response
                .into_body()
                .with_config()
                .limit(MAX_MANIFEST)
                .read_to_vec()
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
                .map_err(|e| Error::Registry {
                    what: what.clone(),
                    status: 200,
                    message: format!("unreadable tag list: {e}"),
                })?;
            tags.extend(page.tags.unwrap_or_default());
            match next {
                Some(n) => url = n,
                None => return Ok(tags),
            }
        }
        Err(Error::Registry {
            what,
            status: 200,
            message: format!("more than {MAX_PAGES} pages of tags"),
        })
    }

    /// An absolute URL for a `Location` or `Link` target, which may be a bare path.
    pub(super) fn resolve(&self, repo: &ImageRef, location: &str) -> String {
        if location.starts_with("http://") || location.starts_with("https://") {
            location.to_owned()
        } else if location.starts_with('/') {
            format!("{}{location}", self.base_url(repo.registry()))
        } else {
            format!("{}/{location}", self.base_url(repo.registry()))
        }
    }
}

pub(super) fn content_type(response: &Response<Body>) -> Option<String> {
    let value = response
        .headers()
        .get(header::CONTENT_TYPE)?
        .to_str()
        .ok()?;
    Some(value.split(';').next().unwrap_or(value).trim().to_owned())
}

pub(super) fn content_length(response: &Response<Body>) -> Option<u64> {
    response
        .headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

pub(super) fn header_digest(response: &Response<Body>) -> Option<Digest> {
    response
        .headers()
        .get("Docker-Content-Digest")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The `rel="next"` target of a `Link` header.
pub(super) fn next_link(response: &Response<Body>) -> Option<String> {
    for value in response.headers().get_all(header::LINK) {
        let Ok(value) = value.to_str() else { continue };
        for link in value.split(',') {
            let (target, params) = link.split_once(';').unwrap_or((link, ""));
            let is_next = params.split(';').any(|p| {
                let p = p.trim().replace(' ', "");
                p == "rel=\"next\"" || p == "rel=next"
            });
            if is_next {
                let target = target.trim().trim_start_matches('<').trim_end_matches('>');
                if !target.is_empty() {
                    return Some(target.to_owned());
                }
            }
        }
    }
    None
}
