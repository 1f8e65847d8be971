//! The one error type of kiln-attest. Every variant names the input it is about; none
//! carries private key material.

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong handling keys, envelopes, statements or signatures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A key file or key text that cannot be read as a key.
    #[error("{what}: {reason}")]
    InvalidKey { what: String, reason: String },
    /// The password does not open the encrypted key (or the key file was altered).
    #[error("{what}: wrong password or corrupted key")]
    WrongPassword { what: String },
    /// A document (envelope, statement, bundle, payload) that is malformed.
    #[error("{what}: {reason}")]
    InvalidDocument { what: String, reason: String },
    /// Verification failed: the evidence does not hold.
    #[error("{what}: {reason}")]
    Verification { what: String, reason: String },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The registry or layout holding the image and its signatures failed.
    #[error(transparent)]
    Oci(#[from] kiln_oci::Error),
}

impl Error {
    pub(crate) fn key(what: &str, reason: impl Into<String>) -> Error {
        Error::InvalidKey {
            what: what.to_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn document(what: &str, reason: impl Into<String>) -> Error {
        Error::InvalidDocument {
            what: what.to_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn verification(what: &str, reason: impl Into<String>) -> Error {
        Error::Verification {
            what: what.to_owned(),
            reason: reason.into(),
        }
    }

    /// True when this error means "the evidence does not verify", as opposed to a usage
    /// or runtime failure; the CLI maps it to exit code 1.
    pub fn is_verification_failure(&self) -> bool {
        matches!(self, Error::Verification { .. })
    }
}
