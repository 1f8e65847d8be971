//! Go build info and cargo-auditable sections in hand-built ELF files, a real Go binary
//! built by the Go toolchain, and Cargo.lock files.

use std::io::Write;

use kiln_test::binaries::go_binary;
use kiln_test::fixture::LayerSpec;
use kiln_types::PackageKind;

use super::{by_purl, depends, elf_with_section, ids};
use crate::lang::cargo::{auditable, lock};
use crate::lang::elf::Elf;
use crate::lang::golang::{build_info, parse_modinfo};
use crate::testfs::inventory;

const MODINFO: &str = "path\texample.com/app/cmd/app\n\
mod\texample.com/app\t(devel)\t\n\
dep\tgithub.com/google/uuid\tv1.3.0\th1:t6JiXgmwXMjEs8VusXIJk2BXHsn+wx8BZdTaoZ5fu7I=\n\
dep\tgolang.org/x/text\tv0.3.7\th1:olpwvP2KacW1ZWvsR7uQhoyTYvKAupfQrRGBFM352Gk=\n\
=>\tgolang.org/x/text\tv0.3.8\th1:nAL+RVCQ9uMn3vJZbV+MRnydTJFPf8qqY42YiA6MrqY=\n\
dep\texample.com/local\tv0.0.0\n=>\t../local\t\n\
build\t-compiler=gc\nbuild\tCGO_ENABLED=0\nbuild\tGOARCH=amd64\nbuild\tGOOS=linux\n";

/// A Go ≥ 1.18 `.go.buildinfo` section: header, then varint-prefixed strings.
fn buildinfo(version: &str, modinfo: &str) -> Vec<u8> {
    let mut b = b"\xff Go buildinf:".to_vec();
    b.push(8);
    b.push(2);
    b.resize(32, 0);
    let sentinel = "0123456789abcdef";
    let wrapped = format!("{sentinel}{modinfo}{sentinel}");
    for s in [version, wrapped.as_str()] {
        let mut n = s.len();
        while n >= 0x80 {
            b.push((n as u8 & 0x7f) | 0x80);
            n >>= 7;
        }
        b.push(n as u8);
        b.extend_from_slice(s.as_bytes());
    }
    b
}

#[test]
fn go_build_info_from_a_hand_built_elf() {
    let elf = elf_with_section(".go.buildinfo", &buildinfo("go1.21.5", MODINFO));
    let parsed = Elf::parse(&elf).unwrap();
    let info = build_info(&parsed).unwrap().unwrap();
    assert_eq!(info.go_version, "go1.21.5");
    assert_eq!(info.path.as_deref(), Some("example.com/app/cmd/app"));
    assert_eq!(info.deps.len(), 3);
    assert_eq!(info.deps[1].replace.as_ref().unwrap().1, "v0.3.8");
    let layer = LayerSpec::new()
        .file("/usr/local/bin/app", &elf, 0o755)
        .file("/usr/local/bin/truncated", &elf[..300], 0o755)
        .file("/usr/local/bin/script", b"#!/bin/sh\necho not elf, long enough to be read as a candidate binary ........................................................................................................................................................................................\n", 0o755);
    let inv = inventory(&[layer]);
    assert_eq!(
        ids(&inv, PackageKind::Go),
        [
            "example.com/app@(devel)",
            "example.com/local@v0.0.0",
            "github.com/google/uuid@v1.3.0",
            "golang.org/x/text@v0.3.8",
            "stdlib@1.21.5",
        ]
    );
    let uuid = by_purl(&inv, "pkg:golang/github.com/google/uuid@v1.3.0");
    assert_eq!(uuid.arch.as_deref(), Some("amd64"));
    assert_eq!(uuid.locations[0].path, "/usr/local/bin/app");
    by_purl(&inv, "pkg:golang/stdlib@1.21.5");
    let main = by_purl(&inv, "pkg:golang/example.com/app@%28devel%29");
    assert!(depends(&inv, main, uuid));
    assert_eq!(
        inv.relationships.len(),
        3,
        "the main module on its three deps"
    );
    assert_eq!(inv.warnings.len(), 1, "{:?}", inv.warnings);
    assert!(inv.warnings[0].contains("/usr/local/bin/truncated"));
}

/// Before Go 1.18 the header holds two pointers to Go string headers (data, length).
#[test]
fn go_build_info_before_1_18() {
    const BASE: u64 = 0x40_0000; // where `elf_with_section` maps the section
    let version = b"go1.16.15";
    let modinfo = format!("0123456789abcdef{MODINFO}0123456789abcdef");
    let mut b = b"\xff Go buildinf:".to_vec();
    b.push(8);
    b.push(0);
    b.resize(16, 0);
    b.extend_from_slice(&(BASE + 32).to_le_bytes());
    b.extend_from_slice(&(BASE + 48).to_le_bytes());
    b.extend_from_slice(&(BASE + 64).to_le_bytes());
    b.extend_from_slice(&(version.len() as u64).to_le_bytes());
    b.extend_from_slice(&(BASE + 64 + version.len() as u64).to_le_bytes());
    b.extend_from_slice(&(modinfo.len() as u64).to_le_bytes());
    b.extend_from_slice(version);
    b.extend_from_slice(modinfo.as_bytes());
    let elf = elf_with_section(".go.buildinfo", &b);
    let info = build_info(&Elf::parse(&elf).unwrap()).unwrap().unwrap();
    assert_eq!(info.go_version, "go1.16.15");
    assert_eq!(info.main.unwrap().path, "example.com/app");
    assert_eq!(info.deps.len(), 3);
    // A pointer outside every section is an error, not a panic.
    let mut bad = b.clone();
    bad[16..24].copy_from_slice(&0xdead_beef_u64.to_le_bytes());
    let elf = elf_with_section(".go.buildinfo", &bad);
    assert!(build_info(&Elf::parse(&elf).unwrap()).is_err());
}

#[test]
fn modinfo_without_sentinels() {
    let info = parse_modinfo(MODINFO);
    assert_eq!(info.main.unwrap().path, "example.com/app");
    assert_eq!(info.settings.len(), 4);
}

/// A tiny module with a locally replaced dependency, built offline by the Go toolchain.
#[test]
fn a_real_go_binary() {
    let dir = tempfile::tempdir().unwrap();
    let (binary, version) = go_binary(dir.path());
    let inv = inventory(&[LayerSpec::new().file("/usr/local/bin/app", &binary, 0o755)]);
    let stdlib = format!("stdlib@{}", version.trim_start_matches("go"));
    assert_eq!(
        ids(&inv, PackageKind::Go),
        [
            "example.com/app@(devel)",
            "example.com/greet@v0.1.0",
            stdlib.as_str()
        ]
    );
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

const AUDIT: &str = r#"{"packages":[
 {"name":"myapp","version":"0.1.0","source":"local","kind":"runtime","dependencies":[1,2],"root":true},
 {"name":"serde","version":"1.0.197","source":"crates.io","dependencies":[3]},
 {"name":"cc","version":"1.0.90","source":"crates.io","kind":"build"},
 {"name":"serde_derive","version":"1.0.197","source":"crates.io","dependencies":[99]}]}"#;

#[test]
fn cargo_auditable_section() {
    let elf = elf_with_section(".dep-v0", &zlib(AUDIT.as_bytes()));
    let bomb = elf_with_section(".dep-v0", &zlib(&vec![b' '; 9 << 20]));
    // A small binary in /usr/bin is not even read (see `binary::MIN_DISTRO_BINARY`).
    let inv = inventory(&[LayerSpec::new()
        .file("/usr/local/bin/myapp", &elf, 0o755)
        .file("/app/bomb", &bomb, 0o755)
        .file("/usr/bin/small", &elf, 0o755)]);
    assert_eq!(
        ids(&inv, PackageKind::Cargo),
        [
            "cc@1.0.90",
            "myapp@0.1.0",
            "serde@1.0.197",
            "serde_derive@1.0.197"
        ]
    );
    let app = by_purl(&inv, "pkg:cargo/myapp@0.1.0");
    let serde = by_purl(&inv, "pkg:cargo/serde@1.0.197");
    let derive = by_purl(&inv, "pkg:cargo/serde_derive@1.0.197");
    assert!(depends(&inv, app, serde));
    assert!(depends(&inv, serde, derive));
    assert_eq!(inv.relationships.len(), 3);
    assert_eq!(inv.warnings.len(), 1, "{:?}", inv.warnings);
    assert!(inv.warnings[0].contains("/app/bomb") && inv.warnings[0].contains("more than"));
    assert!(auditable(b"not zlib").is_err());
}

const CARGO_LOCK: &str = r#"# This file is automatically @generated by Cargo.
# It is not intended for manual editing.
version = 3

[[package]]
name = "itoa"
version = "1.0.10"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "b1a46d1a171d865aa5f83f92695765caa047a9b4cbae2cbf37dbd613a793fd4c"

[[package]]
name = "myapp"
version = "0.1.0"
dependencies = [
 "itoa",
 "syn 2.0.52",
]

[[package]]
name = "syn"
version = "1.0.109"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "syn"
version = "2.0.52"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["itoa"]
"#;

#[test]
fn cargo_lock_v3() {
    let inv = inventory(&[LayerSpec::new()
        .file("/src/myapp/Cargo.lock", CARGO_LOCK.as_bytes(), 0o644)
        .file("/src/bad/Cargo.lock", b"[[package]]\nname \"x\"\n", 0o644)]);
    assert_eq!(
        ids(&inv, PackageKind::Cargo),
        ["itoa@1.0.10", "myapp@0.1.0", "syn@1.0.109", "syn@2.0.52"]
    );
    let app = by_purl(&inv, "pkg:cargo/myapp@0.1.0");
    let syn2 = by_purl(&inv, "pkg:cargo/syn@2.0.52");
    let syn1 = by_purl(&inv, "pkg:cargo/syn@1.0.109");
    assert!(depends(&inv, app, syn2));
    assert!(!depends(&inv, app, syn1));
    assert_eq!(inv.relationships.len(), 3);
    assert_eq!(inv.warnings.len(), 1, "{:?}", inv.warnings);
    assert!(inv.warnings[0].contains("/src/bad/Cargo.lock"));
    assert_eq!(lock(CARGO_LOCK).unwrap()[1].deps, [0, 3]);
}

proptest::proptest! {
    #[test]
    fn elf_and_go_parsers_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
        let mut data = b"\x7fELF\x02\x01\x01".to_vec();
        data.extend_from_slice(&bytes);
        if let Ok(elf) = Elf::parse(&data) {
            let _ = build_info(&elf);
            let _ = elf.section(".dep-v0").map(auditable);
        }
        let _ = Elf::parse(&bytes);
        let _ = auditable(&bytes);
        let _ = lock(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn mutated_buildinfo_never_panics(at in 0usize..200, byte in proptest::num::u8::ANY, cut in 0usize..400) {
        let mut elf = elf_with_section(".go.buildinfo", &buildinfo("go1.21.5", MODINFO));
        if let Some(b) = elf.get_mut(at + 64) {
            *b = byte;
        }
        elf.truncate(elf.len().saturating_sub(cut));
        if let Ok(e) = Elf::parse(&elf) {
            let _ = build_info(&e);
        }
    }
}

/// Large ELF files in the distribution's bin directories: one whose section table names
/// neither build-info section is not kept; one with Go build info, and one with no
/// section table at all (found by the build-info magic), are kept and catalogued. Both
/// capture paths agree: layer tars and a walked directory.
#[test]
fn bin_directories_keep_only_elf_files_that_may_carry_build_info() {
    let pad = |mut data: Vec<u8>| {
        data.resize(600 << 10, 0);
        data
    };
    let with_go = elf_with_section(".go.buildinfo", &pad(buildinfo("go1.21.5", MODINFO)));
    let mut no_sections = with_go.clone();
    no_sections[0x28..0x30].fill(0);
    no_sections[0x3c..0x40].fill(0);
    let plain_c = elf_with_section(".text", &pad(vec![0x90; 64]));
    let files = [
        ("/usr/bin/goapp", &with_go),
        ("/usr/bin/stripped", &no_sections),
        ("/usr/bin/cc1", &plain_c),
    ];
    let catalog = crate::Catalog::default();
    let mut layer = LayerSpec::new();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("usr/bin")).unwrap();
    for (path, bytes) in files {
        layer = layer.file(path, bytes, 0o755);
        std::fs::write(dir.path().join(&path[1..]), bytes).unwrap();
    }
    let from_tar = crate::testfs::merged(&[layer], &catalog);
    let from_dir = catalog.read_dir(dir.path()).unwrap();
    for fs in [&from_tar, &from_dir] {
        assert_eq!(fs.read("/usr/bin/goapp"), Some(with_go.as_slice()));
        assert_eq!(fs.read("/usr/bin/stripped"), Some(no_sections.as_slice()));
        assert_eq!(fs.read("/usr/bin/cc1"), None);
        let inv = catalog.catalog_fs(fs);
        let apps: Vec<_> = inv
            .packages
            .iter()
            .filter(|p| p.name == "example.com/app")
            .flat_map(|p| &p.locations)
            .map(|l| l.path.as_str())
            .collect();
        assert_eq!(apps, ["/usr/bin/goapp", "/usr/bin/stripped"], "{inv:?}");
    }
}
