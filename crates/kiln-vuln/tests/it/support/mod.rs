//! Locating the shared advisory data and building databases from it.

#![allow(dead_code, reason = "each test binary uses a different part")]

use std::path::{Path, PathBuf};

use kiln_version::Ecosystem;
use kiln_vuln::db::{self, ImportOptions};
use kiln_vuln::{Database, Match, PackageQuery, import};

/// `../shared/data`; panics if it is absent, since these tests are about real data.
pub fn data() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    assert!(
        dir.join("advisories").is_dir(),
        "the shared advisory data is missing at {}: these tests need it",
        dir.display()
    );
    dir
}

/// A database in a temp dir holding the given inputs (relative to the data dir).
pub fn database(inputs: &[&str]) -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let sources: Vec<_> = inputs
        .iter()
        .map(|i| import::read_source(&data().join(i)).unwrap())
        .collect();
    db::import(&path, &sources, &ImportOptions::default()).unwrap();
    let db = Database::open(&path).unwrap();
    (dir, db)
}

pub fn query(db: &Database, eco: &str, name: &str, version: &str) -> Vec<Match> {
    let (ecosystem, release) = Ecosystem::parse_with_release(eco).unwrap();
    db.query(&PackageQuery {
        ecosystem,
        release,
        name,
        version,
        source: None,
    })
    .unwrap()
}

/// The record ids behind the matches, sorted.
pub fn records(matches: &[Match]) -> Vec<String> {
    let mut ids: Vec<String> = matches
        .iter()
        .flat_map(|m| m.evidence.iter().map(|e| e.record.clone()))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The match whose evidence includes `record`.
pub fn by_record<'a>(matches: &'a [Match], record: &str) -> &'a Match {
    matches
        .iter()
        .find(|m| m.evidence.iter().any(|e| e.record == record))
        .unwrap_or_else(|| panic!("no match from {record}: {matches:#?}"))
}
