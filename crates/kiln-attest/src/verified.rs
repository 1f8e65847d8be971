//! [`Verified<T>`]: a value that passed signature verification, with the keys that
//! signed it. Only this crate's verifiers construct one.

use crate::key::PublicKey;

/// A value whose signature verified under `signers` (distinct trusted keys).
#[derive(Debug, Clone)]
pub struct Verified<T> {
    value: T,
    signers: Vec<PublicKey>,
}

impl<T> Verified<T> {
    pub(crate) fn new(value: T, signers: Vec<PublicKey>) -> Verified<T> {
        Verified { value, signers }
    }

    pub fn value(&self) -> &T {
        &self.value
    }

    pub fn into_value(self) -> T {
        self.value
    }

    /// The distinct trusted keys whose signatures verified; never empty.
    pub fn signers(&self) -> &[PublicKey] {
        &self.signers
    }

    /// Carries the verification over to a value derived from the verified one.
    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> Verified<U> {
        Verified {
            value: f(self.value),
            signers: self.signers,
        }
    }

    /// As [`Verified::map`], for a derivation that can fail.
    pub(crate) fn try_map<U, E>(self, f: impl FnOnce(T) -> Result<U, E>) -> Result<Verified<U>, E> {
        Ok(Verified {
            value: f(self.value)?,
            signers: self.signers,
        })
    }
}
