//! Property tests: matching through the database agrees with a brute-force
//! reading of the OSV rules, and no input makes the importers panic.

use std::collections::BTreeSet;

use kiln_version::Ecosystem;
use kiln_vuln::db::{self, ImportOptions};
use kiln_vuln::{Database, PackageQuery, import};
use proptest::prelude::*;

fn v(n: u8) -> String {
    format!("1.{n}.0")
}

/// One generated affected entry: ranges of (kind, version number) and listed versions.
#[derive(Debug, Clone)]
struct Gen {
    ranges: Vec<Vec<(&'static str, u8)>>,
    listed: Vec<u8>,
}

fn range() -> impl Strategy<Value = Vec<(&'static str, u8)>> {
    let closing = prop_oneof![Just("fixed"), Just("last_affected")];
    (
        closing,
        prop::collection::vec((0u8..4, 0u8..12), 1..5),
        prop::option::of(0u8..12),
    )
        .prop_map(|(close, evs, limit)| {
            let mut out: Vec<(&'static str, u8)> = evs
                .into_iter()
                .map(|(k, n)| (if k < 2 { "introduced" } else { close }, n))
                .collect();
            if !out.iter().any(|(k, _)| *k == "introduced") {
                out.push(("introduced", 0));
            }
            if let Some(l) = limit {
                out.push(("limit", l));
            }
            out
        })
}

fn entry() -> impl Strategy<Value = Gen> {
    (
        prop::collection::vec(range(), 0..3),
        prop::collection::vec(0u8..12, 0..3),
    )
        .prop_map(|(ranges, listed)| Gen { ranges, listed })
}

/// OSV's rules read directly: affected when listed, or when below some limit
/// (if any) and some introduced `i <= x` is not closed by a fixed `f` with
/// `i <= f <= x` nor a last_affected `l` with `i <= l < x`.
fn brute(g: &Gen, x: u8) -> bool {
    if g.listed.contains(&x) {
        return true;
    }
    g.ranges.iter().any(|r| {
        let limits: Vec<u8> = r
            .iter()
            .filter(|(k, _)| *k == "limit")
            .map(|e| e.1)
            .collect();
        if !limits.is_empty() && !limits.iter().any(|l| x < *l) {
            return false;
        }
        r.iter().filter(|(k, _)| *k == "introduced").any(|(_, i)| {
            *i <= x
                && !r.iter().any(|(k, e)| {
                    (*k == "fixed" && *i <= *e && *e <= x)
                        || (*k == "last_affected" && *i <= *e && *e < x)
                })
        })
    })
}

fn record(id: usize, g: &Gen) -> serde_json::Value {
    let ranges: Vec<_> = g
        .ranges
        .iter()
        .map(|r| {
            let events: Vec<_> = r
                .iter()
                .map(|(k, n)| serde_json::json!({ *k: v(*n) }))
                .collect();
            serde_json::json!({"type": "SEMVER", "events": events})
        })
        .collect();
    let listed: Vec<String> = g.listed.iter().map(|n| v(*n)).collect();
    serde_json::json!({"id": format!("T-{id}"), "modified": "2024-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "crates.io", "name": "p"}, "ranges": ranges, "versions": listed}]})
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn matching_agrees_with_brute_force(gens in prop::collection::vec(entry(), 1..6)) {
        let dir = tempfile::tempdir().unwrap();
        for (i, g) in gens.iter().enumerate() {
            std::fs::write(dir.path().join(format!("T-{i}.json")), record(i, g).to_string()).unwrap();
        }
        let source = import::read_source(dir.path()).unwrap();
        // Records whose ranges were all fixed+last_affected mixes are rejected; none are here.
        prop_assert_eq!(source.skipped, 0, "{:?}", source.warnings);
        let path = dir.path().join("db.sqlite");
        db::import(&path, &[source], &ImportOptions::default()).unwrap();
        let db = Database::open(&path).unwrap();
        for x in 0u8..13 {
            let version = v(x);
            let got: BTreeSet<String> = db
                .query(&PackageQuery { ecosystem: Ecosystem::CratesIo, release: None, name: "p", version: &version, source: None })
                .unwrap()
                .into_iter()
                .flat_map(|m| m.evidence.into_iter().map(|e| e.record))
                .collect();
            let want: BTreeSet<String> = gens
                .iter()
                .enumerate()
                .filter(|(_, g)| brute(g, x))
                .map(|(i, _)| format!("T-{i}"))
                .collect();
            prop_assert_eq!(got, want, "version {}", version);
        }
    }

    #[test]
    fn importers_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        for name in ["x.json", "x.yaml", "DSA.list"] {
            let _ = import::read_bytes(name, bytes.clone());
        }
    }

    #[test]
    fn rubysec_requirements_never_panic(
        patched in prop::collection::vec("(~>|>=|<=|>|<|=|!=)? ?[0-9a-z.-]{0,6}(, ?(~>|>=|<|>)? ?[0-9.]{0,4})?", 0..4),
        unaffected in prop::collection::vec("(~>|>=|<=|>|<|=)? ?[0-9.]{0,5}", 0..3),
    ) {
        let list = |reqs: &[String]| reqs.iter().map(|r| format!("  - {r:?}\n")).collect::<String>();
        let yaml = format!(
            "gem: g\ntitle: t\npatched_versions:\n{}unaffected_versions:\n{}",
            list(&patched),
            list(&unaffected)
        );
        let data = import::read_bytes("gems/g/CVE-2000-1.yml", yaml.into_bytes());
        prop_assert!(data.advisories.len() + data.skipped == 1, "{:?}", data.warnings);
    }

    #[test]
    fn list_and_tracker_text_never_panics(text in "(\\[[0-9a-z ]{0,12}\\]|\\t\\{[A-Z0-9 -]{0,20}\\}|\\t\\[[a-z]{0,9}\\] - [a-z0-9]{0,5} [<>a-z0-9.:~+-]{0,12}( \\([a-z ]{0,8}\\))?|[A-Za-z0-9 -]{0,20}|\\n){0,30}") {
        let _ = import::read_bytes("DSA.list", text.clone().into_bytes());
        let json = format!("{{\"p\": {{\"CVE-1\": {{\"releases\": {{\"bookworm\": {{\"status\": {text:?}, \"fixed_version\": {text:?}}}}}}}}}}}");
        let _ = import::read_bytes("t.json", json.into_bytes());
    }
}
