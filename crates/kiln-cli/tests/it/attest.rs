//! `kiln key`, `sign`, `attest`, `verify`, `sign-blob`, `verify-blob` against a real
//! registry: round trips in both storage forms, every negative case made by mutating a
//! good signature in the registry, and DSSE envelopes checked by PyPI securesystemslib.

use crate::support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use kiln_oci::manifest::{Descriptor, ImageManifest, Parsed, RawManifest};
use kiln_oci::media_type;
use kiln_oci::registry::{Client, RegistryOptions};
use kiln_test::fixture::require_tool;
use kiln_test::registry::{TestRegistry, TinyImage};
use kiln_types::{Digest, ImageRef};
use support::{Run, s};

const PASSWORD: &str = "correct horse";

/// Runs kiln in `dir` with the key password set.
fn kiln_in(dir: &Path, args: &[&str]) -> Run {
    support::kiln_at(dir, PASSWORD, args)
}

/// Asserts exit 1 (verification failed) with a reason containing `needle`.
fn fails_verification(run: &Run, needle: &str) {
    assert_eq!(
        run.code, 1,
        "expected exit 1:\nstdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert_eq!(run.stdout, "", "no payload may be printed");
    assert!(
        run.stderr.contains(needle),
        "stderr lacks {needle:?}: {}",
        run.stderr
    );
}

struct Setup {
    _registry: TestRegistry,
    dir: tempfile::TempDir,
    client: Client,
    image: String,
    digest: Digest,
}

impl Setup {
    /// A registry with one image `app:1` and two key pairs, `kiln` and `other`.
    fn new(label: &str) -> Setup {
        let registry = TestRegistry::start();
        let dir = tempfile::tempdir().unwrap();
        let tiny = TinyImage::new(label);
        let layout = dir.path().join("layout");
        tiny.write_layout(&layout, "1");
        let image = format!("{}/app:1", registry.host());
        kiln_in(
            dir.path(),
            &["copy", &format!("oci:{}:1", s(&layout)), &image],
        )
        .ok();
        kiln_in(dir.path(), &["key", "generate"]).ok();
        kiln_in(dir.path(), &["key", "generate", "--output-prefix", "other"]).ok();
        Setup {
            _registry: registry,
            client: Client::new(RegistryOptions::default()).unwrap(),
            digest: tiny.manifest_digest().parse().unwrap(),
            dir,
            image,
        }
    }

    fn kiln(&self, args: &[&str]) -> Run {
        kiln_in(self.dir.path(), args)
    }

    fn path(&self, name: &str) -> String {
        s(&self.dir.path().join(name))
    }

    fn reference(&self) -> ImageRef {
        self.image.parse().unwrap()
    }

    fn tag(&self, suffix: &str) -> ImageRef {
        self.reference()
            .with_tag(&format!("sha256-{}.{suffix}", self.digest.hex()))
            .unwrap()
    }

    fn manifest(&self, tag: &ImageRef) -> ImageManifest {
        match self.client.get_manifest(tag).unwrap().parse("m").unwrap() {
            Parsed::Image(m) => *m,
            Parsed::Index(_) => panic!("index"),
        }
    }

    fn put(&self, tag: &ImageRef, manifest: &ImageManifest) {
        let raw = RawManifest::from_value(media_type::OCI_MANIFEST, manifest).unwrap();
        self.client.put_manifest(tag, tag.tag(), &raw).unwrap();
    }

    fn blob(&self, desc: &Descriptor) -> Vec<u8> {
        let mut out = Vec::new();
        std::io::Read::read_to_end(
            &mut self
                .client
                .get_blob(&self.reference(), &desc.digest)
                .unwrap(),
            &mut out,
        )
        .unwrap();
        out
    }

    /// Replaces layer 0 of the manifest under `tag` by `bytes` with `annotations`.
    fn replace_layer(&self, tag: &ImageRef, bytes: &[u8], annotations: BTreeMap<String, String>) {
        let mut m = self.manifest(tag);
        let layer = self
            .client
            .push_bytes(tag, &m.layers[0].media_type.clone(), bytes)
            .unwrap();
        m.layers[0] = Descriptor {
            annotations,
            ..layer
        };
        self.put(tag, &m);
    }

    fn verify(&self, extra: &[&str]) -> Run {
        let mut args = vec!["verify", self.image.as_str()];
        args.extend_from_slice(extra);
        self.kiln(&args)
    }
}

#[test]
fn key_generate_writes_an_encrypted_key_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let run = kiln_in(dir.path(), &["key", "generate", "--type", "ed25519"]);
    assert_eq!(run.ok(), "kiln.pub\n");
    let key = std::fs::read_to_string(dir.path().join("kiln.key")).unwrap();
    assert!(key.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
    let body: String = key.lines().filter(|l| !l.starts_with("-----")).collect();
    let json: serde_json::Value = serde_json::from_slice(&STANDARD.decode(body).unwrap()).unwrap();
    assert_eq!(json["kdf"]["name"], "scrypt");
    assert_eq!(json["kdf"]["params"]["N"], 32768);
    assert_eq!(json["cipher"]["name"], "nacl/secretbox");
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(dir.path().join("kiln.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let public = kiln_in(dir.path(), &["key", "public", "kiln.key"]);
    assert_eq!(
        public.ok(),
        std::fs::read_to_string(dir.path().join("kiln.pub")).unwrap()
    );
    kiln_in(dir.path(), &["key", "generate"]).fails_with(&["kiln.key", "already exists"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("kiln.key")).unwrap(),
        key
    );
}

#[test]
fn key_commands_need_a_password_and_the_right_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["key", "generate"])
        .current_dir(dir.path())
        .env_remove("KILN_PASSWORD")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("KILN_PASSWORD"));
    assert!(!dir.path().join("kiln.key").exists());
    kiln_in(dir.path(), &["key", "generate"]).ok();
    let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["key", "public", "kiln.key"])
        .current_dir(dir.path())
        .env("KILN_PASSWORD", "wrong")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("kiln.key: wrong password or corrupted key")
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains(PASSWORD));
}

#[test]
fn key_import_takes_pkcs8_sec1_and_cosign_keys() {
    let dir = tempfile::tempdir().unwrap();
    // Keys made by a tool no one here wrote.
    let openssl = require_tool("openssl");
    let run = |args: &[&str]| {
        let out = Command::new(&openssl)
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-noout",
        "-out",
        "sec1.pem",
    ]);
    run(&[
        "pkcs8",
        "-topk8",
        "-nocrypt",
        "-in",
        "sec1.pem",
        "-out",
        "pkcs8.pem",
    ]);
    run(&["ec", "-in", "sec1.pem", "-pubout", "-out", "expected.pub"]);
    let expected = std::fs::read_to_string(dir.path().join("expected.pub")).unwrap();
    kiln_in(
        dir.path(),
        &["key", "import", "sec1.pem", "--output-prefix", "a"],
    )
    .ok();
    kiln_in(
        dir.path(),
        &["key", "import", "pkcs8.pem", "--output-prefix", "b"],
    )
    .ok();
    kiln_in(
        dir.path(),
        &["key", "import", "a.key", "--output-prefix", "c"],
    )
    .ok();
    for p in ["a.pub", "b.pub", "c.pub"] {
        assert_eq!(
            std::fs::read_to_string(dir.path().join(p)).unwrap(),
            expected,
            "{p}"
        );
    }
    std::fs::write(
        dir.path().join("rsa.txt"),
        "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n",
    )
    .unwrap();
    kiln_in(dir.path(), &["key", "import", "rsa.txt"]).fails_with(&["rsa.txt"]);
}

#[test]
fn sign_and_verify_both_forms_and_wrong_key_fails() {
    let t = Setup::new("sign");
    let run = t.kiln(&["sign", &t.image, "--key", "kiln.key"]);
    let lines: Vec<&str> = run.ok().lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(lines[0].contains(&format!("sha256-{}.sig@sha256:", t.digest.hex())));
    // Legacy form: the layer cosign v2 reads.
    let sig = t.manifest(&t.tag("sig"));
    assert_eq!(sig.layers.len(), 1);
    assert_eq!(
        sig.layers[0].media_type,
        "application/vnd.dev.cosign.simplesigning.v1+json"
    );
    let payload: serde_json::Value = serde_json::from_slice(&t.blob(&sig.layers[0])).unwrap();
    assert_eq!(
        payload["critical"]["image"]["docker-manifest-digest"],
        t.digest.to_string()
    );
    assert_eq!(
        payload["critical"]["type"],
        "cosign container image signature"
    );
    assert!(payload["optional"].is_null());
    // v3 form: a bundle referrer with the image as subject.
    let referrers = t.client.referrers(&t.reference(), &t.digest, None).unwrap();
    assert_eq!(referrers.len(), 1);
    assert_eq!(
        referrers[0].artifact_type.as_deref(),
        Some("application/vnd.dev.sigstore.bundle.v0.3+json")
    );
    let m = match t
        .client
        .get_manifest(&t.reference().with_digest(referrers[0].digest.clone()))
        .unwrap()
        .parse("r")
        .unwrap()
    {
        Parsed::Image(m) => m,
        Parsed::Index(_) => panic!("index"),
    };
    assert_eq!(m.config.media_type, media_type::OCI_EMPTY);
    assert_eq!(m.subject.unwrap().digest, t.digest);
    assert_eq!(
        m.annotations["dev.sigstore.bundle.predicateType"],
        "https://sigstore.dev/cosign/sign/v1"
    );
    let bundle: serde_json::Value = serde_json::from_slice(&t.blob(&m.layers[0])).unwrap();
    assert_eq!(
        bundle["mediaType"],
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );
    assert!(bundle["verificationMaterial"]["publicKey"]["hint"].is_string());
    assert_eq!(
        bundle["dsseEnvelope"]["payloadType"],
        "application/vnd.in-toto+json"
    );

    let run = t.verify(&["--key", "kiln.pub", "--format", "json"]);
    let json = run.json();
    assert_eq!(json["digest"], t.digest.to_string());
    let verified = json["verified"].as_array().unwrap();
    assert_eq!(verified.len(), 2);
    assert_eq!(verified[0]["storage"], "tag");
    assert_eq!(verified[1]["storage"], "referrer");
    assert_eq!(
        verified[1]["payload"]["subject"][0]["digest"]["sha256"],
        t.digest.hex()
    );

    fails_verification(
        &t.verify(&["--key", "other.pub"]),
        "does not verify with the trusted keys",
    );
    // Either key may verify; a threshold of two needs both.
    t.verify(&["--key", "other.pub", "--key", "kiln.pub"]).ok();
    fails_verification(
        &t.verify(&[
            "--key",
            "other.pub",
            "--key",
            "kiln.pub",
            "--threshold",
            "2",
        ]),
        "1 of the required 2",
    );
    t.kiln(&["sign", &t.image, "--key", "other.key", "--storage", "tag"])
        .ok();
    assert_eq!(
        t.manifest(&t.tag("sig")).layers.len(),
        2,
        "a second signature is appended"
    );
    t.verify(&[
        "--key",
        "other.pub",
        "--key",
        "kiln.pub",
        "--threshold",
        "2",
    ])
    .ok();
}

#[test]
fn unsigned_image_and_dropped_layer_fail() {
    let t = Setup::new("unsigned");
    fails_verification(
        &t.verify(&["--key", "kiln.pub"]),
        "no signatures or attestations found",
    );
    t.kiln(&["sign", &t.image, "--key", "kiln.key", "--storage", "tag"])
        .ok();
    t.verify(&["--key", "kiln.pub"]).ok();
    let mut m = t.manifest(&t.tag("sig"));
    m.layers.clear();
    t.put(&t.tag("sig"), &m);
    fails_verification(
        &t.verify(&["--key", "kiln.pub"]),
        "no signatures or attestations found",
    );
}

#[test]
fn flipped_signature_byte_and_tampered_payload_fail() {
    let t = Setup::new("flip");
    t.kiln(&["sign", &t.image, "--key", "kiln.key", "--storage", "tag"])
        .ok();
    let tag = t.tag("sig");
    let good = t.manifest(&tag);
    let payload = t.blob(&good.layers[0]);
    let mut sig = STANDARD
        .decode(&good.layers[0].annotations["dev.cosignproject.cosign/signature"])
        .unwrap();
    let last = sig.len() - 1;
    sig[last] ^= 1;
    let flipped = BTreeMap::from([(
        "dev.cosignproject.cosign/signature".to_owned(),
        STANDARD.encode(&sig),
    )]);
    t.replace_layer(&tag, &payload, flipped);
    fails_verification(&t.verify(&["--key", "kiln.pub"]), "does not verify");

    // The good signature over a payload with one byte changed.
    t.put(&tag, &good);
    t.verify(&["--key", "kiln.pub"]).ok();
    let mut tampered = payload.clone();
    let at = tampered.windows(6).position(|w| w == b"sha256").unwrap() + 10;
    tampered[at] = if tampered[at] == b'0' { b'1' } else { b'0' };
    t.replace_layer(&tag, &tampered, good.layers[0].annotations.clone());
    fails_verification(&t.verify(&["--key", "kiln.pub"]), "does not verify");

    // An empty signature annotation is no signature.
    let empty = BTreeMap::from([(
        "dev.cosignproject.cosign/signature".to_owned(),
        String::new(),
    )]);
    t.replace_layer(&tag, &payload, empty);
    fails_verification(&t.verify(&["--key", "kiln.pub"]), "no signature");
}

#[test]
fn a_signature_for_another_digest_fails() {
    let t = Setup::new("moved");
    t.kiln(&["sign", &t.image, "--key", "kiln.key", "--storage", "tag"])
        .ok();
    // Another image in the same repository, with the first image's signature copied to
    // its .sig tag: the signature verifies, the digest does not match.
    let other = TinyImage::new("moved-other");
    let layout = t.dir.path().join("other");
    other.write_layout(&layout, "2");
    let other_ref = t.image.replace(":1", ":2");
    t.kiln(&["copy", &format!("oci:{}:2", s(&layout)), &other_ref])
        .ok();
    let other_tag = t
        .reference()
        .with_tag(&format!(
            "sha256-{}.sig",
            other.manifest_digest().trim_start_matches("sha256:")
        ))
        .unwrap();
    t.put(&other_tag, &t.manifest(&t.tag("sig")));
    let run = t.kiln(&["verify", &other_ref, "--key", "kiln.pub"]);
    fails_verification(
        &run,
        &format!("signed digest {} is not the image's", t.digest),
    );
}

#[test]
fn attest_and_verify_by_type() {
    let t = Setup::new("attest");
    let vex = serde_json::json!({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://example.com/vex/1",
        "author": "kiln test",
        "timestamp": "2026-01-01T00:00:00Z",
        "version": 1,
        "statements": []
    });
    std::fs::write(t.dir.path().join("vex.json"), vex.to_string()).unwrap();
    t.kiln(&[
        "attest",
        &t.image,
        "--type",
        "openvex",
        "--predicate",
        "vex.json",
        "--key",
        "kiln.key",
    ])
    .ok();
    let att = t.manifest(&t.tag("att"));
    assert_eq!(
        att.layers[0].media_type,
        "application/vnd.dsse.envelope.v1+json"
    );
    assert_eq!(
        att.layers[0].annotations["predicateType"],
        "https://openvex.dev/ns/v0.2.0"
    );
    assert_eq!(
        att.layers[0].annotations["dev.cosignproject.cosign/signature"],
        ""
    );

    let run = t.verify(&["--key", "kiln.pub", "--type", "openvex"]);
    let lines: Vec<serde_json::Value> = run
        .ok()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "tag and referrer forms");
    for statement in &lines {
        assert_eq!(statement["predicate"], vex);
        assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
    }
    fails_verification(
        &t.verify(&["--key", "kiln.pub", "--type", "slsa"]),
        "no attestation of type https://slsa.dev/provenance/v1",
    );
    // A predicate that is not what its type says is refused before anything is written.
    t.kiln(&[
        "attest",
        &t.image,
        "--type",
        "cyclonedx",
        "--predicate",
        "vex.json",
        "--key",
        "kiln.key",
    ])
    .fails_with(&["vex.json", "CycloneDX"]);

    // A flipped payload byte inside the envelope, and an envelope with no signatures.
    let tag = t.tag("att");
    let envelope: serde_json::Value = serde_json::from_slice(&t.blob(&att.layers[0])).unwrap();
    let mut payload = STANDARD
        .decode(envelope["payload"].as_str().unwrap())
        .unwrap();
    payload[5] ^= 1;
    let mut flipped = envelope.clone();
    flipped["payload"] = STANDARD.encode(&payload).into();
    t.replace_layer(
        &tag,
        &serde_json::to_vec(&flipped).unwrap(),
        att.layers[0].annotations.clone(),
    );
    let mut unsigned = envelope.clone();
    unsigned["signatures"] = serde_json::json!([]);
    let mut m = t.manifest(&tag);
    let layer = t
        .client
        .push_bytes(
            &tag,
            "application/vnd.dsse.envelope.v1+json",
            &serde_json::to_vec(&unsigned).unwrap(),
        )
        .unwrap();
    m.layers.push(Descriptor {
        annotations: att.layers[0].annotations.clone(),
        ..layer
    });
    t.put(&tag, &m);
    let run = t.verify(&["--key", "kiln.pub", "--type", "openvex", "--format", "json"]);
    let json = run.json();
    assert_eq!(
        json["verified"].as_array().unwrap().len(),
        1,
        "only the referrer still verifies"
    );
    assert_eq!(json["verified"][0]["storage"], "referrer");
    let reasons: Vec<&str> = json["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("no signature verifies")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("the envelope has no signatures")),
        "{reasons:?}"
    );
}

#[test]
fn sign_blob_and_verify_blob() {
    let t = Setup::new("blob");
    std::fs::write(t.dir.path().join("sbom.json"), b"{\"sbom\":true}").unwrap();
    let sig = t.kiln(&[
        "sign-blob",
        "sbom.json",
        "--key",
        "kiln.key",
        "--bundle",
        "sbom.bundle",
        "--output-signature",
        "sbom.sig",
    ]);
    let sig = sig.ok().trim().to_owned();
    assert!(STANDARD.decode(&sig).is_ok());
    let expected = format!("{}\n", Digest::sha256(b"{\"sbom\":true}"));
    assert_eq!(
        t.kiln(&[
            "verify-blob",
            "sbom.json",
            "--key",
            "kiln.pub",
            "--signature",
            &sig
        ])
        .ok(),
        expected
    );
    t.kiln(&[
        "verify-blob",
        "sbom.json",
        "--key",
        "kiln.pub",
        "--signature",
        "sbom.sig",
    ])
    .ok();
    t.kiln(&[
        "verify-blob",
        "sbom.json",
        "--key",
        "kiln.pub",
        "--bundle",
        "sbom.bundle",
    ])
    .ok();
    fails_verification(
        &t.kiln(&[
            "verify-blob",
            "sbom.json",
            "--key",
            "other.pub",
            "--bundle",
            "sbom.bundle",
        ]),
        "does not verify",
    );
    std::fs::write(t.dir.path().join("sbom.json"), b"{\"sbom\":false}").unwrap();
    fails_verification(
        &t.kiln(&[
            "verify-blob",
            "sbom.json",
            "--key",
            "kiln.pub",
            "--signature",
            "sbom.sig",
        ]),
        "does not verify",
    );
    fails_verification(
        &t.kiln(&[
            "verify-blob",
            "sbom.json",
            "--key",
            "kiln.pub",
            "--bundle",
            "sbom.bundle",
        ]),
        "message digest",
    );
}

/// securesystemslib (PyPI) verifies a DSSE envelope kiln stored, with kiln's public key.
#[test]
fn securesystemslib_verifies_kilns_dsse_envelope() {
    let python = require_tool("python3");
    let t = Setup::new("sslib");
    std::fs::write(t.dir.path().join("p.json"), r#"{"custom":"value"}"#).unwrap();
    t.kiln(&[
        "attest",
        &t.image,
        "--type",
        "custom",
        "--predicate",
        "p.json",
        "--key",
        "kiln.key",
        "--storage",
        "tag",
    ])
    .ok();
    let att = t.manifest(&t.tag("att"));
    std::fs::write(t.dir.path().join("envelope.json"), t.blob(&att.layers[0])).unwrap();
    let script = r#"
import json, sys
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey
from in_toto.models.metadata import Envelope as InTotoEnvelope
raw = json.load(open(sys.argv[1]))
envelope = Envelope.from_dict(json.loads(json.dumps(raw)))
keyid = next(iter(envelope.signatures))
key = SSlibKey.from_crypto(load_pem_public_key(open(sys.argv[2], "rb").read()), keyid=keyid)
accepted = envelope.verify([key], 1)
assert list(accepted) == [keyid]
statement = json.loads(envelope.pae().split(b" ", 4)[4])
print(statement["predicateType"], statement["subject"][0]["digest"]["sha256"])
# The same envelope through in-toto's own model.
InTotoEnvelope.from_dict(raw).verify([key], 1)
"#;
    let run = |pubkey: &str| {
        Command::new(&python)
            .args(["-c", script, &t.path("envelope.json"), &t.path(pubkey)])
            .output()
            .unwrap()
    };
    let out = run("kiln.pub");
    assert!(
        out.status.success(),
        "python: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!(
            "https://cosign.sigstore.dev/attestation/v1 {}",
            t.digest.hex()
        )
    );
    let out = run("other.pub");
    assert!(!out.status.success(), "the other key must not verify");
    assert!(String::from_utf8_lossy(&out.stderr).contains("VerificationError"));
}
