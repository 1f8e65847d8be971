//! Hostile layer tars through the merged view: paths stay inside the image, reading never
//! leaves it, and corrupt input is an error naming the layer, never a panic.

use crate::support;

use kiln_oci::Error;
use kiln_oci::fs::MergedFs;
use kiln_oci::media_type;
use kiln_types::Digest;
use support::{MemSource, RawTar, gzip};

fn all(_: &str, _: u64) -> bool {
    true
}

fn hostile() -> Vec<u8> {
    RawTar::new()
        .file("../../etc/passwd", b"root::0:0")
        .file("/abs/path", b"abs")
        .symlink("evil", "/etc")
        .file("evil/passwd", b"through the link")
        .symlink("up", "../../..")
        .file("up/escaped", b"x")
        .hardlink("hl", "/etc/shadow")
        .hardlink("hl2", "../outside")
        .file(".wh...", b"")
        .file(&format!("{}/f", "d".repeat(300)), b"long")
        .file(&"n/".repeat(400), b"deep")
        .finish()
}

#[test]
fn hostile_names_stay_inside_the_image() {
    let src = MemSource::new(&[hostile()]);
    let fs = MergedFs::from_image(&src, &src.image(), &all).unwrap();
    for e in fs.entries() {
        assert!(e.path.starts_with('/'), "{}", e.path);
        assert!(
            !e.path.split('/').any(|c| c == ".." || c == "."),
            "{}",
            e.path
        );
    }
    // Clamped, not dropped, and reported.
    assert_eq!(fs.read("/etc/passwd"), Some(&b"root::0:0"[..]));
    assert_eq!(fs.read("/abs/path"), Some(&b"abs"[..]));
    let reasons: Vec<_> = fs.anomalies().iter().map(|a| a.name.as_str()).collect();
    assert!(reasons.contains(&"../../etc/passwd"), "{reasons:?}");
    assert!(reasons.contains(&"/abs/path"), "{reasons:?}");
    // An entry below a symlink is not applied (not written through the link).
    assert!(fs.get("/evil/passwd").is_none());
    assert!(fs.get("/up/escaped").is_none());
    // Hard links to files that are not in the image read as nothing.
    assert_eq!(fs.read("/hl"), None);
    assert_eq!(fs.get("/hl2").unwrap().path, "/hl2");
    // A whiteout of `..` removes nothing.
    assert!(fs.get("/etc").is_some());
    // A very long name is kept; an absurdly deep one is refused.
    assert!(fs.get(&format!("/{}/f", "d".repeat(300))).is_none());
    assert!(
        fs.anomalies()
            .iter()
            .any(|a| a.reason.contains("longer than 255"))
    );
    assert!(fs.anomalies().iter().any(|a| a.reason.contains("256")));
}

#[test]
fn symlinks_resolve_inside_the_image_only() {
    let src = MemSource::new(&[hostile()]);
    let fs = MergedFs::from_image(&src, &src.image(), &all).unwrap();
    // `evil -> /etc` means the image's /etc, not the host's.
    assert_eq!(fs.read_resolved("/evil/passwd"), Some(&b"root::0:0"[..]));
    assert_eq!(fs.resolve_path("/up").as_deref(), Some("/"));
    assert!(fs.resolve("/up/etc/hostname").is_none());
    assert!(fs.read_resolved("/up/../../../../etc/shadow").is_none());
}

#[test]
fn long_names_via_gnu_records_are_read() {
    let long = format!("{}/file", "x".repeat(200));
    let src = MemSource::new(&[RawTar::new().file(&long, b"ok").finish()]);
    let fs = MergedFs::from_image(&src, &src.image(), &all).unwrap();
    assert_eq!(fs.read(&long), Some(&b"ok"[..]));
}

#[test]
fn truncated_tar_is_a_layer_error() {
    let mut tar = RawTar::new().file("big", &vec![1u8; 5000]).finish();
    tar.truncate(2000);
    let src = MemSource::new(&[tar]);
    let err = MergedFs::from_image(&src, &src.image(), &all).unwrap_err();
    assert!(matches!(err, Error::Layer { .. }), "{err}");
    assert!(err.to_string().contains("mem:test layer sha256:"), "{err}");
}

#[test]
fn corrupt_gzip_is_a_layer_error() {
    let tar = RawTar::new().file("a", &vec![b'a'; 10_000]).finish();
    let mut gz = gzip(&tar);
    let mid = gz.len() / 2;
    gz[mid] ^= 0xff;
    gz[mid + 1] ^= 0xff;
    let src = MemSource::with_blobs(vec![(media_type::OCI_LAYER_GZIP, gz, Digest::sha256(&tar))]);
    let err = MergedFs::from_image(&src, &src.image(), &all).unwrap_err();
    assert!(
        matches!(err, Error::Layer { .. } | Error::DigestMismatch { .. }),
        "{err}"
    );
}

#[test]
fn diff_id_mismatch_is_an_error() {
    let tar = RawTar::new().file("a", b"a").finish();
    let src = MemSource::with_blobs(vec![(
        media_type::OCI_LAYER,
        tar,
        Digest::sha256(b"something else"),
    )]);
    let err = MergedFs::from_image(&src, &src.image(), &all).unwrap_err();
    assert!(matches!(err, Error::DigestMismatch { .. }), "{err}");
}

#[test]
fn garbage_bytes_never_panic() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for len in [0usize, 1, 511, 512, 513, 1024, 4096] {
        let mut bytes = vec![0u8; len];
        for b in &mut bytes {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            *b = seed as u8;
        }
        let src = MemSource::new(&[bytes]);
        let _ = MergedFs::from_image(&src, &src.image(), &all);
    }
}
