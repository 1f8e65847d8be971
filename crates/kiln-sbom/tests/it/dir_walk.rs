//! A root directory catalogued by walking it gives the document reading it as a one-layer
//! image gives; a Go binary outside any `bin` directory is found by its mode and ELF
//! section table, on both paths and in a layer.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use kiln_oci::rootfs::DirSource;
use kiln_oci::{Image, ImageSource};
use kiln_sbom::format::{self, Format, WriteOptions};
use kiln_sbom::{Catalog, dir_target_info};
use kiln_test::binaries::go_binary;
use kiln_types::{Inventory, PackageKind, Platform};

const STATUS: &str = "Package: base-files\nStatus: install ok installed\nVersion: 12.4\n\
Architecture: amd64\nMaintainer: x <x@example.invalid>\nDescription: base\n\n\
Package: hello\nStatus: install ok installed\nVersion: 2.10-3\nArchitecture: amd64\n\
Maintainer: x <x@example.invalid>\nDepends: base-files\nDescription: hello\n";

fn write(path: &Path, bytes: &[u8], mode: u32) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A small root: Debian's os-release and dpkg status with file lists, a pip package, an
/// npm package, and the Go binary at `/opt/app/server` (and, not executable, a copy).
fn rootfs(root: &Path, go: &[u8]) {
    write(
        &root.join("etc/os-release"),
        b"ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n",
        0o644,
    );
    write(&root.join("var/lib/dpkg/status"), STATUS.as_bytes(), 0o644);
    write(
        &root.join("var/lib/dpkg/info/hello.list"),
        b"/usr/bin/hello\n",
        0o644,
    );
    write(&root.join("usr/bin/hello"), b"\x7fELF not really", 0o755);
    write(
        &root.join("usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA"),
        b"Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\nLicense: MIT\n",
        0o644,
    );
    write(
        &root.join("srv/web/node_modules/left-pad/package.json"),
        br#"{"name":"left-pad","version":"1.3.0","license":"WTFPL"}"#,
        0o644,
    );
    write(&root.join("opt/app/server"), go, 0o755);
    write(&root.join("opt/app/server.copy"), go, 0o644);
    std::fs::create_dir_all(root.join("usr/local")).unwrap();
    std::os::unix::fs::symlink("/opt/app/server", root.join("usr/local/server")).unwrap();
}

fn document(inv: &Inventory, format: Format) -> Vec<u8> {
    let opts = WriteOptions::new("test", inv, Some("0"));
    format::write(format, inv, &opts).unwrap()
}

#[test]
fn walking_a_directory_gives_the_document_its_layer_gives() {
    let tmp = tempfile::tempdir().unwrap();
    let (go, go_version) = go_binary(&tmp.path().join("go"));
    let root = tmp.path().join("root");
    rootfs(&root, &go);
    let catalog = Catalog::default();

    let walked = catalog.read_dir(&root).unwrap();
    let src = DirSource::open(&root, &Platform::new("linux", "amd64", None)).unwrap();
    let image = Image::resolve(&src as &dyn ImageSource, None).unwrap();
    let tarred = catalog.read_image(&src, &image).unwrap();

    let source = dir_target_info("linux/amd64", "dir:root");
    let mut a = catalog.catalog_fs(&walked);
    let mut b = catalog.catalog_fs(&tarred);
    a.source = source.clone();
    b.source = source;
    assert_eq!(a, b);
    for f in [Format::CycloneDxJson, Format::SpdxJson, Format::Spdx3Json] {
        assert_eq!(document(&a, f), document(&b, f), "{f:?}");
    }

    // Every ecosystem of the root was found, the Go binary outside any bin directory too.
    let ids: Vec<String> = a
        .packages
        .iter()
        .map(|p| format!("{:?} {}@{}", p.kind, p.name, p.version))
        .collect();
    for want in [
        "hello@2.10-3",
        "six@1.16.0",
        "left-pad@1.3.0",
        "example.com/app@(devel)",
    ] {
        assert!(ids.iter().any(|i| i.ends_with(want)), "{want} in {ids:?}");
    }
    let stdlib = go_version.trim_start_matches("go");
    let go_pkgs: Vec<_> = a
        .packages
        .iter()
        .filter(|p| p.kind == PackageKind::Go)
        .collect();
    assert!(
        go_pkgs
            .iter()
            .any(|p| p.name == "stdlib" && p.version == stdlib),
        "{ids:?}"
    );
    // Found once, at the executable; the non-executable copy is not looked into.
    for p in &go_pkgs {
        let paths: Vec<_> = p.locations.iter().map(|l| l.path.as_str()).collect();
        assert_eq!(paths, ["/opt/app/server"], "{}", p.name);
    }
    assert!(walked.read("/opt/app/server").is_some());
    assert!(walked.read("/opt/app/server.copy").is_none());
    // The fake ELF in the distribution's bin dir is small and owned: not read.
    assert!(walked.read("/usr/bin/hello").is_none());
}

#[test]
fn catalog_dir_describes_the_directory_without_digests() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    rootfs(&root, b"\x7fELF short and not executable enough");
    let inv = Catalog::default()
        .catalog_dir(&root, "linux/arm64", "dir:x")
        .unwrap();
    assert_eq!(inv.source.name, "dir:x");
    assert_eq!(inv.source.platform, "linux/arm64");
    assert!(inv.source.digest.is_empty() && inv.source.layers.is_empty());
    assert!(inv.packages.iter().any(|p| p.name == "hello"));
    // The document's time is the tree's newest modification time.
    let stamp = std::fs::File::options()
        .write(true)
        .open(root.join("var/lib/dpkg/status"))
        .unwrap();
    let newest = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_900_000_000);
    stamp.set_modified(newest).unwrap();
    let again = Catalog::default()
        .catalog_dir(&root, "linux/arm64", "dir:x")
        .unwrap();
    assert_eq!(
        again.source.created.as_deref(),
        Some("2030-03-17T17:46:40Z")
    );
    let err = Catalog::default()
        .catalog_dir(&root.join("nope"), "linux/amd64", "dir:nope")
        .unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
}
