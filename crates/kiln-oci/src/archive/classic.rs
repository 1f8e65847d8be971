//! The classic `docker save` form: `manifest.json` naming a config file and layer tars at
//! arbitrary paths, turned into an OCI image manifest.

use std::collections::HashMap;
use std::io::{self, Read};

use kiln_types::{Digest, Hasher};
use serde::Deserialize;

use crate::blob::MAX_SMALL_BLOB;
use crate::manifest::{Descriptor, ImageManifest, RawManifest, parse_config};
use crate::media_type::{self, Compression};
use crate::{Error, Result};

use super::members::Members;
use super::read::{normalise_ref, ref_matches};

/// One image of `manifest.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct Entry {
    pub(super) config: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub(super) repo_tags: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub(super) layers: Vec<String>,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default())
}

/// Parses the archive's `manifest.json`.
pub(super) fn read_manifest_json(members: &Members, name: &str) -> Result<Vec<Entry>> {
    let bytes = members.read("manifest.json", MAX_SMALL_BLOB)?;
    serde_json::from_slice(&bytes).map_err(|e| Error::Archive {
        what: format!("{name} manifest.json"),
        reason: format!("not a docker-archive manifest: {e}"),
    })
}

/// The OCI view of one classic image.
#[derive(Debug)]
pub(super) struct ClassicImage {
    pub(super) manifest: RawManifest,
    pub(super) blobs: HashMap<Digest, String>,
    pub(super) tag: Option<String>,
}

/// Picks the image `reference` names and builds its manifest: the config's sha256, and
/// each layer file's sha256 and sniffed compression. Uncompressed layers must equal the
/// config's `diff_ids`.
pub(super) fn synthesise(
    members: &Members,
    name: &str,
    entries: &[Entry],
    reference: Option<&str>,
) -> Result<ClassicImage> {
    let (entry, tag) = choose(members, name, entries, reference)?;
    let config_bytes = members.read(&entry.config, MAX_SMALL_BLOB)?;
    let config_digest = Digest::sha256(&config_bytes);
    let config = parse_config(&config_bytes, &format!("{name} config {:?}", entry.config))?;
    let mut blobs = HashMap::new();
    blobs.insert(config_digest.clone(), entry.config.clone());
    let mut layers = Vec::with_capacity(entry.layers.len());
    for (i, path) in entry.layers.iter().enumerate() {
        let what = format!("{name} layer {path:?}");
        let compression = sniff_member(members, path, &what)?;
        // An uncompressed layer is its own diff_id, so the config already names its
        // digest. Every read of a blob checks its digest at the end of the stream, and a
        // layer read that fails the check fails the whole command, so hashing the layer
        // here as well would only read the archive twice.
        let digest = match (compression, config.rootfs.diff_ids.get(i)) {
            (Compression::None, Some(diff_id)) => diff_id.clone(),
            _ => hash_member(members, path, &what)?,
        };
        let size = members.size(path)?;
        let media_type = match compression {
            Compression::None => media_type::OCI_LAYER,
            Compression::Gzip => media_type::OCI_LAYER_GZIP,
            Compression::Zstd => media_type::OCI_LAYER_ZSTD,
        };
        blobs.insert(digest.clone(), path.clone());
        layers.push(Descriptor::new(media_type, digest, size));
    }
    let manifest = ImageManifest {
        schema_version: 2,
        media_type: Some(media_type::OCI_MANIFEST.to_owned()),
        artifact_type: None,
        config: Descriptor::new(
            media_type::OCI_CONFIG,
            config_digest,
            config_bytes.len() as u64,
        ),
        layers,
        subject: None,
        annotations: Default::default(),
    };
    Ok(ClassicImage {
        manifest: RawManifest::from_value(media_type::OCI_MANIFEST, &manifest)?,
        blobs,
        tag,
    })
}

fn choose<'a>(
    members: &Members,
    name: &str,
    entries: &'a [Entry],
    reference: Option<&str>,
) -> Result<(&'a Entry, Option<String>)> {
    let Some(wanted) = reference else {
        let first = entries.first().ok_or_else(|| Error::Archive {
            what: name.to_owned(),
            reason: "manifest.json lists no images".to_owned(),
        })?;
        return Ok((first, first.repo_tags.first().cloned()));
    };
    if let Some(i) = wanted
        .strip_prefix('@')
        .and_then(|n| n.parse::<usize>().ok())
    {
        let entry = entries.get(i).ok_or_else(|| Error::NotFound {
            what: format!("{name}: image @{i} (the archive has {})", entries.len()),
        })?;
        return Ok((entry, entry.repo_tags.first().cloned()));
    }
    for entry in entries {
        if let Some(t) = entry.repo_tags.iter().find(|t| ref_matches(t, wanted)) {
            return Ok((entry, Some(t.clone())));
        }
    }
    // Old archives may tag only in `repositories`: {"repo": {"tag": "<top layer id>"}}.
    if let Some(entry) = from_repositories(members, entries, wanted) {
        return Ok((entry, Some(wanted.to_owned())));
    }
    let mut known: Vec<&str> = entries
        .iter()
        .flat_map(|e| e.repo_tags.iter().map(String::as_str))
        .collect();
    known.sort_unstable();
    Err(Error::NotFound {
        what: format!(
            "{name}: image {wanted:?} (tags in the archive: {})",
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        ),
    })
}

fn from_repositories<'a>(
    members: &Members,
    entries: &'a [Entry],
    wanted: &str,
) -> Option<&'a Entry> {
    let bytes = members.read("repositories", 1 << 20).ok()?;
    let repos: HashMap<String, HashMap<String, String>> = serde_json::from_slice(&bytes).ok()?;
    let wanted = normalise_ref(wanted)?;
    let id = repos.iter().find_map(|(repo, tags)| {
        tags.iter()
            .find(|(tag, _)| normalise_ref(&format!("{repo}:{tag}")).as_deref() == Some(&wanted))
            .map(|(_, id)| id.clone())
    })?;
    entries.iter().find(|e| {
        e.layers
            .last()
            .is_some_and(|l| super::members::normalise(l).starts_with(&format!("{id}/")))
    })
}

fn open_member<'a>(members: &'a Members, path: &str, what: &str) -> Result<impl Read + 'a> {
    members.open(path).map_err(|_| Error::Archive {
        what: what.to_owned(),
        reason: "manifest.json names a layer file the archive does not have".to_owned(),
    })
}

fn read_error(what: &str) -> impl FnOnce(io::Error) -> Error {
    let what = what.to_owned();
    move |e| Error::Archive {
        what,
        reason: e.to_string(),
    }
}

/// The compression a member's first bytes show.
fn sniff_member(members: &Members, path: &str, what: &str) -> Result<Compression> {
    let mut head = Vec::with_capacity(4);
    open_member(members, path, what)?
        .take(4)
        .read_to_end(&mut head)
        .map_err(read_error(what))?;
    Ok(Compression::sniff(&head))
}

/// The sha256 of a member's bytes.
fn hash_member(members: &Members, path: &str, what: &str) -> Result<Digest> {
    let mut reader = open_member(members, path, what)?;
    let mut hasher = Hasher::new(kiln_types::Algorithm::Sha256);
    let mut buf = vec![0u8; 256 << 10];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_error(what)(e)),
        };
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finish())
}
