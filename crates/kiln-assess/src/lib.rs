//! Assessment of a source repository against the CNCF Software Supply Chain Best
//! Practices, from a checkout alone: lock files, pinning, known-vulnerable locked
//! dependencies (through kiln-sbom and kiln-vuln), CI workflows, Dockerfiles, secrets in
//! the tree and history, signed commits and tags, CODEOWNERS, policies, binaries, package
//! names, reproducible builds and provenance.
//!
//! Every check ([`check::CheckInfo`]) names the paper's recommendations it answers
//! ([`practice`]), the assessment questions, the compromise types a failure leaves open
//! and, given the catalog ([`compromise::Catalog`]), the real incidents of those types.
//! What needs the hosting platform's API is listed in [`scorecard`] as not decidable,
//! never guessed. [`render`] writes the result as text, JSON, SARIF 2.1.0, Markdown or a
//! standalone HTML page. This crate never prints.

mod assessment;
pub mod check;
mod checks;
pub mod compromise;
mod dockerfile;
mod error;
mod owners;
mod pipeline;
mod popular;
pub mod practice;
pub mod render;
mod repo;
pub mod scorecard;

pub use assessment::{Assessment, CheckResult, INCIDENTS_SHOWN, Options, SectionScore, assess};
pub use compromise::{Catalog, CompromiseType, Incident};
pub use error::{Error, Result};

/// Every check's description, in report order.
pub fn checks() -> Vec<&'static check::CheckInfo> {
    checks::all().into_iter().map(|(info, _)| info).collect()
}
