//! OCI image layouts on disk: reading by tag or digest, and writing atomically.
//!
//! A layout is `oci-layout` (`{"imageLayoutVersion":"1.0.0"}`), `index.json` (an image
//! index whose entries carry tags as `org.opencontainers.image.ref.name`) and
//! `blobs/<algorithm>/<hex>`. Blob paths are built only from parsed [`Digest`]s, so no
//! input can name a file outside `blobs/`.

mod read;
mod store;
mod write;

use std::path::{Path, PathBuf};

use kiln_types::Digest;

use crate::manifest::{Descriptor, ImageIndex};
use crate::{Error, IoContext, Result};

pub use read::LayoutSource;
pub use write::LayoutDestination;

pub(crate) use store::{BlobStore, write_file_atomic};

/// The annotation that holds an index entry's tag.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// The annotation containerd (and Docker ≥25) use for the full image name.
pub const CONTAINERD_NAME: &str = "io.containerd.image.name";
/// The content of `oci-layout` kiln writes.
pub const LAYOUT_HEADER: &[u8] = br#"{"imageLayoutVersion":"1.0.0"}"#;

/// Which image of a layout's `index.json` a target names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayoutRef {
    /// The only image, or the one tagged `latest`.
    Default,
    /// The entry whose `org.opencontainers.image.ref.name` is this tag.
    Tag(String),
    /// The entry with this digest.
    Digest(Digest),
}

/// The path of a blob below a layout root. The digest's shape guarantees the path stays
/// inside `blobs/`.
pub fn blob_path(root: &Path, digest: &Digest) -> PathBuf {
    root.join("blobs")
        .join(digest.algorithm().name())
        .join(digest.hex())
}

/// The tag of an index entry: its `ref.name`, else the tag of its containerd image name.
pub fn entry_tag(desc: &Descriptor) -> Option<&str> {
    if let Some(tag) = desc.annotations.get(REF_NAME) {
        return Some(tag);
    }
    let name = desc.annotations.get(CONTAINERD_NAME)?;
    let last = name.rsplit('/').next().unwrap_or(name);
    last.rsplit_once(':').map(|(_, tag)| tag)
}

/// Whether index entry `desc` is tagged `tag`: by `ref.name`, or by a containerd image
/// name ending in `:tag`.
pub fn entry_has_tag(desc: &Descriptor, tag: &str) -> bool {
    desc.annotations.get(REF_NAME).is_some_and(|t| t == tag)
        || desc
            .annotations
            .get(CONTAINERD_NAME)
            .is_some_and(|n| n.strip_suffix(tag).is_some_and(|r| r.ends_with(':')))
}

/// Checks `oci-layout` in `dir` names a layout version kiln reads.
pub(crate) fn check_header(dir: &Path, name: &str) -> Result<()> {
    let path = dir.join("oci-layout");
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if !dir.exists() {
                return Err(Error::NotFound {
                    what: format!("{name}: directory {}", dir.display()),
                });
            }
            return Err(Error::InvalidManifest {
                what: name.to_owned(),
                reason: "not an OCI layout: it has no oci-layout file".to_owned(),
            });
        }
        Err(e) => return Err(Error::io(path, e)),
    };
    check_header_bytes(&bytes, name)
}

/// Checks the bytes of an `oci-layout` file.
pub(crate) fn check_header_bytes(bytes: &[u8], name: &str) -> Result<()> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Header {
        image_layout_version: String,
    }
    let header: Header = serde_json::from_slice(bytes).map_err(|e| Error::InvalidManifest {
        what: format!("{name} oci-layout"),
        reason: format!("not a layout header: {e}"),
    })?;
    if header.image_layout_version != "1.0.0" {
        return Err(Error::Unsupported {
            what: format!("{name} oci-layout"),
            reason: format!(
                "image layout version {:?}; kiln reads 1.0.0",
                header.image_layout_version
            ),
        });
    }
    Ok(())
}

/// Parses `index.json` bytes.
pub(crate) fn parse_index(bytes: &[u8], name: &str) -> Result<ImageIndex> {
    let index: ImageIndex = serde_json::from_slice(bytes).map_err(|e| Error::InvalidManifest {
        what: format!("{name} index.json"),
        reason: format!("not an image index: {e}"),
    })?;
    if index.schema_version != 2 {
        return Err(Error::InvalidManifest {
            what: format!("{name} index.json"),
            reason: format!("schemaVersion is {}, not 2", index.schema_version),
        });
    }
    Ok(index)
}

/// Reads and parses `dir/index.json`, refusing more than [`crate::blob::MAX_SMALL_BLOB`].
pub(crate) fn read_index(dir: &Path, name: &str) -> Result<ImageIndex> {
    let path = dir.join("index.json");
    let len = std::fs::metadata(&path).at(&path)?.len();
    if len > crate::blob::MAX_SMALL_BLOB {
        return Err(Error::Unsupported {
            what: format!("{name} index.json"),
            reason: format!("{len} bytes is more than the size limit"),
        });
    }
    parse_index(&std::fs::read(&path).at(&path)?, name)
}

/// Picks the entry `reference` names from a layout or archive index. Returns the entry
/// and its tag. `name` is the target as the user wrote it, for errors.
pub(crate) fn select_entry(
    index: &ImageIndex,
    reference: &LayoutRef,
    name: &str,
) -> Result<Option<Descriptor>> {
    let tags = || {
        let tags: Vec<&str> = index.manifests.iter().filter_map(entry_tag).collect();
        if tags.is_empty() {
            "none".to_owned()
        } else {
            tags.join(", ")
        }
    };
    match reference {
        LayoutRef::Tag(tag) => match index.manifests.iter().find(|d| entry_has_tag(d, tag)) {
            Some(d) => Ok(Some(d.clone())),
            None => Err(Error::NotFound {
                what: format!("{name}: tag {tag:?} (tags in the index: {})", tags()),
            }),
        },
        LayoutRef::Digest(digest) => Ok(index
            .manifests
            .iter()
            .find(|d| &d.digest == digest)
            .cloned()),
        LayoutRef::Default => {
            if let [only] = index.manifests.as_slice() {
                return Ok(Some(only.clone()));
            }
            if let Some(latest) = index.manifests.iter().find(|d| entry_has_tag(d, "latest")) {
                return Ok(Some(latest.clone()));
            }
            if index.manifests.is_empty() {
                return Err(Error::NotFound {
                    what: format!("{name}: an image (the index is empty)"),
                });
            }
            Err(Error::InvalidTarget {
                input: name.to_owned(),
                reason: format!(
                    "it holds {} images and none is tagged `latest`; name one by tag ({}) or digest",
                    index.manifests.len(),
                    tags()
                ),
            })
        }
    }
}
