//! The errors of image assembly; each names the input it is about.

use std::path::PathBuf;

/// What can go wrong while assembling, hardening or writing an image.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("reading {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("package {deb}: {source}")]
    Deb {
        deb: PathBuf,
        #[source]
        source: kiln_debian::deb::DebError,
    },
    #[error("package {package}: {reason}")]
    Package { package: String, reason: String },
    #[error("path {path}: {reason}")]
    Path { path: String, reason: String },
    #[error("accounts: {reason}")]
    Accounts { reason: String },
    #[error("{what}: {reason}")]
    Invalid { what: String, reason: String },
    #[error("{architecture} image is not reproducible: built twice, got {first} and {second}")]
    NotReproducible {
        architecture: String,
        first: String,
        second: String,
    },
    #[error(transparent)]
    Oci(#[from] kiln_oci::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
