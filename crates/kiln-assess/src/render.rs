//! The assessment as people and machines read it: a text report, JSON
//! (`schema: "kiln.assess/v1"`), SARIF 2.1.0, Markdown, and a standalone HTML page.

mod html;
mod json;
mod markdown;
mod sarif;
mod text;

pub use html::html;
pub use json::json;
pub use markdown::markdown;
pub use sarif::sarif;
pub use text::text;

use crate::CheckResult;
use crate::practice::{question, recommendation};

/// What reports say where the catalog is missing.
pub const NEEDS_CATALOG: &str =
    "the incident list needs the compromise catalog (--catalog FILE or KILN_CATALOG)";

/// `SC-03 Prevent committing secrets (Moderate–High)`, one per recommendation.
pub fn recommendations(c: &CheckResult) -> Vec<String> {
    c.info
        .recommendations
        .iter()
        .map(|id| match recommendation(id) {
            Some(r) => format!("{id} {} ({})", r.title, r.assurance.label()),
            None => (*id).to_owned(),
        })
        .collect()
}

/// `AQ-02 Do hooks or scans stop secrets from being committed?`, one per question.
pub fn questions(c: &CheckResult) -> Vec<String> {
    c.info
        .questions
        .iter()
        .map(|id| format!("{id} {}", question(id).unwrap_or("")))
        .collect()
}

/// The compromise types, comma-separated (or a note that it is a compliance control).
pub fn types(c: &CheckResult) -> String {
    if c.info.types.is_empty() {
        return "none (a compliance control)".into();
    }
    c.info
        .types
        .iter()
        .map(|t| t.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `path:line` or `(repository)` or `path (commit abc)`.
pub fn location(f: &crate::check::Finding) -> String {
    let mut s = f.path.clone().unwrap_or_else(|| "(repository)".into());
    if let Some(line) = f.line {
        s.push_str(&format!(":{line}"));
    }
    s
}
