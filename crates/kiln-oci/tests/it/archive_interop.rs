//! docker-archives against skopeo: kiln reads what skopeo writes (classic form), and
//! skopeo reads and copies what kiln writes (combined form).

use crate::layout_support;

use kiln_oci::ImageSource;
use kiln_oci::archive::{ArchiveDestination, ArchiveSource};
use kiln_oci::layout::{LayoutRef, LayoutSource};
use layout_support::{copy_image, run, sample, verify_all_layers};
use serde_json::Value;

#[test]
fn kiln_reads_an_archive_skopeo_wrote() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let fixture = sample().write_layout(&a, "t");
    let file = tmp.path().join("img.tar");
    run(
        "skopeo",
        &[
            "copy",
            "--quiet",
            &format!("oci:{}:t", a.display()),
            &format!("docker-archive:{}:app:1", file.display()),
        ],
    );
    let bytes = std::fs::read(&file).unwrap();
    let names: Vec<String> = tar::Archive::new(&bytes[..])
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().display().to_string())
        .collect();
    assert!(names.contains(&"manifest.json".to_owned()));
    assert!(
        !names.contains(&"index.json".to_owned()),
        "the classic form is under test"
    );
    for reference in [Some("app:1"), Some("docker.io/library/app:1"), None] {
        let src = ArchiveSource::open(&file, reference).unwrap();
        let image = verify_all_layers(&src, None);
        assert_eq!(image.parsed.config.digest, fixture.config_digest);
        assert_eq!(image.config_bytes, fixture.config_bytes);
        assert_eq!(image.config.rootfs.diff_ids, fixture.diff_ids);
        // skopeo stores layers uncompressed: their digests are the diff_ids.
        let layers: Vec<_> = image.layers().iter().map(|l| l.digest.clone()).collect();
        assert_eq!(layers, fixture.diff_ids);
    }
    let src = ArchiveSource::open(&file, None).unwrap();
    assert!(src.tag().unwrap().ends_with("app:1"), "{:?}", src.tag());
}

#[test]
fn skopeo_inspects_and_copies_an_archive_kiln_wrote() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let fixture = sample().write_layout(&a, "t");
    let src = LayoutSource::open(&a, LayoutRef::Tag("t".into())).unwrap();
    let file = tmp.path().join("img.tar");
    copy_image(
        &src,
        Box::new(ArchiveDestination::create(&file, Some("app:1".into())).unwrap()),
    );
    let archive = format!("docker-archive:{}", file.display());
    let inspect: Value = serde_json::from_str(&run("skopeo", &["inspect", &archive])).unwrap();
    assert_eq!(inspect["Architecture"], "amd64");
    assert_eq!(inspect["Layers"].as_array().unwrap().len(), 2);
    let config: Value =
        serde_json::from_str(&run("skopeo", &["inspect", "--config", "--raw", &archive])).unwrap();
    assert_eq!(config["config"]["User"], "65532");

    let c = tmp.path().join("c");
    run(
        "skopeo",
        &[
            "copy",
            "--quiet",
            &archive,
            &format!("oci:{}:t", c.display()),
        ],
    );
    let copied = LayoutSource::open(&c, LayoutRef::Tag("t".into())).unwrap();
    let image = verify_all_layers(&copied, None);
    assert_eq!(image.parsed.config.digest, fixture.config_digest);
    assert_eq!(image.config.rootfs.diff_ids, fixture.diff_ids);
    assert!(copied.root_manifest().is_ok());
}
