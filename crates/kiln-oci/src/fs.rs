//! The merged filesystem view over an image's layers: whiteouts applied, links resolved
//! inside the image, and for every path the layer that last wrote it. Streamed: nothing
//! is extracted to disk.
//!
//! Each layer's tar is read once (layers in parallel), into a list of changes; the lists
//! are then applied base to top. Names are normalised with [`path::normalize`], so no
//! path of the view is ever outside the image root. Content of the files a caller asks
//! for is kept while streaming; content later overwritten or whited out is dropped.
//! What is kept is chosen per file from its path, size and mode ([`Select`]), and for
//! [`Want::Probe`] from its first bytes and a cheap look at it. A root directory
//! (`dir:`) can also be read by walking it ([`MergedFs::from_dir`]), into the same view
//! its one-layer tar gives.

mod entry;
mod index;
pub mod path;
mod resolve;
mod select;
mod walk;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

pub use entry::{Anomaly, Entry, EntryKind, Special};
pub(crate) use entry::{Change, decode as entry_change};
pub use index::{Budget, Capture, LayerIndex, Limits};
pub use select::{Candidate, Peek, Probe, Select, Want};

use crate::layer::LayerReader;
use crate::source::ImageSource;
use crate::{Error, Image, Result};

/// How many layers are decompressed at once, at most.
const MAX_THREADS: usize = 8;

/// The image's files as a container sees them.
#[derive(Debug, Default)]
pub struct MergedFs {
    entries: BTreeMap<String, Entry>,
    content: HashMap<String, Arc<[u8]>>,
    not_captured: BTreeSet<String>,
    anomalies: Vec<Anomaly>,
}

impl MergedFs {
    /// Reads every layer of `image` once, keeping the content of regular files for
    /// which `capture(path, size)` is true, within the default [`Limits`].
    pub fn from_image(
        src: &dyn ImageSource,
        image: &Image,
        capture: Capture<'_>,
    ) -> Result<MergedFs> {
        MergedFs::from_image_with(src, image, capture, &Limits::default())
    }

    /// [`MergedFs::from_image`] with explicit limits.
    pub fn from_image_with(
        src: &dyn ImageSource,
        image: &Image,
        capture: Capture<'_>,
        limits: &Limits,
    ) -> Result<MergedFs> {
        MergedFs::from_image_selected(src, image, &select::ByPathAndSize(capture), limits)
    }

    /// Reads a root filesystem directory as the one-layer image `dir:` names, without
    /// writing a tar: the tree is walked in parallel with `lstat` only and just the files
    /// `select` keeps are read. Gives the view the directory's tar gives
    /// ([`crate::rootfs::DirSource`] read with [`MergedFs::from_image_selected`]).
    pub fn from_dir(dir: &Path, select: &dyn Select, limits: &Limits) -> Result<MergedFs> {
        match std::fs::metadata(dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(Error::InvalidTarget {
                    input: format!("dir:{}", dir.display()),
                    reason: "not a directory".to_owned(),
                });
            }
            Err(e) => return Err(Error::io(dir, e)),
        }
        let budget = Budget::new(limits.max_capture_total);
        let index = walk::read(dir, select, limits, &budget)?;
        let mut merged = MergedFs::default();
        merged.apply(index, limits)?;
        tracing::debug!(paths = merged.entries.len(), "directory read");
        Ok(merged)
    }

    /// [`MergedFs::from_image_with`] keeping what `select` chooses from each file's path,
    /// size and mode (and first bytes, for [`Want::Probe`]).
    pub fn from_image_selected(
        src: &dyn ImageSource,
        image: &Image,
        select: &dyn Select,
        limits: &Limits,
    ) -> Result<MergedFs> {
        let layers = image.layers();
        let budget = Budget::new(limits.max_capture_total);
        let slots: Vec<Mutex<Option<Result<LayerIndex>>>> =
            layers.iter().map(|_| Mutex::new(None)).collect();
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(MAX_THREADS)
            .min(layers.len().max(1));
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        if i >= layers.len() || failed.load(Ordering::SeqCst) {
                            break;
                        }
                        let result = read_layer(src, image, i, select, limits, &budget);
                        if result.is_err() {
                            failed.store(true, Ordering::SeqCst);
                        }
                        if let Ok(mut slot) = slots[i].lock() {
                            *slot = Some(result);
                        }
                    }
                });
            }
        });
        let mut merged = MergedFs::default();
        for (i, slot) in slots.into_iter().enumerate() {
            let taken = slot.into_inner().ok().flatten();
            match taken {
                Some(Ok(index)) => merged.apply(index, limits)?,
                Some(Err(e)) => return Err(e),
                // Not read because an earlier-started layer failed; report that one.
                None => continue,
            }
            tracing::debug!(layer = i, paths = merged.entries.len(), "layer merged");
        }
        if failed.into_inner() {
            return Err(Error::Layer {
                what: src.name(),
                reason: "a layer failed to read".to_owned(),
            });
        }
        Ok(merged)
    }

    /// Applies one layer on top of what is merged so far: its whiteouts and opaque
    /// markers first (they only hide lower layers), then its entries in tar order.
    pub fn apply(&mut self, index: LayerIndex, limits: &Limits) -> Result<()> {
        let index = if self.entries.is_empty() {
            match self.apply_to_empty(index, limits)? {
                Some(index) => index,
                None => return Ok(()),
            }
        } else {
            index
        };
        let LayerIndex {
            layer,
            changes,
            mut content,
            not_captured,
            anomalies,
        } = index;
        self.anomalies.extend(anomalies);
        for change in &changes {
            match change {
                Change::Whiteout(p) => {
                    self.remove(p);
                    self.remove_below(p);
                }
                Change::Opaque(dir) => self.remove_below(dir),
                Change::Add(_) | Change::Skip(_) => {}
            }
        }
        // A directory known to exist with only directories above it: entries come mostly
        // grouped by directory, so its siblings skip the walk up their ancestors.
        let mut checked: Option<String> = None;
        for change in changes {
            let Change::Add(new) = change else { continue };
            let parent = path::parent(&new.path);
            if checked.as_deref() != Some(parent) {
                if let Some(blocker) = path::ancestors(&new.path)
                    .find(|a| self.entries.get(*a).is_some_and(|e| !e.is_dir()))
                {
                    self.anomalies.push(Anomaly {
                        layer,
                        name: new.path.clone(),
                        reason: format!("{blocker} is not a directory; entry not applied"),
                    });
                    tracing::warn!(layer, path = %new.path, %blocker, "parent is not a directory");
                    continue;
                }
                for a in path::ancestors(&new.path) {
                    if !self.entries.contains_key(a) {
                        self.entries
                            .insert(a.to_owned(), Entry::implicit_dir(a, layer));
                    }
                }
                checked = Some(parent.to_owned());
            }
            if !new.is_dir()
                && checked
                    .as_deref()
                    .is_some_and(|c| path::is_at_or_below(c, &new.path))
            {
                checked = None;
            }
            let replaces_dir = self.entries.get(&new.path).is_some_and(Entry::is_dir);
            if replaces_dir && !new.is_dir() {
                self.remove_below(&new.path);
            }
            self.content.remove(&new.path);
            self.not_captured.remove(&new.path);
            if matches!(new.kind, EntryKind::File { .. }) {
                if let Some(bytes) = content.remove(&new.path) {
                    self.content.insert(new.path.clone(), bytes);
                }
                if not_captured.contains(&new.path) {
                    self.not_captured.insert(new.path.clone());
                }
            }
            self.entries.insert(new.path.clone(), new);
            if self.entries.len() > limits.max_entries {
                return Err(too_many_paths(layer, limits));
            }
        }
        Ok(())
    }

    /// The first layer, in one sorted build of the view, when none of the rules of
    /// [`MergedFs::apply`] can change the outcome: no path is added twice and every
    /// entry's parent is the root or a directory the layer adds (so no entry is blocked
    /// and no directory is implicit). Whiteouts hide nothing in an empty view. Gives the
    /// layer back when the general rules are needed.
    fn apply_to_empty(&mut self, index: LayerIndex, limits: &Limits) -> Result<Option<LayerIndex>> {
        let adds = || {
            index.changes.iter().filter_map(|c| match c {
                Change::Add(e) => Some(e),
                _ => None,
            })
        };
        let count = adds().count();
        let mut paths: HashSet<&str> = HashSet::with_capacity(count);
        let mut dirs: HashSet<&str> = HashSet::new();
        for e in adds() {
            if !paths.insert(&e.path) {
                return Ok(Some(index));
            }
            if e.is_dir() {
                dirs.insert(&e.path);
            }
        }
        let simple = adds().all(|e| {
            let parent = path::parent(&e.path);
            parent == "/" || dirs.contains(parent)
        });
        if !simple {
            return Ok(Some(index));
        }
        drop((paths, dirs));
        if count > limits.max_entries {
            return Err(too_many_paths(index.layer, limits));
        }
        let LayerIndex {
            changes,
            mut content,
            not_captured,
            anomalies,
            ..
        } = index;
        self.anomalies.extend(anomalies);
        let mut entries = Vec::with_capacity(count);
        for change in changes {
            let Change::Add(e) = change else { continue };
            if matches!(e.kind, EntryKind::File { .. }) {
                if let Some(bytes) = content.remove(&e.path) {
                    self.content.insert(e.path.clone(), bytes);
                }
                if not_captured.contains(&e.path) {
                    self.not_captured.insert(e.path.clone());
                }
            }
            entries.push((e.path.clone(), e));
        }
        self.entries = entries.into_iter().collect();
        Ok(None)
    }

    fn remove(&mut self, p: &str) {
        self.entries.remove(p);
        self.content.remove(p);
        self.not_captured.remove(p);
    }

    fn remove_below(&mut self, dir: &str) {
        let prefix = path::subtree_prefix(dir);
        let doomed: Vec<String> = self
            .entries
            .range(prefix.clone()..)
            .map(|(k, _)| k)
            .take_while(|k| k.starts_with(&prefix))
            .cloned()
            .collect();
        for p in doomed {
            self.remove(&p);
        }
    }

    /// Every path, in byte order of the path.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    /// The entry at `path` itself (a symlink is not followed). `path` is normalised.
    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.entries.get(path::normal_form(path).ok()?.as_ref())
    }

    /// The captured content of the regular file at `path`, or of the file a hard link
    /// at `path` points at. Symlinks are not followed (see [`MergedFs::resolve`]).
    pub fn read(&self, path: &str) -> Option<&[u8]> {
        let mut entry = self.get(path)?;
        for _ in 0..resolve::MAX_HOPS {
            match &entry.kind {
                EntryKind::File { .. } => {
                    return self.content.get(&entry.path).map(|b| &b[..]);
                }
                EntryKind::Hardlink { target } => entry = self.entries.get(target)?,
                _ => return None,
            }
        }
        None
    }

    /// Whether `path` was asked for but its content was over the capture limits.
    pub fn was_not_captured(&self, path: &str) -> bool {
        path::normal_form(path).is_ok_and(|p| self.not_captured.contains(p.as_ref()))
    }

    /// The entry `path` leads to, following symlinks (in the last and in intermediate
    /// components) inside the image only; `None` if nothing is there or links loop.
    pub fn resolve(&self, path: &str) -> Option<&Entry> {
        let p = resolve::resolve(&self.entries, path)?;
        self.entries.get(&p)
    }

    /// The normalised path `path` leads to after following symlinks inside the image
    /// (`/` for the root, which has no entry of its own).
    pub fn resolve_path(&self, path: &str) -> Option<String> {
        resolve::resolve(&self.entries, path)
    }

    /// The content of the file `path` resolves to.
    pub fn read_resolved(&self, path: &str) -> Option<&[u8]> {
        let p = resolve::resolve(&self.entries, path)?;
        self.read(&p)
    }

    /// Regular files and hard links.
    pub fn file_count(&self) -> usize {
        self.entries
            .values()
            .filter(|e| matches!(e.kind, EntryKind::File { .. } | EntryKind::Hardlink { .. }))
            .count()
    }

    /// The sum of regular file sizes (hard links not counted twice).
    pub fn total_size(&self) -> u64 {
        self.entries
            .values()
            .map(|e| match e.kind {
                EntryKind::File { size } => size,
                _ => 0,
            })
            .sum()
    }

    /// Entries that were not applied as written (escaping names, bad whiteouts,
    /// parents that are not directories), at most [`Limits::max_anomalies`] per layer.
    pub fn anomalies(&self) -> &[Anomaly] {
        &self.anomalies
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The error for an image with more paths than `limits` allow, found applying `layer`.
fn too_many_paths(layer: usize, limits: &Limits) -> Error {
    Error::Layer {
        what: format!("layer {layer}"),
        reason: format!("more than {} paths in the image", limits.max_entries),
    }
}

/// Reads layer `i` of `image` through its verifying reader and drains it, so the blob
/// digest and the diff_id are checked over every byte.
fn read_layer(
    src: &dyn ImageSource,
    image: &Image,
    i: usize,
    select: &dyn Select,
    limits: &Limits,
    budget: &Budget,
) -> Result<LayerIndex> {
    let desc = &image.layers()[i];
    let mut reader = LayerReader::open(src, desc, image.diff_id(i))?;
    let what = reader.what().to_owned();
    let index = LayerIndex::read_selected(&mut reader, i, &what, select, limits, budget);
    // A verification failure explains a tar error better than the tar error does.
    let finished = reader.finish();
    match (index, finished) {
        (Ok(index), Ok(())) => Ok(index),
        (_, Err(e @ (Error::DigestMismatch { .. } | Error::SizeMismatch { .. }))) => Err(e),
        (Err(e), _) | (Ok(_), Err(e)) => Err(e),
    }
}
