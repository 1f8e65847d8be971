//! What one tar entry means for the image: an entry to add, a whiteout, an opaque marker,
//! or something kiln refuses (an anomaly it logs and reports).

use std::io::Read;

use super::path::{self, Normalized};

/// The prefix of whiteout file names.
pub const WHITEOUT_PREFIX: &str = ".wh.";
/// The name of the opaque-directory marker.
pub const OPAQUE_MARKER: &str = ".wh..wh..opq";

/// One path of the image, with the layer that last wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Absolute and normalised: `/usr/bin/env`.
    pub path: String,
    pub kind: EntryKind,
    /// Permission bits and setuid/setgid/sticky (`0o7777` at most).
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// Seconds since the Unix epoch.
    pub mtime: u64,
    /// Index of the layer (base = 0) that last wrote this path.
    pub layer: usize,
}

/// What kind of file an entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    File {
        size: u64,
    },
    Dir,
    /// The target exactly as stored; it is data, resolved only inside the image.
    Symlink {
        target: String,
    },
    /// The normalised path of the file this one is a hard link to.
    Hardlink {
        target: String,
    },
    Other(Special),
}

/// Device nodes and pipes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Special {
    Char,
    Block,
    Fifo,
}

impl Entry {
    pub fn is_dir(&self) -> bool {
        matches!(self.kind, EntryKind::Dir)
    }

    /// A directory kiln adds because an entry below it has none of its own.
    pub(crate) fn implicit_dir(path: &str, layer: usize) -> Entry {
        Entry {
            path: path.to_owned(),
            kind: EntryKind::Dir,
            mode: 0o755,
            uid: 0,
            gid: 0,
            mtime: 0,
            layer,
        }
    }
}

/// A tar entry kiln did not apply, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anomaly {
    pub layer: usize,
    /// The raw entry name (lossy UTF-8).
    pub name: String,
    pub reason: String,
}

/// The meaning of one tar entry.
#[derive(Debug)]
pub(crate) enum Change {
    Add(Entry),
    /// Remove this path and everything below it from lower layers.
    Whiteout(String),
    /// Hide everything lower layers put below this directory.
    Opaque(String),
    /// Not applied at all.
    Skip(Anomaly),
}

/// Decodes a tar entry's header. `escaped` names are placed at their clamped path and
/// also returned as an anomaly, so callers can log them.
pub(crate) fn decode<R: Read>(
    entry: &tar::Entry<'_, R>,
    layer: usize,
) -> (Change, Option<Anomaly>) {
    let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
    let skip = |reason: String| {
        (
            Change::Skip(Anomaly {
                layer,
                name: raw.clone(),
                reason,
            }),
            None,
        )
    };
    let Normalized { path, escaped } = match path::normalize(&raw) {
        Ok(n) => n,
        Err(problem) => return skip(problem.to_string()),
    };
    let note = escaped.then(|| Anomaly {
        layer,
        name: raw.clone(),
        reason: format!("absolute or climbing above the root; placed at {path}"),
    });
    let header = entry.header();
    let name = path::file_name(&path);
    if let Some(hidden) = name.strip_prefix(WHITEOUT_PREFIX) {
        let dir = path::parent(&path);
        if name == OPAQUE_MARKER {
            return (Change::Opaque(dir.to_owned()), note);
        }
        if hidden.is_empty() || hidden == "." || hidden == ".." || hidden.starts_with(".wh.") {
            return skip(format!("whiteout of {hidden:?} is not a file name"));
        }
        return (Change::Whiteout(path::child(dir, hidden)), note);
    }
    if path == "/" {
        if header.entry_type().is_dir() {
            return skip("the root directory's own entry is ignored".to_owned());
        }
        return skip("a non-directory cannot replace the root".to_owned());
    }
    let link_target = || {
        entry
            .link_name_bytes()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    };
    let kind = match header.entry_type() {
        tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
            EntryKind::File { size: entry.size() }
        }
        tar::EntryType::Directory => EntryKind::Dir,
        tar::EntryType::Symlink => match link_target() {
            Some(target) if !target.is_empty() && !target.contains('\0') => {
                EntryKind::Symlink { target }
            }
            _ => return skip("symlink without a target".to_owned()),
        },
        tar::EntryType::Link => {
            let Some(target) = link_target() else {
                return skip("hard link without a target".to_owned());
            };
            match path::normalize(&target) {
                Ok(n) if n.path != "/" && n.path != path => EntryKind::Hardlink { target: n.path },
                Ok(_) => return skip(format!("hard link to {target:?}")),
                Err(problem) => return skip(format!("hard link target: {problem}")),
            }
        }
        tar::EntryType::Char => EntryKind::Other(Special::Char),
        tar::EntryType::Block => EntryKind::Other(Special::Block),
        tar::EntryType::Fifo => EntryKind::Other(Special::Fifo),
        other => return skip(format!("unsupported tar entry type {other:?}")),
    };
    let entry = Entry {
        path,
        kind,
        mode: header.mode().unwrap_or(0o644) & 0o7777,
        uid: header.uid().unwrap_or(0),
        gid: header.gid().unwrap_or(0),
        mtime: header.mtime().unwrap_or(0),
        layer,
    };
    (Change::Add(entry), note)
}
