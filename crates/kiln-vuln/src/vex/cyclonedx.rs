//! CycloneDX VEX (1.4–1.6): `vulnerabilities[]` with `id`, `references[].id`
//! (aliases), `analysis.state` (`not_affected`/`false_positive` → not
//! affected, `resolved`/`resolved_with_pedigree` → fixed, `exploitable` →
//! affected, `in_triage` → under investigation), `analysis.justification`
//! and `detail`, and `affects[].ref`: a component `bom-ref` of the same
//! document (nested components included), resolved to its purl, or a purl.

use std::collections::HashMap;

use serde_json::Value;

use super::{VexStatement, VexStatus, purl, timestamp};

fn collect_refs<'a>(components: Option<&'a Value>, out: &mut HashMap<&'a str, &'a str>) {
    for c in components.and_then(Value::as_array).into_iter().flatten() {
        if let (Some(r), Some(p)) = (
            c.get("bom-ref").and_then(Value::as_str),
            c.get("purl").and_then(Value::as_str),
        ) {
            out.insert(r, p);
        }
        collect_refs(c.get("components"), out);
    }
}

pub(super) fn statements(doc: &Value) -> Result<Vec<VexStatement>, String> {
    let mut refs = HashMap::new();
    collect_refs(doc.get("components"), &mut refs);
    let meta = doc
        .pointer("/metadata/component")
        .map(|c| Value::Array(vec![c.clone()]));
    collect_refs(meta.as_ref(), &mut refs);
    let default_time = timestamp(doc.pointer("/metadata/timestamp"));
    let mut out = Vec::new();
    let list = doc
        .get("vulnerabilities")
        .and_then(Value::as_array)
        .ok_or("CycloneDX document has no vulnerabilities array")?;
    for (i, v) in list.iter().enumerate() {
        let id = v
            .get("id")
            .and_then(Value::as_str)
            .ok_or(format!("vulnerabilities[{i}] has no id"))?;
        let Some(analysis) = v.get("analysis") else {
            continue; // A vulnerability without analysis states nothing.
        };
        let Some(state) = analysis.get("state").and_then(Value::as_str) else {
            continue;
        };
        let status = match state {
            "not_affected" | "false_positive" => VexStatus::NotAffected,
            "resolved" | "resolved_with_pedigree" => VexStatus::Fixed,
            "exploitable" => VexStatus::Affected,
            "in_triage" => VexStatus::UnderInvestigation,
            other => return Err(format!("vulnerabilities[{i}]: unknown state {other:?}")),
        };
        let products = v
            .get("affects")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|a| a.get("ref").and_then(Value::as_str))
            .filter_map(|r| refs.get(r).copied().or(Some(r)).and_then(purl))
            .collect();
        let aliases = v
            .get("references")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|r| r.get("id").and_then(Value::as_str))
            .map(str::to_owned)
            .collect();
        let text = |k: &str| analysis.get(k).and_then(Value::as_str).map(str::to_owned);
        out.push(VexStatement {
            vulnerability: id.to_owned(),
            aliases,
            products,
            status,
            justification: text("justification")
                .or_else(|| (state == "false_positive").then(|| "false_positive".to_owned())),
            statement: text("detail"),
            timestamp: timestamp(analysis.get("lastUpdated"))
                .or(timestamp(v.get("updated")))
                .or(default_time),
        });
    }
    Ok(out)
}
