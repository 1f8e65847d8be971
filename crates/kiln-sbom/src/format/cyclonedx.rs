//! CycloneDX 1.6 JSON. The image is `metadata.component` (type `container`); packages are
//! `library` components with stable `bom-ref`s (`pkg-<package id>`), licences either as a
//! list of `license` objects or as one `expression`, and kiln's details as properties
//! (`kiln:package:type`, `kiln:layer`, `kiln:location:N`, `kiln:source:*`). Every
//! component is listed in `dependencies`, leaves with an explicit empty `dependsOn`.

use std::collections::BTreeMap;

use kiln_types::{Inventory, License, Package, RelationshipKind};
use serde_json::{Value, json};

use super::{WriteOptions, document_key, uuid, with_ids};

pub fn document(inv: &Inventory, opts: &WriteOptions) -> Value {
    let target = if inv.source.name.is_empty() {
        "unnamed"
    } else {
        inv.source.name.as_str()
    };
    let image_ref = "image";
    let mut deps: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut components = Vec::new();
    let mut refs: BTreeMap<String, String> = BTreeMap::new();
    for (id, p) in with_ids(inv) {
        let bom_ref = format!("pkg-{id}");
        components.push(component(p, &bom_ref));
        deps.insert(bom_ref.clone(), Vec::new());
        refs.insert(id, bom_ref);
    }
    for r in inv
        .relationships
        .iter()
        .filter(|r| r.kind == RelationshipKind::DependsOn)
    {
        if let (Some(from), Some(to)) = (refs.get(&r.from), refs.get(&r.to))
            && let Some(list) = deps.get_mut(from)
        {
            list.push(to.clone());
        }
    }
    let mut dependencies =
        vec![json!({"ref": image_ref, "dependsOn": refs.values().collect::<Vec<_>>()})];
    for (r, mut on) in deps {
        on.sort();
        on.dedup();
        dependencies.push(json!({"ref": r, "dependsOn": on}));
    }
    let mut image = json!({
        "bom-ref": image_ref,
        "type": "container",
        "name": target,
    });
    if !inv.source.digest.is_empty() {
        image["version"] = json!(inv.source.digest);
    }
    let mut props = Vec::new();
    if !inv.source.platform.is_empty() {
        props.push(prop("kiln:image:platform", &inv.source.platform));
    }
    for (i, l) in inv.source.layers.iter().enumerate() {
        props.push(prop(&format!("kiln:image:layer:{i}"), &l.digest));
    }
    if let Some(d) = &inv.distro {
        props.push(prop("kiln:distro:id", &d.id));
        if let Some(v) = &d.version_id {
            props.push(prop("kiln:distro:version", v));
        }
    }
    for w in &inv.warnings {
        props.push(prop("kiln:warning", w));
    }
    if !props.is_empty() {
        image["properties"] = Value::Array(props);
    }
    json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": format!("urn:uuid:{}", uuid(&[&document_key(inv), &opts.tool_version, "cyclonedx-1.6"])),
        "version": 1,
        "metadata": {
            "timestamp": opts.created,
            "tools": {"components": [{"type": "application", "name": opts.tool_name, "version": opts.tool_version}]},
            "component": image,
        },
        "components": components,
        "dependencies": dependencies,
    })
}

fn component(p: &Package, bom_ref: &str) -> Value {
    let mut v = json!({
        "bom-ref": bom_ref,
        "type": "library",
        "name": p.name,
        "version": p.version,
    });
    if let Some(s) = &p.supplier {
        v["publisher"] = json!(s);
    }
    if let Some(l) = licenses(&p.licenses) {
        v["licenses"] = l;
    }
    v["purl"] = json!(p.purl.to_string());
    if let Some(cpe) = p.cpes.first() {
        v["cpe"] = json!(cpe);
    }
    let mut props = vec![prop("kiln:package:type", p.kind.as_str())];
    if let Some(a) = &p.arch {
        props.push(prop("kiln:package:arch", a));
    }
    if let Some(s) = &p.source {
        props.push(prop("kiln:source:name", &s.name));
        if let Some(ver) = &s.version {
            props.push(prop("kiln:source:version", ver));
        }
    }
    if let Some(l) = p.layer {
        props.push(prop("kiln:layer", &l.to_string()));
    }
    for (i, l) in p.locations.iter().enumerate() {
        props.push(prop(&format!("kiln:location:{i}"), &l.path));
    }
    for cpe in p.cpes.iter().skip(1) {
        props.push(prop("kiln:cpe", cpe));
    }
    v["properties"] = Value::Array(props);
    v
}

/// One `expression` when any licence is a compound expression and all are expressions;
/// otherwise a list of `license` objects (`id` for single SPDX ids, `name` for the rest).
fn licenses(list: &[License]) -> Option<Value> {
    if list.is_empty() {
        return None;
    }
    let compound = |e: &str| e.contains(' ') || e.ends_with('+') || e.starts_with("LicenseRef-");
    let all_expr = list.iter().all(|l| matches!(l, License::Expression(_)));
    if all_expr && list.iter().any(|l| compound(l.text())) {
        let joined: Vec<String> = list
            .iter()
            .map(|l| {
                if list.len() > 1 && l.text().contains(' ') {
                    format!("({})", l.text())
                } else {
                    l.text().to_owned()
                }
            })
            .collect();
        return Some(json!([{"expression": joined.join(" AND ")}]));
    }
    Some(
        list.iter()
            .map(|l| match l {
                License::Expression(e) if !compound(e) => json!({"license": {"id": e}}),
                other => json!({"license": {"name": other.text()}}),
            })
            .collect(),
    )
}

fn prop(name: &str, value: &str) -> Value {
    json!({"name": name, "value": value})
}
