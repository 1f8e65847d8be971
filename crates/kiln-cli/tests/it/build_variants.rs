//! `kiln build` beyond the plain runtime image, against a real gpg-signed apt repository
//! on loopback: the dev variant (a real shell that runs, apt, root), a multi-arch build
//! (an index that skopeo reads and copies, an SBOM per architecture, every manifest
//! signed and carrying its own evidence), and an unsatisfiable spec (exit 2, the failing
//! chain named, nothing written).

use std::path::Path;
use std::process::Command;

use kiln_test::apt::{AptRepo, TestKey};
use kiln_test::deb::DebSpec;
use kiln_test::fixture::require_tool;

use crate::build::{
    add_packages, arch, echo_and_libs, host_program, require_root, unpublished_repo, write_spec,
};
use crate::support::{kiln, kiln_at, s};

const PASSWORD: &str = "build variants";

fn key() -> TestKey {
    TestKey::generate("kiln-archive", "ed25519")
}

/// The plain repository plus `bash` (the host's, with the libraries `echo` does not
/// already bring) and an `apt` placeholder: what the dev variant adds.
fn repo_with_dev_packages() -> AptRepo {
    let mut repo = unpublished_repo(key(), arch());
    let (bash, libs) = host_program("/usr/bin/bash");
    let (_, echo_libs) = echo_and_libs();
    let mut deb = DebSpec::new("bash", "5.2.15-2", arch())
        .field("Depends", "libc-host")
        .file("/usr/bin/bash", &bash)
        .mode("/usr/bin/bash", 0o755);
    for (path, bytes) in libs
        .iter()
        .filter(|(p, _)| !echo_libs.iter().any(|(e, _)| e == p))
    {
        deb = deb.file(path, bytes);
    }
    repo.add("main", deb);
    repo.add(
        "main",
        DebSpec::new("apt", "2.6.1", arch())
            .file("/usr/bin/apt", b"apt placeholder")
            .mode("/usr/bin/apt", 0o755),
    );
    repo.publish();
    repo
}

fn chroot(root: &Path, args: &[&str]) -> std::process::Output {
    Command::new(require_tool("chroot"))
        .arg(root)
        .args(args)
        .output()
        .expect("running chroot")
}

#[test]
fn the_dev_variant_has_a_working_shell_and_apt_and_runs_as_root() {
    require_root();
    let repo = repo_with_dev_packages();
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), &repo, "");
    let cache = s(&dir.path().join("cache"));
    for variant in ["runtime", "dev"] {
        let layout = dir.path().join(variant);
        kiln(&[
            "build",
            &s(&spec),
            "--variant",
            variant,
            "--cache-dir",
            &cache,
            "--output",
            &format!("oci:{}:t", s(&layout)),
        ])
        .ok();
        kiln(&[
            "copy",
            &format!("oci:{}:t", s(&layout)),
            &format!("dir:{}", s(&dir.path().join(format!("{variant}-root")))),
        ])
        .ok();
    }
    let dev = dir.path().join("dev-root");
    let out = chroot(&dev, &["/usr/bin/bash", "-c", "echo dev-$((6 * 7))"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "dev-42\n");
    assert!(dev.join("usr/bin/apt").is_file());
    let config = kiln(&[
        "inspect",
        "--format",
        "json",
        &format!("oci:{}:t", s(&dir.path().join("dev"))),
    ])
    .json()
    .to_string();
    assert!(
        !config.contains("65532:65532"),
        "dev runs as root: {config}"
    );

    // The runtime variant of the same spec has neither, and runs as nonroot.
    let runtime = dir.path().join("runtime-root");
    assert!(!runtime.join("usr/bin/bash").exists());
    assert!(!runtime.join("usr/bin/apt").exists());
    assert!(runtime.join("usr/bin/echo").is_file());
}

#[test]
fn a_multi_arch_build_is_an_index_with_evidence_for_every_architecture() {
    let registry = kiln_test::registry::TestRegistry::start();
    let mut repo = unpublished_repo(key(), "amd64");
    add_packages(&mut repo, "arm64");
    repo.publish();
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), &repo, "");
    let at = |args: &[&str]| kiln_at(dir.path(), PASSWORD, args);
    at(&["key", "generate"]).ok();
    let image = format!("{}/multi:1", registry.host());
    let run = at(&[
        "build",
        &s(&spec),
        "--arch",
        "amd64,arm64",
        "--cache-dir",
        "cache",
        "--output",
        "oci:layout:t",
        "--sbom",
        "sbom.json",
        "--push",
        &image,
        "--sign-key",
        "kiln.key",
    ]);
    let index_digest = run.ok().trim().to_owned();
    assert!(
        run.stderr.contains("each architecture's SBOM"),
        "{}",
        run.stderr
    );

    // skopeo reads the index kiln wrote and copies every image of it, digests kept.
    let layout = dir.path().join("layout");
    let raw = Command::new(require_tool("skopeo"))
        .args(["inspect", "--raw", &format!("oci:{}:t", s(&layout))])
        .output()
        .unwrap();
    assert!(
        raw.status.success(),
        "{}",
        String::from_utf8_lossy(&raw.stderr)
    );
    let index: serde_json::Value = serde_json::from_slice(&raw.stdout).unwrap();
    assert_eq!(
        index["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    let manifests = index["manifests"].as_array().unwrap();
    let by_arch: Vec<(String, String)> = manifests
        .iter()
        .map(|m| {
            (
                m["platform"]["architecture"].as_str().unwrap().to_owned(),
                m["digest"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let arches: Vec<&str> = by_arch.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(arches, ["amd64", "arm64"]);
    let copied = dir.path().join("copied");
    let copy = Command::new(require_tool("skopeo"))
        .args([
            "copy",
            "--all",
            &format!("oci:{}:t", s(&layout)),
            &format!("oci:{}:t", s(&copied)),
        ])
        .output()
        .unwrap();
    assert!(
        copy.status.success(),
        "{}",
        String::from_utf8_lossy(&copy.stderr)
    );
    let copied_index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(copied.join("index.json")).unwrap()).unwrap();
    assert_eq!(
        copied_index["manifests"][0]["digest"], index_digest,
        "skopeo kept the index digest"
    );

    // One SBOM per architecture, each naming its own.
    for (a, _) in &by_arch {
        let sbom = std::fs::read_to_string(dir.path().join(format!("sbom.json.{a}"))).unwrap();
        assert!(sbom.contains(&format!("arch={a}")), "{a}: {sbom}");
        assert!(!sbom.contains(&format!("arch={}", other(a))), "{a}");
    }

    // The index and every manifest verify, in the registry and in the layout; each
    // manifest's SBOM attestation is its own architecture's.
    at(&["verify", &image, "--key", "kiln.pub", "--type", "slsa"]).ok();
    at(&[
        "verify",
        "oci:layout:t",
        "--key",
        "kiln.pub",
        "--type",
        "slsa",
    ])
    .ok();
    for (a, digest) in &by_arch {
        let pinned = format!("{}/multi@{digest}", registry.host());
        let sbom = at(&[
            "verify", &pinned, "--key", "kiln.pub", "--type", "spdx", "--format", "json",
        ]);
        let text = sbom.ok();
        assert!(text.contains(&format!("arch={a}")), "{a}: {text}");
        assert!(!text.contains(&format!("arch={}", other(a))), "{a}: {text}");
        at(&["verify", &pinned, "--key", "kiln.pub", "--type", "slsa"]).ok();
    }
    // Another key is refused.
    at(&["key", "generate", "--output-prefix", "other"]).ok();
    let refused = at(&["verify", &image, "--key", "other.pub"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
}

fn other(arch: &str) -> &'static str {
    if arch == "amd64" { "arm64" } else { "amd64" }
}

#[test]
fn an_unsatisfiable_spec_names_the_chain_and_writes_nothing() {
    let mut repo = unpublished_repo(key(), arch());
    repo.add(
        "main",
        DebSpec::new("web-app", "2.0", arch()).field("Depends", "web-runtime (>= 3)"),
    );
    repo.add(
        "main",
        DebSpec::new("web-runtime", "2.9", arch()).field("Depends", "libc-host"),
    );
    repo.publish();
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), &repo, "");
    let text = std::fs::read_to_string(&spec).unwrap().replace(
        "packages: [echo-app, base-files]",
        "packages: [echo-app, web-app]",
    );
    std::fs::write(&spec, text).unwrap();
    let cache = s(&dir.path().join("cache"));
    let lock = dir.path().join("kiln.lock");
    kiln(&["lock", &s(&spec), "-o", &s(&lock), "--cache-dir", &cache]).fails_with(&[
        "web-app",
        "web-runtime (>= 3)",
        "2.9",
    ]);
    assert!(!lock.exists(), "no lock written");
    let out = dir.path().join("out");
    kiln(&[
        "build",
        &s(&spec),
        "--cache-dir",
        &cache,
        "--write-lock",
        &s(&lock),
        "--output",
        &format!("oci:{}", s(&out)),
    ])
    .fails_with(&["web-app", "web-runtime"]);
    assert!(!out.exists(), "no image written");
    assert!(!lock.exists(), "no lock written");
}
