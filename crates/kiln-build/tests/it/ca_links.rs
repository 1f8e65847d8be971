//! The links of `/etc/ssl/certs` as kiln writes them, against OpenSSL itself: the
//! subject hash of every CA certificate this machine has (Debian's `ca-certificates`)
//! and of certificates made here with awkward subjects must equal
//! `openssl x509 -subject_hash`, and the hash links kiln makes for a root must be the
//! ones `openssl rehash` makes for a copy of its `/etc/ssl/certs`, collisions and
//! duplicates included.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use kiln_build::rootfs::{Node, NodeKind, Rootfs};
use kiln_build::scripts::{certs, rehash};
use kiln_test::fixture::require_tool;

const HOST_CERTS: &str = "/usr/share/ca-certificates";

/// Every `*.crt` below the host's `/usr/share/ca-certificates`, sorted; at least a
/// hundred, or the machine lacks the package the test needs.
fn host_certificates() -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![PathBuf::from(HOST_CERTS)];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "crt") {
                found.push(path);
            }
        }
    }
    found.sort();
    assert!(
        found.len() >= 100,
        "{HOST_CERTS} holds {} certificates: install Debian's ca-certificates",
        found.len()
    );
    found
}

fn openssl(args: &[&str]) -> String {
    let out = Command::new(require_tool("openssl"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A self-signed certificate for `subject` (UTF-8, `+` joins a multi-valued RDN).
fn make_certificate(dir: &Path, name: &str, subject: &str) -> PathBuf {
    let cert = dir.join(format!("{name}.crt"));
    let key = dir.join(format!("{name}.key"));
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "2",
        "-utf8",
        "-multivalue-rdn",
        "-subj",
        subject,
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        cert.to_str().unwrap(),
    ]);
    cert
}

/// Subjects that exercise the canonical form: case, runs of white space, non-ASCII
/// text, a multi-valued RDN, and two certificates with one subject.
fn awkward_certificates(dir: &Path) -> Vec<PathBuf> {
    [
        ("spaces", "/CN=  Mixed   CASE \t Name  /O=Acme, Inc."),
        ("unicode", "/CN=Ünïcödé Straße ÅB/O=Grüße"),
        ("multi", "/CN=Two Values+OU=In One RDN/C=DE"),
        ("twin-a", "/CN=Same Subject/O=Twins"),
        ("twin-b", "/CN=Same Subject/O=Twins"),
    ]
    .iter()
    .map(|(name, subject)| make_certificate(dir, name, subject))
    .collect()
}

fn kiln_hash(path: &Path) -> u32 {
    let pem = std::fs::read(path).unwrap();
    let der = rehash::single_certificate(&pem)
        .unwrap_or_else(|| panic!("{} is not one PEM certificate", path.display()));
    rehash::certificate_subject_hash(&der)
        .unwrap_or_else(|| panic!("{}: no subject hash", path.display()))
}

#[test]
fn subject_hashes_equal_openssls() {
    let dir = tempfile::tempdir().unwrap();
    let mut certificates = host_certificates();
    certificates.extend(awkward_certificates(dir.path()));
    for cert in &certificates {
        let expected = openssl(&[
            "x509",
            "-noout",
            "-subject_hash",
            "-in",
            cert.to_str().unwrap(),
        ]);
        assert_eq!(
            format!("{:08x}", kiln_hash(cert)),
            expected.trim(),
            "{}",
            cert.display()
        );
    }
}

/// The symlinks of `dir` whose names are hash links, with their targets.
fn hash_links_on_disk(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_symlink())
        .map(|p| {
            let target = std::fs::read_link(&p).unwrap();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                target.to_string_lossy().into_owned(),
            )
        })
        .collect()
}

fn hash_links_in_root(root: &Rootfs) -> BTreeMap<String, String> {
    root.below(rehash::CERTS_DIR)
        .filter_map(|(path, node)| {
            let name = path.rsplit('/').next()?;
            let NodeKind::Symlink(target) = &node.kind else {
                return None;
            };
            (!name.ends_with(".pem")).then(|| (name.to_owned(), target.clone()))
        })
        .collect()
}

#[test]
fn hash_links_equal_openssl_rehash() {
    let dir = tempfile::tempdir().unwrap();
    let made = dir.path().join("made");
    std::fs::create_dir(&made).unwrap();
    let mut root = Rootfs::new();
    for cert in host_certificates() {
        let inside = format!(
            "/usr/share/ca-certificates/{}",
            cert.strip_prefix(HOST_CERTS).unwrap().display()
        );
        root.insert(&inside, Node::file(std::fs::read(&cert).unwrap()))
            .unwrap();
    }
    let awkward = awkward_certificates(&made);
    for cert in &awkward {
        let name = cert.file_name().unwrap().to_string_lossy();
        root.insert(
            &format!("/usr/local/share/ca-certificates/{name}"),
            Node::file(std::fs::read(cert).unwrap()),
        )
        .unwrap();
    }
    // The same certificate twice: one hash link only.
    root.insert(
        "/usr/local/share/ca-certificates/twin-a-again.crt",
        Node::file(std::fs::read(&awkward[3]).unwrap()),
    )
    .unwrap();
    // A stale link from an earlier run goes.
    root.insert("/etc/ssl/certs/00000000.0", Node::symlink("gone.pem"))
        .unwrap();
    let count = certs::write(&mut root).unwrap();
    assert!(count > 100);

    // The same directory on disk, each link made a plain copy, and OpenSSL's rehash.
    let etc = dir.path().join("certs");
    std::fs::create_dir(&etc).unwrap();
    for (path, _) in root.below(rehash::CERTS_DIR) {
        let name = path.rsplit('/').next().unwrap();
        let content = root.read(path).unwrap();
        if name.ends_with(".pem") || name.ends_with(".crt") {
            std::fs::write(etc.join(name), content).unwrap();
        }
    }
    openssl(&["rehash", etc.to_str().unwrap()]);
    let expected = hash_links_on_disk(&etc);
    let ours = hash_links_in_root(&root);
    assert_eq!(ours, expected);

    // The collisions and the duplicate are really there.
    let twin = format!("{:08x}", kiln_hash(&awkward[3]));
    assert_eq!(ours[&format!("{twin}.0")], "twin-a-again.pem");
    assert_eq!(ours[&format!("{twin}.1")], "twin-b.pem");
    assert!(!ours.contains_key(&format!("{twin}.2")));
    assert!(!ours.contains_key("00000000.0"));
    // Every hash link resolves, inside the root, to a certificate.
    for name in ours.keys() {
        let bytes = root.read(&format!("/etc/ssl/certs/{name}")).unwrap();
        assert!(bytes.starts_with(b"-----BEGIN CERTIFICATE-----"), "{name}");
    }
}
