//! The dpkg cataloger on status files shaped like real ones.

use kiln_test::fixture::LayerSpec;
use kiln_types::{License, Package};

use crate::testfs::{DEBIAN_OS_RELEASE, inventory};

const STATUS: &str = "\
Package: base-files
Essential: yes
Status: install ok installed
Priority: required
Section: admin
Installed-Size: 340
Maintainer: Santiago Vila <sanvila@debian.org>
Architecture: amd64
Multi-Arch: foreign
Version: 12.4+deb12u5
Replaces: base, dpkg (<= 1.15.0), miscutils
Provides: base
Pre-Depends: awk
Breaks: debian-security-support (<< 2019.04.25), initscripts (<< 2.88dsf-13.3)
Conffiles:
 /etc/debian_version 3a5e1d8ae4ad6f8f8cd1b2ad5e6a9a2c
 /etc/host.conf 4eb63731c9f5e30903ac4fc07a7fe3d6
Description: Debian base system miscellaneous files
 This package contains the basic filesystem hierarchy of a Debian system, and
 several important miscellaneous files, such as /etc/debian_version,
 /etc/host.conf, /etc/issue, /etc/motd, /etc/profile, and others,
 and the text of several common licenses in use on Debian systems.

Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 12986
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u7
Depends: libgcc-s1
Description: GNU C Library: Shared libraries
 Contains the standard libraries that are used by nearly all programs on
 the system.
Homepage: https://www.gnu.org/software/libc/libc.html

Package: libnettle8
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Source: nettle (3.8.1-2)
Version: 3.8.1-2+b1
Description: low level cryptographic library (symmetric and one-way cryptos)

Package: oldpkg
Status: deinstall ok config-files
Architecture: all
Version: 1.0-1
Conffiles:
 /etc/oldpkg.conf 0123456789abcdef0123456789abcdef obsolete
Description: removed, configuration kept

Package: halfway
Status: install reinstreq half-installed
Architecture: all
Version: 2.0-1
Description: failed to unpack
";

const ZLIB_COPYRIGHT: &str = "\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: zlib
Source: http://zlib.net/

Files: *
Copyright: 1995-2013 Jean-loup Gailly and Mark Adler
License: Zlib

Files: debian/*
Copyright: 2000-2020 Mark Brown
License: GPL-2+

License: Zlib
 This software is provided 'as-is', without any express or implied
 warranty.
";

fn find<'a>(pkgs: &'a [Package], name: &str) -> &'a Package {
    pkgs.iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("{name} not found"))
}

fn base() -> LayerSpec {
    LayerSpec::new()
        .file("/usr/lib/os-release", DEBIAN_OS_RELEASE.as_bytes(), 0o644)
        .symlink("/etc/os-release", "../usr/lib/os-release")
        .file("/var/lib/dpkg/status", STATUS.as_bytes(), 0o644)
        .file(
            "/var/lib/dpkg/info/base-files.list",
            b"/.\n/etc\n/etc/debian_version\n/etc/host.conf\n",
            0o644,
        )
        .file(
            "/var/lib/dpkg/info/libc6:amd64.list",
            b"/.\n/lib\n/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu/libc.so.6\n",
            0o644,
        )
        .file(
            "/var/lib/dpkg/info/oldpkg.list",
            b"/etc/oldpkg.conf\n",
            0o644,
        )
        .file(
            "/usr/share/doc/base-files/copyright",
            b"This is the Debian prepackaged version of the Debian Base System\n",
            0o644,
        )
        .symlink("/lib", "usr/lib")
        .file("/usr/lib/x86_64-linux-gnu/libc.so.6", b"\x7fELF", 0o755)
}

#[test]
fn status_file_packages_with_source_purl_and_ownership() {
    let inv = inventory(&[base()]);
    let names: Vec<_> = inv
        .packages
        .iter()
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect();
    assert_eq!(
        names,
        [
            "base-files@12.4+deb12u5",
            "libc6@2.36-9+deb12u7",
            "libnettle8@3.8.1-2+b1"
        ]
    );
    let libc = find(&inv.packages, "libc6");
    assert_eq!(
        libc.purl.to_string(),
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u7?arch=amd64&distro=debian-12&upstream=glibc"
    );
    let src = libc.source.as_ref().unwrap();
    assert_eq!(
        (src.name.as_str(), src.version.as_deref()),
        ("glibc", Some("2.36-9+deb12u7"))
    );
    assert_eq!(
        libc.supplier.as_deref(),
        Some("GNU Libc Maintainers <debian-glibc@lists.debian.org>")
    );
    assert_eq!(
        libc.locations[1].path,
        "/var/lib/dpkg/info/libc6:amd64.list"
    );
    assert_eq!(libc.file_count, 1, "directories are not counted");
    let nettle = find(&inv.packages, "libnettle8");
    assert_eq!(
        nettle.source.as_ref().unwrap().version.as_deref(),
        Some("3.8.1-2")
    );
    assert_eq!(nettle.purl.qualifier("upstream"), Some("nettle@3.8.1-2"));
    let base = find(&inv.packages, "base-files");
    assert_eq!(base.purl.qualifier("upstream"), None);
    assert!(
        base.licenses.is_empty(),
        "free-form copyright gives no licence"
    );
    assert!(inv.owned_paths.contains("/etc/host.conf"));
    assert!(inv.owned_paths.contains("/lib/x86_64-linux-gnu/libc.so.6"));
    assert!(
        inv.owned_paths
            .contains("/usr/lib/x86_64-linux-gnu/libc.so.6"),
        "merged /usr resolved"
    );
    assert!(
        !inv.owned_paths.contains("/etc/oldpkg.conf"),
        "removed packages own nothing"
    );
    assert_eq!(
        inv.distro.as_ref().unwrap().version_codename.as_deref(),
        Some("bookworm")
    );
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
}

#[test]
fn status_d_packages_and_layer_attribution() {
    let zlib = "Package: zlib1g\nVersion: 1:1.2.13.dfsg-1\nArchitecture: amd64\n\
                Source: zlib (1:1.2.13.dfsg-1)\nMaintainer: Mark Brown <broonie@debian.org>\n\
                Description: compression library - runtime\n";
    let top = LayerSpec::new()
        .file("/var/lib/dpkg/status.d/zlib1g", zlib.as_bytes(), 0o644)
        .file(
            "/var/lib/dpkg/status.d/zlib1g.md5sums",
            b"0123456789abcdef0123456789abcdef  usr/lib/x86_64-linux-gnu/libz.so.1.2.13\n",
            0o644,
        )
        .file(
            "/usr/share/doc/zlib1g/copyright",
            ZLIB_COPYRIGHT.as_bytes(),
            0o644,
        );
    let inv = inventory(&[base(), top]);
    let z = find(&inv.packages, "zlib1g");
    assert_eq!(z.layer, Some(1));
    assert_eq!(z.locations[0].path, "/var/lib/dpkg/status.d/zlib1g");
    assert_eq!(
        z.purl.to_string(),
        "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib"
    );
    assert_eq!(
        z.licenses,
        [
            License::Expression("Zlib".into()),
            License::Expression("GPL-2.0-or-later".into())
        ]
    );
    assert_eq!(
        z.locations.last().unwrap().path,
        "/usr/share/doc/zlib1g/copyright"
    );
    assert!(
        inv.owned_paths
            .contains("/usr/lib/x86_64-linux-gnu/libz.so.1.2.13")
    );
    assert_eq!(find(&inv.packages, "libc6").layer, Some(0));
    assert_eq!(inv.packages.len(), 4);
}

#[test]
fn upgraded_list_file_moves_the_layer() {
    let top = LayerSpec::new().file("/var/lib/dpkg/info/base-files.list", b"/etc/issue\n", 0o644);
    let inv = inventory(&[base(), top]);
    assert_eq!(find(&inv.packages, "base-files").layer, Some(1));
    assert_eq!(find(&inv.packages, "libc6").layer, Some(0));
}

#[test]
fn garbage_status_gives_warnings_not_failure() {
    let bad = "Package: ok\nVersion: 1\n\nnot a field line\n\nVersion: 2\nArchitecture: all\n\n\u{0}\u{1}binary\n";
    let layer = LayerSpec::new().file("/var/lib/dpkg/status", bad.as_bytes(), 0o644);
    let inv = inventory(&[layer]);
    assert_eq!(inv.packages.len(), 1);
    assert_eq!(inv.packages[0].purl.to_string(), "pkg:deb/debian/ok@1");
    assert!(
        inv.warnings
            .iter()
            .any(|w| w.contains("without Package or Version")),
        "{:?}",
        inv.warnings
    );
    assert!(
        inv.warnings.iter().any(|w| w.contains("malformed lines")),
        "{:?}",
        inv.warnings
    );
}

#[test]
fn source_field_forms() {
    use super::parse_source;
    let s = parse_source(Some("glibc (2.36-9)"), "libc6", "2.36-9+b1");
    assert_eq!(
        (s.name.as_str(), s.version.as_deref()),
        ("glibc", Some("2.36-9"))
    );
    let s = parse_source(Some("glibc"), "libc6", "2.36-9");
    assert_eq!(s.version.as_deref(), Some("2.36-9"));
    let s = parse_source(None, "bash", "5.2.15-2+b2");
    assert_eq!(
        (s.name.as_str(), s.version.as_deref()),
        ("bash", Some("5.2.15-2+b2"))
    );
}
