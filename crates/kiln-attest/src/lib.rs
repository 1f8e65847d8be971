//! Signatures and attestations: keys ([`key`]), DSSE envelopes ([`dsse`]), in-toto
//! statements ([`statement`]) and their predicates ([`predicate`]), cosign's simple
//! signing payload ([`simple_signing`]), Sigstore bundles ([`bundle`]), file signatures
//! ([`blob`]), and cosign's storage of signatures and attestations in registries
//! ([`cosign`]: the legacy `.sig`/`.att` tags and the v3 bundle referrers). Keyless
//! bundles (Fulcio certificate, Rekor entry) verify offline against a user-supplied
//! [`trust_root::TrustedRoot`] ([`keyless`], with [`certificate`], [`rekor`], [`sct`]
//! and [`timestamp`]).
//!
//! Verification returns [`Verified<T>`] — the payload that was signed, never a bool —
//! and fails closed on an empty key set, zero signatures or an unknown algorithm. Private
//! keys never reach `Debug`, errors or logs. This crate never prints.

pub mod blob;
pub mod bundle;
pub mod certificate;
pub mod cosign;
pub mod dsse;
mod error;
pub mod key;
pub mod keyless;
pub mod predicate;
pub mod rekor;
pub mod sct;
pub mod simple_signing;
pub mod statement;
pub mod timestamp;
pub mod trust_root;
mod verified;

pub use error::{Error, Result};
pub use verified::Verified;
