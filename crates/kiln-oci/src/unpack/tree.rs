//! Directory-handle operations that never follow a symlink: walking to a directory,
//! asking what a name is, and removing a subtree.

use std::collections::HashSet;
use std::ffi::{CStr, CString};
use std::os::fd::{AsFd, OwnedFd};

use rustix::fs::{AtFlags, FileType, Mode, OFlags, Timespec, Timestamps};
use rustix::io::Errno;

use crate::fs::path;
use crate::{Error, Result};

/// Where walking to a directory got.
#[derive(Debug)]
pub(crate) enum Walk {
    Dir(OwnedFd),
    /// A component does not exist (and was not to be created).
    Missing,
    /// This path exists but is a symlink or not a directory.
    Blocked(String),
}

const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

/// A path component as a C string (normalised paths have no NUL).
pub(crate) fn cname(name: &str) -> Result<CString> {
    CString::new(name).map_err(|_| Error::UnsafePath {
        what: "tar entry".to_owned(),
        path: name.to_owned(),
        reason: "contains a NUL byte".to_owned(),
    })
}

/// Opens the normalised directory `dir` below `root`, one component at a time, never
/// following a symlink; missing directories are made when `create` is set.
pub(crate) fn walk(root: &OwnedFd, dir: &str, create: bool) -> Result<Walk, Errno> {
    let mut cur = rustix::fs::openat(root, c".", DIR_FLAGS, Mode::empty())?;
    let mut here = String::new();
    for part in path::components(dir) {
        here.push('/');
        here.push_str(part);
        let opened = match rustix::fs::openat(&cur, part, DIR_FLAGS, Mode::empty()) {
            Err(Errno::NOENT) if create => {
                rustix::fs::mkdirat(&cur, part, Mode::from_raw_mode(0o755))?;
                rustix::fs::openat(&cur, part, DIR_FLAGS, Mode::empty())
            }
            other => other,
        };
        cur = match opened {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(Walk::Missing),
            Err(Errno::NOTDIR | Errno::LOOP) => return Ok(Walk::Blocked(here)),
            Err(e) => return Err(e),
        };
    }
    Ok(Walk::Dir(cur))
}

/// What `name` in `dir` is, without following a symlink.
pub(crate) fn kind_of(dir: impl AsFd, name: &CStr) -> Result<Option<FileType>, Errno> {
    match rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(st) => Ok(Some(FileType::from_raw_mode(st.st_mode))),
        Err(Errno::NOENT) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Removes `name` from `dir`, with everything below it if it is a directory.
pub(crate) fn remove(dir: &OwnedFd, name: &CStr) -> Result<(), Errno> {
    match kind_of(dir, name)? {
        None => Ok(()),
        Some(FileType::Directory) => {
            let sub = rustix::fs::openat(dir, name, DIR_FLAGS, Mode::empty())?;
            for child in names(&sub)? {
                remove(&sub, &child)?;
            }
            rustix::fs::unlinkat(dir, name, AtFlags::REMOVEDIR)
        }
        Some(_) => rustix::fs::unlinkat(dir, name, AtFlags::empty()),
    }
}

/// Removes what lower layers put below `dir_path` (open as `dir`): everything except the
/// paths in `keep`, which the current layer wrote.
pub(crate) fn remove_lower(
    dir: &OwnedFd,
    dir_path: &str,
    keep: &HashSet<String>,
) -> Result<(), Errno> {
    for child in names(dir)? {
        let child_path = path::child(dir_path, &child.to_string_lossy());
        if !keep.contains(&child_path) {
            remove(dir, &child)?;
        } else if kind_of(dir, &child)? == Some(FileType::Directory) {
            let sub = rustix::fs::openat(dir, &child, DIR_FLAGS, Mode::empty())?;
            remove_lower(&sub, &child_path, keep)?;
        }
    }
    Ok(())
}

fn names(dir: &OwnedFd) -> Result<Vec<CString>, Errno> {
    let mut out = Vec::new();
    for item in rustix::fs::Dir::read_from(dir)? {
        let item = item?;
        let name = item.file_name();
        if name != c"." && name != c".." {
            out.push(name.to_owned());
        }
    }
    Ok(out)
}

/// Access and modification time both set to `mtime` seconds.
pub(crate) fn times(mtime: u64) -> Timestamps {
    let t = Timespec {
        tv_sec: i64::try_from(mtime).unwrap_or(i64::MAX),
        tv_nsec: 0,
    };
    Timestamps {
        last_access: t,
        last_modification: t,
    }
}
