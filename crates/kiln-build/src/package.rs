//! Unpacking one `.deb` into the tree: its data archive's entries placed as dpkg would
//! (through directory symlinks already there), hard links as shared content, device
//! nodes and other specials skipped. Maintainer scripts are listed, never run.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use kiln_debian::deb::{Control, Deb, Limits};
use kiln_oci::fs::path;

use crate::assemble::InstalledPackage;
use crate::rootfs::{Node, NodeKind, Rootfs};
use crate::{Error, Result};

/// One package unpacked: what it was and which paths (as placed) it wrote.
#[derive(Debug)]
pub(crate) struct Unpacked {
    pub package: InstalledPackage,
    pub control: Control,
}

/// Reads `deb`'s control part only, to learn its name (packages are unpacked by name).
pub(crate) fn read_control(deb: &Path) -> Result<Control> {
    let file = std::fs::File::open(deb).map_err(|source| Error::Io {
        path: deb.to_owned(),
        source,
    })?;
    let opened = Deb::open(std::io::BufReader::new(file), Limits::default()).map_err(|source| {
        Error::Deb {
            deb: deb.to_owned(),
            source,
        }
    })?;
    Ok(opened.control().clone())
}

/// Unpacks `deb` into `root`.
pub(crate) fn unpack(deb: &Path, root: &mut Rootfs) -> Result<Unpacked> {
    let deb_err = |source| Error::Deb {
        deb: deb.to_owned(),
        source,
    };
    let file = std::fs::File::open(deb).map_err(|source| Error::Io {
        path: deb.to_owned(),
        source,
    })?;
    let opened = Deb::open(std::io::BufReader::new(file), Limits::default()).map_err(deb_err)?;
    let (control, data) = opened.into_parts().map_err(deb_err)?;
    let name = control.package().unwrap_or_default().to_owned();
    let bad = |reason: String| Error::Package {
        package: name.clone(),
        reason,
    };
    let mut archive = tar::Archive::new(data);
    let mut newest = 0;
    let mut count = 0;
    let entries = archive
        .entries()
        .map_err(|e| bad(format!("data archive: {e}")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| bad(format!("data archive: {e}")))?;
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let normal = path::normalize(&raw).map_err(|p| bad(format!("entry {raw:?}: {p}")))?;
        if normal.escaped && !raw.starts_with('/') {
            return Err(bad(format!("entry {raw:?} climbs above the root")));
        }
        let header = entry.header();
        let mode = header.mode().unwrap_or(0o644) & 0o7777;
        let uid = header.uid().unwrap_or(0).try_into().unwrap_or(0);
        let gid = header.gid().unwrap_or(0).try_into().unwrap_or(0);
        let mtime = header.mtime().unwrap_or(0);
        let kind_type = header.entry_type();
        let kind = match kind_type {
            tar::EntryType::Directory => NodeKind::Dir,
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let mut data = Vec::with_capacity(entry.size().min(1 << 24) as usize);
                entry
                    .read_to_end(&mut data)
                    .map_err(|e| bad(format!("entry {raw:?}: {e}")))?;
                NodeKind::File(Arc::from(data))
            }
            tar::EntryType::Symlink => {
                let target = entry
                    .link_name_bytes()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .filter(|t| !t.is_empty() && !t.contains('\0'))
                    .ok_or_else(|| bad(format!("symlink {raw:?} has no target")))?;
                NodeKind::Symlink(target)
            }
            tar::EntryType::Link => {
                let target = entry
                    .link_name_bytes()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .ok_or_else(|| bad(format!("hard link {raw:?} has no target")))?;
                let content = root
                    .resolve(&target)
                    .and_then(|at| match &root.get(&at)?.kind {
                        NodeKind::File(data) => Some(Arc::clone(data)),
                        _ => None,
                    })
                    .ok_or_else(|| {
                        bad(format!(
                            "hard link {raw:?} to {target:?}, which is not a file"
                        ))
                    })?;
                NodeKind::File(content)
            }
            other => {
                tracing::warn!(package = %name, entry = %raw, kind = ?other, "entry skipped");
                continue;
            }
        };
        count += 1;
        newest = newest.max(mtime);
        if normal.path == "/" {
            continue;
        }
        let node = Node {
            kind,
            mode,
            uid,
            gid,
            mtime,
        };
        root.insert(&normal.path, node)?;
    }
    let paragraph = &control.paragraph;
    let field = |n: &str| paragraph.get(n).map(str::to_owned);
    let package = InstalledPackage {
        name: name.clone(),
        version: field("Version").unwrap_or_default(),
        architecture: field("Architecture").unwrap_or_default(),
        source: field("Source"),
        paths: count,
        newest_mtime: newest,
        scripts: control
            .scripts
            .iter()
            .filter(|s| MAINTAINER_SCRIPTS.contains(&s.as_str()))
            .cloned()
            .collect(),
    };
    tracing::debug!(package = %name, paths = count, "unpacked");
    Ok(Unpacked { package, control })
}

/// The control members that are programs dpkg would run.
const MAINTAINER_SCRIPTS: [&str; 5] = ["preinst", "postinst", "prerm", "postrm", "config"];
