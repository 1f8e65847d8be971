//! Bad input: one `error:` line naming the input and the problem, exit 2, nothing on
//! stdout, nothing written.

use crate::support;

use std::path::Path;

use kiln_test::fixture::{Compression, ImageBuilder, LayerSpec, blob_path};
use kiln_types::Digest;
use support::{app_image, kiln, s};

/// Points the layout's `index.json` at `bytes` stored as a blob with `media_type`.
fn retarget_index(layout: &Path, media_type: &str, bytes: &[u8]) -> Digest {
    let digest = Digest::sha256(bytes);
    std::fs::write(blob_path(layout, &digest), bytes).unwrap();
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": media_type,
            "digest": digest.to_string(),
            "size": bytes.len(),
            "annotations": {"org.opencontainers.image.ref.name": "bad"}
        }]
    });
    std::fs::write(
        layout.join("index.json"),
        serde_json::to_vec(&index).unwrap(),
    )
    .unwrap();
    digest
}

#[test]
fn a_blob_whose_digest_does_not_match() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    let fixture = app_image().write_layout(&layout, "1.0");
    let config = blob_path(&layout, &fixture.config_digest);
    let mut bytes = std::fs::read(&config).unwrap();
    bytes[10] ^= 1;
    std::fs::write(&config, bytes).unwrap();
    kiln(&["inspect", &format!("oci:{}:1.0", s(&layout))]).fails_with(&[
        "digest mismatch",
        &fixture.config_digest.to_string(),
        &s(&layout),
    ]);
}

#[test]
fn a_truncated_or_corrupt_layer() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    let fixture = app_image().write_layout(&layout, "1.0");
    let layer = blob_path(&layout, &fixture.layer_digests[0]);
    let bytes = std::fs::read(&layer).unwrap();
    std::fs::write(&layer, &bytes[..bytes.len() / 2]).unwrap();
    let target = format!("oci:{}:1.0", s(&layout));
    kiln(&["inspect", "--files", &target]).fails_with(&[&fixture.layer_digests[0].to_string()]);
    kiln(&[
        "copy",
        &target,
        &format!("oci:{}:x", s(&dir.path().join("out"))),
    ])
    .fails_with(&["size mismatch", &fixture.layer_digests[0].to_string()]);
    assert!(!dir.path().join("out").exists());
}

#[test]
fn a_manifest_that_is_not_json_or_not_a_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    app_image().write_layout(&layout, "1.0");
    let oci = "application/vnd.oci.image.manifest.v1+json";
    let target = format!("oci:{}:bad", s(&layout));

    retarget_index(&layout, oci, b"this is not json");
    kiln(&["inspect", &target]).fails_with(&["not an image manifest", &s(&layout)]);

    retarget_index(&layout, oci, br#"{"hello":"world"}"#);
    kiln(&["inspect", &target]).fails_with(&["not an image manifest", &s(&layout)]);

    retarget_index(
        &layout,
        oci,
        br#"{"schemaVersion":1,"config":{},"layers":[]}"#,
    );
    kiln(&["inspect", &target]).fails_with(&[&s(&layout)]);
}

#[test]
fn an_unknown_media_type_where_content_is_needed() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    app_image().write_layout(&layout, "1.0");
    retarget_index(
        &layout,
        "application/vnd.example.thing+json",
        br#"{"schemaVersion":2,"mediaType":"application/vnd.example.thing+json"}"#,
    );
    kiln(&["inspect", &format!("oci:{}:bad", s(&layout))])
        .fails_with(&["unknown media type", "application/vnd.example.thing+json"]);
}

#[test]
fn a_missing_tag_layout_or_archive() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    app_image().write_layout(&layout, "1.0");
    kiln(&["inspect", &format!("oci:{}:2.0", s(&layout))]).fails_with(&["2.0", "not found"]);
    let missing = dir.path().join("nowhere");
    kiln(&["inspect", &format!("oci:{}", s(&missing))]).fails_with(&[&s(&missing)]);
    kiln(&["inspect", &format!("docker-archive:{}", s(&missing))]).fails_with(&[&s(&missing)]);
    kiln(&["inspect", &format!("dir:{}", s(&missing))]).fails_with(&[&s(&missing)]);
    kiln(&[
        "inspect",
        "--platform",
        "linux",
        &format!("oci:{}", s(&layout)),
    ])
    .fails_with(&["--platform", "linux"]);
}

/// A layer tar with entry names written raw, as a hostile producer would.
fn hostile_layer(entries: &[(&str, tar::EntryType, &str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, kind, link, data) in entries {
        let mut header = tar::Header::new_old();
        let raw = header.as_old_mut();
        raw.name[..name.len()].copy_from_slice(name.as_bytes());
        raw.linkname[..link.len()].copy_from_slice(link.as_bytes());
        header.set_entry_type(*kind);
        header.set_mode(0o644);
        header.set_size(data.len() as u64);
        header.set_mtime(0);
        header.set_cksum();
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

#[test]
fn hostile_paths_never_escape_the_image_or_the_destination() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    let tar = hostile_layer(&[
        ("../../escape-dotdot", tar::EntryType::Regular, "", b"x"),
        ("/escape-absolute", tar::EntryType::Regular, "", b"x"),
        ("evil", tar::EntryType::Symlink, "../../../..", b""),
        (
            "evil/escape-through-link",
            tar::EntryType::Regular,
            "",
            b"x",
        ),
        ("hard", tar::EntryType::Link, "../../outside", b""),
    ]);
    // Store the hostile tar as the image's only layer, uncompressed.
    let image = ImageBuilder::new().layer(
        LayerSpec::new().file("/ok", b"ok", 0o644),
        Compression::None,
    );
    let fixture = image.write_layout(&layout, "1.0");
    let old = blob_path(&layout, &fixture.layer_digests[0]);
    std::fs::remove_file(old).unwrap();
    let digest = Digest::sha256(&tar);
    std::fs::write(blob_path(&layout, &digest), &tar).unwrap();
    let mut manifest: serde_json::Value = serde_json::from_slice(&fixture.manifest_bytes).unwrap();
    let mut config: serde_json::Value = serde_json::from_slice(&fixture.config_bytes).unwrap();
    config["rootfs"]["diff_ids"] = serde_json::json!([digest.to_string()]);
    let config_bytes = serde_json::to_vec(&config).unwrap();
    let config_digest = Digest::sha256(&config_bytes);
    std::fs::write(blob_path(&layout, &config_digest), &config_bytes).unwrap();
    manifest["config"]["digest"] = serde_json::json!(config_digest.to_string());
    manifest["config"]["size"] = serde_json::json!(config_bytes.len());
    manifest["layers"][0]["digest"] = serde_json::json!(digest.to_string());
    manifest["layers"][0]["size"] = serde_json::json!(tar.len());
    let manifest_bytes = serde_json::to_vec(&manifest).unwrap();
    retarget_index(
        &layout,
        "application/vnd.oci.image.manifest.v1+json",
        &manifest_bytes,
    );
    let target = format!("oci:{}:bad", s(&layout));

    // The merged view keeps every path inside the image.
    let v = kiln(&["inspect", "-f", "json", "--files", &target]).json();
    for f in v["files"].as_array().unwrap() {
        let path = f["path"].as_str().unwrap();
        assert!(path.starts_with('/') && !path.contains(".."), "{path}");
    }

    // Unpacking writes nothing outside the destination.
    let sandbox = dir.path().join("sandbox");
    std::fs::create_dir(&sandbox).unwrap();
    let root = sandbox.join("root");
    let run = kiln(&["copy", &target, &format!("dir:{}", s(&root))]);
    let mut outside: Vec<String> = std::fs::read_dir(&sandbox)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    outside.retain(|n| n != "root");
    assert!(
        outside.is_empty(),
        "written outside the destination: {outside:?} ({run:?})"
    );
    for p in [
        dir.path().join("escape-dotdot"),
        dir.path().join("escape-through-link"),
        "/escape-absolute".into(),
    ] {
        assert!(!p.exists(), "{p:?} was written");
    }
}
