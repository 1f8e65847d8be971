//! A `blobs/<algorithm>/<hex>` store that only ever holds verified blobs: each blob is
//! written to a temp file beside its final name, checked, then renamed into place.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use crate::blob::{VerifyingReader, into_error};
use crate::manifest::Descriptor;
use crate::{Error, IoContext, Result};

/// Permission bits of files and directories kiln creates in a layout.
const FILE_MODE: u32 = 0o644;
const DIR_MODE: u32 = 0o755;

/// Blobs below `root/blobs`, remembering which ones this run added.
#[derive(Debug)]
pub(crate) struct BlobStore {
    root: PathBuf,
    name: String,
    added: Mutex<Vec<PathBuf>>,
}

impl BlobStore {
    /// A store under `root`, creating `root/blobs/sha256`. `name` is used in errors.
    pub(crate) fn new(root: &Path, name: &str) -> Result<BlobStore> {
        let sha256 = root.join("blobs").join("sha256");
        fs::create_dir_all(&sha256).at(&sha256)?;
        Ok(BlobStore {
            root: root.to_owned(),
            name: name.to_owned(),
            added: Mutex::new(Vec::new()),
        })
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    pub(crate) fn path(&self, desc: &Descriptor) -> PathBuf {
        super::blob_path(&self.root, &desc.digest)
    }

    pub(crate) fn has(&self, desc: &Descriptor) -> bool {
        self.path(desc).is_file()
    }

    /// Stores `data` as blob `desc`; nothing is kept unless digest and size match. A blob
    /// already present is left as it is.
    pub(crate) fn put(&self, desc: &Descriptor, data: &mut dyn io::Read) -> Result<()> {
        let path = self.path(desc);
        if path.is_file() {
            return Ok(());
        }
        let parent = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| self.root.clone());
        fs::create_dir_all(&parent).at(&parent)?;
        let what = format!("{} blob {}", self.name, desc.digest);
        let mut tmp = tempfile::Builder::new()
            .prefix(".tmp-")
            .tempfile_in(&parent)
            .at(&parent)?;
        let mut verifying = VerifyingReader::new(data, desc, what.clone());
        io::copy(&mut verifying, tmp.as_file_mut()).map_err(|e| {
            if e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
                into_error(e, &what)
            } else {
                Error::io(tmp.path(), e)
            }
        })?;
        set_mode(tmp.path(), FILE_MODE)?;
        tmp.persist(&path).map_err(|e| Error::io(&path, e.error))?;
        self.added
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(path);
        Ok(())
    }

    /// Stores bytes already in memory as blob `desc`.
    pub(crate) fn put_bytes(&self, desc: &Descriptor, bytes: &[u8]) -> Result<()> {
        self.put(desc, &mut &bytes[..])
    }

    /// Removes every blob this store added; for a run that failed.
    pub(crate) fn remove_added(&self) {
        let added = std::mem::take(&mut *self.added.lock().unwrap_or_else(PoisonError::into_inner));
        for path in added {
            if let Err(e) = fs::remove_file(&path) {
                tracing::warn!(path = %path.display(), error = %e, "could not remove a blob of a failed write");
            }
        }
    }
}

/// Writes `bytes` to `path` through a temp file in the same directory and a rename, so
/// readers see the old content or the new, never a part.
pub(crate) fn write_file_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(&parent)
        .at(&parent)?;
    tmp.write_all(bytes).at(tmp.path())?;
    tmp.as_file().sync_all().at(tmp.path())?;
    set_mode(tmp.path(), FILE_MODE)?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// Gives a staged directory the usual permissions (temp dirs are created 0700).
pub(crate) fn set_dir_mode(path: &Path) -> Result<()> {
    set_mode(path, DIR_MODE)
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).at(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_verified_blobs() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path(), "test").unwrap();
        let good = Descriptor::of_bytes("application/octet-stream", b"hello");
        store.put_bytes(&good, b"hello").unwrap();
        assert!(store.has(&good));
        let bad = Descriptor::of_bytes("application/octet-stream", b"world");
        let err = store.put_bytes(&bad, b"wOrld").unwrap_err();
        assert!(matches!(err, Error::DigestMismatch { .. }), "{err}");
        assert!(!store.has(&bad));
        let names: Vec<_> = fs::read_dir(dir.path().join("blobs/sha256"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [std::ffi::OsString::from(good.digest.hex())]);
        store.remove_added();
        assert!(!store.has(&good));
    }
}
