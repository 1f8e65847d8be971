//! Errors of kiln-sbom. Catalogers' errors become warnings in the inventory; only
//! reading the target itself and writing documents fail a run.

use std::path::PathBuf;

/// Something kiln-sbom could not do, naming the input.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A metadata file in the target is not what its format says.
    #[error("{path}: {reason}")]
    Metadata { path: String, reason: String },
    /// The target could not be read.
    #[error(transparent)]
    Oci(#[from] kiln_oci::Error),
    /// An SQLite database in the target could not be read.
    #[error("{path}: reading the sqlite database: {source}")]
    Sqlite {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    /// Local I/O (temporary files, output).
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A document could not be encoded.
    #[error("encoding the {format} document: {source}")]
    Encode {
        format: &'static str,
        #[source]
        source: serde_json::Error,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
