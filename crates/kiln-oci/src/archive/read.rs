//! Reading one image from a docker-archive, without extracting it.
//!
//! A Docker ≥25 archive is also an OCI layout: its `index.json` is used, so manifest
//! digests are the original ones. A classic archive (`manifest.json` only) gets an OCI
//! manifest synthesised from its config and layer files.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use kiln_types::{Digest, ImageRef};

use crate::blob::{MAX_SMALL_BLOB, read_verified};
use crate::layout::{CONTAINERD_NAME, REF_NAME, entry_tag};
use crate::manifest::{Descriptor, RawManifest};
use crate::source::ImageSource;
use crate::{Error, Result};

use super::classic;
use super::members::Members;

/// Reads one image from a `docker save` archive (classic or combined form).
#[derive(Debug)]
pub struct ArchiveSource {
    name: String,
    members: Members,
    root: RawManifest,
    /// Where each blob lives: `blobs/<alg>/<hex>` in the OCI form, the paths
    /// `manifest.json` gives in the classic one.
    blobs: HashMap<Digest, String>,
    oci: bool,
    tag: Option<String>,
}

impl ArchiveSource {
    /// Indexes `file` and selects the image `reference` names (a `RepoTags` entry such as
    /// `app:1`, or `@N` for the N-th image); without one, the only or first image.
    pub fn open(file: &Path, reference: Option<&str>) -> Result<ArchiveSource> {
        let name = format!("docker-archive:{}", file.display());
        let members = Members::index(file, &name)?;
        let classic_entries = if members.contains("manifest.json") {
            Some(classic::read_manifest_json(&members, &name)?)
        } else {
            None
        };
        if members.contains("index.json") && members.contains("oci-layout") {
            let layout_header = members.read("oci-layout", 4096)?;
            crate::layout::check_header_bytes(&layout_header, &name)?;
            let (root, tag) = open_oci(&members, &name, reference, classic_entries.as_deref())?;
            return Ok(ArchiveSource {
                name,
                members,
                root,
                blobs: HashMap::new(),
                oci: true,
                tag,
            });
        }
        let Some(entries) = classic_entries else {
            let reason = if members.contains("repositories") {
                "it has only a legacy `repositories` file (docker before 1.10); not supported"
            } else {
                "no manifest.json or index.json: not a docker-archive"
            };
            return Err(Error::Archive {
                what: name,
                reason: reason.to_owned(),
            });
        };
        let image = classic::synthesise(&members, &name, &entries, reference)?;
        Ok(ArchiveSource {
            name,
            members,
            root: image.manifest,
            blobs: image.blobs,
            oci: false,
            tag: image.tag,
        })
    }

    fn member_of(&self, digest: &Digest) -> Result<String> {
        if self.oci {
            return Ok(format!(
                "blobs/{}/{}",
                digest.algorithm().name(),
                digest.hex()
            ));
        }
        self.blobs
            .get(digest)
            .cloned()
            .ok_or_else(|| Error::NotFound {
                what: format!("{}: blob {digest}", self.name),
            })
    }
}

impl ImageSource for ArchiveSource {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn root_manifest(&self) -> Result<RawManifest> {
        Ok(self.root.clone())
    }

    fn manifest(&self, desc: &Descriptor) -> Result<RawManifest> {
        if desc.digest == self.root.digest {
            return Ok(self.root.clone());
        }
        read_manifest(&self.members, &self.name, desc)
    }

    fn blob_stream(&self, desc: &Descriptor) -> Result<Box<dyn Read + Send + '_>> {
        let key = self.member_of(&desc.digest)?;
        match self.members.open(&key) {
            Ok(reader) => Ok(Box::new(reader)),
            Err(Error::NotFound { .. }) => Err(Error::NotFound {
                what: format!("{}: blob {}", self.name, desc.digest),
            }),
            Err(e) => Err(e),
        }
    }

    fn tag(&self) -> Option<String> {
        self.tag.clone()
    }
}

fn read_manifest(members: &Members, name: &str, desc: &Descriptor) -> Result<RawManifest> {
    let what = format!("{name} manifest {}", desc.digest);
    let key = format!(
        "blobs/{}/{}",
        desc.digest.algorithm().name(),
        desc.digest.hex()
    );
    let reader = members.open(&key).map_err(|_| Error::NotFound {
        what: format!("{name}: manifest {}", desc.digest),
    })?;
    let bytes = read_verified(reader, desc, &what)?;
    let declared = Some(desc.media_type.as_str()).filter(|m| !m.is_empty());
    RawManifest::verified(declared, bytes, &desc.digest, &what)
}

/// A reference normalised the way Docker reads `RepoTags` (`app` → `docker.io/library/app:latest`).
pub(super) fn normalise_ref(reference: &str) -> Option<String> {
    let parsed: ImageRef = reference.parse().ok()?;
    let parsed = match (parsed.tag(), parsed.digest()) {
        (None, None) => parsed.with_tag("latest").ok()?,
        _ => parsed,
    };
    Some(parsed.to_string())
}

/// Whether `candidate` (a RepoTags entry or containerd name) names `wanted`.
pub(super) fn ref_matches(candidate: &str, wanted: &str) -> bool {
    candidate == wanted
        || normalise_ref(candidate).is_some_and(|c| Some(c) == normalise_ref(wanted))
}

/// Selects the root of a combined archive from its `index.json`.
fn open_oci(
    members: &Members,
    name: &str,
    reference: Option<&str>,
    classic: Option<&[classic::Entry]>,
) -> Result<(RawManifest, Option<String>)> {
    let index_bytes = members.read("index.json", MAX_SMALL_BLOB)?;
    let index = crate::layout::parse_index(&index_bytes, name)?;
    let chosen = match reference {
        None => match index.manifests.first() {
            Some(first) => first.clone(),
            None => {
                return Err(Error::NotFound {
                    what: format!("{name}: an image (index.json is empty)"),
                });
            }
        },
        Some(wanted) => {
            if let Some(i) = wanted
                .strip_prefix('@')
                .and_then(|n| n.parse::<usize>().ok())
            {
                index
                    .manifests
                    .get(i)
                    .cloned()
                    .ok_or_else(|| Error::NotFound {
                        what: format!(
                            "{name}: image @{i} (the archive has {})",
                            index.manifests.len()
                        ),
                    })?
            } else {
                find_by_reference(members, name, &index.manifests, wanted, classic)?
            }
        }
    };
    let tag = chosen
        .annotations
        .get(CONTAINERD_NAME)
        .cloned()
        .or_else(|| reference.map(str::to_owned))
        .or_else(|| entry_tag(&chosen).map(str::to_owned));
    Ok((read_manifest(members, name, &chosen)?, tag))
}

fn find_by_reference(
    members: &Members,
    name: &str,
    entries: &[Descriptor],
    wanted: &str,
    classic: Option<&[classic::Entry]>,
) -> Result<Descriptor> {
    let by_annotation = entries.iter().find(|d| {
        d.annotations
            .get(CONTAINERD_NAME)
            .is_some_and(|n| ref_matches(n, wanted))
            || d.annotations.get(REF_NAME).is_some_and(|t| t == wanted)
    });
    if let Some(found) = by_annotation {
        return Ok(found.clone());
    }
    // Docker ≥25 tags only in manifest.json at times: match its Config to a manifest.
    let config = classic.and_then(|entries| {
        entries
            .iter()
            .find(|e| e.repo_tags.iter().any(|t| ref_matches(t, wanted)))
            .map(|e| e.config.clone())
    });
    if let Some(config_path) = config {
        for entry in entries {
            let Ok(raw) = read_manifest(members, name, entry) else {
                continue;
            };
            if let Ok(crate::manifest::Parsed::Image(m)) = raw.parse(name) {
                let key = format!(
                    "blobs/{}/{}",
                    m.config.digest.algorithm().name(),
                    m.config.digest.hex()
                );
                if super::members::normalise(&config_path) == key {
                    return Ok(entry.clone());
                }
            }
        }
    }
    let mut known: Vec<String> = entries
        .iter()
        .filter_map(|d| {
            d.annotations
                .get(CONTAINERD_NAME)
                .or(d.annotations.get(REF_NAME))
                .cloned()
        })
        .collect();
    if let Some(entries) = classic {
        known.extend(entries.iter().flat_map(|e| e.repo_tags.iter().cloned()));
    }
    known.sort();
    known.dedup();
    Err(Error::NotFound {
        what: format!(
            "{name}: image {wanted:?} (images in the archive: {})",
            if known.is_empty() {
                "none tagged".to_owned()
            } else {
                known.join(", ")
            }
        ),
    })
}
