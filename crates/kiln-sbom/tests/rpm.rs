//! The rpm cataloger on a real rpm database: packages built with `rpmbuild` and
//! installed with Debian's `rpm --root`, which writes the SQLite backend.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on a broken fixture"
)]

use std::path::Path;
use std::process::Command;

use kiln_oci::{Image, OpenOptions, Target};
use kiln_sbom::Catalog;
use kiln_test::fixture::require_tool;
use kiln_types::{License, Platform, RelationshipKind};

const HELLO: &str = "\
Name: kiln-hello
Version: 1.2
Release: 3.el9
Epoch: 1
Summary: A greeting for kiln tests
License: MIT AND (BSD-3-Clause OR GPL-2.0-or-later)
Vendor: Kiln Tests
BuildArch: noarch

%description
A package built by the kiln test suite.

%install
mkdir -p %{buildroot}/usr/share/kiln-hello
echo hello > %{buildroot}/usr/share/kiln-hello/hello.txt
echo bye > %{buildroot}/usr/share/kiln-hello/bye.txt

%files
/usr/share/kiln-hello/hello.txt
/usr/share/kiln-hello/bye.txt
";

const USER: &str = "\
Name: kiln-user
Version: 0.9
Release: 1
Summary: Depends on kiln-hello
License: Apache-2.0
BuildArch: noarch
Requires: kiln-hello

%description
Uses kiln-hello.

%install
mkdir -p %{buildroot}/usr/bin
echo '#!/bin/sh' > %{buildroot}/usr/bin/kiln-user

%files
/usr/bin/kiln-user
";

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn rpmbuild(work: &Path, spec: &str, name: &str) -> std::path::PathBuf {
    let spec_path = work.join(format!("{name}.spec"));
    std::fs::write(&spec_path, spec).unwrap();
    let top = work.join("rpmbuild");
    run(Command::new(require_tool("rpmbuild"))
        .arg("--define")
        .arg(format!("_topdir {}", top.display()))
        .args(["--define", "_build_id_links none", "--quiet", "-bb"])
        .arg(&spec_path));
    let dir = top.join("RPMS/noarch");
    let found = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path());
    found
        .into_iter()
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!("{name}-"))
        })
        .unwrap()
}

#[test]
fn real_sqlite_rpmdb() {
    let rpm = require_tool("rpm");
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(
        root.join("etc/os-release"),
        "NAME=\"Rocky Linux\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.4\"\n",
    )
    .unwrap();
    let hello = rpmbuild(work.path(), HELLO, "kiln-hello");
    let user = rpmbuild(work.path(), USER, "kiln-user");
    let rpm_root = |c: &mut Command| {
        c.arg("--root")
            .arg(&root)
            .args(["--dbpath", "/var/lib/rpm"]);
    };
    let mut init = Command::new(&rpm);
    rpm_root(&mut init);
    run(init.arg("--initdb"));
    let mut install = Command::new(&rpm);
    rpm_root(&mut install);
    run(install
        .args([
            "-i",
            "--nodeps",
            "--ignorearch",
            "--noscripts",
            "--notriggers",
        ])
        .arg(&hello)
        .arg(&user));
    assert!(
        root.join("var/lib/rpm/rpmdb.sqlite").exists(),
        "Debian's rpm writes the sqlite backend"
    );

    let target = Target::parse(&format!("dir:{}", root.display())).unwrap();
    let options = OpenOptions {
        platform: Some(Platform::new("linux", "amd64", None)),
        ..OpenOptions::default()
    };
    let src = target.open(&options).unwrap();
    let image = Image::resolve(src.as_ref(), options.platform.as_ref()).unwrap();
    let inv = Catalog::default()
        .catalog_image(src.as_ref(), &image, "rocky")
        .unwrap();
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

#[test]
fn berkeley_db_is_reported_not_silently_ignored() {
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
        inv.warnings[0].contains("Berkeley DB rpm databases are not read yet"),
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
