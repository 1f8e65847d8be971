//! `kiln sbom` end to end: documents that validators no one here wrote accept
//! (pyspdxtools, the SPDX 3 model bindings, the official CycloneDX 1.6 schema), byte-identical reruns, atomic
//! `--output`, bad input, and the Debian packages Syft and Trivy find on the same image;
//! language packages (pip, npm, a war) over a dpkg-owned Python module, and the Python and
//! npm packages the peers find.

use crate::support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use kiln_test::deb::small_debian_root;
use kiln_test::fixture::{Compression, ImageBuilder, LayerSpec, require_tool};
use support::tools::{
    cyclonedx_validate, name_versions, pyspdxtools, spdx3_validate, syft_json, trivy_json,
    trivy_os_packages,
};
use support::{kiln, s};

/// The small Debian image as an OCI layout (tag `fixture`), made with `kiln copy`.
fn debian_layout(work: &Path) -> PathBuf {
    let root = work.join("root");
    small_debian_root(&root, work);
    layout_of(&root, &work.join("layout"))
}

/// The root directory `root` as a one-layer linux/amd64 OCI layout at `layout` (tag
/// `fixture`), made with `kiln copy`.
pub(crate) fn layout_of(root: &Path, layout: &Path) -> PathBuf {
    kiln(&[
        "copy",
        "--platform",
        "linux/amd64",
        &format!("dir:{}", s(root)),
        &format!("oci:{}:fixture", s(layout)),
    ])
    .ok();
    layout.to_owned()
}

pub(crate) fn sbom(layout: &Path, format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args([
            "sbom",
            "-q",
            "--format",
            format,
            &format!("oci:{}:fixture", s(layout)),
        ])
        .env("SOURCE_DATE_EPOCH", "1714521600")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn documents_pass_the_validators_and_are_deterministic() {
    let work = tempfile::tempdir().unwrap();
    let layout = debian_layout(work.path());

    let spdx = sbom(&layout, "spdx-json");
    assert_eq!(spdx, sbom(&layout, "spdx-json"), "same input, same bytes");
    let spdx_file = work.path().join("sbom.spdx.json");
    std::fs::write(&spdx_file, &spdx).unwrap();
    let (ok, text) = pyspdxtools(&spdx_file);
    assert!(
        ok && !text.to_lowercase().contains("invalid"),
        "pyspdxtools rejected kiln's SPDX:\n{text}\n{spdx}"
    );
    let doc: serde_json::Value = serde_json::from_str(&spdx).unwrap();
    assert_eq!(doc["creationInfo"]["created"], "2024-05-01T00:00:00Z");
    assert_eq!(
        doc["packages"].as_array().unwrap().len(),
        6,
        "the image and five packages"
    );
    assert!(
        doc["hasExtractedLicensingInfos"].is_array(),
        "tzdata's public-domain is a LicenseRef"
    );
    // OS packages carry CPE 2.3 names (pyspdxtools checks their syntax), `+` quoted.
    let base_files = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "base-files")
        .unwrap();
    let cpes: Vec<&str> = base_files["externalRefs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["referenceCategory"] == "SECURITY" && r["referenceType"] == "cpe23Type")
        .map(|r| r["referenceLocator"].as_str().unwrap())
        .collect();
    assert_eq!(
        cpes,
        [
            "cpe:2.3:a:base-files:base-files:12.4\\+deb12u5:*:*:*:*:*:*:*",
            "cpe:2.3:a:debian:base-files:12.4\\+deb12u5:*:*:*:*:*:*:*"
        ]
    );

    // The validator really validates: an SPDX id with an underscore is refused.
    let broken = spdx.replacen("SPDXRef-DocumentRoot-", "SPDXRef-Document_Root-", 1);
    let broken_file = work.path().join("broken.spdx.json");
    std::fs::write(&broken_file, broken).unwrap();
    assert!(
        !pyspdxtools(&broken_file).0,
        "pyspdxtools accepted a bad SPDXID"
    );

    let spdx3 = sbom(&layout, "spdx3-json");
    assert_eq!(spdx3, sbom(&layout, "spdx3-json"), "same input, same bytes");
    let spdx3_file = work.path().join("sbom.spdx3.json");
    std::fs::write(&spdx3_file, &spdx3).unwrap();
    let (ok, text) = spdx3_validate(&spdx3_file);
    assert!(ok, "the SPDX 3 bindings rejected kiln's document:\n{text}");
    assert!(text.contains(" elements"), "{text}");
    // The bindings really validate: an unknown relationship type and a reference to an
    // element outside the document are refused.
    for (from, to) in [
        (
            "\"relationshipType\": \"contains\"",
            "\"relationshipType\": \"holds\"",
        ),
        (
            "\"rootElement\": [\n        \"https://",
            "\"rootElement\": [\n        \"https://x.invalid/",
        ),
    ] {
        assert!(spdx3.contains(from), "{from}");
        std::fs::write(&spdx3_file, spdx3.replacen(from, to, 1)).unwrap();
        assert!(
            !spdx3_validate(&spdx3_file).0,
            "accepted after {from} -> {to}"
        );
    }

    let cdx = sbom(&layout, "cyclonedx-json");
    assert_eq!(cdx, sbom(&layout, "cyclonedx-json"));
    let cdx_file = work.path().join("sbom.cdx.json");
    std::fs::write(&cdx_file, &cdx).unwrap();
    let (ok, text) = cyclonedx_validate(&cdx_file);
    assert!(
        ok,
        "the CycloneDX 1.6 schema rejected kiln's document:\n{text}"
    );
    let cdx_doc: serde_json::Value = serde_json::from_str(&cdx).unwrap();
    assert!(
        cdx_doc["components"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["cpe"]
                .as_str()
                .is_some_and(|c| c.starts_with("cpe:2.3:a:"))),
        "every deb component has a cpe"
    );
    let mut broken = cdx_doc;
    broken["components"][0]["type"] = "not-a-type".into();
    std::fs::write(&cdx_file, serde_json::to_vec(&broken).unwrap()).unwrap();
    assert!(
        !cyclonedx_validate(&cdx_file).0,
        "the schema accepted a bad component type"
    );

    let table = sbom(&layout, "table");
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["NAME", "VERSION", "TYPE"]
    );
    assert_eq!(
        lines[1].split_whitespace().collect::<Vec<_>>(),
        ["base-files", "12.4+deb12u5", "deb"]
    );
    assert_eq!(lines.len(), 6);

    let json: serde_json::Value = serde_json::from_str(&sbom(&layout, "json")).unwrap();
    assert_eq!(
        json["distro"]["versionCodename"]
            .as_str()
            .or(json["distro"]["version_codename"].as_str()),
        Some("bookworm")
    );
    assert_eq!(json["packages"].as_array().unwrap().len(), 5);
}

#[test]
fn output_file_is_written_whole_or_not_at_all() {
    let work = tempfile::tempdir().unwrap();
    let layout = debian_layout(work.path());
    let out = work.path().join("out.cdx.json");
    let run = kiln(&[
        "sbom",
        "-f",
        "cyclonedx-json",
        "-o",
        &s(&out),
        &format!("oci:{}:fixture", s(&layout)),
    ]);
    assert_eq!(run.ok(), "", "the document goes to the file, not stdout");
    assert!(run.stderr.contains("5 packages found"), "{}", run.stderr);
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(doc["components"].as_array().unwrap().len(), 5);
    let leftovers: Vec<_> = std::fs::read_dir(work.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");

    let missing = work.path().join("nope");
    let bad_out = work.path().join("bad.json");
    kiln(&["sbom", "-o", &s(&bad_out), &format!("oci:{}", s(&missing))])
        .fails_with(&[&s(&missing)]);
    assert!(!bad_out.exists(), "nothing written on failure");
    kiln(&["sbom", "-f", "xml", &format!("oci:{}", s(&layout))]).fails_with(&["xml"]);
}

#[test]
fn finds_every_debian_package_syft_and_trivy_find() {
    let work = tempfile::tempdir().unwrap();
    let layout = debian_layout(work.path());
    let doc: serde_json::Value = serde_json::from_str(&sbom(&layout, "json")).unwrap();
    let kiln_debs = name_versions(&doc["packages"], |p| p["kind"] == "deb", "name", "version");
    let syft = name_versions(
        &syft_json(&layout)["artifacts"],
        |a| a["type"] == "deb",
        "name",
        "version",
    );
    let trivy = trivy_os_packages(&trivy_json(&layout, &work.path().join("trivy-cache")));
    assert!(
        !syft.is_empty() && !trivy.is_empty(),
        "peers found nothing: syft {syft:?} trivy {trivy:?}"
    );
    // Packages a peer lists wrongly, and why. Anything else a peer lists and kiln does
    // not is a kiln bug until shown otherwise.
    let peer_errors = [(
        "oldpkg@1.0-1",
        "Syft: dpkg status says `deinstall ok config-files`: the package was removed and \
         only its conffile is left (Trivy agrees it is not installed)",
    )];
    for (pkg, why) in peer_errors {
        assert!(
            !kiln_debs.contains(pkg),
            "kiln lists {pkg}, which is not installed: {why}"
        );
    }
    assert_covers_peers("deb", &kiln_debs, &syft, &trivy, &peer_errors);
    assert_eq!(kiln_debs.len(), 5);
}

const SITE: &str = "/usr/local/lib/python3.11/site-packages";
const SIX_DIST: &str = "/usr/lib/python3/dist-packages/six-1.16.0.dist-info";

fn pip_metadata(name: &str, version: &str, license: &str) -> String {
    format!(
        "Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: s\n\
         License: {license}\nRequires-Python: >=3.7\n\nDescription body\n"
    )
}

/// npm's lock file of the app: shop depends on lodash and minimist.
const LOCK: &str = r#"{"name":"shop","version":"1.0.0","lockfileVersion":3,"requires":true,
"packages":{"":{"name":"shop","version":"1.0.0","dependencies":{"lodash":"^4.17.15","minimist":"1.2.0"}},
"node_modules/lodash":{"version":"4.17.15","license":"MIT"},
"node_modules/minimist":{"version":"1.2.0","license":"MIT"},
"node_modules/@types/node":{"version":"20.1.0","dev":true,"license":"MIT"}}}"#;

/// A jar made by Python's zipfile: a pom.properties and a manifest.
fn jar(work: &Path) -> Vec<u8> {
    let file = work.join("commons-lang3-3.12.0.jar");
    let script = "import sys, zipfile\n\
z = zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED)\n\
z.writestr('META-INF/MANIFEST.MF', 'Manifest-Version: 1.0\\r\\nBundle-License: Apache-2.0\\r\\n')\n\
z.writestr('META-INF/maven/org.apache.commons/commons-lang3/pom.properties', \
'groupId=org.apache.commons\\nartifactId=commons-lang3\\nversion=3.12.0\\n')\n\
z.close()\n";
    let out = Command::new(require_tool("python3"))
        .args(["-c", script])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(file).unwrap()
}

/// Debian with python3-six (its dist-info owned by dpkg), a pip layer, an npm app and,
/// with `java`, a jar and a file that claims to be one.
fn lang_layout(work: &Path, java: bool) -> PathBuf {
    let status = "Package: python3-six\nStatus: install ok installed\nPriority: optional\n\
Section: python\nInstalled-Size: 62\nMaintainer: Debian Python Team <team+python@tracker.debian.org>\n\
Architecture: all\nSource: six\nVersion: 1.16.0-4\nDepends: python3:any\n\
Description: Python 2 and 3 compatibility library\n\n";
    let list = format!(
        "/.\n/usr\n/usr/lib\n/usr/lib/python3\n/usr/lib/python3/dist-packages\n{SIX_DIST}\n{SIX_DIST}/METADATA\n"
    );
    let base = LayerSpec::new()
        .file(
            "/etc/os-release",
            b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
            0o644,
        )
        .file("/var/lib/dpkg/status", status.as_bytes(), 0o644)
        .file(
            "/var/lib/dpkg/info/python3-six.list",
            list.as_bytes(),
            0o644,
        )
        .file(
            &format!("{SIX_DIST}/METADATA"),
            pip_metadata("six", "1.16.0", "MIT").as_bytes(),
            0o644,
        );
    let pip = LayerSpec::new()
        .file(
            &format!("{SITE}/urllib3-1.26.4.dist-info/METADATA"),
            pip_metadata("urllib3", "1.26.4", "MIT").as_bytes(),
            0o644,
        )
        .file(
            &format!("{SITE}/urllib3-1.26.4.dist-info/RECORD"),
            b"urllib3/__init__.py,sha256=j3yzHIbmW7CS-IKQJ9-PPQf_YKO8EOAey_rMW0UR7us,2763\n",
            0o644,
        )
        .file(
            &format!("{SITE}/Jinja2-2.11.2.dist-info/METADATA"),
            pip_metadata("Jinja2", "2.11.2", "BSD-3-Clause").as_bytes(),
            0o644,
        )
        .file(
            &format!("{SITE}/urllib3/__init__.py"),
            b"__version__ = \"1.26.4\"\n",
            0o644,
        );
    let module = |name: &str, version: &str| {
        format!(r#"{{"name":"{name}","version":"{version}","license":"MIT","main":"index.js"}}"#)
    };
    let npm = LayerSpec::new()
        .file(
            "/app/package.json",
            br#"{"name":"shop","version":"1.0.0","private":true}"#,
            0o644,
        )
        .file(
            "/app/node_modules/lodash/package.json",
            module("lodash", "4.17.15").as_bytes(),
            0o644,
        )
        .file(
            "/app/node_modules/minimist/package.json",
            module("minimist", "1.2.0").as_bytes(),
            0o644,
        )
        .file(
            "/app/node_modules/@types/node/package.json",
            module("@types/node", "20.1.0").as_bytes(),
            0o644,
        )
        .file(
            "/app/node_modules/lodash/index.js",
            b"module.exports = {};\n",
            0o644,
        )
        .file("/app/package-lock.json", LOCK.as_bytes(), 0o644);
    let mut image = ImageBuilder::new()
        .layer(base, Compression::Gzip)
        .layer(pip, Compression::Gzip)
        .layer(npm, Compression::Gzip);
    if java {
        let java = LayerSpec::new()
            .file("/opt/lib/commons-lang3-3.12.0.jar", &jar(work), 0o644)
            .file(
                "/opt/lib/broken-1.0.jar",
                b"this is not a zip archive",
                0o644,
            );
        image = image.layer(java, Compression::Gzip);
    }
    let layout = work.join("lang-layout");
    image.write_layout(&layout, "fixture");
    layout
}

/// `name@version` of kiln's packages of `kind` (Python names lowercased).
pub(crate) fn kiln_ids(doc: &serde_json::Value, kind: &str) -> BTreeSet<String> {
    doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == kind)
        .map(|p| {
            id(
                kind,
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap(),
            )
        })
        .collect()
}

/// Asserts that `ours` (kiln's `name@version`s of `what`) holds every one Syft or Trivy
/// found, except those in `peer_errors`: a peer's mistake, with why. Anything else a peer
/// lists and kiln does not is a kiln bug until shown otherwise.
pub(crate) fn assert_covers_peers(
    what: &str,
    ours: &BTreeSet<String>,
    syft: &BTreeSet<String>,
    trivy: &BTreeSet<String>,
    peer_errors: &[(&str, &str)],
) {
    let missing: Vec<_> = syft
        .union(trivy)
        .filter(|p| !ours.contains(*p) && !peer_errors.iter().any(|(e, _)| e == p))
        .collect();
    assert!(
        missing.is_empty(),
        "{what}: kiln misses {missing:?}\nkiln {ours:?}\nsyft {syft:?}\ntrivy {trivy:?}"
    );
}

/// `name@version`, with Python names lowercased and the Go toolchain's version without
/// its `go`/`v` prefix (Syft writes `go1.19.8`, Trivy `v1.19.8`, kiln `1.19.8`).
fn id(kind: &str, name: &str, version: &str) -> String {
    let name = if kind == "python" {
        name.to_lowercase()
    } else {
        name.to_owned()
    };
    let version = if kind == "go" && name == "stdlib" {
        version.trim_start_matches("go").trim_start_matches('v')
    } else {
        version
    };
    format!("{name}@{version}")
}

#[test]
fn language_packages_end_to_end() {
    let work = tempfile::tempdir().unwrap();
    let layout = lang_layout(work.path(), true);
    let doc: serde_json::Value = serde_json::from_str(&sbom(&layout, "json")).unwrap();
    let purls: BTreeSet<(String, u64)> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["purl"].as_str().unwrap().to_owned(),
                p["layer"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [
        (
            "pkg:deb/debian/python3-six@1.16.0-4?arch=all&distro=debian-12&upstream=six",
            0,
        ),
        ("pkg:pypi/urllib3@1.26.4", 1),
        ("pkg:pypi/jinja2@2.11.2", 1),
        ("pkg:npm/shop@1.0.0", 2),
        ("pkg:npm/lodash@4.17.15", 2),
        ("pkg:npm/minimist@1.2.0", 2),
        ("pkg:npm/%40types/node@20.1.0", 2),
        ("pkg:maven/org.apache.commons/commons-lang3@3.12.0", 3),
    ];
    let expected: BTreeSet<(String, u64)> = expected
        .iter()
        .map(|(p, l)| ((*p).to_owned(), *l))
        .collect();
    assert_eq!(purls, expected, "six is reported once, as the deb");
    let relationships = doc["relationships"].as_array().unwrap();
    assert_eq!(relationships.len(), 2, "shop dependsOn lodash and minimist");
    assert!(relationships.iter().all(|r| r["kind"] == "dependsOn"));
    let warnings: Vec<&str> = doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("/opt/lib/broken-1.0.jar"));

    let spdx_file = work.path().join("lang.spdx.json");
    std::fs::write(&spdx_file, sbom(&layout, "spdx-json")).unwrap();
    let (ok, text) = pyspdxtools(&spdx_file);
    assert!(
        ok && !text.to_lowercase().contains("invalid"),
        "pyspdxtools rejected kiln's SPDX:\n{text}"
    );
    let cdx_file = work.path().join("lang.cdx.json");
    std::fs::write(&cdx_file, sbom(&layout, "cyclonedx-json")).unwrap();
    let (ok, text) = cyclonedx_validate(&cdx_file);
    assert!(
        ok,
        "the CycloneDX 1.6 schema rejected kiln's document:\n{text}"
    );
}

/// `name@version` of the packages of Syft type `syft_type` (Python names lowercased).
fn syft_ids(layout: &Path, syft_type: &str, kind: &str) -> BTreeSet<String> {
    let doc = syft_json(layout);
    doc["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["type"] == syft_type)
        .map(|a| {
            id(
                kind,
                a["name"].as_str().unwrap(),
                a["version"].as_str().unwrap(),
            )
        })
        .collect()
}

fn trivy_ids(layout: &Path, cache: &Path, trivy_type: &str, kind: &str) -> BTreeSet<String> {
    let doc = trivy_json(layout, cache);
    let mut found = BTreeSet::new();
    for result in doc["Results"].as_array().into_iter().flatten() {
        if result["Type"] != trivy_type {
            continue;
        }
        for p in result["Packages"].as_array().into_iter().flatten() {
            // Trivy lists a Go main module built without a version stamp with no version.
            let version = p["Version"].as_str().unwrap_or("(devel)");
            found.insert(id(kind, p["Name"].as_str().unwrap(), version));
        }
    }
    found
}

#[test]
fn finds_every_python_and_npm_package_syft_and_trivy_find() {
    let work = tempfile::tempdir().unwrap();
    let layout = lang_layout(work.path(), false);
    let doc: serde_json::Value = serde_json::from_str(&sbom(&layout, "json")).unwrap();
    let cache = work.path().join("trivy-cache");
    // Packages a peer lists wrongly, and why. Anything else a peer lists and kiln does
    // not is a kiln bug until shown otherwise.
    let peer_errors = [(
        "six@1.16.0",
        "Syft: that dist-info is a file of the deb python3-six (its dpkg .list names it); \
         Syft drops only binaries owned by an OS package, so apt's Python module is \
         listed twice (Trivy agrees it is one package)",
    )];
    for (kind, syft_type, trivy_type) in [
        ("python", "python", "python-pkg"),
        ("npm", "npm", "node-pkg"),
    ] {
        let ours = kiln_ids(&doc, kind);
        let syft = syft_ids(&layout, syft_type, kind);
        let trivy = trivy_ids(&layout, &cache, trivy_type, kind);
        assert!(
            !syft.is_empty() && !trivy.is_empty(),
            "{kind}: peers found nothing: syft {syft:?} trivy {trivy:?}"
        );
        assert_covers_peers(kind, &ours, &syft, &trivy, &peer_errors);
    }
    assert_eq!(
        kiln_ids(&doc, "python"),
        BTreeSet::from(["jinja2@2.11.2".to_owned(), "urllib3@1.26.4".to_owned()])
    );
}

#[test]
fn finds_every_go_and_rust_module_syft_and_trivy_find() {
    let work = tempfile::tempdir().unwrap();
    let (go, _) = kiln_test::binaries::go_binary(&work.path().join("go"));
    let rust = kiln_test::binaries::auditable_binary(&work.path().join("rust"));
    let base = LayerSpec::new().file(
        "/etc/os-release",
        b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
        0o644,
    );
    let apps = LayerSpec::new()
        .file("/usr/local/bin/gohello", &go, 0o755)
        .file("/usr/local/bin/rusthello", &rust, 0o755);
    let layout = work.path().join("bin-layout");
    ImageBuilder::new()
        .layer(base, Compression::Gzip)
        .layer(apps, Compression::Gzip)
        .write_layout(&layout, "fixture");
    let doc: serde_json::Value = serde_json::from_str(&sbom(&layout, "json")).unwrap();
    let cache = work.path().join("trivy-cache");
    // Packages a peer lists wrongly, and why. Anything else a peer lists and kiln does
    // not is a kiln bug until shown otherwise.
    let peer_errors = [(
        "../greet@(devel)",
        "Syft and Trivy: `../greet` is the directory the build machine replaced module \
         example.com/greet with (`=> ../greet` in the build info), not a module path; \
         kiln lists the module, example.com/greet@v0.1.0, as the binary requires it",
    )];
    for (kind, syft_type, trivy_type) in [
        ("go", "go-module", "gobinary"),
        ("cargo", "rust-crate", "rustbinary"),
    ] {
        let ours = kiln_ids(&doc, kind);
        let syft = syft_ids(&layout, syft_type, kind);
        let trivy = trivy_ids(&layout, &cache, trivy_type, kind);
        assert!(
            !syft.is_empty() && !trivy.is_empty(),
            "{kind}: peers found nothing: syft {syft:?} trivy {trivy:?}"
        );
        assert_covers_peers(kind, &ours, &syft, &trivy, &peer_errors);
    }
    assert!(kiln_ids(&doc, "go").contains("example.com/greet@v0.1.0"));
    assert_eq!(
        kiln_ids(&doc, "cargo"),
        BTreeSet::from(["greet@0.2.0".to_owned(), "hello@0.1.0".to_owned()])
    );
}

#[test]
fn a_root_directory_is_walked_into_the_packages_its_image_has() {
    let work = tempfile::tempdir().unwrap();
    let layout = debian_layout(work.path());
    let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args([
            "sbom",
            "-q",
            "--format",
            "json",
            &format!("dir:{}", s(&work.path().join("root"))),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let walked: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let image: serde_json::Value = serde_json::from_str(&sbom(&layout, "json")).unwrap();
    assert_eq!(walked["packages"], image["packages"]);
    assert_eq!(walked["relationships"], image["relationships"]);
    assert_eq!(walked["packages"].as_array().unwrap().len(), 5);
    assert_eq!(walked["source"]["digest"], "", "a directory has no digest");
    // Without SOURCE_DATE_EPOCH the document's time comes from the tree, not the clock.
    let cdx = || {
        let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
            .args(["sbom", "-q", "--format", "cyclonedx-json"])
            .arg(format!("dir:{}", s(&work.path().join("root"))))
            .env_remove("SOURCE_DATE_EPOCH")
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    };
    let first = cdx();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert!(first == cdx(), "two runs over the same tree differ");
}
