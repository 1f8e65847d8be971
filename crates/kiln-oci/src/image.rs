//! Resolving what a target names to one platform's image: manifest, config, layers.

use kiln_types::Platform;

use crate::manifest::{Descriptor, ImageConfig, ImageManifest, Parsed, RawManifest, parse_config};
use crate::source::{ImageSource, read_blob};
use crate::{Error, Result};

/// How deep nested indexes may go before kiln stops following them.
const MAX_INDEX_DEPTH: usize = 4;

/// An index entry that names a runnable image (not an attestation manifest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformEntry {
    pub platform: Platform,
    pub descriptor: Descriptor,
}

/// One platform's image, resolved from a source.
#[derive(Debug, Clone)]
pub struct Image {
    /// What the target names: an index or the image manifest itself.
    pub root: RawManifest,
    /// The runnable images the root lists, when it is an index.
    pub platforms: Vec<PlatformEntry>,
    /// The chosen image manifest, exact bytes.
    pub manifest: RawManifest,
    pub parsed: ImageManifest,
    /// The config blob, exact bytes, and parsed.
    pub config_bytes: Vec<u8>,
    pub config: ImageConfig,
}

impl Image {
    /// Resolves the source's root to one image: the index entry for `want` (default: the
    /// host's platform, or the only entry), then reads and verifies its config.
    pub fn resolve(src: &dyn ImageSource, want: Option<&Platform>) -> Result<Image> {
        let root = src.root_manifest()?;
        let mut platforms = Vec::new();
        let manifest = match root.parse(&src.name())? {
            Parsed::Image(_) => root.clone(),
            Parsed::Index(_) => {
                collect_platforms(src, &root, 0, &mut platforms)?;
                choose(src, &platforms, want)?
            }
        };
        let parsed =
            match manifest.parse(&format!("{} manifest {}", src.name(), manifest.digest))? {
                Parsed::Image(m) => *m,
                Parsed::Index(_) => {
                    return Err(Error::InvalidManifest {
                        what: src.name(),
                        reason: "an index entry names another index where an image was expected"
                            .to_owned(),
                    });
                }
            };
        let config_bytes = read_blob(src, &parsed.config)?;
        let config = parse_config(
            &config_bytes,
            &format!("{} config {}", src.name(), parsed.config.digest),
        )?;
        if !config.rootfs.diff_ids.is_empty() && config.rootfs.diff_ids.len() != parsed.layers.len()
        {
            return Err(Error::InvalidManifest {
                what: src.name(),
                reason: format!(
                    "manifest lists {} layers but the config lists {} diff_ids",
                    parsed.layers.len(),
                    config.rootfs.diff_ids.len()
                ),
            });
        }
        if root.kind() == crate::media_type::ManifestKind::Image
            && let Some(want) = want
            && !want.accepts(&config.platform())
        {
            return Err(Error::NoMatchingPlatform {
                what: src.name(),
                wanted: want.to_string(),
                available: vec![config.platform().to_string()],
            });
        }
        Ok(Image {
            root,
            platforms,
            manifest,
            parsed,
            config_bytes,
            config,
        })
    }

    pub fn layers(&self) -> &[Descriptor] {
        &self.parsed.layers
    }

    /// The uncompressed digest of layer `i`, when the config lists it.
    pub fn diff_id(&self, i: usize) -> Option<&kiln_types::Digest> {
        self.config.rootfs.diff_ids.get(i)
    }
}

fn is_attestation(desc: &Descriptor) -> bool {
    desc.annotations.contains_key("vnd.docker.reference.type")
        || desc
            .platform
            .as_ref()
            .is_some_and(|p| p.os == "unknown" || p.architecture == "unknown")
}

fn collect_platforms(
    src: &dyn ImageSource,
    index: &RawManifest,
    depth: usize,
    out: &mut Vec<PlatformEntry>,
) -> Result<()> {
    if depth >= MAX_INDEX_DEPTH {
        return Err(Error::InvalidManifest {
            what: src.name(),
            reason: format!("indexes nested more than {MAX_INDEX_DEPTH} deep"),
        });
    }
    let Parsed::Index(parsed) = index.parse(&src.name())? else {
        return Ok(());
    };
    for entry in parsed.manifests {
        if is_attestation(&entry) {
            continue;
        }
        match crate::media_type::ManifestKind::of(&entry.media_type) {
            Some(crate::media_type::ManifestKind::Index) => {
                let child = src.manifest(&entry)?;
                collect_platforms(src, &child, depth + 1, out)?;
            }
            Some(crate::media_type::ManifestKind::Image) => {
                let platform = match &entry.platform {
                    Some(p) => p.platform(),
                    None => Platform::new("unknown", "unknown", None),
                };
                out.push(PlatformEntry {
                    platform,
                    descriptor: entry,
                });
            }
            None => {} // artifacts and unknown types are not images; skip them
        }
    }
    Ok(())
}

fn choose(
    src: &dyn ImageSource,
    entries: &[PlatformEntry],
    want: Option<&Platform>,
) -> Result<RawManifest> {
    let host = Platform::host();
    let chosen = match want {
        Some(want) => entries.iter().find(|e| want.accepts(&e.platform)),
        None if entries.len() == 1 => entries.first(),
        None => entries.iter().find(|e| host.accepts(&e.platform)),
    };
    match chosen {
        Some(entry) => src.manifest(&entry.descriptor),
        None => Err(Error::NoMatchingPlatform {
            what: src.name(),
            wanted: want.unwrap_or(&host).to_string(),
            available: entries.iter().map(|e| e.platform.to_string()).collect(),
        }),
    }
}
