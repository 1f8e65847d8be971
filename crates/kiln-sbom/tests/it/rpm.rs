//! The rpm cataloger on a real rpm database: packages built with `rpmbuild` and
//! installed with Debian's `rpm --root` ([`kiln_test::rpm`]), which writes the SQLite backend (Debian's rpm
//! 4.18 has no writable Berkeley DB or NDB backend). The same header blobs are then
//! stored as a Berkeley DB hash database by libdb's own `db5.3_load` (and read back by
//! rpm's `bdb_ro` backend), and as an NDB `Packages.db` written here to rpm's layout.

use std::path::Path;
use std::process::Command;

use kiln_oci::{Image, OpenOptions, Target};
use kiln_sbom::Catalog;
use kiln_test::fixture::require_tool;
use kiln_test::rpm::rocky_root;
use kiln_types::{License, Platform, RelationshipKind};

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn catalog_dir(root: &Path) -> kiln_types::Inventory {
    let target = Target::parse(&format!("dir:{}", root.display())).unwrap();
    let options = OpenOptions {
        platform: Some(Platform::new("linux", "amd64", None)),
        ..OpenOptions::default()
    };
    let src = target.open(&options).unwrap();
    let image = Image::resolve(src.as_ref(), options.platform.as_ref()).unwrap();
    Catalog::default()
        .catalog_image(src.as_ref(), &image, "rocky")
        .unwrap()
}

#[test]
fn real_sqlite_rpmdb() {
    let work = tempfile::tempdir().unwrap();
    let inv = catalog_dir(&rocky_root(work.path()));
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
    let names: Vec<_> = inv
        .packages
        .iter()
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect();
    assert_eq!(names, ["kiln-hello@1:1.2-3.el9", "kiln-user@0.9-1"]);
    let h = &inv.packages[0];
    assert_eq!(
        h.purl.to_string(),
        "pkg:rpm/rocky/kiln-hello@1.2-3.el9?arch=noarch&distro=rocky-9.4&epoch=1&upstream=kiln-hello-1.2-3.el9.src.rpm"
    );
    assert_eq!(
        h.licenses,
        [License::Expression(
            "MIT AND (BSD-3-Clause OR GPL-2.0-or-later)".into()
        )]
    );
    assert_eq!(
        h.source.as_ref().unwrap().version.as_deref(),
        Some("1.2-3.el9")
    );
    assert_eq!(h.supplier.as_deref(), Some("Kiln Tests"));
    assert_eq!(h.file_count, 2);
    assert_eq!(h.locations[0].path, "/var/lib/rpm/rpmdb.sqlite");
    assert!(inv.owned_paths.contains("/usr/share/kiln-hello/bye.txt"));
    assert!(inv.owned_paths.contains("/usr/bin/kiln-user"));
    let dep = inv
        .relationships
        .iter()
        .find(|r| r.kind == RelationshipKind::DependsOn)
        .unwrap();
    assert_eq!(
        (dep.from.as_str(), dep.to.as_str()),
        (inv.packages[1].id().as_str(), h.id().as_str())
    );
}

/// The `(hnum, blob)` rows of an rpmdb.sqlite, read by Python's sqlite3.
fn sqlite_blobs(db: &Path) -> Vec<(u32, Vec<u8>)> {
    let script = "import sqlite3, sys\n\
rows = sqlite3.connect(sys.argv[1]).execute('SELECT hnum, blob FROM Packages ORDER BY hnum')\n\
print('\\n'.join(f'{h} {bytes(b).hex()}' for h, b in rows))\n";
    let out = Command::new(require_tool("python3"))
        .args(["-c", script])
        .arg(db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (h, hex) = l.split_once(' ').unwrap();
            (h.parse().unwrap(), hex::decode(hex).unwrap())
        })
        .collect()
}

/// A Berkeley DB hash database made by libdb's `db5.3_load`: rpm's layout, 4-byte
/// little-endian package numbers as keys (key 0 holds rpm's next-number counter).
fn write_bdb(path: &Path, blobs: &[(u32, Vec<u8>)]) {
    let mut dump =
        String::from("VERSION=3\nformat=bytevalue\ntype=hash\ndb_pagesize=4096\nHEADER=END\n");
    let next = u32::try_from(blobs.len() + 1).unwrap();
    dump.push_str(&format!(
        " {}\n {}\n",
        hex::encode(0u32.to_le_bytes()),
        hex::encode(next.to_le_bytes())
    ));
    for (h, blob) in blobs {
        dump.push_str(&format!(
            " {}\n {}\n",
            hex::encode(h.to_le_bytes()),
            hex::encode(blob)
        ));
    }
    dump.push_str("DATA=END\n");
    let input = path.with_extension("dump");
    std::fs::write(&input, dump).unwrap();
    run(Command::new(require_tool("db5.3_load"))
        .arg("-f")
        .arg(&input)
        .arg(path));
    std::fs::remove_file(input).unwrap();
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for x in data {
        a = (a + u32::from(*x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// An NDB `Packages.db` as rpm's `rpmpkg.c` lays it out: a 32-byte header (`RpmP`,
/// version 0, generation, slot pages, next index), one 4096-byte page of 16-byte slots
/// (`Slot`, index, block offset, block count), then each blob in 16-byte blocks: head
/// (`BlbS`, index, time, length), data, zero padding, tail (Adler-32, length, `BlbE`).
fn write_ndb(path: &Path, blobs: &[(u32, Vec<u8>)]) {
    let le = |v: usize| u32::try_from(v).unwrap().to_le_bytes();
    let mut file = vec![0u8; 4096];
    file[..4].copy_from_slice(b"RpmP");
    file[8..12].copy_from_slice(&le(1));
    file[12..16].copy_from_slice(&le(1));
    file[16..20].copy_from_slice(&le(blobs.len() + 1));
    for slot in (32..4096).step_by(16) {
        file[slot..slot + 4].copy_from_slice(b"Slot");
    }
    for (i, (index, data)) in blobs.iter().enumerate() {
        let blocks = (16 + data.len() + 12).div_ceil(16);
        let offset = file.len() / 16;
        let mut blob = Vec::new();
        blob.extend_from_slice(b"BlbS");
        blob.extend_from_slice(&index.to_le_bytes());
        blob.extend_from_slice(&le(1_700_000_000));
        blob.extend_from_slice(&le(data.len()));
        blob.extend_from_slice(data);
        blob.resize(blocks * 16 - 12, 0);
        let sum = adler32(&blob);
        blob.extend_from_slice(&sum.to_le_bytes());
        blob.extend_from_slice(&le(data.len()));
        blob.extend_from_slice(b"BlbE");
        file.extend_from_slice(&blob);
        let slot = 32 + 16 * i;
        file[slot + 4..slot + 8].copy_from_slice(&index.to_le_bytes());
        file[slot + 8..slot + 12].copy_from_slice(&le(offset));
        file[slot + 12..slot + 16].copy_from_slice(&le(blocks));
    }
    std::fs::write(path, file).unwrap();
}

/// `name@version purl` of every package, for comparing backends.
fn listing(inv: &kiln_types::Inventory) -> Vec<String> {
    inv.packages
        .iter()
        .map(|p| format!("{}@{} {}", p.name, p.version, p.purl))
        .collect()
}

#[test]
fn berkeley_db_and_ndb_list_what_sqlite_lists() {
    let work = tempfile::tempdir().unwrap();
    let root = rocky_root(work.path());
    let want = listing(&catalog_dir(&root));
    assert_eq!(want.len(), 2);
    let blobs = sqlite_blobs(&root.join("var/lib/rpm/rpmdb.sqlite"));
    std::fs::remove_dir_all(root.join("var/lib/rpm")).unwrap();

    // Berkeley DB, and rpm's own read-only Berkeley DB backend agrees it holds both.
    std::fs::create_dir_all(root.join("var/lib/rpm")).unwrap();
    write_bdb(&root.join("var/lib/rpm/Packages"), &blobs);
    let out = Command::new(require_tool("rpm"))
        .arg("--root")
        .arg(&root)
        .args([
            "--dbpath",
            "/var/lib/rpm",
            "--define",
            "_db_backend bdb_ro",
            "-qa",
        ])
        .output()
        .unwrap();
    let rpm_says = String::from_utf8_lossy(&out.stdout);
    assert!(
        rpm_says.contains("kiln-hello-1.2-3.el9.noarch")
            && rpm_says.contains("kiln-user-0.9-1.noarch"),
        "rpm -qa (bdb_ro): {rpm_says}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let inv = catalog_dir(&root);
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
    assert_eq!(listing(&inv), want);
    assert_eq!(inv.packages[0].locations[0].path, "/var/lib/rpm/Packages");
    assert_eq!(inv.relationships.len(), 1, "kiln-user requires kiln-hello");

    // NDB, where SUSE keeps it.
    std::fs::remove_dir_all(root.join("var/lib/rpm")).unwrap();
    std::fs::create_dir_all(root.join("usr/lib/sysimage/rpm")).unwrap();
    let ndb = root.join("usr/lib/sysimage/rpm/Packages.db");
    write_ndb(&ndb, &blobs);
    let inv = catalog_dir(&root);
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
    assert_eq!(listing(&inv), want);
    assert_eq!(
        inv.packages[0].locations[0].path,
        "/usr/lib/sysimage/rpm/Packages.db"
    );

    // One flipped byte in a blob fails its checksum: a warning, not a silent half list.
    let mut bytes = std::fs::read(&ndb).unwrap();
    bytes[4096 + 40] ^= 0xff;
    std::fs::write(&ndb, bytes).unwrap();
    let inv = catalog_dir(&root);
    assert!(inv.packages.is_empty());
    assert!(
        inv.warnings
            .iter()
            .any(|w| w.contains("bad blob tail or checksum")),
        "{:?}",
        inv.warnings
    );
}

#[test]
fn garbage_berkeley_db_is_a_warning() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path();
    std::fs::create_dir_all(root.join("var/lib/rpm")).unwrap();
    std::fs::write(root.join("var/lib/rpm/Packages"), [0u8; 512]).unwrap();
    let target = Target::parse(&format!("dir:{}", root.display())).unwrap();
    let src = target.open(&OpenOptions::default()).unwrap();
    let image = Image::resolve(src.as_ref(), None).unwrap();
    let inv = Catalog::default()
        .catalog_image(src.as_ref(), &image, "old-centos")
        .unwrap();
    assert!(inv.packages.is_empty());
    assert_eq!(inv.warnings.len(), 1);
    assert!(
        inv.warnings[0].contains("/var/lib/rpm/Packages: not a Berkeley DB hash database"),
        "{:?}",
        inv.warnings
    );
}

#[test]
fn corrupt_rpmdb_is_a_warning() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path();
    std::fs::create_dir_all(root.join("var/lib/rpm")).unwrap();
    std::fs::write(
        root.join("var/lib/rpm/rpmdb.sqlite"),
        b"SQLite format 3\0 but then garbage",
    )
    .unwrap();
    let target = Target::parse(&format!("dir:{}", root.display())).unwrap();
    let src = target.open(&OpenOptions::default()).unwrap();
    let image = Image::resolve(src.as_ref(), None).unwrap();
    let inv = Catalog::default()
        .catalog_image(src.as_ref(), &image, "broken")
        .unwrap();
    assert!(inv.packages.is_empty());
    assert!(
        inv.warnings
            .iter()
            .any(|w| w.starts_with("rpm: /var/lib/rpm/rpmdb.sqlite")),
        "{:?}",
        inv.warnings
    );
}
