//! Interop with skopeo: what kiln pushes, skopeo reads with the same digest; what skopeo
//! pushes, kiln pulls with the same digest.

use std::process::Command;

use kiln_oci::manifest::RawManifest;
use kiln_oci::media_type;
use kiln_oci::registry::{Client, RegistryOptions};
use kiln_test::registry::{TestRegistry, TinyImage, sha256};

fn skopeo(args: &[&str]) -> String {
    let output = Command::new("skopeo")
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("skopeo not runnable ({e}): run .ci/run (apt-get install skopeo)")
        });
    assert!(
        output.status.success(),
        "skopeo {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn skopeo_sees_what_kiln_pushed() {
    let registry = TestRegistry::start();
    let client = Client::new(RegistryOptions::default()).unwrap();
    let repo = registry.reference("interop/pushed:1.0");
    let image = TinyImage::new("kiln pushed");
    client
        .push_bytes(&repo, media_type::OCI_LAYER_GZIP, &image.layer)
        .unwrap();
    client
        .push_bytes(&repo, media_type::OCI_CONFIG, &image.config)
        .unwrap();
    let raw = RawManifest::new(None, image.manifest.clone(), "t").unwrap();
    client.put_manifest(&repo, Some("1.0"), &raw).unwrap();

    let out = skopeo(&["inspect", "--tls-verify=false", &format!("docker://{repo}")]);
    let info: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(info["Digest"], raw.digest.to_string());
    assert_eq!(info["Layers"][0], sha256(&image.layer));
    let raw_out = skopeo(&[
        "inspect",
        "--raw",
        "--tls-verify=false",
        &format!("docker://{repo}"),
    ]);
    assert_eq!(raw_out.as_bytes(), &image.manifest[..]);
}

#[test]
fn kiln_pulls_what_skopeo_pushed() {
    let registry = TestRegistry::start();
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    let image = TinyImage::new("skopeo pushed");
    image.write_layout(&layout, "v1");
    let digest_file = dir.path().join("digest");
    let repo = registry.reference("interop/copied:v1");
    skopeo(&[
        "--insecure-policy",
        "copy",
        "--preserve-digests",
        "--dest-tls-verify=false",
        "--digestfile",
        digest_file.to_str().unwrap(),
        &format!("oci:{}:v1", layout.display()),
        &format!("docker://{repo}"),
    ]);
    let pushed = std::fs::read_to_string(&digest_file).unwrap();
    assert_eq!(pushed.trim(), image.manifest_digest());

    let client = Client::new(RegistryOptions::default()).unwrap();
    let pulled = client.get_manifest(&repo).unwrap();
    assert_eq!(pulled.digest.to_string(), pushed.trim());
    assert_eq!(pulled.bytes, image.manifest);
    let layer_digest = sha256(&image.layer).parse().unwrap();
    let mut layer = Vec::new();
    std::io::Read::read_to_end(
        &mut client.get_blob(&repo, &layer_digest).unwrap(),
        &mut layer,
    )
    .unwrap();
    assert_eq!(layer, image.layer);
}
