//! `kiln inspect` on every kind of place, run as the real binary.

use crate::support;

use kiln_test::fixture::{Compression, ImageBuilder, LayerSpec, write_index_layout};
use support::{app_image, kiln, s};

#[test]
fn json_reports_digest_config_and_layers_of_a_layout() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    let fixture = app_image().write_layout(&layout, "1.0");

    let v = kiln(&[
        "inspect",
        "--format",
        "json",
        &format!("oci:{}:1.0", s(&layout)),
    ])
    .json();
    assert_eq!(v["digest"], fixture.manifest_digest.to_string());
    assert_eq!(v["mediaType"], "application/vnd.oci.image.manifest.v1+json");
    assert_eq!(v["platform"], "linux/amd64");
    assert_eq!(v["config"]["digest"], fixture.config_digest.to_string());
    assert_eq!(v["config"]["user"], "65532:65532");
    assert_eq!(
        v["config"]["entrypoint"],
        serde_json::json!(["/usr/bin/app"])
    );
    assert_eq!(v["config"]["cmd"], serde_json::json!(["--serve"]));
    assert_eq!(
        v["config"]["env"],
        serde_json::json!(["PATH=/usr/bin", "APP_MODE=prod"])
    );
    assert_eq!(
        v["config"]["labels"]["org.opencontainers.image.source"],
        "https://example.com/app"
    );
    assert_eq!(v["config"]["created"], "2024-01-01T00:00:00Z");
    let layers = v["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 2);
    for (i, layer) in layers.iter().enumerate() {
        assert_eq!(layer["digest"], fixture.layer_digests[i].to_string());
        assert_eq!(layer["diffId"], fixture.diff_ids[i].to_string());
        assert_eq!(layer["size"], fixture.layers[i].blob.len() as u64);
    }
    assert_eq!(
        layers[0]["mediaType"],
        "application/vnd.oci.image.layer.v1.tar+gzip"
    );
    assert_eq!(
        layers[1]["mediaType"],
        "application/vnd.oci.image.layer.v1.tar+zstd"
    );
    let total: u64 = fixture.layers.iter().map(|l| l.blob.len() as u64).sum();
    assert_eq!(v["totalSize"], total);
}

#[test]
fn table_is_readable() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    let fixture = app_image().write_layout(&layout, "1.0");
    let out = kiln(&["inspect", &format!("oci:{}:1.0", s(&layout))]);
    let text = out.ok().replace(&s(dir.path()), "[TMP]");
    assert!(
        text.contains(&format!("Digest       {}", fixture.manifest_digest)),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn files_lists_the_merged_filesystem_with_owning_layers() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    app_image().write_layout(&layout, "1.0");
    let v = kiln(&[
        "inspect",
        "-f",
        "json",
        "--files",
        &format!("oci:{}", s(&layout)),
    ])
    .json();
    let files: Vec<(String, String, u64)> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["type"].as_str().unwrap().to_owned(),
                f["layer"].as_u64().unwrap(),
            )
        })
        .collect();
    let has = |p: &str, t: &str, l: u64| files.contains(&(p.to_owned(), t.to_owned(), l));
    assert!(has("/etc/os-release", "file", 0), "{files:?}");
    assert!(has("/etc/app.conf", "file", 1), "{files:?}");
    assert!(has("/bin", "symlink", 0), "{files:?}");
    assert!(has("/usr/bin/app-link", "hardlink", 0), "{files:?}");
    assert!(
        !files.iter().any(|f| f.0 == "/etc/motd"),
        "whiteout not applied: {files:?}"
    );
    assert!(
        !files.iter().any(|f| f.0.contains(".wh.")),
        "whiteout listed: {files:?}"
    );

    let table = kiln(&["inspect", "--files", &format!("oci:{}", s(&layout))]);
    let text = table.ok();
    assert!(text.contains("lrwxrwxrwx"), "{text}");
    assert!(text.contains("/bin -> usr/bin"), "{text}");
    assert!(
        text.contains("-rw-------  0:0    12 B  1      /etc/app.conf"),
        "{text}"
    );
}

#[test]
fn picks_a_platform_out_of_an_index() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    let layer = || LayerSpec::new().file("/etc/arch", b"x", 0o644);
    let index = write_index_layout(
        &layout,
        "multi",
        &[
            ImageBuilder::new()
                .platform("linux", "amd64")
                .layer(layer(), Compression::Gzip),
            ImageBuilder::new()
                .platform("linux", "arm64")
                .variant("v8")
                .layer(layer(), Compression::Gzip),
        ],
    );
    let target = format!("oci:{}:multi", s(&layout));
    let v = kiln(&[
        "inspect",
        "-f",
        "json",
        "--platform",
        "linux/arm64",
        &target,
    ])
    .json();
    assert_eq!(v["digest"], index.index_digest.to_string());
    assert_eq!(v["mediaType"], "application/vnd.oci.image.index.v1+json");
    assert_eq!(v["platform"], "linux/arm64/v8");
    assert_eq!(
        v["manifest"]["digest"],
        index.images[1].manifest_digest.to_string()
    );
    let platforms: Vec<&str> = v["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["platform"].as_str().unwrap())
        .collect();
    assert_eq!(platforms, ["linux/amd64", "linux/arm64/v8"]);

    let amd = kiln(&[
        "inspect",
        "-f",
        "json",
        "--platform",
        "linux/amd64",
        &target,
    ])
    .json();
    assert_eq!(
        amd["manifest"]["digest"],
        index.images[0].manifest_digest.to_string()
    );

    kiln(&["inspect", "--platform", "linux/s390x", &target]).fails_with(&[
        "no image for platform linux/s390x",
        "linux/amd64, linux/arm64/v8",
    ]);
}

#[test]
fn reads_a_classic_docker_archive_and_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("app.tar");
    let fixture = app_image().write_docker_archive(&archive, &["app:1"]);
    let v = kiln(&[
        "inspect",
        "-f",
        "json",
        &format!("docker-archive:{}", s(&archive)),
    ])
    .json();
    assert_eq!(v["config"]["digest"], fixture.config_digest.to_string());
    assert_eq!(v["config"]["user"], "65532:65532");
    let diff_ids: Vec<String> = v["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["diffId"].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = fixture.diff_ids.iter().map(ToString::to_string).collect();
    assert_eq!(diff_ids, expected);

    // A bare path that is a file is read as an archive.
    let bare = kiln(&["inspect", "-f", "json", &s(&archive)]).json();
    assert_eq!(bare["digest"], v["digest"]);

    let root = dir.path().join("rootfs");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/hostname"), "box\n").unwrap();
    let v = kiln(&[
        "inspect",
        "-f",
        "json",
        "--files",
        &format!("dir:{}", s(&root)),
    ])
    .json();
    assert_eq!(v["layers"].as_array().unwrap().len(), 1);
    let paths: Vec<&str> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"/etc/hostname"), "{paths:?}");
    // The same directory is the same image.
    let again = kiln(&["inspect", "-f", "json", &format!("dir:{}", s(&root))]).json();
    assert_eq!(again["digest"], v["digest"]);
}

#[test]
fn raw_and_config_print_the_stored_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    let fixture = app_image().write_layout(&layout, "1.0");
    let target = format!("oci:{}:1.0", s(&layout));
    assert_eq!(
        kiln(&["inspect", "--raw", &target]).ok().as_bytes(),
        &fixture.manifest_bytes[..]
    );
    assert_eq!(
        kiln(&["inspect", "--config", &target]).ok().as_bytes(),
        &fixture.config_bytes[..]
    );
}
