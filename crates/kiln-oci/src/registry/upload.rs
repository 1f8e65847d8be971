//! Blobs in a registry: existence checks, streaming reads, uploads (monolithic below the
//! chunk size, chunked above it) and cross-repository mounts.
//!
//! Uploads read the data through a [`VerifyingReader`]; a digest or size mismatch is seen
//! before the final `PUT`, the upload session is cancelled, and nothing is committed.

use std::io::Read;

use kiln_types::{Digest, ImageRef};
use ureq::Body;
use ureq::http::{Method, Response, header};

use super::Client;
use super::manifest::content_length;
use crate::blob::{VerifyingReader, into_error};
use crate::manifest::Descriptor;
use crate::{Error, Result};

impl Client {
    /// Whether `repo` has the blob (HEAD).
    pub fn blob_exists(&self, repo: &ImageRef, digest: &Digest) -> Result<bool> {
        Ok(self.head_blob(repo, digest)?.is_some())
    }

    /// The size of the blob as the registry reports it (HEAD), or `None` if absent.
    pub fn blob_size(&self, repo: &ImageRef, digest: &Digest) -> Result<Option<u64>> {
        Ok(self
            .head_blob(repo, digest)?
            .as_ref()
            .and_then(content_length))
    }

    /// The registry's answer to HEAD on the blob, or `None` for a 404.
    fn head_blob(&self, repo: &ImageRef, digest: &Digest) -> Result<Option<Response<Body>>> {
        let what = blob_what(repo, digest);
        let call = self.call(
            Method::HEAD,
            repo,
            self.repo_url(repo, &format!("blobs/{digest}")),
            &what,
            false,
        );
        let response = self.send(&call)?;
        if response.status().as_u16() == 404 {
            return Ok(None);
        }
        Ok(Some(self.check(response, &call, true)?))
    }

    /// The blob's bytes as served, following redirects. Not verified here: wrap it in a
    /// [`VerifyingReader`] (as [`crate::source::open_blob`] does).
    pub fn get_blob(&self, repo: &ImageRef, digest: &Digest) -> Result<Box<dyn Read + Send>> {
        let what = blob_what(repo, digest);
        let call = self.call(
            Method::GET,
            repo,
            self.repo_url(repo, &format!("blobs/{digest}")),
            &what,
            false,
        );
        let response = self.fetch(&call, true)?;
        Ok(Box::new(response.into_body().into_reader()))
    }

    /// Uploads a blob, checking `data` against `desc` on the way; a mismatch cancels the
    /// upload. Blobs up to the chunk size go in one `PUT`, larger ones in `PATCH` chunks.
    pub fn push_blob(&self, repo: &ImageRef, desc: &Descriptor, data: &mut dyn Read) -> Result<()> {
        let what = blob_what(repo, &desc.digest);
        let mut verifying = VerifyingReader::new(data, desc, what.clone());
        if desc.size <= self.chunk_size {
            // Read and verify it all before the registry sees a byte.
            let mut bytes = Vec::with_capacity(usize::try_from(desc.size).unwrap_or(0));
            verifying
                .read_to_end(&mut bytes)
                .map_err(|e| into_error(e, &what))?;
            let location = self.start_upload(repo, &what)?;
            let result = self.finish_upload(repo, &what, &location, &desc.digest, Some(&bytes));
            if result.is_err() {
                self.cancel_upload(repo, &what, &location);
            }
            result
        } else {
            let location = self.start_upload(repo, &what)?;
            match self.upload_chunks(repo, &what, location, &mut verifying) {
                Ok(location) => {
                    let result = self.finish_upload(repo, &what, &location, &desc.digest, None);
                    if result.is_err() {
                        self.cancel_upload(repo, &what, &location);
                    }
                    result
                }
                Err((location, e)) => {
                    self.cancel_upload(repo, &what, &location);
                    Err(e)
                }
            }
        }
    }

    /// Uploads `bytes` as a blob and returns its descriptor.
    pub fn push_bytes(
        &self,
        repo: &ImageRef,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<Descriptor> {
        let desc = Descriptor::of_bytes(media_type, bytes);
        self.push_blob(repo, &desc, &mut &bytes[..])?;
        Ok(desc)
    }

    /// Asks the registry to link a blob from another repository of the same registry.
    /// Returns false when it would not (the caller then uploads the blob).
    pub fn mount_blob(&self, repo: &ImageRef, digest: &Digest, from: &ImageRef) -> Result<bool> {
        if from.registry() != repo.registry() {
            return Ok(false);
        }
        let what = blob_what(repo, digest);
        let url = self.repo_url(
            repo,
            &format!(
                "blobs/uploads/?mount={}&from={}",
                super::auth::query_escape(&digest.to_string()),
                super::auth::query_escape(from.repository())
            ),
        );
        let mut call = self.call(Method::POST, repo, url, &what, true);
        call.scopes
            .push(format!("repository:{}:pull", from.repository()));
        call.body = Some(&[]);
        let response = self.fetch(&call, false)?;
        if response.status().as_u16() == 201 {
            tracing::debug!(%what, from = %from.name(), "mounted blob");
            return Ok(true);
        }
        // 202: the registry opened an upload instead; close it, the caller uploads.
        if let Some(location) = location(&response) {
            let location = self.resolve(repo, &location);
            self.cancel_upload(repo, &what, &location);
        }
        Ok(false)
    }

    fn start_upload(&self, repo: &ImageRef, what: &str) -> Result<String> {
        let mut call = self.call(
            Method::POST,
            repo,
            self.repo_url(repo, "blobs/uploads/"),
            what,
            true,
        );
        call.body = Some(&[]);
        let response = self.fetch(&call, false)?;
        let location = location(&response).ok_or_else(|| Error::Registry {
            what: what.to_owned(),
            status: response.status().as_u16(),
            message: "upload started without a Location header".to_owned(),
        })?;
        Ok(self.resolve(repo, &location))
    }

    /// Sends the data in chunks; returns the location for the final `PUT`, or the
    /// location to cancel together with the error.
    fn upload_chunks(
        &self,
        repo: &ImageRef,
        what: &str,
        mut location: String,
        data: &mut dyn Read,
    ) -> std::result::Result<String, (String, Error)> {
        let chunk_size = usize::try_from(self.chunk_size).unwrap_or(usize::MAX);
        let mut buf = vec![0u8; chunk_size];
        let mut offset: u64 = 0;
        loop {
            let filled = match fill(data, &mut buf) {
                Ok(n) => n,
                Err(e) => return Err((location, into_error(e, what))),
            };
            if filled == 0 {
                return Ok(location);
            }
            let end = offset + filled as u64 - 1;
            let mut call = self.call(Method::PATCH, repo, location.clone(), what, true);
            call.headers
                .push(("Content-Type", "application/octet-stream".to_owned()));
            call.headers
                .push(("Content-Range", format!("{offset}-{end}")));
            call.body = Some(&buf[..filled]);
            let response = match self.fetch(&call, false) {
                Ok(r) => r,
                Err(e) => return Err((location, e)),
            };
            if let Some(next) = super::upload::location(&response) {
                location = self.resolve(repo, &next);
            }
            offset = end + 1;
            tracing::trace!(%what, offset, "uploaded chunk");
        }
    }

    fn finish_upload(
        &self,
        repo: &ImageRef,
        what: &str,
        location: &str,
        digest: &Digest,
        body: Option<&[u8]>,
    ) -> Result<()> {
        let sep = if location.contains('?') { '&' } else { '?' };
        let url = format!(
            "{location}{sep}digest={}",
            super::auth::query_escape(&digest.to_string())
        );
        let mut call = self.call(Method::PUT, repo, url, what, true);
        call.headers
            .push(("Content-Type", "application/octet-stream".to_owned()));
        call.body = Some(body.unwrap_or(&[]));
        self.fetch(&call, false)?;
        tracing::debug!(%what, "pushed blob");
        Ok(())
    }

    /// Best effort: a failed cancel leaves an upload the registry purges later.
    fn cancel_upload(&self, repo: &ImageRef, what: &str, location: &str) {
        let call = self.call(Method::DELETE, repo, location.to_owned(), what, true);
        if let Err(e) = self.fetch(&call, false) {
            tracing::debug!(%what, error = %e, "could not cancel the upload");
        }
    }
}

fn blob_what(repo: &ImageRef, digest: &Digest) -> String {
    format!("{} blob {digest}", repo.name())
}

fn location(response: &ureq::http::Response<ureq::Body>) -> Option<String> {
    response
        .headers()
        .get(header::LOCATION)?
        .to_str()
        .ok()
        .map(str::to_owned)
}

/// Reads until `buf` is full or the stream ends; returns how much was read.
fn fill(data: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match data.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
