//! Runtime hardening: no shell, no package manager, no setuid/setgid bits, and no docs,
//! man pages or locales unless asked for. Every removal is reported. The dev variant
//! keeps shells, package managers and setuid bits; docs and locales follow the flags for
//! both variants. Copyright files always stay (licence compliance, SBOM licences).

use kiln_oci::fs::path;

use crate::input::Variant;
use crate::rootfs::{NodeKind, Rootfs};

/// The directories a shell or package manager counts in.
pub const BIN_DIRS: [&str; 6] = [
    "/bin",
    "/sbin",
    "/usr/bin",
    "/usr/sbin",
    "/usr/local/bin",
    "/usr/local/sbin",
];

const SHELLS: [&str; 15] = [
    "sh", "bash", "rbash", "dash", "ash", "busybox", "zsh", "ksh", "ksh93", "mksh", "csh", "tcsh",
    "fish", "posh", "yash",
];

const PACKAGE_MANAGERS: [&str; 8] = [
    "apt", "aptitude", "dpkg", "apk", "rpm", "yum", "dnf", "microdnf",
];

const DOC_DIRS: [&str; 4] = [
    "/usr/share/doc",
    "/usr/share/man",
    "/usr/share/info",
    "/usr/share/doc-base",
];
const LOCALE_DIRS: [&str; 2] = ["/usr/share/locale", "/usr/share/i18n"];
/// Kept inside the locale directories: glibc reads it for every locale lookup.
const LOCALE_KEEP: &str = "/usr/share/locale/locale.alias";

/// Whether `name` is a shell's file name.
pub fn is_shell(name: &str) -> bool {
    SHELLS.contains(&name)
}

/// Whether `name` is a package manager's file name (`apt-get`, `dpkg-deb`, …).
pub fn is_package_manager(name: &str) -> bool {
    PACKAGE_MANAGERS.contains(&name) || name.starts_with("apt-") || name.starts_with("dpkg-")
}

/// Whether `path` is directly inside one of [`BIN_DIRS`].
pub fn in_bin_dir(path: &str) -> bool {
    BIN_DIRS.contains(&path::parent(path))
}

/// What hardening removed or changed, each list sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HardeningReport {
    /// Shell binaries removed (`/usr/bin/bash`, `/bin/sh`, …) and links to them.
    pub shells: Vec<String>,
    /// Package-manager binaries removed (`apt`, `apt-get`, `dpkg`, …).
    pub package_managers: Vec<String>,
    /// Files whose setuid/setgid bits were cleared.
    pub setuid_cleared: Vec<String>,
    /// How many doc, man and info paths went, and their bytes.
    pub docs_removed: usize,
    pub docs_bytes: u64,
    /// How many locale paths went, and their bytes.
    pub locales_removed: usize,
    pub locales_bytes: u64,
}

/// Options of [`harden`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HardeningOptions {
    pub variant: Variant,
    pub keep_docs: bool,
    pub keep_locales: bool,
}

/// Hardens `root` in place.
pub fn harden(root: &mut Rootfs, options: HardeningOptions) -> HardeningReport {
    let mut report = HardeningReport::default();
    if options.variant == Variant::Runtime {
        report.shells = remove_named(root, is_shell);
        report.package_managers = remove_named(root, is_package_manager);
        for (p, node) in root.iter_mut() {
            if matches!(node.kind, NodeKind::File(_)) && node.mode & 0o6000 != 0 {
                node.mode &= !0o6000;
                report.setuid_cleared.push(p.to_owned());
            }
        }
    }
    if !options.keep_docs {
        (report.docs_removed, report.docs_bytes) =
            strip(root, &DOC_DIRS, |p| path::file_name(p) == "copyright");
    }
    if !options.keep_locales {
        (report.locales_removed, report.locales_bytes) =
            strip(root, &LOCALE_DIRS, |p| p == LOCALE_KEEP);
    }
    tracing::debug!(
        shells = report.shells.len(),
        package_managers = report.package_managers.len(),
        setuid = report.setuid_cleared.len(),
        docs = report.docs_removed,
        locales = report.locales_removed,
        "hardened"
    );
    report
}

/// Removes non-directories in the bin directories whose name `matches`, then every
/// symlink anywhere that led to one of them (busybox applets, alternatives).
fn remove_named(root: &mut Rootfs, matches: fn(&str) -> bool) -> Vec<String> {
    let doomed: Vec<String> = root
        .iter()
        .filter(|(p, n)| !n.is_dir() && in_bin_dir(p) && matches(path::file_name(p)))
        .map(|(p, _)| p.to_owned())
        .collect();
    let resolved: Vec<Option<String>> = doomed.iter().map(|p| root.resolve(p)).collect();
    let links: Vec<String> = root
        .iter()
        .filter(|(p, n)| matches!(n.kind, NodeKind::Symlink(_)) && !doomed.iter().any(|d| d == p))
        .filter(|(p, _)| {
            let to = root.resolve(p);
            to.is_some() && resolved.contains(&to)
        })
        .map(|(p, _)| p.to_owned())
        .collect();
    let mut removed: Vec<String> = doomed.into_iter().chain(links).collect();
    for p in &removed {
        root.remove(p);
    }
    removed.sort();
    removed
}

/// Removes everything below `dirs` except what `keep` says (and the directories holding
/// kept files); returns the count of removed paths and their bytes.
fn strip(root: &mut Rootfs, dirs: &[&str], keep: impl Fn(&str) -> bool) -> (usize, u64) {
    let mut removed = 0;
    let mut bytes = 0;
    for dir in dirs {
        let files: Vec<(String, u64)> = root
            .below(dir)
            .filter(|(p, n)| !n.is_dir() && !keep(p))
            .map(|(p, n)| (p.to_owned(), n.size()))
            .collect();
        for (p, size) in files {
            removed += root.remove(&p);
            bytes += size;
        }
        // Directories left empty go too, deepest first.
        let mut empty_dirs: Vec<String> = root
            .below(dir)
            .filter(|(_, n)| n.is_dir())
            .map(|(p, _)| p.to_owned())
            .collect();
        empty_dirs.reverse();
        for d in empty_dirs {
            if root.below(&d).next().is_none() {
                removed += root.remove(&d);
            }
        }
    }
    (removed, bytes)
}
