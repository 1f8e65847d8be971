//! `kiln inspect --attack-surface` on fixtures whose counts are known by construction.

use crate::support;

use kiln_test::fixture::{Compression, ImageBuilder, LayerSpec};
use support::{kiln, s};

const STATUS: &[u8] = b"Package: bash\nStatus: install ok installed\nVersion: 5.2\n\n\
Package: apt\nStatus: install ok installed\nVersion: 2.6\n\n\
Package: oldpkg\nStatus: deinstall ok config-files\nVersion: 1.0\n";

/// 2 installed packages; 6 files of which 4 executable; shells bash, dash, the hard link
/// rbash and the symlink sh; one package manager; one setuid file.
fn baseline() -> ImageBuilder {
    let layer = LayerSpec::new()
        .file("/var/lib/dpkg/status", STATUS, 0o644)
        .file("/usr/bin/bash", b"\x7fELF bash", 0o755)
        .hardlink("/usr/bin/rbash", "/usr/bin/bash")
        .file("/usr/bin/dash", b"\x7fELF dash", 0o755)
        .symlink("/usr/bin/sh", "dash")
        .file("/usr/bin/apt-get", b"\x7fELF apt-get", 0o755)
        .file("/usr/bin/su", b"\x7fELF su", 0o4755)
        .file("/etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n", 0o644);
    ImageBuilder::new().layer(layer, Compression::Gzip)
}

const TARGET_FILES: [&[u8]; 4] = [
    b"Package: app\nStatus: install ok installed\n",
    b"0123456789abcdef0123456789abcdef  usr/bin/app\n",
    b"\x7fELF app",
    b"nonroot:x:65532:65532::/home/nonroot:/usr/sbin/nologin\n",
];

/// 1 package (status.d); 4 files of which 1 executable; nothing else.
fn target() -> ImageBuilder {
    let layer = LayerSpec::new()
        .file(
            "/var/lib/dpkg/status.d/app",
            b"Package: app\nStatus: install ok installed\n",
            0o644,
        )
        .file(
            "/var/lib/dpkg/status.d/app.md5sums",
            b"0123456789abcdef0123456789abcdef  usr/bin/app\n",
            0o644,
        )
        .file("/usr/bin/app", b"\x7fELF app", 0o755)
        .file(
            "/etc/passwd",
            b"nonroot:x:65532:65532::/home/nonroot:/usr/sbin/nologin\n",
            0o644,
        );
    ImageBuilder::new().layer(layer, Compression::Gzip)
}

#[test]
fn counts_and_reduction_against_a_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let (t, b) = (dir.path().join("t"), dir.path().join("b"));
    target().write_layout(&t, "1");
    baseline().write_layout(&b, "1");
    let v = kiln(&[
        "inspect",
        "--attack-surface",
        "--format",
        "json",
        &format!("oci:{}:1", s(&t)),
        "--baseline",
        &format!("oci:{}:1", s(&b)),
    ])
    .json();
    let ts = &v["target"]["surface"];
    assert_eq!(ts["packages"], 1);
    assert_eq!(ts["files"], 4);
    assert_eq!(ts["executables"], 1);
    assert_eq!(ts["shells"], serde_json::json!([]));
    let bs = &v["baseline"]["surface"];
    assert_eq!(bs["packages"], 2);
    assert_eq!(bs["files"], 6);
    assert_eq!(bs["executables"], 4);
    assert_eq!(
        bs["shells"],
        serde_json::json!([
            "/usr/bin/bash",
            "/usr/bin/dash",
            "/usr/bin/rbash",
            "/usr/bin/sh"
        ])
    );
    assert_eq!(
        bs["packageManagers"],
        serde_json::json!(["/usr/bin/apt-get"])
    );
    assert_eq!(bs["setuid"], serde_json::json!(["/usr/bin/su"]));
    let tb: usize = TARGET_FILES.iter().map(|f| f.len()).sum();
    let bb = STATUS.len() + 9 + 9 + 12 + 7 + 30;
    assert_eq!(ts["bytes"], tb);
    assert_eq!(bs["bytes"], bb);
    let r = &v["reduction"];
    assert_eq!(r["packages"], 50.0);
    assert_eq!(r["files"], 33.3);
    assert_eq!(r["executables"], 75.0);
    assert_eq!(r["shells"], 100.0);
    assert_eq!(r["packageManagers"], 100.0);
    assert_eq!(r["setuid"], 100.0);

    let table = kiln(&["inspect", "--attack-surface", &format!("oci:{}:1", s(&b))]);
    let out = table.ok();
    assert!(out.contains("attack surface of oci:"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["shells", "4"]),
        "{out}"
    );
    assert!(out.contains("setuid/setgid: /usr/bin/su\n"), "{out}");
}

#[test]
fn a_missing_baseline_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t");
    target().write_layout(&t, "1");
    let missing = dir.path().join("nope");
    kiln(&[
        "inspect",
        "--attack-surface",
        &format!("oci:{}:1", s(&t)),
        "--baseline",
        &format!("oci:{}:1", s(&missing)),
    ])
    .fails_with(&["--baseline"]);
    kiln(&[
        "inspect",
        "--baseline",
        &format!("oci:{}:1", s(&t)),
        &format!("oci:{}:1", s(&t)),
    ])
    .fails_with(&["required arguments"]);
}
