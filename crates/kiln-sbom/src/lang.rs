//! Language-ecosystem catalogers: packages installed by pip, npm, cargo, Go, Maven,
//! RubyGems, Composer and NuGet, found from their metadata files and from build
//! information embedded in binaries.
//!
//! They run after the OS catalogers and skip every file an OS package owns, so that a
//! Python module installed by apt is reported once (as the deb), not twice. A file that
//! cannot be parsed becomes a warning naming it; the run goes on.

pub mod binary;
pub mod cargo;
pub mod composer;
pub mod dotnet;
pub mod elf;
pub mod golang;
pub mod java;
pub mod npm;
pub mod probe;
pub mod python;
pub mod ruby;

use kiln_oci::fs::{EntryKind, MergedFs};
use kiln_types::{Location, Package, PackageKind, Purl, Relationship, RelationshipKind};

use crate::cataloger::Context;
use crate::license;

/// One captured metadata file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Found<'a> {
    pub path: &'a str,
    pub layer: usize,
    pub bytes: &'a [u8],
}

impl Found<'_> {
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(self.bytes)
    }

    pub fn location(&self) -> Location {
        Location {
            path: self.path.to_owned(),
            layer: Some(self.layer),
        }
    }

    /// A package described by this file.
    pub fn package(&self, kind: PackageKind, name: &str, version: &str, purl: Purl) -> Package {
        let mut p = Package::new(kind, name, version, purl);
        p.locations.push(self.location());
        p.layer = Some(self.layer);
        p
    }
}

/// The regular files `want` selects that no OS package owns, with their captured
/// content; files that were too large to capture are warned about as `cataloger`.
pub(crate) fn files<'a>(
    fs: &'a MergedFs,
    ctx: &mut Context,
    cataloger: &str,
    want: impl Fn(&str) -> bool,
) -> Vec<Found<'a>> {
    let mut out = Vec::new();
    for e in fs.entries() {
        if !matches!(e.kind, EntryKind::File { .. } | EntryKind::Hardlink { .. })
            || !want(&e.path)
            || ctx.is_owned(&e.path)
        {
            continue;
        }
        match fs.read(&e.path) {
            Some(bytes) => out.push(Found {
                path: &e.path,
                layer: e.layer,
                bytes,
            }),
            None if fs.was_not_captured(&e.path) => {
                ctx.warn(cataloger, format!("{}: too large to read", e.path));
            }
            None => {}
        }
    }
    out
}

/// A purl of `ty`, or `None` (with a debug log) when the name cannot make one.
pub(crate) fn purl(ty: &str, namespace: &str, name: &str, version: &str) -> Option<Purl> {
    match Purl::new(ty, name) {
        Ok(p) => Some(p.with_namespace(namespace).with_version(version)),
        Err(e) => {
            tracing::debug!(%e, "no purl");
            None
        }
    }
}

/// Licences from metadata strings, as SPDX expressions where they map to one.
pub(crate) fn licenses<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<kiln_types::License> {
    texts.into_iter().filter_map(license::parse).collect()
}

/// `from` depends on `to`.
pub(crate) fn depends_on(from: &Package, to: &Package) -> Relationship {
    Relationship {
        from: from.id(),
        to: to.id(),
        kind: RelationshipKind::DependsOn,
    }
}

/// The directory part of `path` (`/` for top-level files).
pub(crate) fn dir_of(path: &str) -> &str {
    kiln_oci::fs::path::parent(path)
}

#[cfg(test)]
mod tests;
