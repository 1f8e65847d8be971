//! Errors of the assessment: the repository, the catalog and the advisory database.

use std::path::PathBuf;

/// What went wrong, naming the input.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read.
    #[error("reading {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The repository directory is missing or not a directory.
    #[error("{path}: not a directory")]
    NotADirectory {
        /// The path given.
        path: PathBuf,
    },
    /// The compromise catalog is not the expected JSON.
    #[error("{name}: not a compromise catalog: {message}")]
    Catalog {
        /// The catalog file.
        name: String,
        /// The parser's message.
        message: String,
    },
    /// Cataloguing the lock files failed.
    #[error("cataloguing the lock files of {path}")]
    Sbom {
        /// The repository.
        path: PathBuf,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Matching against the advisory database failed.
    #[error("scanning the locked dependencies")]
    Vuln(#[from] kiln_vuln::VulnError),
    /// Staging the lock files in a temporary directory failed.
    #[error("staging lock files in {path}")]
    Stage {
        /// The staging path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// The crate's result.
pub type Result<T> = std::result::Result<T, Error>;
