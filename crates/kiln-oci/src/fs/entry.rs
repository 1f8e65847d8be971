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

/// What a tar header (or a directory walk's `lstat`) says about one name, before it is
/// given a meaning for the image.
#[derive(Debug)]
pub(crate) struct Raw {
    /// The name as stored (lossy UTF-8), directories with or without a trailing `/`.
    pub name: String,
    pub kind: RawKind,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub mtime: u64,
}

/// The type of a [`Raw`] entry, with what each type carries.
#[derive(Debug)]
pub(crate) enum RawKind {
    File {
        size: u64,
    },
    Dir,
    /// Target bytes as stored (lossy UTF-8); `None` when the header had none.
    Symlink(Option<String>),
    Hardlink(Option<String>),
    Special(Special),
    Unsupported(String),
}

/// Decodes a tar entry's header. `escaped` names are placed at their clamped path and
/// also returned as an anomaly, so callers can log them.
pub(crate) fn decode<R: Read>(
    entry: &tar::Entry<'_, R>,
    layer: usize,
) -> (Change, Option<Anomaly>) {
    let header = entry.header();
    let link_target = || {
        entry
            .link_name_bytes()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    };
    let kind = match header.entry_type() {
        tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
            RawKind::File { size: entry.size() }
        }
        tar::EntryType::Directory => RawKind::Dir,
        tar::EntryType::Symlink => RawKind::Symlink(link_target()),
        tar::EntryType::Link => RawKind::Hardlink(link_target()),
        tar::EntryType::Char => RawKind::Special(Special::Char),
        tar::EntryType::Block => RawKind::Special(Special::Block),
        tar::EntryType::Fifo => RawKind::Special(Special::Fifo),
        other => RawKind::Unsupported(format!("{other:?}")),
    };
    let raw = Raw {
        name: String::from_utf8_lossy(&entry.path_bytes()).into_owned(),
        kind,
        mode: header.mode().unwrap_or(0o644),
        uid: header.uid().unwrap_or(0),
        gid: header.gid().unwrap_or(0),
        mtime: header.mtime().unwrap_or(0),
    };
    interpret(raw, layer)
}

/// What one raw entry means for the image: the one place tar layers and walked
/// directories get their meaning, so both give the same view.
pub(crate) fn interpret(raw: Raw, layer: usize) -> (Change, Option<Anomaly>) {
    let Raw {
        name: raw,
        kind,
        mode,
        uid,
        gid,
        mtime,
    } = raw;
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
        if matches!(kind, RawKind::Dir) {
            return skip("the root directory's own entry is ignored".to_owned());
        }
        return skip("a non-directory cannot replace the root".to_owned());
    }
    let kind = match kind {
        RawKind::File { size } => EntryKind::File { size },
        RawKind::Dir => EntryKind::Dir,
        RawKind::Symlink(target) => match target {
            Some(target) if !target.is_empty() && !target.contains('\0') => {
                EntryKind::Symlink { target }
            }
            _ => return skip("symlink without a target".to_owned()),
        },
        RawKind::Hardlink(target) => {
            let Some(target) = target else {
                return skip("hard link without a target".to_owned());
            };
            match path::normalize(&target) {
                Ok(n) if n.path != "/" && n.path != path => EntryKind::Hardlink { target: n.path },
                Ok(_) => return skip(format!("hard link to {target:?}")),
                Err(problem) => return skip(format!("hard link target: {problem}")),
            }
        }
        RawKind::Special(special) => EntryKind::Other(special),
        RawKind::Unsupported(what) => return skip(format!("unsupported tar entry type {what}")),
    };
    let entry = Entry {
        path,
        kind,
        mode: mode & 0o7777,
        uid,
        gid,
        mtime,
        layer,
    };
    (Change::Add(entry), note)
}
