//! The image around an assembled root: the OCI config (entrypoint, cmd, env sorted,
//! workdir, user, labels, `created` = the epoch, history) and manifest, written to any
//! [`ImageDestination`]; several architectures become one index. The same inputs give
//! the same bytes, so the same manifest digest.

use kiln_oci::ImageDestination;
use kiln_oci::manifest::RawManifest;
use kiln_types::Platform;

use crate::assemble::Assembled;
use crate::input::ImageSettings;
use crate::layer::Layer;
use crate::{Error, Result};

/// One architecture's image, ready to write.
#[derive(Debug, Clone)]
pub struct BuiltImage {
    pub platform: Platform,
    pub layer: Layer,
    /// The config blob's bytes.
    pub config: Vec<u8>,
    /// The manifest, digest over exactly these bytes.
    pub manifest: RawManifest,
}

/// Builds the layer, config and manifest of `assembled`.
pub fn build(assembled: &Assembled, settings: &ImageSettings) -> Result<BuiltImage> {
    let _ = (assembled, settings);
    Err(Error::Invalid {
        what: "image".to_owned(),
        reason: "not implemented yet".to_owned(),
    })
}

/// Writes `images` to `dest` and commits: one image → its manifest is the root; several
/// → an OCI index over them (with `annotations`) is. Returns the root manifest.
pub fn write(
    images: &[BuiltImage],
    annotations: &std::collections::BTreeMap<String, String>,
    dest: Box<dyn ImageDestination>,
) -> Result<RawManifest> {
    let _ = (images, annotations, dest);
    Err(Error::Invalid {
        what: "image".to_owned(),
        reason: "not implemented yet".to_owned(),
    })
}
