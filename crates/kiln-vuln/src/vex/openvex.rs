//! OpenVEX v0.2 documents: `statements[]` with `vulnerability` (`name`,
//! `aliases`; the v0.0.x string form too), `products[]` (`@id` or
//! `identifiers.purl`, with `subcomponents`), `status`, `justification`,
//! `impact_statement`/`action_statement`, and a `timestamp` that defaults to
//! the document's.
//!
//! Products: when a product lists subcomponents, the statement is about
//! those (the product being, say, the image that contains them); otherwise
//! about the product itself. Ids that are not purls are ignored.

use serde_json::Value;

use super::{VexStatement, VexStatus, purl, timestamp};

fn product_purl(p: &Value) -> Option<&str> {
    p.get("@id")
        .and_then(Value::as_str)
        .filter(|s| s.starts_with("pkg:"))
        .or_else(|| p.pointer("/identifiers/purl").and_then(Value::as_str))
}

pub(super) fn statements(doc: &Value) -> Result<Vec<VexStatement>, String> {
    let default_time = timestamp(doc.get("timestamp"));
    let list = doc
        .get("statements")
        .and_then(Value::as_array)
        .ok_or("OpenVEX document has no statements array")?;
    let mut out = Vec::new();
    for (i, s) in list.iter().enumerate() {
        let (vulnerability, aliases) = match s.get("vulnerability") {
            Some(Value::String(id)) => (id.clone(), Vec::new()),
            Some(v) => (
                v.get("name")
                    .or_else(|| v.get("@id"))
                    .and_then(Value::as_str)
                    .ok_or(format!("statement {i}: vulnerability has no name"))?
                    .to_owned(),
                v.get("aliases")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
            None => return Err(format!("statement {i} has no vulnerability")),
        };
        let word = s
            .get("status")
            .and_then(Value::as_str)
            .ok_or(format!("statement {i} has no status"))?;
        let status =
            VexStatus::parse(word).ok_or(format!("statement {i}: unknown status {word:?}"))?;
        let mut products = Vec::new();
        for p in s
            .get("products")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match p.get("subcomponents").and_then(Value::as_array) {
                Some(subs) if !subs.is_empty() => {
                    products.extend(subs.iter().filter_map(product_purl).filter_map(purl));
                }
                _ => products.extend(product_purl(p).and_then(purl)),
            }
        }
        let text = |k: &str| s.get(k).and_then(Value::as_str).map(str::to_owned);
        out.push(VexStatement {
            vulnerability,
            aliases,
            products,
            status,
            justification: text("justification"),
            statement: text("impact_statement")
                .or_else(|| text("action_statement"))
                .or_else(|| text("status_notes")),
            timestamp: timestamp(s.get("timestamp"))
                .or(timestamp(s.get("last_updated")))
                .or(default_time),
        });
    }
    Ok(out)
}
