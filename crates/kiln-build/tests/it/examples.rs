//! The examples in `examples/` are valid specs for kiln and for the published JSON
//! schema (`docs/spec.schema.json`, checked with `check-jsonschema`), and a spec with an
//! unknown key is refused by both.

use std::path::{Path, PathBuf};
use std::process::Command;

use kiln_build::spec::{Spec, Variant};
use kiln_test::fixture::require_tool;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn examples() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(repo().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    out.sort();
    out
}

fn schema_check(files: &[PathBuf]) -> (bool, String) {
    let out = Command::new(require_tool("check-jsonschema"))
        .arg("--schemafile")
        .arg(repo().join("docs/spec.schema.json"))
        .args(files)
        .output()
        .expect("running check-jsonschema");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn every_example_is_a_valid_spec_and_matches_the_schema() {
    let files = examples();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for want in ["base.yaml", "python.yaml", "static.yaml"] {
        assert!(
            names.iter().any(|n| n == want),
            "examples/{want} missing: {names:?}"
        );
    }
    for f in &files {
        let spec = Spec::load(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert!(
            spec.sources.is_empty(),
            "{}: examples use the host's sources",
            f.display()
        );
        assert!(!spec.packages.is_empty());
        let dev = spec.variant(Variant::Dev);
        assert!(dev.packages.iter().any(|p| p.name() == "bash"));
    }
    let (ok, text) = schema_check(&files);
    assert!(ok, "{text}");
}

#[test]
fn the_schema_and_the_parser_both_refuse_an_unknown_key() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "packages: [tzdata]\nentrypiont: [/x]\n").unwrap();
    let (ok, text) = schema_check(std::slice::from_ref(&bad));
    assert!(!ok && text.contains("entrypiont"), "{text}");
    let e = Spec::load(&bad).unwrap_err().to_string();
    assert!(e.ends_with("bad.yaml:2:1: [unknown-key] unknown key \"entrypiont\" (expected one of: sources, packages, architectures, accounts, entrypoint, cmd, env, workdir, labels, annotations, paths, variants)"), "{e}");
}
