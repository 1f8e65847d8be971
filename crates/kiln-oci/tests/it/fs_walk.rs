//! `MergedFs::from_dir` (a parallel walk) gives the view reading the directory's layer tar
//! gives: the same entries, links, modes, whiteout-looking names, hard-link targets and
//! captured content, with only the selected files read.

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

use kiln_oci::fs::{Candidate, EntryKind, Limits, MergedFs, Peek, Select, Want};
use kiln_oci::rootfs::DirSource;
use kiln_oci::{Image, ImageSource};
use kiln_types::Platform;

/// Keeps `.txt` files whole and executables that start with `#!` and mention "keep".
struct Picky;

fn says_keep(file: &dyn Peek) -> bool {
    let mut buf = vec![0u8; usize::try_from(file.size()).unwrap()];
    file.read_at(&mut buf, 0).unwrap();
    buf.windows(4).any(|w| w == b"keep")
}

impl Select for Picky {
    fn select(&self, file: &Candidate<'_>) -> Want {
        if file.path.ends_with(".txt") {
            Want::Content
        } else if file.mode & 0o111 != 0 {
            Want::Probe {
                magic: b"#!",
                probe: says_keep,
            }
        } else {
            Want::Skip
        }
    }
}

fn write(path: &Path, bytes: &[u8], mode: u32) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A tree with what differs between walk orders and tar: names that sort differently
/// byte-wise and depth-first (`a.x` vs `a/b`), hard links, symlinks in and out of the
/// root, a whiteout-looking name, a fifo, deep directories, executables.
fn tree(root: &Path) {
    write(&root.join("a/b/one.txt"), b"one\n", 0o644);
    write(&root.join("a.x/two.txt"), b"two\n", 0o600);
    write(&root.join("a.x/z"), b"zz", 0o644);
    std::fs::hard_link(root.join("a.x/z"), root.join("a/b/z-link")).unwrap();
    std::fs::hard_link(root.join("a.x/two.txt"), root.join("a/two-link.txt")).unwrap();
    write(&root.join("opt/app/run"), b"#!/bin/sh\n# keep me\n", 0o755);
    write(
        &root.join("opt/app/other"),
        b"#!/bin/sh\n# not this\n",
        0o755,
    );
    write(
        &root.join("opt/app/data"),
        b"#!/bin/sh\n# keep, not x\n",
        0o644,
    );
    write(&root.join("etc/.wh.hidden"), b"", 0o644);
    write(&root.join("outside.txt"), b"inside\n", 0o644);
    symlink("../a/b/one.txt", root.join("etc/rel")).unwrap();
    symlink("/etc/passwd", root.join("etc/abs")).unwrap();
    symlink("../../../../../outside.txt", root.join("etc/climb")).unwrap();
    let mut deep = root.join("deep");
    for i in 0..40 {
        deep = deep.join(format!("d{i}"));
    }
    write(&deep.join("leaf.txt"), b"leaf\n", 0o644);
    std::fs::create_dir_all(root.join("empty")).unwrap();
    let fifo = root.join("run/pipe");
    std::fs::create_dir_all(fifo.parent().unwrap()).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
}

fn through_tar(root: &Path, select: &dyn Select) -> MergedFs {
    let src = DirSource::open(root, &Platform::new("linux", "amd64", None)).unwrap();
    let image = Image::resolve(&src as &dyn ImageSource, None).unwrap();
    MergedFs::from_image_selected(&src, &image, select, &Limits::default()).unwrap()
}

#[test]
fn walking_gives_the_view_the_tar_gives() {
    let tmp = tempfile::tempdir().unwrap();
    tree(tmp.path());
    let walked = MergedFs::from_dir(tmp.path(), &Picky, &Limits::default()).unwrap();
    let tarred = through_tar(tmp.path(), &Picky);
    let a: Vec<_> = walked.entries().cloned().collect();
    let b: Vec<_> = tarred.entries().cloned().collect();
    assert_eq!(a, b);
    assert!(a.len() > 50, "{}", a.len());
    assert_eq!(walked.anomalies(), tarred.anomalies());
    for e in &a {
        assert_eq!(walked.read(&e.path), tarred.read(&e.path), "{}", e.path);
    }
    // Hard links point at the first path in depth-first, name-sorted order.
    assert_eq!(
        walked.get("/a/b/z-link").unwrap().kind,
        EntryKind::File { size: 2 }
    );
    assert_eq!(
        walked.get("/a.x/z").unwrap().kind,
        EntryKind::Hardlink {
            target: "/a/b/z-link".into()
        }
    );
    // Selected: .txt whole; executables only when the probe accepts them.
    assert_eq!(walked.read("/a/b/one.txt"), Some(&b"one\n"[..]));
    assert_eq!(walked.read("/a.x/two.txt"), Some(&b"two\n"[..]));
    assert_eq!(
        walked.read("/opt/app/run"),
        Some(&b"#!/bin/sh\n# keep me\n"[..])
    );
    assert_eq!(walked.read("/opt/app/other"), None);
    assert_eq!(walked.read("/opt/app/data"), None);
    assert_eq!(walked.read("/a.x/z"), None);
    // Links resolve inside the root only.
    assert_eq!(walked.read_resolved("/etc/rel"), Some(&b"one\n"[..]));
    assert_eq!(walked.read_resolved("/etc/climb"), Some(&b"inside\n"[..]));
    // The whiteout-looking name means what it means in a layer: not an entry.
    assert!(walked.get("/etc/.wh.hidden").is_none());
    assert!(matches!(
        walked.get("/run/pipe").unwrap().kind,
        EntryKind::Other(_)
    ));
}

#[test]
fn capture_limits_apply_the_same_way() {
    let tmp = tempfile::tempdir().unwrap();
    tree(tmp.path());
    let limits = Limits {
        max_capture_total: 6,
        ..Limits::default()
    };
    let walked = MergedFs::from_dir(tmp.path(), &Picky, &limits).unwrap();
    let src = DirSource::open(tmp.path(), &Platform::new("linux", "amd64", None)).unwrap();
    let image = Image::resolve(&src as &dyn ImageSource, None).unwrap();
    let tarred = MergedFs::from_image_selected(&src, &image, &Picky, &limits).unwrap();
    for e in walked.entries() {
        assert_eq!(walked.read(&e.path), tarred.read(&e.path), "{}", e.path);
        assert_eq!(
            walked.was_not_captured(&e.path),
            tarred.was_not_captured(&e.path),
            "{}",
            e.path
        );
    }
    assert!(walked.was_not_captured("/deep/d0/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/d13/d14/d15/d16/d17/d18/d19/d20/d21/d22/d23/d24/d25/d26/d27/d28/d29/d30/d31/d32/d33/d34/d35/d36/d37/d38/d39/leaf.txt")
        || walked.was_not_captured("/opt/app/run"));
}

#[test]
fn a_file_is_not_a_root_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("f");
    std::fs::write(&file, b"x").unwrap();
    let err = MergedFs::from_dir(&file, &Picky, &Limits::default()).unwrap_err();
    assert!(err.to_string().contains("not a directory"), "{err}");
    let err =
        MergedFs::from_dir(&tmp.path().join("missing"), &Picky, &Limits::default()).unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");
}
