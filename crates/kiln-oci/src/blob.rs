//! Reading blobs with their digest and size checked as the bytes go by.

use std::io::{self, Read};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use kiln_types::{Algorithm, Digest, Hasher};

use crate::manifest::Descriptor;
use crate::{Error, Result};

/// Upper bound for blobs read whole into memory (manifests, configs): 64 MiB.
pub const MAX_SMALL_BLOB: u64 = 64 << 20;

/// A reader that hashes and counts what passes through it and fails at end of stream if
/// the digest or size differs from the descriptor. It also fails as soon as more bytes
/// arrive than the descriptor's size allows.
pub struct VerifyingReader<R> {
    inner: R,
    hasher: Option<StreamHasher>,
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
            hasher: Some(StreamHasher::new(
                desc.digest.algorithm(),
                (desc.size != u64::MAX).then_some(desc.size),
            )),
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
            let actual = hasher.finish()?;
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

/// Streams at least this large are hashed on a helper thread.
const BACKGROUND_FROM: u64 = 4 << 20;

/// A hash over a stream: computed inline for small or unknown-size streams, and on a
/// helper thread for large ones, so that reading (decompressing, parsing) and hashing a
/// large blob use two cores.
pub(crate) enum StreamHasher {
    Inline(Hasher),
    Background(BackgroundHasher),
}

impl StreamHasher {
    /// `size`: how large the stream is expected to be, if known.
    pub(crate) fn new(algorithm: Algorithm, size: Option<u64>) -> StreamHasher {
        if size.is_some_and(|s| s >= BACKGROUND_FROM) {
            StreamHasher::Background(BackgroundHasher::new(algorithm))
        } else {
            StreamHasher::Inline(Hasher::new(algorithm))
        }
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            StreamHasher::Inline(h) => h.update(data),
            StreamHasher::Background(h) => h.update(data),
        }
    }

    pub(crate) fn finish(self) -> io::Result<Digest> {
        match self {
            StreamHasher::Inline(h) => Ok(h.finish()),
            StreamHasher::Background(h) => h.finish(),
        }
    }
}

/// A hash computed on a helper thread from chunks of [`CHUNK`] bytes, so that a layer's
/// decompression and the hash of its uncompressed bytes (its diff_id) use two cores.
pub(crate) struct BackgroundHasher {
    pending: Vec<u8>,
    send: Option<SyncSender<Vec<u8>>>,
    thread: Option<JoinHandle<Digest>>,
}

/// Bytes handed to the hashing thread at a time.
const CHUNK: usize = 1 << 20;

impl BackgroundHasher {
    fn new(algorithm: Algorithm) -> BackgroundHasher {
        let (send, chunks) = sync_channel::<Vec<u8>>(4);
        let thread = std::thread::spawn(move || {
            let mut hasher = Hasher::new(algorithm);
            for chunk in chunks {
                hasher.update(&chunk);
            }
            hasher.finish()
        });
        BackgroundHasher {
            pending: Vec::with_capacity(CHUNK),
            send: Some(send),
            thread: Some(thread),
        }
    }

    fn update(&mut self, data: &[u8]) {
        self.pending.extend_from_slice(data);
        if self.pending.len() >= CHUNK {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let chunk = std::mem::replace(&mut self.pending, Vec::with_capacity(CHUNK));
        // A thread that is gone shows up in `finish`.
        if let Some(send) = &self.send {
            let _ = send.send(chunk);
        }
    }

    fn finish(mut self) -> io::Result<Digest> {
        self.flush();
        self.send = None;
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .ok_or_else(|| io::Error::other("the hashing thread stopped"))
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

    /// Large blobs are hashed on a helper thread: the same check, in every small read.
    #[test]
    fn large_blobs_are_checked_as_small_ones() {
        let good: Vec<u8> = (0..(BACKGROUND_FROM + 12_345))
            .map(|i| (i % 251) as u8)
            .collect();
        let d = desc(&good);
        let mut bad = good.clone();
        bad[(BACKGROUND_FROM / 2) as usize] ^= 1;
        for (bytes, ok) in [(&good, true), (&bad, false)] {
            let mut r = VerifyingReader::new(&bytes[..], &d, "blob");
            let mut buf = [0u8; 700];
            let result = loop {
                match r.read(&mut buf) {
                    Ok(0) => break Ok(()),
                    Ok(_) => {}
                    Err(e) => break Err(into_error(e, "blob")),
                }
            };
            match result {
                Ok(()) => assert!(ok),
                Err(e) => assert!(!ok && matches!(e, Error::DigestMismatch { .. }), "{e}"),
            }
        }
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
