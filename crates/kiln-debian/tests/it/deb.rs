//! The `.deb` reader over real packages built by dpkg-deb in every compression it
//! writes, and over damaged and hostile ones: errors, never panics, never unbounded.

use std::io::Read;

use kiln_debian::deb::{Compression, Deb, DebError, Limits};
use kiln_test::deb::DebSpec;
use proptest::prelude::*;

fn spec(compression: &str) -> DebSpec {
    DebSpec::new("hello", "1:2.10-3", "amd64")
        .compression(compression)
        .source("hello-src (2.10-2)")
        .field("Depends", "libc6 (>= 2.34)")
        .file("/usr/bin/hello", b"\x7fELF hello")
        .mode("/usr/bin/hello", 0o755)
        .file("/etc/hello.conf", b"greeting=hi\n")
        .symlink("/usr/bin/hi", "hello")
        .file("/DEBIAN/postinst", b"#!/bin/sh\nexit 0\n")
        .mode("/DEBIAN/postinst", 0o755)
        .with_md5sums()
}

fn build(compression: &str) -> Vec<u8> {
    let work = tempfile::tempdir().unwrap();
    std::fs::read(spec(compression).build(work.path())).unwrap()
}

/// Every data entry as (name, kind, mode, content).
fn data_entries(bytes: &[u8]) -> Vec<(String, char, u32, Vec<u8>)> {
    let deb = Deb::open(bytes, Limits::default()).unwrap();
    let (_, data) = deb.into_parts().unwrap();
    let mut archive = tar::Archive::new(data);
    let mut out = Vec::new();
    for e in archive.entries().unwrap() {
        let mut e = e.unwrap();
        let name = String::from_utf8_lossy(&e.path_bytes()).into_owned();
        let kind = match e.header().entry_type() {
            tar::EntryType::Directory => 'd',
            tar::EntryType::Symlink => 'l',
            _ => 'f',
        };
        let mode = e.header().mode().unwrap();
        let mut content = Vec::new();
        e.read_to_end(&mut content).unwrap();
        out.push((name, kind, mode, content));
    }
    out
}

#[test]
fn reads_control_and_data_in_every_compression() {
    for (z, expected) in [
        ("gzip", Compression::Gzip),
        ("xz", Compression::Xz),
        ("zstd", Compression::Zstd),
        ("none", Compression::None),
    ] {
        let bytes = build(z);
        let deb = Deb::open(bytes.as_slice(), Limits::default()).unwrap();
        assert_eq!(deb.data_compression(), expected, "{z}");
        let c = deb.control();
        assert_eq!(c.package(), Some("hello"));
        assert_eq!(c.version(), Some("1:2.10-3"));
        assert_eq!(c.architecture(), Some("amd64"));
        assert_eq!(c.paragraph.get("Depends"), Some("libc6 (>= 2.34)"));
        assert_eq!(c.conffiles, ["/etc/hello.conf"]);
        assert_eq!(c.scripts, ["postinst"]);
        let md5: Vec<&str> = c.md5sums.iter().map(|m| m.path.as_str()).collect();
        assert_eq!(md5, ["etc/hello.conf", "usr/bin/hello"], "{z}");
        // md5 of "greeting=hi\n"
        assert_eq!(c.md5sums[0].md5.len(), 32);

        let entries = data_entries(&bytes);
        let hello = entries.iter().find(|e| e.0 == "./usr/bin/hello").unwrap();
        assert_eq!(
            (hello.1, hello.2 & 0o7777, hello.3.as_slice()),
            ('f', 0o755, &b"\x7fELF hello"[..])
        );
        assert!(
            entries.iter().any(|e| e.0 == "./usr/bin/hi" && e.1 == 'l'),
            "{z}"
        );
    }
}

#[test]
fn damaged_packages_are_named_errors() {
    let good = build("xz");
    let open = |b: &[u8]| Deb::open(b, Limits::default()).map(|_| ()).unwrap_err();
    assert!(matches!(
        open(b"not a deb at all"),
        DebError::NotADeb { .. }
    ));
    assert!(matches!(open(&good[..8]), DebError::NotADeb { .. }));
    assert!(
        open(&good[..200]).to_string().contains("control.tar.xz"),
        "{}",
        open(&good[..200])
    );
    let mut wrong_first = good.clone();
    wrong_first[8..21].copy_from_slice(b"evil-binary  ");
    assert!(open(&wrong_first).to_string().contains("not debian-binary"));
    let mut v3 = good.clone();
    let at = good.windows(4).position(|w| w == b"2.0\n").unwrap();
    v3[at] = b'3';
    assert!(open(&v3).to_string().contains("format version"));

    // Limits hold: a tiny data limit stops the stream with an error, not a panic.
    let deb = Deb::open(
        good.as_slice(),
        Limits {
            max_control: 1 << 20,
            max_data: 100,
        },
    )
    .unwrap();
    let (_, data) = deb.into_parts().unwrap();
    let mut sink = Vec::new();
    let err = tar::Archive::new(data)
        .entries()
        .and_then(|es| {
            es.map(|e| e.and_then(|mut e| e.read_to_end(&mut sink)))
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap_err();
    assert!(err.to_string().contains("larger than the limit"), "{err}");
    let tiny = Limits {
        max_control: 10,
        max_data: 1 << 20,
    };
    let e = Deb::open(good.as_slice(), tiny).map(|_| ()).unwrap_err();
    assert!(matches!(e, DebError::TooLarge { .. }), "{e}");
}

#[test]
fn unsupported_compression_is_named() {
    let mut good = build("gzip");
    let at = good
        .windows(14)
        .position(|w| w == b"data.tar.gz   ")
        .unwrap();
    good[at..at + 14].copy_from_slice(b"data.tar.bz2  ");
    let e = Deb::open(good.as_slice(), Limits::default())
        .map(|_| ())
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "data.tar.bz2: compression \"bz2\" is not supported"
    );
}

/// Reads everything a consumer would: control, then every data entry's content.
fn consume(bytes: &[u8]) {
    let limits = Limits {
        max_control: 1 << 20,
        max_data: 1 << 22,
    };
    let Ok(deb) = Deb::open(bytes, limits) else {
        return;
    };
    let Ok((_, data)) = deb.into_parts() else {
        return;
    };
    let mut archive = tar::Archive::new(data);
    let Ok(entries) = archive.entries() else {
        return;
    };
    for e in entries {
        let Ok(mut e) = e else { return };
        let mut sink = Vec::new();
        if e.read_to_end(&mut sink).is_err() {
            return;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut with_magic = b"!<arch>\ndebian-binary   ".to_vec();
        with_magic.extend_from_slice(&bytes);
        consume(&bytes);
        consume(&with_magic);
    }

    #[test]
    fn mutated_packages_never_panic(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
        z in prop::sample::select(vec!["gzip", "xz", "zstd"]),
    ) {
        let mut bytes = deb_bytes(z).clone();
        for (i, b) in flips {
            let at = i.index(bytes.len());
            bytes[at] = b;
        }
        consume(&bytes);
        let cut = cut.index(bytes.len());
        consume(&bytes[..cut]);
    }
}

fn deb_bytes(z: &str) -> &'static Vec<u8> {
    use std::sync::OnceLock;
    static GZ: OnceLock<Vec<u8>> = OnceLock::new();
    static XZ: OnceLock<Vec<u8>> = OnceLock::new();
    static ZST: OnceLock<Vec<u8>> = OnceLock::new();
    match z {
        "gzip" => GZ.get_or_init(|| build("gzip")),
        "xz" => XZ.get_or_init(|| build("xz")),
        _ => ZST.get_or_init(|| build("zstd")),
    }
}
