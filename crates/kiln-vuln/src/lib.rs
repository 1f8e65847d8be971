//! Vulnerability data and matching: advisories read from OSV (JSON/YAML,
//! files, directories, zips), the Debian security tracker (JSON and DSA/DLA
//! lists) and Alpine secdb; an on-disk database of them; and exact matching
//! of installed packages.
//!
//! Data flow: [`import::read_source`] (one input → [`import::SourceData`] of
//! checked [`Advisory`] records) → [`db::import`] (atomic write) →
//! [`Database::open`] → [`Database::query`] (one package → [`Match`]es).
//! [`update::fetch`] gets sources over HTTP for the same import.

pub mod advisory;
pub mod cvss;
pub mod db;
mod error;
pub mod import;
pub mod matcher;
pub mod raw;
pub mod release;
pub mod report;
pub mod scan;
pub mod severity;
mod stored;
pub mod update;
pub mod vex;

pub use advisory::{Advisory, AffectedPackage, AffectedRange, DistroStatus, Status};
pub use db::{Database, ImportOptions, SourceInfo};
pub use error::{Result, VulnError};
pub use matcher::{Evidence, Match, PackageQuery, Reason, SourcePackage};
pub use scan::{Finding, ScanReport, scan};
pub use severity::{Rating, Severity, SeverityKind};
pub use vex::{VexDocument, VexStatement, VexStatus};
