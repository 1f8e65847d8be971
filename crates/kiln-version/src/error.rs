//! The one error type of this crate: a version or range that cannot be read.

use crate::Scheme;

/// A version string that does not parse in a scheme, or a range that is not
/// well formed. Always names the offending input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// The string is not a version in this scheme.
    #[error("invalid {scheme} version {input:?}: {reason}")]
    Invalid {
        /// The offending input, verbatim.
        input: String,
        /// The scheme it was read in.
        scheme: Scheme,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Two versions of different schemes were compared.
    #[error("cannot compare {left} version {left_input:?} with {right} version {right_input:?}")]
    SchemeMismatch {
        /// Scheme of the left operand.
        left: Scheme,
        /// The left operand.
        left_input: String,
        /// Scheme of the right operand.
        right: Scheme,
        /// The right operand.
        right_input: String,
    },
    /// The ecosystem name is not one kiln knows.
    #[error("unknown ecosystem {0:?}")]
    UnknownEcosystem(String),
    /// A range's events are not well formed.
    #[error("invalid range: {reason} (events: {events})")]
    InvalidRange {
        /// The events as given, rendered for the message.
        events: String,
        /// What is wrong with them.
        reason: &'static str,
    },
}

impl VersionError {
    pub(crate) fn invalid(input: &str, scheme: Scheme, reason: &'static str) -> Self {
        Self::Invalid {
            input: input.to_owned(),
            scheme,
            reason,
        }
    }
}

/// Rejects the inputs no scheme accepts: empty strings, whitespace, control
/// characters.
pub(crate) fn check_basic(input: &str, scheme: Scheme) -> Result<(), VersionError> {
    if input.is_empty() {
        return Err(VersionError::invalid(input, scheme, "empty version"));
    }
    if input.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(VersionError::invalid(
            input,
            scheme,
            "contains whitespace or control characters",
        ));
    }
    Ok(())
}
