//! Test support: an in-memory image source and a tar writer that puts any bytes in a
//! header's name (the `tar` crate's `Builder` refuses `..` and absolute names).

#![allow(dead_code, reason = "each test binary uses a different part")]
#![allow(clippy::unwrap_used, reason = "test support fails loudly")]

use std::collections::HashMap;
use std::io::{Read, Write};

use kiln_oci::ImageSource;
use kiln_oci::manifest::{Descriptor, ImageConfig, ImageManifest, RawManifest, RootFs};
use kiln_oci::media_type;
use kiln_types::Digest;

/// An image held in memory: blobs by digest and one manifest.
#[derive(Debug)]
pub struct MemSource {
    pub blobs: HashMap<Digest, Vec<u8>>,
    pub manifest: RawManifest,
}

impl MemSource {
    /// An image of these layer tars (uncompressed), diff_ids set.
    pub fn new(layers: &[Vec<u8>]) -> MemSource {
        MemSource::with_blobs(
            layers
                .iter()
                .map(|l| (media_type::OCI_LAYER, l.clone(), Digest::sha256(l)))
                .collect(),
        )
    }

    /// An image of gzip-compressed layers.
    pub fn gzipped(layers: &[Vec<u8>]) -> MemSource {
        MemSource::with_blobs(
            layers
                .iter()
                .map(|l| (media_type::OCI_LAYER_GZIP, gzip(l), Digest::sha256(l)))
                .collect(),
        )
    }

    /// Layers as (media type, blob bytes, diff_id).
    pub fn with_blobs(layers: Vec<(&str, Vec<u8>, Digest)>) -> MemSource {
        let mut blobs = HashMap::new();
        let mut descs = Vec::new();
        let mut diff_ids = Vec::new();
        for (mt, blob, diff_id) in layers {
            let d = Descriptor::of_bytes(mt, &blob);
            blobs.insert(d.digest.clone(), blob);
            descs.push(d);
            diff_ids.push(diff_id);
        }
        let config = ImageConfig {
            architecture: "amd64".into(),
            os: "linux".into(),
            rootfs: RootFs {
                kind: "layers".into(),
                diff_ids,
            },
            ..ImageConfig::default()
        };
        let config = serde_json::to_vec(&config).unwrap();
        let config_desc = Descriptor::of_bytes(media_type::OCI_CONFIG, &config);
        blobs.insert(config_desc.digest.clone(), config);
        let manifest = ImageManifest {
            schema_version: 2,
            media_type: Some(media_type::OCI_MANIFEST.into()),
            artifact_type: None,
            config: config_desc,
            layers: descs,
            subject: None,
            annotations: Default::default(),
        };
        let manifest = RawManifest::from_value(media_type::OCI_MANIFEST, &manifest).unwrap();
        MemSource { blobs, manifest }
    }

    pub fn image(&self) -> kiln_oci::Image {
        kiln_oci::Image::resolve(self, None).unwrap()
    }
}

impl ImageSource for MemSource {
    fn name(&self) -> String {
        "mem:test".into()
    }
    fn root_manifest(&self) -> kiln_oci::Result<RawManifest> {
        Ok(self.manifest.clone())
    }
    fn manifest(&self, _desc: &Descriptor) -> kiln_oci::Result<RawManifest> {
        Ok(self.manifest.clone())
    }
    fn blob_stream(&self, desc: &Descriptor) -> kiln_oci::Result<Box<dyn Read + Send + '_>> {
        match self.blobs.get(&desc.digest) {
            Some(b) => Ok(Box::new(&b[..])),
            None => Err(kiln_oci::Error::NotFound {
                what: desc.digest.to_string(),
            }),
        }
    }
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// Writes tar entries with raw names, no checks at all.
#[derive(Debug, Default)]
pub struct RawTar {
    out: Vec<u8>,
}

impl RawTar {
    pub fn new() -> RawTar {
        RawTar::default()
    }

    fn entry(&mut self, name: &[u8], kind: tar::EntryType, link: &[u8], data: &[u8], mode: u32) {
        if name.len() > 100 || link.len() > 100 {
            // GNU long name / long link records, by hand.
            if name.len() > 100 {
                self.long(b'L', name);
            }
            if link.len() > 100 {
                self.long(b'K', link);
            }
        }
        let mut h = tar::Header::new_gnu();
        let n = name.len().min(100);
        h.as_old_mut().name[..n].copy_from_slice(&name[..n]);
        let l = link.len().min(100);
        h.as_old_mut().linkname[..l].copy_from_slice(&link[..l]);
        h.set_entry_type(kind);
        h.set_mode(mode);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(1_000_000);
        h.set_size(data.len() as u64);
        h.set_cksum();
        self.out.extend_from_slice(h.as_bytes());
        self.out.extend_from_slice(data);
        self.out
            .extend(std::iter::repeat_n(0u8, (512 - data.len() % 512) % 512));
    }

    fn long(&mut self, kind: u8, value: &[u8]) {
        let mut h = tar::Header::new_gnu();
        h.as_old_mut().name[..13].copy_from_slice(b"././@LongLink");
        h.set_entry_type(tar::EntryType::new(kind));
        h.set_mode(0o644);
        let mut data = value.to_vec();
        data.push(0);
        h.set_size(data.len() as u64);
        h.set_cksum();
        self.out.extend_from_slice(h.as_bytes());
        self.out.extend_from_slice(&data);
        self.out
            .extend(std::iter::repeat_n(0u8, (512 - data.len() % 512) % 512));
    }

    pub fn file(mut self, name: &str, data: &[u8]) -> RawTar {
        self.entry(name.as_bytes(), tar::EntryType::Regular, b"", data, 0o644);
        self
    }

    pub fn file_mode(mut self, name: &str, data: &[u8], mode: u32) -> RawTar {
        self.entry(name.as_bytes(), tar::EntryType::Regular, b"", data, mode);
        self
    }

    pub fn dir(mut self, name: &str) -> RawTar {
        self.entry(name.as_bytes(), tar::EntryType::Directory, b"", b"", 0o755);
        self
    }

    pub fn symlink(mut self, name: &str, target: &str) -> RawTar {
        self.entry(
            name.as_bytes(),
            tar::EntryType::Symlink,
            target.as_bytes(),
            b"",
            0o777,
        );
        self
    }

    pub fn hardlink(mut self, name: &str, target: &str) -> RawTar {
        self.entry(
            name.as_bytes(),
            tar::EntryType::Link,
            target.as_bytes(),
            b"",
            0o644,
        );
        self
    }

    pub fn fifo(mut self, name: &str) -> RawTar {
        self.entry(name.as_bytes(), tar::EntryType::Fifo, b"", b"", 0o644);
        self
    }

    pub fn whiteout(self, name: &str) -> RawTar {
        let (dir, base) = match name.rsplit_once('/') {
            Some((d, b)) => (format!("{d}/"), b),
            None => (String::new(), name),
        };
        self.file(&format!("{dir}.wh.{base}"), b"")
    }

    pub fn opaque(self, dir: &str) -> RawTar {
        self.file(&format!("{dir}/.wh..wh..opq"), b"")
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.out.extend_from_slice(&[0u8; 1024]);
        self.out
    }
}

/// Every path below `dir`, relative, sorted, symlinks not followed.
pub fn list(dir: &std::path::Path) -> Vec<String> {
    fn walk(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            out.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
            if e.file_type().unwrap().is_dir() {
                walk(root, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}
