//! Spec parsing: a full spec decodes, variants merge, and each class of error is
//! reported at its `line:col`.

use std::path::Path;

use super::*;

fn parse(text: &str) -> Result<Spec, Diagnostics> {
    Spec::parse(text, "image.yaml", Path::new("."))
}

fn errors(text: &str) -> Vec<String> {
    match parse(text) {
        Ok(_) => panic!("expected errors for:\n{text}"),
        Err(d) => d.0.iter().map(ToString::to_string).collect(),
    }
}

const FULL: &str = "\
packages:
  - ca-certificates
  - libc6 (>= 2.36)
  - tzdata=2024a-0+deb12u1
  - '!bash'
architectures: [amd64, arm64]
accounts:
  groups: [{name: app, gid: 1000, members: [app]}]
  users: [{name: app, uid: 1000, gid: 1000}]
  run-as: app
entrypoint: [/usr/bin/app, --serve]
cmd: --port=8080
env: {TZ: UTC, VERSION: 1.10}
workdir: /srv/
labels: {org.opencontainers.image.title: app}
annotations: {org.opencontainers.image.vendor: me}
paths:
  - {path: /srv/data, type: directory, uid: 1000, gid: 1000, mode: 0750}
  - {path: /etc/app.conf, type: file, content: \"port = 8080\\n\", mode: '0600'}
  - {path: /usr/bin/run, type: symlink, target: app}
  - {path: /etc/shadow, type: permissions, mode: 0o640}
variants:
  dev:
    packages: [strace]
";

#[test]
fn a_full_spec_decodes() {
    let s = parse(FULL).unwrap();
    assert_eq!(s.packages.len(), 4);
    assert_eq!(s.packages[1].to_string(), "libc6 (>= 2.36)");
    assert_eq!(s.packages[2].to_string(), "tzdata (= 2024a-0+deb12u1)");
    assert_eq!(
        s.packages[3],
        PackageRequest::Exclude {
            name: "bash".into()
        }
    );
    assert_eq!(s.architectures, vec![Arch::Amd64, Arch::Arm64]);
    assert_eq!(s.accounts.config_user(), "1000:1000");
    // The nonroot account is always there.
    assert!(
        s.accounts
            .users
            .iter()
            .any(|u| u.name == "nonroot" && u.uid == 65532)
    );
    assert_eq!(s.config.entrypoint, ["/usr/bin/app", "--serve"]);
    assert_eq!(s.config.cmd, ["--port=8080"]);
    // Scalars are taken as written, not as YAML numbers.
    assert_eq!(s.config.env["VERSION"], "1.10");
    assert_eq!(s.config.workdir.as_deref(), Some("/srv"));
    assert_eq!(s.paths[0].mode, Some(0o750));
    assert_eq!(s.paths[1].mode, Some(0o600));
    assert_eq!(s.paths[3].mode, Some(0o640));
    assert_eq!(
        s.paths[1].kind,
        PathKind::File {
            content: b"port = 8080\n".to_vec(),
            source: None
        }
    );
    assert!(s.hardened());
}

#[test]
fn defaults_are_nonroot_and_the_host_arch() {
    let s = parse("packages: [tzdata]\n").unwrap();
    assert_eq!(s.accounts.run_as, "nonroot");
    assert_eq!(s.accounts.config_user(), "65532:65532");
    assert_eq!(s.architectures.len(), 1);
    assert!(s.sources.is_empty());
}

#[test]
fn the_dev_variant_adds_a_shell_and_apt_and_runs_as_root() {
    let s = parse(FULL).unwrap();
    let dev = s.variant(Variant::Dev);
    let names: Vec<&str> = dev.packages.iter().map(PackageRequest::name).collect();
    assert!(names.contains(&"bash") && names.contains(&"apt") && names.contains(&"strace"));
    // The runtime exclusion of bash does not survive in dev.
    assert!(!dev.packages.contains(&PackageRequest::Exclude {
        name: "bash".into()
    }));
    assert_eq!(dev.accounts.config_user(), "0:0");
    assert!(!dev.hardened());
    assert_eq!(s.variant(Variant::Runtime).packages, s.packages);
}

#[test]
fn digest_ignores_line_endings() {
    let a = parse("packages: [tzdata]\n").unwrap();
    let b = parse("packages: [tzdata]\r\n").unwrap();
    assert_eq!(a.digest, b.digest);
    assert_ne!(a.digest, parse("packages: [netbase]\n").unwrap().digest);
}

#[test]
fn syntax_errors_have_a_place() {
    let e = errors("packages: [tzdata\nentrypoint: x\n");
    assert!(e[0].starts_with("image.yaml:"), "{e:?}");
    assert!(e[0].contains("[syntax]"), "{e:?}");
    let e = errors("packages: [a1]\npackages: [b1]\n");
    assert!(
        e[0].starts_with("image.yaml:2:") && e[0].contains("duplicated key"),
        "{e:?}"
    );
}

#[test]
fn unknown_keys_are_errors_at_the_key() {
    let e = errors("packages: [tzdata]\nentrypiont: [/x]\naccounts:\n  run_as: nonroot\n");
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(
        e[0].starts_with("image.yaml:2:1: [unknown-key] unknown key \"entrypiont\""),
        "{e:?}"
    );
    assert!(
        e[1].starts_with("image.yaml:4:3: [unknown-key] unknown key \"run_as\""),
        "{e:?}"
    );
}

#[test]
fn type_errors_have_a_place() {
    let e = errors("packages: {a: b}\n");
    assert_eq!(
        e,
        ["image.yaml:1:11: [type] expected a string or a list of strings, found a mapping"]
    );
    let e = errors("packages: [tzdata]\naccounts:\n  users: [{name: app, uid: \"10\"}]\n");
    assert!(
        e[0].starts_with("image.yaml:3:28: [type] uid must be a number"),
        "{e:?}"
    );
}

#[test]
fn missing_keys_are_reported_at_their_mapping() {
    let e = errors("entrypoint: [/x]\n");
    assert_eq!(
        e,
        ["image.yaml:1:1: [missing-key] missing required key \"packages\""]
    );
    let e = errors("packages: [a1]\npaths:\n  - {type: directory}\n");
    assert_eq!(
        e,
        ["image.yaml:3:5: [missing-key] missing required key \"path\""]
    );
}

#[test]
fn invalid_values_are_reported_at_the_value() {
    let e = errors(
        "packages: [Bad_Name, 'ok (~> 1)', 'x1 (>= 1:)']\narchitectures: [amd64, riscv64]\n\
         paths:\n  - {path: relative, type: directory}\n  - {path: /a, type: fifo}\n  - {path: /b, type: directory, mode: 999}\n",
    );
    assert_eq!(e.len(), 7, "{e:?}");
    assert!(
        e[0].starts_with("image.yaml:1:12: [invalid-value] package \"Bad_Name\""),
        "{e:?}"
    );
    assert!(
        e[1].starts_with("image.yaml:1:22:") && e[1].contains("unknown operator \"~>\""),
        "{e:?}"
    );
    assert!(
        e[2].starts_with("image.yaml:1:35:") && e[2].contains("not a Debian version"),
        "{e:?}"
    );
    assert!(
        e[3].starts_with("image.yaml:2:24:") && e[3].contains("riscv64"),
        "{e:?}"
    );
    assert!(
        e[4].starts_with("image.yaml:4:12:") && e[4].contains("absolute"),
        "{e:?}"
    );
    assert!(
        e[5].starts_with("image.yaml:5:22:") && e[5].contains("fifo"),
        "{e:?}"
    );
    assert!(
        e[6].starts_with("image.yaml:6:39:") && e[6].contains("octal"),
        "{e:?}"
    );
}

#[test]
fn duplicates_and_unknown_references_are_errors() {
    let e = errors("packages: [tzdata, tzdata]\naccounts:\n  run-as: nobody\n");
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e[0].starts_with("image.yaml:1:20: [duplicate]"), "{e:?}");
    assert!(
        e[1].starts_with("image.yaml:3:11: [unknown-reference] run-as \"nobody\""),
        "{e:?}"
    );
}

#[test]
fn local_files_are_read_relative_to_the_spec() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("motd"), "hello\n").unwrap();
    let text = "packages: [a1]\npaths:\n  - {path: /etc/motd, type: file, source: motd}\n  - {path: /etc/x, type: file, source: missing}\n";
    let e = Spec::parse(text, "s.yaml", dir.path()).unwrap_err();
    assert_eq!(e.0.len(), 1);
    assert!(
        e.0[0]
            .to_string()
            .starts_with("s.yaml:4:40: [io] reading source \"missing\""),
        "{e}"
    );
    let ok = Spec::parse(
        &text.replace("  - {path: /etc/x, type: file, source: missing}\n", ""),
        "s.yaml",
        dir.path(),
    )
    .unwrap();
    assert_eq!(
        ok.paths[0].kind,
        PathKind::File {
            content: b"hello\n".to_vec(),
            source: Some("motd".into())
        }
    );
}

proptest::proptest! {
    #[test]
    fn parsing_never_panics(text in "\\PC{0,200}") {
        let _ = parse(&text);
    }

    #[test]
    fn yamlish_input_never_panics(text in "[a-z:\\[\\]{}, \\-!'\"\n]{0,120}") {
        let _ = parse(&text);
    }
}
