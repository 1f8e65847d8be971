//! Fetching and verification against a real signed repository (gpg, apt-ftparchive)
//! served on loopback: the good paths (InRelease; Release + Release.gpg; binary,
//! armored and inline keys) and every way it must fail closed, each error naming the
//! file; the package cache (digest checks, no second download, builds offline).

use crate::support;

use kiln_debian::archive::{Archive, LoadError, LoadOptions};
use kiln_debian::cache::{Cache, CacheError};
use kiln_debian::index::IndexError;
use kiln_debian::release::{ReleaseError, VerifyOptions};
use kiln_debian::sources::{self, SignedBy};
use kiln_debian::transport::FetchError;
use kiln_test::apt::{AptRepo, TestKey};
use kiln_test::deb::DebSpec;

fn small_repo() -> AptRepo {
    let mut repo = AptRepo::new();
    repo.add(
        "main",
        DebSpec::new("hello", "1.0-1", "amd64")
            .source("hello-src (1.0-0.1)")
            .field("Depends", "libc6")
            .file("/usr/bin/hello", b"#!/bin/true\n"),
    );
    repo.add("main", DebSpec::new("libc6", "2.36-9", "amd64"));
    repo.add("main", DebSpec::new("tzdata", "2024a-0", "all"));
    repo
}

fn err_text(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

#[test]
fn loads_a_signed_archive_with_arch_and_all_packages() {
    let repo = small_repo();
    repo.publish();
    let cache = tempfile::tempdir().unwrap();
    let archive = support::load(&support::source(&repo), cache.path()).unwrap();
    let mut names: Vec<_> = archive
        .candidates()
        .iter()
        .map(|c| {
            format!(
                "{} {} {}",
                c.record.name, c.record.version, c.record.architecture
            )
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "hello 1.0-1 amd64",
            "libc6 2.36-9 amd64",
            "tzdata 2024a-0 all"
        ]
    );
    let hello = archive
        .candidates()
        .iter()
        .find(|c| c.record.name == "hello")
        .unwrap();
    assert_eq!(hello.record.source, "hello-src");
    assert_eq!(hello.record.source_version.as_str(), "1.0-0.1");
    assert_eq!(
        hello.url,
        format!("{}/pool/main/hello_1.0-1_amd64.deb", repo.url())
    );
    assert_eq!(hello.suite, "stable");
    assert_eq!(hello.record.depends[0].to_string(), "libc6");
    // The index came by its Release digest, through the cache: Packages.xz preferred.
    let reqs = repo.server().requests();
    assert!(
        reqs.contains(&"/dists/stable/InRelease".to_owned()),
        "{reqs:?}"
    );
    assert!(
        reqs.contains(&"/dists/stable/main/binary-amd64/Packages.xz".to_owned()),
        "{reqs:?}"
    );
    assert!(
        reqs.contains(&"/dists/stable/main/binary-all/Packages.xz".to_owned()),
        "{reqs:?}"
    );
    assert!(!reqs.iter().any(|r| r.ends_with("Release.gpg")), "{reqs:?}");
}

#[test]
fn release_and_detached_signature_with_an_armored_rsa_key() {
    let mut repo = AptRepo::with_key(TestKey::generate("kiln-rsa", "rsa2048"));
    repo.add("main", DebSpec::new("a", "1", "amd64"));
    repo.publish();
    repo.remove_dist_file("InRelease");
    let asc = repo.keyring_file(true);
    let srcs = sources::parse_list(
        &format!(
            "deb [signed-by={}] {} stable main\n",
            asc.display(),
            repo.url()
        ),
        "sources.list",
    )
    .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let archive = support::load(&srcs, cache.path()).unwrap();
    assert_eq!(archive.candidates().len(), 1);
    assert!(
        repo.server()
            .requests()
            .contains(&"/dists/stable/Release.gpg".to_owned())
    );
}

#[test]
fn an_inline_signed_by_key_and_the_default_keyring_verify() {
    let repo = small_repo();
    repo.publish();
    let armored = String::from_utf8(repo.key().export(true)).unwrap();
    let inline: String = armored
        .lines()
        .map(|l| {
            if l.is_empty() {
                " .\n".to_owned()
            } else {
                format!(" {l}\n")
            }
        })
        .collect();
    let text = format!(
        "Types: deb\nURIs: {}\nSuites: stable\nComponents: main\nSigned-By:\n{inline}",
        repo.url()
    );
    let srcs = sources::parse_deb822(&text, "inline.sources").unwrap();
    assert!(matches!(srcs[0].signed_by, Some(SignedBy::Inline(_))));
    let cache = tempfile::tempdir().unwrap();
    assert_eq!(
        support::load(&srcs, cache.path())
            .unwrap()
            .candidates()
            .len(),
        3
    );

    // No Signed-By: the default keyring is used, here a host root holding the key.
    let root = tempfile::tempdir().unwrap();
    let d = root.path().join("etc/apt/trusted.gpg.d");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("test.asc"), repo.key().export(true)).unwrap();
    let plain = sources::parse_list(&format!("deb {} stable main\n", repo.url()), "l").unwrap();
    let opts = LoadOptions {
        host_root: Some(root.path().to_owned()),
        ..LoadOptions::default()
    };
    let a = Archive::load(&plain, "amd64", &Cache::new(cache.path()), &opts).unwrap();
    assert_eq!(a.candidates().len(), 3);
    // An empty host root: nothing verifies.
    let empty = tempfile::tempdir().unwrap();
    let opts = LoadOptions {
        host_root: Some(empty.path().to_owned()),
        ..LoadOptions::default()
    };
    let e = Archive::load(&plain, "amd64", &Cache::new(cache.path()), &opts).unwrap_err();
    assert!(err_text(&e).contains("empty keyring"), "{}", err_text(&e));
}

#[test]
fn a_release_signed_by_another_key_is_refused() {
    let repo = small_repo();
    repo.publish();
    let srcs = support::source(&repo);
    repo.sign(&TestKey::generate("intruder", "ed25519"));
    let cache = tempfile::tempdir().unwrap();
    let e = support::load(&srcs, cache.path()).unwrap_err();
    let text = err_text(&e);
    assert!(
        matches!(e, LoadError::Release(ReleaseError::BadSignature { .. })),
        "{text}"
    );
    assert!(
        text.contains("/dists/stable/InRelease: signature verification failed"),
        "{text}"
    );
    // The detached path refuses it too.
    repo.remove_dist_file("InRelease");
    let e = support::load(&srcs, cache.path()).unwrap_err();
    assert!(err_text(&e).contains("/dists/stable/Release.gpg: signature verification failed"));
}

#[test]
fn tampered_or_unsigned_release_files_are_refused() {
    let repo = small_repo();
    repo.publish();
    let srcs = support::source(&repo);
    let cache = tempfile::tempdir().unwrap();
    repo.tamper_inrelease(|t| t.replacen("Suite: stable", "Suite: stablf", 1));
    let e = support::load(&srcs, cache.path()).unwrap_err();
    assert!(
        matches!(e, LoadError::Release(ReleaseError::BadSignature { .. })),
        "{}",
        err_text(&e)
    );
    assert!(err_text(&e).contains("InRelease"));

    // A Release listing a forged digest, with no signature at all.
    repo.remove_dist_file("InRelease");
    repo.remove_dist_file("Release.gpg");
    let e = support::load(&srcs, cache.path()).unwrap_err();
    assert!(
        matches!(e, LoadError::Release(ReleaseError::Unsigned { .. })),
        "{}",
        err_text(&e)
    );
    assert!(
        err_text(&e).contains("/dists/stable/Release: not signed"),
        "{}",
        err_text(&e)
    );

    // The Release text changed under a valid detached signature.
    repo.publish();
    let rel = repo.dist_dir().join("Release");
    let text = std::fs::read_to_string(&rel).unwrap();
    std::fs::write(&rel, text.replacen("Codename: kiln", "Codename: nlik", 1)).unwrap();
    repo.remove_dist_file("InRelease");
    let e = support::load(&srcs, cache.path()).unwrap_err();
    assert!(
        err_text(&e).contains("Release.gpg: signature verification failed"),
        "{}",
        err_text(&e)
    );
}

#[test]
fn a_tampered_packages_index_is_refused() {
    let repo = small_repo();
    repo.publish();
    let srcs = support::source(&repo);
    repo.rewrite_packages("main", "amd64", |t| {
        t.replace("Depends: libc6", "Depends: libc7")
    });
    let cache = tempfile::tempdir().unwrap();
    let e = support::load(&srcs, cache.path()).unwrap_err();
    let text = err_text(&e);
    // Caught by its digest, or by its size when the compressed form grew.
    assert!(
        matches!(
            e,
            LoadError::Index(IndexError::Cache(
                CacheError::Mismatch { .. } | CacheError::Fetch(FetchError::TooLarge { .. })
            ))
        ),
        "{text}"
    );
    let index = format!(
        "{}/dists/stable/main/binary-amd64/Packages.xz: ",
        repo.url()
    );
    assert!(text.starts_with(&index), "{text}");
    // Nothing of it reached the cache.
    let stored = std::fs::read_dir(cache.path().join("sha256"))
        .unwrap()
        .count();
    assert_eq!(
        stored, 0,
        "only the verified binary-all index may be stored, and it came later"
    );
}

#[test]
fn expired_releases_fail_unless_allowed() {
    let repo = small_repo();
    repo.publish_with("Valid-Until: Sat, 01 Jan 2000 00:00:00 UTC\n");
    let srcs = support::source(&repo);
    let cache = tempfile::tempdir().unwrap();
    let e = support::load(&srcs, cache.path()).unwrap_err();
    assert!(
        matches!(e, LoadError::Release(ReleaseError::Expired { .. })),
        "{}",
        err_text(&e)
    );
    assert!(err_text(&e).contains("InRelease: expired (Valid-Until 2000-01-01"));
    let opts = LoadOptions {
        verify: VerifyOptions {
            allow_expired: true,
            now: None,
        },
        ..LoadOptions::default()
    };
    let a = Archive::load(&srcs, "amd64", &Cache::new(cache.path()), &opts).unwrap();
    assert_eq!(a.candidates().len(), 3);
}

#[test]
fn debs_are_checked_through_the_cache_and_served_from_it_offline() {
    let repo = small_repo();
    repo.publish();
    let cache_dir = tempfile::tempdir().unwrap();
    let cache = Cache::new(cache_dir.path());
    let archive = support::load(&support::source(&repo), cache_dir.path()).unwrap();
    let hello = archive
        .candidates()
        .iter()
        .find(|c| c.record.name == "hello")
        .unwrap()
        .clone();
    let r = &hello.record;

    // A replaced .deb on the mirror: refused, nothing stored.
    let good = std::fs::read(repo.root().join("pool/main/hello_1.0-1_amd64.deb")).unwrap();
    let mut evil = good.clone();
    let last = evil.len() - 1;
    evil[last] ^= 1;
    repo.replace_deb("hello", &evil);
    let e = cache.fetch(&hello.url, &r.sha256, r.size).unwrap_err();
    assert!(matches!(e, CacheError::Mismatch { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("hello_1.0-1_amd64.deb: expected sha256:"),
        "{e}"
    );
    assert!(cache.get(&r.sha256).unwrap().is_none());
    let mut longer = good.clone();
    longer.push(0);
    repo.replace_deb("hello", &longer);
    let e = cache.fetch(&hello.url, &r.sha256, r.size).unwrap_err();
    assert!(e.to_string().contains("larger than"), "{e}");

    // The real one: stored under its digest, then never downloaded again.
    repo.replace_deb("hello", &good);
    let path = cache.fetch(&hello.url, &r.sha256, r.size).unwrap();
    assert_eq!(path, cache_dir.path().join("sha256").join(&r.sha256));
    assert_eq!(std::fs::read(&path).unwrap(), good);
    let before = repo.server().requests().len();
    cache.fetch(&hello.url, &r.sha256, r.size).unwrap();
    assert_eq!(repo.server().requests().len(), before);

    // The mirror drops the file: the cache still has it.
    std::fs::remove_file(repo.root().join("pool/main/hello_1.0-1_amd64.deb")).unwrap();
    assert_eq!(cache.get(&r.sha256).unwrap(), Some(path.clone()));
    assert_eq!(cache.fetch(&hello.url, &r.sha256, r.size).unwrap(), path);

    // A cached file changed on disk is never handed out.
    std::fs::write(&path, &evil).unwrap();
    let e = cache.get(&r.sha256).unwrap_err();
    assert!(matches!(e, CacheError::Corrupt { .. }), "{e}");
    assert!(e.to_string().contains("is corrupt"), "{e}");
    // …and fetch replaces it (here the mirror no longer has it: an error, not bad bytes).
    let e = cache.fetch(&hello.url, &r.sha256, r.size).unwrap_err();
    assert!(e.to_string().contains("not found"), "{e}");
    assert!(cache.get(&r.sha256).unwrap().is_none());
    assert!(matches!(
        cache.get("abc"),
        Err(CacheError::BadDigest { .. })
    ));
}

#[test]
fn a_second_load_reads_indexes_from_the_cache() {
    let repo = small_repo();
    repo.publish();
    let srcs = support::source(&repo);
    let cache = tempfile::tempdir().unwrap();
    support::load(&srcs, cache.path()).unwrap();
    let first = repo.server().requests().len();
    support::load(&srcs, cache.path()).unwrap();
    let again: Vec<String> = repo.server().requests()[first..].to_vec();
    assert_eq!(
        again,
        ["/dists/stable/InRelease"],
        "indexes must come from the cache"
    );
}

#[test]
fn a_release_signed_by_an_expired_key_is_refused() {
    let mut repo = AptRepo::with_key(TestKey::generate_expired("old-archive"));
    repo.add("main", DebSpec::new("a", "1", "amd64"));
    repo.publish();
    let srcs = support::source(&repo);
    let cache = tempfile::tempdir().unwrap();
    let e = support::load(&srcs, cache.path()).unwrap_err();
    let text = err_text(&e);
    assert!(
        text.contains("InRelease: signature verification failed: signed by key"),
        "{text}"
    );
    assert!(
        text.contains("which is expired (since 2020-01-02"),
        "{text}"
    );
    // At a time the key was valid, the same files verify.
    let opts = LoadOptions {
        verify: VerifyOptions {
            allow_expired: false,
            now: Some("2020-01-01T18:00:00Z".parse().unwrap()),
        },
        ..LoadOptions::default()
    };
    let a = Archive::load(&srcs, "amd64", &Cache::new(cache.path()), &opts).unwrap();
    assert_eq!(a.candidates().len(), 1);
}

#[test]
fn acquire_by_hash_is_used_and_falls_back_to_the_plain_path() {
    let repo = small_repo();
    repo.publish_with("Acquire-By-Hash: yes\n");
    let dir = repo.dist_dir().join("main/binary-amd64");
    let xz = std::fs::read(dir.join("Packages.xz")).unwrap();
    let hex = kiln_test::registry::sha256(&xz);
    let hex = hex.trim_start_matches("sha256:");
    std::fs::create_dir_all(dir.join("by-hash/SHA256")).unwrap();
    std::fs::write(dir.join("by-hash/SHA256").join(hex), &xz).unwrap();
    // The plain amd64 index is broken: only the by-hash copy can be used.
    std::fs::write(dir.join("Packages.xz"), b"stale").unwrap();
    let cache = tempfile::tempdir().unwrap();
    let archive = support::load(&support::source(&repo), cache.path()).unwrap();
    assert_eq!(archive.candidates().len(), 3);
    let reqs = repo.server().requests();
    let by_hash = format!("/dists/stable/main/binary-amd64/by-hash/SHA256/{hex}");
    assert!(reqs.contains(&by_hash), "{reqs:?}");
    assert!(
        reqs.contains(&"/dists/stable/main/binary-all/Packages.xz".to_owned()),
        "{reqs:?}"
    );
}

#[test]
fn a_signed_release_of_another_suite_is_refused_and_the_codename_is_accepted() {
    let repo = small_repo();
    repo.publish();
    let keyring = repo.keyring_file(false);
    // The same signed files served as suite "testing": a replay under another name.
    std::os::unix::fs::symlink("stable", repo.root().join("dists/testing")).unwrap();
    std::os::unix::fs::symlink("stable", repo.root().join("dists/kiln")).unwrap();
    let entry = |suite: &str| {
        repo.sources_entry("main", &keyring)
            .replace("Suites: stable", &format!("Suites: {suite}"))
    };
    let cache = tempfile::tempdir().unwrap();
    let srcs = sources::parse_deb822(&entry("testing"), "t.sources").unwrap();
    let e = support::load(&srcs, cache.path()).unwrap_err();
    assert!(
        matches!(e, LoadError::WrongSuite { .. }),
        "{}",
        err_text(&e)
    );
    assert!(
        e.to_string().ends_with(
            "/dists/testing: the signed Release is for suite \"stable\", not \"testing\""
        ),
        "{e}"
    );
    let srcs = sources::parse_deb822(&entry("kiln"), "t.sources").unwrap();
    assert_eq!(
        support::load(&srcs, cache.path())
            .unwrap()
            .candidates()
            .len(),
        3
    );
}
