//! SPDX 2.3 JSON. The image is the described package; every package found is contained
//! in it (`CONTAINS`), with its purl as a `PACKAGE-MANAGER` reference, CPEs as `SECURITY`
//! references, and `filesAnalyzed: false` (files are not listed). Licence text that is
//! not an SPDX expression is declared as a `LicenseRef-` with its text extracted.

use std::collections::BTreeMap;

use kiln_types::{Inventory, License, Package, RelationshipKind};
use serde_json::{Value, json};

use super::{WriteOptions, document_key, hash, uuid, with_ids};

const NOASSERTION: &str = "NOASSERTION";

pub fn document(inv: &Inventory, opts: &WriteOptions) -> Value {
    let target = if inv.source.name.is_empty() {
        "unnamed"
    } else {
        inv.source.name.as_str()
    };
    let image_id = format!(
        "SPDXRef-DocumentRoot-{}",
        sanitize(&format!("Image-{}", short(target)))
    );
    let namespace = format!(
        "https://spdx.org/spdxdocs/kiln/{}-{}",
        sanitize(short(target)),
        uuid(&[&document_key(inv), &opts.tool_version, "spdx-2.3"])
    );
    let mut refs = LicenseRefs::default();
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let mut packages = vec![image(inv, target, &image_id)];
    for (id, p) in with_ids(inv) {
        let spdx_id = format!(
            "SPDXRef-Package-{}-{}-{}-{id}",
            p.kind,
            sanitize(&p.name),
            sanitize(&p.version)
        );
        packages.push(package(p, &spdx_id, &mut refs));
        ids.insert(id, spdx_id);
    }
    let mut relationships = vec![rel("SPDXRef-DOCUMENT", "DESCRIBES", &image_id)];
    for spdx_id in ids.values() {
        relationships.push(rel(&image_id, "CONTAINS", spdx_id));
    }
    for r in &inv.relationships {
        if let (Some(from), Some(to)) = (ids.get(&r.from), ids.get(&r.to)) {
            let kind = match r.kind {
                RelationshipKind::Contains => "CONTAINS",
                RelationshipKind::DependsOn => "DEPENDS_ON",
            };
            relationships.push(rel(from, kind, to));
        }
    }
    let mut doc = json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": target,
        "documentNamespace": namespace,
        "creationInfo": {
            "created": opts.created,
            "creators": [format!("Tool: {}-{}", opts.tool_name, opts.tool_version)],
        },
        "packages": packages,
        "relationships": relationships,
    });
    if !refs.0.is_empty() {
        doc["hasExtractedLicensingInfos"] = refs
            .0
            .iter()
            .map(|(text, id)| json!({"licenseId": id, "extractedText": text, "name": text}))
            .collect();
    }
    doc
}

fn image(inv: &Inventory, target: &str, id: &str) -> Value {
    let mut v = json!({
        "name": target,
        "SPDXID": id,
        "downloadLocation": NOASSERTION,
        "filesAnalyzed": false,
        "licenseConcluded": NOASSERTION,
        "licenseDeclared": NOASSERTION,
        "copyrightText": NOASSERTION,
        "primaryPackagePurpose": "CONTAINER",
    });
    if !inv.source.digest.is_empty() {
        v["versionInfo"] = json!(inv.source.digest);
    }
    if let Some(hex) = inv.source.manifest_digest.strip_prefix("sha256:") {
        v["checksums"] = json!([{"algorithm": "SHA256", "checksumValue": hex}]);
    }
    v
}

fn package(p: &Package, id: &str, refs: &mut LicenseRefs) -> Value {
    let mut external = vec![json!({
        "referenceCategory": "PACKAGE-MANAGER",
        "referenceType": "purl",
        "referenceLocator": p.purl.to_string(),
    })];
    for cpe in &p.cpes {
        external.push(json!({"referenceCategory": "SECURITY", "referenceType": "cpe23Type", "referenceLocator": cpe}));
    }
    let mut v = json!({
        "name": p.name,
        "SPDXID": id,
        "versionInfo": p.version,
        "supplier": p.supplier.as_deref().map_or(NOASSERTION.to_owned(), person),
        "downloadLocation": NOASSERTION,
        "filesAnalyzed": false,
        "licenseConcluded": NOASSERTION,
        "licenseDeclared": refs.declared(&p.licenses),
        "copyrightText": NOASSERTION,
        "externalRefs": external,
    });
    if let Some(src) = &p.source {
        let ver = src
            .version
            .as_deref()
            .map(|v| format!(" {v}"))
            .unwrap_or_default();
        v["sourceInfo"] = json!(format!(
            "built from source package {}{ver}; found in {}",
            src.name,
            where_found(p)
        ));
    } else {
        v["sourceInfo"] = json!(format!("found in {}", where_found(p)));
    }
    v
}

fn where_found(p: &Package) -> String {
    let loc = p.locations.first().map_or("-", |l| l.path.as_str());
    match p.layer {
        Some(l) => format!("{loc} (layer {l})"),
        None => loc.to_owned(),
    }
}

/// `Jane Doe <jane@example.org>` → `Person: Jane Doe (jane@example.org)`.
fn person(s: &str) -> String {
    match s.split_once('<') {
        Some((name, rest)) => {
            let email = rest.trim_end().trim_end_matches('>');
            format!("Person: {} ({})", name.trim(), email.trim())
        }
        None => format!("Organization: {}", s.trim()),
    }
}

fn rel(from: &str, kind: &str, to: &str) -> Value {
    json!({"spdxElementId": from, "relationshipType": kind, "relatedSpdxElement": to})
}

/// Raw licence texts and the `LicenseRef-` ids given to them, in first-use order.
#[derive(Default)]
struct LicenseRefs(Vec<(String, String)>);

impl LicenseRefs {
    fn declared(&mut self, licenses: &[License]) -> String {
        let parts: Vec<String> = licenses
            .iter()
            .map(|l| match l {
                License::Expression(e) if e.contains(' ') && licenses.len() > 1 => format!("({e})"),
                License::Expression(e) => e.clone(),
                License::Raw(text) => self.id(text),
            })
            .collect();
        if parts.is_empty() {
            NOASSERTION.to_owned()
        } else {
            parts.join(" AND ")
        }
    }

    fn id(&mut self, text: &str) -> String {
        if let Some((_, id)) = self.0.iter().find(|(t, _)| t == text) {
            return id.clone();
        }
        let id = format!(
            "LicenseRef-{}-{}",
            sanitize(short_text(text)),
            hash(&[text], 8)
        );
        self.0.push((text.to_owned(), id.clone()));
        id
    }
}

pub(super) fn short_text(s: &str) -> &str {
    match s.char_indices().nth(40) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// The last path component of a target name, without its scheme.
pub(super) fn short(target: &str) -> &str {
    let t = target
        .split_once(':')
        .filter(|(s, _)| {
            matches!(
                *s,
                "oci" | "dir" | "docker-archive" | "registry" | "oci-dir"
            )
        })
        .map_or(target, |(_, r)| r);
    t.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("target")
}

/// Only `[A-Za-z0-9.-]` survive in SPDX ids; everything else becomes `-`.
pub(super) fn sanitize(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if out.is_empty() { "x".to_owned() } else { out }
}
