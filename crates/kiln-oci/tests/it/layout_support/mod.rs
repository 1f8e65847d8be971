//! Shared by the layout and archive tests: a hand-written image copy (the real one lives
//! in `copy.rs`), fixtures, and running external tools.

#![allow(
    dead_code,
    reason = "each test binary uses a different part, so `expect` would not hold in all"
)]

use std::path::Path;
use std::process::Command;

use kiln_oci::layer::LayerReader;
use kiln_oci::manifest::{Parsed, RawManifest};
use kiln_oci::source::open_blob;
use kiln_oci::{Image, ImageDestination, ImageSource};
use kiln_test::fixture::{Compression, ImageBuilder, LayerSpec, require_tool};

/// Copies the root of `src` with every manifest and blob it references into `dst`.
pub fn copy_image(src: &dyn ImageSource, dst: Box<dyn ImageDestination>) -> RawManifest {
    let root = src.root_manifest().unwrap();
    copy_children(src, &*dst, &root);
    dst.commit(&root).unwrap();
    root
}

fn copy_children(src: &dyn ImageSource, dst: &dyn ImageDestination, raw: &RawManifest) {
    match raw.parse("copy").unwrap() {
        Parsed::Index(index) => {
            for desc in &index.manifests {
                let child = src.manifest(desc).unwrap();
                copy_children(src, dst, &child);
                dst.put_manifest(&child).unwrap();
            }
        }
        Parsed::Image(m) => {
            for desc in std::iter::once(&m.config).chain(&m.layers) {
                if !dst.has_blob(desc).unwrap() {
                    let mut reader = open_blob(src, desc).unwrap();
                    dst.put_blob(desc, &mut reader).unwrap();
                }
            }
        }
    }
}

/// A two-layer image: a base with files, links and a file the second layer deletes.
pub fn sample() -> ImageBuilder {
    ImageBuilder::new()
        .layer(
            LayerSpec::new()
                .dir("/etc")
                .file("/etc/os-release", b"ID=kiln-test\n", 0o644)
                .file("/etc/old", b"to be deleted\n", 0o644)
                .dir("/usr")
                .dir("/usr/bin")
                .file("/usr/bin/app", b"#!/bin/true\n", 0o755)
                .symlink("/bin", "usr/bin"),
            Compression::Gzip,
        )
        .layer(
            LayerSpec::new()
                .dir("/etc")
                .whiteout("/etc/old")
                .file("/etc/motd", b"hello\n", 0o644),
            Compression::Gzip,
        )
        .user("65532")
        .entrypoint(&["/usr/bin/app"])
        .env(&["PATH=/usr/bin"])
        .label("org.opencontainers.image.title", "sample")
}

/// Resolves `src` and reads every layer through a `LayerReader` with its diff_id.
pub fn verify_all_layers(src: &dyn ImageSource, platform: Option<&kiln_types::Platform>) -> Image {
    let image = Image::resolve(src, platform).unwrap();
    for (i, layer) in image.layers().iter().enumerate() {
        let reader = LayerReader::open(src, layer, image.diff_id(i)).unwrap();
        reader.finish().unwrap();
    }
    image
}

/// Runs `tool args…`, panicking with its output unless it succeeds; returns stdout.
pub fn run(tool: &str, args: &[&str]) -> String {
    let path = require_tool(tool);
    let out = Command::new(path).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{tool} {args:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The names in `dir`, sorted.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
