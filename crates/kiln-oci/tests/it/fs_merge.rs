//! The merged view's layer semantics: whiteouts, opaque directories, replacement,
//! hard links, attribution and capture.

use crate::support;

use kiln_oci::fs::{EntryKind, Limits, MergedFs};
use support::{MemSource, RawTar};

fn all(_: &str, _: u64) -> bool {
    true
}

fn merged(layers: &[Vec<u8>]) -> MergedFs {
    let src = MemSource::new(layers);
    MergedFs::from_image(&src, &src.image(), &all).unwrap()
}

fn paths(fs: &MergedFs) -> Vec<String> {
    fs.entries().map(|e| e.path.clone()).collect()
}

#[test]
fn whiteouts_and_opaque_dirs_across_three_layers() {
    let base = RawTar::new()
        .dir("etc/")
        .file("etc/a", b"a0")
        .file("etc/b", b"b0")
        .dir("opt/")
        .dir("opt/app/")
        .file("opt/app/old", b"old")
        .dir("var/lib/")
        .file("var/lib/x", b"x")
        .finish();
    let mid = RawTar::new()
        .whiteout("etc/a")
        .file("etc/c", b"c1")
        .file("opt/app/new", b"new")
        .opaque("opt/app")
        .whiteout("var")
        .finish();
    let top = RawTar::new()
        .file("etc/a", b"a2")
        .file("var/again", b"v")
        .finish();
    let fs = merged(&[base, mid, top]);
    assert_eq!(
        paths(&fs),
        [
            "/etc",
            "/etc/a",
            "/etc/b",
            "/etc/c",
            "/opt",
            "/opt/app",
            "/opt/app/new",
            "/var",
            "/var/again"
        ]
    );
    assert_eq!(fs.read("/etc/a"), Some(&b"a2"[..]));
    assert_eq!(fs.get("/etc/a").unwrap().layer, 2);
    assert_eq!(fs.get("/etc/b").unwrap().layer, 0);
    assert_eq!(fs.get("/etc/c").unwrap().layer, 1);
    // Opaque hides the lower `old` but keeps `new` from the same layer, written before
    // the marker.
    assert_eq!(fs.read("/opt/app/new"), Some(&b"new"[..]));
    assert!(fs.get("/var/lib/x").is_none());
    assert!(fs.entries().all(|e| !e.path.contains(".wh.")));
    assert_eq!(fs.file_count(), 5);
    assert_eq!(fs.total_size(), 2 + 2 + 2 + 3 + 1);
}

#[test]
fn file_replaced_by_dir_and_dir_by_file() {
    let base = RawTar::new()
        .file("a", b"file")
        .dir("d/")
        .file("d/inner", b"i")
        .dir("d/sub/")
        .finish();
    let top = RawTar::new()
        .dir("a/")
        .file("a/x", b"x")
        .file("d", b"now a file")
        .finish();
    let fs = merged(&[base, top]);
    assert_eq!(paths(&fs), ["/a", "/a/x", "/d"]);
    assert!(fs.get("/a").unwrap().is_dir());
    assert_eq!(fs.read("/a"), None);
    assert_eq!(fs.read("/d"), Some(&b"now a file"[..]));
    assert_eq!(fs.get("/d").unwrap().kind, EntryKind::File { size: 10 });
}

#[test]
fn hardlinks_read_their_target_and_symlinks_resolve_inside() {
    let base = RawTar::new()
        .dir("bin/")
        .file("bin/busybox", b"BB")
        .hardlink("bin/sh", "bin/busybox")
        .hardlink("bin/ls", "./bin/busybox")
        .symlink("bin/ash", "sh")
        .symlink("lib", "bin")
        .finish();
    let fs = merged(&[base]);
    assert_eq!(fs.read("/bin/sh"), Some(&b"BB"[..]));
    assert_eq!(
        fs.get("bin/ls").unwrap().kind,
        EntryKind::Hardlink {
            target: "/bin/busybox".into()
        }
    );
    assert_eq!(fs.read("/bin/ash"), None, "read does not follow symlinks");
    assert_eq!(fs.read_resolved("/bin/ash"), Some(&b"BB"[..]));
    assert_eq!(fs.resolve("/lib/ash").unwrap().path, "/bin/sh");
}

#[test]
fn dropped_content_of_overwritten_files_and_capture_filter() {
    let base = RawTar::new().file("a", b"AAAA").file("b", b"BBBB").finish();
    let top = RawTar::new().file("a", b"new").finish();
    let src = MemSource::gzipped(&[base, top]);
    let only_a = |p: &str, _: u64| p == "/a";
    let fs = MergedFs::from_image(&src, &src.image(), &only_a).unwrap();
    assert_eq!(fs.read("/a"), Some(&b"new"[..]));
    assert_eq!(fs.read("/b"), None);
    assert!(fs.get("/b").is_some());
}

#[test]
fn capture_limits_skip_big_files() {
    let big = vec![7u8; 4096];
    let base = RawTar::new().file("big", &big).file("small", b"s").finish();
    let src = MemSource::new(&[base]);
    let limits = Limits {
        max_capture_file: 1000,
        ..Limits::default()
    };
    let fs = MergedFs::from_image_with(&src, &src.image(), &all, &limits).unwrap();
    assert_eq!(fs.read("/big"), None);
    assert!(fs.was_not_captured("/big"));
    assert_eq!(fs.read("/small"), Some(&b"s"[..]));
}

#[test]
fn entry_count_is_bounded() {
    let mut t = RawTar::new();
    for i in 0..20 {
        t = t.file(&format!("f{i}"), b"");
    }
    let src = MemSource::new(&[t.finish()]);
    let limits = Limits {
        max_entries: 10,
        ..Limits::default()
    };
    let err = MergedFs::from_image_with(&src, &src.image(), &all, &limits).unwrap_err();
    assert!(err.to_string().contains("more than 10 entries"), "{err}");
}

#[test]
fn many_layers_merge_in_order() {
    let layers: Vec<Vec<u8>> = (0..12)
        .map(|i| {
            RawTar::new()
                .file("same", format!("{i}").as_bytes())
                .finish()
        })
        .collect();
    let fs = merged(&layers);
    assert_eq!(fs.read("/same"), Some(&b"11"[..]));
    assert_eq!(fs.get("/same").unwrap().layer, 11);
}

/// One entry of a generated layer: a name from a small alphabet (so names repeat and nest
/// under files as often as under directories) and what it is.
fn layer_entries() -> impl proptest::strategy::Strategy<Value = Vec<(String, u8)>> {
    use proptest::prelude::*;
    let name = prop::collection::vec(prop_oneof![Just("a"), Just("b"), Just("a.b")], 1..4)
        .prop_map(|parts| parts.join("/"));
    prop::collection::vec((name, 0u8..4), 0..14)
}

fn layer_tar(entries: &[(String, u8)]) -> Vec<u8> {
    entries
        .iter()
        .fold(RawTar::new(), |t, (name, kind)| match kind {
            0 => t.dir(&format!("{name}/")),
            1 => t.file(name, name.as_bytes()),
            2 => t.symlink(name, "a"),
            _ => t.whiteout(name),
        })
        .finish()
}

/// Everything the view says about its paths, the layer that wrote them aside.
fn view(fs: &MergedFs, skip: &str) -> Vec<(String, EntryKind, u32, Option<Vec<u8>>)> {
    fs.entries()
        .filter(|e| e.path != skip)
        .map(|e| {
            (
                e.path.clone(),
                e.kind.clone(),
                e.mode,
                fs.read(&e.path).map(<[u8]>::to_vec),
            )
        })
        .collect()
}

proptest::proptest! {
    /// The first layer may be built in one sorted pass; whatever the layer holds
    /// (repeated names, entries under files, missing parents, whiteouts), the view is the
    /// one the same layer gives when applied entry by entry on top of another layer.
    #[test]
    fn first_layer_gives_the_view_of_the_general_rules(entries in layer_entries()) {
        let layer = layer_tar(&entries);
        let alone = merged(std::slice::from_ref(&layer));
        let base = RawTar::new().dir("zz-base/").finish();
        let on_top = merged(&[base, layer]);
        proptest::prop_assert_eq!(view(&alone, "/zz-base"), view(&on_top, "/zz-base"));
        let reasons = |fs: &MergedFs| fs.anomalies().iter().map(|a| (a.name.clone(), a.reason.clone())).collect::<Vec<_>>();
        proptest::prop_assert_eq!(reasons(&alone), reasons(&on_top));
    }
}
