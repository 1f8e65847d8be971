//! One reproducible layer from a [`Rootfs`]: entries in sorted order, owners as the tree
//! says (0 unless an account owns the path), every mtime the build epoch, GNU headers
//! with empty user and group names and no PAX records, and gzip with a fixed header
//! (mtime 0, no name, OS byte 255) at a fixed level.

use std::io::Write;

use flate2::{Compression, GzBuilder};
use kiln_types::Digest;

use crate::rootfs::{NodeKind, Rootfs};
use crate::{Error, Result};

/// The gzip OS byte kiln writes: "unknown", so the host never shows.
const GZIP_OS_UNKNOWN: u8 = 255;

/// A written layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// The gzip-compressed tar, as stored in the image.
    pub compressed: Vec<u8>,
    /// The digest of `compressed` (the manifest's layer digest).
    pub digest: Digest,
    /// The digest of the uncompressed tar (the config's `diff_id`).
    pub diff_id: Digest,
    /// The uncompressed tar's size.
    pub tar_size: u64,
}

/// Writes `root` as one gzip layer with every mtime set to `epoch`.
pub fn write(root: &Rootfs, epoch: u64) -> Result<Layer> {
    let tar = tar_bytes(root, epoch)?;
    let diff_id = Digest::sha256(&tar);
    let mut gz = GzBuilder::new()
        .mtime(0)
        .operating_system(GZIP_OS_UNKNOWN)
        .write(Vec::with_capacity(tar.len() / 3), Compression::new(6));
    gz.write_all(&tar).map_err(|e| failed(&e))?;
    let compressed = gz.finish().map_err(|e| failed(&e))?;
    Ok(Layer {
        digest: Digest::sha256(&compressed),
        diff_id,
        tar_size: tar.len() as u64,
        compressed,
    })
}

/// The uncompressed tar of `root`.
pub fn tar_bytes(root: &Rootfs, epoch: u64) -> Result<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    builder.mode(tar::HeaderMode::Complete);
    for (path, node) in root.iter() {
        if path == "/" {
            continue;
        }
        let name = &path[1..];
        let mut header = tar::Header::new_gnu();
        header.set_mode(node.mode);
        header.set_uid(u64::from(node.uid));
        header.set_gid(u64::from(node.gid));
        header.set_mtime(epoch);
        let result = match &node.kind {
            NodeKind::Dir => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_size(0);
                builder.append_data(&mut header, format!("{name}/"), std::io::empty())
            }
            NodeKind::File(data) => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(data.len() as u64);
                builder.append_data(&mut header, name, &data[..])
            }
            NodeKind::Symlink(target) => {
                header.set_entry_type(tar::EntryType::Symlink);
                header.set_size(0);
                builder.append_link(&mut header, name, target)
            }
        };
        result.map_err(|e| Error::Path {
            path: path.to_owned(),
            reason: format!("writing the layer: {e}"),
        })?;
    }
    builder.into_inner().map_err(|e| failed(&e))
}

fn failed(e: &std::io::Error) -> Error {
    Error::Invalid {
        what: "layer".to_owned(),
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rootfs::Node;
    use std::io::Read;

    fn root() -> Rootfs {
        let mut root = Rootfs::new();
        let long = format!("/opt/{}/file", "d".repeat(120));
        root.insert(&long, Node::file(b"long".to_vec())).unwrap();
        let mut owned = Node::dir();
        (owned.uid, owned.gid) = (65532, 65532);
        root.insert("/home/nonroot", owned).unwrap();
        root.insert("/bin", Node::symlink("usr/bin")).unwrap();
        root.insert("/usr/bin/a", Node::file(b"a".to_vec()))
            .unwrap();
        root
    }

    #[test]
    fn entries_are_sorted_with_the_epoch_and_owners() {
        let tar = tar_bytes(&root(), 42).unwrap();
        let mut archive = tar::Archive::new(tar.as_slice());
        let mut names = Vec::new();
        for e in archive.entries().unwrap() {
            let e = e.unwrap();
            let h = e.header();
            assert_eq!(h.mtime().unwrap(), 42);
            let name = String::from_utf8(e.path_bytes().to_vec()).unwrap();
            if name == "home/nonroot/" {
                assert_eq!((h.uid().unwrap(), h.gid().unwrap()), (65532, 65532));
            }
            names.push(name);
        }
        let mut sorted = names.clone();
        sorted.sort_by_key(|n| n.trim_end_matches('/').to_owned());
        assert_eq!(names, sorted);
        assert!(
            names.iter().any(|n| n.len() > 120),
            "long names survive: {names:?}"
        );
        assert_eq!(names.first().map(String::as_str), Some("bin"));
    }

    #[test]
    fn the_same_tree_gives_the_same_bytes_and_the_gzip_header_is_fixed() {
        let a = write(&root(), 7).unwrap();
        let b = write(&root(), 7).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.compressed[..10], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(a.compressed.as_slice())
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(Digest::sha256(&plain), a.diff_id);
        assert_ne!(write(&root(), 8).unwrap().digest, a.digest);
    }
}
