//! docker-archive tars (`docker save` classic and Docker ≥25 combined forms): reading and
//! writing.
//!
//! Reading indexes the tar once and reads members in place by offset; member names are
//! lookup keys only, never filesystem paths. Writing produces the combined form: an OCI
//! layout and a `manifest.json` in one tar, so `docker load` takes it and manifest digests
//! are kept byte for byte.

mod classic;
mod members;
mod read;
mod write;

pub use read::ArchiveSource;
pub use write::ArchiveDestination;
