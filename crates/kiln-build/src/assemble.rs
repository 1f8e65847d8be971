//! From `.deb` files to a hardened root: unpack every package's data archive (sorted by
//! package name, so input order never matters), record it in `/var/lib/dpkg/status.d/`,
//! do what the needed maintainer scripts would have done ([`crate::scripts`]), apply the
//! spec's extra paths, then harden ([`crate::harden`]). No maintainer script is run.

use crate::harden::{self, HardeningOptions, HardeningReport};
use crate::input::{AssemblyInput, ExtraPath, ExtraPathKind};
use crate::package;
use crate::rootfs::{Node, Rootfs};
use crate::scripts::{accounts, certs, ldso, status};
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
    /// dynamic linker's built-in path, for roots kiln wrote no `ld.so.cache` for; empty
    /// when it did (the cache finds them) and for Debian's own layout.
    pub extra_library_dirs: Vec<String>,
}

/// Assembles one architecture's root from `input`.
pub fn assemble(input: &AssemblyInput) -> Result<Assembled> {
    let _span = tracing::info_span!("assemble", arch = %input.architecture).entered();
    // Unpack in package-name order, so the input order never changes the root.
    let mut named = Vec::with_capacity(input.packages.len());
    for p in &input.packages {
        let control = package::read_control(&p.deb)?;
        let name = control.package().unwrap_or_default().to_owned();
        named.push((name, p));
    }
    named.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.deb.cmp(&b.1.deb)));
    if let Some(w) = named.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(Error::Package {
            package: w[0].0.clone(),
            reason: format!(
                "given twice ({} and {})",
                w[0].1.deb.display(),
                w[1].1.deb.display()
            ),
        });
    }
    let mut root = Rootfs::new();
    let mut unpacked = Vec::with_capacity(named.len());
    for (_, p) in &named {
        let u = package::unpack(&p.deb, &mut root)?;
        if !input.architecture.is_empty()
            && !matches!(u.package.architecture.as_str(), "all" | "")
            && u.package.architecture != input.architecture
        {
            return Err(Error::Package {
                package: u.package.name.clone(),
                reason: format!(
                    "architecture {} in a {} image",
                    u.package.architecture, input.architecture
                ),
            });
        }
        unpacked.push(u);
    }
    let epoch = input.source_date_epoch.unwrap_or_else(|| {
        unpacked
            .iter()
            .map(|u| u.package.newest_mtime)
            .max()
            .unwrap_or(0)
    });
    let run_as = accounts::write(&mut root, &input.accounts, input.variant)?;
    certs::write(&mut root)?;
    let mut tmp = Node::dir();
    tmp.mode = 0o1777;
    root.insert("/tmp", tmp)?;
    for extra in &input.paths {
        apply_path(&mut root, extra)?;
    }
    let hardening = harden::harden(
        &mut root,
        HardeningOptions {
            variant: input.variant,
            keep_docs: input.keep_docs,
            keep_locales: input.keep_locales,
        },
    );
    for u in &unpacked {
        status::write(&mut root, &u.control)?;
    }
    // Last, so the cache lists what the final root holds.
    let extra_library_dirs = match ldso::write_cache(&mut root, &input.architecture)? {
        Some(_) => Vec::new(),
        None => ldso::extra_library_dirs(&root, &input.architecture),
    };
    tracing::info!(
        packages = unpacked.len(),
        paths = root.len(),
        epoch,
        "assembled"
    );
    Ok(Assembled {
        architecture: input.architecture.clone(),
        rootfs: root,
        packages: unpacked.into_iter().map(|u| u.package).collect(),
        hardening,
        epoch,
        user: format!("{}:{}", run_as.uid, run_as.gid),
        extra_library_dirs,
    })
}

/// Applies one extra path of the spec.
fn apply_path(root: &mut Rootfs, extra: &ExtraPath) -> Result<()> {
    let bad = |reason: &str| Error::Path {
        path: extra.path.clone(),
        reason: reason.to_owned(),
    };
    if !extra.path.starts_with('/') {
        return Err(bad("not an absolute path"));
    }
    if extra.mode.is_some_and(|m| m > 0o7777) {
        return Err(bad("mode is more than 07777"));
    }
    let mut node = match &extra.kind {
        ExtraPathKind::Directory => Node::dir(),
        ExtraPathKind::File { content } => Node::file(content.clone()),
        ExtraPathKind::Symlink { target } => {
            if target.is_empty() || target.contains('\0') {
                return Err(bad("the symlink target is empty or has a NUL byte"));
            }
            Node::symlink(target)
        }
        ExtraPathKind::Permissions => {
            let at = root
                .resolve(&extra.path)
                .filter(|at| root.get(at).is_some())
                .ok_or_else(|| bad("permissions for a path that does not exist"))?;
            let node = root.get_mut(&at).ok_or_else(|| bad("does not exist"))?;
            if let Some(m) = extra.mode {
                node.mode = m;
            }
            if let Some(u) = extra.uid {
                node.uid = u;
            }
            if let Some(g) = extra.gid {
                node.gid = g;
            }
            return Ok(());
        }
    };
    if let Some(m) = extra.mode {
        node.mode = m;
    }
    node.uid = extra.uid.unwrap_or(0);
    node.gid = extra.gid.unwrap_or(0);
    root.insert(&extra.path, node)?;
    Ok(())
}
