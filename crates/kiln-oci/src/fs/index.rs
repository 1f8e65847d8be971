//! One layer's tar read once into a list of changes, with the content of the files a
//! caller asked for.

use std::collections::{BTreeSet, HashMap};
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::entry::{self, Anomaly, Change, EntryKind};
use super::select::{ByPathAndSize, Candidate, Select, Want};
use crate::{Error, Result};

/// Decides, from an image path and a file size, whether to keep a file's content.
pub type Capture<'a> = &'a (dyn Fn(&str, u64) -> bool + Sync);

/// Bounds on what reading an image may hold in memory.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Tar entries in one layer, and paths in the merged view.
    pub max_entries: usize,
    /// Captured bytes over the whole image.
    pub max_capture_total: u64,
    /// Captured bytes of one file; larger files are not captured.
    pub max_capture_file: u64,
    /// Anomalies kept per layer (the rest are only logged).
    pub max_anomalies: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_entries: 10_000_000,
            max_capture_total: 512 << 20,
            max_capture_file: 256 << 20,
            max_anomalies: 1000,
        }
    }
}

/// What is left of the capture budget, shared by the threads reading layers.
#[derive(Debug)]
pub struct Budget(AtomicU64);

impl Budget {
    pub fn new(bytes: u64) -> Budget {
        Budget(AtomicU64::new(bytes))
    }

    pub(crate) fn take(&self, bytes: u64) -> bool {
        self.0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(bytes)
            })
            .is_ok()
    }
}

/// One layer, read.
#[derive(Debug, Default)]
pub struct LayerIndex {
    pub(crate) layer: usize,
    pub(crate) changes: Vec<Change>,
    /// Captured content of the files as the layer leaves them, by path.
    pub(crate) content: HashMap<String, Arc<[u8]>>,
    /// Files the caller asked for but that the limits did not allow.
    pub(crate) not_captured: BTreeSet<String>,
    pub(crate) anomalies: Vec<Anomaly>,
}

impl LayerIndex {
    /// Reads a layer's uncompressed tar stream. `what` names the layer in errors. The
    /// reader is left after the tar's end marker; the caller drains it to verify.
    pub fn read(
        reader: &mut dyn Read,
        layer: usize,
        what: &str,
        capture: Capture<'_>,
        limits: &Limits,
        budget: &Budget,
    ) -> Result<LayerIndex> {
        LayerIndex::read_selected(reader, layer, what, &ByPathAndSize(capture), limits, budget)
    }

    /// [`LayerIndex::read`] keeping what `select` chooses (path, size and mode; first
    /// bytes and a probe for [`Want::Probe`]).
    pub fn read_selected(
        reader: &mut dyn Read,
        layer: usize,
        what: &str,
        select: &dyn Select,
        limits: &Limits,
        budget: &Budget,
    ) -> Result<LayerIndex> {
        let corrupt = |reason: String| Error::Layer {
            what: what.to_owned(),
            reason,
        };
        let mut index = LayerIndex {
            layer,
            ..LayerIndex::default()
        };
        let mut archive = tar::Archive::new(reader);
        let entries = archive
            .entries()
            .map_err(|e| corrupt(format!("not a tar: {e}")))?;
        for (n, item) in entries.enumerate() {
            if n >= limits.max_entries {
                return Err(corrupt(format!("more than {} entries", limits.max_entries)));
            }
            let mut tar_entry = item.map_err(|e| corrupt(e.to_string()))?;
            let (change, note) = entry::decode(&tar_entry, layer);
            if let Some(note) = note {
                index.note(note, limits);
            }
            match change {
                Change::Skip(anomaly) => index.note(anomaly, limits),
                Change::Add(e) => {
                    index.content.remove(&e.path);
                    index.not_captured.remove(&e.path);
                    if let EntryKind::File { size } = e.kind {
                        let file = Candidate {
                            path: &e.path,
                            size,
                            mode: e.mode,
                        };
                        let kept = keep(&mut tar_entry, &file, select, limits, budget, what)
                            .map_err(|err| corrupt(format!("{}: {err}", e.path)))?;
                        match kept {
                            Kept::Content(bytes) => {
                                index.content.insert(e.path.clone(), bytes);
                            }
                            Kept::OverLimit => {
                                index.not_captured.insert(e.path.clone());
                            }
                            Kept::Nothing => {}
                        }
                    }
                    index.changes.push(Change::Add(e));
                }
                other => index.changes.push(other),
            }
        }
        Ok(index)
    }

    pub(crate) fn note(&mut self, anomaly: Anomaly, limits: &Limits) {
        tracing::warn!(layer = anomaly.layer, name = %anomaly.name, "{}", anomaly.reason);
        if self.anomalies.len() < limits.max_anomalies {
            self.anomalies.push(anomaly);
        }
    }
}

/// What became of one regular file's content.
pub(crate) enum Kept {
    Nothing,
    Content(Arc<[u8]>),
    /// Wanted, but over [`Limits::max_capture_file`] or the image's budget.
    OverLimit,
}

/// Applies `select` to one file whose content `reader` yields (a tar entry).
fn keep(
    reader: &mut dyn Read,
    file: &Candidate<'_>,
    select: &dyn Select,
    limits: &Limits,
    budget: &Budget,
    what: &str,
) -> std::io::Result<Kept> {
    let size = file.size;
    match select.select(file) {
        Want::Skip => Ok(Kept::Nothing),
        Want::Content => {
            if size <= limits.max_capture_file && budget.take(size) {
                read_content(reader, size).map(Kept::Content)
            } else {
                tracing::warn!(path = %file.path, size, "{what}: file over the capture limit, content not kept");
                Ok(Kept::OverLimit)
            }
        }
        Want::Probe { magic, probe } => {
            if size < magic.len() as u64 || size > limits.max_capture_file {
                return Ok(Kept::Nothing);
            }
            let mut head = vec![0u8; magic.len()];
            reader.read_exact(&mut head)?;
            if head != magic {
                return Ok(Kept::Nothing);
            }
            head.reserve(usize::try_from(size).unwrap_or(0).min(64 << 20));
            reader
                .take(size - magic.len() as u64)
                .read_to_end(&mut head)?;
            if head.len() as u64 != size {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "file content is cut short",
                ));
            }
            if !probe(&&head[..]) {
                return Ok(Kept::Nothing);
            }
            if budget.take(size) {
                Ok(Kept::Content(head.into()))
            } else {
                tracing::warn!(path = %file.path, size, "{what}: file over the capture limit, content not kept");
                Ok(Kept::OverLimit)
            }
        }
    }
}

/// Files up to this size are read straight into their shared buffer; larger ones (which
/// may yet prove shorter than their header says) grow a buffer as they are read.
const READ_IN_PLACE: u64 = 64 << 20;

pub(crate) fn read_content(reader: &mut dyn Read, size: u64) -> std::io::Result<Arc<[u8]>> {
    if size <= READ_IN_PLACE {
        // One allocation, no copy: a `Vec` turned into an `Arc<[u8]>` is copied whole.
        let len = usize::try_from(size).unwrap_or(0);
        let mut bytes: Arc<[u8]> = std::iter::repeat_n(0u8, len).collect();
        let buf = Arc::get_mut(&mut bytes).ok_or_else(|| std::io::Error::other("shared buffer"))?;
        reader.read_exact(buf).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => cut_short(),
            _ => e,
        })?;
        return Ok(bytes);
    }
    let mut bytes = Vec::with_capacity(READ_IN_PLACE as usize);
    reader.take(size).read_to_end(&mut bytes)?;
    if bytes.len() as u64 != size {
        return Err(cut_short());
    }
    Ok(bytes.into())
}

fn cut_short() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::UnexpectedEof,
        "file content is cut short",
    )
}
