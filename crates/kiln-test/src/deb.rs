//! Real Debian packages made in tests: `.deb` files built with `dpkg-deb --build` from a
//! spec, installed into a root directory with `dpkg --root`, so the status file, the
//! `info/*.list` files and the copyright files are the ones dpkg itself writes.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::fixture::require_tool;

/// One binary package to build.
#[derive(Debug, Clone)]
pub struct DebSpec {
    pub name: String,
    pub version: String,
    /// `amd64`, `all`, …
    pub arch: String,
    /// The `Source:` field, e.g. `glibc` or `nettle (3.8.1-2)`.
    pub source: Option<String>,
    /// `Multi-Arch: same` (dpkg then names the file list `<name>:<arch>.list`).
    pub multi_arch_same: bool,
    /// Files as (absolute path, content); those under `/etc` are conffiles.
    pub files: Vec<(String, Vec<u8>)>,
    /// `/usr/share/doc/<name>/copyright` content.
    pub copyright: Option<String>,
    /// Further control fields in order, e.g. (`Depends`, `libc6 (>= 2.36)`).
    pub fields: Vec<(String, String)>,
    /// `dpkg-deb -Z`: `gzip` (the default), `xz`, `zstd` or `none`.
    pub compression: String,
    /// Modes set on paths after they are written, e.g. (`/usr/bin/x`, `0o4755`).
    pub modes: Vec<(String, u32)>,
    /// Symlinks as (absolute path, target as stored).
    pub symlinks: Vec<(String, String)>,
    /// Ship `DEBIAN/md5sums` of the regular files, as `dh_md5sums` would.
    pub md5sums: bool,
}

impl DebSpec {
    pub fn new(name: &str, version: &str, arch: &str) -> DebSpec {
        DebSpec {
            name: name.to_owned(),
            version: version.to_owned(),
            arch: arch.to_owned(),
            source: None,
            multi_arch_same: false,
            files: Vec::new(),
            copyright: None,
            fields: Vec::new(),
            compression: "gzip".to_owned(),
            modes: Vec::new(),
            symlinks: Vec::new(),
            md5sums: false,
        }
    }

    /// Ships `DEBIAN/md5sums`, made with `md5sum` over the package's regular files.
    pub fn with_md5sums(mut self) -> DebSpec {
        self.md5sums = true;
        self
    }

    /// Compresses the members with `dpkg-deb -Z<compression>` (`xz`, `zstd`, `none`).
    pub fn compression(mut self, compression: &str) -> DebSpec {
        self.compression = compression.to_owned();
        self
    }

    /// Sets `path`'s mode (setuid and setgid bits included) before building.
    pub fn mode(mut self, path: &str, mode: u32) -> DebSpec {
        self.modes.push((path.to_owned(), mode));
        self
    }

    /// Adds a symlink at `path` pointing to `target`.
    pub fn symlink(mut self, path: &str, target: &str) -> DebSpec {
        self.symlinks.push((path.to_owned(), target.to_owned()));
        self
    }

    /// Adds a control field such as `Depends`, `Pre-Depends`, `Provides` or `Essential`.
    pub fn field(mut self, name: &str, value: &str) -> DebSpec {
        self.fields.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn source(mut self, source: &str) -> DebSpec {
        self.source = Some(source.to_owned());
        self
    }

    pub fn multi_arch_same(mut self) -> DebSpec {
        self.multi_arch_same = true;
        self
    }

    pub fn file(mut self, path: &str, data: &[u8]) -> DebSpec {
        self.files.push((path.to_owned(), data.to_vec()));
        self
    }

    pub fn copyright(mut self, text: &str) -> DebSpec {
        self.copyright = Some(text.to_owned());
        self
    }

    /// Builds `<work>/<name>_<version>_<arch>.deb` with `dpkg-deb --build`.
    pub fn build(&self, work: &Path) -> PathBuf {
        let tree = work.join(format!("{}-tree", self.name));
        let debian = tree.join("DEBIAN");
        std::fs::create_dir_all(&debian).expect("creating DEBIAN");
        let mut control = format!(
            "Package: {}\nVersion: {}\nArchitecture: {}\nMaintainer: Kiln Tests <tests@kiln.invalid>\n",
            self.name, self.version, self.arch
        );
        if let Some(s) = &self.source {
            control.push_str(&format!("Source: {s}\n"));
        }
        if self.multi_arch_same {
            control.push_str("Multi-Arch: same\n");
        }
        for (name, value) in &self.fields {
            control.push_str(&format!("{name}: {value}\n"));
        }
        control.push_str(&format!(
            "Description: {} for kiln tests\n A package built by the test suite.\n .\n Second paragraph.\n",
            self.name
        ));
        std::fs::write(debian.join("control"), control).expect("writing control");
        let conffiles: String = self
            .files
            .iter()
            .filter(|(p, _)| p.starts_with("/etc/"))
            .map(|(p, _)| format!("{p}\n"))
            .collect();
        if !conffiles.is_empty() {
            std::fs::write(debian.join("conffiles"), conffiles).expect("writing conffiles");
        }
        let mut files = self.files.clone();
        if let Some(c) = &self.copyright {
            files.push((
                format!("/usr/share/doc/{}/copyright", self.name),
                c.clone().into_bytes(),
            ));
        }
        for (path, data) in &files {
            let p = tree.join(path.trim_start_matches('/'));
            std::fs::create_dir_all(p.parent().expect("file has a parent")).expect("mkdir");
            std::fs::write(&p, data).expect("writing package file");
        }
        for (path, target) in &self.symlinks {
            let p = tree.join(path.trim_start_matches('/'));
            std::fs::create_dir_all(p.parent().expect("link has a parent")).expect("mkdir");
            std::os::unix::fs::symlink(target, &p).expect("writing package symlink");
        }
        if self.md5sums {
            let mut regular: Vec<String> = files
                .iter()
                .map(|(p, _)| p.trim_start_matches('/').to_owned())
                .filter(|p| !p.starts_with("DEBIAN/"))
                .collect();
            regular.sort();
            let out = Command::new(require_tool("md5sum"))
                .args(&regular)
                .current_dir(&tree)
                .output()
                .expect("running md5sum");
            assert!(out.status.success(), "md5sum failed");
            std::fs::write(debian.join("md5sums"), out.stdout).expect("writing md5sums");
        }
        for (path, mode) in &self.modes {
            use std::os::unix::fs::PermissionsExt as _;
            let p = tree.join(path.trim_start_matches('/'));
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(*mode))
                .expect("setting a package file's mode");
        }
        let out = work.join(format!(
            "{}_{}_{}.deb",
            self.name,
            self.version.replace(':', "%3a"),
            self.arch
        ));
        let status = Command::new(require_tool("dpkg-deb"))
            .arg("--root-owner-group")
            .arg(format!("-Z{}", self.compression))
            .arg("--build")
            .arg(&tree)
            .arg(&out)
            .output()
            .expect("running dpkg-deb");
        assert!(
            status.status.success(),
            "dpkg-deb --build failed: {}",
            String::from_utf8_lossy(&status.stderr)
        );
        out
    }
}

/// Installs `debs` into `root` with `dpkg --root` (forcing past checks that need a full
/// system: maintainer scripts, PATH, dependencies). `root` gets an empty dpkg database
/// first if it has none.
pub fn install(root: &Path, debs: &[PathBuf]) {
    let admin = root.join("var/lib/dpkg");
    std::fs::create_dir_all(admin.join("info")).expect("creating dpkg admin dir");
    std::fs::create_dir_all(admin.join("updates")).expect("creating dpkg admin dir");
    if !admin.join("status").exists() {
        std::fs::write(admin.join("status"), b"").expect("creating status");
    }
    let out = Command::new(require_tool("dpkg"))
        .arg(format!("--root={}", root.display()))
        .args(["--force-all", "--log=/dev/null", "--no-triggers", "-i"])
        .args(debs)
        .output()
        .expect("running dpkg");
    assert!(
        out.status.success(),
        "dpkg -i failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Removes `package` with `dpkg --root -r`, leaving its configuration (status becomes
/// `deinstall ok config-files` when it had conffiles).
pub fn remove(root: &Path, package: &str) {
    let out = Command::new(require_tool("dpkg"))
        .arg(format!("--root={}", root.display()))
        .args([
            "--force-all",
            "--log=/dev/null",
            "--no-triggers",
            "-r",
            package,
        ])
        .output()
        .expect("running dpkg");
    assert!(
        out.status.success(),
        "dpkg -r failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// os-release of Debian 12.
pub const DEBIAN_12_OS_RELEASE: &str = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n\
VERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n";

fn dep5(license: &str) -> String {
    format!(
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\
         Upstream-Name: x\n\nFiles: *\nCopyright: 2000 Someone\nLicense: {license}\n\n\
         License: {license}\n The text.\n"
    )
}

/// A small Debian root in `root` (packages built in `work`): merged `/usr`, five
/// installed packages (two Multi-Arch: same, two with a `Source:`, DEP-5 and free-form
/// copyright files) and `oldpkg` removed with its conffile kept (`config-files`).
pub fn small_debian_root(root: &Path, work: &Path) {
    std::fs::create_dir_all(root.join("usr/bin")).expect("building the Debian root");
    std::fs::create_dir_all(root.join("usr/lib")).expect("building the Debian root");
    std::os::unix::fs::symlink("usr/bin", root.join("bin")).expect("building the Debian root");
    std::os::unix::fs::symlink("usr/lib", root.join("lib")).expect("building the Debian root");
    std::fs::create_dir_all(root.join("etc")).expect("building the Debian root");
    std::os::unix::fs::symlink("../usr/lib/os-release", root.join("etc/os-release"))
        .expect("building the Debian root");
    let debs = [
        DebSpec::new("base-files", "12.4+deb12u5", "amd64")
            .file("/usr/lib/os-release", DEBIAN_12_OS_RELEASE.as_bytes())
            .file("/etc/debian_version", b"12.5\n")
            .copyright("This is the Debian prepackaged version of the Debian Base System.\n"),
        DebSpec::new("libc6", "2.36-9+deb12u7", "amd64")
            .source("glibc")
            .multi_arch_same()
            .file("/usr/lib/x86_64-linux-gnu/libc.so.6", b"\x7fELF libc")
            .copyright(&dep5("LGPL-2.1+")),
        DebSpec::new("libnettle8", "3.8.1-2+b1", "amd64")
            .source("nettle (3.8.1-2)")
            .multi_arch_same()
            .file(
                "/usr/lib/x86_64-linux-gnu/libnettle.so.8",
                b"\x7fELF nettle",
            )
            .copyright(&dep5("LGPL-3+ or GPL-2+")),
        DebSpec::new("bash", "5.2.15-2+b7", "amd64")
            .file("/bin/bash", b"\x7fELF bash")
            .file("/etc/bash.bashrc", b"# bashrc\n")
            .copyright(&dep5("GPL-3+")),
        DebSpec::new("tzdata", "2024a-0+deb12u1", "all")
            .file("/usr/share/zoneinfo/UTC", b"TZif2")
            .copyright(&dep5("public-domain")),
        DebSpec::new("oldpkg", "1.0-1", "all").file("/etc/oldpkg.conf", b"x=1\n"),
    ];
    let built: Vec<_> = debs.iter().map(|d| d.build(work)).collect();
    install(root, &built);
    remove(root, "oldpkg");
}
