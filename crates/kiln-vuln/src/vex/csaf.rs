//! CSAF 2.0 VEX: `vulnerabilities[]` with `cve` and `ids[].text` (the first
//! becomes the id, the rest aliases), `product_status` lists
//! (`known_not_affected`, `fixed`, `known_affected`, `under_investigation`)
//! of product ids, resolved through `product_tree` (`branches` recursively,
//! `full_product_names`, and `relationships[].full_product_name`, which
//! take the purl of their `product_reference`) to
//! `product_identification_helper.purl`. Justifications come from `flags`
//! (`label`), statements from `threats` of category `impact`.

use std::collections::HashMap;

use serde_json::Value;

use super::{VexStatement, VexStatus, purl, timestamp};

fn product(p: &Value, out: &mut HashMap<String, String>) {
    if let (Some(id), Some(purl)) = (
        p.get("product_id").and_then(Value::as_str),
        p.pointer("/product_identification_helper/purl")
            .and_then(Value::as_str),
    ) {
        out.insert(id.to_owned(), purl.to_owned());
    }
}

fn branches(list: Option<&Value>, out: &mut HashMap<String, String>) {
    for b in list.and_then(Value::as_array).into_iter().flatten() {
        if let Some(p) = b.get("product") {
            product(p, out);
        }
        branches(b.get("branches"), out);
    }
}

fn ids_for<'a>(v: &'a Value, key: &str, id: &str) -> Option<&'a Value> {
    v.get(key)?.as_array()?.iter().find(|x| {
        x.get("product_ids")
            .and_then(Value::as_array)
            .is_some_and(|ids| ids.iter().any(|i| i.as_str() == Some(id)))
    })
}

pub(super) fn statements(doc: &Value) -> Result<Vec<VexStatement>, String> {
    let tree = doc.get("product_tree");
    let mut purls = HashMap::new();
    if let Some(t) = tree {
        branches(t.get("branches"), &mut purls);
        for p in t
            .get("full_product_names")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            product(p, &mut purls);
        }
        for r in t
            .get("relationships")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(fpn) = r.get("full_product_name") else {
                continue;
            };
            product(fpn, &mut purls);
            if let (Some(id), Some(component)) = (
                fpn.get("product_id").and_then(Value::as_str),
                r.get("product_reference").and_then(Value::as_str),
            ) && !purls.contains_key(id)
                && let Some(p) = purls.get(component).cloned()
            {
                purls.insert(id.to_owned(), p);
            }
        }
    }
    let time = timestamp(doc.pointer("/document/tracking/current_release_date"));
    let list = doc
        .get("vulnerabilities")
        .and_then(Value::as_array)
        .ok_or("CSAF document has no vulnerabilities array")?;
    let mut out = Vec::new();
    for (i, v) in list.iter().enumerate() {
        let mut ids: Vec<String> = v
            .get("cve")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .into_iter()
            .collect();
        ids.extend(
            v.get("ids")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|x| x.get("text").and_then(Value::as_str))
                .map(str::to_owned),
        );
        if ids.is_empty() {
            return Err(format!("vulnerabilities[{i}] has neither cve nor ids"));
        }
        let vulnerability = ids.remove(0);
        for (key, status) in [
            ("known_not_affected", VexStatus::NotAffected),
            ("fixed", VexStatus::Fixed),
            ("known_affected", VexStatus::Affected),
            ("under_investigation", VexStatus::UnderInvestigation),
        ] {
            let product_ids = v
                .pointer(&format!("/product_status/{key}"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str);
            for pid in product_ids {
                let Some(p) = purls.get(pid).and_then(|p| purl(p)) else {
                    tracing::debug!(product = pid, "CSAF product without a purl");
                    continue;
                };
                let justification = ids_for(v, "flags", pid)
                    .and_then(|f| f.get("label"))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                let statement = v
                    .get("threats")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|t| {
                        t.get("category").and_then(Value::as_str) == Some("impact")
                            || status == VexStatus::Affected
                    })
                    .find(|t| {
                        t.get("product_ids")
                            .and_then(Value::as_array)
                            .is_some_and(|ids| ids.iter().any(|i| i.as_str() == Some(pid)))
                    })
                    .and_then(|t| t.get("details"))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                out.push(VexStatement {
                    vulnerability: vulnerability.clone(),
                    aliases: ids.clone(),
                    products: vec![p],
                    status,
                    justification,
                    statement,
                    timestamp: time,
                });
            }
        }
    }
    Ok(out)
}
