//! `kiln copy` between layouts, archives and directories, digests kept.

use crate::support;

use kiln_test::fixture::{Compression, ImageBuilder, LayerSpec, write_index_layout};
use support::{app_image, kiln, s};

fn digest_of(target: &str) -> String {
    kiln(&["inspect", "-f", "json", target]).json()["digest"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn layout_to_archive_to_layout_keeps_the_manifest_digest() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let fixture = app_image().write_layout(&a, "1.0");
    let archive = dir.path().join("app.tar");
    let b = dir.path().join("b");

    let printed = kiln(&[
        "copy",
        &format!("oci:{}:1.0", s(&a)),
        &format!("docker-archive:{}:app:1.0", s(&archive)),
    ]);
    assert_eq!(printed.ok().trim(), fixture.manifest_digest.to_string());
    assert!(printed.stderr.contains("copied"), "{}", printed.stderr);
    kiln(&[
        "copy",
        &format!("docker-archive:{}", s(&archive)),
        &format!("oci:{}:again", s(&b)),
    ])
    .ok();

    assert_eq!(
        digest_of(&format!("docker-archive:{}", s(&archive))),
        fixture.manifest_digest.to_string()
    );
    assert_eq!(
        digest_of(&format!("oci:{}:again", s(&b))),
        fixture.manifest_digest.to_string()
    );
    // The untagged destination keeps the source's tag.
    let c = dir.path().join("c");
    kiln(&[
        "copy",
        &format!("oci:{}:1.0", s(&a)),
        &format!("oci:{}", s(&c)),
    ])
    .ok();
    assert_eq!(
        digest_of(&format!("oci:{}:1.0", s(&c))),
        fixture.manifest_digest.to_string()
    );
}

#[test]
fn an_index_is_copied_whole_or_one_platform() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let layer = |t: &[u8]| LayerSpec::new().file("/etc/arch", t, 0o644);
    let index = write_index_layout(
        &src,
        "multi",
        &[
            ImageBuilder::new()
                .platform("linux", "amd64")
                .layer(layer(b"amd64"), Compression::Gzip),
            ImageBuilder::new()
                .platform("linux", "arm64")
                .layer(layer(b"arm64"), Compression::Zstd),
        ],
    );
    let whole = dir.path().join("whole");
    kiln(&[
        "copy",
        &format!("oci:{}:multi", s(&src)),
        &format!("oci:{}:multi", s(&whole)),
    ])
    .ok();
    assert_eq!(
        digest_of(&format!("oci:{}:multi", s(&whole))),
        index.index_digest.to_string()
    );
    let arm = kiln(&[
        "inspect",
        "-f",
        "json",
        "--platform",
        "linux/arm64",
        &format!("oci:{}:multi", s(&whole)),
    ])
    .json();
    assert_eq!(
        arm["manifest"]["digest"],
        index.images[1].manifest_digest.to_string()
    );

    let one = dir.path().join("one");
    let out = kiln(&[
        "copy",
        "--platform",
        "linux/arm64",
        &format!("oci:{}:multi", s(&src)),
        &format!("oci:{}:arm", s(&one)),
    ]);
    assert_eq!(out.ok().trim(), index.images[1].manifest_digest.to_string());
    let v = kiln(&["inspect", "-f", "json", &format!("oci:{}:arm", s(&one))]).json();
    assert_eq!(v["mediaType"], "application/vnd.oci.image.manifest.v1+json");
    assert_eq!(v["platform"], "linux/arm64");
}

#[test]
fn a_directory_round_trip_gives_the_same_files() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    app_image().write_layout(&layout, "1.0");
    let root = dir.path().join("root");
    kiln(&[
        "copy",
        &format!("oci:{}:1.0", s(&layout)),
        &format!("dir:{}", s(&root)),
    ])
    .ok();
    assert_eq!(
        std::fs::read_to_string(root.join("etc/app.conf")).unwrap(),
        "port = 8080\n"
    );
    assert!(!root.join("etc/motd").exists(), "whiteout not applied");
    assert_eq!(
        std::fs::read_link(root.join("bin")).unwrap().to_str(),
        Some("usr/bin")
    );

    // The directory reads back as an image with the same paths as the original.
    let files = |t: &str| -> Vec<String> {
        let v = kiln(&["inspect", "-f", "json", "--files", t]).json();
        v["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        files(&format!("dir:{}", s(&root))),
        files(&format!("oci:{}:1.0", s(&layout)))
    );
    let layout2 = dir.path().join("layout2");
    kiln(&[
        "copy",
        &format!("dir:{}", s(&root)),
        &format!("oci:{}:fromdir", s(&layout2)),
    ])
    .ok();
    assert_eq!(
        files(&format!("oci:{}:fromdir", s(&layout2))),
        files(&format!("dir:{}", s(&root)))
    );
}

#[test]
fn a_failed_copy_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    let fixture = app_image().write_layout(&layout, "1.0");
    // Corrupt the top layer: same length, one byte changed.
    let blob = kiln_test::fixture::blob_path(&layout, &fixture.layer_digests[1]);
    let mut bytes = std::fs::read(&blob).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&blob, bytes).unwrap();

    let src = format!("oci:{}:1.0", s(&layout));
    let layer = fixture.layer_digests[1].to_string();
    for (dest, path) in [
        (
            format!("oci:{}:x", s(&dir.path().join("out"))),
            dir.path().join("out"),
        ),
        (
            format!("docker-archive:{}", s(&dir.path().join("out.tar"))),
            dir.path().join("out.tar"),
        ),
        (
            format!("dir:{}", s(&dir.path().join("root"))),
            dir.path().join("root"),
        ),
    ] {
        kiln(&["copy", &src, &dest]).fails_with(&["digest mismatch", &layer]);
        assert!(!path.exists(), "{dest} left {path:?} behind");
    }
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["layout"], "staging files left behind");
}
