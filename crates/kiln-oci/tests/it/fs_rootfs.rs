//! `dir:` targets: a real root filesystem (from `dpkg-deb -x`) read as an image, the
//! digest stable across reads, and images written back as directories.

use crate::support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use kiln_oci::fs::{EntryKind, MergedFs};
use kiln_oci::manifest::Parsed;
use kiln_oci::rootfs::{DirDestination, DirSource};
use kiln_oci::source::open_blob;
use kiln_oci::{Image, ImageDestination, ImageSource};
use kiln_types::Platform;
use support::{MemSource, RawTar, list};

fn all(_: &str, _: u64) -> bool {
    true
}

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?} (install dpkg): {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn amd64() -> Platform {
    Platform::new("linux", "amd64", None)
}

/// Builds a .deb with dpkg-deb and extracts it with dpkg-deb into `rootfs`.
fn deb_rootfs(tmp: &Path) -> std::path::PathBuf {
    let pkg = tmp.join("pkg");
    std::fs::create_dir_all(pkg.join("DEBIAN")).unwrap();
    std::fs::write(
        pkg.join("DEBIAN/control"),
        "Package: kiln-fixture\nVersion: 1.0-1\nArchitecture: all\n\
         Maintainer: kiln tests <tests@example.invalid>\nDescription: fixture\n",
    )
    .unwrap();
    std::fs::create_dir_all(pkg.join("usr/share/doc/kiln-fixture")).unwrap();
    std::fs::create_dir_all(pkg.join("usr/bin")).unwrap();
    std::fs::write(
        pkg.join("usr/share/doc/kiln-fixture/hello.txt"),
        b"hello deb\n",
    )
    .unwrap();
    std::fs::write(pkg.join("usr/bin/tool"), b"#!/bin/sh\necho tool\n").unwrap();
    std::fs::set_permissions(
        pkg.join("usr/bin/tool"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    std::os::unix::fs::symlink("tool", pkg.join("usr/bin/alias")).unwrap();
    let deb = tmp.join("fixture.deb");
    run(Command::new("dpkg-deb")
        .args(["--root-owner-group", "--build"])
        .arg(&pkg)
        .arg(&deb));
    let rootfs = tmp.join("rootfs");
    run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&rootfs));
    rootfs
}

#[test]
fn a_dpkg_extracted_rootfs_reads_as_an_image() {
    let tmp = tempfile::tempdir().unwrap();
    let rootfs = deb_rootfs(tmp.path());
    std::fs::hard_link(
        rootfs.join("usr/bin/tool"),
        rootfs.join("usr/bin/tool-hardlink"),
    )
    .unwrap();
    let src = DirSource::open(&rootfs, &amd64()).unwrap();
    assert_eq!(src.name(), format!("dir:{}", rootfs.display()));
    let image = Image::resolve(&src, None).unwrap();
    assert_eq!(image.config.platform(), amd64());
    assert_eq!(image.layers().len(), 1);
    let fs = MergedFs::from_image(&src, &image, &all).unwrap();
    let on_disk: Vec<String> = list(&rootfs).into_iter().map(|p| format!("/{p}")).collect();
    let in_view: Vec<String> = fs.entries().map(|e| e.path.clone()).collect();
    assert_eq!(in_view, on_disk);
    assert_eq!(fs.file_count(), 3, "hello.txt, tool and its hard link");
    assert_eq!(
        fs.read("/usr/share/doc/kiln-fixture/hello.txt"),
        Some(&b"hello deb\n"[..])
    );
    assert_eq!(
        fs.get("/usr/bin/tool-hardlink").unwrap().kind,
        EntryKind::Hardlink {
            target: "/usr/bin/tool".into()
        }
    );
    assert_eq!(
        fs.read_resolved("/usr/bin/alias"),
        Some(&b"#!/bin/sh\necho tool\n"[..])
    );
    assert_eq!(fs.get("/usr/bin/tool").unwrap().mode, 0o755);
    assert!(fs.entries().all(|e| e.uid == 0 && e.gid == 0));
}

#[test]
fn the_same_directory_gives_the_same_digest() {
    let tmp = tempfile::tempdir().unwrap();
    let rootfs = deb_rootfs(tmp.path());
    let a = DirSource::open(&rootfs, &amd64())
        .unwrap()
        .root_manifest()
        .unwrap();
    let b = DirSource::open(&rootfs, &amd64())
        .unwrap()
        .root_manifest()
        .unwrap();
    assert_eq!(a.digest, b.digest);
    assert_eq!(a.bytes, b.bytes);
    std::fs::write(rootfs.join("usr/bin/tool"), b"changed").unwrap();
    let c = DirSource::open(&rootfs, &amd64())
        .unwrap()
        .root_manifest()
        .unwrap();
    assert_ne!(a.digest, c.digest);
}

#[test]
fn missing_or_non_directory_is_an_error_naming_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nope");
    let err = DirSource::open(&missing, &amd64()).unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
    let file = tmp.path().join("file");
    std::fs::write(&file, b"").unwrap();
    let err = DirSource::open(&file, &amd64()).unwrap_err();
    assert!(err.to_string().contains("not a directory"), "{err}");
    assert!(err.to_string().contains("file"), "{err}");
}

/// Copies every blob of `src`'s image into `dest` and commits.
fn copy(src: &dyn ImageSource, dest: Box<DirDestination>) -> kiln_oci::Result<()> {
    let root = src.root_manifest()?;
    let Parsed::Image(m) = root.parse("test").unwrap() else {
        panic!("not an image")
    };
    for desc in std::iter::once(&m.config).chain(&m.layers) {
        if let Ok(mut r) = open_blob(src, desc) {
            dest.put_blob(desc, &mut r)?;
        }
    }
    dest.commit(&root)
}

#[test]
fn a_dir_round_trips_through_dir_destination() {
    let tmp = tempfile::tempdir().unwrap();
    let rootfs = deb_rootfs(tmp.path());
    let src = DirSource::open(&rootfs, &amd64()).unwrap();
    let out = tmp.path().join("out");
    copy(&src, Box::new(DirDestination::create(&out, None).unwrap())).unwrap();
    assert_eq!(list(&out), list(&rootfs));
    assert_eq!(
        std::fs::read(out.join("usr/share/doc/kiln-fixture/hello.txt")).unwrap(),
        b"hello deb\n"
    );
    // Nothing staged is left next to it.
    let mut siblings: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    siblings.sort();
    assert_eq!(siblings, ["fixture.deb", "out", "pkg", "rootfs"]);
}

#[test]
fn a_failed_commit_leaves_nothing_at_the_destination() {
    let tmp = tempfile::tempdir().unwrap();
    let mut layer = RawTar::new().file("big", &vec![1u8; 5000]).finish();
    layer.truncate(3000);
    let src = MemSource::new(&[layer]);
    let out = tmp.path().join("out");
    let err = copy(&src, Box::new(DirDestination::create(&out, None).unwrap())).unwrap_err();
    assert!(
        err.to_string().contains("layer") || err.to_string().contains("big"),
        "{err}"
    );
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
}

#[test]
fn destination_must_be_new_or_empty() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("x"), b"").unwrap();
    let err = DirDestination::create(tmp.path(), None).unwrap_err();
    assert!(err.to_string().contains("not empty"), "{err}");
}
