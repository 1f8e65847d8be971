//! Choosing which files' content a reading pass keeps: from what a tar header or `lstat`
//! says (path, size, mode), and for files that need a closer look, from their first bytes
//! and then from a probe over the whole file.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

/// A regular file met while reading an image or a directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate<'a> {
    /// Absolute and normalised.
    pub path: &'a str,
    pub size: u64,
    /// Permission bits (`0o7777` at most): `mode & 0o111 != 0` is an executable.
    pub mode: u32,
}

/// Random access to a file's bytes, for probes that look at a few places of a large file
/// (an ELF's section headers) without reading all of it.
pub trait Peek {
    /// The file's size in bytes.
    fn size(&self) -> u64;
    /// Fills `buf` from `offset`; fewer bytes only at the end of the file.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
}

impl Peek for &[u8] {
    fn size(&self) -> u64 {
        self.len() as u64
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.len());
        let n = buf.len().min(self.len() - start);
        buf[..n].copy_from_slice(&self[start..start + n]);
        Ok(n)
    }
}

/// A file on disk of a known size.
pub(crate) struct FilePeek<'a> {
    pub file: &'a File,
    pub size: u64,
}

impl Peek for FilePeek<'_> {
    fn size(&self) -> u64 {
        self.size
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let mut done = 0;
        while done < buf.len() {
            let n = self.file.read_at(&mut buf[done..], offset + done as u64)?;
            if n == 0 {
                break;
            }
            done += n;
        }
        Ok(done)
    }
}

/// Decides, from what is known of a file, whether its content is kept.
pub type Probe = fn(&dyn Peek) -> bool;

/// What a reading pass does with one regular file.
#[derive(Debug, Clone, Copy)]
pub enum Want {
    /// Content not needed.
    Skip,
    /// Keep the content.
    Content,
    /// Keep the content if it starts with `magic` and then `probe` accepts it. Files
    /// whose first bytes differ are never read further (in a directory) or held (in a
    /// layer stream); files that match are held only while the probe runs.
    Probe { magic: &'static [u8], probe: Probe },
}

/// Chooses the files whose content a reading pass keeps. Called for every regular file:
/// keep it cheap.
pub trait Select: Sync {
    fn select(&self, file: &Candidate<'_>) -> Want;
}

/// A path-and-size predicate ([`super::Capture`]) as a [`Select`].
pub(crate) struct ByPathAndSize<'a>(pub super::Capture<'a>);

impl Select for ByPathAndSize<'_> {
    fn select(&self, file: &Candidate<'_>) -> Want {
        if (self.0)(file.path, file.size) {
            Want::Content
        } else {
            Want::Skip
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_slices_peek_within_bounds() {
        let bytes: &[u8] = b"0123456789";
        let mut buf = [0u8; 4];
        assert_eq!(bytes.read_at(&mut buf, 8).unwrap(), 2);
        assert_eq!(&buf[..2], b"89");
        assert_eq!(bytes.read_at(&mut buf, 100).unwrap(), 0);
        assert_eq!(bytes.size(), 10);
    }
}
