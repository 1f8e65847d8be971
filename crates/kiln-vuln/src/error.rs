//! The errors of this crate. Each names the input it is about.

use std::path::PathBuf;

/// Everything that can go wrong reading advisories, writing or querying the database.
#[derive(Debug, thiserror::Error)]
pub enum VulnError {
    /// One advisory record is not usable; importers skip it and warn.
    #[error("invalid advisory {record}: {reason}")]
    InvalidRecord {
        /// The record id, or the file it came from when the id is unknown.
        record: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An input path could not be read at all.
    #[error("cannot read {path}")]
    Read {
        /// The offending path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// An input is not a zip archive although its name says so, or a member is unreadable.
    #[error("cannot read zip archive {path}")]
    Zip {
        /// The offending archive.
        path: PathBuf,
        /// Why.
        #[source]
        source: zip::result::ZipError,
    },
    /// An input held no advisory data kiln can read.
    #[error("{path} holds no advisory records kiln can read")]
    NoRecords {
        /// The offending input.
        path: PathBuf,
    },
    /// The database file could not be opened, read or written.
    #[error("advisory database {path}: {what}")]
    Database {
        /// The database file.
        path: PathBuf,
        /// The operation that failed.
        what: &'static str,
        /// Why.
        #[source]
        source: rusqlite::Error,
    },
    /// The database file exists but was written by another schema version.
    #[error(
        "advisory database {path} has schema version {found}, kiln needs {expected}; run `kiln db import` again"
    )]
    Schema {
        /// The database file.
        path: PathBuf,
        /// What it holds.
        found: String,
        /// What this build reads.
        expected: u32,
    },
    /// There is no database yet.
    #[error("no advisory database at {path}; run `kiln db import` first")]
    Missing {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// Writing or renaming the new database file failed.
    #[error("cannot write advisory database {path}")]
    Write {
        /// The file being written.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A stored record no longer decodes (a corrupted database).
    #[error("stored advisory {id} is corrupt: {reason}")]
    Corrupt {
        /// The record id.
        id: String,
        /// What failed.
        reason: String,
    },
    /// The installed version does not parse in the ecosystem's scheme.
    #[error("installed version {version:?} of {package}")]
    InstalledVersion {
        /// The package.
        package: String,
        /// The version as given.
        version: String,
        /// Why it does not parse.
        #[source]
        source: kiln_version::VersionError,
    },
    /// A configured update source is not usable.
    #[error("update source {name:?}: {reason}")]
    Remote {
        /// The source's name as given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A sources file is not usable.
    #[error("sources file {path}: {reason}")]
    Config {
        /// The file.
        path: PathBuf,
        /// Every problem in it.
        reason: String,
    },
    /// Fetching a source failed.
    #[error("fetching source {name:?} from {url}: {reason}")]
    Fetch {
        /// The source.
        name: String,
        /// Its URL.
        url: String,
        /// What failed.
        reason: String,
    },
    /// A fetched body does not have the pinned digest.
    #[error("source {name:?} from {url} has digest {actual}, expected {expected}")]
    Digest {
        /// The source.
        name: String,
        /// Its URL.
        url: String,
        /// The pinned digest.
        expected: String,
        /// The body's digest.
        actual: String,
    },
    /// A VEX document is not one kiln can read.
    #[error("VEX document {document}: {reason}")]
    Vex {
        /// The document (its file name).
        document: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// This crate's result type.
pub type Result<T, E = VulnError> = std::result::Result<T, E>;
