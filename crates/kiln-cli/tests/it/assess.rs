//! `kiln assess` and `kiln catalog` end to end: every report format of one repository
//! with planted problems (SARIF checked by sarif-pydantic, HTML standalone), the
//! incidents from the shared compromise catalog, the gate, and bad input.

use crate::support;

use std::path::{Path, PathBuf};

use support::tools::python;
use support::{kiln, s};

const SHA: &str = "8e5e7e5ab8b370d6c329ec480221332ada57f0ab";

fn catalog() -> String {
    s(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/cncf/compromises.json"))
}

/// A directory with an unpinned action, a root Dockerfile following `latest`, and a
/// script that pipes a download into a shell; otherwise in order.
fn repo() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    let files: &[(&str, String)] = &[
        (
            ".github/workflows/ci.yml",
            format!(
                "on: push\npermissions:\n  contents: read\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@{SHA}\n      - uses: actions/setup-node@v4\n      - run: cargo clippy --locked && kiln sbom dir:. && kiln sign x\n        env:\n          SOURCE_DATE_EPOCH: \"0\"\n"
            ),
        ),
        ("Dockerfile", "FROM debian:latest\nUSER 1000\n".into()),
        (
            "scripts/setup.sh",
            "curl -fsSL https://example.invalid/x.sh | bash\n".into(),
        ),
        ("Cargo.toml", "[package]\nname = \"r\"\n".into()),
        ("Cargo.lock", "version = 3\n".into()),
        ("CODEOWNERS", "* @team\n".into()),
        ("SECURITY.md", "report privately\n".into()),
        ("LICENSE", "MIT\n".into()),
        ("renovate.json", "{}\n".into()),
        (
            "fuzz/Cargo.toml",
            "[dependencies]\nlibfuzzer-sys = \"0.4\"\n".into(),
        ),
    ];
    for (path, text) in files {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    (dir, root)
}

const SARIF_VALIDATE: &str = r#"
import json, sys
from sarif_pydantic import Sarif
log = Sarif.model_validate(json.load(open(sys.argv[1])))
print(len(log.runs[0].results), len(log.runs[0].tool.driver.rules))
"#;

#[test]
fn reports_in_every_format() {
    let (dir, root) = repo();
    let cat = catalog();
    let sarif = dir.path().join("out.sarif");
    kiln(&[
        "assess",
        &s(&root),
        "-f",
        "sarif",
        "-o",
        &s(&sarif),
        "--catalog",
        &cat,
    ])
    .ok();
    let (ok, text) = python(SARIF_VALIDATE, &[&sarif]);
    let checks = kiln_assess::checks().len();
    assert!(ok, "sarif-pydantic rejected kiln's SARIF: {text}");
    assert_eq!(
        text.trim(),
        format!("4 {checks}"),
        "4 results, one rule per check"
    );
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    assert_eq!(doc["version"], "2.1.0");
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let rules: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "ci-actions-pinned",
            "remote-script-execution",
            "dockerfile-base-pinned",
            "dockerfile-no-latest"
        ]
    );
    let pin = &results[0];
    assert_eq!(
        pin["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        ".github/workflows/ci.yml"
    );
    assert_eq!(
        pin["locations"][0]["physicalLocation"]["region"]["startLine"],
        9
    );
    assert!(pin["message"]["text"].as_str().unwrap().contains("BP-02"));

    let json = kiln(&["assess", &s(&root), "-f", "json", "--catalog", &cat]).json();
    assert_eq!(json["schema"], "kiln.assess/v1");
    assert_eq!(json["summary"]["findings"], 4);
    let latest = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "dockerfile-no-latest")
        .unwrap();
    assert_eq!(latest["status"], "fail");
    assert_eq!(latest["recommendations"][0]["id"], "CT-04");
    assert_eq!(
        latest["types"],
        serde_json::json!(["Dev Tooling", "Publishing Infrastructure"])
    );
    let incidents = latest["incidents"].as_array().unwrap();
    assert_eq!(
        incidents.len(),
        5,
        "the five newest of the catalogued incidents"
    );
    assert!(latest["incidents_total"].as_u64().unwrap() > 5);
    assert!(
        incidents
            .iter()
            .all(|i| i["url"].as_str().unwrap().starts_with("http"))
    );
    let signed = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "signed-commits")
        .unwrap();
    assert_eq!(signed["status"], "not-checked", "not a git repository");
    let platform: Vec<&str> = json["scorecard"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["coverage"] == "platform")
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert!(platform.contains(&"Branch-Protection") && platform.contains(&"Code-Review"));
    let sections = json["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 6);
    let containers = sections
        .iter()
        .find(|s| s["section"] == "containers")
        .unwrap();
    assert_eq!(
        (containers["passed"].as_u64(), containers["failed"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(containers["score"], 50);

    let md = kiln(&["assess", &s(&root), "-f", "markdown", "--catalog", &cat])
        .ok()
        .to_owned();
    assert!(md.contains("| Securing the Source Code |"), "{md}");
    assert!(md.contains("### `dockerfile-no-latest`"));
    assert!(md.contains("| Branch-Protection | not decidable from a checkout"));

    let html = kiln(&["assess", &s(&root), "-f", "html", "--catalog", &cat])
        .ok()
        .to_owned();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert!(html.contains("<svg") && html.contains("<style>"));
    for external in ["<script", "<link", "src=", "@import", "url("] {
        assert!(
            !html.contains(external),
            "the page must be standalone: {external}"
        );
    }
    assert_eq!(
        html.matches("class=\"check\"").count(),
        4,
        "one block per failed check"
    );

    let text = kiln(&["assess", &s(&root), "--catalog", &cat])
        .ok()
        .to_owned();
    assert!(
        text.contains("4 of ") && text.contains("FAIL [warning] ci-actions-pinned"),
        "{text}"
    );
    assert!(text.contains("Not decidable from a checkout"));
}

#[test]
fn without_the_catalog_findings_still_name_their_types() {
    let (_dir, root) = repo();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["assess", &s(&root)])
        .env_remove("KILN_CATALOG")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("leaves open: Dev Tooling"), "{text}");
    assert!(text.contains("the incident list needs the compromise catalog"));
}

#[test]
fn gate_and_bad_input() {
    let (dir, root) = repo();
    let r = kiln(&["assess", &s(&root), "--fail-on", "warning", "-q"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("4 failed checks at or above warning"),
        "{}",
        r.stderr
    );
    assert_eq!(kiln(&["assess", &s(&root), "--fail-on", "error"]).code, 0);

    kiln(&["assess", &s(&dir.path().join("missing"))]).fails_with(&["missing", "not a directory"]);
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{").unwrap();
    kiln(&["assess", &s(&root), "--catalog", &s(&bad)])
        .fails_with(&["bad.json", "not a compromise catalog"]);
    kiln(&[
        "assess",
        &s(&root),
        "--db",
        &s(&dir.path().join("no.sqlite")),
    ])
    .fails_with(&["no.sqlite"]);
    let out = dir.path().join("report.md");
    assert!(!out.exists());
}

#[test]
fn catalog_by_type_and_year() {
    let cat = catalog();
    let all = kiln(&["catalog", "--file", &cat, "-f", "json"]).json();
    assert_eq!(all["incidents"].as_array().unwrap().len(), 90);
    let neg = kiln(&[
        "catalog",
        "--file",
        &cat,
        "--type",
        "negligence",
        "-f",
        "json",
    ])
    .json();
    let names: Vec<&str> = neg["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names.len(),
        8,
        "7 labelled Negligence and ManageEngine's outdated dependency: {names:?}"
    );
    assert!(names.contains(&"ManageEngine xmlsec dependency"));
    let table = kiln(&[
        "catalog",
        "--file",
        &cat,
        "--type",
        "Malicious Maintainer",
        "--year",
        "2024",
    ])
    .ok()
    .to_owned();
    assert!(table.starts_with("Malicious Maintainer (2)\n"), "{table}");
    assert!(
        table.contains("2024  xz backdoor incident  http"),
        "{table}"
    );
    kiln(&["catalog", "--file", &cat, "--type", "bogus"])
        .fails_with(&["bogus", "not a compromise type"]);
    let r = std::process::Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["catalog"])
        .env_remove("KILN_CATALOG")
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("KILN_CATALOG"));
}

/// kiln's own repository (docs/assessment.md keeps the full result): no error-level
/// finding (secrets, injectable workflows, typosquats, …) may come in unnoticed.
#[test]
fn kiln_itself_has_no_error_level_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let r = kiln(&["assess", &s(&root), "--fail-on", "error", "-f", "json"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stderr, r.stdout);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let ids = |status: &str| -> Vec<String> {
        json["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] == status)
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    };
    for id in [
        "secrets-in-tree",
        "lockfile-committed",
        "lockfile-enforced",
        "dependencies-pinned",
        "binary-artifacts",
    ] {
        assert!(
            ids("pass").contains(&id.to_owned()),
            "{id} regressed: {:?}",
            ids("fail")
        );
    }
}
