//! The registry client against a real `docker-registry` (distribution 2.8) on loopback:
//! blob uploads both ways, manifests byte for byte, indexes, mounts, tags, the referrers
//! tag fallback, refusals, and the source/destination adapters.

use std::io::Read;

use kiln_oci::manifest::{Descriptor, Parsed, RawManifest};
use kiln_oci::media_type;
use kiln_oci::registry::{Client, RegistryDestination, RegistryOptions, RegistrySource};
use kiln_oci::{Error, Image, ImageDestination, ImageSource};
use kiln_test::registry::{TestRegistry, TinyImage};
use kiln_types::{Digest, ImageRef, Platform};

fn client() -> Client {
    Client::new(RegistryOptions::default()).unwrap()
}

/// Pseudo-random bytes, so chunks differ from each other.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn read_all(mut r: impl Read) -> Vec<u8> {
    let mut v = Vec::new();
    r.read_to_end(&mut v).unwrap();
    v
}

/// Pushes a tiny image's blobs and manifest (under `tag`); returns the manifest.
fn push_tiny(
    client: &Client,
    repo: &ImageRef,
    image: &TinyImage,
    tag: Option<&str>,
) -> RawManifest {
    client
        .push_bytes(repo, media_type::OCI_LAYER_GZIP, &image.layer)
        .unwrap();
    client
        .push_bytes(repo, media_type::OCI_CONFIG, &image.config)
        .unwrap();
    let raw =
        RawManifest::new(Some(media_type::OCI_MANIFEST), image.manifest.clone(), "t").unwrap();
    client.put_manifest(repo, tag, &raw).unwrap();
    raw
}

#[test]
fn blobs_round_trip_monolithic_and_chunked() {
    let registry = TestRegistry::start();
    let repo = registry.reference("blobs");
    let client = client().with_chunk_size(64 << 10);
    // Below the chunk size: one PUT. Above: four PATCHes (the last one short), then PUT.
    for data in [noise(1000, 1), noise((3 << 16) + 17, 2), noise(64 << 10, 3)] {
        let desc = client
            .push_bytes(&repo, "application/octet-stream", &data)
            .unwrap();
        assert_eq!(desc.digest, Digest::sha256(&data));
        assert!(client.blob_exists(&repo, &desc.digest).unwrap());
        assert_eq!(
            client.blob_size(&repo, &desc.digest).unwrap(),
            Some(data.len() as u64)
        );
        let back = read_all(client.get_blob(&repo, &desc.digest).unwrap());
        assert!(
            back == data,
            "blob of {} bytes changed in transit",
            data.len()
        );
        assert!(registry.stores_blob(desc.digest.hex()));
    }
    assert!(
        !client
            .blob_exists(&repo, &Digest::sha256(b"never pushed"))
            .unwrap()
    );
}

#[test]
fn a_blob_that_does_not_match_its_digest_is_refused_and_not_stored() {
    let registry = TestRegistry::start();
    let repo = registry.reference("bad");
    let client = client().with_chunk_size(1 << 10);
    for (len, seed) in [(500, 4), (5000, 5)] {
        let good = noise(len, seed);
        let mut bad = good.clone();
        bad[len - 1] ^= 0xff;
        let desc = Descriptor::of_bytes("application/octet-stream", &good);
        let err = client.push_blob(&repo, &desc, &mut &bad[..]).unwrap_err();
        assert!(matches!(err, Error::DigestMismatch { .. }), "{err}");
        assert!(err.to_string().contains(&desc.digest.to_string()), "{err}");
        assert!(!client.blob_exists(&repo, &desc.digest).unwrap());
        assert!(!registry.stores_blob(desc.digest.hex()));
        assert!(!registry.stores_blob(Digest::sha256(&bad).hex()));
        // Too many bytes for the declared size is refused as well.
        let mut longer = good.clone();
        longer.push(0);
        let err = client
            .push_blob(&repo, &desc, &mut &longer[..])
            .unwrap_err();
        assert!(matches!(err, Error::SizeMismatch { .. }), "{err}");
        assert!(!client.blob_exists(&repo, &desc.digest).unwrap());
    }
}

#[test]
fn a_manifest_comes_back_byte_for_byte() {
    let registry = TestRegistry::start();
    let repo = registry.reference("app:1.0");
    let client = client();
    let image = TinyImage::new("manifest");
    let raw = push_tiny(&client, &repo, &image, Some("1.0"));
    assert_eq!(raw.digest.to_string(), image.manifest_digest());

    let by_tag = client.get_manifest(&repo).unwrap();
    assert_eq!(by_tag.bytes, image.manifest);
    assert_eq!(by_tag.digest, raw.digest);
    assert_eq!(by_tag.media_type, media_type::OCI_MANIFEST);

    let by_digest = client
        .get_manifest(&repo.with_digest(raw.digest.clone()))
        .unwrap();
    assert_eq!(by_digest, by_tag);

    let head = client.head_manifest(&repo).unwrap().unwrap();
    assert_eq!(head, raw.descriptor());
    assert_eq!(
        client
            .head_manifest(&registry.reference("app:nope"))
            .unwrap(),
        None
    );
}

#[test]
fn missing_things_are_not_found_naming_them() {
    let registry = TestRegistry::start();
    let client = client();
    let missing = registry.reference("app:nope");
    match client.get_manifest(&missing).unwrap_err() {
        Error::NotFound { what } => assert_eq!(what, format!("{}/app:nope", registry.host())),
        other => panic!("expected NotFound, got {other}"),
    }
    let digest = Digest::sha256(b"absent");
    let err = client.get_blob(&missing, &digest).err().unwrap();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!("{}/app blob {digest}: not found", registry.host())
    );
}

#[test]
fn an_index_of_two_images_resolves_per_platform() {
    let registry = TestRegistry::start();
    let repo = registry.reference("multi:2");
    let client = client();
    let amd = push_tiny(&client, &repo, &TinyImage::new("amd64"), None);
    let arm = push_tiny(&client, &repo, &TinyImage::new("arm64"), None);
    let entry = |raw: &RawManifest, arch: &str| {
        let mut d = raw.descriptor();
        d.platform = Some(
            serde_json::from_value(serde_json::json!({"os": "linux", "architecture": arch}))
                .unwrap(),
        );
        d
    };
    let mut index = kiln_oci::manifest::ImageIndex::empty();
    index.manifests = vec![entry(&amd, "amd64"), entry(&arm, "arm64")];
    let index = RawManifest::from_value(media_type::OCI_INDEX, &index).unwrap();
    client.put_manifest(&repo, Some("2"), &index).unwrap();

    let pulled = client.get_manifest(&repo).unwrap();
    assert_eq!(pulled.bytes, index.bytes);
    let Parsed::Index(parsed) = pulled.parse("t").unwrap() else {
        panic!("not an index")
    };
    assert_eq!(parsed.manifests.len(), 2);

    let source = RegistrySource::open(client.clone(), repo.clone()).unwrap();
    assert_eq!(source.tag().as_deref(), Some("2"));
    let arm64: Platform = "linux/arm64".parse().unwrap();
    let image = Image::resolve(&source, Some(&arm64)).unwrap();
    assert_eq!(image.root.digest, index.digest);
    assert_eq!(image.manifest.digest, arm.digest);
    assert_eq!(image.config.architecture, "amd64"); // TinyImage's config says amd64
    let layer = &image.layers()[0];
    let bytes = read_all(kiln_oci::source::open_blob(&source, layer).unwrap());
    assert_eq!(bytes, TinyImage::new("arm64").layer);
}

#[test]
fn blobs_mount_across_repositories() {
    let registry = TestRegistry::start();
    let client = client();
    let from = registry.reference("origin");
    let to = registry.reference("copy");
    let desc = client
        .push_bytes(&from, "application/octet-stream", b"shared layer")
        .unwrap();
    assert!(!client.blob_exists(&to, &desc.digest).unwrap());
    assert!(client.mount_blob(&to, &desc.digest, &from).unwrap());
    assert!(client.blob_exists(&to, &desc.digest).unwrap());
    // Nothing to mount: the registry opens an upload instead, and we say no.
    let absent = Digest::sha256(b"not in origin");
    assert!(!client.mount_blob(&to, &absent, &from).unwrap());
    assert!(!client.blob_exists(&to, &absent).unwrap());
    // Another registry is never asked.
    let elsewhere: ImageRef = "127.0.0.1:1/origin".parse().unwrap();
    assert!(!client.mount_blob(&to, &desc.digest, &elsewhere).unwrap());
}

#[test]
fn tags_are_listed_across_pages() {
    let registry = TestRegistry::start();
    let repo = registry.reference("tagged");
    let client = client();
    let raw = push_tiny(&client, &repo, &TinyImage::new("tags"), None);
    let mut want: Vec<String> = (1..=5).map(|i| format!("v{i}")).collect();
    for tag in &want {
        client.put_manifest(&repo, Some(tag), &raw).unwrap();
    }
    want.sort();
    let mut all = client.list_tags(&repo).unwrap();
    all.sort();
    assert_eq!(all, want);
    let mut paged = client.list_tags_in_pages(&repo, 2).unwrap();
    paged.sort();
    assert_eq!(paged, want);
}

fn artifact(subject: &RawManifest, artifact_type: &str, note: &str) -> RawManifest {
    let empty = Descriptor::of_bytes(media_type::OCI_EMPTY, b"{}");
    let value = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": media_type::OCI_MANIFEST,
        "artifactType": artifact_type,
        "config": empty,
        "layers": [empty],
        "subject": subject.descriptor(),
        "annotations": {"note": note}
    });
    RawManifest::from_value(media_type::OCI_MANIFEST, &value).unwrap()
}

#[test]
fn referrers_fall_back_to_the_tag_schema() {
    let registry = TestRegistry::start();
    let repo = registry.reference("signed");
    let client = client();
    let subject = push_tiny(&client, &repo, &TinyImage::new("subject"), Some("1"));
    client
        .push_bytes(&repo, media_type::OCI_EMPTY, b"{}")
        .unwrap();
    assert!(
        client
            .referrers(&repo, &subject.digest, None)
            .unwrap()
            .is_empty()
    );

    let sig = artifact(&subject, "application/vnd.example.sig", "one");
    let sbom = artifact(&subject, "application/spdx+json", "two");
    assert_eq!(client.push_referrer(&repo, &sig).unwrap(), sig.digest);
    assert_eq!(client.push_referrer(&repo, &sbom).unwrap(), sbom.digest);
    client.push_referrer(&repo, &sig).unwrap(); // again: no duplicate entry

    let all = client.referrers(&repo, &subject.digest, None).unwrap();
    let digests: Vec<&Digest> = all.iter().map(|d| &d.digest).collect();
    assert_eq!(digests, vec![&sig.digest, &sbom.digest]);
    assert_eq!(
        all[0].artifact_type.as_deref(),
        Some("application/vnd.example.sig")
    );
    assert_eq!(
        all[1].annotations.get("note").map(String::as_str),
        Some("two")
    );

    let only = client
        .referrers(&repo, &subject.digest, Some("application/spdx+json"))
        .unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].digest, sbom.digest);

    let tag = kiln_oci::registry::referrers_tag(&subject.digest);
    assert!(client.list_tags(&repo).unwrap().contains(&tag));
    let index = client.get_manifest(&repo.with_tag(&tag).unwrap()).unwrap();
    assert_eq!(index.media_type, media_type::OCI_INDEX);

    // A manifest without a subject is not a referrer.
    let err = client.push_referrer(&repo, &subject).unwrap_err();
    assert!(err.to_string().contains("subject"), "{err}");
}

#[test]
fn source_and_destination_copy_an_image_between_repositories() {
    let registry = TestRegistry::start();
    let client = client();
    let from = registry.reference("src:1");
    let root = push_tiny(&client, &from, &TinyImage::new("copy"), Some("1"));

    let source = RegistrySource::open(client.clone(), from.clone()).unwrap();
    let to = registry.reference("dst:copied");
    let dest: Box<dyn ImageDestination> =
        Box::new(RegistryDestination::new(client.clone(), to.clone()));
    assert_eq!(source.root_manifest().unwrap(), root);
    let Parsed::Image(m) = root.parse("t").unwrap() else {
        panic!("not an image")
    };
    // The config is mounted from the source repository; the layer is streamed.
    assert!(!dest.has_blob(&m.config).unwrap());
    assert!(
        dest.mount_blob(&m.config, source.registry_location().unwrap())
            .unwrap()
    );
    let layer = &m.layers[0];
    let mut stream = source.blob_stream(layer).unwrap();
    dest.put_blob(layer, &mut stream).unwrap();
    assert!(dest.has_blob(layer).unwrap());
    dest.commit(&root).unwrap();

    let copied = client.get_manifest(&to).unwrap();
    assert_eq!(copied.digest, root.digest);
    assert_eq!(copied.bytes, root.bytes);
}
