//! The merged filesystem view over an image's layers: whiteouts applied, links resolved
//! inside the image, and for every path the layer that last wrote it. Streamed: nothing
//! is extracted to disk.
