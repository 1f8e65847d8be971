//! The dpkg cataloger on a root filesystem that dpkg itself installed from `.deb` files
//! built here, read as `dir:` and as a two-layer OCI layout.

use std::collections::BTreeSet;

use kiln_oci::{Image, OpenOptions, Target};
use kiln_sbom::Catalog;
use kiln_test::deb;
use kiln_test::fixture::{Compression, ImageBuilder, LayerSpec};
use kiln_types::{Inventory, License, Platform};

const OS_RELEASE: &str = kiln_test::deb::DEBIAN_12_OS_RELEASE;

fn catalog(target: &str) -> Inventory {
    let target = Target::parse(target).unwrap();
    let options = OpenOptions {
        platform: Some(Platform::new("linux", "amd64", None)),
        ..OpenOptions::default()
    };
    let src = target.open(&options).unwrap();
    let image = Image::resolve(src.as_ref(), options.platform.as_ref()).unwrap();
    Catalog::default()
        .catalog_image(src.as_ref(), &image, &target.to_string())
        .unwrap()
}

fn names(inv: &Inventory) -> BTreeSet<String> {
    inv.packages
        .iter()
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect()
}

#[test]
fn dpkg_installed_root_directory() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    deb::small_debian_root(&root, work.path());
    let status = std::fs::read_to_string(root.join("var/lib/dpkg/status")).unwrap();
    assert!(
        status.contains("Status: deinstall ok config-files"),
        "dpkg kept oldpkg's conffile:\n{status}"
    );
    assert!(root.join("var/lib/dpkg/info/libc6:amd64.list").exists());

    let inv = catalog(&format!("dir:{}", root.display()));
    let want: BTreeSet<String> = [
        "base-files@12.4+deb12u5",
        "bash@5.2.15-2+b7",
        "libc6@2.36-9+deb12u7",
        "libnettle8@3.8.1-2+b1",
        "tzdata@2024a-0+deb12u1",
    ]
    .map(str::to_owned)
    .into();
    assert_eq!(
        names(&inv),
        want,
        "oldpkg (config-files only) must not be listed"
    );
    let get = |n: &str| inv.packages.iter().find(|p| p.name == n).unwrap();
    let libc = get("libc6");
    assert_eq!(
        libc.purl.to_string(),
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u7?arch=amd64&distro=debian-12&upstream=glibc"
    );
    assert_eq!(
        libc.locations[1].path,
        "/var/lib/dpkg/info/libc6:amd64.list"
    );
    assert_eq!(
        libc.licenses,
        [License::Expression("LGPL-2.1-or-later".into())]
    );
    assert_eq!(libc.file_count, 2, "libc.so.6 and the copyright file");
    assert_eq!(
        get("libnettle8").licenses,
        [License::Expression(
            "LGPL-3.0-or-later OR GPL-2.0-or-later".into()
        )]
    );
    assert_eq!(
        get("libnettle8").purl.qualifier("upstream"),
        Some("nettle@3.8.1-2")
    );
    assert_eq!(
        get("tzdata").licenses,
        [License::Raw("public-domain".into())]
    );
    assert_eq!(get("tzdata").arch.as_deref(), Some("all"));
    assert!(get("base-files").licenses.is_empty());
    assert!(inv.owned_paths.contains("/bin/bash"), "as dpkg lists it");
    assert!(
        inv.owned_paths.contains("/usr/bin/bash"),
        "where it really is"
    );
    assert!(!inv.owned_paths.contains("/etc/oldpkg.conf"));
    assert_eq!(inv.distro.as_ref().unwrap().id, "debian");
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
    assert!(inv.packages.iter().all(|p| p.layer == Some(0)));
}

#[test]
fn layer_attribution_across_status_and_status_d() {
    let work = tempfile::tempdir().unwrap();
    let status = "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\n\
                  Source: glibc\nVersion: 2.36-9+deb12u7\nDescription: GNU C Library\n";
    let zlib = "Package: zlib1g\nVersion: 1:1.2.13.dfsg-1\nArchitecture: amd64\n\
                Source: zlib\nDescription: compression library - runtime\n";
    let layout = work.path().join("layout");
    ImageBuilder::new()
        .platform("linux", "amd64")
        .created("2024-05-01T00:00:00Z")
        .layer(
            LayerSpec::new()
                .file("/etc/os-release", OS_RELEASE.as_bytes(), 0o644)
                .file("/var/lib/dpkg/status", status.as_bytes(), 0o644)
                .file(
                    "/var/lib/dpkg/info/libc6:amd64.list",
                    b"/usr/lib/x86_64-linux-gnu/libc.so.6\n",
                    0o644,
                ),
            Compression::Gzip,
        )
        .layer(
            LayerSpec::new()
                .file("/var/lib/dpkg/status.d/zlib1g", zlib.as_bytes(), 0o644)
                .file(
                    "/var/lib/dpkg/status.d/zlib1g.md5sums",
                    b"8d29c5bd6ea4b4e4a2ba9c3f0c8e3c41  usr/lib/x86_64-linux-gnu/libz.so.1.2.13\n",
                    0o644,
                ),
            Compression::Gzip,
        )
        .write_layout(&layout, "test");
    let inv = catalog(&format!("oci:{}:test", layout.display()));
    let layers: Vec<_> = inv
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.layer))
        .collect();
    assert_eq!(layers, [("libc6", Some(0)), ("zlib1g", Some(1))]);
    assert_eq!(inv.source.layers.len(), 2);
    assert_eq!(inv.source.created.as_deref(), Some("2024-05-01T00:00:00Z"));
    assert!(
        inv.owned_paths
            .contains("/usr/lib/x86_64-linux-gnu/libz.so.1.2.13")
    );
}

#[test]
fn depends_and_pre_depends_resolve_to_installed_packages() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/os-release"), OS_RELEASE).unwrap();
    let debs = [
        deb::DebSpec::new("libc6", "2.36-9+deb12u7", "amd64")
            .multi_arch_same()
            .file("/usr/lib/x86_64-linux-gnu/libc.so.6", b"\x7fELF libc"),
        deb::DebSpec::new("mawk", "1.3.4.20200120-3.1", "amd64")
            .field("Pre-Depends", "libc6 (>= 2.34)")
            .field("Provides", "awk")
            .file("/usr/bin/mawk", b"\x7fELF mawk"),
        deb::DebSpec::new("base-files", "12.4+deb12u5", "amd64")
            .field("Pre-Depends", "gawk (>= 5) | awk")
            .file("/etc/debian_version", b"12.5\n"),
        deb::DebSpec::new("bash", "5.2.15-2+b7", "amd64")
            .field("Pre-Depends", "libc6 (>= 2.36)")
            .field(
                "Depends",
                "base-files (>= 2.1.12), debianutils (>= 5.6-0.1)",
            )
            .file("/usr/bin/bash", b"\x7fELF bash"),
        deb::DebSpec::new("app", "1.0-1", "all")
            .field("Depends", "python3:any | bash, libc6:amd64 (>= 2.36), app")
            .file("/usr/share/app/README", b"app\n"),
    ];
    let built: Vec<_> = debs.iter().map(|d| d.build(work.path())).collect();
    deb::install(&root, &built);
    let status = std::fs::read_to_string(root.join("var/lib/dpkg/status")).unwrap();
    assert!(
        status.contains("Pre-Depends: gawk (>= 5) | awk"),
        "{status}"
    );

    let inv = catalog(&format!("dir:{}", root.display()));
    let name = |id: &str| {
        inv.packages
            .iter()
            .find(|p| p.id() == id)
            .unwrap()
            .name
            .clone()
    };
    let edges: BTreeSet<String> = inv
        .relationships
        .iter()
        .map(|r| {
            assert_eq!(r.kind, kiln_types::RelationshipKind::DependsOn);
            format!("{} -> {}", name(&r.from), name(&r.to))
        })
        .collect();
    let want: BTreeSet<String> = [
        "app -> bash",
        "app -> libc6",
        "base-files -> mawk",
        "bash -> base-files",
        "bash -> libc6",
        "mawk -> libc6",
    ]
    .map(str::to_owned)
    .into();
    assert_eq!(
        edges, want,
        "python3 and gawk are not installed (the next alternative wins), awk is provided by \
         mawk, debianutils is missing, a self-dependency is dropped"
    );
}
