//! Reading one image (or index) from an OCI layout.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::blob::{MAX_SMALL_BLOB, read_verified};
use crate::manifest::{Descriptor, RawManifest};
use crate::source::ImageSource;
use crate::{Error, Result};

use super::{LayoutRef, blob_path, check_header, entry_tag, read_index, select_entry};

/// Reads the image a [`LayoutRef`] names from a layout directory.
#[derive(Debug)]
pub struct LayoutSource {
    dir: PathBuf,
    name: String,
    root: RawManifest,
    tag: Option<String>,
}

impl LayoutSource {
    /// Opens `dir`, checks `oci-layout` and `index.json`, and reads and verifies the root
    /// manifest the reference names.
    pub fn open(dir: &Path, reference: LayoutRef) -> Result<LayoutSource> {
        let name = match &reference {
            LayoutRef::Default => format!("oci:{}", dir.display()),
            LayoutRef::Tag(t) => format!("oci:{}:{t}", dir.display()),
            LayoutRef::Digest(d) => format!("oci:{}@{d}", dir.display()),
        };
        check_header(dir, &name)?;
        let index = read_index(dir, &name)?;
        let entry = match select_entry(&index, &reference, &name)? {
            Some(entry) => entry,
            None => {
                let LayoutRef::Digest(digest) = &reference else {
                    return Err(Error::NotFound { what: name });
                };
                // Not in index.json, but a manifest blob of the layout (an index's child)
                // may still be named by digest.
                let path = blob_path(dir, digest);
                let size = match std::fs::metadata(&path) {
                    Ok(m) => m.len(),
                    Err(_) => {
                        return Err(Error::NotFound {
                            what: format!("{name}: digest {digest} (not in index.json or blobs)"),
                        });
                    }
                };
                Descriptor::new("", digest.clone(), size)
            }
        };
        let root = read_manifest(dir, &name, &entry)?;
        Ok(LayoutSource {
            dir: dir.to_owned(),
            tag: entry_tag(&entry).map(str::to_owned),
            name,
            root,
        })
    }

    /// The layout directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// Opens blob `desc` of the layout at `dir`; a missing blob is `NotFound` naming both.
fn open_file(dir: &Path, name: &str, desc: &Descriptor) -> Result<File> {
    let path = blob_path(dir, &desc.digest);
    match File::open(&path) {
        Ok(f) => Ok(f),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::NotFound {
            what: format!("{name}: blob {}", desc.digest),
        }),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Reads manifest `desc`, checked against its digest and size.
fn read_manifest(dir: &Path, name: &str, desc: &Descriptor) -> Result<RawManifest> {
    let what = format!("{name} manifest {}", desc.digest);
    if desc.size > MAX_SMALL_BLOB {
        return Err(Error::Unsupported {
            what,
            reason: format!("{} bytes is more than the manifest size limit", desc.size),
        });
    }
    let bytes = read_verified(open_file(dir, name, desc)?, desc, &what)?;
    let declared = Some(desc.media_type.as_str()).filter(|m| !m.is_empty());
    RawManifest::verified(declared, bytes, &desc.digest, &what)
}

impl ImageSource for LayoutSource {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn root_manifest(&self) -> Result<RawManifest> {
        Ok(self.root.clone())
    }

    fn manifest(&self, desc: &Descriptor) -> Result<RawManifest> {
        read_manifest(&self.dir, &self.name, desc)
    }

    fn blob_stream(&self, desc: &Descriptor) -> Result<Box<dyn Read + Send + '_>> {
        Ok(Box::new(open_file(&self.dir, &self.name, desc)?))
    }

    fn tag(&self) -> Option<String> {
        self.tag.clone()
    }
}
