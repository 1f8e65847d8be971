//! VEX: statements that a product is or is not affected by a vulnerability,
//! read from OpenVEX v0.2, CycloneDX VEX and CSAF VEX, and applied to scan
//! findings.
//!
//! A statement applies to a finding when it names the finding's
//! vulnerability id or any alias (or the statement's own aliases name one of
//! them), and one of its product purls matches the package: type,
//! namespace and name equal, the version equal when the VEX purl has one,
//! and every qualifier the VEX purl has equal (a VEX purl without
//! qualifiers matches any). Of several applicable statements the newest
//! (by timestamp; among equal or missing timestamps, the last read) wins.
//! `not_affected` and `fixed` suppress the finding (it stays in the report,
//! marked suppressed, with the justification); `affected` and
//! `under_investigation` annotate it.

mod csaf;
mod cyclonedx;
mod openvex;
pub mod write;

use kiln_types::Purl;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::scan::{Finding, ScanReport};
use crate::{Result, VulnError};

/// The VEX statuses, as OpenVEX spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VexStatus {
    /// The product is not affected.
    NotAffected,
    /// The product contains a fix.
    Fixed,
    /// The product is affected.
    Affected,
    /// Not yet known.
    UnderInvestigation,
}

impl VexStatus {
    /// Reads an OpenVEX status word.
    pub fn parse(word: &str) -> Option<Self> {
        Some(match word {
            "not_affected" => Self::NotAffected,
            "fixed" => Self::Fixed,
            "affected" => Self::Affected,
            "under_investigation" => Self::UnderInvestigation,
            _ => return None,
        })
    }

    /// The OpenVEX word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotAffected => "not_affected",
            Self::Fixed => "fixed",
            Self::Affected => "affected",
            Self::UnderInvestigation => "under_investigation",
        }
    }

    /// Whether the status suppresses a finding.
    pub fn suppresses(self) -> bool {
        matches!(self, Self::NotAffected | Self::Fixed)
    }
}

/// One statement, whatever format it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexStatement {
    /// The vulnerability id the statement names.
    pub vulnerability: String,
    /// Other ids it gives for the vulnerability.
    pub aliases: Vec<String>,
    /// Product purls it is about.
    pub products: Vec<Purl>,
    /// The status.
    pub status: VexStatus,
    /// Why not affected (`vulnerable_code_not_present`), or the format's equivalent.
    pub justification: Option<String>,
    /// Free text: impact statement, action statement or detail.
    pub statement: Option<String>,
    /// When the statement was made, as written (RFC 3339).
    pub timestamp: Option<jiff::Timestamp>,
}

/// The statements of one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexDocument {
    /// Where it came from (a file name), for messages and reports.
    pub name: String,
    /// Which format it was (`openvex`, `cyclonedx`, `csaf`).
    pub format: &'static str,
    /// Its statements in document order.
    pub statements: Vec<VexStatement>,
}

/// A statement as applied to a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// The status.
    pub status: VexStatus,
    /// The justification, if given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// The impact or action statement, if given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    /// The vulnerability id the statement named.
    pub vulnerability: String,
    /// The document it came from.
    pub document: String,
}

impl VexDocument {
    /// Reads an OpenVEX, CycloneDX or CSAF document, telling them apart by content.
    pub fn parse(name: &str, bytes: &[u8]) -> Result<Self> {
        let err = |reason: String| VulnError::Vex {
            document: name.to_owned(),
            reason,
        };
        let doc: Value =
            serde_json::from_slice(bytes).map_err(|e| err(format!("not JSON: {e}")))?;
        let (format, statements) = if doc
            .get("@context")
            .and_then(Value::as_str)
            .is_some_and(|c| c.starts_with("https://openvex.dev/ns"))
        {
            ("openvex", openvex::statements(&doc).map_err(err)?)
        } else if doc.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
            ("cyclonedx", cyclonedx::statements(&doc).map_err(err)?)
        } else if doc.pointer("/document/csaf_version").is_some() {
            ("csaf", csaf::statements(&doc).map_err(err)?)
        } else {
            return Err(err(
                "neither OpenVEX (@context), CycloneDX (bomFormat) nor CSAF (document.csaf_version)"
                    .into(),
            ));
        };
        Ok(Self {
            name: name.to_owned(),
            format,
            statements,
        })
    }
}

/// Reads a timestamp; an unreadable one counts as missing.
pub(crate) fn timestamp(v: Option<&Value>) -> Option<jiff::Timestamp> {
    v.and_then(Value::as_str).and_then(|s| s.parse().ok())
}

/// Reads a purl; `None` for text that is not one.
pub(crate) fn purl(s: &str) -> Option<Purl> {
    s.parse().ok()
}

fn same_name(ty: &str, a: &str, b: &str) -> bool {
    if ty == "pypi" {
        let norm = |s: &str| s.to_ascii_lowercase().replace(['_', '.'], "-");
        norm(a) == norm(b)
    } else {
        a == b
    }
}

/// Whether the VEX purl `vex` names the package purl `pkg`.
pub fn purl_matches(vex: &Purl, pkg: &Purl) -> bool {
    vex.ty() == pkg.ty()
        && vex.namespace().unwrap_or("") == pkg.namespace().unwrap_or("")
        && same_name(vex.ty(), vex.name(), pkg.name())
        && vex.version().is_none_or(|v| Some(v) == pkg.version())
        && vex
            .qualifiers()
            .iter()
            .all(|(k, v)| pkg.qualifier(k) == Some(v.as_str()))
}

fn applies(s: &VexStatement, f: &Finding, pkg: Option<&Purl>) -> bool {
    let named = std::iter::once(&s.vulnerability)
        .chain(&s.aliases)
        .any(|id| f.ids().any(|fid| fid.eq_ignore_ascii_case(id)));
    named && pkg.is_some_and(|p| s.products.iter().any(|v| purl_matches(v, p)))
}

/// Applies the statements of `docs` (in order) to the findings of `report`.
pub fn apply(report: &mut ScanReport, docs: &[VexDocument]) {
    for f in &mut report.findings {
        let pkg = purl(&f.package.purl);
        let mut best: Option<(&VexStatement, &VexDocument)> = None;
        for d in docs {
            for s in &d.statements {
                if !applies(s, f, pkg.as_ref()) {
                    continue;
                }
                let newer = match best {
                    None => true,
                    Some((b, _)) => match (s.timestamp, b.timestamp) {
                        (Some(new), Some(old)) => new >= old,
                        (None, Some(_)) => false,
                        _ => true,
                    },
                };
                if newer {
                    best = Some((s, d));
                }
            }
        }
        if let Some((s, d)) = best {
            f.suppressed = s.status.suppresses();
            f.vex = Some(Applied {
                status: s.status,
                justification: s.justification.clone(),
                statement: s.statement.clone(),
                vulnerability: s.vulnerability.clone(),
                document: d.name.clone(),
            });
        }
    }
}

#[cfg(test)]
mod tests;
