//! A root filesystem directory read straight into a one-layer [`LayerIndex`], without
//! writing it as a tar first: the tree is walked by several threads with `lstat` only,
//! and only the files the caller selects are opened.
//!
//! The result is the one reading the directory's tar (`rootfs`) gives: entries are
//! ordered as that tar orders them (depth first, names sorted byte-wise), hard links
//! point at the first path of their inode in that order, owners are 0:0, sockets are
//! left out, and every entry gets its meaning from the same function the tar path uses
//! ([`super::entry::interpret`]). Symlinks are never followed while walking.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::File;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

use super::entry::{self, Change, EntryKind, Raw, RawKind, Special};
use super::index::{Budget, LayerIndex, Limits, read_content};
use super::path::MAX_DEPTH;
use super::select::{Candidate, FilePeek, Peek, Select, Want};
use crate::{Error, IoContext, Result};

/// Most threads a walk uses.
const MAX_THREADS: usize = 8;

/// One name found under the root, as `lstat` saw it.
struct Found {
    /// Relative to the root, components joined by `/`, raw bytes.
    rel: Vec<u8>,
    kind: FoundKind,
    mode: u32,
    mtime: u64,
    /// (device, inode) of regular files with more than one link.
    inode: Option<(u64, u64)>,
}

enum FoundKind {
    File { size: u64 },
    Dir,
    Symlink(Vec<u8>),
    Special(Special),
}

/// Reads the tree under `root` as layer 0, keeping what `select` chooses.
pub(crate) fn read(
    root: &Path,
    select: &dyn Select,
    limits: &Limits,
    budget: &Budget,
) -> Result<LayerIndex> {
    let mut found = walk(root, limits)?;
    found.sort_unstable_by(|a, b| tar_order(&a.rel, &b.rel));
    let mut index = LayerIndex::default();
    let mut first_link: HashMap<(u64, u64), String> = HashMap::new();
    // (index into `found`, normalised path, size, what to do)
    let mut files: Vec<(usize, String, u64, Want)> = Vec::new();
    for (i, f) in found.iter().enumerate() {
        let name = String::from_utf8_lossy(&f.rel).into_owned();
        let kind = match &f.kind {
            FoundKind::Dir => RawKind::Dir,
            FoundKind::Symlink(target) => {
                RawKind::Symlink(Some(String::from_utf8_lossy(target).into_owned()))
            }
            FoundKind::Special(s) => RawKind::Special(*s),
            FoundKind::File { size } => match f.inode {
                Some(key) => match first_link.get(&key) {
                    Some(first) => RawKind::Hardlink(Some(first.clone())),
                    None => {
                        first_link.insert(key, name.clone());
                        RawKind::File { size: *size }
                    }
                },
                None => RawKind::File { size: *size },
            },
        };
        let raw = Raw {
            name,
            kind,
            mode: f.mode & 0o7777,
            uid: 0,
            gid: 0,
            mtime: f.mtime,
        };
        let (change, note) = entry::interpret(raw, 0);
        if let Some(note) = note {
            index.note(note, limits);
        }
        match change {
            Change::Skip(anomaly) => index.note(anomaly, limits),
            Change::Add(e) => {
                if let EntryKind::File { size } = e.kind {
                    let want = select.select(&Candidate {
                        path: &e.path,
                        size,
                        mode: e.mode,
                    });
                    if !matches!(want, Want::Skip) {
                        files.push((i, e.path.clone(), size, want));
                    }
                }
                index.changes.push(Change::Add(e));
            }
            other => index.changes.push(other),
        }
    }
    // Probes first (in parallel), then the budget in walk order, then the reads.
    let accepted = parallel(&files, |(i, _, size, want)| match want {
        Want::Skip => Ok(false),
        Want::Content => Ok(true),
        Want::Probe { magic, probe } => {
            let path = root.join(OsStr::from_bytes(&found[*i].rel));
            probe_file(&path, *size, magic, *probe, limits)
        }
    });
    let mut to_read = Vec::new();
    for ((i, path, size, _), accepted) in files.into_iter().zip(accepted) {
        if !accepted? {
            continue;
        }
        // A probed file over the per-file limit was never accepted; one accepted but over
        // the budget is reported, as the tar path does.
        if size <= limits.max_capture_file && budget.take(size) {
            to_read.push((i, path, size));
        } else {
            tracing::warn!(%path, size, "file over the capture limit, content not kept");
            index.not_captured.insert(path);
        }
    }
    let contents = parallel(&to_read, |(i, _, size)| {
        let path = root.join(OsStr::from_bytes(&found[*i].rel));
        let mut file = File::open(&path).at(&path)?;
        read_content(&mut file, *size).at(&path)
    });
    for ((_, path, _), content) in to_read.into_iter().zip(contents) {
        index.content.insert(path, content?);
    }
    Ok(index)
}

/// Depth first, names sorted byte-wise: comparing component by component is comparing
/// bytes with `/` below every other byte (names hold neither `/` nor NUL).
fn tar_order(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let key = |c: u8| if c == b'/' { 0 } else { c };
    let common = a.iter().zip(b).position(|(x, y)| x != y);
    match common {
        Some(i) => key(a[i]).cmp(&key(b[i])),
        None => a.len().cmp(&b.len()),
    }
}

/// Whether the file at `path` starts with `magic` and `probe` accepts it; reads only what
/// the probe looks at.
fn probe_file(
    path: &Path,
    size: u64,
    magic: &[u8],
    probe: super::select::Probe,
    limits: &Limits,
) -> Result<bool> {
    if size < magic.len() as u64 || size > limits.max_capture_file {
        return Ok(false);
    }
    let file = File::open(path).at(path)?;
    let peek = FilePeek { file: &file, size };
    let mut head = vec![0u8; magic.len()];
    let n = peek.read_at(&mut head, 0).at(path)?;
    Ok(n == magic.len() && head == magic && probe(&peek))
}

/// Every name under `root` (not the root itself), in no particular order.
fn walk(root: &Path, limits: &Limits) -> Result<Vec<Found>> {
    let queue = Queue {
        state: Mutex::new(QueueState {
            dirs: vec![(root.to_owned(), Vec::new(), 0)],
            busy: 0,
        }),
        ready: Condvar::new(),
    };
    let failed = AtomicBool::new(false);
    let error: Mutex<Option<Error>> = Mutex::new(None);
    let count = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_THREADS);
    let mut all = Vec::new();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    while let Some((dir, rel, depth)) = queue.next() {
                        let mut subdirs = Vec::new();
                        let before = mine.len();
                        let result = if failed.load(Ordering::Relaxed) {
                            Ok(())
                        } else {
                            list(&dir, &rel, depth, &mut mine, &mut subdirs)
                        };
                        let added = mine.len() - before;
                        let total = count.fetch_add(added, Ordering::Relaxed) + added;
                        let result = result.and_then(|()| {
                            if total > limits.max_entries {
                                return Err(Error::InvalidTarget {
                                    input: root.display().to_string(),
                                    reason: format!("more than {} paths", limits.max_entries),
                                });
                            }
                            Ok(())
                        });
                        if let Err(e) = result {
                            failed.store(true, Ordering::Relaxed);
                            if let Ok(mut slot) = error.lock() {
                                slot.get_or_insert(e);
                            }
                            subdirs.clear();
                        }
                        queue.done(subdirs);
                    }
                    mine
                })
            })
            .collect();
        for w in workers {
            match w.join() {
                Ok(found) => all.extend(found),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    });
    if let Some(e) = error.into_inner().ok().flatten() {
        return Err(e);
    }
    if failed.into_inner() {
        return Err(Error::InvalidTarget {
            input: root.display().to_string(),
            reason: "walking the directory failed".to_owned(),
        });
    }
    Ok(all)
}

/// Lists one directory: its children go to `out`, its subdirectories to `subdirs`.
fn list(
    dir: &Path,
    rel: &[u8],
    depth: usize,
    out: &mut Vec<Found>,
    subdirs: &mut Vec<(PathBuf, Vec<u8>, usize)>,
) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(Error::InvalidTarget {
            input: dir.display().to_string(),
            reason: format!("directories nested more than {MAX_DEPTH} deep"),
        });
    }
    for child in std::fs::read_dir(dir).at(dir)? {
        let child = child.at(dir)?;
        // The child's path is built only where it is needed: most entries are files.
        let path = || dir.join(child.file_name());
        let meta = match child.metadata() {
            Ok(meta) => meta,
            Err(e) => return Err(Error::io(path(), e)),
        };
        let mut child_rel = Vec::with_capacity(rel.len() + 1 + child.file_name().len());
        if !rel.is_empty() {
            child_rel.extend_from_slice(rel);
            child_rel.push(b'/');
        }
        child_rel.extend_from_slice(child.file_name().as_bytes());
        let ty = meta.file_type();
        let kind = if ty.is_dir() {
            subdirs.push((path(), child_rel.clone(), depth + 1));
            FoundKind::Dir
        } else if ty.is_symlink() {
            let path = path();
            let target = std::fs::read_link(&path).at(&path)?;
            FoundKind::Symlink(target.into_os_string().into_vec())
        } else if ty.is_file() {
            FoundKind::File { size: meta.len() }
        } else if ty.is_char_device() {
            FoundKind::Special(Special::Char)
        } else if ty.is_block_device() {
            FoundKind::Special(Special::Block)
        } else if ty.is_fifo() {
            FoundKind::Special(Special::Fifo)
        } else {
            tracing::debug!(path = %path().display(), "socket left out");
            continue;
        };
        let inode = (ty.is_file() && meta.nlink() > 1).then(|| (meta.dev(), meta.ino()));
        out.push(Found {
            rel: child_rel,
            kind,
            mode: meta.mode(),
            mtime: u64::try_from(meta.mtime()).unwrap_or(0),
            inode,
        });
    }
    Ok(())
}

/// Directories still to list, shared by the walking threads.
struct Queue {
    state: Mutex<QueueState>,
    ready: Condvar,
}

struct QueueState {
    dirs: Vec<(PathBuf, Vec<u8>, usize)>,
    /// Directories being listed right now (they may add more).
    busy: usize,
}

impl Queue {
    /// The next directory, or `None` once nothing is queued and nobody is listing.
    fn next(&self) -> Option<(PathBuf, Vec<u8>, usize)> {
        let mut state = self.state.lock().ok()?;
        loop {
            if let Some(job) = state.dirs.pop() {
                state.busy += 1;
                return Some(job);
            }
            if state.busy == 0 {
                self.ready.notify_all();
                return None;
            }
            state = self.ready.wait(state).ok()?;
        }
    }

    fn done(&self, more: Vec<(PathBuf, Vec<u8>, usize)>) {
        if let Ok(mut state) = self.state.lock() {
            state.dirs.extend(more);
            state.busy -= 1;
        }
        self.ready.notify_all();
    }
}

/// `f` over `items` on up to [`MAX_THREADS`] threads; results in the order of `items`.
fn parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_THREADS)
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(&f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = Vec::with_capacity(items.len());
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        mine.push((i, f(item)));
                    }
                    mine
                })
            })
            .collect();
        for w in workers {
            match w.join() {
                Ok(mine) => done.extend(mine),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::tar_order;

    proptest! {
        #[test]
        fn tar_order_is_component_order(a in "[a./-]{0,6}", b in "[a./-]{0,6}") {
            let by_components = a.as_bytes().split(|c| *c == b'/').cmp(b.as_bytes().split(|c| *c == b'/'));
            prop_assert_eq!(tar_order(a.as_bytes(), b.as_bytes()), by_components);
        }
    }
}
