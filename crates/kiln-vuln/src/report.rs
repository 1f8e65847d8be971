//! Scan reports as documents: SARIF 2.1.0, CycloneDX 1.6 with
//! `vulnerabilities`, and OpenVEX. Suppressed findings are left out unless
//! the caller passes them in.
//!
//! - SARIF: one rule per vulnerability id (description = summary, help =
//!   aliases and fix), one result per (finding, package location); `level`
//!   is `error` for critical and high, `warning` for medium, `note` below.
//!   Packages without a location (SBOM input) are located by their purl.
//! - CycloneDX: the affected packages as components, one vulnerability per
//!   id with `affects[].ref` the package's `bom-ref` (`refs` maps
//!   [`crate::scan::FoundPackage::id`] to the input SBOM's own refs; others
//!   get kiln's `pkg-<id>`), aliases in `references`, ratings, the fixed
//!   version as a recommendation, and the VEX analysis when one applies.
//! - OpenVEX: one statement per finding, `fixed` for suppressed-as-fixed,
//!   `not_affected` with the VEX justification, else `affected`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::scan::{Finding, FoundPackage};
use crate::severity::{Rating, SeverityKind};
use crate::vex::VexStatus;
use crate::vex::write::{Triage, openvex as openvex_doc};

/// The SARIF `level` of a rating.
pub fn sarif_level(rating: Option<Rating>) -> &'static str {
    match rating {
        Some(Rating::Critical | Rating::High) => "error",
        Some(Rating::Medium) => "warning",
        _ => "note",
    }
}

fn fix_text(f: &Finding) -> String {
    match &f.fixed {
        Some(v) => format!("fixed in {v}"),
        None => "no fixed version known".to_owned(),
    }
}

/// A SARIF 2.1.0 log of `findings`.
pub fn sarif(findings: &[&Finding], tool_version: &str) -> Value {
    let mut rules: Vec<Value> = Vec::new();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut results = Vec::new();
    for f in findings {
        let at = *index.entry(f.id.as_str()).or_insert_with(|| {
            let mut props = json!({"tags": ["security", "vulnerability"]});
            if let Some(score) = f.severity.as_ref().and_then(|s| s.score) {
                props["security-severity"] = json!(format!("{score:.1}"));
            }
            let summary = f.summary.clone().unwrap_or_else(|| f.id.clone());
            rules.push(json!({
                "id": f.id,
                "shortDescription": {"text": summary},
                "help": {"text": format!("{}{}", f.id, if f.aliases.is_empty() { String::new() } else { format!(" (also {})", f.aliases.join(", ")) })},
                "defaultConfiguration": {"level": sarif_level(f.rating)},
                "properties": props,
            }));
            rules.len() - 1
        });
        let paths: Vec<String> = if f.package.locations.is_empty() {
            vec![f.package.purl.clone()]
        } else {
            f.package
                .locations
                .iter()
                .map(|p| p.trim_start_matches('/').to_owned())
                .collect()
        };
        for path in paths {
            results.push(json!({
                "ruleId": f.id,
                "ruleIndex": at,
                "level": sarif_level(f.rating),
                "message": {"text": format!(
                    "{} {} is affected by {}; {}",
                    f.package.name, f.package.version, f.id, fix_text(f)
                )},
                "locations": [{
                    "physicalLocation": {"artifactLocation": {"uri": path}},
                    "logicalLocations": [{"name": f.package.name, "fullyQualifiedName": f.package.purl, "kind": "package"}],
                }],
                "partialFingerprints": {"kilnFinding/v1": format!("{}:{}", f.id, f.package.purl)},
            }));
        }
    }
    json!({
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "kiln", "version": tool_version, "rules": rules}},
            "results": results,
        }],
    })
}

fn bom_ref(p: &FoundPackage, refs: &BTreeMap<String, String>) -> String {
    refs.get(&p.id)
        .cloned()
        .unwrap_or_else(|| format!("pkg-{}", p.id))
}

fn cdx_method(kind: SeverityKind, text: &str) -> &'static str {
    match kind {
        SeverityKind::CvssV2 => "CVSSv2",
        SeverityKind::CvssV3 if text.starts_with("CVSS:3.1") => "CVSSv31",
        SeverityKind::CvssV3 => "CVSSv3",
        SeverityKind::CvssV4 => "CVSSv4",
        SeverityKind::Rating => "other",
    }
}

/// A CycloneDX 1.6 document with the affected packages and their vulnerabilities.
pub fn cyclonedx(
    findings: &[&Finding],
    refs: &BTreeMap<String, String>,
    tool_version: &str,
    timestamp: &str,
) -> Value {
    let mut components: BTreeMap<String, Value> = BTreeMap::new();
    let mut vulns: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        let r = bom_ref(&f.package, refs);
        components.entry(r.clone()).or_insert_with(|| {
            json!({"bom-ref": r, "type": "library", "name": f.package.name,
                   "version": f.package.version, "purl": f.package.purl})
        });
        vulns.entry(f.id.as_str()).or_default().push(f);
    }
    let vulnerabilities: Vec<Value> = vulns
        .into_iter()
        .map(|(id, fs)| {
            let first = fs[0];
            let mut v = json!({
                "bom-ref": format!("vuln-{id}"),
                "id": id,
                "source": {"name": first.sources.first().cloned().unwrap_or_default()},
                "affects": fs.iter().map(|f| json!({"ref": bom_ref(&f.package, refs),
                    "versions": [{"version": f.package.version, "status": "affected"}]})).collect::<Vec<_>>(),
            });
            if !first.aliases.is_empty() {
                v["references"] = Value::Array(
                    first.aliases.iter().map(|a| json!({"id": a, "source": {"name": alias_source(a)}})).collect(),
                );
            }
            if let Some(s) = &first.severity {
                let mut r = json!({"method": cdx_method(s.kind, &s.text)});
                if let Some(score) = s.score {
                    r["score"] = json!(score);
                }
                if let Some(rt) = s.rating {
                    r["severity"] = json!(rt.to_string());
                }
                if s.kind != SeverityKind::Rating {
                    r["vector"] = json!(s.text);
                }
                v["ratings"] = json!([r]);
            }
            if let Some(d) = &first.summary {
                v["description"] = json!(d);
            }
            let fixes: Vec<String> = fs
                .iter()
                .filter_map(|f| f.fixed.as_ref().map(|x| format!("{}: upgrade to {x}", f.package.name)))
                .collect();
            if !fixes.is_empty() {
                v["recommendation"] = json!(fixes.join("; "));
            }
            if let Some(a) = fs.iter().find_map(|f| f.vex.as_ref()) {
                let state = match a.status {
                    VexStatus::NotAffected => "not_affected",
                    VexStatus::Fixed => "resolved",
                    VexStatus::Affected => "exploitable",
                    VexStatus::UnderInvestigation => "in_triage",
                };
                let mut an = json!({"state": state});
                if let Some(j) = a.justification.as_deref().and_then(cdx_justification) {
                    an["justification"] = json!(j);
                }
                if let Some(d) = &a.statement {
                    an["detail"] = json!(d);
                }
                v["analysis"] = an;
            }
            v
        })
        .collect();
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "timestamp": timestamp,
            "tools": {"components": [{"type": "application", "name": "kiln", "version": tool_version}]},
        },
        "components": components.into_values().collect::<Vec<_>>(),
        "vulnerabilities": vulnerabilities,
    })
}

fn alias_source(id: &str) -> &'static str {
    match id.split('-').next().unwrap_or_default() {
        "CVE" => "NVD",
        "GHSA" => "GitHub Advisories",
        "PYSEC" => "PyPA",
        "GO" => "Go Vulnerability Database",
        "RUSTSEC" => "RustSec",
        "DSA" | "DLA" | "DEBIAN" => "Debian",
        _ => "OSV",
    }
}

/// The CycloneDX justification for an OpenVEX one.
fn cdx_justification(openvex: &str) -> Option<&'static str> {
    Some(match openvex {
        "component_not_present" => "requires_dependency",
        "vulnerable_code_not_present" => "code_not_present",
        "vulnerable_code_not_in_execute_path" => "code_not_reachable",
        "vulnerable_code_cannot_be_controlled_by_adversary" => "requires_environment",
        "inline_mitigations_already_exist" => "protected_by_mitigating_control",
        _ => return None,
    })
}

/// An OpenVEX document with one statement per finding.
pub fn openvex(findings: &[&Finding], id: &str, timestamp: &str) -> Value {
    let statements: Vec<Triage> = findings
        .iter()
        .map(|f| {
            let (status, justification, impact) = match &f.vex {
                Some(a) if a.status == VexStatus::NotAffected => (
                    VexStatus::NotAffected,
                    a.justification.clone(),
                    a.statement.clone().or_else(|| {
                        a.justification
                            .is_none()
                            .then(|| format!("VEX statement in {}", a.document))
                    }),
                ),
                Some(a) if a.status == VexStatus::Fixed => (VexStatus::Fixed, None, None),
                _ => (VexStatus::Affected, None, None),
            };
            Triage {
                vulnerability: f.id.clone(),
                aliases: f.aliases.clone(),
                products: vec![f.package.purl.clone()],
                status,
                justification,
                impact_statement: impact,
                action_statement: (status == VexStatus::Affected).then(|| match &f.fixed {
                    Some(v) => format!("Update {} to {v} or later.", f.package.name),
                    None => "No fixed version is known yet.".to_owned(),
                }),
            }
        })
        .collect();
    openvex_doc(&statements, id, "kiln", timestamp)
}
