//! The one error type of kiln-oci. Every variant names the input it is about.

use std::path::PathBuf;

use kiln_types::Digest;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong reading, writing or moving an image.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{what}: digest mismatch: expected {expected}, got {actual}")]
    DigestMismatch {
        what: String,
        expected: Digest,
        actual: Digest,
    },
    #[error("{what}: size mismatch: expected {expected} bytes, got {actual}")]
    SizeMismatch {
        what: String,
        expected: u64,
        actual: u64,
    },
    #[error("{what}: {reason}")]
    InvalidManifest { what: String, reason: String },
    #[error("{what}: unknown media type {media_type:?}")]
    UnknownMediaType { what: String, media_type: String },
    #[error("{what}: not found")]
    NotFound { what: String },
    #[error("{what}: no image for platform {wanted} (available: {})", available.join(", "))]
    NoMatchingPlatform {
        what: String,
        wanted: String,
        available: Vec<String>,
    },
    #[error("{what}: registry answered {status}{}", if message.is_empty() { String::new() } else { format!(": {message}") })]
    Registry {
        what: String,
        status: u16,
        message: String,
    },
    #[error("{what}: {reason}")]
    Transport { what: String, reason: String },
    #[error("{what}: authentication failed: {reason}")]
    Auth { what: String, reason: String },
    #[error("{what}: corrupt layer: {reason}")]
    Layer { what: String, reason: String },
    #[error("{what}: unsafe path {path:?}: {reason}")]
    UnsafePath {
        what: String,
        path: String,
        reason: String,
    },
    #[error("{what}: {reason}")]
    Archive { what: String, reason: String },
    #[error("target {input:?}: {reason}")]
    InvalidTarget { input: String, reason: String },
    #[error("{what}: {reason}")]
    Unsupported { what: String, reason: String },
}

impl Error {
    /// Wraps an I/O error with the path it happened at.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Adds the path to an `io::Result`.
pub trait IoContext<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T> {
        self.map_err(|e| Error::io(path, e))
    }
}
