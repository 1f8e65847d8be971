//! Protocol details against scripted loopback servers: chunked uploads with ranges,
//! `Link` pagination, blob redirects, the referrers API and `OCI-Subject`.

use kiln_oci::Error;
use kiln_oci::manifest::{Descriptor, RawManifest};
use kiln_oci::media_type;
use kiln_oci::registry::{Client, RegistryOptions};
use kiln_test::registry::{FakeResponse, FakeServer, TinyImage};
use kiln_types::ImageRef;

fn client_with(file: Option<std::path::PathBuf>) -> Client {
    Client::new(RegistryOptions {
        insecure: false,
        auth_file: file,
    })
    .unwrap()
}

#[test]
fn tag_pages_follow_link_headers() {
    let server = FakeServer::start(|req| {
        if req.target.contains("last=b") {
            FakeResponse::new(200).body(r#"{"name":"app","tags":["c"]}"#)
        } else {
            FakeResponse::new(200)
                .header("Link", r#"</v2/app/tags/list?n=2&last=b>; rel="next""#)
                .body(r#"{"name":"app","tags":["a","b"]}"#)
        }
    });
    let reference: ImageRef = format!("{}/app", server.host()).parse().unwrap();
    let tags = client_with(None).list_tags_in_pages(&reference, 2).unwrap();
    assert_eq!(tags, vec!["a", "b", "c"]);
    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        vec!["/v2/app/tags/list?n=2", "/v2/app/tags/list?n=2&last=b"]
    );
}

#[test]
fn large_blobs_go_up_in_ranged_chunks() {
    let server = FakeServer::start(|req| match req.method.as_str() {
        "POST" => FakeResponse::new(202).header("Location", "/v2/app/blobs/uploads/u1?_state=s"),
        "PATCH" => FakeResponse::new(202).header("Location", "/v2/app/blobs/uploads/u1?_state=t"),
        "PUT" => FakeResponse::new(201),
        "DELETE" => FakeResponse::new(204),
        _ => FakeResponse::new(500),
    });
    let reference: ImageRef = format!("{}/app", server.host()).parse().unwrap();
    let client = client_with(None).with_chunk_size(4);
    let desc = client
        .push_bytes(&reference, "application/octet-stream", b"0123456789")
        .unwrap();
    let requests = server.requests();
    let summary: Vec<(String, Option<String>, Vec<u8>)> = requests
        .iter()
        .map(|r| {
            (
                r.method.clone(),
                r.headers.get("content-range").cloned(),
                r.body.clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("POST".into(), None, vec![]),
            ("PATCH".into(), Some("0-3".into()), b"0123".to_vec()),
            ("PATCH".into(), Some("4-7".into()), b"4567".to_vec()),
            ("PATCH".into(), Some("8-9".into()), b"89".to_vec()),
            ("PUT".into(), None, vec![]),
        ]
    );
    let put = &requests[4].target;
    assert_eq!(
        put,
        &format!(
            "/v2/app/blobs/uploads/u1?_state=t&digest=sha256%3A{}",
            desc.digest.hex()
        )
    );
    // A mismatch found at the end cancels the upload instead of committing it.
    let before = server.count();
    let err = client
        .push_blob(&reference, &desc, &mut &b"0123456780"[..])
        .unwrap_err();
    assert!(matches!(err, Error::DigestMismatch { .. }), "{err}");
    let methods: Vec<String> = server.requests()[before..]
        .iter()
        .map(|r| r.method.clone())
        .collect();
    assert_eq!(methods, vec!["POST", "PATCH", "PATCH", "DELETE"]);
}

#[test]
fn blob_redirects_are_followed_without_credentials() {
    let storage = FakeServer::start(|_| FakeResponse::new(200).body("layer bytes"));
    let target = format!("http://{}/bucket/blob?sig=x", storage.host());
    let registry = FakeServer::start(move |req| {
        // alice:pw
        if req.headers.get("authorization").map(String::as_str) != Some("Basic YWxpY2U6cHc=") {
            return FakeResponse::new(401).header("WWW-Authenticate", r#"Basic realm="r""#);
        }
        FakeResponse::new(307).header("Location", &target)
    });
    let dir = tempfile::tempdir().unwrap();
    let auth = dir.path().join("auth.json");
    let json =
        serde_json::json!({"auths": {registry.host(): {"username": "alice", "password": "pw"}}});
    std::fs::write(&auth, serde_json::to_vec(&json).unwrap()).unwrap();
    let reference: ImageRef = format!("{}/app", registry.host()).parse().unwrap();
    let digest = kiln_types::Digest::sha256(b"layer bytes");
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut client_with(Some(auth))
            .get_blob(&reference, &digest)
            .unwrap(),
        &mut bytes,
    )
    .unwrap();
    assert_eq!(bytes, b"layer bytes");
    let fetched = storage.requests();
    assert_eq!(fetched.len(), 1);
    assert_eq!(fetched[0].target, "/bucket/blob?sig=x");
    assert!(!fetched[0].headers.contains_key("authorization"));
}

fn index_of(entries: &[Descriptor]) -> Vec<u8> {
    let mut index = kiln_oci::manifest::ImageIndex::empty();
    index.manifests = entries.to_vec();
    serde_json::to_vec(&index).unwrap()
}

fn typed(name: &[u8], artifact_type: &str) -> Descriptor {
    let mut d = Descriptor::of_bytes(media_type::OCI_MANIFEST, name);
    d.artifact_type = Some(artifact_type.to_owned());
    d
}

#[test]
fn the_referrers_api_is_used_and_refiltered_unless_the_registry_filtered() {
    let entries = vec![
        typed(b"a", "application/x.sig"),
        typed(b"b", "application/x.sbom"),
    ];
    let body = index_of(&entries);
    let unfiltered = FakeServer::start(move |_| {
        FakeResponse::new(200)
            .header("Content-Type", media_type::OCI_INDEX)
            .body(body.clone())
    });
    let subject = kiln_types::Digest::sha256(b"subject");
    let repo: ImageRef = format!("{}/app", unfiltered.host()).parse().unwrap();
    let client = client_with(None);
    let only = client
        .referrers(&repo, &subject, Some("application/x.sbom"))
        .unwrap();
    assert_eq!(only, vec![entries[1].clone()]);
    assert_eq!(
        unfiltered.requests()[0].target,
        format!("/v2/app/referrers/{subject}?artifactType=application%2Fx.sbom")
    );
    assert_eq!(client.referrers(&repo, &subject, None).unwrap(), entries);

    // A registry that says it filtered is trusted, even if its answer looks unfiltered.
    let body = index_of(&entries);
    let filtered = FakeServer::start(move |_| {
        FakeResponse::new(200)
            .header("Content-Type", media_type::OCI_INDEX)
            .header("OCI-Filters-Applied", "artifactType")
            .body(body.clone())
    });
    let repo: ImageRef = format!("{}/app", filtered.host()).parse().unwrap();
    let all = client
        .referrers(&repo, &subject, Some("application/x.sbom"))
        .unwrap();
    assert_eq!(all.len(), 2);
}

#[test]
fn a_registry_that_answers_oci_subject_gets_no_referrers_tag() {
    let registry = FakeServer::start(|req| {
        let digest = kiln_types::Digest::sha256(&req.body);
        FakeResponse::new(201)
            .header("Docker-Content-Digest", &digest.to_string())
            .header("OCI-Subject", "sha256:whatever")
    });
    let subject = RawManifest::new(None, TinyImage::new("s").manifest, "t").unwrap();
    let empty = Descriptor::of_bytes(media_type::OCI_EMPTY, b"{}");
    let value = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": media_type::OCI_MANIFEST,
        "artifactType": "application/x.sig",
        "config": empty,
        "layers": [empty],
        "subject": subject.descriptor()
    });
    let referrer = RawManifest::from_value(media_type::OCI_MANIFEST, &value).unwrap();
    let repo: ImageRef = format!("{}/app", registry.host()).parse().unwrap();
    let digest = client_with(None).push_referrer(&repo, &referrer).unwrap();
    assert_eq!(digest, referrer.digest);
    let requests = registry.requests();
    assert_eq!(requests.len(), 1, "only the manifest itself is pushed");
    assert_eq!(requests[0].method, "PUT");
    assert_eq!(
        requests[0].target,
        format!("/v2/app/manifests/{}", referrer.digest)
    );
    assert_eq!(requests[0].body, referrer.bytes);
    assert_eq!(
        requests[0].headers.get("content-type").map(String::as_str),
        Some(media_type::OCI_MANIFEST)
    );
}

#[test]
fn a_registry_that_stores_another_digest_is_an_error() {
    let registry = FakeServer::start(|_| {
        FakeResponse::new(201).header(
            "Docker-Content-Digest",
            &kiln_types::Digest::sha256(b"something else").to_string(),
        )
    });
    let raw = RawManifest::new(None, TinyImage::new("d").manifest, "t").unwrap();
    let repo: ImageRef = format!("{}/app", registry.host()).parse().unwrap();
    let err = client_with(None)
        .put_manifest(&repo, Some("1"), &raw)
        .unwrap_err();
    assert!(matches!(err, Error::DigestMismatch { .. }), "{err}");
}
