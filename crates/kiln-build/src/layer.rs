//! One reproducible layer from a [`Rootfs`]: entries in sorted order, owners as the tree
//! says (0 unless an account owns the path), every mtime the build epoch, no PAX
//! timestamps, and gzip with a fixed header (mtime 0, no name).

use kiln_types::Digest;

use crate::Result;
use crate::rootfs::Rootfs;

/// A written layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// The gzip-compressed tar, as stored in the image.
    pub compressed: Vec<u8>,
    /// The digest of `compressed` (the manifest's layer digest).
    pub digest: Digest,
    /// The digest of the uncompressed tar (the config's `diff_id`).
    pub diff_id: Digest,
}

/// Writes `root` as one gzip layer with every mtime set to `epoch`.
pub fn write(root: &Rootfs, epoch: u64) -> Result<Layer> {
    let _ = (root, epoch);
    Err(crate::Error::Invalid {
        what: "layer".to_owned(),
        reason: "not implemented yet".to_owned(),
    })
}
