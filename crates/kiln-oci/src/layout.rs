//! OCI image layouts on disk: reading by tag or digest, and writing atomically.

use std::io::Read;
use std::path::Path;

use kiln_types::Digest;

use crate::manifest::{Descriptor, RawManifest};
use crate::source::{ImageDestination, ImageSource};
use crate::{Error, Result};

/// Which image of a layout's `index.json` a target names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayoutRef {
    /// The only image, or the one tagged `latest`.
    Default,
    /// The entry whose `org.opencontainers.image.ref.name` is this tag.
    Tag(String),
    /// The entry with this digest.
    Digest(Digest),
}

/// Reads one image from a layout.
#[derive(Debug)]
pub struct LayoutSource {}

impl LayoutSource {
    pub fn open(dir: &Path, _reference: LayoutRef) -> Result<LayoutSource> {
        Err(Error::Unsupported {
            what: dir.display().to_string(),
            reason: "not yet".into(),
        })
    }
}

impl ImageSource for LayoutSource {
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
pub struct LayoutDestination {}

impl LayoutDestination {
    pub fn create(dir: &Path, _tag: Option<String>) -> Result<LayoutDestination> {
        Err(Error::Unsupported {
            what: dir.display().to_string(),
            reason: "not yet".into(),
        })
    }
}

impl ImageDestination for LayoutDestination {
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
