//! The members of a tar file, indexed once and read in place by offset.
//!
//! Member names are normalised into lookup keys (`./a//b` → `a/b`); `..` is kept as a
//! literal component, so a hostile name can only ever fail to match. Nothing is written
//! to disk.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::{Error, IoContext, Result};

/// Most members an archive may have.
const MAX_MEMBERS: usize = 1_000_000;
/// Most links followed to reach a member.
const MAX_LINK_HOPS: usize = 16;

#[derive(Debug, Clone)]
enum Member {
    File {
        offset: u64,
        size: u64,
    },
    /// A symlink or hardlink, already resolved to the key it names.
    Link(String),
}

/// An indexed tar file.
#[derive(Debug)]
pub(crate) struct Members {
    file: File,
    path: PathBuf,
    name: String,
    members: HashMap<String, Member>,
}

impl Members {
    /// Reads every header of the tar at `path` (skipping the data by seeking).
    pub(crate) fn index(path: &Path, name: &str) -> Result<Members> {
        let file = File::open(path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => Error::NotFound {
                what: name.to_owned(),
            },
            _ => Error::io(path, e),
        })?;
        let mut head = [0u8; 4];
        let n = file.read_at(&mut head, 0).at(path)?;
        if head[..n].starts_with(&[0x1f, 0x8b]) || head[..n].starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
        {
            return Err(Error::Archive {
                what: name.to_owned(),
                reason: "the archive is compressed; decompress it first".to_owned(),
            });
        }
        let bad = |reason: String| Error::Archive {
            what: name.to_owned(),
            reason,
        };
        let mut members = HashMap::new();
        let mut archive = tar::Archive::new(file.try_clone().at(path)?);
        let entries = archive
            .entries_with_seek()
            .map_err(|e| bad(format!("not a tar archive: {e}")))?;
        for entry in entries {
            let entry = entry.map_err(|e| bad(format!("not a tar archive: {e}")))?;
            if members.len() >= MAX_MEMBERS {
                return Err(bad(format!("more than {MAX_MEMBERS} members")));
            }
            let raw_name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let key = normalise(&raw_name);
            let kind = entry.header().entry_type();
            let member = if kind.is_file() || kind == tar::EntryType::Continuous {
                Member::File {
                    offset: entry.raw_file_position(),
                    size: entry.size(),
                }
            } else if kind.is_symlink() || kind.is_hard_link() {
                let target = entry
                    .link_name_bytes()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                let resolved = if kind.is_hard_link() || target.starts_with('/') {
                    Some(normalise(&target))
                } else {
                    resolve_relative(&key, &target)
                };
                match resolved {
                    Some(r) => Member::Link(r),
                    None => continue, // points above the archive root: never matches
                }
            } else {
                continue;
            };
            members.insert(key, member);
        }
        Ok(Members {
            file,
            path: path.to_owned(),
            name: name.to_owned(),
            members,
        })
    }

    /// Whether a regular member (possibly through links) named `key` exists.
    pub(crate) fn contains(&self, key: &str) -> bool {
        self.locate(key).is_ok()
    }

    /// The offset and size of member `key`, following links.
    fn locate(&self, key: &str) -> Result<(u64, u64)> {
        let mut current = normalise(key);
        for _ in 0..MAX_LINK_HOPS {
            match self.members.get(&current) {
                Some(Member::File { offset, size }) => return Ok((*offset, *size)),
                Some(Member::Link(target)) => current = target.clone(),
                None => {
                    return Err(Error::NotFound {
                        what: format!("{}: member {key:?}", self.name),
                    });
                }
            }
        }
        Err(Error::Archive {
            what: self.name.clone(),
            reason: format!("member {key:?}: more than {MAX_LINK_HOPS} links deep"),
        })
    }

    /// The size of member `key`.
    pub(crate) fn size(&self, key: &str) -> Result<u64> {
        Ok(self.locate(key)?.1)
    }

    /// A reader over member `key`'s data.
    pub(crate) fn open(&self, key: &str) -> Result<MemberReader<'_>> {
        let (offset, size) = self.locate(key)?;
        Ok(MemberReader {
            file: &self.file,
            pos: offset,
            end: offset.saturating_add(size),
        })
    }

    /// Reads member `key` whole, refusing more than `limit` bytes.
    pub(crate) fn read(&self, key: &str, limit: u64) -> Result<Vec<u8>> {
        let (_, size) = self.locate(key)?;
        if size > limit {
            return Err(Error::Archive {
                what: self.name.clone(),
                reason: format!("member {key:?} is {size} bytes, more than the {limit}-byte limit"),
            });
        }
        let mut bytes = Vec::with_capacity(size as usize);
        self.open(key)?.read_to_end(&mut bytes).at(&self.path)?;
        if bytes.len() as u64 != size {
            return Err(Error::Archive {
                what: self.name.clone(),
                reason: format!("member {key:?} is truncated"),
            });
        }
        Ok(bytes)
    }
}

/// Reads one member's bytes with positioned reads, so readers can share the file.
#[derive(Debug)]
pub(crate) struct MemberReader<'a> {
    file: &'a File,
    pos: u64,
    end: u64,
}

impl Read for MemberReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.end.saturating_sub(self.pos);
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(0);
        }
        let n = self.file.read_at(&mut buf[..want], self.pos)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "archive member ends past the end of the file",
            ));
        }
        self.pos += n as u64;
        Ok(n)
    }
}

/// A lookup key: components without empty parts or `.`; `..` kept literally.
pub(crate) fn normalise(name: &str) -> String {
    name.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// Resolves a relative symlink target against the link's directory, or `None` when it
/// climbs above the archive root.
fn resolve_relative(link_key: &str, target: &str) -> Option<String> {
    let mut parts: Vec<&str> = link_key.split('/').collect();
    parts.pop();
    for c in target.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_normalise_without_resolving_dot_dot() {
        assert_eq!(normalise("./a//b/./c"), "a/b/c");
        assert_eq!(normalise("/x/../y"), "x/../y");
        assert_eq!(
            resolve_relative("d/layer.tar", "../abc.tar"),
            Some("abc.tar".into())
        );
        assert_eq!(resolve_relative("layer.tar", "../../etc/passwd"), None);
    }
}
