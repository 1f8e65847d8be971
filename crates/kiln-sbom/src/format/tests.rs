//! Writers: structure the validators care about, and byte-for-byte determinism.

use kiln_types::{
    Inventory, License, Location, Package, PackageKind, Purl, Relationship, RelationshipKind,
    TargetInfo,
};
use serde_json::Value;

use super::{Format, WriteOptions, write};

fn pkg(name: &str, version: &str, licenses: Vec<License>) -> Package {
    let purl = Purl::new("deb", name)
        .unwrap()
        .with_namespace("debian")
        .with_version(version);
    let mut p = Package::new(PackageKind::Deb, name, version, purl);
    p.licenses = licenses;
    p.supplier = Some("GNU Libc Maintainers <debian-glibc@lists.debian.org>".into());
    p.locations.push(Location {
        path: "/var/lib/dpkg/status".into(),
        layer: Some(0),
    });
    p.layer = Some(0);
    p
}

fn inventory() -> Inventory {
    let libc = pkg(
        "libc6",
        "2.36-9+deb12u7",
        vec![License::Expression("LGPL-2.1-or-later".into())],
    );
    let gcc = pkg(
        "libgcc-s1",
        "12.2.0-14",
        vec![
            License::Expression("GPL-3.0-or-later WITH GCC-exception-3.1".into()),
            License::Raw("Artistic".into()),
        ],
    );
    let bare = pkg("tzdata", "2024a-0+deb12u1", vec![]);
    let mut inv = Inventory {
        source: TargetInfo {
            name: "oci:/some/where/debian:12".into(),
            digest: "sha256:1111111111111111111111111111111111111111111111111111111111111111"
                .into(),
            manifest_digest:
                "sha256:1111111111111111111111111111111111111111111111111111111111111111".into(),
            platform: "linux/amd64".into(),
            created: Some("2024-05-01T10:11:12.123456789Z".into()),
            layers: vec![],
        },
        relationships: vec![Relationship {
            from: libc.id(),
            to: gcc.id(),
            kind: RelationshipKind::DependsOn,
        }],
        packages: vec![libc, gcc, bare],
        ..Inventory::default()
    };
    inv.normalize();
    inv
}

fn json(format: Format, inv: &Inventory) -> Value {
    let opts = WriteOptions::new("0.1.0", inv, None);
    serde_json::from_slice(&write(format, inv, &opts).unwrap()).unwrap()
}

#[test]
fn created_comes_from_source_date_epoch_then_the_image() {
    let inv = inventory();
    assert_eq!(
        WriteOptions::new("0.1.0", &inv, Some("1700000000")).created,
        "2023-11-14T22:13:20Z"
    );
    assert_eq!(
        WriteOptions::new("0.1.0", &inv, None).created,
        "2024-05-01T10:11:12Z"
    );
    assert_eq!(
        WriteOptions::new("0.1.0", &inv, Some("garbage")).created,
        "2024-05-01T10:11:12Z"
    );
}

#[test]
fn spdx_document_shape() {
    let doc = json(Format::SpdxJson, &inventory());
    assert_eq!(doc["spdxVersion"], "SPDX-2.3");
    assert_eq!(doc["creationInfo"]["creators"][0], "Tool: kiln-0.1.0");
    assert_eq!(doc["creationInfo"]["created"], "2024-05-01T10:11:12Z");
    let ns = doc["documentNamespace"].as_str().unwrap();
    assert!(
        ns.starts_with("https://spdx.org/spdxdocs/kiln/debian-12-"),
        "{ns}"
    );
    let pkgs = doc["packages"].as_array().unwrap();
    assert_eq!(pkgs.len(), 4);
    for p in pkgs {
        let id = p["SPDXID"].as_str().unwrap();
        assert!(
            id["SPDXRef-".len()..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'),
            "{id}"
        );
        assert_eq!(p["filesAnalyzed"], false);
    }
    let libc = &pkgs[1];
    assert_eq!(
        libc["externalRefs"][0]["referenceCategory"],
        "PACKAGE-MANAGER"
    );
    assert_eq!(
        libc["externalRefs"][0]["referenceLocator"],
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u7"
    );
    assert_eq!(
        libc["supplier"],
        "Person: GNU Libc Maintainers (debian-glibc@lists.debian.org)"
    );
    let gcc = &pkgs[2];
    let declared = gcc["licenseDeclared"].as_str().unwrap();
    assert!(
        declared.starts_with("(GPL-3.0-or-later WITH GCC-exception-3.1) AND LicenseRef-Artistic-"),
        "{declared}"
    );
    assert_eq!(
        doc["hasExtractedLicensingInfos"][0]["licenseId"],
        declared.rsplit(' ').next().unwrap()
    );
    assert_eq!(pkgs[3]["licenseDeclared"], "NOASSERTION");
    let rels = doc["relationships"].as_array().unwrap();
    let kinds: Vec<_> = rels
        .iter()
        .map(|r| r["relationshipType"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "DESCRIBES",
            "CONTAINS",
            "CONTAINS",
            "CONTAINS",
            "DEPENDS_ON"
        ]
    );
}

#[test]
fn cyclonedx_document_shape() {
    let doc = json(Format::CycloneDxJson, &inventory());
    assert_eq!(doc["specVersion"], "1.6");
    assert!(doc["metadata"]["tools"]["components"].is_array());
    assert_eq!(doc["metadata"]["component"]["type"], "container");
    let comps = doc["components"].as_array().unwrap();
    assert_eq!(
        comps[0]["licenses"],
        serde_json::json!([{"license": {"id": "LGPL-2.1-or-later"}}])
    );
    assert_eq!(
        comps[1]["licenses"],
        serde_json::json!([{"license": {"name": "GPL-3.0-or-later WITH GCC-exception-3.1"}}, {"license": {"name": "Artistic"}}])
    );
    assert!(comps[2].get("licenses").is_none());
    let deps = doc["dependencies"].as_array().unwrap();
    assert_eq!(deps.len(), 4);
    assert_eq!(deps[0]["dependsOn"].as_array().unwrap().len(), 3);
    let leaves = deps
        .iter()
        .filter(|d| d["dependsOn"].as_array().is_some_and(Vec::is_empty))
        .count();
    assert_eq!(leaves, 2, "leaves have an explicit empty dependsOn");
    let serial = doc["serialNumber"].as_str().unwrap();
    assert_eq!(serial.len(), "urn:uuid:".len() + 36);
    assert_eq!(&serial[23..24], "5");
}

#[test]
fn table_is_sorted_and_aligned() {
    let out = String::from_utf8(
        write(
            Format::Table,
            &inventory(),
            &WriteOptions::new("0.1.0", &inventory(), None),
        )
        .unwrap(),
    )
    .unwrap();
    let lines: Vec<_> = out.lines().collect();
    assert_eq!(lines[0], "NAME       VERSION          TYPE");
    assert_eq!(lines[1], "libc6      2.36-9+deb12u7   deb");
    assert_eq!(lines.len(), 4);
}

#[test]
fn every_format_is_deterministic() {
    for f in Format::ALL {
        let a = write(
            f,
            &inventory(),
            &WriteOptions::new("0.1.0", &inventory(), None),
        )
        .unwrap();
        let b = write(
            f,
            &inventory(),
            &WriteOptions::new("0.1.0", &inventory(), None),
        )
        .unwrap();
        assert_eq!(a, b, "{f}");
        assert_eq!(f.as_str().parse::<Format>().unwrap(), f);
    }
    assert!("xml".parse::<Format>().is_err());
}

#[test]
fn spdx3_document_shape() {
    let doc = json(Format::Spdx3Json, &inventory());
    assert_eq!(
        doc["@context"],
        "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
    );
    let graph = doc["@graph"].as_array().unwrap();
    let of = |t: &str| -> Vec<&Value> { graph.iter().filter(|e| e["type"] == t).collect() };
    assert_eq!(graph[0]["type"], "CreationInfo");
    assert_eq!(graph[0]["created"], "2024-05-01T10:11:12Z");
    assert_eq!(graph[0]["specVersion"], "3.0.1");
    let document = of("SpdxDocument");
    let sbom = of("software_Sbom");
    assert_eq!(document.len(), 1);
    assert_eq!(document[0]["rootElement"][0], sbom[0]["spdxId"]);
    let packages = of("software_Package");
    assert_eq!(packages.len(), 4, "the image and three packages");
    assert_eq!(sbom[0]["rootElement"][0], packages[0]["spdxId"]);
    assert_eq!(packages[0]["software_primaryPurpose"], "container");
    assert_eq!(
        packages[1]["software_packageUrl"],
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u7"
    );
    // Every element but the CreationInfo has a unique IRI, and the document lists them all.
    let ids: std::collections::BTreeSet<&str> =
        graph.iter().filter_map(|e| e["spdxId"].as_str()).collect();
    assert_eq!(ids.len(), graph.len() - 1);
    assert_eq!(
        document[0]["element"].as_array().unwrap().len(),
        graph.len() - 2
    );
    // One supplier, one Person, referenced by every package.
    assert_eq!(of("Person").len(), 1);
    assert_eq!(packages[1]["suppliedBy"], of("Person")[0]["spdxId"]);
    let kinds: Vec<&str> = of("Relationship")
        .iter()
        .map(|r| r["relationshipType"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "contains").count(), 1);
    assert_eq!(kinds.iter().filter(|k| **k == "dependsOn").count(), 1);
    assert_eq!(
        kinds.iter().filter(|k| **k == "hasDeclaredLicense").count(),
        2
    );
    let exprs: Vec<&str> = of("simplelicensing_LicenseExpression")
        .iter()
        .map(|e| e["simplelicensing_licenseExpression"].as_str().unwrap())
        .collect();
    assert!(exprs.contains(&"CC0-1.0"), "the data licence");
    let gcc = exprs
        .iter()
        .find(|e| {
            e.starts_with("(GPL-3.0-or-later WITH GCC-exception-3.1) AND LicenseRef-Artistic-")
        })
        .unwrap();
    let texts = of("simplelicensing_SimpleLicensingText");
    assert_eq!(texts.len(), 1);
    assert_eq!(texts[0]["simplelicensing_licenseText"], "Artistic");
    assert!(gcc.ends_with(texts[0]["name"].as_str().unwrap()));
}

#[test]
fn targets_without_a_digest_are_named_by_their_content() {
    let serial = |inv: &Inventory| json(Format::CycloneDxJson, inv)["serialNumber"].to_string();
    let mut dir = inventory();
    dir.source.digest.clear();
    dir.source.name = "dir:/srv/root".into();
    let mut other = dir.clone();
    other.packages.pop();
    assert_eq!(
        serial(&dir),
        serial(&dir.clone()),
        "same content, same serial"
    );
    assert_ne!(serial(&dir), serial(&other), "other content, other serial");
    assert_ne!(
        serial(&dir),
        serial(&inventory()),
        "a digest names the image"
    );
}
