//! `kiln db`: import real advisory data, status, query, and atomic updates.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use support::{kiln, s};

fn data(rel: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    assert!(
        dir.is_dir(),
        "the shared advisory data is missing at {}",
        dir.display()
    );
    s(&dir.join(rel))
}

fn status_json(db: &Path) -> serde_json::Value {
    let run = kiln(&["db", "--db", &s(db), "status", "--format", "json"]);
    serde_json::from_str(run.ok()).unwrap()
}

fn counts(db: &Path) -> Vec<(String, u64)> {
    status_json(db)["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                s["records"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn import_status_query() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cache/kiln/db.sqlite");
    let run = kiln(&[
        "db",
        "--db",
        &s(&db),
        "import",
        &data("advisories/osv/PyPI.zip"),
        &data("advisories/alpine-secdb.zip"),
    ]);
    run.ok();
    assert!(
        run.stderr
            .contains("PyPI.zip: 2651 records, 10 withdrawn, 0 skipped"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("records/s"), "{}", run.stderr);
    assert_eq!(
        counts(&db),
        [
            ("PyPI.zip".to_owned(), 2651),
            ("alpine-secdb.zip".to_owned(), 2626)
        ]
    );
    let st = status_json(&db);
    assert_eq!(st["records"], 2651 + 2626);
    assert_eq!(st["sources"][0]["newest"], "2024-10-10T17:22:00.587279Z");
    assert!(st["sources"][0]["ageSeconds"].as_i64().unwrap() < 600);
    let table = kiln(&["db", "--db", &s(&db), "status"]);
    assert!(table.ok().contains("SOURCE"), "{}", table.stdout);

    // KILN_DB works like --db.
    let q = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args([
            "db", "query", "-e", "PyPI", "urllib3", "1.26.4", "--format", "json",
        ])
        .env("KILN_DB", &db)
        .output()
        .unwrap();
    assert!(q.status.success(), "{}", String::from_utf8_lossy(&q.stderr));
    let found: serde_json::Value = serde_json::from_slice(&q.stdout).unwrap();
    let ids: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["CVE-2021-33503", "CVE-2023-43804", "CVE-2023-45803"]);

    // Re-importing a source replaces it rather than doubling it.
    kiln(&[
        "db",
        "--db",
        &s(&db),
        "import",
        &data("advisories/osv/PyPI.zip"),
    ])
    .ok();
    assert_eq!(counts(&db)[0], ("PyPI.zip".to_owned(), 2651));
}

#[test]
fn unusable_input_leaves_the_database_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite");
    kiln(&[
        "db",
        "--db",
        &s(&db),
        "import",
        &data("advisories/osv/crates.io.zip"),
    ])
    .ok();
    let before = std::fs::read(&db).unwrap();

    let missing = dir.path().join("nope.zip");
    kiln(&[
        "db",
        "--db",
        &s(&db),
        "import",
        &data("advisories/osv/Go.zip"),
        &s(&missing),
    ])
    .fails_with(&["nope.zip"]);
    let broken = dir.path().join("broken.zip");
    std::fs::write(&broken, b"PK\x03\x04 this is not a zip").unwrap();
    kiln(&[
        "db",
        "--db",
        &s(&db),
        "import",
        &data("advisories/osv/Go.zip"),
        &s(&broken),
    ])
    .fails_with(&["broken.zip"]);
    let empty = tempfile::tempdir().unwrap();
    kiln(&["db", "--db", &s(&db), "import", &s(empty.path())]).fails_with(&["no advisory records"]);

    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the database must not change"
    );
    assert_eq!(counts(&db), [("crates.io.zip".to_owned(), 1193)]);
    let leftovers: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_killed_import_leaves_the_previous_database_usable() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite");
    kiln(&[
        "db",
        "--db",
        &s(&db),
        "import",
        &data("advisories/osv/crates.io.zip"),
    ])
    .ok();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args([
            "db",
            "--db",
            &s(&db),
            "import",
            &data("advisories/osv/Go.zip"),
            &data("advisories/osv/AlmaLinux.zip"),
            &data("advisories/osv/Debian.zip"),
        ])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the new database file is being written, then kill the import.
    let started = Instant::now();
    let tmp = loop {
        let found = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_string_lossy().ends_with(".tmp"));
        if let Some(t) = found {
            break t;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import finished before it could be interrupted"
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no temporary database appeared"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    std::thread::sleep(Duration::from_millis(100));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(counts(&db), [("crates.io.zip".to_owned(), 1193)]);
    let q = kiln(&[
        "db",
        "--db",
        &s(&db),
        "query",
        "-e",
        "crates.io",
        "smallvec",
        "0.6.9",
    ]);
    assert!(q.ok().contains("RUSTSEC-2021-0003"), "{}", q.stdout);
    // The next import still works (the dead one's temp file is its own).
    kiln(&[
        "db",
        "--db",
        &s(&db),
        "import",
        &data("advisories/osv/npm.zip"),
    ])
    .ok();
    assert_eq!(
        counts(&db),
        [
            ("crates.io.zip".to_owned(), 1193),
            ("npm.zip".to_owned(), 467)
        ]
    );
    let _ = std::fs::remove_file(tmp);
}

#[test]
fn status_without_a_database() {
    let dir = tempfile::tempdir().unwrap();
    kiln(&["db", "--db", &s(&dir.path().join("none.sqlite")), "status"])
        .fails_with(&["no advisory database", "kiln db import"]);
    kiln(&[
        "db",
        "--db",
        &s(&dir.path().join("none.sqlite")),
        "query",
        "-e",
        "PyPI",
        "x",
        "1",
    ])
    .fails_with(&["no advisory database"]);
}
