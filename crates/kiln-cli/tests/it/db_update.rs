//! `kiln db update` against a local HTTP server on 127.0.0.1 that serves the real OSV
//! zips and Debian tracker JSON samples of ../shared/data: conditional requests
//! (ETag, Last-Modified), pinned digests, and failures that leave the database usable.

use crate::support;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use kiln_test::registry::{FakeRequest, FakeResponse, FakeServer};
use support::{Run, s};

fn data(rel: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    assert!(
        dir.is_dir(),
        "the shared data is missing at {}",
        dir.display()
    );
    dir.join(rel)
}

/// One member of a zip in ../shared/data.
fn member(zip: &str, name: &str) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(data(zip)).unwrap()).unwrap();
    let mut out = Vec::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_end(&mut out)
        .unwrap();
    out
}

const VUNNEL_TRACKER: &str =
    "debian-fixtures/vunnel/tests/unit/providers/debian/test-fixtures/input/debian.json";
const OSV_DEV_TRACKER: &str =
    "debian-fixtures/osv.dev/vulnfeeds/test_data/debian/debian_security_tracker_mock.json";

/// What the server answers on one path.
#[derive(Clone)]
enum Served {
    /// The body with an ETag (its length and a tag) and/or a Last-Modified.
    File {
        body: Arc<Vec<u8>>,
        etag: Option<String>,
        last_modified: Option<String>,
    },
    Error(u16),
}

type Site = Arc<Mutex<BTreeMap<String, Served>>>;

fn answer(site: &Site, req: &FakeRequest) -> FakeResponse {
    let Some(served) = site.lock().unwrap().get(&req.target).cloned() else {
        return FakeResponse::new(404);
    };
    match served {
        Served::Error(code) => FakeResponse::new(code).body("broken"),
        Served::File {
            body,
            etag,
            last_modified,
        } => {
            let etag_hit = etag.is_some() && req.headers.get("if-none-match") == etag.as_ref();
            let lm_hit = etag.is_none()
                && last_modified.is_some()
                && req.headers.get("if-modified-since") == last_modified.as_ref();
            let mut resp = if etag_hit || lm_hit {
                FakeResponse::new(304)
            } else {
                FakeResponse::new(200).body(body.to_vec())
            };
            if let Some(e) = &etag {
                resp = resp.header("ETag", e);
            }
            if let Some(lm) = &last_modified {
                resp = resp.header("Last-Modified", lm);
            }
            resp
        }
    }
}

fn serve(site: &Site, path: &str, served: Served) {
    site.lock().unwrap().insert(path.to_owned(), served);
}

fn file(body: Vec<u8>, etag: Option<&str>, last_modified: Option<&str>) -> Served {
    Served::File {
        body: Arc::new(body),
        etag: etag.map(str::to_owned),
        last_modified: last_modified.map(str::to_owned),
    }
}

/// Runs kiln with a config directory of its own (no user sources file).
fn kiln(home: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(args)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("KILN_LOG")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn sha256(bytes: &[u8]) -> String {
    kiln_test::registry::sha256(bytes)
}

fn status(home: &Path, db: &Path) -> serde_json::Value {
    kiln(home, &["db", "--db", &s(db), "status", "-f", "json"]).json()
}

fn source<'a>(st: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    st["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == name)
        .unwrap_or_else(|| panic!("no source {name} in {st}"))
}

fn query_ids(home: &Path, db: &Path, eco: &str, name: &str, version: &str) -> Vec<String> {
    let found = kiln(
        home,
        &[
            "db",
            "--db",
            &s(db),
            "query",
            "-e",
            eco,
            name,
            version,
            "-f",
            "json",
        ],
    )
    .json();
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn update_fetches_conditionally_and_fails_safely() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("db.sqlite");
    let site: Site = Arc::default();
    let crates = std::fs::read(data("advisories/osv/crates.io.zip")).unwrap();
    let npm = std::fs::read(data("advisories/osv/npm.zip")).unwrap();
    serve(
        &site,
        "/crates.io/all.zip",
        file(crates.clone(), Some("\"c1\""), None),
    );
    serve(
        &site,
        "/tracker/data/json",
        file(
            member("samples/debian-fixtures.zip", VUNNEL_TRACKER),
            None,
            Some("Mon, 02 Nov 2026 10:00:00 GMT"),
        ),
    );
    serve(&site, "/npm/all.zip", file(npm.clone(), None, None));
    let server = FakeServer::start({
        let site = site.clone();
        move |req| answer(&site, req)
    });
    let url = |p: &str| format!("http://{}{p}", server.host());
    let config = home.path().join("sources.yaml");
    std::fs::write(
        &config,
        format!(
            "sources:\n  - name: crates\n    url: {}\n    sha256: {}\n  - name: debian-tracker\n    url: {}\n",
            url("/crates.io/all.zip"),
            sha256(&crates),
            url("/tracker/data/json")
        ),
    )
    .unwrap();
    let (db_arg, config_arg) = (s(&db), s(&config));
    let update = |extra: &[&str]| {
        let mut args = vec!["db", "--db", &db_arg, "update", "--config", &config_arg];
        args.extend_from_slice(extra);
        kiln(home.path(), &args)
    };
    let npm_source = format!("npm={}", url("/npm/all.zip"));

    // 1. The first update imports everything.
    let run = update(&["--source", &npm_source]);
    run.ok();
    assert!(
        run.stderr.contains("crates: 1193 records"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("updated 3 of 3 sources"),
        "{}",
        run.stderr
    );
    let st = status(home.path(), &db);
    let c = source(&st, "crates");
    assert_eq!(c["records"], 1193);
    assert_eq!(c["fetch"]["etag"], "\"c1\"");
    assert_eq!(c["fetch"]["digest"], sha256(&crates).as_str());
    assert_eq!(c["fetch"]["url"], url("/crates.io/all.zip").as_str());
    let t = source(&st, "debian-tracker");
    assert_eq!(t["fetch"]["lastModified"], "Mon, 02 Nov 2026 10:00:00 GMT");
    assert_eq!(t["fetch"]["etag"], serde_json::Value::Null);
    assert!(t["fetch"]["fetchedAt"].as_str().unwrap().starts_with("20"));
    assert_eq!(source(&st, "npm")["records"], 467);
    assert_eq!(
        query_ids(home.path(), &db, "Debian:12", "sope", "5.8.0-1"),
        ["CVE-2025-53603"]
    );
    let table = kiln(home.path(), &["db", "--db", &s(&db), "status"]);
    assert!(table.ok().contains("LAST-MODIFIED"), "{}", table.stdout);
    let first = std::fs::read(&db).unwrap();

    // 2. The second gets 304s (and an identical body where the server has no
    //    validators) and imports nothing: the file is untouched.
    let before = server.count();
    let run = update(&["--source", &npm_source]);
    run.ok();
    for line in [
        "crates: not modified",
        "debian-tracker: not modified",
        "npm: unchanged (sha256:",
        "updated 0 of 3 sources",
    ] {
        assert!(run.stderr.contains(line), "{line}: {}", run.stderr);
    }
    let reqs = server.requests()[before..].to_vec();
    let sent = |path: &str, h: &str| {
        reqs.iter()
            .find(|r| r.target == path)
            .and_then(|r| r.headers.get(h).cloned())
    };
    assert_eq!(
        sent("/crates.io/all.zip", "if-none-match").as_deref(),
        Some("\"c1\"")
    );
    assert_eq!(
        sent("/tracker/data/json", "if-modified-since").as_deref(),
        Some("Mon, 02 Nov 2026 10:00:00 GMT")
    );
    assert_eq!(sent("/npm/all.zip", "if-none-match"), None);
    assert_eq!(std::fs::read(&db).unwrap(), first);

    // 3. A changed file imports again, replacing that source only.
    serve(
        &site,
        "/tracker/data/json",
        file(
            member("samples/debian-fixtures.zip", OSV_DEV_TRACKER),
            None,
            Some("Tue, 03 Nov 2026 10:00:00 GMT"),
        ),
    );
    let run = update(&[]);
    run.ok();
    assert!(
        run.stderr.contains("updated 1 of 2 sources"),
        "{}",
        run.stderr
    );
    let st = status(home.path(), &db);
    assert_eq!(source(&st, "debian-tracker")["records"], 3);
    assert_eq!(
        source(&st, "debian-tracker")["fetch"]["lastModified"],
        "Tue, 03 Nov 2026 10:00:00 GMT"
    );
    assert!(query_ids(home.path(), &db, "Debian:12", "sope", "5.8.0-1").is_empty());
    assert_eq!(
        query_ids(home.path(), &db, "Debian:12", "apparmor", "3.0.8-3"),
        ["CVE-2016-1585"]
    );
    let good = std::fs::read(&db).unwrap();

    // 4. A body that does not have the pinned digest fails before import.
    serve(
        &site,
        "/crates.io/all.zip",
        file(npm.clone(), Some("\"c2\""), None),
    );
    let run = update(&[]);
    run.fails_with(&[
        "crates",
        &url("/crates.io/all.zip"),
        &sha256(&crates),
        &sha256(&npm),
    ]);
    assert_eq!(std::fs::read(&db).unwrap(), good);
    assert_eq!(source(&status(home.path(), &db), "crates")["records"], 1193);
    // Pinned on the command line the same way.
    let run = update(&[
        "--digest",
        &format!("debian-tracker={}", sha256(b"x")),
        "debian-tracker",
        "--force",
    ]);
    run.fails_with(&["debian-tracker", "expected sha256:"]);

    // 5. A server error fails the whole update and leaves the database usable.
    serve(&site, "/crates.io/all.zip", Served::Error(500));
    let run = update(&[]);
    run.fails_with(&["crates", "500"]);
    assert_eq!(std::fs::read(&db).unwrap(), good);
    // Nobody listening at all.
    let run = update(&["--source", "crates=http://127.0.0.1:9/all.zip"]);
    run.fails_with(&["crates", "127.0.0.1:9"]);
    assert_eq!(std::fs::read(&db).unwrap(), good);
    assert_eq!(
        query_ids(home.path(), &db, "Debian:12", "apparmor", "3.0.8-3"),
        ["CVE-2016-1585"]
    );

    // 6. --force re-imports an unchanged source.
    serve(
        &site,
        "/crates.io/all.zip",
        file(crates.clone(), Some("\"c1\""), None),
    );
    let run = update(&["crates", "--force"]);
    run.ok();
    assert!(
        run.stderr.contains("updated 1 of 1 source"),
        "{}",
        run.stderr
    );
}

#[test]
fn update_reports_bad_configuration() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("db.sqlite");
    let db = s(&db);
    let none = kiln(home.path(), &["db", "--db", &db, "update"]);
    none.fails_with(&["no advisory sources", "--source NAME=URL"]);
    let config = home.path().join("config/kiln/sources.yaml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(
        &config,
        "sources:\n  - {name: a, url: 'ftp://x/y'}\n  - {name: b, url: 'http://127.0.0.1/', sha256: 'md5:1'}\n",
    )
    .unwrap();
    // The default sources file is read, and every problem in it reported.
    kiln(home.path(), &["db", "--db", &db, "update"]).fails_with(&[
        "sources.yaml",
        "sources[0]",
        "ftp://x/y",
        "sources[1]",
        "md5:1",
    ]);
    std::fs::write(&config, "sources: []\n").unwrap();
    kiln(
        home.path(),
        &["db", "--db", &db, "update", "--source", "nourl"],
    )
    .fails_with(&["--source", "NAME=VALUE"]);
    kiln(
        home.path(),
        &[
            "db",
            "--db",
            &db,
            "update",
            "--source",
            "a=http://127.0.0.1:9/x",
            "--digest",
            "b=sha256:00",
        ],
    )
    .fails_with(&["--digest", "\"b\""]);
    kiln(
        home.path(),
        &[
            "db",
            "--db",
            &db,
            "update",
            "--source",
            "a=http://127.0.0.1:9/x",
            "zzz",
        ],
    )
    .fails_with(&["\"zzz\""]);
    assert!(!Path::new(&db).exists(), "nothing was written");
}
