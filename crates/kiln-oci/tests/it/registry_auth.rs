//! Registry auth and failure handling: htpasswd basic auth on a real `docker-registry`,
//! the bearer token flow, retries and status mapping against scripted loopback servers.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use kiln_oci::Error;
use kiln_oci::manifest::RawManifest;
use kiln_oci::media_type;
use kiln_oci::registry::{Client, RegistryOptions};
use kiln_test::registry::{FakeResponse, FakeServer, TestRegistry, TinyImage};
use kiln_types::ImageRef;

const PASSWORD: &str = "s3cret-pw";

fn auth_file(dir: &std::path::Path, host: &str, user: &str, password: &str) -> std::path::PathBuf {
    use base64::Engine as _;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let path = dir.join("auth.json");
    let json = serde_json::json!({"auths": {host: {"auth": token}}});
    std::fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();
    path
}

fn client_with(file: Option<std::path::PathBuf>) -> Client {
    Client::new(RegistryOptions {
        insecure: false,
        auth_file: file,
    })
    .unwrap()
}

#[test]
fn basic_auth_with_credentials_from_an_auth_file() {
    let registry = TestRegistry::start_with_basic_auth("alice", PASSWORD);
    let dir = tempfile::tempdir().unwrap();
    let repo = registry.reference("private:1");
    let image = TinyImage::new("private");

    let good = client_with(Some(auth_file(
        dir.path(),
        &registry.host(),
        "alice",
        PASSWORD,
    )));
    good.push_bytes(&repo, media_type::OCI_LAYER_GZIP, &image.layer)
        .unwrap();
    good.push_bytes(&repo, media_type::OCI_CONFIG, &image.config)
        .unwrap();
    let raw = RawManifest::new(None, image.manifest.clone(), "t").unwrap();
    good.put_manifest(&repo, Some("1"), &raw).unwrap();
    assert_eq!(good.get_manifest(&repo).unwrap().bytes, image.manifest);
    assert!(!format!("{good:?}").contains(PASSWORD));

    let anonymous = client_with(Some(auth_file(
        dir.path(),
        "127.0.0.1:1",
        "alice",
        PASSWORD,
    )));
    match anonymous.get_manifest(&repo).unwrap_err() {
        Error::Auth { what, reason } => {
            assert_eq!(what, repo.to_string());
            assert!(reason.contains("no credentials"), "{reason}");
        }
        other => panic!("expected an auth error, got {other}"),
    }

    let wrong = client_with(Some(auth_file(
        dir.path(),
        &registry.host(),
        "alice",
        "nope-pw",
    )));
    let err = wrong.get_manifest(&repo).unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err}");
    let shown = format!("{err} {err:?} {wrong:?}");
    assert!(shown.contains("refused the credentials"), "{shown}");
    assert!(!shown.contains("nope-pw"), "{shown}");
}

#[test]
fn bearer_tokens_are_fetched_with_scope_and_cached() {
    let token_server = FakeServer::start(|req| {
        // alice:pw
        if req.headers.get("authorization").map(String::as_str) != Some("Basic YWxpY2U6cHc=") {
            return FakeResponse::new(401);
        }
        FakeResponse::new(200).body(r#"{"token":"tok-123","expires_in":300}"#)
    });
    let realm = format!("http://{}/token", token_server.host());
    let manifest = TinyImage::new("bearer").manifest;
    let body = manifest.clone();
    let registry = FakeServer::start(move |req| {
        if req.headers.get("authorization").map(String::as_str) == Some("Bearer tok-123") {
            return FakeResponse::new(200)
                .header("Content-Type", media_type::OCI_MANIFEST)
                .body(body.clone());
        }
        FakeResponse::new(401).header(
            "WWW-Authenticate",
            &format!(
                r#"Bearer realm="{realm}",service="fake registry",scope="repository:team/app:pull""#
            ),
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let client = client_with(Some(auth_file(dir.path(), &registry.host(), "alice", "pw")));
    let reference: ImageRef = format!("{}/team/app:1", registry.host()).parse().unwrap();
    assert_eq!(client.get_manifest(&reference).unwrap().bytes, manifest);
    assert_eq!(client.get_manifest(&reference).unwrap().bytes, manifest);

    let token_requests = token_server.requests();
    assert_eq!(token_requests.len(), 1, "the token is cached");
    let target = &token_requests[0].target;
    assert!(target.starts_with("/token?"), "{target}");
    assert!(target.contains("service=fake%20registry"), "{target}");
    assert!(
        target.contains("scope=repository%3Ateam%2Fapp%3Apull"),
        "{target}"
    );
    // 401, then the retry with a token, then the second pull straight with the token.
    assert_eq!(registry.count(), 3);
}

#[test]
fn a_token_service_refusal_is_an_auth_error() {
    let token_server = FakeServer::start(|_| FakeResponse::new(403).body("go away"));
    let realm = format!("http://{}/token", token_server.host());
    let registry = FakeServer::start(move |_| {
        FakeResponse::new(401).header("WWW-Authenticate", &format!(r#"Bearer realm="{realm}""#))
    });
    let reference: ImageRef = format!("{}/app:1", registry.host()).parse().unwrap();
    let err = client_with(None).get_manifest(&reference).unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err}");
    assert!(err.to_string().contains("403"), "{err}");
}

#[test]
fn server_errors_are_retried_then_reported() {
    let server = FakeServer::start(|_| {
        FakeResponse::new(500)
            .header("Content-Type", "application/json")
            .body(r#"{"errors":[{"code":"UNKNOWN","message":"boom"}]}"#)
    });
    let reference: ImageRef = format!("{}/app:1", server.host()).parse().unwrap();
    let err = client_with(None).get_manifest(&reference).unwrap_err();
    match &err {
        Error::Registry {
            what,
            status,
            message,
        } => {
            assert_eq!(what, &reference.to_string());
            assert_eq!(*status, 500);
            assert_eq!(message, "UNKNOWN: boom");
        }
        other => panic!("expected a registry error, got {other}"),
    }
    assert_eq!(server.count(), 4, "tried four times in all");
}

#[test]
fn too_many_requests_then_success() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let server = FakeServer::start(move |_| {
        if seen.fetch_add(1, Ordering::SeqCst) == 0 {
            FakeResponse::new(429).header("Retry-After", "0")
        } else {
            FakeResponse::new(200).body(r#"{"name":"app","tags":["a","b"]}"#)
        }
    });
    let reference: ImageRef = format!("{}/app", server.host()).parse().unwrap();
    let tags = client_with(None).list_tags(&reference).unwrap();
    assert_eq!(tags, vec!["a", "b"]);
    assert_eq!(server.count(), 2);
}

#[test]
fn client_errors_are_not_retried() {
    let server = FakeServer::start(|_| {
        FakeResponse::new(400).body(r#"{"errors":[{"code":"NAME_INVALID","message":"bad name"}]}"#)
    });
    let reference: ImageRef = format!("{}/app:1", server.host()).parse().unwrap();
    let err = client_with(None).get_manifest(&reference).unwrap_err();
    assert!(
        matches!(&err, Error::Registry { status: 400, message, .. } if message == "NAME_INVALID: bad name"),
        "{err}"
    );
    assert_eq!(server.count(), 1);
}

#[test]
fn a_connection_refused_is_a_transport_error_naming_the_reference() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let reference: ImageRef = format!("127.0.0.1:{port}/app:1").parse().unwrap();
    let err = client_with(None).get_manifest(&reference).unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err}");
    assert!(err.to_string().starts_with(&reference.to_string()), "{err}");
}

#[test]
fn a_plain_http_token_realm_elsewhere_is_refused() {
    let registry = FakeServer::start(|_| {
        FakeResponse::new(401).header(
            "WWW-Authenticate",
            r#"Bearer realm="http://auth.example.invalid/token",service="x""#,
        )
    });
    let reference: ImageRef = format!("{}/app:1", registry.host()).parse().unwrap();
    let err = client_with(None).get_manifest(&reference).unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err}");
    assert!(err.to_string().contains("plain HTTP"), "{err}");
    assert_eq!(registry.count(), 1);
}
