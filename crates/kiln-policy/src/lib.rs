//! Deciding whether an image may run: Rego policies (evaluated by the pure-Rust engine
//! regorus) over one evidence document per image.
//!
//! - [`evidence`]: the document (schema `kiln.dev/evidence/v1`, documented in
//!   `docs/policy/evidence.md`) and its [`evidence::builder`], which assembles it from a
//!   target: config and user, file facts over the merged filesystem, the SBOM, the
//!   vulnerability findings with VEX applied and their age, the verified signatures and
//!   attestations, the SLSA provenance.
//! - [`policy`]: a policy (a [`preset`] or a user's file), parsed on load; errors carry
//!   `file:line:col`.
//! - [`engine`]: one policy over one document → its [`engine::Outcome`], every denial
//!   with its rule, reason and evidence.
//! - [`decision`]: outcomes combined all-of or any-of; an empty set denies.
//!
//! This crate never prints; it logs with `tracing`.

pub mod decision;
pub mod engine;
mod error;
pub mod evidence;
pub mod policy;
pub mod preset;

pub use decision::{Decision, Mode, combine};
pub use engine::{Denial, Outcome};
pub use error::{PolicyError, Result};
pub use evidence::Evidence;
pub use policy::Policy;

/// Evaluates every policy over `evidence` and decides under `mode`. `params` becomes
/// `data.params` for every policy.
pub fn decide(
    policies: &[Policy],
    evidence: &Evidence,
    params: &serde_json::Value,
    mode: Mode,
) -> Result<Decision> {
    let input = serde_json::to_value(evidence).map_err(|e| PolicyError::Evidence {
        what: evidence.image.reference.clone(),
        reason: e.to_string(),
    })?;
    let mut outcomes = Vec::with_capacity(policies.len());
    for p in policies {
        let outcome = engine::evaluate(p, &input, params)?;
        tracing::debug!(policy = %p.name, denials = outcome.denials.len(), "evaluated");
        outcomes.push(outcome);
    }
    Ok(Decision::new(
        mode,
        &evidence.image.reference,
        &evidence.image.digest,
        outcomes,
    ))
}
