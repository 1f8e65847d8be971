//! Java archives built in the test: a war with nested jars, pom.properties, pom.xml and
//! manifests, and archives that are broken or too big.

use std::io::Write;

use kiln_test::fixture::LayerSpec;
use kiln_types::PackageKind;

use super::{by_purl, ids};
use crate::lang::java::{Scan, meta};
use crate::testfs::inventory;

/// A zip archive of `(name, content)` entries, deflated.
pub(crate) fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

const LANG3_PROPS: &str = "#Created by Apache Maven 3.8.1\n\
groupId=org.apache.commons\nartifactId=commons-lang3\nversion=3.12.0\n";

const MANIFEST: &str = "Manifest-Version: 1.0\r\nCreated-By: Maven JAR Plugin 3.3.0\r\n\
Implementation-Title: Guava: Google Core Libraries for Java\r\nImplementation-Version: 32.1.2-jre\r\n\
Bundle-SymbolicName: com.google.guava\r\nBundle-Version: 32.1.2.jre\r\n\
Bundle-License: http://www.apache.org/licenses/LICENSE-2.0.tx\r\n t\r\n\r\nName: x\r\n";

const POM: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <!-- <version>9</version> -->
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>org.slf4j</groupId>
    <artifactId>slf4j-parent</artifactId>
    <version>2.0.9</version>
  </parent>
  <artifactId>slf4j-api</artifactId>
  <dependencies>
    <dependency><groupId>junit</groupId><artifactId>junit</artifactId><version>4.13</version></dependency>
  </dependencies>
</project>"#;

fn war() -> Vec<u8> {
    let lang3 = zip(&[
        (
            "META-INF/MANIFEST.MF",
            b"Manifest-Version: 1.0\r\nBundle-License: Apache-2.0\r\n",
        ),
        (
            "META-INF/maven/org.apache.commons/commons-lang3/pom.properties",
            LANG3_PROPS.as_bytes(),
        ),
        (
            "org/apache/commons/lang3/StringUtils.class",
            b"\xca\xfe\xba\xbe",
        ),
    ]);
    let guava = zip(&[("META-INF/MANIFEST.MF", MANIFEST.as_bytes())]);
    let slf4j = zip(&[("META-INF/maven/org.slf4j/slf4j-api/pom.xml", POM.as_bytes())]);
    zip(&[
        ("WEB-INF/web.xml", b"<web-app/>"),
        ("WEB-INF/lib/commons-lang3-3.12.0.jar", &lang3),
        ("WEB-INF/lib/guava-32.1.2-jre.jar", &guava),
        ("WEB-INF/lib/slf4j-api-2.0.9.jar", &slf4j),
        ("WEB-INF/lib/broken-1.0.jar", b"not a zip at all"),
    ])
}

#[test]
fn war_with_nested_jars() {
    let layer = LayerSpec::new()
        .file("/opt/app/shop-1.4.2.war", &war(), 0o644)
        .file(
            "/opt/app/lib/notzip-2.0.jar",
            b"PK\x03\x04 this is not really a zip",
            0o644,
        );
    let inv = inventory(&[LayerSpec::new(), layer]);
    assert_eq!(
        ids(&inv, PackageKind::Maven),
        [
            "commons-lang3@3.12.0",
            "guava@32.1.2-jre",
            "shop@1.4.2",
            "slf4j-api@2.0.9"
        ]
    );
    let lang3 = by_purl(&inv, "pkg:maven/org.apache.commons/commons-lang3@3.12.0");
    assert_eq!(
        lang3.locations[0].path,
        "/opt/app/shop-1.4.2.war:WEB-INF/lib/commons-lang3-3.12.0.jar"
    );
    assert_eq!(lang3.layer, Some(1));
    assert_eq!(
        lang3.licenses,
        [kiln_types::License::Expression("Apache-2.0".into())]
    );
    by_purl(&inv, "pkg:maven/org.slf4j/slf4j-api@2.0.9");
    by_purl(&inv, "pkg:maven/guava/guava@32.1.2-jre");
    let broken: Vec<_> = inv
        .warnings
        .iter()
        .filter(|w| w.contains("not a zip"))
        .collect();
    assert_eq!(broken.len(), 2, "{:?}", inv.warnings);
    assert!(
        broken
            .iter()
            .any(|w| w.contains("shop-1.4.2.war:WEB-INF/lib/broken-1.0.jar"))
    );
    assert!(
        broken
            .iter()
            .any(|w| w.contains("/opt/app/lib/notzip-2.0.jar"))
    );
}

#[test]
fn bombs_and_deep_nesting_are_warnings() {
    // 64 MiB of zeros deflate to about 64 KiB; the budget is 1 MiB.
    let zeros = vec![0u8; 64 << 20];
    let bomb = zip(&[("WEB-INF/lib/bomb-1.0.jar", &zeros)]);
    let mut scan = Scan {
        budget: 1 << 20,
        found: Vec::new(),
        warnings: Vec::new(),
    };
    scan.archive(&bomb, "/a.war", 0);
    assert_eq!(scan.warnings.len(), 1, "{:?}", scan.warnings);
    assert!(scan.warnings[0].contains("over the limit"));
    let mut inner = zip(&[(
        "META-INF/maven/g/deep/pom.properties",
        b"groupId=g\nartifactId=deep\nversion=1\n",
    )]);
    for level in 0..6 {
        inner = zip(&[(format!("lib/level{level}.jar").as_str(), &inner)]);
    }
    let mut scan = Scan {
        budget: 1 << 30,
        found: Vec::new(),
        warnings: Vec::new(),
    };
    scan.archive(&inner, "/deep.jar", 0);
    assert!(scan.found.is_empty());
    assert!(
        scan.warnings
            .iter()
            .any(|w| w.contains("nested deeper than 4")),
        "{:?}",
        scan.warnings
    );
}

/// A war holding a jar that inflates to 1 GiB, written in pieces so the test itself
/// never holds it, next to a normal jar: a warning, and the rest is still found.
#[test]
fn a_gigabyte_nested_jar_is_a_warning() {
    let lang3 = zip(&[(
        "META-INF/maven/org.apache.commons/commons-lang3/pom.properties",
        LANG3_PROPS.as_bytes(),
    )]);
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .large_file(true);
    w.start_file("WEB-INF/lib/bomb-1.0.jar", opts).unwrap();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..1024 {
        w.write_all(&chunk).unwrap();
    }
    w.start_file("WEB-INF/lib/commons-lang3-3.12.0.jar", opts)
        .unwrap();
    w.write_all(&lang3).unwrap();
    let war = w.finish().unwrap().into_inner();
    assert!(
        war.len() < 16 << 20,
        "the bomb is small on disk: {}",
        war.len()
    );
    let started = std::time::Instant::now();
    let inv = inventory(&[LayerSpec::new().file("/srv/bomb.war", &war, 0o644)]);
    assert!(started.elapsed().as_secs() < 30);
    assert_eq!(
        ids(&inv, PackageKind::Maven),
        ["commons-lang3@3.12.0"],
        "the bomb is not opened, so nothing names it"
    );
    assert!(
        inv.warnings
            .iter()
            .any(|w| w.contains("/srv/bomb.war:WEB-INF/lib/bomb-1.0.jar")
                && w.contains("over the limit")),
        "{:?}",
        inv.warnings
    );
}

#[test]
fn metadata_files() {
    assert_eq!(
        meta::file_name_parts("commons-lang3-3.12.0.jar"),
        ("commons-lang3", "3.12.0")
    );
    assert_eq!(meta::file_name_parts("app.jar"), ("app", ""));
    let mf = meta::manifest(MANIFEST);
    assert_eq!(
        mf["Bundle-License"],
        "http://www.apache.org/licenses/LICENSE-2.0.txt"
    );
    assert!(!mf.contains_key("Name"));
    let pom = meta::pom_xml(POM).unwrap();
    assert_eq!(
        (
            pom.group.as_str(),
            pom.artifact.as_str(),
            pom.version.as_str()
        ),
        ("org.slf4j", "slf4j-api", "2.0.9")
    );
    assert_eq!(
        meta::pom_xml("<project><artifactId>a</artifactId><version>${v}</version></project>"),
        None
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    #[test]
    fn zip_handling_never_panics(at in 0usize..2000, byte in proptest::num::u8::ANY, cut in 0usize..2000) {
        let mut bytes = war();
        let n = bytes.len();
        if let Some(b) = bytes.get_mut(at % n) {
            *b = byte;
        }
        bytes.truncate(n.saturating_sub(cut));
        let mut scan = Scan { budget: 1 << 20, found: Vec::new(), warnings: Vec::new() };
        scan.archive(&bytes, "/x.war", 0);
    }

    #[test]
    fn java_metadata_never_panics(text in "\\PC*") {
        let _ = meta::pom_xml(&text);
        let _ = meta::pom_properties(&text);
        let _ = meta::manifest(&text);
        let _ = meta::file_name_parts(&text);
    }
}
