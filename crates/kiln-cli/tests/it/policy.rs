//! `kiln policy` and `kiln verify --policy` end to end: presets shown and listed, policy
//! errors with `file:line:col` (exit 2), `hardened` over fixture images (exit 1 / 0), the
//! evidence validated against its published JSON schema by check-jsonschema, `cve-sla`
//! over a real advisory database with VEX, and `signed`, `sbom`, `slsa-build-l2/l3` over
//! images signed and attested with `kiln sign`/`kiln attest` in a real registry.

use crate::support;

use std::path::Path;
use std::process::Command;

use kiln_test::fixture::{Compression, ImageBuilder, LayerSpec, require_tool};
use kiln_test::registry::TestRegistry;
use support::{Run, kiln, s};

const PASSWORD: &str = "correct horse";
const BUILDER: &str = "https://builder.test/kiln";

fn kiln_in(dir: &Path, args: &[&str]) -> Run {
    support::run(
        Command::new(env!("CARGO_BIN_EXE_kiln"))
            .args(args)
            .current_dir(dir)
            .env_remove("KILN_DB")
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .env("KILN_PASSWORD", PASSWORD),
    )
}

/// Asserts exit 1 (the policy denied) and returns stdout.
fn denied(run: &Run) -> &str {
    assert_eq!(
        run.code, 1,
        "expected exit 1:\nstdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(
        run.stderr.contains("error: policy denied"),
        "{}",
        run.stderr
    );
    &run.stdout
}

const STATUS: &[u8] = b"Package: libfoo1\nStatus: install ok installed\nPriority: optional\n\
Section: libs\nMaintainer: Test <test@example.invalid>\nArchitecture: amd64\nSource: foo\n\
Version: 1.0-1\nDescription: a library\n\n";

fn base() -> LayerSpec {
    LayerSpec::new()
        .dir("/etc")
        .file(
            "/etc/os-release",
            b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
            0o644,
        )
        .file(
            "/etc/passwd",
            b"root:x:0:0::/root:/bin/sh\nnonroot:x:65532:65532::/:/sbin/nologin\n",
            0o644,
        )
        .dir("/var")
        .dir("/var/lib")
        .dir("/var/lib/dpkg")
        .file("/var/lib/dpkg/status", STATUS, 0o644)
        .dir("/usr")
        .dir("/usr/bin")
        .file("/usr/bin/app", b"\x7fELF app", 0o755)
}

/// A non-root image without shell, package manager or setuid file.
fn good_image() -> ImageBuilder {
    ImageBuilder::new()
        .platform("linux", "amd64")
        .layer(base(), Compression::Gzip)
        .user("nonroot")
        .entrypoint(&["/usr/bin/app"])
}

/// A root image with /bin/sh and a setuid file.
fn bad_image() -> ImageBuilder {
    let tools = LayerSpec::new()
        .dir("/bin")
        .file("/bin/sh", b"\x7fELF sh", 0o755)
        .file("/usr/bin/su", b"\x7fELF su", 0o4755);
    ImageBuilder::new()
        .platform("linux", "amd64")
        .layer(base(), Compression::Gzip)
        .layer(tools, Compression::Gzip)
        .entrypoint(&["/usr/bin/app"])
}

fn layout(dir: &Path, name: &str, image: ImageBuilder) -> String {
    let path = dir.join(name);
    image.write_layout(&path, "1");
    format!("oci:{}:1", s(&path))
}

#[test]
fn presets_are_listed_and_shown_as_rego() {
    let list = kiln(&["policy", "list"]);
    for name in [
        "hardened",
        "signed",
        "slsa-build-l2",
        "slsa-build-l3",
        "sbom",
        "cve-sla",
    ] {
        assert!(list.ok().contains(name), "{}", list.stdout);
    }
    let show = kiln(&["policy", "show", "slsa-build-l3"]);
    assert!(show.ok().starts_with("# kiln preset \"slsa-build-l3\""));
    assert!(show.stdout.contains("package kiln.preset.slsa_build_l3"));
    assert!(
        show.stdout.contains("package kiln.lib.slsa"),
        "the library is shown too"
    );
    kiln(&["policy", "show", "hardend"]).fails_with(&["hardend", "hardened"]);
}

#[test]
fn broken_policies_exit_2_with_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let target = layout(dir.path(), "good", good_image());
    let bad = dir.path().join("bad.rego");
    std::fs::write(
        &bad,
        "package t\n\ndeny contains \"x\" if {\n\tinput.a ==\n}\n",
    )
    .unwrap();
    kiln(&["policy", "eval", &target, "--policy", &s(&bad)])
        .fails_with(&[&format!("{}:5:1", s(&bad))]);
    std::fs::write(
        &bad,
        "package t\n\ndeny contains x if {\n\tx := nofn(1)\n}\n",
    )
    .unwrap();
    kiln(&["policy", "eval", &target, "--policy", &s(&bad)])
        .fails_with(&[&format!("{}:4:", s(&bad)), "nofn"]);
    std::fs::write(&bad, "package t\nallow := true\n").unwrap();
    kiln(&["policy", "eval", &target, "--policy", &s(&bad)]).fails_with(&["deny"]);
    kiln(&["policy", "eval", &target]).fails_with(&["no policy"]);
    kiln(&["policy", "eval", &target, "--preset", "nope"]).fails_with(&["nope"]);
    kiln(&[
        "policy", "eval", &target, "--preset", "hardened", "--param", "x",
    ])
    .fails_with(&["NAME=VALUE"]);
}

#[test]
fn hardened_denies_a_root_image_with_a_shell_and_allows_a_clean_one() {
    let dir = tempfile::tempdir().unwrap();
    let env_dir = dir.path();
    let bad = layout(env_dir, "bad", bad_image());
    let run = kiln_in(env_dir, &["policy", "eval", &bad, "--preset", "hardened"]);
    let out = denied(&run);
    assert!(out.starts_with("DENIED "), "{out}");
    for rule in [
        "hardened/non-root",
        "hardened/no-shell",
        "hardened/no-setuid",
    ] {
        assert!(out.contains(rule), "{rule}: {out}");
    }
    assert!(
        out.contains("/bin/sh") && out.contains("/usr/bin/su (4755)"),
        "{out}"
    );
    assert!(out.contains("evidence: "), "{out}");
    assert!(!out.contains("hardened/no-package-manager"), "{out}");

    let json = kiln_in(
        env_dir,
        &["policy", "eval", &bad, "--preset", "hardened", "-f", "json"],
    );
    assert_eq!(json.code, 1);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["schema"], "kiln.dev/decision/v1");
    assert_eq!(doc["allowed"], false);
    let denials = doc["policies"][0]["denials"].as_array().unwrap();
    assert_eq!(denials.len(), 3);
    let shell = denials
        .iter()
        .find(|d| d["rule"] == "hardened/no-shell")
        .unwrap();
    assert_eq!(shell["evidence"][0]["path"], "/bin/sh");

    let good = layout(env_dir, "good", good_image());
    let evidence_out = env_dir.join("evidence.json");
    let run = kiln_in(
        env_dir,
        &[
            "policy",
            "eval",
            &good,
            "--preset",
            "hardened",
            "--evidence-out",
            &s(&evidence_out),
        ],
    );
    assert!(run.ok().starts_with("ALLOWED "), "{}", run.stdout);
    // The stored evidence decides the same way later, and any-of lets one policy carry it.
    let again = kiln_in(
        env_dir,
        &[
            "policy",
            "eval",
            "--evidence",
            &s(&evidence_out),
            "--preset",
            "hardened",
        ],
    );
    again.ok();
    let any = kiln_in(
        env_dir,
        &[
            "policy", "eval", &good, "--preset", "hardened", "--preset", "signed", "--any-of",
        ],
    );
    assert!(any.ok().contains("1 of 2 policies allow"), "{}", any.stdout);
    let all = kiln_in(
        env_dir,
        &[
            "policy", "eval", &good, "--preset", "hardened", "--preset", "signed",
        ],
    );
    assert!(denied(&all).contains("signed/checked"), "{}", all.stdout);
}

#[test]
fn the_evidence_matches_its_published_schema() {
    let tool = require_tool("check-jsonschema");
    let dir = tempfile::tempdir().unwrap();
    let schema = format!(
        "{}/../../docs/policy/evidence.schema.json",
        env!("CARGO_MANIFEST_DIR")
    );
    for (name, image) in [("good", good_image()), ("bad", bad_image())] {
        let target = layout(dir.path(), name, image);
        let run = kiln_in(dir.path(), &["policy", "evidence", &target]);
        let file = dir.path().join(format!("{name}.json"));
        std::fs::write(&file, run.ok()).unwrap();
        let out = Command::new(&tool)
            .args(["--schemafile", &schema, &s(&file)])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The schema is strict: a field it does not know is refused.
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("good.json")).unwrap()).unwrap();
    doc["image"]["surprise"] = serde_json::json!(1);
    let file = dir.path().join("mutated.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    let out = Command::new(&tool)
        .args(["--schemafile", &schema, &s(&file)])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

/// An OSV record for source package `foo` in Debian 12, fixed in 1.0-2, published
/// `published`, rated critical by its CVSS vector.
fn advisory(id: &str, published: &str) -> String {
    serde_json::json!({
        "id": id, "modified": published, "published": published,
        "summary": "a test vulnerability",
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "affected": [{
            "package": {"ecosystem": "Debian:12", "name": "foo"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0-2"}]}]
        }]
    })
    .to_string()
}

#[test]
fn cve_sla_decides_by_age_with_vex_and_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("osv")).unwrap();
    // Old: 2020. Every run of this test is long past 7 days after it.
    std::fs::write(
        d.join("osv/TEST-2020-1.json"),
        advisory("TEST-2020-1", "2020-01-01T00:00:00Z"),
    )
    .unwrap();
    let db = s(&d.join("db.sqlite"));
    kiln_in(d, &["db", "import", "-q", "--db", &db, &s(&d.join("osv"))]).ok();
    let target = layout(d, "good", good_image());

    let evidence = kiln_in(d, &["policy", "evidence", &target, "--db", &db]);
    let doc: serde_json::Value = serde_json::from_str(evidence.ok()).unwrap();
    let f = &doc["vulnerabilities"]["findings"][0];
    assert_eq!(f["id"], "TEST-2020-1");
    assert_eq!(f["rating"], "critical");
    assert_eq!(f["fixed"], "1.0-2");
    assert_eq!(f["published"], "2020-01-01T00:00:00Z");
    assert!(f["age_days"].as_i64().unwrap() > 2000, "{f}");

    let run = kiln_in(
        d,
        &[
            "policy", "eval", &target, "--preset", "cve-sla", "--db", &db,
        ],
    );
    let out = denied(&run);
    assert!(
        out.contains("cve-sla/critical-high") && out.contains("TEST-2020-1"),
        "{out}"
    );

    // Days are parameters.
    let run = kiln_in(
        d,
        &[
            "policy",
            "eval",
            &target,
            "--preset",
            "cve-sla",
            "--db",
            &db,
            "--param",
            "critical_high_days=100000",
        ],
    );
    run.ok();

    // VEX not_affected suppresses it.
    let vex = serde_json::json!({
        "@context": "https://openvex.dev/ns/v0.2.0", "@id": "urn:test:vex", "author": "test",
        "timestamp": "2026-01-01T00:00:00Z", "version": 1,
        "statements": [{"vulnerability": {"name": "TEST-2020-1"},
                        "products": [{"@id": "pkg:deb/debian/libfoo1@1.0-1"}],
                        "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]
    });
    std::fs::write(d.join("vex.json"), vex.to_string()).unwrap();
    let run = kiln_in(
        d,
        &[
            "policy",
            "eval",
            &target,
            "--preset",
            "cve-sla",
            "--db",
            &db,
            "--vex",
            &s(&d.join("vex.json")),
        ],
    );
    run.ok();

    // Without a database the image was not scanned, which is no pass.
    let run = kiln_in(d, &["policy", "eval", &target, "--preset", "cve-sla"]);
    assert!(denied(&run).contains("cve-sla/scanned"));
    assert!(
        run.stderr.contains("no advisory database"),
        "{}",
        run.stderr
    );
}

/// A registry with `good` at app:1 and `bad` at bad:1, two key pairs (`kiln`, `other`),
/// and a directory to run kiln in.
struct Signed {
    registry: TestRegistry,
    dir: tempfile::TempDir,
}

impl Signed {
    fn new() -> Signed {
        let registry = TestRegistry::start();
        let dir = tempfile::tempdir().unwrap();
        let world = Signed { registry, dir };
        for (name, image) in [("app", good_image()), ("bad", bad_image())] {
            let source = layout(world.dir.path(), name, image);
            world.kiln(&["copy", &source, &world.image(name)]).ok();
        }
        world.kiln(&["key", "generate"]).ok();
        world
            .kiln(&["key", "generate", "--output-prefix", "other"])
            .ok();
        world
    }

    fn kiln(&self, args: &[&str]) -> Run {
        kiln_in(self.dir.path(), args)
    }

    fn image(&self, name: &str) -> String {
        format!("{}/{name}:1", self.registry.host())
    }

    fn write(&self, name: &str, value: &serde_json::Value) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, value.to_string()).unwrap();
        s(&path)
    }

    /// The id of the key in `pub_file`, as the evidence lists it.
    fn key_id(&self, pub_file: &str) -> String {
        let run = self.kiln(&["policy", "evidence", &self.image("app"), "--key", pub_file]);
        let doc: serde_json::Value = serde_json::from_str(run.ok()).unwrap();
        doc["verification"]["trusted_keys"][0]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

fn provenance(dependency_digest: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "buildDefinition": {
            "buildType": "https://builder.test/kiln/build/v1",
            "externalParameters": {"spec": "image.yaml"},
            "resolvedDependencies": [
                {"uri": "pkg:deb/debian/libfoo1@1.0-1", "digest": dependency_digest},
                {"uri": "git+https://source.test/app", "digest": {"gitCommit": "0123456789abcdef0123456789abcdef01234567"}}
            ]
        },
        "runDetails": {"builder": {"id": BUILDER}, "metadata": {"invocationId": "run-1"}}
    })
}

#[test]
fn signed_sbom_and_slsa_presets_over_a_registry() {
    let w = Signed::new();
    let app = w.image("app");
    let eval = |extra: &[&str]| {
        let mut args = vec!["policy", "eval", app.as_str(), "--key", "kiln.pub"];
        args.extend_from_slice(extra);
        w.kiln(&args)
    };

    // Nothing signed yet: every preset that needs signatures denies.
    let run = eval(&["--preset", "signed"]);
    assert!(
        denied(&run).contains("signed/allowed-key"),
        "{}",
        run.stdout
    );

    w.kiln(&["sign", &app, "--key", "kiln.key"]).ok();
    eval(&["--preset", "signed"]).ok();
    // Verified with another key, the signature is no signature.
    let run = w.kiln(&[
        "policy",
        "eval",
        &app,
        "--key",
        "other.pub",
        "--preset",
        "signed",
    ]);
    assert!(denied(&run).contains("signed/allowed-key"));
    // Narrowed to a key that did not sign.
    let other_id = w.key_id("other.pub");
    let run = w.kiln(&[
        "policy",
        "eval",
        &app,
        "--key",
        "kiln.pub",
        "--key",
        "other.pub",
        "--preset",
        "signed",
        "--param",
        &format!("allowed_keys=[\"{other_id}\"]"),
    ]);
    denied(&run);

    // SBOM: the image's own SBOM, attested, matches; another image's does not.
    let run = eval(&["--preset", "sbom"]);
    assert!(denied(&run).contains("sbom/present"), "{}", run.stdout);
    let bad_sbom = w.dir.path().join("bad-sbom.json");
    w.kiln(&[
        "sbom",
        &w.image("bad"),
        "-f",
        "spdx-json",
        "-o",
        &s(&bad_sbom),
    ])
    .ok();
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&bad_sbom).unwrap()).unwrap();
    // Another image's SBOM with one package more than this image has.
    let mut extra = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "libfoo1")
        .unwrap()
        .clone();
    extra["versionInfo"] = serde_json::json!("2.0-1");
    extra["SPDXID"] = serde_json::json!("SPDXRef-Package-extra");
    extra["name"] = serde_json::json!("libbar1");
    if let Some(refs) = extra["externalRefs"].as_array_mut() {
        for r in refs {
            if r["referenceType"] == "purl" {
                r["referenceLocator"] = serde_json::json!("pkg:deb/debian/libbar1@2.0-1");
            }
        }
    }
    doc["packages"].as_array_mut().unwrap().push(extra);
    let wrong = w.write("wrong-sbom.json", &doc);
    w.kiln(&[
        "attest",
        &app,
        "--type",
        "spdx",
        "--predicate",
        &wrong,
        "--key",
        "kiln.key",
    ])
    .ok();
    let run = eval(&["--preset", "sbom", "-f", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let decision: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let d = &decision["policies"][0]["denials"][0];
    assert_eq!(d["rule"], "sbom/matches-image", "{decision}");
    assert_eq!(
        d["evidence"][0]["sbom"]["extra"][0], "pkg:deb/debian/libbar1@2.0-1",
        "{d}"
    );

    let sbom = w.dir.path().join("sbom.json");
    w.kiln(&["sbom", &app, "-f", "spdx-json", "-o", &s(&sbom)])
        .ok();
    w.kiln(&[
        "attest",
        &app,
        "--type",
        "spdx",
        "--predicate",
        &s(&sbom),
        "--key",
        "kiln.key",
    ])
    .ok();
    eval(&["--preset", "sbom"]).ok();

    // SLSA: provenance signed by the tenant key passes L2, not L3 with a platform key.
    let builders = format!("allowed_builders=[\"{BUILDER}\"]");
    let run = eval(&["--preset", "slsa-build-l2", "--param", &builders]);
    assert!(denied(&run).contains("slsa/provenance"), "{}", run.stdout);
    let unpinned = w.write("unpinned.json", &provenance(serde_json::json!({})));
    w.kiln(&[
        "attest",
        &app,
        "--type",
        "slsa",
        "--predicate",
        &unpinned,
        "--key",
        "kiln.key",
    ])
    .ok();
    let run = eval(&["--preset", "slsa-build-l2", "--param", &builders]);
    let out = denied(&run);
    assert!(
        out.contains("slsa/pinned") && out.contains("pkg:deb/debian/libfoo1@1.0-1"),
        "{out}"
    );

    let pinned = w.write(
        "pinned.json",
        &provenance(serde_json::json!({"sha256": "ab".repeat(32)})),
    );
    w.kiln(&[
        "attest",
        &app,
        "--type",
        "slsa",
        "--predicate",
        &pinned,
        "--key",
        "kiln.key",
    ])
    .ok();
    eval(&["--preset", "slsa-build-l2", "--param", &builders]).ok();
    let run = eval(&[
        "--preset",
        "slsa-build-l2",
        "--param",
        "allowed_builders=[\"https://other.test\"]",
    ]);
    assert!(denied(&run).contains("slsa/builder"));

    let kiln_id = w.key_id("kiln.pub");
    let run = eval(&[
        "--preset",
        "slsa-build-l3",
        "--param",
        &builders,
        "--param",
        &format!("builder_keys=[\"{other_id}\"]"),
    ]);
    assert!(
        denied(&run).contains("slsa-l3/platform-signed"),
        "{}",
        run.stdout
    );
    eval(&[
        "--preset",
        "slsa-build-l3",
        "--param",
        &builders,
        "--param",
        &format!("builder_keys=[\"{kiln_id}\"]"),
    ])
    .ok();

    // `kiln verify --type slsa` narrows what it prints, not the evidence: the SBOM
    // attestation still counts for the sbom preset.
    let run = w.kiln(&[
        "verify",
        &app,
        "--key",
        "kiln.pub",
        "--type",
        "slsa",
        "--preset",
        "slsa-build-l2",
        "--preset",
        "sbom",
        "--param",
        &builders,
    ]);
    assert!(run.ok().contains("https://slsa.dev/provenance/v1"));
    assert!(
        !run.stdout.contains("https://spdx.dev/Document"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("ALLOWED"), "{}", run.stderr);

    // All four together, all-of.
    eval(&[
        "--preset",
        "signed",
        "--preset",
        "sbom",
        "--preset",
        "slsa-build-l2",
        "--preset",
        "hardened",
        "--param",
        &builders,
    ])
    .ok();
}

#[test]
fn verify_evaluates_policies_after_the_signatures() {
    let w = Signed::new();
    let (app, bad) = (w.image("app"), w.image("bad"));
    w.kiln(&["sign", &app, "--key", "kiln.key"]).ok();
    w.kiln(&["sign", &bad, "--key", "kiln.key"]).ok();

    let run = w.kiln(&[
        "verify", &app, "--key", "kiln.pub", "--preset", "hardened", "--preset", "signed",
    ]);
    assert!(
        !run.ok().is_empty(),
        "the verified payloads are still printed"
    );
    assert!(run.stderr.contains("ALLOWED"), "{}", run.stderr);

    let run = w.kiln(&["verify", &bad, "--key", "kiln.pub", "--preset", "hardened"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("hardened/no-shell"), "{}", run.stderr);
    assert!(
        run.stderr.contains("error: policy denied"),
        "{}",
        run.stderr
    );

    let run = w.kiln(&[
        "verify", &bad, "--key", "kiln.pub", "--preset", "hardened", "-f", "json", "-q",
    ]);
    assert_eq!(run.code, 1);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["policy"]["allowed"], false);
    assert_eq!(doc["verified"].as_array().map(Vec::len), Some(2), "{doc}");

    // A broken policy is an error before anything is fetched; a failed signature check
    // stays exit 1 without evaluating anything.
    let bad_policy = w.write("p.json", &serde_json::json!(0));
    std::fs::write(&bad_policy, "package p\ndeny contains if\n").unwrap();
    w.kiln(&["verify", &app, "--key", "kiln.pub", "--policy", &bad_policy])
        .fails_with(&[&format!("{bad_policy}:2:")]);
    let run = w.kiln(&["verify", &app, "--key", "other.pub", "--preset", "hardened"]);
    assert_eq!(run.code, 1);
    assert!(!run.stderr.contains("policy denied"), "{}", run.stderr);
}

/// The decision table for people, over a stored evidence document, as a snapshot.
#[test]
fn the_decision_table_reads_well() {
    let dir = tempfile::tempdir().unwrap();
    let evidence = serde_json::json!({
        "schema": "kiln.dev/evidence/v1",
        "generated": "2026-01-31T00:00:00Z",
        "image": {
            "reference": "registry.test/app:1", "digest": format!("sha256:{}", "a".repeat(64)),
            "manifest_digest": format!("sha256:{}", "a".repeat(64)),
            "platform": "linux/amd64", "created": null, "layers": 1,
            "config": {"user": "", "entrypoint": ["/app"], "cmd": [], "env": [], "labels": {},
                       "working_dir": "", "exposed_ports": []},
            "user": {"name": "", "uid": 0, "gid": 0, "resolved_by": "default"}
        },
        "files": {"count": 3, "package_managers": [], "setgid": [],
                  "shells": [{"path": "/bin/sh", "name": "sh", "kind": "shell", "target": null}],
                  "setuid": [{"path": "/usr/bin/su", "mode": "4755", "uid": 0, "gid": 0}]},
        "sbom": {"distro": null, "count": 0, "packages": []},
        "vulnerabilities": {"scanned": false, "database": null, "vex": [], "findings": [], "warnings": []},
        "verification": {"checked": false, "trusted_keys": [], "note": "no trusted keys were given", "rejected": []},
        "signatures": [], "attestations": [], "provenance": []
    });
    let file = dir.path().join("evidence.json");
    std::fs::write(&file, evidence.to_string()).unwrap();
    let run = kiln(&[
        "policy",
        "eval",
        "--evidence",
        &s(&file),
        "--preset",
        "hardened",
        "--preset",
        "signed",
        "--any-of",
    ]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.stdout);
}
