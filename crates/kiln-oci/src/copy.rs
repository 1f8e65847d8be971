//! Copying an image between any two places, manifest digests kept byte for byte.
//!
//! The copy walks the root (index children included, attestation manifests too), copies
//! every blob it names in parallel, then writes child manifests before their parents and
//! commits the root last, so a failed copy leaves the destination as it was.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use kiln_types::Platform;

use crate::image::Image;
use crate::manifest::{Descriptor, Parsed, RawManifest};
use crate::media_type::ManifestKind;
use crate::source::{ImageDestination, ImageSource, open_blob};
use crate::{Error, Result};

/// How deep nested indexes may go.
const MAX_DEPTH: usize = 4;

/// Progress of a copy, reported by the library and shown by the CLI.
pub trait CopyReporter: Send + Sync {
    /// A blob is about to be copied.
    fn on_blob_start(&self, _desc: &Descriptor) {}
    /// A blob is done: copied, mounted, or already present (`skipped`).
    fn on_blob_done(&self, _desc: &Descriptor, _skipped: bool) {}
}

/// A reporter that reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl CopyReporter for Silent {}

/// What to copy and how.
#[derive(Debug, Clone)]
pub struct CopyOptions {
    /// Copy only this platform's image out of an index (its manifest becomes the root).
    /// `None` copies everything, keeping the index digest.
    pub platform: Option<Platform>,
    /// Blobs copied at once.
    pub jobs: usize,
}

impl Default for CopyOptions {
    fn default() -> CopyOptions {
        CopyOptions {
            platform: None,
            jobs: 4,
        }
    }
}

/// What a copy did.
#[derive(Debug, Clone)]
pub struct CopyReport {
    /// The root written: same digest as the source's (or the platform manifest's).
    pub root: Descriptor,
    pub manifests: usize,
    pub blobs_copied: usize,
    pub blobs_skipped: usize,
    pub bytes_copied: u64,
}

/// Copies the image `src` names into `dest`.
pub fn copy(
    src: &dyn ImageSource,
    dest: Box<dyn ImageDestination>,
    options: &CopyOptions,
    reporter: &dyn CopyReporter,
) -> Result<CopyReport> {
    let root = match &options.platform {
        Some(platform) => Image::resolve(src, Some(platform))?.manifest,
        None => src.root_manifest()?,
    };
    let mut plan = Plan::default();
    plan.walk(src, &root, 0)?;
    tracing::debug!(
        root = %root.digest,
        manifests = plan.children.len(),
        blobs = plan.blobs.len(),
        "copy plan"
    );

    let stats = copy_blobs(
        src,
        dest.as_ref(),
        &plan.blobs,
        options.jobs.max(1),
        reporter,
    )?;
    // Children were collected parents-first; write them deepest-first.
    for child in plan.children.iter().rev() {
        dest.put_manifest(child)?;
    }
    let root_desc = root.descriptor();
    dest.commit(&root)?;
    Ok(CopyReport {
        root: root_desc,
        manifests: plan.children.len() + 1,
        blobs_copied: stats.copied,
        blobs_skipped: stats.skipped,
        bytes_copied: stats.bytes,
    })
}

#[derive(Default)]
struct Plan {
    children: Vec<RawManifest>,
    blobs: Vec<Descriptor>,
    seen: BTreeSet<String>,
}

impl Plan {
    fn walk(&mut self, src: &dyn ImageSource, raw: &RawManifest, depth: usize) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(Error::InvalidManifest {
                what: src.name(),
                reason: format!("indexes nested more than {MAX_DEPTH} deep"),
            });
        }
        let what = format!("{} manifest {}", src.name(), raw.digest);
        match raw.parse(&what)? {
            Parsed::Image(m) => {
                self.blob(m.config);
                for layer in m.layers {
                    self.blob(layer);
                }
            }
            Parsed::Index(index) => {
                for entry in index.manifests {
                    if ManifestKind::of(&entry.media_type).is_some() {
                        if self.seen.insert(entry.digest.to_string()) {
                            let child = src.manifest(&entry)?;
                            self.children.push(child.clone());
                            self.walk(src, &child, depth + 1)?;
                        }
                    } else {
                        // Something an index lists that is not a manifest: copy it as a blob.
                        self.blob(entry);
                    }
                }
            }
        }
        Ok(())
    }

    fn blob(&mut self, desc: Descriptor) {
        if self.seen.insert(desc.digest.to_string()) {
            self.blobs.push(desc);
        }
    }
}

#[derive(Default)]
struct BlobStats {
    copied: usize,
    skipped: usize,
    bytes: u64,
}

fn copy_blobs(
    src: &dyn ImageSource,
    dest: &dyn ImageDestination,
    blobs: &[Descriptor],
    jobs: usize,
    reporter: &dyn CopyReporter,
) -> Result<BlobStats> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let copied = AtomicUsize::new(0);
    let skipped = AtomicUsize::new(0);
    let bytes = AtomicU64::new(0);
    let first_error: Mutex<Option<Error>> = Mutex::new(None);
    let mount_from = src.registry_location();

    let worker = || {
        while !failed.load(Ordering::Relaxed) {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(desc) = blobs.get(i) else { break };
            reporter.on_blob_start(desc);
            let outcome = (|| -> Result<bool> {
                if dest.has_blob(desc)? {
                    return Ok(true);
                }
                if let Some(from) = mount_from
                    && dest.mount_blob(desc, from)?
                {
                    return Ok(true);
                }
                let mut reader = open_blob(src, desc)?;
                dest.put_blob(desc, &mut reader)?;
                Ok(false)
            })();
            match outcome {
                Ok(was_skipped) => {
                    if was_skipped {
                        skipped.fetch_add(1, Ordering::Relaxed);
                    } else {
                        copied.fetch_add(1, Ordering::Relaxed);
                        bytes.fetch_add(desc.size, Ordering::Relaxed);
                    }
                    reporter.on_blob_done(desc, was_skipped);
                }
                Err(e) => {
                    failed.store(true, Ordering::Relaxed);
                    let mut slot = first_error.lock().unwrap_or_else(|p| p.into_inner());
                    slot.get_or_insert(e);
                }
            }
        }
    };
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(blobs.len()).max(1) {
            scope.spawn(worker);
        }
    });
    if let Some(e) = first_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    Ok(BlobStats {
        copied: copied.into_inner(),
        skipped: skipped.into_inner(),
        bytes: bytes.into_inner(),
    })
}
