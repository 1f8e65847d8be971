//! Why a `.deb` could not be read.

/// A `.deb` that is not one, is damaged, or is larger than the limits allow.
#[derive(Debug, thiserror::Error)]
pub enum DebError {
    #[error("not a Debian package: {reason}")]
    NotADeb { reason: String },
    #[error("{member}: {reason}")]
    Member { member: String, reason: String },
    #[error("{what} is larger than the limit of {limit} bytes")]
    TooLarge { what: String, limit: u64 },
    #[error("{what}: compression {compression:?} is not supported")]
    Unsupported { what: String, compression: String },
    #[error("reading {what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

impl DebError {
    pub(crate) fn io(what: &str, source: std::io::Error) -> DebError {
        DebError::Io {
            what: what.to_owned(),
            source,
        }
    }
}
