//! A directory tree written as one deterministic, uncompressed layer tar.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

use kiln_types::{Algorithm, Digest, Hasher};

use crate::fs::path::MAX_DEPTH;
use crate::{Error, IoContext, Result};

/// Writes `dir` as a tar into an anonymous temporary file; returns the file, the
/// tar's sha256 and its size.
pub(super) fn write(dir: &Path) -> Result<(File, Digest, u64)> {
    let file = tempfile::tempfile().at(std::env::temp_dir())?;
    let out = Hashing {
        inner: file,
        hasher: Hasher::new(Algorithm::Sha256),
        size: 0,
    };
    let mut walker = Walker {
        builder: tar::Builder::new(out),
        links: HashMap::new(),
    };
    walker.dir(dir, "", 0)?;
    let out = walker.builder.into_inner().map_err(|e| Error::io(dir, e))?;
    let Hashing {
        mut inner,
        hasher,
        size,
    } = out;
    inner.flush().at(dir)?;
    Ok((inner, hasher.finish(), size))
}

struct Walker {
    builder: tar::Builder<Hashing>,
    /// First tar path of each multiply-linked file, by (device, inode).
    links: HashMap<(u64, u64), String>,
}

impl Walker {
    fn dir(&mut self, dir: &Path, rel: &str, depth: usize) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(Error::InvalidTarget {
                input: dir.display().to_string(),
                reason: format!("directories nested more than {MAX_DEPTH} deep"),
            });
        }
        let mut children = std::fs::read_dir(dir)
            .at(dir)?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<io::Result<Vec<_>>>()
            .at(dir)?;
        children.sort();
        for name in children {
            let path = dir.join(&name);
            let child_rel = format!("{rel}{}", name.to_string_lossy());
            let meta = std::fs::symlink_metadata(&path).at(&path)?;
            let mut header = tar::Header::new_gnu();
            header.set_mode(meta.mode() & 0o7777);
            header.set_uid(0);
            header.set_gid(0);
            header.set_mtime(u64::try_from(meta.mtime()).unwrap_or(0));
            header.set_size(0);
            let kind = meta.file_type();
            let written = if kind.is_dir() {
                header.set_entry_type(tar::EntryType::Directory);
                self.builder
                    .append_data(&mut header, format!("{child_rel}/"), io::empty())
            } else if kind.is_symlink() {
                let target = std::fs::read_link(&path).at(&path)?;
                header.set_entry_type(tar::EntryType::Symlink);
                self.builder.append_link(&mut header, &child_rel, target)
            } else if kind.is_file() {
                self.file(&path, &child_rel, &meta, &mut header)
            } else if kind.is_char_device() || kind.is_block_device() || kind.is_fifo() {
                header.set_entry_type(if kind.is_char_device() {
                    tar::EntryType::Char
                } else if kind.is_block_device() {
                    tar::EntryType::Block
                } else {
                    tar::EntryType::Fifo
                });
                let dev = meta.rdev();
                let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
                let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
                header
                    .set_device_major(u32::try_from(major).unwrap_or(0))
                    .at(&path)?;
                header
                    .set_device_minor(u32::try_from(minor).unwrap_or(0))
                    .at(&path)?;
                self.builder
                    .append_data(&mut header, &child_rel, io::empty())
            } else {
                tracing::debug!(path = %path.display(), "socket not included in the layer");
                Ok(())
            };
            written.at(&path)?;
            if kind.is_dir() {
                self.dir(&path, &format!("{child_rel}/"), depth + 1)?;
            }
        }
        Ok(())
    }

    fn file(
        &mut self,
        path: &Path,
        rel: &str,
        meta: &std::fs::Metadata,
        header: &mut tar::Header,
    ) -> io::Result<()> {
        if meta.nlink() > 1 {
            let key = (meta.dev(), meta.ino());
            if let Some(first) = self.links.get(&key) {
                header.set_entry_type(tar::EntryType::Link);
                return self.builder.append_link(header, rel, first);
            }
            self.links.insert(key, rel.to_owned());
        }
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(meta.len());
        let mut content = Exact {
            inner: io::Read::take(File::open(path)?, meta.len()),
            left: meta.len(),
        };
        self.builder.append_data(header, rel, &mut content)
    }
}

/// A reader that fails unless it yields exactly the size it was created with (a file
/// that shrank while being read must not make a corrupt tar).
struct Exact<R> {
    inner: R,
    left: u64,
}

impl<R: io::Read> io::Read for Exact<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && self.left > 0 && !buf.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "file shrank while it was read",
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Hashes and counts what is written through it.
struct Hashing {
    inner: File,
    hasher: Hasher,
    size: u64,
}

impl Write for Hashing {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
