//! `kiln lock` and `kiln build` end to end against a real gpg-signed apt repository on
//! loopback, whose packages carry the host's own `echo` and the libraries `ldd` names, so
//! the built image's entrypoint really runs (under `chroot`, as root).

use crate::support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use kiln_test::apt::{AptRepo, TestKey};
use kiln_test::deb::DebSpec;
use kiln_test::fixture::require_tool;
use support::{kiln, s, tools};

/// The host's `echo` and the shared objects it loads, as `ldd` lists them.
pub(crate) fn echo_and_libs() -> (Vec<u8>, Vec<(String, Vec<u8>)>) {
    host_program("/usr/bin/echo")
}

/// A host program and the shared objects it loads, as `ldd` lists them.
pub(crate) fn host_program(program: &str) -> (Vec<u8>, Vec<(String, Vec<u8>)>) {
    let echo = std::fs::read(program).expect("reading a host program");
    let out = Command::new(require_tool("ldd"))
        .arg(program)
        .output()
        .expect("running ldd");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut libs = Vec::new();
    for line in text.lines() {
        let path = match line.split_once("=>") {
            Some((_, rest)) => rest.split_whitespace().next(),
            None => line
                .split_whitespace()
                .next()
                .filter(|p| p.starts_with('/')),
        };
        if let Some(p) = path.filter(|p| p.starts_with('/')) {
            libs.push((p.to_owned(), std::fs::read(p).expect("reading a library")));
        }
    }
    assert!(libs.len() >= 2, "ldd found too few libraries: {text}");
    (echo, libs)
}

pub(crate) fn arch() -> &'static str {
    match std::env::consts::ARCH {
        "aarch64" => "arm64",
        _ => "amd64",
    }
}

/// A repository with `echo-app` (Depends: libc-host), `libc-host` (the libraries),
/// `base-files` (os-release) and an unrelated `tool` nobody asks for.
fn repo_with_key(key: TestKey) -> AptRepo {
    let repo = unpublished_repo(key, arch());
    repo.publish();
    repo
}

/// The packages of [`repo_with_key`] for `arch`, not yet published. For an architecture
/// other than the host's, the packages hold the same paths with placeholder bytes.
pub(crate) fn unpublished_repo(key: TestKey, arch: &str) -> AptRepo {
    let mut repo = AptRepo::with_key(key);
    add_packages(&mut repo, arch);
    repo
}

/// Adds the packages of [`repo_with_key`] for `arch` to `repo`.
pub(crate) fn add_packages(repo: &mut AptRepo, arch: &str) {
    let (mut echo, mut libs) = echo_and_libs();
    if arch != self::arch() {
        echo = format!("echo for {arch}").into_bytes();
        for (path, bytes) in &mut libs {
            *bytes = format!("{path} for {arch}").into_bytes();
        }
    }
    let mut libc = DebSpec::new("libc-host", "2.36-9", arch).source("glibc (2.36-9)");
    for (path, bytes) in &libs {
        libc = libc.file(path, bytes);
    }
    repo.add("main", libc);
    repo.add(
        "main",
        DebSpec::new("echo-app", "9.1-1", arch)
            .source("coreutils (9.1-1)")
            .field("Depends", "libc-host (>= 2.36)")
            .file("/usr/bin/echo", &echo),
    );
    repo.add(
        "main",
        DebSpec::new("base-files", "12.4", arch).file(
            "/etc/os-release",
            b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n",
        ),
    );
    repo.add(
        "main",
        DebSpec::new("tool", "1.0", arch).file("/usr/bin/tool", b"x"),
    );
}

fn repo() -> AptRepo {
    repo_with_key(TestKey::generate("kiln-archive", "ed25519"))
}

/// A spec in `dir` for `repo`, its keyring copied beside it. `DebSpec` files are
/// 0644, so the spec makes `echo` and the dynamic linker executable (`paths`).
pub(crate) fn write_spec(dir: &Path, repo: &AptRepo, extra: &str) -> PathBuf {
    let (_, libs) = echo_and_libs();
    let mut paths =
        String::from("paths:\n  - {path: /usr/bin/echo, type: permissions, mode: '0755'}\n");
    for (p, _) in &libs {
        paths.push_str(&format!(
            "  - {{path: {p}, type: permissions, mode: '0755'}}\n"
        ));
    }
    std::fs::copy(repo.keyring_file(false), dir.join("archive.gpg")).unwrap();
    let spec = format!(
        "sources:\n  - uris: [{}]\n    suites: [{}]\n    components: [main]\n    signed-by: archive.gpg\n\
         packages: [echo-app, base-files]\narchitectures: [{}]\nentrypoint: [/usr/bin/echo, kiln-ok]\n{paths}{extra}",
        repo.url(),
        repo.suite(),
        arch()
    );
    let path = dir.join("image.yaml");
    std::fs::write(&path, spec).unwrap();
    path
}

pub(crate) fn require_root() {
    let out = Command::new("id").arg("-u").output().expect("running id");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "0",
        "the build tests run the image under chroot and must run as root"
    );
}

#[test]
fn lock_then_build_reproduces_and_the_entrypoint_runs() {
    require_root();
    let repo = repo();
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), &repo, "");
    let cache = dir.path().join("cache");
    let lock = dir.path().join("kiln.lock");
    kiln(&[
        "lock",
        &s(&spec),
        "--output",
        &s(&lock),
        "--cache-dir",
        &s(&cache),
    ])
    .ok();
    let locked: serde_json::Value = serde_json::from_slice(&std::fs::read(&lock).unwrap()).unwrap();
    let pkgs = locked["architectures"][arch()].as_array().unwrap();
    let names: Vec<&str> = pkgs.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["base-files", "echo-app", "libc-host"]);
    assert_eq!(pkgs[1]["source"], "coreutils");
    assert_eq!(pkgs[1]["sha256"].as_str().unwrap().len(), 64);
    assert!(
        locked["sources"][0]["release"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    assert!(std::fs::read(&lock).unwrap().ends_with(b"}\n"));

    // Two builds from the same lock, the second from an empty cache: one digest.
    let layout1 = dir.path().join("one");
    let sbom = dir.path().join("sbom.spdx.json");
    let prov = dir.path().join("provenance.json");
    let first = kiln(&[
        "build",
        &s(&spec),
        "--lock",
        &s(&lock),
        "--cache-dir",
        &s(&cache),
        "--output",
        &format!("oci:{}:t", s(&layout1)),
        "--sbom",
        &s(&sbom),
        "--provenance",
        &s(&prov),
    ]);
    let digest = first.ok().trim().to_owned();
    assert!(digest.starts_with("sha256:"), "{digest}");
    let layout2 = dir.path().join("two");
    let second = kiln(&[
        "build",
        &s(&spec),
        "--lock",
        &s(&lock),
        "--cache-dir",
        &s(&dir.path().join("cache2")),
        "--output",
        &format!("oci:{}:t", s(&layout2)),
    ]);
    assert_eq!(second.ok().trim(), digest, "same lock, same digest");

    // The image runs: unpack it and run its entrypoint as its user under chroot.
    let root = dir.path().join("root");
    kiln(&[
        "copy",
        &format!("oci:{}:t", s(&layout1)),
        &format!("dir:{}", s(&root)),
    ])
    .ok();
    let inspect = kiln(&[
        "inspect",
        "--format",
        "json",
        &format!("oci:{}:t", s(&layout1)),
    ])
    .json();
    let text = inspect.to_string();
    assert!(text.contains("65532:65532"), "runs as nonroot: {text}");
    let out = Command::new(require_tool("chroot"))
        .arg("--userspec=65532:65532")
        .arg(&root)
        .args(["/usr/bin/echo", "kiln-ok"])
        .output()
        .expect("running chroot");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "kiln-ok\n");
    assert!(root.join("etc/passwd").exists());
    assert!(
        !root.join("usr/bin/tool").exists(),
        "only resolved packages go in"
    );

    // The evidence: an SBOM with the three packages and provenance naming every .deb.
    let sbom: serde_json::Value = serde_json::from_slice(&std::fs::read(&sbom).unwrap()).unwrap();
    let mut sbom_names: Vec<&str> = sbom["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .filter(|n| ["base-files", "echo-app", "libc-host"].contains(n))
        .collect();
    sbom_names.sort_unstable();
    assert_eq!(sbom_names, ["base-files", "echo-app", "libc-host"]);
    assert!(
        sbom.to_string()
            .contains("pkg:deb/debian/echo-app@9.1-1?arch="),
        "{sbom}"
    );
    let prov: serde_json::Value = serde_json::from_slice(&std::fs::read(&prov).unwrap()).unwrap();
    assert_eq!(prov["predicateType"], "https://slsa.dev/provenance/v1");
    assert_eq!(
        prov["subject"][0]["digest"]["sha256"],
        digest.trim_start_matches("sha256:")
    );
    let def = &prov["predicate"]["buildDefinition"];
    assert_eq!(def["resolvedDependencies"].as_array().unwrap().len(), 3);
    assert!(def["externalParameters"]["spec"]["digest"]["sha256"].is_string());
    assert!(def["externalParameters"]["lock"]["digest"]["sha256"].is_string());
    assert!(prov["predicate"]["runDetails"]["metadata"]["startedOn"].is_string());
}

#[test]
fn verify_reproducible_builds_twice_and_write_lock_writes_the_lock() {
    let repo = repo();
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), &repo, "");
    let lock = dir.path().join("fresh.lock");
    let run = kiln(&[
        "build",
        &s(&spec),
        "--verify-reproducible",
        "--write-lock",
        &s(&lock),
        "--cache-dir",
        &s(&dir.path().join("cache")),
        "--output",
        &format!("docker-archive:{}", s(&dir.path().join("img.tar"))),
    ]);
    let digest = run.ok().trim().to_owned();
    assert!(
        run.stderr
            .contains(&format!("reproducible: both builds gave {digest}")),
        "{}",
        run.stderr
    );
    assert!(dir.path().join("img.tar").is_file());
    // The lock written by build gives the same image.
    let again = kiln(&[
        "build",
        &s(&spec),
        "--lock",
        &s(&lock),
        "--cache-dir",
        &s(&dir.path().join("cache")),
        "--output",
        &format!("oci:{}", s(&dir.path().join("l"))),
    ]);
    assert_eq!(again.ok().trim(), digest);
}

#[test]
fn signature_and_digest_failures_are_clear_errors() {
    let repo = repo();
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    // A keyring that did not sign the archive.
    let other = repo_with_key(TestKey::generate("someone-else", "ed25519"));
    let spec = write_spec(dir.path(), &repo, "");
    std::fs::copy(other.keyring_file(false), dir.path().join("archive.gpg")).unwrap();
    kiln(&[
        "lock",
        &s(&spec),
        "-o",
        &s(&dir.path().join("a.lock")),
        "--cache-dir",
        &s(&cache),
    ])
    .fails_with(&["InRelease"]);
    assert!(!dir.path().join("a.lock").exists(), "nothing half-written");

    // A Packages index that no longer matches the signed Release.
    let spec = write_spec(dir.path(), &repo, "");
    let lock = dir.path().join("kiln.lock");
    kiln(&[
        "lock",
        &s(&spec),
        "-o",
        &s(&lock),
        "--cache-dir",
        &s(&cache),
    ])
    .ok();
    let tampered = repo_with_key(TestKey::generate("kiln-archive-2", "ed25519"));
    tampered.rewrite_packages("main", arch(), |t| {
        t.replace("Version: 9.1-1", "Version: 9.1-2")
    });
    let spec2_dir = tempfile::tempdir().unwrap();
    let spec2 = write_spec(spec2_dir.path(), &tampered, "");
    kiln(&[
        "lock",
        &s(&spec2),
        "-o",
        &s(&spec2_dir.path().join("x.lock")),
        "--cache-dir",
        &s(&spec2_dir.path().join("c")),
    ])
    .fails_with(&["Packages"]);

    // Warm the cache, then replace a .deb after locking: a build with a fresh cache
    // refuses it.
    kiln(&[
        "build",
        &s(&spec),
        "--lock",
        &s(&lock),
        "--cache-dir",
        &s(&cache),
        "--output",
        &format!("oci:{}", s(&dir.path().join("warm"))),
    ])
    .ok();
    repo.replace_deb("echo-app", b"not the package");
    kiln(&[
        "build",
        &s(&spec),
        "--lock",
        &s(&lock),
        "--cache-dir",
        &s(&dir.path().join("fresh")),
        "--output",
        &format!("oci:{}", s(&dir.path().join("out"))),
    ])
    .fails_with(&["echo-app", "9.1-1"]);
    assert!(!dir.path().join("out").exists(), "nothing half-written");
    // The warm cache still builds the lock: the bytes it holds are the locked ones.
    kiln(&[
        "build",
        &s(&spec),
        "--lock",
        &s(&lock),
        "--cache-dir",
        &s(&cache),
        "--output",
        &format!("oci:{}", s(&dir.path().join("out"))),
    ])
    .ok();
}

#[test]
fn spec_errors_name_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("bad.yaml");
    std::fs::write(&spec, "packages: [echo-app]\nentrypiont: [/x]\n").unwrap();
    let run = kiln(&["lock", &s(&spec), "--cache-dir", &s(&dir.path().join("c"))]);
    run.fails_with(&[&format!(
        "{}:2:1: [unknown-key] unknown key \"entrypiont\"",
        s(&spec)
    )]);
    // A lock for another spec is refused.
    let repo = repo();
    let spec = write_spec(dir.path(), &repo, "");
    let lock = dir.path().join("kiln.lock");
    kiln(&[
        "lock",
        &s(&spec),
        "-o",
        &s(&lock),
        "--cache-dir",
        &s(&dir.path().join("c")),
    ])
    .ok();
    let changed = write_spec(dir.path(), &repo, "workdir: /\n");
    kiln(&[
        "build",
        &s(&changed),
        "--lock",
        &s(&lock),
        "--cache-dir",
        &s(&dir.path().join("c")),
        "--output",
        &format!("oci:{}", s(&dir.path().join("o"))),
    ])
    .fails_with(&["is for another spec", "kiln lock"]);
}

#[test]
fn syft_and_trivy_see_the_packages_of_kilns_sbom() {
    let repo = repo();
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), &repo, "");
    let layout = dir.path().join("layout");
    let sbom = dir.path().join("sbom.json");
    kiln(&[
        "build",
        &s(&spec),
        "--cache-dir",
        &s(&dir.path().join("c")),
        "--output",
        &format!("oci:{}:t", s(&layout)),
        "--sbom",
        &s(&sbom),
    ])
    .ok();
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&sbom).unwrap()).unwrap();
    let is_deb = |p: &serde_json::Value| p.to_string().contains("pkg:deb/");
    let ours = tools::name_versions(&doc["packages"], is_deb, "name", "versionInfo");
    let expected: BTreeSet<String> = ["base-files@12.4", "echo-app@9.1-1", "libc-host@2.36-9"]
        .map(String::from)
        .into();
    assert_eq!(ours, expected);
    let syft = tools::name_versions(
        &tools::syft_json(&layout)["artifacts"],
        |a| a["type"] == "deb",
        "name",
        "version",
    );
    assert_eq!(syft, ours, "syft");
    let trivy = tools::trivy_os_packages(&tools::trivy_json(&layout, &dir.path().join("trivy")));
    assert_eq!(trivy, ours, "trivy");
}

#[test]
fn sign_key_signs_and_attests_and_verify_accepts_it() {
    let registry = kiln_test::registry::TestRegistry::start();
    let repo = repo();
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), &repo, "");
    let with_password = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
            .args(args)
            .current_dir(dir.path())
            .env("KILN_PASSWORD", "correct horse")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, _, err) = with_password(&["key", "generate"]);
    assert_eq!(code, Some(0), "{err}");
    let image = format!("{}/built:1", registry.host());
    let (code, out, err) = with_password(&[
        "build",
        &s(&spec),
        "--cache-dir",
        "c",
        "--push",
        &image,
        "--sign-key",
        "kiln.key",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("signed") && err.contains("SBOM and provenance"),
        "{err}"
    );
    let digest = out.trim();
    let (code, out, err) =
        with_password(&["verify", &image, "--key", "kiln.pub", "--format", "json"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains(digest.trim_start_matches("sha256:")), "{out}");
    assert!(out.contains("https://slsa.dev/provenance/v1"), "{out}");
    assert!(out.contains("https://spdx.dev/Document"), "{out}");
    // A docker archive has nowhere to store a signature: a usage error.
    let run = kiln(&[
        "build",
        &s(&spec),
        "--sign-key",
        "k",
        "--output",
        "docker-archive:x.tar",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--push"), "{}", run.stderr);
}
