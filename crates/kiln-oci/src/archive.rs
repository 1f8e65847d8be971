//! docker-archive tars (`docker save` classic and Docker ≥25 combined forms): reading and writing.

use std::io::Read;
use std::path::Path;

use crate::manifest::{Descriptor, RawManifest};
use crate::source::{ImageDestination, ImageSource};
use crate::{Error, Result};

/// Reads one image from a layout.
#[derive(Debug)]
pub struct ArchiveSource {}

impl ArchiveSource {
    pub fn open(dir: &Path, _reference: Option<&str>) -> Result<ArchiveSource> {
        Err(Error::Unsupported {
            what: dir.display().to_string(),
            reason: "not yet".into(),
        })
    }
}

impl ImageSource for ArchiveSource {
    fn name(&self) -> String {
        String::new()
    }
    fn root_manifest(&self) -> Result<RawManifest> {
        Err(Error::Unsupported {
            what: String::new(),
            reason: "not yet".into(),
        })
    }
    fn manifest(&self, _desc: &Descriptor) -> Result<RawManifest> {
        Err(Error::Unsupported {
            what: String::new(),
            reason: "not yet".into(),
        })
    }
    fn blob_stream(&self, _desc: &Descriptor) -> Result<Box<dyn Read + Send + '_>> {
        Err(Error::Unsupported {
            what: String::new(),
            reason: "not yet".into(),
        })
    }
}

/// Writes one image into a layout (new or existing).
#[derive(Debug)]
pub struct ArchiveDestination {}

impl ArchiveDestination {
    pub fn create(dir: &Path, _repo_tag: Option<String>) -> Result<ArchiveDestination> {
        Err(Error::Unsupported {
            what: dir.display().to_string(),
            reason: "not yet".into(),
        })
    }
}

impl ImageDestination for ArchiveDestination {
    fn name(&self) -> String {
        String::new()
    }
    fn has_blob(&self, _desc: &Descriptor) -> Result<bool> {
        Ok(false)
    }
    fn put_blob(&self, _desc: &Descriptor, _data: &mut dyn Read) -> Result<()> {
        Err(Error::Unsupported {
            what: String::new(),
            reason: "not yet".into(),
        })
    }
    fn put_manifest(&self, _raw: &RawManifest) -> Result<()> {
        Err(Error::Unsupported {
            what: String::new(),
            reason: "not yet".into(),
        })
    }
    fn commit(self: Box<Self>, _root: &RawManifest) -> Result<()> {
        Err(Error::Unsupported {
            what: String::new(),
            reason: "not yet".into(),
        })
    }
}
