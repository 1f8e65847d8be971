//! From `.deb` files to a hardened root: unpack every package's data archive (sorted by
//! package name, so input order never matters), record it in `/var/lib/dpkg/status.d/`,
//! do what the needed maintainer scripts would have done ([`crate::scripts`]), apply the
//! spec's extra paths, then harden ([`crate::harden`]). No maintainer script is run.

use crate::harden::HardeningReport;
use crate::input::AssemblyInput;
use crate::rootfs::Rootfs;
use crate::{Error, Result};

/// One package as it went into the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledPackage {
    pub name: String,
    pub version: String,
    pub architecture: String,
    /// The `Source:` field, if the package has one.
    pub source: Option<String>,
    /// How many paths its data archive held.
    pub paths: usize,
    /// The newest mtime in its data archive.
    pub newest_mtime: u64,
    /// Maintainer scripts it ships that kiln did not run (`postinst`, …).
    pub scripts: Vec<String>,
}

/// The result of [`assemble`]: the tree and what was done to it.
#[derive(Debug, Clone)]
pub struct Assembled {
    pub architecture: String,
    pub rootfs: Rootfs,
    /// Sorted by name.
    pub packages: Vec<InstalledPackage>,
    pub hardening: HardeningReport,
    /// The epoch every mtime is set to and the config's `created`.
    pub epoch: u64,
    /// The config's `User` (`65532:65532`, `0:0`, …) — numeric, so no lookup is needed.
    pub user: String,
    /// Directories named in `/etc/ld.so.conf.d` that hold libraries but are not on the
    /// dynamic linker's built-in path (there is no `ld.so.cache`); empty for Debian's
    /// own layout.
    pub extra_library_dirs: Vec<String>,
}

/// Assembles one architecture's root from `input`.
pub fn assemble(input: &AssemblyInput) -> Result<Assembled> {
    Err(Error::Invalid {
        what: format!("assembly for {}", input.architecture),
        reason: "not implemented yet".to_owned(),
    })
}
