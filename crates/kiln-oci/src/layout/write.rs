//! Writing one image (or index) into an OCI layout, new or existing.
//!
//! A new layout is staged in a temp directory beside its final path and renamed into
//! place at commit, so a failed run leaves nothing. An existing layout gets its blobs
//! one verified rename at a time and its `index.json` replaced atomically at commit; a
//! failed run removes the blobs it added.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::manifest::{Descriptor, RawManifest};
use crate::source::ImageDestination;
use crate::{Error, IoContext, Result};

use super::store::set_dir_mode;
use super::{BlobStore, LAYOUT_HEADER, REF_NAME, check_header, read_index, write_file_atomic};

/// Writes one image into a layout directory, tagged (or not) in its `index.json`.
#[derive(Debug)]
pub struct LayoutDestination {
    dir: PathBuf,
    name: String,
    tag: Option<String>,
    mode: Mode,
    store: BlobStore,
    committed: bool,
}

#[derive(Debug)]
enum Mode {
    /// `dir` did not exist: everything is staged here and renamed at commit.
    Staged(tempfile::TempDir),
    /// `dir` is a layout already: blobs go straight in, `index.json` is replaced.
    Existing,
    /// `dir` is an empty directory: filled in place, `oci-layout` written at commit.
    Empty,
}

impl LayoutDestination {
    /// Prepares to write into `dir`. Fails if `dir` exists and is neither an empty
    /// directory nor an OCI layout.
    pub fn create(dir: &Path, tag: Option<String>) -> Result<LayoutDestination> {
        let name = match &tag {
            Some(t) => format!("oci:{}:{t}", dir.display()),
            None => format!("oci:{}", dir.display()),
        };
        if let Some(t) = &tag
            && (t.is_empty() || t.contains(['\n', '\0']))
        {
            return Err(Error::InvalidTarget {
                input: name,
                reason: "the tag is empty or has control characters".to_owned(),
            });
        }
        let not_a_layout = |reason: &str| Error::InvalidTarget {
            input: name.clone(),
            reason: reason.to_owned(),
        };
        let mode = match fs::symlink_metadata(dir) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let parent = match dir.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                    _ => PathBuf::from("."),
                };
                let staging = tempfile::Builder::new()
                    .prefix(".kiln-layout-")
                    .tempdir_in(&parent)
                    .at(&parent)?;
                write_file_atomic(&staging.path().join("oci-layout"), LAYOUT_HEADER)?;
                Mode::Staged(staging)
            }
            Err(e) => return Err(Error::io(dir, e)),
            Ok(meta) if !meta.is_dir() && !dir.is_dir() => {
                return Err(not_a_layout("it exists and is not a directory"));
            }
            Ok(_) if dir.join("oci-layout").exists() => {
                check_header(dir, &name)?;
                // Refuse a layout whose index we could not rewrite without losing it.
                read_index(dir, &name)?;
                Mode::Existing
            }
            Ok(_) => {
                let mut entries = fs::read_dir(dir).at(dir)?;
                if entries.next().is_some() {
                    return Err(not_a_layout(
                        "the directory is not empty and is not an OCI layout (no oci-layout file)",
                    ));
                }
                Mode::Empty
            }
        };
        let root = match &mode {
            Mode::Staged(staging) => staging.path().to_path_buf(),
            Mode::Existing | Mode::Empty => dir.to_path_buf(),
        };
        let store = BlobStore::new(&root, &name)?;
        Ok(LayoutDestination {
            dir: dir.to_owned(),
            name,
            tag,
            mode,
            store,
            committed: false,
        })
    }

    fn new_index(&self, root: &RawManifest) -> Result<Vec<u8>> {
        let mut index = match self.mode {
            Mode::Existing => read_index(&self.dir, &self.name)?,
            Mode::Staged(_) | Mode::Empty => crate::manifest::ImageIndex::empty(),
        };
        let mut entry: Descriptor = root.descriptor();
        if let Some(tag) = &self.tag {
            // The tag moves to the new entry; the old entry stays, untagged, so the
            // blobs it references are still accounted for.
            for old in &mut index.manifests {
                if old.annotations.get(REF_NAME) == Some(tag) {
                    old.annotations.remove(REF_NAME);
                }
            }
            entry.annotations.insert(REF_NAME.to_owned(), tag.clone());
        }
        // An untagged entry for the same manifest is now redundant.
        index
            .manifests
            .retain(|old| old.digest != entry.digest || old.annotations.contains_key(REF_NAME));
        if self.tag.is_some() || !index.manifests.iter().any(|old| old.digest == entry.digest) {
            index.manifests.push(entry);
        }
        serde_json::to_vec(&index).map_err(|e| Error::InvalidManifest {
            what: format!("{} index.json", self.name),
            reason: e.to_string(),
        })
    }

    fn finish(&mut self, root: &RawManifest) -> Result<()> {
        self.put_manifest(root)?;
        let index = self.new_index(root)?;
        let work = self.store.root().to_path_buf();
        write_file_atomic(&work.join("index.json"), &index)?;
        match &self.mode {
            Mode::Existing => {}
            Mode::Empty => write_file_atomic(&work.join("oci-layout"), LAYOUT_HEADER)?,
            Mode::Staged(staging) => {
                for sub in ["blobs", "blobs/sha256"] {
                    set_dir_mode(&staging.path().join(sub))?;
                }
                if work.join("blobs/sha512").is_dir() {
                    set_dir_mode(&work.join("blobs/sha512"))?;
                }
                set_dir_mode(staging.path())?;
                fs::rename(staging.path(), &self.dir).at(&self.dir)?;
            }
        }
        Ok(())
    }
}

impl Drop for LayoutDestination {
    fn drop(&mut self) {
        // A staged layout is removed with its TempDir; blobs added in place go here.
        if !self.committed && !matches!(self.mode, Mode::Staged(_)) {
            self.store.remove_added();
        }
        if !self.committed && matches!(self.mode, Mode::Empty) {
            // Leave the directory as empty as it was found; these fail if not empty.
            let _ = fs::remove_dir(self.dir.join("blobs").join("sha256"));
            let _ = fs::remove_dir(self.dir.join("blobs"));
        }
    }
}

impl ImageDestination for LayoutDestination {
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

    fn commit(mut self: Box<Self>, root: &RawManifest) -> Result<()> {
        self.finish(root)?;
        self.committed = true;
        if let Mode::Staged(staging) = std::mem::replace(&mut self.mode, Mode::Existing) {
            // Renamed away already; keep the TempDir from deleting the new layout's path.
            let _ = staging.keep();
        }
        tracing::debug!(target = %self.name, digest = %root.digest, "layout written");
        Ok(())
    }
}
