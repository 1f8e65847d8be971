//! Copying an image between any two places, manifest digests kept byte for byte.

/// Progress of a copy, reported by the library and shown by the CLI.
pub trait CopyReporter: Send + Sync {
    /// A blob is about to be copied.
    fn on_blob_start(&self, _desc: &crate::manifest::Descriptor) {}
    /// A blob is done (copied, mounted or already present).
    fn on_blob_done(&self, _desc: &crate::manifest::Descriptor, _skipped: bool) {}
}
