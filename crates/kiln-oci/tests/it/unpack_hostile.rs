//! Hostile layer tars unpacked into a temp dir: nothing appears outside it, nothing is
//! written through a symlink, and whiteouts behave as in the merged view.

use crate::support;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use kiln_oci::fs::MergedFs;
use kiln_oci::unpack::{UnpackOptions, unpack_image, unpack_image_with};
use support::{MemSource, RawTar, list};

struct Sandbox {
    _tmp: tempfile::TempDir,
    outer: std::path::PathBuf,
    dest: std::path::PathBuf,
}

/// `outer/` holds only `dest/` and a decoy `etc/` that a symlink escape would reach.
fn sandbox() -> Sandbox {
    let tmp = tempfile::tempdir().unwrap();
    let outer = tmp.path().join("outer");
    std::fs::create_dir_all(outer.join("etc")).unwrap();
    std::fs::write(outer.join("etc/shadow"), b"secret").unwrap();
    Sandbox {
        outer: outer.clone(),
        dest: outer.join("dest"),
        _tmp: tmp,
    }
}

fn outside(s: &Sandbox) -> Vec<String> {
    list(&s.outer)
        .into_iter()
        .filter(|p| !p.starts_with("dest"))
        .collect()
}

#[test]
fn hostile_layer_writes_nothing_outside() {
    let s = sandbox();
    let layer = RawTar::new()
        .file("../../etc/passwd", b"clamped")
        .file("/abs/path", b"abs")
        .symlink("evil", "../etc")
        .file("evil/passwd", b"through the link")
        .dir("evil/sub/")
        .symlink("up", "../../..")
        .file("up/escaped", b"x")
        .hardlink("hl", "../etc/shadow")
        .hardlink("hl2", "/etc/shadow")
        .file(".wh...", b"")
        .fifo("pipe")
        .file(&format!("{}/f", "d".repeat(300)), b"long")
        .finish();
    let src = MemSource::new(&[layer]);
    let stats = unpack_image(&src, &src.image(), &s.dest).unwrap();
    assert_eq!(outside(&s), ["etc", "etc/shadow"]);
    assert_eq!(
        std::fs::read(s.outer.join("etc/shadow")).unwrap(),
        b"secret"
    );
    assert_eq!(
        list(&s.dest),
        ["abs", "abs/path", "etc", "etc/passwd", "evil", "up"]
    );
    assert_eq!(
        std::fs::read(s.dest.join("etc/passwd")).unwrap(),
        b"clamped"
    );
    // Symlinks are data: created as written, never followed.
    assert_eq!(
        std::fs::read_link(s.dest.join("evil")).unwrap(),
        Path::new("../etc")
    );
    assert!(stats.skipped >= 6, "{stats:?}");
    assert!(
        stats
            .anomalies
            .iter()
            .any(|a| a.name == "evil/passwd" || a.name == "/evil/passwd")
    );
}

#[test]
fn symlink_replacing_a_dir_is_not_followed_by_later_layers() {
    let s = sandbox();
    let l1 = RawTar::new().dir("d/").file("d/x", b"1").finish();
    let l2 = RawTar::new().symlink("d", "/../../etc").finish();
    let l3 = RawTar::new()
        .file("d/shadow", b"pwned")
        .whiteout("d/x")
        .finish();
    let src = MemSource::new(&[l1, l2, l3]);
    unpack_image(&src, &src.image(), &s.dest).unwrap();
    assert_eq!(
        std::fs::read(s.outer.join("etc/shadow")).unwrap(),
        b"secret"
    );
    assert_eq!(outside(&s), ["etc", "etc/shadow"]);
    assert!(s.dest.join("d").symlink_metadata().unwrap().is_symlink());
}

#[test]
fn whiteouts_and_opaque_match_the_merged_view() {
    let s = sandbox();
    let base = RawTar::new()
        .dir("etc/")
        .file("etc/a", b"a0")
        .file("etc/b", b"b0")
        .dir("opt/app/")
        .file("opt/app/old", b"old")
        .dir("var/lib/")
        .file("var/lib/x", b"x")
        .file("f", b"file")
        .finish();
    let mid = RawTar::new()
        .whiteout("etc/a")
        .file("opt/app/new", b"new")
        .opaque("opt/app")
        .whiteout("var")
        .dir("f/")
        .file("f/in", b"in")
        .finish();
    let top = RawTar::new()
        .file("etc/a", b"a2")
        .file("var/again", b"v")
        .file("f", b"file again")
        .finish();
    let layers = [base, mid, top];
    let src = MemSource::new(&layers);
    let image = src.image();
    unpack_image(&src, &image, &s.dest).unwrap();
    let merged = MergedFs::from_image(&src, &image, &|_: &str, _: u64| true).unwrap();
    let from_view: Vec<String> = merged
        .entries()
        .map(|e| e.path.trim_start_matches('/').to_owned())
        .collect();
    assert_eq!(list(&s.dest), from_view);
    assert_eq!(std::fs::read(s.dest.join("etc/a")).unwrap(), b"a2");
    assert_eq!(std::fs::read(s.dest.join("f")).unwrap(), b"file again");
    assert!(!s.dest.join("opt/app/old").exists());
}

#[test]
fn hardlinks_modes_and_mtimes() {
    let s = sandbox();
    let layer = RawTar::new()
        .dir("bin/")
        .file_mode("bin/busybox", b"BB", 0o4755)
        .hardlink("bin/sh", "bin/busybox")
        .dir("ro/")
        .file("ro/f", b"f")
        .finish();
    let src = MemSource::new(&[layer]);
    let stats = unpack_image(&src, &src.image(), &s.dest).unwrap();
    assert_eq!(stats.hardlinks, 1);
    let a = std::fs::metadata(s.dest.join("bin/busybox")).unwrap();
    let b = std::fs::metadata(s.dest.join("bin/sh")).unwrap();
    assert_eq!(a.ino(), b.ino());
    assert_eq!(a.permissions().mode() & 0o7777, 0o755, "setuid dropped");
    assert_eq!(a.mtime(), 1_000_000);
    assert_eq!(
        std::fs::metadata(s.dest.join("bin")).unwrap().mtime(),
        1_000_000
    );

    let s2 = sandbox();
    let options = UnpackOptions {
        keep_setid: true,
        ..UnpackOptions::default()
    };
    unpack_image_with(&src, &src.image(), &s2.dest, &options).unwrap();
    let a = std::fs::metadata(s2.dest.join("bin/busybox")).unwrap();
    assert_eq!(a.permissions().mode() & 0o7777, 0o4755);
}

#[test]
fn destination_must_be_empty() {
    let s = sandbox();
    std::fs::create_dir(&s.dest).unwrap();
    std::fs::write(s.dest.join("x"), b"").unwrap();
    let src = MemSource::new(&[RawTar::new().file("a", b"a").finish()]);
    let err = unpack_image(&src, &src.image(), &s.dest).unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
}

#[test]
fn truncated_layer_fails() {
    let s = sandbox();
    let mut tar = RawTar::new().file("big", &vec![1u8; 5000]).finish();
    tar.truncate(3000);
    let src = MemSource::new(&[tar]);
    let err = unpack_image(&src, &src.image(), &s.dest).unwrap_err();
    assert!(
        err.to_string().contains("big") || err.to_string().contains("layer"),
        "{err}"
    );
    assert_eq!(outside(&s), ["etc", "etc/shadow"]);
}
