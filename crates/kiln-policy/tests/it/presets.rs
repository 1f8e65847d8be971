//! Every preset over hand-written evidence documents: one that passes, and one mutation
//! per rule that trips exactly that rule, with the evidence behind it.

use kiln_policy::{Evidence, Mode, Policy, decide};
use serde_json::{Value, json};

const K1: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const K2: &str = "2222222222222222222222222222222222222222222222222222222222222222";
const DIGEST: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const BUILDER: &str = "https://builder.test/kiln";

fn finding(id: &str, rating: Option<&str>, fixed: Option<&str>, age: Option<i64>) -> Value {
    json!({
        "id": id, "aliases": [],
        "package": {"name": "libc6", "version": "2.36-9", "kind": "deb", "purl": "pkg:deb/debian/libc6@2.36-9"},
        "rating": rating, "fixed": fixed, "fixable": fixed.is_some(), "status": null,
        "vex_status": null, "vex_justification": null, "suppressed": false,
        "published": age.map(|_| "2026-01-01T00:00:00Z"), "first_seen": null, "age_days": age,
    })
}

/// Evidence every preset allows (with [`params`]).
fn good() -> Value {
    let mut suppressed = finding(
        "CVE-2026-0005",
        Some("critical"),
        Some("2.36-10"),
        Some(400),
    );
    suppressed["suppressed"] = json!(true);
    suppressed["vex_status"] = json!("not_affected");
    json!({
        "schema": "kiln.dev/evidence/v1",
        "generated": "2026-01-31T00:00:00Z",
        "image": {
            "reference": "registry.test/app:1", "digest": DIGEST, "manifest_digest": DIGEST,
            "platform": "linux/amd64", "created": null, "layers": 1,
            "config": {"user": "65532", "entrypoint": ["/app"], "cmd": [], "env": [], "labels": {},
                       "working_dir": "", "exposed_ports": []},
            "user": {"name": "65532", "uid": 65532, "gid": null, "resolved_by": "numeric"}
        },
        "files": {"count": 3, "shells": [], "package_managers": [], "setuid": [], "setgid": []},
        "sbom": {"distro": {"id": "debian", "version_id": "12"}, "count": 1, "packages": [
            {"name": "libc6", "version": "2.36-9", "kind": "deb", "purl": "pkg:deb/debian/libc6@2.36-9"}]},
        "vulnerabilities": {"scanned": true, "database": "db.sqlite", "vex": [], "warnings": [], "findings": [
            finding("CVE-2026-0001", Some("critical"), Some("2.36-10"), Some(7)),
            finding("CVE-2026-0002", Some("medium"), Some("2.36-10"), Some(30)),
            finding("CVE-2026-0003", Some("critical"), None, Some(400)),
            finding("CVE-2026-0004", None, None, None),
            suppressed
        ]},
        "verification": {"checked": true, "trusted_keys": [K1, K2], "note": null, "rejected": []},
        "signatures": [{"signers": [K1], "storage": "tag", "location": "registry.test/app:sha256-aa.sig",
                        "digest": DIGEST, "docker_reference": "registry.test/app:1"}],
        "attestations": [
            {"predicate_type": "https://spdx.dev/Document", "signers": [K1], "storage": "referrer",
             "location": "registry.test/app@sha256:bb", "subjects": [{"name": "app", "digest": {"sha256": &DIGEST[7..]}}],
             "covers_image": true,
             "sbom": {"format": "spdx", "packages": 1, "missing": [], "missing_count": 0, "extra": [], "extra_count": 0, "error": null}},
            {"predicate_type": "https://slsa.dev/provenance/v1", "signers": [K2], "storage": "tag",
             "location": "registry.test/app:sha256-aa.att", "subjects": [{"name": "app", "digest": {"sha256": &DIGEST[7..]}}],
             "covers_image": true, "sbom": null}
        ],
        "provenance": [{
            "signers": [K2], "location": "registry.test/app:sha256-aa.att", "covers_image": true,
            "builder_id": BUILDER, "build_type": "https://kiln.dev/build/v1", "invocation_id": "run-1",
            "started_on": null, "finished_on": null, "external_parameters": {"spec": "image.yaml"},
            "resolved_dependencies": [
                {"uri": "pkg:deb/debian/libc6@2.36-9", "name": null, "digest": {"sha256": "ab"}},
                {"uri": "git+https://source.test/app", "name": null, "digest": {"gitCommit": "cd"}}
            ],
            "error": null
        }]
    })
}

fn params() -> Value {
    json!({"allowed_builders": [BUILDER], "builder_keys": [K2]})
}

/// The rules `preset` denies `evidence` by, with `params`.
fn rules_with(preset: &str, evidence: &Value, params: &Value) -> Vec<String> {
    let ev = Evidence::from_json("test", &serde_json::to_vec(evidence).unwrap()).unwrap();
    let policy = Policy::preset(preset).unwrap();
    let d = decide(&[policy], &ev, params, Mode::AllOf).unwrap();
    for (_, denial) in d.denials() {
        assert!(!denial.reason.is_empty());
    }
    let rules: Vec<String> = d.denials().map(|(_, x)| x.rule.clone()).collect();
    assert_eq!(d.allowed, rules.is_empty(), "{d:#?}");
    rules
}

fn rules(preset: &str, evidence: &Value) -> Vec<String> {
    rules_with(preset, evidence, &params())
}

fn denial(preset: &str, evidence: &Value, rule: &str) -> kiln_policy::Denial {
    let ev = Evidence::from_json("test", &serde_json::to_vec(evidence).unwrap()).unwrap();
    let d = decide(
        &[Policy::preset(preset).unwrap()],
        &ev,
        &params(),
        Mode::AllOf,
    )
    .unwrap();
    d.denials()
        .find(|(_, x)| x.rule == rule)
        .map(|(_, x)| x.clone())
        .unwrap_or_else(|| panic!("{rule} did not deny: {d:#?}"))
}

fn with(mut v: Value, pointer: &str, new: Value) -> Value {
    *v.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer}")) = new;
    v
}

#[test]
fn the_good_document_passes_every_preset() {
    for p in kiln_policy::preset::PRESETS {
        assert_eq!(rules(p.name, &good()), Vec::<String>::new(), "{}", p.name);
    }
}

#[test]
fn hardened_trips_each_rule() {
    let root = with(
        good(),
        "/image/user",
        json!({"name": "", "uid": 0, "gid": 0, "resolved_by": "default"}),
    );
    assert_eq!(rules("hardened", &root), ["hardened/non-root"]);
    let alias = with(
        good(),
        "/image/user",
        json!({"name": "toor", "uid": 0, "gid": 0, "resolved_by": "passwd"}),
    );
    assert_eq!(rules("hardened", &alias), ["hardened/non-root"]);
    let ghost = with(
        good(),
        "/image/user",
        json!({"name": "ghost", "uid": null, "gid": null, "resolved_by": "unresolved"}),
    );
    let d = denial("hardened", &ghost, "hardened/non-root");
    assert!(d.reason.contains("ghost"), "{}", d.reason);

    let shell = json!([{"path": "/bin/sh", "name": "sh", "kind": "shell", "target": "/bin/dash"}]);
    let d = denial(
        "hardened",
        &with(good(), "/files/shells", shell.clone()),
        "hardened/no-shell",
    );
    assert_eq!(d.evidence, shell);
    assert!(d.reason.contains("/bin/sh"), "{}", d.reason);

    let pm = json!([{"path": "/usr/bin/apt", "name": "apt", "kind": "os", "target": null},
                    {"path": "/usr/bin/pip3", "name": "pip", "kind": "language", "target": null}]);
    let ev = with(good(), "/files/package_managers", pm);
    assert_eq!(rules("hardened", &ev), ["hardened/no-package-manager"]);
    let d = denial("hardened", &ev, "hardened/no-package-manager");
    assert_eq!(d.evidence.as_array().map(Vec::len), Some(2));
    // Tolerated by name through a parameter.
    let mut p = params();
    p["allowed_package_managers"] = json!(["pip"]);
    let kept = rules_with("hardened", &ev, &p);
    assert_eq!(kept, ["hardened/no-package-manager"]);
    p["allowed_package_managers"] = json!(["pip", "apt"]);
    assert!(rules_with("hardened", &ev, &p).is_empty());

    let suid = json!([{"path": "/usr/bin/su", "mode": "4755", "uid": 0, "gid": 0}]);
    let d = denial(
        "hardened",
        &with(good(), "/files/setuid", suid.clone()),
        "hardened/no-setuid",
    );
    assert_eq!(d.evidence, suid);
    assert!(d.reason.contains("/usr/bin/su (4755)"), "{}", d.reason);
    let sgid = json!([{"path": "/usr/bin/wall", "mode": "2755", "uid": 0, "gid": 5}]);
    assert_eq!(
        rules("hardened", &with(good(), "/files/setgid", sgid)),
        ["hardened/no-setuid"]
    );
}

#[test]
fn signed_trips_each_rule() {
    let unchecked = with(
        good(),
        "/verification",
        json!({"checked": false, "trusted_keys": [], "note": "oci:x is not in a registry", "rejected": []}),
    );
    let d = denial("signed", &unchecked, "signed/checked");
    assert!(d.reason.contains("not in a registry"), "{}", d.reason);
    assert_eq!(rules("signed", &unchecked), ["signed/checked"]);

    let none = with(good(), "/signatures", json!([]));
    assert_eq!(rules("signed", &none), ["signed/allowed-key"]);
    // A signature by a trusted key that the policy does not allow.
    let mut p = params();
    p["allowed_keys"] = json!([K2]);
    assert_eq!(rules_with("signed", &good(), &p), ["signed/allowed-key"]);
    p["allowed_keys"] = json!([K1]);
    assert!(rules_with("signed", &good(), &p).is_empty());
}

#[test]
fn sbom_trips_each_rule() {
    let unchecked = with(good(), "/verification/checked", json!(false));
    assert!(rules("sbom", &unchecked).contains(&"sbom/checked".to_owned()));

    let only_slsa = {
        let mut v = good();
        v["attestations"].as_array_mut().unwrap().remove(0);
        v
    };
    let d = denial("sbom", &only_slsa, "sbom/present");
    assert_eq!(
        d.evidence["predicate_types"],
        json!(["https://slsa.dev/provenance/v1"])
    );

    let missing = with(
        good(),
        "/attestations/0/sbom",
        json!({"format": "spdx", "packages": 0, "missing": ["pkg:deb/debian/libc6@2.36-9"], "missing_count": 1,
               "extra": [], "extra_count": 0, "error": null}),
    );
    let d = denial("sbom", &missing, "sbom/matches-image");
    assert!(d.reason.contains("leaves out 1"), "{}", d.reason);
    assert!(d.reason.contains("libc6"), "{}", d.reason);

    let extra = with(
        good(),
        "/attestations/0/sbom",
        json!({"format": "spdx", "packages": 2, "missing": [], "missing_count": 0,
               "extra": ["pkg:deb/debian/bash@5.2"], "extra_count": 1, "error": null}),
    );
    assert_eq!(rules("sbom", &extra), ["sbom/matches-image"]);
    let mut p = params();
    p["sbom_allow_extra"] = json!(true);
    assert!(rules_with("sbom", &extra, &p).is_empty());

    let elsewhere = with(good(), "/attestations/0/covers_image", json!(false));
    let d = denial("sbom", &elsewhere, "sbom/matches-image");
    assert!(d.reason.contains("does not name the image"), "{}", d.reason);

    let unreadable = with(
        good(),
        "/attestations/0/sbom",
        json!({"format": null, "packages": 0, "missing": [], "missing_count": 0, "extra": [],
               "extra_count": 0, "error": "not an SBOM"}),
    );
    assert_eq!(rules("sbom", &unreadable), ["sbom/matches-image"]);
}

#[test]
fn slsa_l2_trips_each_rule() {
    for preset in ["slsa-build-l2", "slsa-build-l3"] {
        let mut p = params();
        p.as_object_mut().unwrap().remove("allowed_builders");
        assert!(
            rules_with(preset, &good(), &p).contains(&"slsa/builders-configured".to_owned()),
            "{preset}"
        );

        let unchecked = with(good(), "/verification/checked", json!(false));
        assert!(rules(preset, &unchecked).contains(&"slsa/checked".to_owned()));

        let none = with(good(), "/provenance", json!([]));
        assert_eq!(rules(preset, &none), ["slsa/provenance"], "{preset}");
        let invalid = with(
            good(),
            "/provenance/0/error",
            json!("not SLSA provenance v1"),
        );
        assert_eq!(rules(preset, &invalid), ["slsa/provenance"], "{preset}");
        let elsewhere = with(good(), "/provenance/0/covers_image", json!(false));
        assert_eq!(rules(preset, &elsewhere), ["slsa/provenance"], "{preset}");

        let other = with(
            good(),
            "/provenance/0/builder_id",
            json!("https://evil.test/ci"),
        );
        let d = denial(preset, &other, "slsa/builder");
        assert!(d.reason.contains("https://evil.test/ci"), "{}", d.reason);
        assert_eq!(rules(preset, &other), ["slsa/builder"]);

        let unpinned = with(
            good(),
            "/provenance/0/resolved_dependencies/1/digest",
            json!({}),
        );
        let d = denial(preset, &unpinned, "slsa/pinned");
        assert!(
            d.reason.contains("git+https://source.test/app"),
            "{}",
            d.reason
        );
        assert_eq!(
            d.evidence[0]["unpinned"][0]["uri"],
            json!("git+https://source.test/app")
        );
        let md5 = with(
            good(),
            "/provenance/0/resolved_dependencies/0/digest",
            json!({"md5": "ab"}),
        );
        assert_eq!(rules(preset, &md5), ["slsa/pinned"], "{preset}");
        let empty = with(good(), "/provenance/0/resolved_dependencies", json!([]));
        let d = denial(preset, &empty, "slsa/pinned");
        assert!(
            d.reason.contains("no resolved dependencies"),
            "{}",
            d.reason
        );
    }
    // L2 does not care who signed, as long as the key is trusted.
    let tenant = with(good(), "/provenance/0/signers", json!([K1]));
    assert!(rules("slsa-build-l2", &tenant).is_empty());
}

#[test]
fn slsa_l3_asks_more_than_l2() {
    let tenant = with(good(), "/provenance/0/signers", json!([K1]));
    assert_eq!(rules("slsa-build-l3", &tenant), ["slsa-l3/platform-signed"]);
    let mut p = params();
    p.as_object_mut().unwrap().remove("builder_keys");
    assert_eq!(
        rules_with("slsa-build-l3", &good(), &p),
        ["slsa-l3/builder-keys-configured"]
    );
    assert!(rules_with("slsa-build-l2", &good(), &p).is_empty());
    let no_invocation = with(good(), "/provenance/0/invocation_id", json!(null));
    assert_eq!(
        rules("slsa-build-l3", &no_invocation),
        ["slsa-l3/invocation"]
    );
    assert!(rules("slsa-build-l2", &no_invocation).is_empty());
}

#[test]
fn cve_sla_trips_each_rule() {
    let unscanned = with(good(), "/vulnerabilities/scanned", json!(false));
    assert_eq!(rules("cve-sla", &unscanned), ["cve-sla/scanned"]);

    // Day 7 is within the SLA, day 8 is not.
    let late = with(good(), "/vulnerabilities/findings/0/age_days", json!(8));
    let d = denial("cve-sla", &late, "cve-sla/critical-high");
    assert!(d.reason.contains("CVE-2026-0001"), "{}", d.reason);
    assert_eq!(d.evidence[0]["age_days"], json!(8));
    assert_eq!(rules("cve-sla", &late), ["cve-sla/critical-high"]);
    let high = with(
        late.clone(),
        "/vulnerabilities/findings/0/rating",
        json!("high"),
    );
    assert_eq!(rules("cve-sla", &high), ["cve-sla/critical-high"]);
    // A medium finding 8 days old is within its 30 days.
    let medium = with(late, "/vulnerabilities/findings/0/rating", json!("medium"));
    assert!(rules("cve-sla", &medium).is_empty());

    let old = with(good(), "/vulnerabilities/findings/1/age_days", json!(31));
    let d = denial("cve-sla", &old, "cve-sla/other");
    assert!(d.reason.contains("CVE-2026-0002"), "{}", d.reason);
    assert_eq!(rules("cve-sla", &old), ["cve-sla/other"]);
    let unrated = with(old, "/vulnerabilities/findings/1/rating", json!(null));
    assert_eq!(rules("cve-sla", &unrated), ["cve-sla/other"]);

    let unknown = with(good(), "/vulnerabilities/findings/0/age_days", json!(null));
    assert_eq!(rules("cve-sla", &unknown), ["cve-sla/unknown-age"]);
    let mut p = params();
    p["deny_unknown_age"] = json!(false);
    assert!(rules_with("cve-sla", &unknown, &p).is_empty());

    // The days are parameters.
    let mut p = params();
    p["critical_high_days"] = json!(3);
    assert_eq!(
        rules_with("cve-sla", &good(), &p),
        ["cve-sla/critical-high"]
    );
    let mut p = params();
    p["other_days"] = json!(10);
    assert_eq!(rules_with("cve-sla", &good(), &p), ["cve-sla/other"]);

    // A suppressed finding never counts, however old; a fix makes an old one count.
    let unsuppressed = with(
        good(),
        "/vulnerabilities/findings/4/suppressed",
        json!(false),
    );
    assert_eq!(rules("cve-sla", &unsuppressed), ["cve-sla/critical-high"]);
    let fixed_now = {
        let mut v = with(
            good(),
            "/vulnerabilities/findings/2/fixed",
            json!("2.36-11"),
        );
        v["vulnerabilities"]["findings"][2]["fixable"] = json!(true);
        v
    };
    assert_eq!(rules("cve-sla", &fixed_now), ["cve-sla/critical-high"]);
}

/// The rule codes documented in docs/policy/presets.md are exactly those the presets use.
#[test]
fn documented_rule_codes_match_the_presets() {
    let doc = std::fs::read_to_string(format!(
        "{}/../../docs/policy/presets.md",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let codes = |text: &str, open: &str, close: char| -> std::collections::BTreeSet<String> {
        text.split(open)
            .skip(1)
            .filter_map(|rest| rest.split(close).next())
            .filter(|code| code.contains('/') && !code.contains(' ') && !code.starts_with("sha"))
            .map(str::to_owned)
            .collect()
    };
    let documented = codes(&doc, "| `", '`');
    let mut used = std::collections::BTreeSet::new();
    for p in kiln_policy::preset::PRESETS {
        used.extend(codes(&p.text(), "\"rule\": \"", '"'));
    }
    assert!(used.len() >= 20, "{used:?}");
    assert_eq!(documented, used);
}
