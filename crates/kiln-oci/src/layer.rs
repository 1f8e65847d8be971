//! Layer streams: verified, decompressed, and checked against the config's `diff_ids`.

use std::io::{self, BufRead, BufReader, Read};

use kiln_types::Digest;

use crate::blob::StreamHasher;
use crate::manifest::Descriptor;
use crate::media_type::Compression;
use crate::source::{ImageSource, open_blob};
use crate::{Error, Result};

/// A layer's uncompressed tar stream. At end of stream it has verified the compressed
/// blob's digest and size, and the uncompressed digest against `diff_id` when given.
pub struct LayerReader<'a> {
    inner: Decoded<'a>,
    diff_id: Option<(StreamHasher, Digest)>,
    what: String,
    done: bool,
}

impl std::fmt::Debug for LayerReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LayerReader")
            .field("what", &self.what)
            .finish()
    }
}

impl<'a> LayerReader<'a> {
    /// Opens layer `desc` of `src`. The compression is taken from the bytes themselves
    /// when the media type does not say (docker-archive), and from the media type
    /// otherwise; a mismatch between the two is an error.
    pub fn open(
        src: &'a dyn ImageSource,
        desc: &Descriptor,
        diff_id: Option<&Digest>,
    ) -> Result<LayerReader<'a>> {
        let what = format!("{} layer {}", src.name(), desc.digest);
        let mut buffered = BufReader::with_capacity(256 << 10, open_blob(src, desc)?);
        let head = buffered
            .fill_buf()
            .map_err(|e| crate::blob::into_error(e, &what))?;
        let sniffed = Compression::sniff(head);
        let declared = Compression::of_layer(&desc.media_type);
        let compression = match declared {
            Some(Compression::None) | None => sniffed,
            Some(declared) if declared == sniffed || head.is_empty() => declared,
            Some(declared) => {
                return Err(Error::Layer {
                    what,
                    reason: format!("media type says {declared:?} but the data is {sniffed:?}"),
                });
            }
        };
        let inner = match compression {
            Compression::None => Decoded::Plain(buffered),
            Compression::Gzip => Decoded::Gzip(flate2::bufread::MultiGzDecoder::new(buffered)),
            Compression::Zstd => Decoded::Zstd(
                zstd::stream::read::Decoder::with_buffer(buffered).map_err(|e| Error::Layer {
                    what: what.clone(),
                    reason: e.to_string(),
                })?,
            ),
        };
        // An uncompressed layer whose diff_id is its blob digest is already hashed, over
        // the same bytes, by the verifying reader: hashing it twice only costs time.
        let diff_id = diff_id
            .filter(|d| !(compression == Compression::None && **d == desc.digest))
            .map(|d| (StreamHasher::new(d.algorithm(), Some(desc.size)), d.clone()));
        Ok(LayerReader {
            inner,
            diff_id,
            what,
            done: false,
        })
    }

    /// Reads what is left, so every check runs even if the tar reader stopped early.
    pub fn finish(mut self) -> Result<()> {
        io::copy(&mut self, &mut io::sink()).map_err(|e| crate::blob::into_error(e, &self.what))?;
        Ok(())
    }

    pub fn what(&self) -> &str {
        &self.what
    }
}

impl Read for LayerReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        if let Some((hasher, _)) = self.diff_id.as_mut() {
            hasher.update(&buf[..n]);
        }
        if n == 0 && !buf.is_empty() {
            self.done = true;
            // Decompressors may stop before the end of the compressed stream; drain it so
            // the blob digest and size are checked over every byte.
            let rest = io::copy(self.inner.source(), &mut io::sink())?;
            if rest > 0 {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    Error::Layer {
                        what: self.what.clone(),
                        reason: format!(
                            "{rest} bytes of trailing data after the compressed stream"
                        ),
                    },
                ));
            }
            if let Some((hasher, expected)) = self.diff_id.take() {
                let actual = hasher.finish()?;
                if actual != expected {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        Error::DigestMismatch {
                            what: format!("{} (uncompressed, diff_id)", self.what),
                            expected,
                            actual,
                        },
                    ));
                }
            }
        }
        Ok(n)
    }
}

type Blob<'a> = BufReader<crate::blob::VerifyingReader<Box<dyn Read + Send + 'a>>>;

#[expect(
    clippy::large_enum_variant,
    reason = "flate2's zlib-rs decoder is large; one decoder per layer stream, boxing buys nothing"
)]
enum Decoded<'a> {
    Plain(Blob<'a>),
    Gzip(flate2::bufread::MultiGzDecoder<Blob<'a>>),
    Zstd(zstd::stream::read::Decoder<'static, Blob<'a>>),
}

impl<'a> Decoded<'a> {
    /// The verified compressed stream underneath the decoder.
    fn source(&mut self) -> &mut Blob<'a> {
        match self {
            Decoded::Plain(r) => r,
            Decoded::Gzip(r) => r.get_mut(),
            Decoded::Zstd(r) => r.get_mut(),
        }
    }
}

impl Read for Decoded<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoded::Plain(r) => r.read(buf),
            Decoded::Gzip(r) => r.read(buf),
            Decoded::Zstd(r) => r.read(buf),
        }
    }
}
