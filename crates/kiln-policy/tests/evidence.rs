//! The evidence builder over images written by `kiln_test::fixture::ImageBuilder`: user
//! resolution, shells, package managers and setuid files found through links and layers,
//! and the `hardened` preset deciding over the result.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on a broken fixture"
)]

use std::path::Path;

use jiff::Timestamp;
use kiln_oci::{OpenOptions, Target};
use kiln_policy::evidence::builder::{self, Signatures, Sources};
use kiln_policy::{Evidence, Mode, Policy, decide};
use kiln_test::fixture::{Compression, ImageBuilder, LayerSpec};

const PASSWD: &[u8] = b"root:x:0:0:root:/root:/bin/sh\nadmin:x:0:0::/:/bin/sh\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n";

fn build(dir: &Path, image: ImageBuilder) -> Evidence {
    image.write_layout(dir, "1");
    let name = format!("oci:{}:1", dir.display());
    let target = Target::parse(&name).unwrap();
    let sources = Sources {
        database: None,
        vex: &[],
        signatures: Signatures::Skip,
        now: "2026-01-31T00:00:00Z".parse::<Timestamp>().unwrap(),
    };
    builder::build(&name, &target, &OpenOptions::default(), &sources).unwrap()
}

fn base() -> LayerSpec {
    LayerSpec::new()
        .dir("/etc")
        .file("/etc/passwd", PASSWD, 0o644)
        .file("/etc/os-release", b"ID=debian\nVERSION_ID=\"12\"\n", 0o644)
        .dir("/usr")
        .dir("/usr/bin")
        .symlink("/bin", "usr/bin")
        .file("/usr/bin/app", b"\x7fELF app", 0o755)
}

/// A root image with a shell (reached through the usrmerge link), apt, pip and a setuid
/// file; the second layer adds the shell link and removes nothing.
fn bad_image() -> ImageBuilder {
    let tools = LayerSpec::new()
        .file("/usr/bin/dash", b"\x7fELF dash", 0o755)
        .symlink("/usr/bin/sh", "dash")
        .file("/usr/bin/apt", b"\x7fELF apt", 0o755)
        .file("/usr/local/bin/pip3.11", b"#!/usr/bin/python3\n", 0o755)
        .file("/usr/bin/passwd", b"\x7fELF passwd", 0o4755)
        .file("/usr/bin/wall", b"\x7fELF wall", 0o2755)
        // Not executables: a completion file named like a package manager, a dangling shell.
        .file(
            "/usr/share/bash-completion/completions/apt",
            b"# apt",
            0o644,
        )
        .symlink("/usr/bin/bash", "/nonexistent/bash");
    ImageBuilder::new()
        .layer(base(), Compression::Gzip)
        .layer(tools, Compression::Gzip)
        .entrypoint(&["/usr/bin/app"])
}

#[test]
fn a_root_image_with_a_shell_and_setuid_file_fails_hardened() {
    let dir = tempfile::tempdir().unwrap();
    let ev = build(dir.path(), bad_image());
    assert_eq!(ev.image.user.uid, Some(0));
    assert_eq!(ev.image.user.resolved_by, "default");
    assert_eq!(ev.image.layers, 2);
    assert_eq!(ev.image.config.entrypoint, ["/usr/bin/app"]);
    let shells: Vec<(&str, Option<&str>)> = ev
        .files
        .shells
        .iter()
        .map(|s| (s.path.as_str(), s.target.as_deref()))
        .collect();
    assert_eq!(
        shells,
        [
            ("/usr/bin/dash", None),
            ("/usr/bin/sh", Some("/usr/bin/dash"))
        ]
    );
    let managers: Vec<(&str, &str, &str)> = ev
        .files
        .package_managers
        .iter()
        .map(|m| (m.path.as_str(), m.name.as_str(), m.kind.as_str()))
        .collect();
    assert_eq!(
        managers,
        [
            ("/usr/bin/apt", "apt", "os"),
            ("/usr/local/bin/pip3.11", "pip", "language")
        ]
    );
    let setuid: Vec<(&str, &str)> = ev
        .files
        .setuid
        .iter()
        .map(|f| (f.path.as_str(), f.mode.as_str()))
        .collect();
    assert_eq!(setuid, [("/usr/bin/passwd", "4755")]);
    assert_eq!(ev.files.setgid[0].path, "/usr/bin/wall");
    assert_eq!(
        ev.sbom.distro.as_ref().map(|d| d.id.as_str()),
        Some("debian")
    );
    assert!(!ev.vulnerabilities.scanned);
    assert!(!ev.verification.checked);

    let d = decide(
        &[Policy::preset("hardened").unwrap()],
        &ev,
        &serde_json::json!({}),
        Mode::AllOf,
    )
    .unwrap();
    assert!(!d.allowed);
    let rules: Vec<&str> = d.denials().map(|(_, x)| x.rule.as_str()).collect();
    assert_eq!(
        rules,
        [
            "hardened/no-package-manager",
            "hardened/no-setuid",
            "hardened/no-shell",
            "hardened/non-root"
        ]
    );
}

#[test]
fn a_non_root_image_without_them_passes_hardened() {
    for user in ["65532:65532", "nonroot"] {
        let dir = tempfile::tempdir().unwrap();
        let image = ImageBuilder::new()
            .layer(base(), Compression::Gzip)
            .user(user)
            .entrypoint(&["/usr/bin/app"]);
        let ev = build(dir.path(), image);
        assert_eq!(ev.image.user.uid, Some(65532), "{user}");
        assert!(ev.files.shells.is_empty() && ev.files.setuid.is_empty());
        let d = decide(
            &[Policy::preset("hardened").unwrap()],
            &ev,
            &serde_json::json!({}),
            Mode::AllOf,
        )
        .unwrap();
        assert!(d.allowed, "{user}: {d:#?}");
    }
}

#[test]
fn a_root_alias_and_a_shell_removed_in_a_later_layer() {
    let dir = tempfile::tempdir().unwrap();
    let cleanup = LayerSpec::new()
        .whiteout("/usr/bin/dash")
        .whiteout("/usr/bin/sh");
    let image = bad_image().layer(cleanup, Compression::Gzip).user("admin");
    let ev = build(dir.path(), image);
    // `admin` is uid 0 in the image's passwd: root by another name.
    assert_eq!(ev.image.user.uid, Some(0));
    assert_eq!(ev.image.user.resolved_by, "passwd");
    assert!(ev.files.shells.is_empty(), "{:?}", ev.files.shells);
    // The document round-trips through its JSON form.
    let again = Evidence::from_json("again", &ev.to_json()).unwrap();
    assert_eq!(again, ev);
}
