//! Where images are read from and written to: the two traits every place implements.

use std::io::Read;

use kiln_types::ImageRef;

use crate::Result;
use crate::blob::{self, VerifyingReader};
use crate::manifest::{Descriptor, RawManifest};

/// A readable place holding one image (or index): a layout, an archive, a registry, a
/// directory.
pub trait ImageSource: Send + Sync {
    /// How the user named this place, for messages (`oci:out:1.0`).
    fn name(&self) -> String;

    /// The manifest or index the target names, bytes exactly as stored.
    fn root_manifest(&self) -> Result<RawManifest>;

    /// A manifest named by an index entry; the bytes are checked against its digest.
    fn manifest(&self, desc: &Descriptor) -> Result<RawManifest>;

    /// The blob's bytes as stored, not yet verified. Use [`open_blob`] or [`read_blob`],
    /// which verify.
    fn blob_stream(&self, desc: &Descriptor) -> Result<Box<dyn Read + Send + '_>>;

    /// The tag the source names, if any, so a destination without one can keep it.
    fn tag(&self) -> Option<String> {
        None
    }

    /// The registry repository this source reads from, so a destination in the same
    /// registry can mount blobs instead of copying them.
    fn registry_location(&self) -> Option<&ImageRef> {
        None
    }
}

/// A writable place. Nothing is visible to readers until [`ImageDestination::commit`].
pub trait ImageDestination: Send + Sync {
    /// How the user named this place, for messages.
    fn name(&self) -> String;

    /// Whether the blob is already present (so a copy can skip it).
    fn has_blob(&self, desc: &Descriptor) -> Result<bool>;

    /// Stores a blob. Implementations must verify digest and size while writing and must
    /// not keep a blob that fails verification.
    fn put_blob(&self, desc: &Descriptor, data: &mut dyn Read) -> Result<()>;

    /// Tries to get the blob by mounting it from another repository of the same registry.
    /// Returns false when that is not possible here; the caller then copies it.
    fn mount_blob(&self, _desc: &Descriptor, _from: &ImageRef) -> Result<bool> {
        Ok(false)
    }

    /// Stores a manifest that the root refers to (an index's children), by digest.
    fn put_manifest(&self, raw: &RawManifest) -> Result<()>;

    /// Stores `root` as the image this destination names and makes everything visible.
    fn commit(self: Box<Self>, root: &RawManifest) -> Result<()>;
}

/// Opens a blob for streaming; the digest and size are checked when the stream ends.
pub fn open_blob<'a>(
    src: &'a dyn ImageSource,
    desc: &Descriptor,
) -> Result<VerifyingReader<Box<dyn Read + Send + 'a>>> {
    let what = format!("{} blob {}", src.name(), desc.digest);
    Ok(VerifyingReader::new(src.blob_stream(desc)?, desc, what))
}

/// Reads a small blob (config, manifest-sized) whole, verified.
pub fn read_blob(src: &dyn ImageSource, desc: &Descriptor) -> Result<Vec<u8>> {
    let what = format!("{} blob {}", src.name(), desc.digest);
    blob::read_verified(src.blob_stream(desc)?, desc, &what)
}
