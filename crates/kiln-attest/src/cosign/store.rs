//! Where an image's signatures live: a registry ([`Client`]) or an OCI image layout on
//! disk ([`LayoutStore`]). Both hold the same objects: the legacy `.sig`/`.att` tags are
//! index entries tagged `sha256-<hex>.sig|att` in a layout, and bundle referrers are
//! untagged entries whose manifest names the image as `subject` (found by scanning the
//! layout's `index.json`, as the image-spec allows for layouts).

use std::io::Read;
use std::path::{Path, PathBuf};

use kiln_oci::layout::{self, LayoutRef, REF_NAME};
use kiln_oci::manifest::{Descriptor, ImageIndex, Parsed, RawManifest};
use kiln_oci::media_type;
use kiln_oci::registry::Client;
use kiln_types::{Digest, ImageRef};

/// The operations cosign storage needs.
pub trait Store {
    /// The manifest a reference (tag or digest) names; `NotFound` when there is none.
    fn get_manifest(&self, reference: &ImageRef) -> kiln_oci::Result<RawManifest>;
    fn get_blob(&self, repo: &ImageRef, digest: &Digest) -> kiln_oci::Result<Box<dyn Read + Send>>;
    fn push_bytes(
        &self,
        repo: &ImageRef,
        media_type: &str,
        bytes: &[u8],
    ) -> kiln_oci::Result<Descriptor>;
    /// Stores a manifest under `tag`, or untagged.
    fn put_manifest(
        &self,
        repo: &ImageRef,
        tag: Option<&str>,
        raw: &RawManifest,
    ) -> kiln_oci::Result<Digest>;
    fn referrers(
        &self,
        repo: &ImageRef,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> kiln_oci::Result<Vec<Descriptor>>;
    fn push_referrer(&self, repo: &ImageRef, raw: &RawManifest) -> kiln_oci::Result<Digest>;
}

impl Store for Client {
    fn get_manifest(&self, reference: &ImageRef) -> kiln_oci::Result<RawManifest> {
        Client::get_manifest(self, reference)
    }

    fn get_blob(&self, repo: &ImageRef, digest: &Digest) -> kiln_oci::Result<Box<dyn Read + Send>> {
        Client::get_blob(self, repo, digest)
    }

    fn push_bytes(
        &self,
        repo: &ImageRef,
        media_type: &str,
        bytes: &[u8],
    ) -> kiln_oci::Result<Descriptor> {
        Client::push_bytes(self, repo, media_type, bytes)
    }

    fn put_manifest(
        &self,
        repo: &ImageRef,
        tag: Option<&str>,
        raw: &RawManifest,
    ) -> kiln_oci::Result<Digest> {
        Client::put_manifest(self, repo, tag, raw).map(|p| p.digest)
    }

    fn referrers(
        &self,
        repo: &ImageRef,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> kiln_oci::Result<Vec<Descriptor>> {
        Client::referrers(self, repo, subject, artifact_type)
    }

    fn push_referrer(&self, repo: &ImageRef, raw: &RawManifest) -> kiln_oci::Result<Digest> {
        Client::push_referrer(self, repo, raw)
    }
}

/// An OCI image layout directory as a signature store. Every write is atomic (temp
/// file + rename); blobs are written once.
#[derive(Debug, Clone)]
pub struct LayoutStore {
    dir: PathBuf,
}

fn io(path: &Path, e: std::io::Error) -> kiln_oci::Error {
    kiln_oci::Error::Io {
        path: path.to_path_buf(),
        source: e,
    }
}

fn invalid(what: &Path, reason: &str) -> kiln_oci::Error {
    kiln_oci::Error::InvalidTarget {
        input: what.display().to_string(),
        reason: reason.to_owned(),
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> kiln_oci::Result<()> {
    use std::io::Write as _;
    let parent = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
    let mut tmp = tempfile::NamedTempFile::new_in(parent).map_err(|e| io(parent, e))?;
    tmp.write_all(bytes).map_err(|e| io(path, e))?;
    tmp.persist(path).map_err(|e| io(path, e.error))?;
    Ok(())
}

impl LayoutStore {
    /// Opens the layout in `dir` and resolves `reference` to the image it names, as a
    /// reference (`localhost/<dir name>:<tag>` or `@<digest>`) the cosign functions take.
    pub fn open(dir: &Path, reference: &LayoutRef) -> kiln_oci::Result<(LayoutStore, ImageRef)> {
        let store = LayoutStore {
            dir: dir.to_path_buf(),
        };
        let index = store.index()?;
        let name: String = dir
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default()
            .chars()
            .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            .collect();
        let name = if name.is_empty() {
            "layout".to_owned()
        } else {
            name
        };
        let images: Vec<&Descriptor> = index
            .manifests
            .iter()
            .filter(|d| d.annotations.contains_key(REF_NAME))
            .filter(|d| {
                layout::entry_tag(d).is_some_and(|t| !t.ends_with(".sig") && !t.ends_with(".att"))
            })
            .collect();
        let by_tag = |tag: &str| -> kiln_oci::Result<ImageRef> {
            format!("localhost/{name}:{tag}")
                .parse()
                .map_err(|_| invalid(dir, &format!("tag {tag:?} is not a valid image tag")))
        };
        let image = match reference {
            LayoutRef::Tag(tag) => by_tag(tag)?,
            LayoutRef::Digest(digest) => format!("localhost/{name}@{digest}")
                .parse()
                .map_err(|_| invalid(dir, "bad digest"))?,
            LayoutRef::Default => {
                let tag = match images.as_slice() {
                    [one] => layout::entry_tag(one).unwrap_or("latest").to_owned(),
                    _ => "latest".to_owned(),
                };
                by_tag(&tag)?
            }
        };
        Ok((store, image))
    }

    fn index_path(&self) -> PathBuf {
        self.dir.join("index.json")
    }

    fn index(&self) -> kiln_oci::Result<ImageIndex> {
        let path = self.index_path();
        let bytes = std::fs::read(&path).map_err(|e| io(&path, e))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| invalid(&path, &format!("not an image index: {e}")))
    }

    fn write_index(&self, index: &ImageIndex) -> kiln_oci::Result<()> {
        let bytes =
            serde_json::to_vec(index).map_err(|e| invalid(&self.index_path(), &e.to_string()))?;
        write_atomic(&self.index_path(), &bytes)
    }

    fn read_blob(&self, digest: &Digest) -> kiln_oci::Result<Vec<u8>> {
        let path = layout::blob_path(&self.dir, digest);
        let bytes = std::fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => kiln_oci::Error::NotFound {
                what: format!("{} in {}", digest, self.dir.display()),
            },
            _ => io(&path, e),
        })?;
        if &digest.of_same_kind(&bytes) != digest {
            return Err(invalid(&path, "the blob does not match its digest"));
        }
        Ok(bytes)
    }

    fn write_blob(&self, digest: &Digest, bytes: &[u8]) -> kiln_oci::Result<()> {
        let path = layout::blob_path(&self.dir, digest);
        if path.is_file() {
            return Ok(());
        }
        write_atomic(&path, bytes)
    }
}

impl Store for LayoutStore {
    fn get_manifest(&self, reference: &ImageRef) -> kiln_oci::Result<RawManifest> {
        // By digest, the blob itself (its media type from its content): no index read.
        if let Some(digest) = reference.digest() {
            let bytes = self.read_blob(digest)?;
            return RawManifest::verified(None, bytes, digest, &reference.to_string());
        }
        let index = self.index()?;
        let entry = reference.tag().and_then(|tag| {
            index
                .manifests
                .iter()
                .find(|d| layout::entry_has_tag(d, tag))
        });
        let Some(entry) = entry else {
            return Err(kiln_oci::Error::NotFound {
                what: format!("{reference} in {}", self.dir.display()),
            });
        };
        let bytes = self.read_blob(&entry.digest)?;
        RawManifest::verified(
            Some(&entry.media_type),
            bytes,
            &entry.digest,
            &reference.to_string(),
        )
    }

    fn get_blob(
        &self,
        _repo: &ImageRef,
        digest: &Digest,
    ) -> kiln_oci::Result<Box<dyn Read + Send>> {
        Ok(Box::new(std::io::Cursor::new(self.read_blob(digest)?)))
    }

    fn push_bytes(
        &self,
        _repo: &ImageRef,
        media_type: &str,
        bytes: &[u8],
    ) -> kiln_oci::Result<Descriptor> {
        let desc = Descriptor::of_bytes(media_type, bytes);
        self.write_blob(&desc.digest, bytes)?;
        Ok(desc)
    }

    fn put_manifest(
        &self,
        _repo: &ImageRef,
        tag: Option<&str>,
        raw: &RawManifest,
    ) -> kiln_oci::Result<Digest> {
        self.write_blob(&raw.digest, &raw.bytes)?;
        let mut entry = raw.descriptor();
        if let Ok(Parsed::Image(m)) = raw.parse("manifest") {
            entry.artifact_type = m.artifact_type.clone();
        }
        let mut index = self.index()?;
        match tag {
            Some(tag) => {
                index.manifests.retain(|d| !layout::entry_has_tag(d, tag));
                entry
                    .annotations
                    .insert(REF_NAME.to_owned(), tag.to_owned());
                index.manifests.push(entry);
            }
            None => {
                if !index.manifests.iter().any(|d| d.digest == raw.digest) {
                    index.manifests.push(entry);
                }
            }
        }
        if index.media_type.is_none() {
            index.media_type = Some(media_type::OCI_INDEX.to_owned());
        }
        self.write_index(&index)?;
        Ok(raw.digest.clone())
    }

    fn referrers(
        &self,
        _repo: &ImageRef,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> kiln_oci::Result<Vec<Descriptor>> {
        let index = self.index()?;
        let mut found = Vec::new();
        for entry in &index.manifests {
            if entry.media_type != media_type::OCI_MANIFEST
                || entry.annotations.contains_key(REF_NAME)
                || artifact_type.is_some_and(|t| entry.artifact_type.as_deref() != Some(t))
            {
                continue;
            }
            let raw = RawManifest::verified(
                Some(&entry.media_type),
                self.read_blob(&entry.digest)?,
                &entry.digest,
                "referrer",
            )?;
            if let Parsed::Image(m) = raw.parse("referrer")?
                && m.subject.as_ref().is_some_and(|s| &s.digest == subject)
            {
                found.push(entry.clone());
            }
        }
        Ok(found)
    }

    fn push_referrer(&self, repo: &ImageRef, raw: &RawManifest) -> kiln_oci::Result<Digest> {
        self.put_manifest(repo, None, raw)
    }
}
