//! Shared fixtures: a small set of real `.deb` files in the three compressions.
#![allow(dead_code, reason = "each test binary uses part of the support module")]

use std::path::Path;

use kiln_build::PackageInput;
use kiln_build::rootfs::Rootfs;
use kiln_test::deb::{DEBIAN_12_OS_RELEASE, DebSpec};

pub const CERT_A: &str = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
pub const CERT_B: &str = "-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----";

/// Seven packages: merged-/usr base-files (gzip), bash (xz), apt (xz), dpkg (zstd), a
/// setuid `su`, ca-certificates, and `hello` with a postinst, docs and a locale.
pub fn specs() -> Vec<DebSpec> {
    vec![
        DebSpec::new("base-files", "12.4+deb12u5", "amd64")
            .file("/usr/lib/os-release", DEBIAN_12_OS_RELEASE.as_bytes())
            .symlink("/etc/os-release", "../usr/lib/os-release")
            .file("/etc/debian_version", b"12.5\n")
            .symlink("/bin", "usr/bin")
            .symlink("/lib", "usr/lib")
            .file("/usr/share/doc/base-files/changelog.gz", b"changes")
            .copyright("base files\n")
            .with_md5sums(),
        DebSpec::new("bash", "5.2.15-2+b7", "amd64")
            .compression("xz")
            .file("/bin/bash", b"\x7fELF bash")
            .mode("/bin/bash", 0o755)
            .symlink("/usr/bin/rbash", "bash")
            .symlink("/usr/bin/sh", "bash")
            .copyright("GPL-3+\n")
            .with_md5sums(),
        DebSpec::new("apt", "2.6.1", "amd64")
            .compression("xz")
            .file("/usr/bin/apt", b"\x7fELF apt")
            .file("/usr/bin/apt-get", b"\x7fELF apt-get")
            .mode("/usr/bin/apt", 0o755)
            .mode("/usr/bin/apt-get", 0o755),
        DebSpec::new("dpkg", "1.21.22", "amd64")
            .compression("zstd")
            .file("/usr/bin/dpkg", b"\x7fELF dpkg")
            .file("/usr/bin/dpkg-deb", b"\x7fELF dpkg-deb")
            .mode("/usr/bin/dpkg", 0o755),
        DebSpec::new("login", "1:4.13+dfsg1-1", "amd64")
            .file("/usr/bin/su", b"\x7fELF su")
            .mode("/usr/bin/su", 0o4755),
        DebSpec::new("ca-certificates", "20230311", "all")
            .compression("zstd")
            .file(
                "/usr/share/ca-certificates/mozilla/B.crt",
                CERT_B.as_bytes(),
            )
            .file(
                "/usr/share/ca-certificates/mozilla/A.crt",
                CERT_A.as_bytes(),
            ),
        DebSpec::new("hello", "2.10-3", "amd64")
            .file("/usr/bin/hello", b"\x7fELF hello")
            .mode("/usr/bin/hello", 0o755)
            .file("/usr/share/man/man1/hello.1.gz", b"man")
            .file("/usr/share/doc/hello/README", b"readme")
            .file("/usr/share/locale/de/LC_MESSAGES/hello.mo", b"mo")
            .file("/DEBIAN/postinst", b"#!/bin/sh\ntouch /postinst-ran\n")
            .mode("/DEBIAN/postinst", 0o755)
            .copyright("GPL-3+\n"),
    ]
}

/// Builds [`specs`] in `work` and returns them as assembly inputs.
pub fn packages(work: &Path) -> Vec<PackageInput> {
    specs()
        .iter()
        .map(|s| PackageInput::new(s.build(work)))
        .collect()
}

pub fn read_str(root: &Rootfs, path: &str) -> String {
    String::from_utf8(
        root.read(path)
            .unwrap_or_else(|| panic!("{path} missing"))
            .to_vec(),
    )
    .unwrap_or_else(|_| panic!("{path} is not UTF-8"))
}
