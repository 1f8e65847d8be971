//! SPDX 3.0.1 JSON-LD: one flat `@graph` under the published context. A `CreationInfo`
//! blank node (created by a `SoftwareAgent`, using a `Tool`), the `SpdxDocument` whose
//! root is a `software_Sbom` (type `analyzed`), whose root is the image (a
//! `software_Package` with purpose `container`). Packages carry their purl
//! (`software_packageUrl`), CPEs (`externalIdentifier` of type `cpe23`), supplier (a
//! `Person` or `Organization`) and where they were found (`software_sourceInfo`).
//! Licences are `simplelicensing_LicenseExpression` elements linked by
//! `hasDeclaredLicense`; text that is no SPDX expression is a `LicenseRef-` mapped to a
//! `simplelicensing_SimpleLicensingText`. `contains` and `dependsOn` are `Relationship`
//! elements, one per source package, targets sorted.
//!
//! Every IRI is derived from the document's namespace and a hash of what the element
//! stands for, so the same inventory gives the same document.

use std::collections::{BTreeMap, BTreeSet};

use kiln_types::{Inventory, License, Package, PackageKind, RelationshipKind};
use serde_json::{Value, json};

use super::spdx::{sanitize, short, short_text};
use super::{WriteOptions, document_key, hash, uuid, with_ids};

const CONTEXT: &str = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld";
const CREATION: &str = "_:creationinfo";

/// The graph being built: elements in the order they are added.
struct Graph {
    ns: String,
    elements: Vec<Value>,
    /// Licence expression text → element IRI.
    expressions: BTreeMap<String, String>,
    /// Supplier text → agent IRI.
    agents: BTreeMap<String, String>,
    /// IRIs of the licence texts already in the graph.
    texts: BTreeSet<String>,
}

impl Graph {
    fn iri(&self, kind: &str, parts: &[&str]) -> String {
        format!("{}/{kind}/{}", self.ns, hash(parts, 16))
    }

    fn push(&mut self, mut v: Value) -> String {
        v["creationInfo"] = json!(CREATION);
        let id = v["spdxId"].as_str().unwrap_or_default().to_owned();
        self.elements.push(v);
        id
    }

    fn agent(&mut self, supplier: &str) -> String {
        if let Some(iri) = self.agents.get(supplier) {
            return iri.clone();
        }
        let iri = self.iri("agent", &[supplier]);
        let v = match supplier.split_once('<') {
            Some((name, rest)) => json!({
                "type": "Person",
                "spdxId": iri,
                "name": name.trim(),
                "externalIdentifier": [{
                    "type": "ExternalIdentifier",
                    "externalIdentifierType": "email",
                    "identifier": rest.trim_end().trim_end_matches('>').trim(),
                }],
            }),
            None => json!({"type": "Organization", "spdxId": iri, "name": supplier.trim()}),
        };
        self.push(v);
        self.agents.insert(supplier.to_owned(), iri.clone());
        iri
    }

    /// The expression element for `licenses`, raw texts as `LicenseRef-`s.
    fn license(&mut self, licenses: &[License]) -> Option<String> {
        if licenses.is_empty() {
            return None;
        }
        let mut refs: Vec<(String, String)> = Vec::new();
        let parts: Vec<String> = licenses
            .iter()
            .map(|l| match l {
                License::Expression(e) if e.contains(' ') && licenses.len() > 1 => format!("({e})"),
                License::Expression(e) => e.clone(),
                License::Raw(text) => {
                    let id = format!(
                        "LicenseRef-{}-{}",
                        sanitize(short_text(text)),
                        hash(&[text], 8)
                    );
                    refs.push((id.clone(), text.clone()));
                    id
                }
            })
            .collect();
        let expression = parts.join(" AND ");
        if let Some(iri) = self.expressions.get(&expression) {
            return Some(iri.clone());
        }
        let iri = self.iri("license", &[&expression]);
        let mut v = json!({
            "type": "simplelicensing_LicenseExpression",
            "spdxId": iri,
            "simplelicensing_licenseExpression": expression,
        });
        if !refs.is_empty() {
            let mut map = Vec::new();
            for (id, text) in refs {
                let text_iri = self.iri("licensetext", &[&text]);
                if self.texts.insert(text_iri.clone()) {
                    self.push(json!({
                        "type": "simplelicensing_SimpleLicensingText",
                        "spdxId": text_iri,
                        "name": id,
                        "simplelicensing_licenseText": text,
                    }));
                }
                map.push(json!({"type": "DictionaryEntry", "key": id, "value": text_iri}));
            }
            v["simplelicensing_customIdToUri"] = Value::Array(map);
        }
        self.push(v);
        self.expressions.insert(expression, iri.clone());
        Some(iri)
    }
}

pub fn document(inv: &Inventory, opts: &WriteOptions) -> Value {
    let target = if inv.source.name.is_empty() {
        "unnamed"
    } else {
        inv.source.name.as_str()
    };
    let ns = format!(
        "https://spdx.org/spdxdocs/kiln/{}-{}",
        sanitize(short(target)),
        uuid(&[&document_key(inv), &opts.tool_version, "spdx-3.0.1"])
    );
    let mut g = Graph {
        elements: Vec::new(),
        expressions: BTreeMap::new(),
        agents: BTreeMap::new(),
        texts: BTreeSet::new(),
        ns,
    };
    let agent = format!("{}/agent/{}", g.ns, opts.tool_name);
    let tool = format!("{}/tool/{}-{}", g.ns, opts.tool_name, opts.tool_version);
    g.push(json!({"type": "SoftwareAgent", "spdxId": agent, "name": opts.tool_name}));
    g.push(json!({
        "type": "Tool",
        "spdxId": tool,
        "name": format!("{} {}", opts.tool_name, opts.tool_version),
    }));
    let data_license = g.license(&[License::Expression("CC0-1.0".to_owned())]);

    let image_iri = format!("{}/image", g.ns);
    let mut image = json!({
        "type": "software_Package",
        "spdxId": image_iri,
        "name": target,
        "software_primaryPurpose": "container",
    });
    if !inv.source.digest.is_empty() {
        image["software_packageVersion"] = json!(inv.source.digest);
    }
    if let Some(hex) = inv.source.manifest_digest.strip_prefix("sha256:") {
        image["verifiedUsing"] = json!([{"type": "Hash", "algorithm": "sha256", "hashValue": hex}]);
    }
    g.push(image);

    let mut iris: BTreeMap<String, String> = BTreeMap::new();
    let mut declared: Vec<(String, String)> = Vec::new();
    for (id, p) in with_ids(inv) {
        let iri = format!("{}/package/{}-{id}", g.ns, sanitize(&p.name));
        let v = package(&mut g, p, &iri);
        g.push(v);
        if let Some(lic) = g.license(&p.licenses) {
            declared.push((iri.clone(), lic));
        }
        iris.insert(id, iri);
    }

    let mut rels: BTreeMap<(String, &str), Vec<String>> = BTreeMap::new();
    if !iris.is_empty() {
        rels.insert(
            (image_iri.clone(), "contains"),
            iris.values().cloned().collect(),
        );
    }
    for r in &inv.relationships {
        if let (Some(from), Some(to)) = (iris.get(&r.from), iris.get(&r.to)) {
            let kind = match r.kind {
                RelationshipKind::Contains => "contains",
                RelationshipKind::DependsOn => "dependsOn",
            };
            rels.entry((from.clone(), kind))
                .or_default()
                .push(to.clone());
        }
    }
    for (from, lic) in declared {
        rels.entry((from, "hasDeclaredLicense"))
            .or_default()
            .push(lic);
    }
    for ((from, kind), mut to) in rels {
        to.sort();
        to.dedup();
        let iri = g.iri("relationship", &[&from, kind]);
        g.push(json!({
            "type": "Relationship",
            "spdxId": iri,
            "from": from,
            "relationshipType": kind,
            "to": to,
        }));
    }

    let sbom_iri = format!("{}/sbom", g.ns);
    let doc_iri = format!("{}/document", g.ns);
    let members: Vec<Value> = g
        .elements
        .iter()
        .map(|e| e["spdxId"].clone())
        .filter(|id| *id != json!(agent) && *id != json!(tool))
        .collect();
    let sbom = json!({
        "type": "software_Sbom",
        "spdxId": sbom_iri,
        "creationInfo": CREATION,
        "rootElement": [image_iri],
        "element": members,
        "software_sbomType": ["analyzed"],
    });
    let mut all: Vec<Value> = g.elements.iter().map(|e| e["spdxId"].clone()).collect();
    all.push(json!(sbom_iri));
    let mut document = json!({
        "type": "SpdxDocument",
        "spdxId": doc_iri,
        "creationInfo": CREATION,
        "name": target,
        "rootElement": [sbom_iri],
        "element": all,
        "profileConformance": ["core", "software", "simpleLicensing"],
    });
    if let Some(l) = data_license {
        document["dataLicense"] = json!(l);
    }
    let creation = json!({
        "type": "CreationInfo",
        "@id": CREATION,
        "specVersion": "3.0.1",
        "created": opts.created,
        "createdBy": [agent],
        "createdUsing": [tool],
    });
    let mut graph = vec![creation, document, sbom];
    graph.append(&mut g.elements);
    json!({"@context": CONTEXT, "@graph": graph})
}

fn package(g: &mut Graph, p: &Package, iri: &str) -> Value {
    let mut v = json!({
        "type": "software_Package",
        "spdxId": iri,
        "name": p.name,
        "software_packageVersion": p.version,
        "software_packageUrl": p.purl.to_string(),
        "software_primaryPurpose": if p.kind == PackageKind::Binary { "application" } else { "library" },
    });
    if !p.cpes.is_empty() {
        v["externalIdentifier"] = p
            .cpes
            .iter()
            .map(|c| json!({"type": "ExternalIdentifier", "externalIdentifierType": "cpe23", "identifier": c}))
            .collect();
    }
    if let Some(s) = p.supplier.as_deref().filter(|s| !s.trim().is_empty()) {
        v["suppliedBy"] = json!(g.agent(s));
    }
    let loc = p.locations.first().map_or("-", |l| l.path.as_str());
    let found = match p.layer {
        Some(l) => format!("found in {loc} (layer {l})"),
        None => format!("found in {loc}"),
    };
    v["software_sourceInfo"] = json!(match &p.source {
        Some(src) => {
            let ver = src
                .version
                .as_deref()
                .map(|v| format!(" {v}"))
                .unwrap_or_default();
            format!("built from source package {}{ver}; {found}", src.name)
        }
        None => found,
    });
    v
}
