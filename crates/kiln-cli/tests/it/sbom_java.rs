//! `kiln sbom` on Java archives built here by the JDK (`javac`, `jar`): a jar with
//! pom.properties, a jar known only by its manifest, a fat jar with nested jars, and a war
//! with a library; kiln's `name@version` set must contain the union of what Syft and
//! Trivy find (Trivy reading an empty Java index, as it must offline, and writing
//! CycloneDX, the only output for which Trivy 0.59 runs its jar analyzer).

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::sbom::assert_covers_peers;
use kiln_test::fixture::{Compression, ImageBuilder, LayerSpec, require_tool};
use support::tools::{name_versions, syft_json, trivy, trivy_java_db_stub};
use support::{kiln, s};

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes `files` (path, text) under `dir`.
fn tree(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

/// `jar cfm OUT MANIFEST -C dir .`
fn jar(out: &Path, manifest: &str, dir: &Path) -> PathBuf {
    let m = out.with_extension("mf");
    std::fs::write(&m, manifest).unwrap();
    run(Command::new(require_tool("jar"))
        .arg("cfm")
        .arg(out)
        .arg(&m)
        .arg("-C")
        .arg(dir)
        .arg("."));
    out.to_owned()
}

/// The four archives, built in `work`.
fn archives(work: &Path) -> Vec<(&'static str, Vec<u8>)> {
    let src = work.join("src");
    tree(
        &src,
        &[(
            "com/example/Greeter.java",
            "package com.example;\npublic class Greeter {\n  public static void main(String[] a) { System.out.println(\"hi\"); }\n}\n",
        )],
    );
    let classes = work.join("greeter");
    run(Command::new(require_tool("javac"))
        .arg("-d")
        .arg(&classes)
        .arg(src.join("com/example/Greeter.java")));
    tree(
        &classes,
        &[(
            "META-INF/maven/com.example/greeter/pom.properties",
            "groupId=com.example\nartifactId=greeter\nversion=1.4.2\n",
        )],
    );
    let greeter = jar(
        &work.join("greeter-1.4.2.jar"),
        "Main-Class: com.example.Greeter\nImplementation-Title: greeter\nImplementation-Version: 1.4.2\n",
        &classes,
    );
    // Known by its manifest and file name only.
    let slf = work.join("slf4j");
    tree(&slf, &[("org/slf4j/README.txt", "api\n")]);
    let slf4j = jar(
        &work.join("slf4j-api-1.7.36.jar"),
        "Implementation-Title: slf4j-api\nImplementation-Version: 1.7.36\nBundle-SymbolicName: slf4j.api\nBundle-Version: 1.7.36\n",
        &slf,
    );
    // A fat jar with both inside, and its own pom.properties.
    let fat = work.join("fat");
    tree(
        &fat,
        &[(
            "META-INF/maven/com.example/shop/pom.properties",
            "groupId=com.example\nartifactId=shop\nversion=2.0.0\n",
        )],
    );
    std::fs::create_dir_all(fat.join("BOOT-INF/lib")).unwrap();
    std::fs::copy(&greeter, fat.join("BOOT-INF/lib/greeter-1.4.2.jar")).unwrap();
    std::fs::copy(&slf4j, fat.join("BOOT-INF/lib/slf4j-api-1.7.36.jar")).unwrap();
    let shop = jar(
        &work.join("shop-2.0.0.jar"),
        "Main-Class: org.springframework.boot.loader.JarLauncher\n",
        &fat,
    );
    // A war with a library jar inside.
    let lib = work.join("lang3");
    tree(
        &lib,
        &[(
            "META-INF/maven/org.apache.commons/commons-lang3/pom.properties",
            "groupId=org.apache.commons\nartifactId=commons-lang3\nversion=3.12.0\n",
        )],
    );
    let lang3 = jar(
        &work.join("commons-lang3-3.12.0.jar"),
        "Bundle-License: Apache-2.0\n",
        &lib,
    );
    let web = work.join("web");
    std::fs::create_dir_all(web.join("WEB-INF/lib")).unwrap();
    std::fs::copy(&lang3, web.join("WEB-INF/lib/commons-lang3-3.12.0.jar")).unwrap();
    tree(&web, &[("index.html", "<p>legacy</p>\n")]);
    let war = jar(
        &work.join("legacy.war"),
        "Implementation-Title: legacy\n",
        &web,
    );
    vec![
        (
            "/opt/app/greeter-1.4.2.jar",
            std::fs::read(greeter).unwrap(),
        ),
        (
            "/opt/app/slf4j-api-1.7.36.jar",
            std::fs::read(slf4j).unwrap(),
        ),
        ("/opt/app/shop-2.0.0.jar", std::fs::read(shop).unwrap()),
        ("/srv/legacy.war", std::fs::read(war).unwrap()),
    ]
}

#[test]
fn finds_every_java_package_syft_and_trivy_find() {
    let work = tempfile::tempdir().unwrap();
    let mut layer = LayerSpec::new().file(
        "/etc/os-release",
        b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
        0o644,
    );
    for (path, bytes) in archives(work.path()) {
        layer = layer.file(path, &bytes, 0o644);
    }
    let layout = work.path().join("layout");
    ImageBuilder::new()
        .layer(layer, Compression::Gzip)
        .write_layout(&layout, "fixture");

    let doc = kiln(&[
        "sbom",
        "-q",
        "-f",
        "json",
        &format!("oci:{}:fixture", s(&layout)),
    ])
    .json();
    let ours = name_versions(
        &doc["packages"],
        |p| p["kind"] == "maven",
        "name",
        "version",
    );
    let syft = name_versions(
        &syft_json(&layout)["artifacts"],
        |a| a["type"] == "java-archive",
        "name",
        "version",
    );
    let cache = work.path().join("trivy-cache");
    trivy_java_db_stub(&cache);
    // Trivy 0.59 runs its jar analyzer only when it writes an SBOM.
    let cdx: serde_json::Value =
        serde_json::from_slice(&trivy(&layout, &cache, "cyclonedx")).unwrap();
    let is_maven = |c: &serde_json::Value| {
        c["purl"]
            .as_str()
            .is_some_and(|p| p.starts_with("pkg:maven/"))
    };
    let trivy = name_versions(&cdx["components"], is_maven, "name", "version");
    assert!(
        !syft.is_empty() && !trivy.is_empty(),
        "peers found nothing: syft {syft:?} trivy {trivy:?}"
    );
    // Packages a peer lists wrongly, and why.
    let peer_errors = [(
        "legacy@UNKNOWN",
        "Syft: legacy.war carries no version anywhere (no pom.properties, no \
         Implementation-Version, none in its file name); UNKNOWN is Syft's placeholder, \
         and the package it names cannot be matched against anything (Trivy agrees)",
    )];
    assert_covers_peers("maven", &ours, &syft, &trivy, &peer_errors);
    for want in [
        "greeter@1.4.2",
        "slf4j-api@1.7.36",
        "shop@2.0.0",
        "commons-lang3@3.12.0",
    ] {
        assert!(ours.contains(want), "kiln misses {want}: {ours:?}");
    }
}
