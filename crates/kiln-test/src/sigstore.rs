//! Real public Sigstore test vectors: the test assets of the PyPI `pypi-attestations`
//! 0.0.30 sdist (bundles signed on GitHub Actions against the public-good instance and by
//! an e-mail identity against staging) and the trusted roots shipped in the PyPI
//! `sigstore` 3.6.1 sdist. `scripts/test.sh` fetches both sdists into a cache outside the
//! repository and sets `KILN_SIGSTORE_VECTORS`; none of these files is in the project.

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
