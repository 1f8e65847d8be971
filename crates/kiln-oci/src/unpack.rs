//! Safe extraction of layer tars into a directory: nothing is ever written outside it.
//!
//! Every path is normalised first ([`crate::fs::path::normalize`]): `..` and absolute
//! names are clamped inside the destination. Paths are then walked from a handle on the
//! destination one component at a time with `O_NOFOLLOW`, so no symlink is ever
//! followed while writing: an entry below a symlink (or below a file) is not applied.
//! Symlinks are created as the data they are; hard links may only point at regular
//! files this unpack wrote; device nodes are not created. Whiteouts and opaque markers
//! remove what lower layers put in the destination, never what the same layer wrote.
//! Directory modes and mtimes are set last, so read-only directories do not get in the
//! way.

mod tree;

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, FileType, Mode, OFlags};

use crate::fs::{Anomaly, Change, EntryKind, Limits, path};
use crate::layer::LayerReader;
use crate::source::ImageSource;
use crate::{Error, Image, IoContext, Result};
use tree::{Walk, cname};

/// How to unpack.
#[derive(Debug, Clone, Default)]
pub struct UnpackOptions {
    /// Keep setuid and setgid bits (off by default; the sticky bit is always kept).
    pub keep_setid: bool,
    pub limits: Limits,
}

/// What an unpack did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnpackStats {
    pub files: u64,
    pub dirs: u64,
    pub symlinks: u64,
    pub hardlinks: u64,
    pub whiteouts: u64,
    /// Entries not applied: device nodes, anomalies.
    pub skipped: u64,
    /// Bytes of regular file content written.
    pub bytes: u64,
    /// Why entries were not applied as written (at most `limits.max_anomalies` per layer).
    pub anomalies: Vec<Anomaly>,
}

/// Unpacks every layer of `image`, base first, into `dest`, which must be an empty
/// directory or not exist yet (its parent must).
pub fn unpack_image(src: &dyn ImageSource, image: &Image, dest: &Path) -> Result<UnpackStats> {
    unpack_image_with(src, image, dest, &UnpackOptions::default())
}

/// [`unpack_image`] with options.
pub fn unpack_image_with(
    src: &dyn ImageSource,
    image: &Image,
    dest: &Path,
    options: &UnpackOptions,
) -> Result<UnpackStats> {
    let mut unpacker = Unpacker::new(dest, options.clone())?;
    for (i, desc) in image.layers().iter().enumerate() {
        let mut reader = LayerReader::open(src, desc, image.diff_id(i))?;
        let what = reader.what().to_owned();
        let applied = unpacker.apply_layer(&mut reader, i, &what);
        let finished = reader.finish();
        match (applied, finished) {
            (Ok(()), Ok(())) => {}
            (_, Err(e @ (Error::DigestMismatch { .. } | Error::SizeMismatch { .. }))) => {
                return Err(e);
            }
            (Err(e), _) | (Ok(()), Err(e)) => return Err(e),
        }
    }
    unpacker.finish()
}

/// Applies layer tars one after the other onto a destination directory.
#[derive(Debug)]
pub struct Unpacker {
    dest: PathBuf,
    root: OwnedFd,
    options: UnpackOptions,
    stats: UnpackStats,
    /// Regular files this unpack wrote, the only valid hard link targets.
    files: HashSet<String>,
    /// Directories from tar entries: mode and mtime, set at the end.
    dirs: BTreeMap<String, (u32, u64)>,
}

impl Unpacker {
    /// Opens `dest` (creating it if missing); it must be empty.
    pub fn new(dest: &Path, options: UnpackOptions) -> Result<Unpacker> {
        match std::fs::symlink_metadata(dest) {
            Ok(m) if m.is_dir() => {
                if std::fs::read_dir(dest).at(dest)?.next().is_some() {
                    return Err(not_empty(dest));
                }
            }
            Ok(_) => return Err(not_empty(dest)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir(dest).at(dest)?;
            }
            Err(e) => return Err(Error::io(dest, e)),
        }
        let root = rustix::fs::open(
            dest,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| Error::io(dest, e.into()))?;
        Ok(Unpacker {
            dest: dest.to_owned(),
            root,
            options,
            stats: UnpackStats::default(),
            files: HashSet::new(),
            dirs: BTreeMap::new(),
        })
    }

    /// Applies one layer's uncompressed tar stream. `what` names the layer in errors.
    pub fn apply_layer(&mut self, reader: &mut dyn Read, layer: usize, what: &str) -> Result<()> {
        let corrupt = |reason: String| Error::Layer {
            what: what.to_owned(),
            reason,
        };
        let mut written: HashSet<String> = HashSet::new();
        let mut noted = 0usize;
        let mut archive = tar::Archive::new(reader);
        let entries = archive
            .entries()
            .map_err(|e| corrupt(format!("not a tar: {e}")))?;
        for (n, item) in entries.enumerate() {
            if n >= self.options.limits.max_entries {
                return Err(corrupt(format!(
                    "more than {} entries",
                    self.options.limits.max_entries
                )));
            }
            let mut tar_entry = item.map_err(|e| corrupt(e.to_string()))?;
            let (change, note) = crate::fs::entry_change(&tar_entry, layer);
            if let Some(note) = note {
                self.note(note, &mut noted);
            }
            match change {
                Change::Skip(anomaly) => {
                    self.stats.skipped += 1;
                    self.note(anomaly, &mut noted);
                }
                Change::Whiteout(p) => {
                    if written.contains(&p) {
                        continue;
                    }
                    if let Walk::Dir(dir) = self.walk(path::parent(&p), false)? {
                        tree::remove(&dir, &cname(path::file_name(&p))?)
                            .map_err(|e| self.io_error(&p, e))?;
                        self.stats.whiteouts += 1;
                    }
                }
                Change::Opaque(d) => {
                    if let Walk::Dir(dir) = self.walk(&d, false)? {
                        tree::remove_lower(&dir, &d, &written).map_err(|e| self.io_error(&d, e))?;
                    }
                }
                Change::Add(e) => {
                    let entry_path = e.path.clone();
                    if let Err(reason) = self.add(e, &mut tar_entry)? {
                        self.stats.skipped += 1;
                        let anomaly = Anomaly {
                            layer,
                            name: entry_path,
                            reason,
                        };
                        self.note(anomaly, &mut noted);
                        continue;
                    }
                    for a in path::ancestors(&entry_path) {
                        written.insert(a.to_owned());
                    }
                    written.insert(entry_path);
                }
            }
        }
        Ok(())
    }

    /// Creates one entry. `Ok(Err(reason))` means it was not applied.
    fn add(
        &mut self,
        e: crate::fs::Entry,
        content: &mut dyn Read,
    ) -> Result<std::result::Result<(), String>> {
        let parent = match self.walk(path::parent(&e.path), true)? {
            Walk::Dir(fd) => fd,
            Walk::Missing => return Ok(Err("parent is missing".to_owned())),
            Walk::Blocked(blocker) => {
                return Ok(Err(format!(
                    "{blocker} is a symlink or not a directory; not followed"
                )));
            }
        };
        let name = cname(path::file_name(&e.path))?;
        let existing = tree::kind_of(&parent, &name).map_err(|err| self.io_error(&e.path, err))?;
        let dest = self.dest.clone();
        let io = |err: rustix::io::Errno| io_at(&dest, &e.path, err);
        if let EntryKind::Hardlink { target } = &e.kind {
            if !self.files.contains(target) {
                return Ok(Err(format!(
                    "hard link to {target}, which is not a file of this image"
                )));
            }
            let Walk::Dir(target_dir) = self.walk(path::parent(target), false)? else {
                return Ok(Err(format!("hard link to {target}, which is gone")));
            };
            let target_name = cname(path::file_name(target))?;
            let target_kind = tree::kind_of(&target_dir, &target_name).map_err(io)?;
            if target_kind != Some(FileType::RegularFile) {
                return Ok(Err(format!("hard link to {target}, which is not a file")));
            }
            if existing.is_some() {
                tree::remove(&parent, &name).map_err(io)?;
            }
            rustix::fs::linkat(&target_dir, &target_name, &parent, &name, AtFlags::empty())
                .map_err(io)?;
            self.files.insert(e.path.clone());
            self.stats.hardlinks += 1;
            return Ok(Ok(()));
        }
        if e.is_dir() && existing == Some(FileType::Directory) {
            self.dirs.insert(e.path.clone(), (e.mode, e.mtime));
            self.stats.dirs += 1;
            return Ok(Ok(()));
        }
        if matches!(e.kind, EntryKind::Other(_)) {
            return Ok(Err("device nodes and fifos are not created".to_owned()));
        }
        if existing.is_some() {
            tree::remove(&parent, &name).map_err(io)?;
            self.files.remove(&e.path);
        }
        let times = tree::times(e.mtime);
        match &e.kind {
            EntryKind::File { size } => {
                let fd = rustix::fs::openat(
                    &parent,
                    &name,
                    OFlags::WRONLY
                        | OFlags::CREATE
                        | OFlags::EXCL
                        | OFlags::NOFOLLOW
                        | OFlags::CLOEXEC,
                    Mode::from_raw_mode(0o600),
                )
                .map_err(io)?;
                let mut file = std::fs::File::from(fd);
                let copied = std::io::copy(content, &mut file).map_err(|err| Error::Layer {
                    what: e.path.clone(),
                    reason: err.to_string(),
                })?;
                if copied != *size {
                    return Err(Error::Layer {
                        what: e.path.clone(),
                        reason: format!("{copied} bytes of content, header says {size}"),
                    });
                }
                rustix::fs::fchmod(&file, Mode::from_raw_mode(self.mode(e.mode))).map_err(io)?;
                rustix::fs::futimens(&file, &times).map_err(io)?;
                self.files.insert(e.path.clone());
                self.stats.files += 1;
                self.stats.bytes += copied;
            }
            EntryKind::Dir => {
                rustix::fs::mkdirat(&parent, &name, Mode::from_raw_mode(0o755)).map_err(io)?;
                self.dirs.insert(e.path.clone(), (e.mode, e.mtime));
                self.stats.dirs += 1;
            }
            EntryKind::Symlink { target } => {
                rustix::fs::symlinkat(target.as_str(), &parent, &name).map_err(io)?;
                rustix::fs::utimensat(&parent, &name, &times, AtFlags::SYMLINK_NOFOLLOW)
                    .map_err(io)?;
                self.stats.symlinks += 1;
            }
            EntryKind::Hardlink { .. } | EntryKind::Other(_) => {}
        }
        Ok(Ok(()))
    }

    /// Sets directory modes and mtimes, deepest first, and returns what was done.
    pub fn finish(self) -> Result<UnpackStats> {
        for (dir, (mode, mtime)) in self.dirs.iter().rev() {
            if let Walk::Dir(fd) = self.walk(dir, false)? {
                let io = |err| self.io_error(dir, err);
                rustix::fs::fchmod(&fd, Mode::from_raw_mode(self.mode(*mode))).map_err(io)?;
                rustix::fs::futimens(&fd, &tree::times(*mtime)).map_err(io)?;
            }
        }
        Ok(self.stats)
    }

    fn walk(&self, dir: &str, create: bool) -> Result<Walk> {
        tree::walk(&self.root, dir, create).map_err(|e| self.io_error(dir, e))
    }

    fn mode(&self, mode: u32) -> u32 {
        if self.options.keep_setid {
            mode & 0o7777
        } else {
            mode & 0o1777
        }
    }

    fn note(&mut self, anomaly: Anomaly, noted: &mut usize) {
        tracing::warn!(layer = anomaly.layer, name = %anomaly.name, "{}", anomaly.reason);
        if *noted < self.options.limits.max_anomalies {
            *noted += 1;
            self.stats.anomalies.push(anomaly);
        }
    }

    fn io_error(&self, image_path: &str, e: rustix::io::Errno) -> Error {
        io_at(&self.dest, image_path, e)
    }
}

fn io_at(dest: &Path, image_path: &str, e: rustix::io::Errno) -> Error {
    Error::io(dest.join(image_path.trim_start_matches('/')), e.into())
}

fn not_empty(dest: &Path) -> Error {
    Error::InvalidTarget {
        input: dest.display().to_string(),
        reason: "the unpack destination must be an empty directory or not exist".to_owned(),
    }
}
