//! Loading a test repository (`kiln_test::apt::AptRepo`) through the library.

use std::path::Path;
use std::sync::OnceLock;

use kiln_debian::archive::{Archive, LoadError, LoadOptions};
use kiln_debian::cache::Cache;
use kiln_debian::sources::{self, Source};
use kiln_test::apt::AptRepo;

/// The repository as a source with `Signed-By` its binary keyring.
pub fn source(repo: &AptRepo) -> Vec<Source> {
    let keyring = repo.keyring_file(false);
    sources::parse_deb822(&repo.sources_entry("main", &keyring), "test.sources").unwrap()
}

/// Loads `sources` for amd64 with a cache in `cache_dir`.
pub fn load(sources: &[Source], cache_dir: &Path) -> Result<Archive, LoadError> {
    Archive::load(
        sources,
        "amd64",
        &Cache::new(cache_dir),
        &LoadOptions::default(),
    )
}

/// An archive loaded once per test process from the repository `make` builds (gpg and
/// dpkg-deb are the slow part), kept in `cell` with its cache directory.
pub fn load_once(
    cell: &'static OnceLock<(Archive, tempfile::TempDir)>,
    make: impl FnOnce() -> AptRepo,
) -> &'static Archive {
    &cell
        .get_or_init(|| {
            let repo = make();
            let cache = tempfile::tempdir().unwrap();
            let archive = load(&source(&repo), cache.path()).unwrap();
            (archive, cache)
        })
        .0
}
