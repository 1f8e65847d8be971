//! Writing an image as a root filesystem directory: blobs are staged next to the
//! destination, and on commit the image is unpacked safely into a staging directory
//! that is then renamed into place. On failure nothing is left at the destination.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use kiln_types::{Digest, Platform};

use crate::blob::{VerifyingReader, into_error};
use crate::manifest::{Descriptor, RawManifest};
use crate::source::{ImageDestination, ImageSource};
use crate::{Error, Image, IoContext, Result};

/// Writes one image as a root filesystem directory.
#[derive(Debug)]
pub struct DirDestination {
    dest: PathBuf,
    parent: PathBuf,
    platform: Option<Platform>,
    blobs: tempfile::TempDir,
    manifests: Mutex<HashMap<Digest, RawManifest>>,
}

impl DirDestination {
    /// `dir` must not exist or be an empty directory; its parent must exist.
    pub fn create(dir: &Path, platform: Option<Platform>) -> Result<DirDestination> {
        let bad = |reason: &str| Error::InvalidTarget {
            input: format!("dir:{}", dir.display()),
            reason: reason.to_owned(),
        };
        match std::fs::symlink_metadata(dir) {
            Ok(m) if m.is_dir() => {
                if std::fs::read_dir(dir).at(dir)?.next().is_some() {
                    return Err(bad("the directory exists and is not empty"));
                }
            }
            Ok(_) => return Err(bad("exists and is not a directory")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(dir, e)),
        }
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        let blobs = tempfile::Builder::new()
            .prefix(".kiln-blobs-")
            .tempdir_in(&parent)
            .at(&parent)?;
        Ok(DirDestination {
            dest: dir.to_owned(),
            parent,
            platform,
            blobs,
            manifests: Mutex::new(HashMap::new()),
        })
    }

    fn blob_path(&self, digest: &Digest) -> PathBuf {
        blob_path(self.blobs.path(), digest)
    }
}

fn blob_path(dir: &Path, digest: &Digest) -> PathBuf {
    dir.join(format!("{}-{}", digest.algorithm().name(), digest.hex()))
}

impl ImageDestination for DirDestination {
    fn name(&self) -> String {
        format!("dir:{}", self.dest.display())
    }

    fn has_blob(&self, desc: &Descriptor) -> Result<bool> {
        Ok(self.blob_path(&desc.digest).is_file())
    }

    fn put_blob(&self, desc: &Descriptor, data: &mut dyn Read) -> Result<()> {
        let path = self.blob_path(&desc.digest);
        let what = format!("{} blob {}", self.name(), desc.digest);
        let mut tmp = tempfile::NamedTempFile::new_in(self.blobs.path()).at(self.blobs.path())?;
        let mut verifying = VerifyingReader::new(data, desc, what.clone());
        std::io::copy(&mut verifying, &mut tmp).map_err(|e| into_error(e, &what))?;
        tmp.persist(&path).map_err(|e| Error::io(&path, e.error))?;
        Ok(())
    }

    fn put_manifest(&self, raw: &RawManifest) -> Result<()> {
        if let Ok(mut m) = self.manifests.lock() {
            m.insert(raw.digest.clone(), raw.clone());
        }
        Ok(())
    }

    fn commit(self: Box<Self>, root: &RawManifest) -> Result<()> {
        let staged = Staged {
            name: self.name(),
            blobs: self.blobs.path().to_owned(),
            root: root.clone(),
            manifests: self.manifests.lock().map(|m| m.clone()).unwrap_or_default(),
        };
        let image = Image::resolve(&staged, self.platform.as_ref())?;
        let rootfs = tempfile::Builder::new()
            .prefix(".kiln-rootfs-")
            .tempdir_in(&self.parent)
            .at(&self.parent)?;
        let stats = crate::unpack::unpack_image(&staged, &image, rootfs.path())?;
        tracing::info!(dest = %self.dest.display(), files = stats.files, "root filesystem unpacked");
        if self.dest.is_dir() {
            // Checked empty at create; `remove_dir` fails if something appeared since.
            std::fs::remove_dir(&self.dest).at(&self.dest)?;
        }
        let staged_dir = rootfs.keep();
        if let Err(e) = std::fs::rename(&staged_dir, &self.dest) {
            let _ = std::fs::remove_dir_all(&staged_dir);
            return Err(Error::io(&self.dest, e));
        }
        Ok(())
    }
}

/// The staged blobs and manifests, read back as a source for unpacking.
struct Staged {
    name: String,
    blobs: PathBuf,
    root: RawManifest,
    manifests: HashMap<Digest, RawManifest>,
}

impl ImageSource for Staged {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn root_manifest(&self) -> Result<RawManifest> {
        Ok(self.root.clone())
    }

    fn manifest(&self, desc: &Descriptor) -> Result<RawManifest> {
        if desc.digest == self.root.digest {
            return Ok(self.root.clone());
        }
        self.manifests
            .get(&desc.digest)
            .cloned()
            .ok_or_else(|| Error::NotFound {
                what: format!("{} manifest {}", self.name, desc.digest),
            })
    }

    fn blob_stream(&self, desc: &Descriptor) -> Result<Box<dyn Read + Send + '_>> {
        let path = blob_path(&self.blobs, &desc.digest);
        match std::fs::File::open(&path) {
            Ok(f) => Ok(Box::new(f)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::NotFound {
                what: format!("{} blob {}", self.name, desc.digest),
            }),
            Err(e) => Err(Error::io(path, e)),
        }
    }
}
