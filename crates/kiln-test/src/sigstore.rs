//! Real public Sigstore test vectors: the test assets of the PyPI `pypi-attestations`
//! 0.0.30 sdist (bundles signed on GitHub Actions against the public-good instance and by
//! an e-mail identity against staging), the trusted roots shipped in the PyPI
//! `sigstore` 3.6.1 sdist, and the test fixtures of the PyPI `conda-sigstore` 0.1.5 sdist
//! (public-good bundles carrying RFC 3161 timestamps from the Sigstore timestamp
//! authority, the conda package one attests, and a trusted root with `ctlogs` and
//! `timestampAuthorities`). `scripts/test.sh` fetches the sdists into a cache outside
//! the repository and sets `KILN_SIGSTORE_VECTORS`; none of these files is in the
//! project.

use std::path::PathBuf;

/// The vectors' directory; panics with the way to get it when it is not set up.
pub fn vectors() -> PathBuf {
    let dir = std::env::var_os("KILN_SIGSTORE_VECTORS").expect(
        "KILN_SIGSTORE_VECTORS is not set: run scripts/test.sh, which fetches the public \
         Sigstore test vectors (PyPI sdists of pypi-attestations and sigstore) and sets it",
    );
    let dir = PathBuf::from(dir);
    assert!(
        dir.is_dir(),
        "KILN_SIGSTORE_VECTORS={} is not a directory",
        dir.display()
    );
    dir
}

/// One of `pypi-attestations`' test assets (artifacts and their bundles).
pub fn asset_path(name: &str) -> PathBuf {
    let path = vectors()
        .join("pypi_attestations-0.0.30/test/assets")
        .join(name);
    assert!(path.is_file(), "missing test vector {}", path.display());
    path
}

/// The trusted root of a Sigstore instance (`prod` or `staging`).
pub fn trusted_root_path(instance: &str) -> PathBuf {
    let path = vectors()
        .join("sigstore-3.6.1/sigstore/_store")
        .join(instance)
        .join("trusted_root.json");
    assert!(path.is_file(), "missing test vector {}", path.display());
    path
}

/// Facts about the vectors from their authors' own test suite (`test/test_impl.py` of
/// the sdist): the repository URL the public-good bundle's workflow identity starts
/// with, and the two OIDC issuers. Read, not written here, so the project names no
/// code-hosting host.
#[derive(Debug)]
pub struct Facts {
    pub repository: String,
    pub actions_issuer: String,
    pub oauth_issuer: String,
}

pub fn facts() -> Facts {
    let path = vectors().join("pypi_attestations-0.0.30/test/test_impl.py");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let after = |marker: &str| -> String {
        let start = text
            .find(marker)
            .unwrap_or_else(|| panic!("{} lacks {marker:?}", path.display()))
            + marker.len();
        text[start..]
            .split('"')
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let ending = |suffix: &str| -> String {
        let end = text
            .find(&format!("{suffix}\""))
            .unwrap_or_else(|| panic!("{} lacks {suffix:?}", path.display()))
            + suffix.len();
        let start = text[..end].rfind('"').map_or(0, |i| i + 1);
        text[start..end].to_owned()
    };
    Facts {
        repository: ending("/trailofbits/pypi-attestation-models"),
        actions_issuer: after("OIDCIssuerV2(\""),
        oauth_issuer: after("identity=\"william@yossarian.net\", issuer=\""),
    }
}

/// The workflow identity of the public-good bundle's certificate.
pub fn prod_identity() -> String {
    format!(
        "{}/.github/workflows/release.yml@refs/tags/v0.0.4a2",
        facts().repository
    )
}

/// One of `conda-sigstore`'s test fixtures (`tests/fixtures/<name>`).
pub fn conda_fixture_path(name: &str) -> PathBuf {
    let path = vectors()
        .join("conda_sigstore-0.1.5/tests/fixtures")
        .join(name);
    assert!(path.is_file(), "missing test vector {}", path.display());
    path
}

/// A conda package, its bundle (with an RFC 3161 timestamp), the trusted root it
/// verifies against and the signer the fixture's manifest records.
#[derive(Debug)]
pub struct TimestampedVector {
    pub artifact: Vec<u8>,
    /// The bundle JSON (the first of the sidecar's list).
    pub bundle: Vec<u8>,
    pub trusted_root: PathBuf,
    pub identity: String,
    pub issuer: String,
}

fn read(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The first bundle of a CEP 27 sidecar (a JSON list of bundles), as JSON bytes.
pub fn first_bundle_of_sidecar(path: &std::path::Path) -> Vec<u8> {
    let list: serde_json::Value =
        serde_json::from_slice(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let first = list
        .get(0)
        .unwrap_or_else(|| panic!("{} holds no bundle", path.display()));
    serde_json::to_vec(first).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The rattler fixture: a package built and attested on GitHub Actions against the
/// public-good instance, with a Sigstore timestamp authority timestamp.
pub fn timestamped() -> TimestampedVector {
    let manifest_path = conda_fixture_path("rattler/manifest.json");
    let manifest: serde_json::Value = serde_json::from_slice(&read(&manifest_path))
        .unwrap_or_else(|e| panic!("{}: {e}", manifest_path.display()));
    let field = |name: &str| -> String {
        manifest[name]
            .as_str()
            .unwrap_or_else(|| panic!("{} lacks {name}", manifest_path.display()))
            .to_owned()
    };
    TimestampedVector {
        artifact: read(&conda_fixture_path(&format!(
            "rattler/{}",
            field("package_filename")
        ))),
        bundle: first_bundle_of_sidecar(&conda_fixture_path(&format!(
            "rattler/{}",
            field("sidecar_filename")
        ))),
        trusted_root: conda_fixture_path(&format!("rattler/{}", field("trusted_root_filename"))),
        identity: field("identity"),
        issuer: field("issuer"),
    }
}
