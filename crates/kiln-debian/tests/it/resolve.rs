//! Resolution against a real signed repository served on loopback (see
//! `standard_repo` for its packages): Depends, Pre-Depends, alternatives,
//! virtual and versioned Provides, version constraints, Multi-Arch, Essential,
//! exclusions, and unsatisfiable requests naming their chain.

use crate::support;

use std::sync::OnceLock;

use kiln_debian::archive::Archive;
use kiln_debian::resolve::{Request, Resolution, ResolveError, resolve};
use kiln_test::apt::AptRepo;
use kiln_test::deb::DebSpec;

fn deb(name: &str, version: &str, arch: &str) -> DebSpec {
    DebSpec::new(name, version, arch)
        .file(&format!("/usr/share/{name}/{version}"), version.as_bytes())
}

/// The packages every resolution test uses (amd64 + all):
/// - `app` 1.0: Pre-Depends `base-init`; Depends `libfoo (>= 1.1)`,
///   `postfix | mail-transport-agent`, `libssl-api (>= 3)`
/// - `libfoo` 1.0 and 1.2 (Multi-Arch: same), source `foo`
/// - `base-init` 1 (all, Priority required), `exim` (Provides mail-transport-agent)
/// - `libssl3` (Provides `libssl-api (= 3.0)`), `libssl1` (Provides `libssl-api (= 1.1)`)
/// - `tool` Depends `python3:any`; `python3` Multi-Arch: allowed
/// - `bad-any` Depends `perl:any`; `perl` not Multi-Arch
/// - `uses-make` Depends `make:any`; `make` Multi-Arch: foreign
/// - `bash` Essential, depended on by nothing but `shell-user`
/// - `needs-new` Depends `libfoo (>= 2)`; `top` Depends `needs-new`
pub fn standard_repo() -> AptRepo {
    let mut repo = AptRepo::new();
    let add = |repo: &mut AptRepo, spec| {
        repo.add("main", spec);
    };
    add(
        &mut repo,
        deb("app", "1.0", "amd64")
            .field("Pre-Depends", "base-init")
            .field(
                "Depends",
                "libfoo (>= 1.1), postfix | mail-transport-agent, libssl-api (>= 3)",
            ),
    );
    add(
        &mut repo,
        deb("libfoo", "1.0", "amd64")
            .source("foo (1.0-1)")
            .multi_arch_same(),
    );
    add(
        &mut repo,
        deb("libfoo", "1.2", "amd64")
            .source("foo (1.2-1)")
            .multi_arch_same(),
    );
    add(
        &mut repo,
        deb("base-init", "1", "all").field("Priority", "required"),
    );
    add(
        &mut repo,
        deb("exim", "4", "amd64").field("Provides", "mail-transport-agent"),
    );
    add(
        &mut repo,
        deb("libssl3", "3.0.11", "amd64").field("Provides", "libssl-api (= 3.0)"),
    );
    add(
        &mut repo,
        deb("libssl1", "1.1.1", "amd64").field("Provides", "libssl-api (= 1.1)"),
    );
    add(
        &mut repo,
        deb("tool", "2", "amd64").field("Depends", "python3:any"),
    );
    add(
        &mut repo,
        deb("python3", "3.11", "amd64").field("Multi-Arch", "allowed"),
    );
    add(
        &mut repo,
        deb("bad-any", "1", "amd64").field("Depends", "perl:any"),
    );
    add(&mut repo, deb("perl", "5.36", "amd64"));
    add(
        &mut repo,
        deb("uses-make", "1", "amd64").field("Depends", "make:any"),
    );
    add(
        &mut repo,
        deb("make", "4.3", "amd64").field("Multi-Arch", "foreign"),
    );
    add(
        &mut repo,
        deb("bash", "5.2", "amd64").field("Essential", "yes"),
    );
    add(
        &mut repo,
        deb("shell-user", "1", "all").field("Depends", "bash (>= 5)"),
    );
    add(
        &mut repo,
        deb("needs-new", "1", "amd64").field("Depends", "libfoo (>= 2)"),
    );
    add(
        &mut repo,
        deb("top", "1", "amd64").field("Depends", "needs-new"),
    );
    repo.publish();
    repo
}

/// One repository and archive for all tests in this file (built once: gpg and
/// dpkg-deb are the slow part).
fn archive() -> &'static Archive {
    static ARCHIVE: OnceLock<(Archive, tempfile::TempDir)> = OnceLock::new();
    support::load_once(&ARCHIVE, standard_repo)
}

fn run(requests: &[&str]) -> Result<Resolution, ResolveError> {
    let reqs: Vec<Request> = requests.iter().map(|r| r.parse().unwrap()).collect();
    resolve(archive(), &reqs)
}

fn names(r: &Resolution) -> Vec<String> {
    r.packages
        .iter()
        .map(|c| format!("{}={}", c.record.name, c.record.version))
        .collect()
}

#[test]
fn follows_depends_pre_depends_alternatives_and_provides() {
    let r = run(&["app"]).unwrap();
    assert_eq!(
        names(&r),
        // sorted by name; libfoo at its highest version; exim for the virtual MTA
        // (postfix is not in the archive); libssl3 for `libssl-api (>= 3)`
        [
            "app=1.0",
            "base-init=1",
            "exim=4",
            "libfoo=1.2",
            "libssl3=3.0.11"
        ]
    );
    assert!(r.dropped.is_empty());
    let libfoo = r
        .packages
        .iter()
        .find(|c| c.record.name == "libfoo")
        .unwrap();
    assert_eq!(libfoo.record.source_version.as_str(), "1.2-1");
    assert!(libfoo.url.ends_with("/pool/main/libfoo_1.2_amd64.deb"));
}

#[test]
fn version_requests_and_constraints() {
    assert_eq!(names(&run(&["libfoo=1.0"]).unwrap()), ["libfoo=1.0"]);
    assert_eq!(names(&run(&["libfoo (<< 1.2)"]).unwrap()), ["libfoo=1.0"]);
    assert_eq!(names(&run(&["libfoo (>= 1.0)"]).unwrap()), ["libfoo=1.2"]);
    // A versioned provide satisfies a versioned request; the too-old provider does not.
    assert_eq!(
        names(&run(&["libssl-api (>= 3)"]).unwrap()),
        ["libssl3=3.0.11"]
    );
    assert_eq!(
        names(&run(&["libssl-api (<< 2)"]).unwrap()),
        ["libssl1=1.1.1"]
    );
    // A pin the dependency cannot use: both named.
    let e = run(&["libfoo=1.0", "app"]).unwrap_err().to_string();
    assert_eq!(
        e,
        "unsatisfiable: app -> libfoo (>= 1.1): libfoo (>= 1.1) does not fit libfoo 1.0 already chosen (for the request)"
    );
}

#[test]
fn multi_arch_any_needs_allowed_or_foreign() {
    assert_eq!(names(&run(&["tool"]).unwrap()), ["python3=3.11", "tool=2"]);
    assert_eq!(
        names(&run(&["uses-make"]).unwrap()),
        ["make=4.3", "uses-make=1"]
    );
    let e = run(&["bad-any"]).unwrap_err().to_string();
    assert_eq!(
        e,
        "unsatisfiable: bad-any -> perl:any: no candidate; available 5.36"
    );
}

#[test]
fn essential_packages_come_only_when_depended_on() {
    let r = run(&["app", "tool"]).unwrap();
    assert!(
        !names(&r).iter().any(|n| n.starts_with("bash=")),
        "{:?}",
        names(&r)
    );
    let r = run(&["shell-user"]).unwrap();
    assert_eq!(names(&r), ["bash=5.2", "shell-user=1"]);
}

#[test]
fn exclusions_skip_alternatives_and_drop_what_only_they_satisfy() {
    // The MTA dependency can only be met by the excluded exim: dropped and reported.
    let r = run(&["app", "!exim"]).unwrap();
    assert_eq!(
        names(&r),
        ["app=1.0", "base-init=1", "libfoo=1.2", "libssl3=3.0.11"]
    );
    assert_eq!(r.dropped.len(), 1);
    assert_eq!(r.dropped[0].package, "app");
    assert_eq!(r.dropped[0].dependency, "postfix | mail-transport-agent");
    // With a versioned virtual: libssl3 excluded, libssl1 does not fit: unsatisfiable? No:
    // only excluded packages satisfy it, so it is dropped as well.
    let r = run(&["app", "!libssl3"]).unwrap();
    assert!(
        r.dropped
            .iter()
            .any(|d| d.dependency == "libssl-api (>= 3)")
    );
    let e = run(&["app", "!app"]).unwrap_err().to_string();
    assert_eq!(e, "app is both requested and excluded");
    let e = run(&["exim", "!exim"]).unwrap_err();
    assert!(matches!(e, ResolveError::RequestedAndExcluded { .. }));
}

#[test]
fn unsatisfiable_specs_name_the_chain() {
    let e = run(&["top"]).unwrap_err().to_string();
    assert_eq!(
        e,
        "unsatisfiable: top -> needs-new -> libfoo (>= 2): no candidate; available 1.2, 1.0"
    );
    let e = run(&["nosuch"]).unwrap_err().to_string();
    assert_eq!(
        e,
        "unsatisfiable: nosuch: no candidate; nosuch is not in the archive"
    );
    let e = run(&["app (>= 2)"]).unwrap_err().to_string();
    assert_eq!(e, "unsatisfiable: app (>= 2): no candidate; available 1.0");
    let e = run(&["mail-transport-agent (>= 1)"])
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "unsatisfiable: mail-transport-agent (>= 1): no candidate; provided by exim"
    );
}

#[test]
fn output_is_deterministic_whatever_the_request_order() {
    let a = names(&run(&["tool", "app", "shell-user"]).unwrap());
    let b = names(&run(&["shell-user", "app", "tool"]).unwrap());
    assert_eq!(a, b);
    let mut sorted = a.clone();
    sorted.sort();
    assert_eq!(a, sorted);
}

#[test]
fn request_syntax() {
    for bad in ["", "!", "!a (>= 1)", "a (>> )", "a=", "a b"] {
        assert!(bad.parse::<Request>().is_err(), "{bad:?} accepted");
    }
    assert_eq!(
        "a=1:2.0-1".parse::<Request>().unwrap().to_string(),
        "a (= 1:2.0-1)"
    );
    assert_eq!(
        "!a".parse::<Request>().unwrap(),
        Request::Exclude("a".into())
    );
    assert_eq!(
        "a:any (>= 1)".parse::<Request>().unwrap().to_string(),
        "a:any (>= 1)"
    );
}
