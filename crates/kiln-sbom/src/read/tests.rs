//! SBOM reading on small hand-written documents in the shapes Syft, Trivy and kiln write.

use super::*;

#[test]
fn cyclonedx_with_os_component_nested_components_and_refs() {
    let doc = br#"{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,
      "components":[
        {"type":"operating-system","name":"debian","version":"11"},
        {"bom-ref":"a","type":"library","name":"libssl1.1","version":"1.1.1n-0+deb11u3",
         "purl":"pkg:deb/debian/libssl1.1@1.1.1n-0%2Bdeb11u3?arch=amd64&upstream=openssl",
         "properties":[{"name":"syft:location:0:path","value":"/var/lib/dpkg/status"}],
         "components":[{"bom-ref":"b","type":"library","name":"urllib3","purl":"pkg:pypi/urllib3@1.26.4"}]},
        {"bom-ref":"c","type":"file","name":"x"},
        {"bom-ref":"d","type":"library","name":"g","purl":"pkg:generic/g@1"},
        {"bom-ref":"e","type":"container","name":"i","purl":"pkg:oci/i@sha256%3Aab"}
      ]}"#;
    let s = read("bom.json", doc).unwrap();
    assert_eq!(s.format, "cyclonedx");
    let d = s.inventory.distro.as_ref().unwrap();
    assert_eq!(
        (d.id.as_str(), d.version_id.as_deref()),
        ("debian", Some("11"))
    );
    let got: Vec<_> = s
        .inventory
        .packages
        .iter()
        .map(|p| (p.kind, p.name.as_str(), p.version.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (PackageKind::Deb, "libssl1.1", "1.1.1n-0+deb11u3"),
            (PackageKind::Python, "urllib3", "1.26.4"),
            (PackageKind::Binary, "g", "1")
        ]
    );
    let ssl = &s.inventory.packages[0];
    assert_eq!(ssl.source.as_ref().unwrap().name, "openssl");
    assert_eq!(ssl.locations[0].path, "/var/lib/dpkg/status");
    assert_eq!(s.bom_refs.get(&ssl.id()).map(String::as_str), Some("a"));
    assert_eq!(s.bom_refs.len(), 3);
}

#[test]
fn spdx_with_distro_qualifier_and_epoch() {
    let doc = br#"{"spdxVersion":"SPDX-2.3","packages":[
        {"name":"bash","versionInfo":"5.1.8-9.el9","externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl",
          "referenceLocator":"pkg:rpm/rocky/bash@5.1.8-9.el9?epoch=1&distro=rocky-9.4"}]},
        {"name":"nopurl"}]}"#;
    let s = read("s.spdx.json", doc).unwrap();
    let d = s.inventory.distro.unwrap();
    assert_eq!(
        (d.id.as_str(), d.version_id.as_deref()),
        ("rocky", Some("9.4"))
    );
    assert_eq!(s.inventory.packages.len(), 1);
    assert_eq!(s.inventory.packages[0].version, "1:5.1.8-9.el9");
    assert_eq!(s.inventory.source.name, "s.spdx.json");
}

#[test]
fn trivy_source_packages_from_properties_and_source_info() {
    let cdx = br#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[
        {"type":"library","name":"libssl1.1","version":"1.1.1n-0+deb11u3",
         "purl":"pkg:deb/debian/libssl1.1@1.1.1n-0%2Bdeb11u3?arch=amd64&distro=debian-11.6",
         "properties":[{"name":"aquasecurity:trivy:SrcName","value":"openssl"},
           {"name":"aquasecurity:trivy:SrcRelease","value":"0+deb11u3"},
           {"name":"aquasecurity:trivy:SrcVersion","value":"1.1.1n"}]},
        {"type":"library","name":"login","version":"1:4.8.1-1",
         "purl":"pkg:deb/debian/login@4.8.1-1?arch=amd64&distro=debian-11.6&epoch=1",
         "properties":[{"name":"aquasecurity:trivy:SrcEpoch","value":"1"},
           {"name":"aquasecurity:trivy:SrcName","value":"shadow"},
           {"name":"aquasecurity:trivy:SrcRelease","value":"1"},
           {"name":"aquasecurity:trivy:SrcVersion","value":"4.8.1"}]}]}"#;
    let spdx = br#"{"spdxVersion":"SPDX-2.3","packages":[
        {"name":"libssl1.1","versionInfo":"1.1.1n-0+deb11u3","sourceInfo":"built package from: openssl 1.1.1n-0+deb11u3",
         "externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl",
          "referenceLocator":"pkg:deb/debian/libssl1.1@1.1.1n-0%2Bdeb11u3?arch=amd64&distro=debian-11.6"}]},
        {"name":"login","versionInfo":"1:4.8.1-1","sourceInfo":"built package from: shadow 1:4.8.1-1",
         "externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl",
          "referenceLocator":"pkg:deb/debian/login@4.8.1-1?arch=amd64&distro=debian-11.6&epoch=1"}]}]}"#;
    for (name, doc) in [("t.cdx.json", &cdx[..]), ("t.spdx.json", &spdx[..])] {
        let s = read(name, doc).unwrap();
        let sources: Vec<_> = s
            .inventory
            .packages
            .iter()
            .map(|p| {
                let src = p.source.as_ref().unwrap();
                (src.name.as_str(), src.version.as_deref())
            })
            .collect();
        assert_eq!(
            sources,
            [
                ("openssl", Some("1.1.1n-0+deb11u3")),
                ("shadow", Some("1:4.8.1-1"))
            ],
            "{name}"
        );
    }
    assert_eq!(spdx_source_info("something else"), None);
}

#[test]
fn distro_qualifiers() {
    let d = distro_qualifier("alpine-3.18.4").unwrap();
    assert_eq!(
        (d.id.as_str(), d.version_id.as_deref()),
        ("alpine", Some("3.18.4"))
    );
    let d = distro_qualifier("opensuse-leap-15.5").unwrap();
    assert_eq!(
        (d.id.as_str(), d.version_id.as_deref()),
        ("opensuse-leap", Some("15.5"))
    );
    assert_eq!(distro_qualifier("wolfi").unwrap().version_id, None);
}

#[test]
fn bad_documents_name_the_file() {
    for bad in [
        &b"]"[..],
        b"{}",
        br#"{"spdxVersion":"SPDX-3.0"}"#,
        br#"{"packages":1,"source":2}"#,
    ] {
        let e = read("in.json", bad).unwrap_err().to_string();
        assert!(e.contains("in.json"), "{e}");
    }
    assert!(looks_like_json(b"  \n{\"a\":1}"));
    assert!(!looks_like_json(b"\x1f\x8b"));
}

proptest::proptest! {
    #[test]
    fn read_never_panics(s in "\\PC{0,300}") {
        let _ = read("p.json", s.as_bytes());
    }
}
