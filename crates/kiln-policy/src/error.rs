//! The errors of this crate. Each names the input it is about: the policy file (with
//! line and column for Rego errors), the preset, the target.

/// Everything that can go wrong loading policies, assembling evidence or deciding.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// A policy's Rego does not parse or compile; `location` is `file:line:col`.
    #[error("{location}: {message}")]
    Syntax {
        /// `file:line:col` of the problem (just the file when the engine gave no position).
        location: String,
        /// What is wrong, one line.
        message: String,
    },
    /// A policy could not be evaluated (a runtime error, a missing `deny` rule, a
    /// `deny` entry of the wrong shape).
    #[error("policy {policy}: {reason}")]
    Evaluation {
        /// The policy's name.
        policy: String,
        /// What went wrong.
        reason: String,
    },
    /// No preset has this name.
    #[error("unknown preset {name:?} (known: {known})")]
    UnknownPreset {
        /// The name asked for.
        name: String,
        /// The presets there are, comma-separated.
        known: String,
    },
    /// A policy file could not be read.
    #[error("cannot read policy {path}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The data document (parameters) is not usable.
    #[error("policy data {what}: {reason}")]
    Data {
        /// Where the data came from.
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// An evidence document is not one this version reads.
    #[error("evidence {what}: {reason}")]
    Evidence {
        /// Where the document came from.
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// Reading the image failed.
    #[error(transparent)]
    Image(#[from] kiln_oci::Error),
    /// Cataloguing the image failed.
    #[error(transparent)]
    Sbom(#[from] kiln_sbom::Error),
    /// Scanning the inventory failed.
    #[error(transparent)]
    Vuln(#[from] kiln_vuln::VulnError),
    /// Finding or verifying signatures failed for a reason other than "nothing verifies".
    #[error(transparent)]
    Attest(#[from] kiln_attest::Error),
}

/// This crate's result.
pub type Result<T, E = PolicyError> = std::result::Result<T, E>;
