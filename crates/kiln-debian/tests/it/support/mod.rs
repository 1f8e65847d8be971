//! Loading a test repository (`kiln_test::apt::AptRepo`) through the library.

use std::path::Path;

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
