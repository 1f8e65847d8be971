//! Writing OpenVEX v0.2: from a triage file (`kiln vex`) or from scan
//! findings (`kiln scan --format openvex`).
//!
//! A triage file is a JSON or YAML list of entries
//! `{vulnerability, aliases?, products: [purl…], status, justification?,
//! impact_statement?, action_statement?}`. OpenVEX's rules are checked:
//! `not_affected` needs a justification or an impact statement, and
//! justifications must be one of the five OpenVEX labels.

use serde::Deserialize;
use serde_json::{Value, json};

use super::VexStatus;
use crate::{Result, VulnError};

/// The OpenVEX justification labels.
pub const JUSTIFICATIONS: &[&str] = &[
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "inline_mitigations_already_exist",
];

/// One statement to write.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Triage {
    /// The vulnerability id.
    pub vulnerability: String,
    /// Other ids of it.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Product purls.
    pub products: Vec<String>,
    /// The status.
    pub status: VexStatus,
    /// Why not affected.
    #[serde(default)]
    pub justification: Option<String>,
    /// Impact statement.
    #[serde(default)]
    pub impact_statement: Option<String>,
    /// Action statement (for `affected`).
    #[serde(default)]
    pub action_statement: Option<String>,
}

/// Reads and checks a triage file (JSON or YAML).
pub fn read_triage(name: &str, bytes: &[u8]) -> Result<Vec<Triage>> {
    let err = |reason: String| VulnError::Vex {
        document: name.to_owned(),
        reason,
    };
    let list: Vec<Triage> =
        serde_yaml_ng::from_slice(bytes).map_err(|e| err(format!("not a triage list: {e}")))?;
    for (i, t) in list.iter().enumerate() {
        if t.products.is_empty() {
            return Err(err(format!(
                "entry {i} ({}) names no product",
                t.vulnerability
            )));
        }
        for p in &t.products {
            if super::purl(p).is_none() {
                return Err(err(format!("entry {i}: product {p:?} is not a purl")));
            }
        }
        if let Some(j) = &t.justification
            && !JUSTIFICATIONS.contains(&j.as_str())
        {
            return Err(err(format!(
                "entry {i}: justification {j:?} is not one of {}",
                JUSTIFICATIONS.join(", ")
            )));
        }
        if t.status == VexStatus::NotAffected
            && t.justification.is_none()
            && t.impact_statement.is_none()
        {
            return Err(err(format!(
                "entry {i} ({}): not_affected needs a justification or an impact_statement",
                t.vulnerability
            )));
        }
    }
    Ok(list)
}

/// An OpenVEX v0.2 document of `statements`, all stamped `timestamp`.
pub fn openvex(statements: &[Triage], id: &str, author: &str, timestamp: &str) -> Value {
    let list: Vec<Value> = statements
        .iter()
        .map(|t| {
            let mut vuln = json!({"name": t.vulnerability});
            if !t.aliases.is_empty() {
                vuln["aliases"] = json!(t.aliases);
            }
            let products: Vec<Value> = t.products.iter().map(|p| json!({"@id": p})).collect();
            let mut s = json!({
                "vulnerability": vuln,
                "timestamp": timestamp,
                "products": products,
                "status": t.status.as_str(),
            });
            for (k, v) in [
                ("justification", &t.justification),
                ("impact_statement", &t.impact_statement),
                ("action_statement", &t.action_statement),
            ] {
                if let Some(v) = v {
                    s[k] = json!(v);
                }
            }
            if t.status == VexStatus::Affected && t.action_statement.is_none() {
                s["action_statement"] = json!("Update to a fixed version when one is available.");
            }
            s
        })
        .collect();
    json!({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": id,
        "author": author,
        "timestamp": timestamp,
        "version": 1,
        "statements": list,
    })
}
