//! User policies: syntax and compile errors with `file:line:col`, the shapes a `deny`
//! entry may take, and all-of/any-of truth tables over real evaluated policies,
//! empty sets included.

use kiln_policy::{Evidence, Mode, Policy, PolicyError, decide};
use proptest::prelude::*;
use serde_json::json;

/// A minimal valid evidence document.
fn evidence() -> Evidence {
    let doc = json!({
        "schema": "kiln.dev/evidence/v1",
        "generated": "2026-01-31T00:00:00Z",
        "image": {
            "reference": "oci:x", "digest": "sha256:00", "manifest_digest": "sha256:00",
            "platform": "linux/amd64", "created": null, "layers": 0,
            "config": {"user": "", "entrypoint": [], "cmd": [], "env": [], "labels": {},
                       "working_dir": "", "exposed_ports": []},
            "user": {"name": "", "uid": 0, "gid": 0, "resolved_by": "default"}
        },
        "files": {"count": 0, "shells": [], "package_managers": [], "setuid": [], "setgid": []},
        "sbom": {"distro": null, "count": 0, "packages": []},
        "vulnerabilities": {"scanned": false, "database": null, "vex": [], "findings": [], "warnings": []},
        "verification": {"checked": false, "trusted_keys": [], "note": "not looked up", "rejected": []},
        "signatures": [], "attestations": [], "provenance": []
    });
    Evidence::from_json("test", &serde_json::to_vec(&doc).unwrap()).unwrap()
}

fn syntax(source: &str) -> (String, String) {
    match Policy::from_source("team.rego", source) {
        Err(PolicyError::Syntax { location, message }) => (location, message),
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn parse_errors_name_file_line_and_column() {
    let (location, message) = syntax("package team\n\ndeny contains \"x\" if {\n\tinput.a ==\n}\n");
    assert!(location.starts_with("team.rego:"), "{location}");
    let parts: Vec<&str> = location.split(':').collect();
    assert_eq!(parts.len(), 3, "{location}");
    let line: u32 = parts[1].parse().unwrap();
    assert!((4..=5).contains(&line), "{location}");
    assert!(!message.is_empty() && !message.contains('\n'), "{message}");

    let (location, _) = syntax("pakage team\n");
    assert_eq!(location, "team.rego:1:1");
}

#[test]
fn compile_errors_name_file_line_and_column() {
    // An unknown function is found when the policy is loaded, not when it runs.
    let (location, message) =
        syntax("package team\n\ndeny contains x if {\n\tx := no_such_function(input)\n}\n");
    assert!(
        location.starts_with("team.rego:4:"),
        "{location}: {message}"
    );
    assert!(message.contains("no_such_function"), "{message}");
}

#[test]
fn policy_files_are_read_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.rego");
    std::fs::write(&file, "package p\n\ndeny contains \"always\" if true\n").unwrap();
    let p = Policy::from_file(&file).unwrap();
    assert_eq!(p.name, file.display().to_string());
    let d = decide(&[p], &evidence(), &json!({}), Mode::AllOf).unwrap();
    assert!(!d.allowed);
    let rules: Vec<_> = d
        .denials()
        .map(|(_, x)| (x.rule.clone(), x.reason.clone()))
        .collect();
    assert_eq!(rules, [(file.display().to_string(), "always".to_owned())]);

    let missing = Policy::from_file(&dir.path().join("nope.rego")).unwrap_err();
    assert!(missing.to_string().contains("nope.rego"), "{missing}");
    let bad = dir.path().join("bad.rego");
    std::fs::write(&bad, "package p\ndeny contains if\n").unwrap();
    match Policy::from_file(&bad) {
        Err(PolicyError::Syntax { location, .. }) => {
            assert!(
                location.starts_with(&format!("{}:2:", bad.display())),
                "{location}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn deny_entries_have_one_of_two_shapes() {
    let eval = |src: &str| {
        let p = Policy::from_source("t.rego", src).unwrap();
        decide(&[p], &evidence(), &json!({}), Mode::AllOf)
    };
    let d = eval(
        "package t\ndeny contains {\"rule\": \"t/one\", \"reason\": \"r\", \"evidence\": input.image.user} if true\n",
    )
    .unwrap();
    let (_, x) = d.denials().next().unwrap();
    assert_eq!(x.rule, "t/one");
    assert_eq!(x.evidence["resolved_by"], json!("default"));

    let wrong = eval("package t\ndeny contains 42 if true\n").unwrap_err();
    assert!(wrong.to_string().contains("a number"), "{wrong}");
    let no_reason = eval("package t\ndeny contains {\"rule\": \"x\"} if true\n").unwrap_err();
    assert!(no_reason.to_string().contains("reason"), "{no_reason}");
    let not_set = eval("package t\ndeny := true\n").unwrap_err();
    assert!(not_set.to_string().contains("not a set"), "{not_set}");
    let no_deny = Policy::from_source("t.rego", "package t\nallow := true\n").unwrap_err();
    assert!(no_deny.to_string().contains("no `deny` rule"), "{no_deny}");
    assert!(no_deny.to_string().starts_with("t.rego"), "{no_deny}");
}

#[test]
fn params_reach_policies_as_data_params() {
    let p = Policy::from_source(
        "t.rego",
        "package t\ndeny contains sprintf(\"limit %v\", [data.params.limit]) if data.params.limit > 3\n",
    )
    .unwrap();
    let deny = decide(
        std::slice::from_ref(&p),
        &evidence(),
        &json!({"limit": 4}),
        Mode::AllOf,
    )
    .unwrap();
    assert!(!deny.allowed);
    assert_eq!(deny.denials().next().unwrap().1.reason, "limit 4");
    let allow = decide(&[p], &evidence(), &json!({"limit": 2}), Mode::AllOf).unwrap();
    assert!(allow.allowed);
}

#[test]
fn unknown_presets_list_the_known_ones() {
    let e = Policy::preset("hardend").unwrap_err().to_string();
    assert!(
        e.contains("hardend") && e.contains("hardened") && e.contains("cve-sla"),
        "{e}"
    );
}

fn allowing(i: usize) -> Policy {
    Policy::from_source(
        &format!("allow{i}.rego"),
        "package a\ndeny contains \"never\" if false\n",
    )
    .unwrap()
}

fn denying(i: usize) -> Policy {
    Policy::from_source(
        &format!("deny{i}.rego"),
        "package d\ndeny contains \"always\" if true\n",
    )
    .unwrap()
}

/// Every combination of up to four allowing and denying policies, evaluated for real.
#[test]
fn truth_tables_over_evaluated_policies() {
    let ev = evidence();
    for n in 0..=4usize {
        for bits in 0..(1u32 << n) {
            let flags: Vec<bool> = (0..n).map(|i| bits & (1 << i) != 0).collect();
            let policies: Vec<Policy> = flags
                .iter()
                .enumerate()
                .map(|(i, a)| if *a { allowing(i) } else { denying(i) })
                .collect();
            let all = decide(&policies, &ev, &json!({}), Mode::AllOf).unwrap();
            let any = decide(&policies, &ev, &json!({}), Mode::AnyOf).unwrap();
            let trues = flags.iter().filter(|f| **f).count();
            assert_eq!(all.allowed, n > 0 && trues == n, "all-of {flags:?}");
            assert_eq!(any.allowed, trues > 0, "any-of {flags:?}");
            // Every denying policy is listed with its denial, whatever the verdict.
            for d in [&all, &any] {
                assert_eq!(d.denials().count(), n - trues, "{flags:?}");
                assert_eq!(d.policies.len(), n);
            }
        }
    }
}

proptest! {
    #[test]
    fn combine_matches_its_definition(flags in proptest::collection::vec(any::<bool>(), 0..12)) {
        let all = kiln_policy::combine(Mode::AllOf, &flags);
        let any = kiln_policy::combine(Mode::AnyOf, &flags);
        prop_assert_eq!(all, !flags.is_empty() && flags.iter().all(|f| *f));
        prop_assert_eq!(any, flags.iter().any(|f| *f));
        // all-of implies any-of; neither allows an empty set.
        prop_assert!(!all || any);
    }

    #[test]
    fn evidence_reading_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = Evidence::from_json("fuzz", &bytes);
    }

    #[test]
    fn user_resolution_never_panics(user in "\\PC{0,40}", passwd in "\\PC{0,200}") {
        let u = kiln_policy::evidence::image::resolve_user(&user, Some(&passwd));
        // An unset user is root; a uid is only claimed when it was found.
        if user.trim().is_empty() {
            prop_assert_eq!(u.uid, Some(0));
        }
        prop_assert_eq!(u.uid.is_none(), u.resolved_by == "unresolved");
    }

    #[test]
    fn policy_loading_never_panics(source in "\\PC{0,200}") {
        let _ = Policy::from_source("fuzz.rego", &source);
    }
}

#[test]
fn stored_evidence_of_another_schema_is_refused() {
    let e = Evidence::from_json("old.json", br#"{"schema": "kiln.dev/evidence/v0"}"#).unwrap_err();
    assert!(
        e.to_string().contains("old.json") && e.to_string().contains("v0"),
        "{e}"
    );
    let e = Evidence::from_json("x.json", b"{}").unwrap_err();
    assert!(e.to_string().contains("schema"), "{e}");
    let e = Evidence::from_json("x.json", b"nope").unwrap_err();
    assert!(e.to_string().contains("not JSON"), "{e}");
}
