//! The evidence builder over images written by `kiln_test::fixture::ImageBuilder`: user
//! resolution, shells, package managers and setuid files found through links and layers,
//! and the `hardened` preset deciding over the result.

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
        first_seen: None,
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

/// An OSV record for source package `foo` in Debian 12, fixed in 1.0-2; the CVE alias
/// carries the earlier publication date.
const DEBIAN_RECORD: &str = r#"{"id": "DEBIAN-CVE-2025-1", "aliases": ["CVE-2025-1"], "modified": "2025-06-01T00:00:00Z",
  "published": "2025-06-01T00:00:00Z",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N"}],
  "affected": [{"package": {"ecosystem": "Debian:12", "name": "foo"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0-2"}]}]}]}"#;

const CVE_RECORD: &str = r#"{"id": "CVE-2025-1", "modified": "2025-05-01T00:00:00Z", "published": "2025-05-01T00:00:00Z"}"#;

#[test]
fn findings_are_dated_from_publication_or_first_sighting() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("db.sqlite");
    let sources = [
        kiln_vuln::import::read_bytes("debian.json", DEBIAN_RECORD.as_bytes().to_vec()),
        kiln_vuln::import::read_bytes("cve.json", CVE_RECORD.as_bytes().to_vec()),
    ];
    kiln_vuln::db::import(&db_path, &sources, &kiln_vuln::ImportOptions::default()).unwrap();
    let database = kiln_vuln::Database::open(&db_path).unwrap();
    let status = b"Package: libfoo1\nStatus: install ok installed\nArchitecture: amd64\nSource: foo\nVersion: 1.0-1\n\n";
    let image = ImageBuilder::new().layer(
        base()
            .dir("/var")
            .dir("/var/lib")
            .dir("/var/lib/dpkg")
            .file("/var/lib/dpkg/status", status, 0o644),
        Compression::Gzip,
    );
    image.write_layout(&dir.path().join("img"), "1");
    let name = format!("oci:{}:1", dir.path().join("img").display());
    let target = Target::parse(&name).unwrap();
    let now: Timestamp = "2025-06-11T00:00:00Z".parse().unwrap();
    let mut sources = Sources {
        database: Some(&database),
        vex: &[],
        signatures: Signatures::Skip,
        now,
        first_seen: None,
    };
    let ev = builder::build(&name, &target, &OpenOptions::default(), &sources).unwrap();
    assert!(ev.vulnerabilities.scanned);
    assert!(
        !ev.vulnerabilities.findings.is_empty(),
        "{:?} {:?}",
        ev.sbom,
        ev.vulnerabilities
    );
    let f = &ev.vulnerabilities.findings[0];
    assert_eq!(f.package.name, "libfoo1");
    // AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:N scores 9.1.
    assert_eq!(f.rating.as_deref(), Some("critical"));
    assert!(f.fixable);
    // The alias was published a month before the Debian record: 41 days.
    assert_eq!(f.published.as_deref(), Some("2025-05-01T00:00:00Z"));
    assert_eq!(f.age_days, Some(41));
    let cve_sla = Policy::preset("cve-sla").unwrap();
    let d = decide(
        std::slice::from_ref(&cve_sla),
        &ev,
        &serde_json::json!({}),
        Mode::AllOf,
    )
    .unwrap();
    assert_eq!(d.denials().next().unwrap().1.rule, "cve-sla/critical-high");

    // Seen here only three days ago: within the SLA.
    let seen =
        std::collections::BTreeMap::from([(f.id.clone(), "2025-06-08T00:00:00Z".to_owned())]);
    sources.first_seen = Some(&seen);
    let ev = builder::build(&name, &target, &OpenOptions::default(), &sources).unwrap();
    assert_eq!(ev.vulnerabilities.findings[0].age_days, Some(3));
    let d = decide(&[cve_sla], &ev, &serde_json::json!({}), Mode::AllOf).unwrap();
    assert!(d.allowed, "{d:#?}");
}
