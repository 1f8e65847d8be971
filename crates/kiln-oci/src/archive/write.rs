//! Writing one image as a combined docker-archive: an OCI layout (`oci-layout`,
//! `index.json`, `blobs/sha256/…`) and a `manifest.json` in one tar.
//!
//! Blobs are staged in a temp directory beside the archive; at commit the tar is built
//! in a temp file beside it and renamed over it, so a failed run leaves nothing.
//!
//! When the root is an index, `manifest.json` (which `docker load` uses when it does not
//! read the OCI index) lists one image: the host platform's, else the first runnable one.
//! `RepoTags` can name only one image per tag, and Docker's classic store runs only the
//! host's; the OCI index in the same archive keeps every platform.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use kiln_types::{ImageRef, Platform};
use serde_json::json;

use crate::layout::{BlobStore, CONTAINERD_NAME, LAYOUT_HEADER, REF_NAME};
use crate::manifest::{Descriptor, ImageIndex, ImageManifest, Parsed, RawManifest};
use crate::media_type::ManifestKind;
use crate::source::ImageDestination;
use crate::{Error, IoContext, Result};

/// Writes one image (or index) into a new docker-archive file.
#[derive(Debug)]
pub struct ArchiveDestination {
    file: PathBuf,
    name: String,
    repo_tag: Option<ImageRef>,
    repo_tag_text: Option<String>,
    store: BlobStore,
    _staging: tempfile::TempDir,
}

impl ArchiveDestination {
    /// Prepares to write `file`, tagging the image `repo_tag` (`app:1`; a bare `app`
    /// means `app:latest`, as Docker reads it).
    pub fn create(file: &Path, repo_tag: Option<String>) -> Result<ArchiveDestination> {
        let name = match &repo_tag {
            Some(t) => format!("docker-archive:{}:{t}", file.display()),
            None => format!("docker-archive:{}", file.display()),
        };
        let (repo_tag, repo_tag_text) = match repo_tag {
            None => (None, None),
            Some(text) => {
                let parsed: ImageRef =
                    text.parse()
                        .map_err(|e: kiln_types::ImageRefError| Error::InvalidTarget {
                            input: name.clone(),
                            reason: format!("the image name is not a reference: {e}"),
                        })?;
                if parsed.digest().is_some() {
                    return Err(Error::InvalidTarget {
                        input: name,
                        reason: "an archive image is named by a tag, not a digest".to_owned(),
                    });
                }
                match parsed.tag() {
                    Some(_) => (Some(parsed), Some(text)),
                    None => {
                        let tagged =
                            parsed
                                .with_tag("latest")
                                .map_err(|e| Error::InvalidTarget {
                                    input: name.clone(),
                                    reason: e.to_string(),
                                })?;
                        (Some(tagged), Some(format!("{text}:latest")))
                    }
                }
            }
        };
        if file.is_dir() {
            return Err(Error::InvalidTarget {
                input: name,
                reason: "it is a directory, not an archive file".to_owned(),
            });
        }
        let parent = parent_of(file);
        let staging = tempfile::Builder::new()
            .prefix(".kiln-archive-")
            .tempdir_in(&parent)
            .at(&parent)?;
        let store = BlobStore::new(staging.path(), &name)?;
        Ok(ArchiveDestination {
            file: file.to_owned(),
            name,
            repo_tag,
            repo_tag_text,
            store,
            _staging: staging,
        })
    }

    fn read_staged(&self, desc: &Descriptor) -> Result<RawManifest> {
        let path = self.store.path(desc);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NotFound {
                    what: format!("{}: manifest {} was not written", self.name, desc.digest),
                });
            }
            Err(e) => return Err(Error::io(path, e)),
        };
        RawManifest::verified(Some(&desc.media_type), bytes, &desc.digest, &self.name)
    }

    /// The image `manifest.json` describes (see the module docs for an index).
    fn classic_image(&self, root: &RawManifest) -> Result<ImageManifest> {
        let mut current = root.clone();
        for _ in 0..4 {
            match current.parse(&self.name)? {
                Parsed::Image(m) => return Ok(*m),
                Parsed::Index(index) => current = self.read_staged(&self.pick(&index)?)?,
            }
        }
        Err(Error::InvalidManifest {
            what: self.name.clone(),
            reason: "indexes nested too deep".to_owned(),
        })
    }

    fn pick(&self, index: &ImageIndex) -> Result<Descriptor> {
        let runnable: Vec<&Descriptor> = index
            .manifests
            .iter()
            .filter(|d| ManifestKind::of(&d.media_type).is_some())
            .filter(|d| !d.annotations.contains_key("vnd.docker.reference.type"))
            .filter(|d| {
                d.platform
                    .as_ref()
                    .is_none_or(|p| p.os != "unknown" && p.architecture != "unknown")
            })
            .filter(|d| self.store.has(d))
            .collect();
        let host = Platform::host();
        runnable
            .iter()
            .find(|d| {
                d.platform
                    .as_ref()
                    .is_some_and(|p| host.accepts(&p.platform()))
            })
            .or(runnable.first())
            .map(|d| (*d).clone())
            .ok_or_else(|| Error::InvalidManifest {
                what: self.name.clone(),
                reason: "the index lists no runnable image whose manifest was written".to_owned(),
            })
    }

    fn manifest_json(&self, image: &ImageManifest) -> Result<Vec<u8>> {
        let blob_name = |d: &Descriptor| -> Result<String> {
            if !self.store.has(d) {
                return Err(Error::NotFound {
                    what: format!("{}: blob {} was not written", self.name, d.digest),
                });
            }
            Ok(format!(
                "blobs/{}/{}",
                d.digest.algorithm().name(),
                d.digest.hex()
            ))
        };
        let layers: Vec<String> = image.layers.iter().map(blob_name).collect::<Result<_>>()?;
        let repo_tags: Vec<&str> = self.repo_tag_text.iter().map(String::as_str).collect();
        let manifest = json!([{
            "Config": blob_name(&image.config)?,
            "RepoTags": repo_tags,
            "Layers": layers,
        }]);
        serde_json::to_vec(&manifest).map_err(|e| self.invalid(e))
    }

    fn index_json(&self, root: &RawManifest) -> Result<Vec<u8>> {
        let mut entry = root.descriptor();
        if let Some(r) = &self.repo_tag {
            entry
                .annotations
                .insert(CONTAINERD_NAME.to_owned(), r.to_string());
            if let Some(tag) = r.tag() {
                entry
                    .annotations
                    .insert(REF_NAME.to_owned(), tag.to_owned());
            }
        }
        let mut index = ImageIndex::empty();
        index.manifests.push(entry);
        serde_json::to_vec(&index).map_err(|e| self.invalid(e))
    }

    fn invalid(&self, e: serde_json::Error) -> Error {
        Error::InvalidManifest {
            what: self.name.clone(),
            reason: e.to_string(),
        }
    }

    fn write_tar(&self, generated: Vec<(String, Vec<u8>)>) -> Result<()> {
        let mut members: Vec<(String, Source)> = generated
            .into_iter()
            .map(|(n, b)| (n, Source::Bytes(b)))
            .collect();
        let blobs = self.store.root().join("blobs");
        for alg in fs::read_dir(&blobs).at(&blobs)? {
            let alg = alg.at(&blobs)?;
            let alg_name = alg.file_name().to_string_lossy().into_owned();
            members.push((format!("blobs/{alg_name}/"), Source::Dir));
            for blob in fs::read_dir(alg.path()).at(alg.path())? {
                let blob = blob.at(alg.path())?;
                let blob_name = blob.file_name().to_string_lossy().into_owned();
                if blob_name.starts_with('.') {
                    continue; // a temp file of a failed put
                }
                members.push((
                    format!("blobs/{alg_name}/{blob_name}"),
                    Source::File(blob.path()),
                ));
            }
        }
        members.push(("blobs/".to_owned(), Source::Dir));
        members.sort_by(|a, b| a.0.cmp(&b.0));

        let parent = parent_of(&self.file);
        let tmp = tempfile::Builder::new()
            .prefix(".kiln-archive-")
            .suffix(".tar")
            .tempfile_in(&parent)
            .at(&parent)?;
        let mut builder = tar::Builder::new(std::io::BufWriter::new(tmp.as_file()));
        for (path, source) in &members {
            let mut header = tar::Header::new_ustar();
            header.set_mtime(0);
            header.set_uid(0);
            header.set_gid(0);
            let result = match source {
                Source::Dir => {
                    header.set_entry_type(tar::EntryType::Directory);
                    header.set_mode(0o755);
                    header.set_size(0);
                    builder.append_data(&mut header, path, std::io::empty())
                }
                Source::Bytes(bytes) => {
                    header.set_entry_type(tar::EntryType::Regular);
                    header.set_mode(0o644);
                    header.set_size(bytes.len() as u64);
                    builder.append_data(&mut header, path, &bytes[..])
                }
                Source::File(file_path) => {
                    let file = File::open(file_path).at(file_path)?;
                    let size = file.metadata().at(file_path)?.len();
                    header.set_entry_type(tar::EntryType::Regular);
                    header.set_mode(0o644);
                    header.set_size(size);
                    builder.append_data(&mut header, path, file)
                }
            };
            result.at(tmp.path())?;
        }
        let mut out = builder.into_inner().at(tmp.path())?;
        out.flush().at(tmp.path())?;
        drop(out);
        tmp.as_file().sync_all().at(tmp.path())?;
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o644)).at(tmp.path())?;
        }
        tmp.persist(&self.file)
            .map_err(|e| Error::io(&self.file, e.error))?;
        Ok(())
    }
}

enum Source {
    Dir,
    Bytes(Vec<u8>),
    File(PathBuf),
}

fn parent_of(file: &Path) -> PathBuf {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

impl ImageDestination for ArchiveDestination {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn has_blob(&self, desc: &Descriptor) -> Result<bool> {
        Ok(self.store.has(desc))
    }

    fn put_blob(&self, desc: &Descriptor, data: &mut dyn Read) -> Result<()> {
        self.store.put(desc, data)
    }

    fn put_manifest(&self, raw: &RawManifest) -> Result<()> {
        self.store.put_bytes(&raw.descriptor(), &raw.bytes)
    }

    fn commit(self: Box<Self>, root: &RawManifest) -> Result<()> {
        self.put_manifest(root)?;
        let image = self.classic_image(root)?;
        let generated = vec![
            ("oci-layout".to_owned(), LAYOUT_HEADER.to_vec()),
            ("index.json".to_owned(), self.index_json(root)?),
            ("manifest.json".to_owned(), self.manifest_json(&image)?),
        ];
        self.write_tar(generated)?;
        tracing::debug!(target = %self.name, digest = %root.digest, "docker-archive written");
        Ok(())
    }
}
