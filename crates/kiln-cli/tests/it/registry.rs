//! `kiln copy` and `kiln inspect` against a real registry, checked by skopeo and umoci.

use crate::support;

use std::process::Command;

use kiln_test::fixture::Compression;
use kiln_test::fixture::require_tool;
use kiln_test::registry::{FakeResponse, FakeServer, TestRegistry};
use support::{app_image, app_image_with, kiln, s};

fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(require_tool(name))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn sha256_hex(bytes: &[u8]) -> String {
    kiln_types::Digest::sha256(bytes).to_string()
}

#[test]
fn kiln_pushes_what_skopeo_reads_and_pulls_what_skopeo_pushes() {
    let registry = TestRegistry::start();
    let host = registry.host();
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    // umoci 0.4 reads no zstd layers: gzip only here.
    let fixture = app_image_with(Compression::Gzip).write_layout(&layout, "1.0");
    let expected = fixture.manifest_digest.to_string();

    // kiln → registry → skopeo: same digest, same bytes.
    let pushed = kiln(&[
        "copy",
        &format!("oci:{}:1.0", s(&layout)),
        &format!("{host}/team/app:1.0"),
    ]);
    assert_eq!(pushed.ok().trim(), expected);
    let inspect: serde_json::Value = serde_json::from_str(&tool(
        "skopeo",
        &[
            "inspect",
            "--tls-verify=false",
            &format!("docker://{host}/team/app:1.0"),
        ],
    ))
    .unwrap();
    assert_eq!(inspect["Digest"], expected.as_str());
    let raw = tool(
        "skopeo",
        &[
            "inspect",
            "--raw",
            "--tls-verify=false",
            &format!("docker://{host}/team/app:1.0"),
        ],
    );
    assert_eq!(raw.as_bytes(), &fixture.manifest_bytes[..]);

    // registry → kiln: a layout with the same digest, which umoci can unpack.
    let pulled = dir.path().join("pulled");
    kiln(&[
        "copy",
        &format!("registry:{host}/team/app:1.0"),
        &format!("oci:{}:1.0", s(&pulled)),
    ])
    .ok();
    let raw = tool(
        "skopeo",
        &["inspect", "--raw", &format!("oci:{}:1.0", s(&pulled))],
    );
    assert_eq!(sha256_hex(raw.as_bytes()), expected);
    let bundle = dir.path().join("bundle");
    tool(
        "umoci",
        &[
            "unpack",
            "--rootless",
            "--image",
            &format!("{}:1.0", s(&pulled)),
            &s(&bundle),
        ],
    );
    assert_eq!(
        std::fs::read_to_string(bundle.join("rootfs/etc/app.conf")).unwrap(),
        "port = 8080\n"
    );
    assert!(!bundle.join("rootfs/etc/motd").exists());

    // skopeo → registry → kiln: the digest skopeo stored is the one kiln reads.
    tool(
        "skopeo",
        &[
            "copy",
            "--dest-tls-verify=false",
            &format!("oci:{}:1.0", s(&layout)),
            &format!("docker://{host}/by-skopeo:2"),
        ],
    );
    let skopeo_digest = serde_json::from_str::<serde_json::Value>(&tool(
        "skopeo",
        &[
            "inspect",
            "--tls-verify=false",
            &format!("docker://{host}/by-skopeo:2"),
        ],
    ))
    .unwrap()["Digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let v = kiln(&["inspect", "-f", "json", &format!("{host}/by-skopeo:2")]).json();
    assert_eq!(v["digest"], skopeo_digest.as_str());
    assert_eq!(v["config"]["user"], "65532:65532");

    // registry → registry in the same registry mounts the blobs instead of copying them.
    let mounted = kiln(&[
        "copy",
        &format!("{host}/team/app:1.0"),
        &format!("{host}/other/app:copy"),
    ]);
    assert_eq!(mounted.ok().trim(), expected);
    assert!(
        mounted
            .stderr
            .contains("0 blobs (0 B) copied, 3 already there"),
        "{}",
        mounted.stderr
    );
    let files = kiln(&[
        "inspect",
        "-f",
        "json",
        "--files",
        &format!("{host}/other/app:copy"),
    ])
    .json();
    assert!(
        files["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == "/etc/os-release")
    );
}

#[test]
fn registry_answers_404_401_and_500_are_one_line_errors() {
    let registry = TestRegistry::start();
    let host = registry.host();
    kiln(&["inspect", &format!("{host}/missing/app:1")])
        .fails_with(&[&format!("{host}/missing/app:1"), "not found"]);

    let locked = TestRegistry::start_with_basic_auth("alice", "s3cret-pw");
    let locked_host = locked.host();
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    app_image().write_layout(&layout, "1.0");
    let target = format!("{locked_host}/private/app:1");
    let run = kiln(&["copy", &format!("oci:{}:1.0", s(&layout)), &target]);
    run.fails_with(&["authentication failed", &locked_host]);

    let wrong = dir.path().join("wrong.json");
    let encode = |creds: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(creds)
    };
    std::fs::write(
        &wrong,
        format!(
            r#"{{"auths":{{"{locked_host}":{{"auth":"{}"}}}}}}"#,
            encode("alice:wrong")
        ),
    )
    .unwrap();
    let run = kiln(&[
        "copy",
        "--authfile",
        &s(&wrong),
        &format!("oci:{}:1.0", s(&layout)),
        &target,
    ]);
    run.fails_with(&["authentication failed"]);
    assert!(
        !run.stderr.contains("wrong"),
        "a password reached the error: {}",
        run.stderr
    );

    let right = dir.path().join("right.json");
    std::fs::write(
        &right,
        format!(
            r#"{{"auths":{{"{locked_host}":{{"auth":"{}"}}}}}}"#,
            encode("alice:s3cret-pw")
        ),
    )
    .unwrap();
    kiln(&[
        "copy",
        "--authfile",
        &s(&right),
        &format!("oci:{}:1.0", s(&layout)),
        &target,
    ])
    .ok();
    let v = kiln(&["inspect", "-f", "json", "--authfile", &s(&right), &target]).json();
    assert_eq!(v["config"]["user"], "65532:65532");

    let broken = FakeServer::start(|_| {
        FakeResponse::new(500)
            .header("Content-Type", "application/json")
            .body(r#"{"errors":[{"code":"UNKNOWN","message":"disk on fire"}]}"#)
    });
    let run = kiln(&["inspect", &format!("{}/app:1", broken.host())]);
    run.fails_with(&["500", "disk on fire", &broken.host()]);
    assert!(broken.count() > 1, "a 500 is retried");
}
