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

use super::entry::{self, Anomaly, Change, EntryKind, Raw, RawKind, Special};
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
    File {
        size: u64,
    },
    /// A directory, with the id of its listing.
    Dir(usize),
    Symlink(Vec<u8>),
    Special(Special),
}

/// One name of a directory's listing, made ready by the thread that listed it.
enum Walked {
    /// Its change as the tar path reads it, and what `select` wants of it if it is a
    /// regular file; `dir` is the id of its own listing if it is a directory.
    Ready {
        rel: Vec<u8>,
        change: Change,
        note: Option<Anomaly>,
        want: Want,
        dir: Option<usize>,
    },
    /// A regular file of `size` bytes with other links to its inode `key`: a hard link
    /// to the first of them in tar order, which only the ordered pass knows.
    Linked {
        found: Found,
        size: u64,
        key: (u64, u64),
    },
}

/// Reads the tree under `root` as layer 0, keeping what `select` chooses.
pub(crate) fn read(
    root: &Path,
    select: &dyn Select,
    limits: &Limits,
    budget: &Budget,
) -> Result<LayerIndex> {
    let mut listings: Vec<Option<std::vec::IntoIter<Walked>>> = walk(root, select, limits)?
        .into_iter()
        .map(|l| Some(l.into_iter()))
        .collect();
    let mut index = LayerIndex::default();
    let mut first_link: HashMap<(u64, u64), String> = HashMap::new();
    // (path on disk relative to the root, normalised path, size, what to do)
    let mut files: Vec<(Vec<u8>, String, u64, Want)> = Vec::new();
    // Depth first over the listings, each sorted by name: the order of the tar.
    let mut stack: Vec<std::vec::IntoIter<Walked>> = listings[0].take().into_iter().collect();
    while let Some(listing) = stack.last_mut() {
        let Some(walked) = listing.next() else {
            stack.pop();
            continue;
        };
        let (rel, change, note, want) = match walked {
            Walked::Ready {
                rel,
                change,
                note,
                want,
                dir,
            } => {
                if let Some(below) = dir.and_then(|id| listings.get_mut(id)?.take()) {
                    stack.push(below);
                }
                (rel, change, note, want)
            }
            Walked::Linked { found, size, key } => {
                let name = String::from_utf8_lossy(&found.rel).into_owned();
                let kind = match first_link.get(&key) {
                    Some(first) => RawKind::Hardlink(Some(first.clone())),
                    None => {
                        first_link.insert(key, name.clone());
                        RawKind::File { size }
                    }
                };
                let (change, note) = entry::interpret(found.raw(name, kind), 0);
                let want = wanted(select, &change);
                (found.rel, change, note, want)
            }
        };
        if let Some(note) = note {
            index.note(note, limits);
        }
        match change {
            Change::Skip(anomaly) => index.note(anomaly, limits),
            Change::Add(e) => {
                if let EntryKind::File { size } = e.kind
                    && !matches!(want, Want::Skip)
                {
                    files.push((rel, e.path.clone(), size, want));
                }
                index.changes.push(Change::Add(e));
            }
            other => index.changes.push(other),
        }
    }
    // Probes first (in parallel), then the budget in walk order, then the reads.
    let accepted = parallel(&files, |(rel, _, size, want)| match want {
        Want::Skip => Ok(false),
        Want::Content => Ok(true),
        Want::Probe { magic, probe } => {
            let path = root.join(OsStr::from_bytes(rel));
            probe_file(&path, *size, magic, *probe, limits)
        }
    });
    let mut to_read = Vec::new();
    for ((rel, path, size, _), accepted) in files.into_iter().zip(accepted) {
        if !accepted? {
            continue;
        }
        // A probed file over the per-file limit was never accepted; one accepted but over
        // the budget is reported, as the tar path does.
        if size <= limits.max_capture_file && budget.take(size) {
            to_read.push((rel, path, size));
        } else {
            tracing::warn!(%path, size, "file over the capture limit, content not kept");
            index.not_captured.insert(path);
        }
    }
    let contents = parallel(&to_read, |(rel, _, size)| {
        let path = root.join(OsStr::from_bytes(rel));
        let mut file = File::open(&path).at(&path)?;
        read_content(&mut file, *size).at(&path)
    });
    for ((_, path, _), content) in to_read.into_iter().zip(contents) {
        index.content.insert(path, content?);
    }
    Ok(index)
}

/// What `select` wants of the change, if it adds a regular file.
fn wanted(select: &dyn Select, change: &Change) -> Want {
    match change {
        Change::Add(e) => match e.kind {
            EntryKind::File { size } => select.select(&Candidate {
                path: &e.path,
                size,
                mode: e.mode,
            }),
            _ => Want::Skip,
        },
        _ => Want::Skip,
    }
}

impl Found {
    /// The tar entry this name would be, with `kind` as it is in the tar.
    fn raw(&self, name: String, kind: RawKind) -> Raw {
        Raw {
            name,
            kind,
            mode: self.mode & 0o7777,
            uid: 0,
            gid: 0,
            mtime: self.mtime,
        }
    }

    /// Interprets the name as the tar path would, unless it is a regular file with other
    /// links (those wait for the ordered pass).
    fn ready(self, select: &dyn Select) -> Walked {
        if let (FoundKind::File { size }, Some(key)) = (&self.kind, self.inode) {
            let size = *size;
            return Walked::Linked {
                found: self,
                size,
                key,
            };
        }
        let name = String::from_utf8_lossy(&self.rel).into_owned();
        let (kind, dir) = match &self.kind {
            FoundKind::Dir(id) => (RawKind::Dir, Some(*id)),
            FoundKind::Symlink(target) => (
                RawKind::Symlink(Some(String::from_utf8_lossy(target).into_owned())),
                None,
            ),
            FoundKind::Special(s) => (RawKind::Special(*s), None),
            FoundKind::File { size } => (RawKind::File { size: *size }, None),
        };
        let (change, note) = entry::interpret(self.raw(name, kind), 0);
        let want = wanted(select, &change);
        Walked::Ready {
            rel: self.rel,
            change,
            note,
            want,
            dir,
        }
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

/// The listings of every directory under `root`, by id (the root's is 0), each sorted
/// by name and made ready by the thread that listed it.
fn walk(root: &Path, select: &dyn Select, limits: &Limits) -> Result<Vec<Vec<Walked>>> {
    let queue = Queue {
        state: Mutex::new(QueueState {
            dirs: vec![Job {
                path: root.to_owned(),
                rel: Vec::new(),
                depth: 0,
                id: 0,
            }],
            busy: 0,
        }),
        ready: Condvar::new(),
    };
    let ids = AtomicUsize::new(1);
    let failed = AtomicBool::new(false);
    let error: Mutex<Option<Error>> = Mutex::new(None);
    let count = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_THREADS);
    let mut all: Vec<(usize, Vec<Walked>)> = Vec::new();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    while let Some(job) = queue.next() {
                        let mut subdirs = Vec::new();
                        let result = if failed.load(Ordering::Relaxed) {
                            Ok(Vec::new())
                        } else {
                            list(&job, &ids, &mut subdirs)
                        };
                        let result = result.and_then(|found| {
                            let total =
                                count.fetch_add(found.len(), Ordering::Relaxed) + found.len();
                            if total > limits.max_entries {
                                return Err(Error::InvalidTarget {
                                    input: root.display().to_string(),
                                    reason: format!("more than {} paths", limits.max_entries),
                                });
                            }
                            Ok(found)
                        });
                        match result {
                            Ok(found) => {
                                let walked = found.into_iter().map(|f| f.ready(select)).collect();
                                mine.push((job.id, walked));
                            }
                            Err(e) => {
                                failed.store(true, Ordering::Relaxed);
                                if let Ok(mut slot) = error.lock() {
                                    slot.get_or_insert(e);
                                }
                                subdirs.clear();
                            }
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
    let mut listings: Vec<Vec<Walked>> = Vec::new();
    listings.resize_with(ids.into_inner(), Vec::new);
    for (id, walked) in all {
        listings[id] = walked;
    }
    Ok(listings)
}

/// A directory to list: where it is, its path relative to the root, how deep it is and
/// the id its listing goes under.
struct Job {
    path: PathBuf,
    rel: Vec<u8>,
    depth: usize,
    id: usize,
}

/// Lists one directory, sorted by name; its subdirectories go to `subdirs` with new ids.
fn list(job: &Job, ids: &AtomicUsize, subdirs: &mut Vec<Job>) -> Result<Vec<Found>> {
    let Job {
        path: dir,
        rel,
        depth,
        ..
    } = job;
    if *depth > MAX_DEPTH {
        return Err(Error::InvalidTarget {
            input: dir.display().to_string(),
            reason: format!("directories nested more than {MAX_DEPTH} deep"),
        });
    }
    let mut out = Vec::new();
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
            let id = ids.fetch_add(1, Ordering::Relaxed);
            subdirs.push(Job {
                path: path(),
                rel: child_rel.clone(),
                depth: depth + 1,
                id,
            });
            FoundKind::Dir(id)
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
    // Siblings share the directory's prefix: byte order of their names is tar order.
    out.sort_unstable_by(|a, b| a.rel.cmp(&b.rel));
    Ok(out)
}

/// Directories still to list, shared by the walking threads.
struct Queue {
    state: Mutex<QueueState>,
    ready: Condvar,
}

struct QueueState {
    dirs: Vec<Job>,
    /// Directories being listed right now (they may add more).
    busy: usize,
}

impl Queue {
    /// The next directory, or `None` once nothing is queued and nobody is listing.
    fn next(&self) -> Option<Job> {
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

    fn done(&self, more: Vec<Job>) {
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
