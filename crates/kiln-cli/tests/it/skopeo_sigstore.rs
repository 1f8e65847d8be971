//! Proof with a tool no one here wrote: Debian's skopeo (containers/image) reads kiln's
//! image signatures under a `sigstoreSigned` policy with `use-sigstore-attachments`, and
//! kiln verifies the signatures skopeo writes with `--sign-by-sigstore-private-key`, both
//! with kiln's cosign-format encrypted keys, in a real registry on loopback.
//!
//! Bookworm's skopeo has sigstore signing disabled; `scripts/peer-skopeo.sh` fetches
//! trixie's into a cache outside the repository and `scripts/test.sh` names its launcher
//! in `KILN_SKOPEO_SIGSTORE`. Without it these tests fail.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Command;

use kiln_test::registry::{TestRegistry, TinyImage};
use support::{Run, s};

const PASSWORD: &str = "correct horse";

/// The sigstore-enabled skopeo; panics with the way to get it when it is not set up.
fn skopeo_sigstore() -> PathBuf {
    let Some(path) = std::env::var_os("KILN_SKOPEO_SIGSTORE") else {
        panic!(
            "KILN_SKOPEO_SIGSTORE is not set: run scripts/test.sh, which fetches a skopeo \
             with sigstore support (scripts/peer-skopeo.sh) and sets it"
        );
    };
    let path = PathBuf::from(path);
    assert!(
        path.is_file(),
        "KILN_SKOPEO_SIGSTORE={} is not a file",
        path.display()
    );
    path
}

/// What one skopeo run did: (success, stderr).
fn skopeo(dir: &Path, policy: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(skopeo_sigstore())
        .arg("--policy")
        .arg(dir.join(policy))
        .arg("--registries.d")
        .arg(dir.join("registries.d"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

struct Setup {
    registry: TestRegistry,
    dir: tempfile::TempDir,
}

impl Setup {
    /// A registry, ECDSA key pairs `kiln` and `other`, an Ed25519 pair `ed`, a
    /// registries.d that reads sigstore attachments, and one policy per key that wants a
    /// sigstore signature by it.
    fn new() -> Setup {
        let registry = TestRegistry::start();
        let dir = tempfile::tempdir().unwrap();
        let t = Setup { registry, dir };
        t.kiln(&["key", "generate"]).ok();
        t.kiln(&["key", "generate", "--output-prefix", "other"])
            .ok();
        t.kiln(&[
            "key",
            "generate",
            "--type",
            "ed25519",
            "--output-prefix",
            "ed",
        ])
        .ok();
        std::fs::write(t.dir.path().join("passphrase"), PASSWORD).unwrap();
        let regd = t.dir.path().join("registries.d");
        std::fs::create_dir(&regd).unwrap();
        std::fs::write(
            regd.join("default.yaml"),
            "default-docker:\n  use-sigstore-attachments: true\n",
        )
        .unwrap();
        std::fs::write(
            t.dir.path().join("open.json"),
            r#"{"default":[{"type":"insecureAcceptAnything"}]}"#,
        )
        .unwrap();
        for key in ["kiln", "other", "ed"] {
            let policy = serde_json::json!({
                "default": [{"type": "reject"}],
                "transports": {"docker": {t.registry.host(): [{
                    "type": "sigstoreSigned",
                    "keyPath": t.path(&format!("{key}.pub")),
                    "signedIdentity": {"type": "matchRepository"},
                }]}},
            });
            std::fs::write(
                t.dir.path().join(format!("{key}-policy.json")),
                policy.to_string(),
            )
            .unwrap();
        }
        t
    }

    fn kiln(&self, args: &[&str]) -> Run {
        support::kiln_at(self.dir.path(), PASSWORD, args)
    }

    fn path(&self, name: &str) -> String {
        s(&self.dir.path().join(name))
    }

    /// Writes a small image labelled `label` as an OCI layout; (its `oci:` reference,
    /// its manifest digest).
    fn layout(&self, label: &str) -> (String, String) {
        let tiny = TinyImage::new(label);
        let layout = self.dir.path().join(label);
        tiny.write_layout(&layout, "1");
        (format!("oci:{}:1", s(&layout)), tiny.manifest_digest())
    }

    /// Pushes a small image labelled `label` with kiln to `<registry>/<label>:1`;
    /// (the reference, its manifest digest).
    fn push(&self, label: &str) -> (String, String) {
        let (layout, digest) = self.layout(label);
        let image = format!("{}/{label}:1", self.registry.host());
        self.kiln(&["copy", &layout, &image]).ok();
        (image, digest)
    }

    /// skopeo copies `image` out of the registry under `policy` into a `dir:` copy.
    /// `skopeo copy` of `layout` to `image`, signed with the sigstore key `key`.
    fn skopeo_push_signed(&self, key: &str, layout: &str, image: &str) -> (bool, String) {
        skopeo(
            self.dir.path(),
            "open.json",
            &[
                "copy",
                "--dest-tls-verify=false",
                "--sign-by-sigstore-private-key",
                &self.path(key),
                "--sign-passphrase-file",
                &self.path("passphrase"),
                layout,
                &format!("docker://{image}"),
            ],
        )
    }

    fn skopeo_pull(&self, policy: &str, image: &str, into: &str) -> (bool, String) {
        skopeo(
            self.dir.path(),
            policy,
            &[
                "copy",
                "--remove-signatures",
                "--src-tls-verify=false",
                &format!("docker://{image}"),
                &format!("dir:{}", self.path(into)),
            ],
        )
    }
}

#[test]
fn skopeo_policy_accepts_kilns_signature_and_refuses_another_key() {
    let t = Setup::new();
    let (image, digest) = t.push("signed");
    t.kiln(&["sign", &image, "--key", "kiln.key"]).ok();

    let (ok, stderr) = t.skopeo_pull("kiln-policy.json", &image, "accepted");
    assert!(ok, "skopeo refused kiln's signature: {stderr}");
    let manifest = std::fs::read(t.dir.path().join("accepted/manifest.json")).unwrap();
    assert_eq!(kiln_types::Digest::sha256(&manifest).to_string(), digest);

    let (ok, stderr) = t.skopeo_pull("other-policy.json", &image, "other-key");
    assert!(!ok, "skopeo accepted a signature by another key");
    assert!(
        stderr.contains("Source image rejected")
            && stderr.contains("signature verification failed"),
        "{stderr}"
    );
    assert!(!t.dir.path().join("other-key/manifest.json").exists());

    // The acceptance came from kiln's signature: an image kiln did not sign is refused
    // under the same policy.
    let (unsigned, _) = t.push("unsigned");
    let (ok, stderr) = t.skopeo_pull("kiln-policy.json", &unsigned, "unsigned-copy");
    assert!(!ok, "skopeo accepted an unsigned image");
    assert!(stderr.contains("Source image rejected"), "{stderr}");
}

#[test]
fn kiln_verifies_an_image_skopeo_signed_with_kilns_key() {
    let t = Setup::new();
    let (layout, digest) = t.layout("by-skopeo");
    let image = format!("{}/by-skopeo:1", t.registry.host());
    let (ok, stderr) = t.skopeo_push_signed("kiln.key", &layout, &image);
    assert!(ok, "skopeo could not sign with kiln's key: {stderr}");

    let json = t
        .kiln(&["verify", &image, "--key", "kiln.pub", "--format", "json"])
        .json();
    assert_eq!(json["digest"], digest.as_str());
    let verified = json["verified"].as_array().unwrap();
    assert_eq!(verified.len(), 1, "{json}");
    assert_eq!(verified[0]["storage"], "tag");
    let payload = &verified[0]["payload"];
    assert_eq!(
        payload["critical"]["image"]["docker-manifest-digest"],
        digest.as_str()
    );
    assert_eq!(payload["critical"]["identity"]["docker-reference"], image);
    assert!(
        payload["optional"]["creator"]
            .as_str()
            .unwrap()
            .starts_with("containers/image"),
        "{payload}"
    );

    let run = t.kiln(&["verify", &image, "--key", "other.pub"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("does not verify with the trusted keys"),
        "{}",
        run.stderr
    );
}

/// containers/image signs and verifies pure Ed25519, cosign Ed25519ph: kiln's Ed25519
/// image signature carries both, so skopeo accepts it, and kiln reads skopeo's.
#[test]
fn ed25519_signatures_cross_both_ways() {
    let t = Setup::new();
    let (image, _) = t.push("ed-signed");
    t.kiln(&["sign", &image, "--key", "ed.key", "--storage", "tag"])
        .ok();
    let (ok, stderr) = t.skopeo_pull("ed-policy.json", &image, "accepted");
    assert!(ok, "skopeo refused kiln's Ed25519 signature: {stderr}");
    let (ok, _) = t.skopeo_pull("kiln-policy.json", &image, "wrong-key");
    assert!(
        !ok,
        "skopeo accepted an Ed25519 signature under another key"
    );
    let json = t
        .kiln(&["verify", &image, "--key", "ed.pub", "--format", "json"])
        .json();
    assert_eq!(json["verified"].as_array().unwrap().len(), 2, "{json}");

    let (layout, digest) = t.layout("ed-by-skopeo");
    let by_skopeo = format!("{}/ed-by-skopeo:1", t.registry.host());
    let (ok, stderr) = t.skopeo_push_signed("ed.key", &layout, &by_skopeo);
    assert!(
        ok,
        "skopeo could not sign with kiln's Ed25519 key: {stderr}"
    );
    let json = t
        .kiln(&["verify", &by_skopeo, "--key", "ed.pub", "--format", "json"])
        .json();
    assert_eq!(json["digest"], digest.as_str());
    assert_eq!(json["verified"].as_array().unwrap().len(), 1, "{json}");
    let run = t.kiln(&["verify", &by_skopeo, "--key", "kiln.pub"]);
    assert_eq!(run.code, 1, "{run:?}");
}
