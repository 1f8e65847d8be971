//! Reading blobs with their digest and size checked as the bytes go by.

use std::io::{self, Read};

use kiln_types::{Digest, Hasher};

use crate::manifest::Descriptor;
use crate::{Error, Result};

/// Upper bound for blobs read whole into memory (manifests, configs): 64 MiB.
pub const MAX_SMALL_BLOB: u64 = 64 << 20;

/// A reader that hashes and counts what passes through it and fails at end of stream if
/// the digest or size differs from the descriptor. It also fails as soon as more bytes
/// arrive than the descriptor's size allows.
pub struct VerifyingReader<R> {
    inner: R,
    hasher: Option<Hasher>,
    expected: Digest,
    expected_size: Option<u64>,
    seen: u64,
    what: String,
}

impl<R> std::fmt::Debug for VerifyingReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyingReader")
            .field("what", &self.what)
            .finish()
    }
}

impl<R: Read> VerifyingReader<R> {
    /// Checks digest and size from `desc`. A size of `u64::MAX` means unknown.
    pub fn new(inner: R, desc: &Descriptor, what: impl Into<String>) -> VerifyingReader<R> {
        VerifyingReader {
            inner,
            hasher: Some(Hasher::new(desc.digest.algorithm())),
            expected: desc.digest.clone(),
            expected_size: (desc.size != u64::MAX).then_some(desc.size),
            seen: 0,
            what: what.into(),
        }
    }

    /// Reads to the end, so the check runs even when the consumer stopped early (a tar
    /// reader stops at the end-of-archive marker).
    pub fn finish(mut self) -> Result<()> {
        io::copy(&mut self, &mut io::sink()).map_err(|e| into_error(e, &self.what))?;
        Ok(())
    }

    fn fail(&self, e: Error) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, e)
    }
}

impl<R: Read> Read for VerifyingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(hasher) = self.hasher.as_mut() else {
            return Ok(0);
        };
        let n = self.inner.read(buf)?;
        hasher.update(&buf[..n]);
        self.seen += n as u64;
        if let Some(size) = self.expected_size
            && self.seen > size
        {
            return Err(self.fail(Error::SizeMismatch {
                what: self.what.clone(),
                expected: size,
                actual: self.seen,
            }));
        }
        if n == 0 && !buf.is_empty() {
            let Some(hasher) = self.hasher.take() else {
                return Ok(0);
            };
            if let Some(size) = self.expected_size
                && self.seen != size
            {
                return Err(self.fail(Error::SizeMismatch {
                    what: self.what.clone(),
                    expected: size,
                    actual: self.seen,
                }));
            }
            let actual = hasher.finish();
            if actual != self.expected {
                return Err(self.fail(Error::DigestMismatch {
                    what: self.what.clone(),
                    expected: self.expected.clone(),
                    actual,
                }));
            }
        }
        Ok(n)
    }
}

/// Turns an `io::Error` from a verifying or decompressing reader back into our error,
/// keeping a verification failure as it was raised.
pub fn into_error(e: io::Error, what: &str) -> Error {
    if e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
        if let Some(inner) = e.into_inner()
            && let Ok(err) = inner.downcast::<Error>()
        {
            return *err;
        }
        return Error::Transport {
            what: what.to_owned(),
            reason: "read failed".to_owned(),
        };
    }
    match e.kind() {
        io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput => {
            Error::Layer {
                what: what.to_owned(),
                reason: e.to_string(),
            }
        }
        _ => Error::Transport {
            what: what.to_owned(),
            reason: e.to_string(),
        },
    }
}

/// Reads a whole small blob through a [`VerifyingReader`], refusing more than
/// [`MAX_SMALL_BLOB`] bytes.
pub fn read_verified(reader: impl Read, desc: &Descriptor, what: &str) -> Result<Vec<u8>> {
    if desc.size > MAX_SMALL_BLOB {
        return Err(Error::Unsupported {
            what: what.to_owned(),
            reason: format!(
                "{} bytes is more than the {MAX_SMALL_BLOB}-byte limit",
                desc.size
            ),
        });
    }
    let mut verifying = VerifyingReader::new(reader, desc, what);
    let mut bytes = Vec::with_capacity(desc.size.min(MAX_SMALL_BLOB) as usize);
    verifying
        .read_to_end(&mut bytes)
        .map_err(|e| into_error(e, what))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desc(bytes: &[u8]) -> Descriptor {
        Descriptor::of_bytes("application/octet-stream", bytes)
    }

    #[test]
    fn passes_matching_content() {
        let d = desc(b"hello");
        assert_eq!(read_verified(&b"hello"[..], &d, "blob").unwrap(), b"hello");
    }

    #[test]
    fn fails_on_changed_content() {
        let d = desc(b"hello");
        let err = read_verified(&b"hellp"[..], &d, "blob").unwrap_err();
        assert!(matches!(err, Error::DigestMismatch { .. }), "{err}");
    }

    #[test]
    fn fails_on_truncated_or_extended_content() {
        let d = desc(b"hello");
        assert!(matches!(
            read_verified(&b"hell"[..], &d, "blob").unwrap_err(),
            Error::SizeMismatch { .. }
        ));
        assert!(matches!(
            read_verified(&b"hello!"[..], &d, "blob").unwrap_err(),
            Error::SizeMismatch { .. }
        ));
    }

    #[test]
    fn finish_checks_unread_rest() {
        let d = desc(b"hello world");
        let mut r = VerifyingReader::new(&b"hello wOrld"[..], &d, "blob");
        let mut first = [0u8; 5];
        r.read_exact(&mut first).unwrap();
        assert!(r.finish().is_err());
    }
}
