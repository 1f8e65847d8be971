//! Root filesystem directories (`dir:`): read as a one-layer image, written by safe unpacking.

use std::io::Read;
use std::path::Path;

use kiln_types::Platform;

use crate::manifest::{Descriptor, RawManifest};
use crate::source::{ImageDestination, ImageSource};
use crate::{Error, Result};

/// Reads one image from a layout.
#[derive(Debug)]
pub struct DirSource {}

impl DirSource {
    pub fn open(dir: &Path, _platform: &Platform) -> Result<DirSource> {
        Err(Error::Unsupported {
            what: dir.display().to_string(),
            reason: "not yet".into(),
        })
    }
}

impl ImageSource for DirSource {
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
pub struct DirDestination {}

impl DirDestination {
    pub fn create(dir: &Path, _platform: Option<Platform>) -> Result<DirDestination> {
        Err(Error::Unsupported {
            what: dir.display().to_string(),
            reason: "not yet".into(),
        })
    }
}

impl ImageDestination for DirDestination {
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
