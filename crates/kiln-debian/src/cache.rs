//! The content-addressed package cache: `<root>/sha256/<hex>`. A file is written to a
//! temp file in the same directory, checked for size and SHA-256, and only then renamed
//! into place, so a path in the cache always holds the bytes its name says. Reads
//! check the digest again, so a file changed on disk is never used. Packages indexes
//! and `.deb` files both live here; a lock whose mirror dropped a version still builds
//! from the cache.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use crate::transport::{FetchError, Transport};

/// A cache operation that failed.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The downloaded bytes are not the ones expected.
    #[error("{url}: expected {expected}, got {actual}")]
    Mismatch {
        url: String,
        expected: String,
        actual: String,
    },
    /// A file in the cache no longer matches its name.
    #[error("cached file {path} is corrupt: its SHA-256 is {actual}")]
    Corrupt { path: PathBuf, actual: String },
    #[error("{digest:?} is not a SHA-256 digest (64 lowercase hex digits)")]
    BadDigest { digest: String },
    #[error("package cache {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The package cache.
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
    transport: Transport,
}

fn check_digest(d: &str) -> Result<(), CacheError> {
    if d.len() == 64 && d.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(CacheError::BadDigest {
            digest: d.to_owned(),
        })
    }
}

/// SHA-256 (lowercase hex) and size of a reader's bytes.
pub(crate) fn hash_reader(mut r: impl Read) -> std::io::Result<(String, u64)> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut n = 0u64;
    loop {
        let k = r.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((hex::encode(h.finalize()), n))
}

/// A writer that hashes what passes through it.
struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl Cache {
    /// A cache rooted at `root` (created on first write), fetching with a default
    /// [`Transport`].
    pub fn new(root: impl Into<PathBuf>) -> Cache {
        Cache {
            root: root.into(),
            transport: Transport::new(),
        }
    }

    /// The same cache, fetching with `transport`.
    pub fn with_transport(mut self, transport: Transport) -> Cache {
        self.transport = transport;
        self
    }

    /// The directory kiln uses when none is given: `$XDG_CACHE_HOME/kiln/debian`, else
    /// `~/.cache/kiln/debian`.
    pub fn default_dir() -> Option<PathBuf> {
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
        Some(cache.join("kiln").join("debian"))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Where the file with this digest lives (whether or not it is there).
    pub fn path_for(&self, sha256: &str) -> PathBuf {
        self.root.join("sha256").join(sha256)
    }

    /// The cached file with this digest, without the network: `None` if absent, an
    /// error if present but not matching its digest.
    pub fn get(&self, sha256: &str) -> Result<Option<PathBuf>, CacheError> {
        check_digest(sha256)?;
        let path = self.path_for(sha256);
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(CacheError::Io { path, source }),
        };
        let (actual, _) = hash_reader(file).map_err(|source| CacheError::Io {
            path: path.clone(),
            source,
        })?;
        if actual != sha256 {
            return Err(CacheError::Corrupt { path, actual });
        }
        Ok(Some(path))
    }

    /// The file with this digest: from the cache if there (and intact), else downloaded
    /// from `url`, checked for `size` and `sha256`, and stored. A corrupt cached copy
    /// is replaced by a fresh download.
    pub fn fetch(&self, url: &str, sha256: &str, size: u64) -> Result<PathBuf, CacheError> {
        match self.get(sha256) {
            Ok(Some(p)) => {
                tracing::debug!(url, sha256, "cache hit");
                return Ok(p);
            }
            Ok(None) => {}
            Err(CacheError::Corrupt { path, actual }) => {
                tracing::warn!(path = %path.display(), actual, "replacing corrupt cached file");
                let _ = std::fs::remove_file(&path);
            }
            Err(e) => return Err(e),
        }
        let dir = self.root.join("sha256");
        let io = |source| CacheError::Io {
            path: dir.clone(),
            source,
        };
        std::fs::create_dir_all(&dir).map_err(io)?;
        let tmp = tempfile::NamedTempFile::new_in(&dir).map_err(io)?;
        let (n, actual) = {
            let mut w = HashingWriter {
                inner: std::io::BufWriter::new(tmp.as_file()),
                hasher: Sha256::new(),
            };
            let n = self.transport.get(url, &mut w, size)?;
            w.flush().map_err(io)?;
            (n, hex::encode(w.hasher.finalize()))
        };
        if n != size {
            return Err(CacheError::Mismatch {
                url: url.to_owned(),
                expected: format!("{size} bytes"),
                actual: format!("{n} bytes"),
            });
        }
        if actual != sha256 {
            return Err(CacheError::Mismatch {
                url: url.to_owned(),
                expected: format!("sha256:{sha256}"),
                actual: format!("sha256:{actual}"),
            });
        }
        let path = self.path_for(sha256);
        tmp.persist(&path).map_err(|e| CacheError::Io {
            path: path.clone(),
            source: e.error,
        })?;
        tracing::debug!(url, sha256, size, "fetched into cache");
        Ok(path)
    }

    /// Stores `bytes` under their own digest; the digest.
    pub fn insert(&self, bytes: &[u8]) -> Result<String, CacheError> {
        let digest = hex::encode(Sha256::digest(bytes));
        let dir = self.root.join("sha256");
        let io = |source| CacheError::Io {
            path: dir.clone(),
            source,
        };
        std::fs::create_dir_all(&dir).map_err(io)?;
        let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(io)?;
        tmp.write_all(bytes).map_err(io)?;
        let path = self.path_for(&digest);
        tmp.persist(&path).map_err(|e| CacheError::Io {
            path,
            source: e.error,
        })?;
        Ok(digest)
    }
}
