//! Reading `.deb` files: the `ar` container, `control.tar.{gz,xz,zst}` (the control
//! paragraph, `md5sums`, `conffiles`) and a streamed `data.tar.{gz,xz,zst}`.
//!
//! Hostile input never panics and never makes kiln allocate or decompress without bound:
//! the control archive is read whole but limited ([`Limits::max_control`]); the data
//! archive is streamed through a reader that fails past [`Limits::max_data`]
//! decompressed bytes. Maintainer scripts are read as names only, never run.

mod ar;
mod error;

use std::io::Read;

pub use ar::MAGIC as AR_MAGIC;
pub use error::DebError;

use crate::control::{self, Paragraph};

/// The most memory an xz stream may make the decoder take (dictionaries real packages
/// use are at most 64 MiB).
const XZ_MEMLIMIT: u64 = 256 << 20;

/// Bounds on what one `.deb` may make kiln read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The control archive, compressed and decompressed, and each file in it.
    pub max_control: u64,
    /// The decompressed data archive.
    pub max_data: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_control: 16 << 20,
            max_data: 16 << 30,
        }
    }
}

/// The compression of a control or data member, from its name's suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Xz,
    Zstd,
}

impl Compression {
    /// `control.tar.xz` → `Xz`; `Err` names an unsupported suffix (`.bz2`, `.lzma`).
    fn of_member(name: &str, stem: &str) -> Result<Compression, DebError> {
        let suffix = name.strip_prefix(stem).unwrap_or("");
        match suffix {
            "" => Ok(Compression::None),
            ".gz" => Ok(Compression::Gzip),
            ".xz" => Ok(Compression::Xz),
            ".zst" => Ok(Compression::Zstd),
            other => Err(DebError::Unsupported {
                what: name.to_owned(),
                compression: other.trim_start_matches('.').to_owned(),
            }),
        }
    }

    /// A decoder over `r`.
    pub fn decoder<'a, R: Read + 'a>(self, r: R) -> Result<Box<dyn Read + 'a>, DebError> {
        Ok(match self {
            Compression::None => Box::new(r),
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(r)),
            Compression::Xz => {
                let stream = liblzma::stream::Stream::new_stream_decoder(
                    XZ_MEMLIMIT,
                    liblzma::stream::CONCATENATED,
                )
                .map_err(|e| DebError::io("xz decoder", std::io::Error::other(e)))?;
                Box::new(liblzma::read::XzDecoder::new_stream(r, stream))
            }
            Compression::Zstd => Box::new(
                zstd::stream::read::Decoder::new(r).map_err(|e| DebError::io("zstd decoder", e))?,
            ),
        })
    }
}

/// One line of `md5sums`: a path (relative, as dpkg writes it) and its MD5 in hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Md5Sum {
    pub md5: String,
    pub path: String,
}

/// The package's control information.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Control {
    /// The first paragraph of `control`.
    pub paragraph: Paragraph,
    /// `control` as shipped.
    pub text: String,
    /// `md5sums` lines that parse; empty when the package ships none.
    pub md5sums: Vec<Md5Sum>,
    /// `md5sums` as shipped, if any.
    pub md5sums_text: Option<String>,
    /// Absolute paths from `conffiles` (`remove-on-upgrade` entries dropped).
    pub conffiles: Vec<String>,
    /// Names of the other control members (`postinst`, `triggers`, …), sorted.
    pub scripts: Vec<String>,
}

impl Control {
    /// The `Package` field.
    pub fn package(&self) -> Option<&str> {
        self.paragraph.get("Package")
    }

    pub fn version(&self) -> Option<&str> {
        self.paragraph.get("Version")
    }

    pub fn architecture(&self) -> Option<&str> {
        self.paragraph.get("Architecture")
    }
}

/// A `.deb` whose control part has been read; the data archive is next in the stream.
#[derive(Debug)]
pub struct Deb<R> {
    reader: R,
    control: Control,
    data_member: String,
    data_size: u64,
    data_compression: Compression,
    limits: Limits,
}

impl<R: Read> Deb<R> {
    /// Reads the `ar` header, `debian-binary` (format 2.x), and the control archive, and
    /// stops at the data member's header.
    pub fn open(mut reader: R, limits: Limits) -> Result<Deb<R>, DebError> {
        ar::read_magic(&mut reader)?;
        let first = ar::next_header(&mut reader)?.ok_or_else(|| DebError::NotADeb {
            reason: "empty ar archive".to_owned(),
        })?;
        if first.name != "debian-binary" {
            return Err(DebError::NotADeb {
                reason: format!("the first member is {:?}, not debian-binary", first.name),
            });
        }
        let version = ar::read_member(&mut reader, &first, 64)?;
        if !version.starts_with(b"2.") {
            return Err(DebError::NotADeb {
                reason: format!(
                    "format version {:?}, kiln reads 2.x",
                    String::from_utf8_lossy(&version).trim()
                ),
            });
        }
        let mut control = None;
        loop {
            let header = ar::next_header(&mut reader)?.ok_or_else(|| DebError::NotADeb {
                reason: if control.is_some() {
                    "no data.tar member".to_owned()
                } else {
                    "no control.tar member".to_owned()
                },
            })?;
            if header.name.starts_with('_') {
                ar::skip(&mut reader, &header)?;
                continue;
            }
            if header.name.starts_with("control.tar") && control.is_none() {
                let compression = Compression::of_member(&header.name, "control.tar")?;
                let bytes = ar::read_member(&mut reader, &header, limits.max_control)?;
                control = Some(read_control(&bytes, compression, &header.name, &limits)?);
                continue;
            }
            if header.name.starts_with("data.tar") {
                let Some(control) = control else {
                    return Err(DebError::NotADeb {
                        reason: "data.tar comes before control.tar".to_owned(),
                    });
                };
                let data_compression = Compression::of_member(&header.name, "data.tar")?;
                return Ok(Deb {
                    reader,
                    control,
                    data_member: header.name,
                    data_size: header.size,
                    data_compression,
                    limits,
                });
            }
            return Err(DebError::NotADeb {
                reason: format!("unexpected member {:?}", header.name),
            });
        }
    }

    pub fn control(&self) -> &Control {
        &self.control
    }

    /// The data member's name, e.g. `data.tar.xz`.
    pub fn data_member(&self) -> &str {
        &self.data_member
    }

    pub fn data_compression(&self) -> Compression {
        self.data_compression
    }

    /// The control information and the decompressed data archive as a stream, failing
    /// past [`Limits::max_data`] bytes.
    pub fn into_parts<'a>(self) -> Result<(Control, Box<dyn Read + 'a>), DebError>
    where
        R: 'a,
    {
        let raw = self.reader.take(self.data_size);
        let decoded = self.data_compression.decoder(raw)?;
        let limited = Limited {
            inner: decoded,
            left: self.limits.max_data,
            what: self.data_member,
        };
        Ok((self.control, Box::new(limited)))
    }
}

/// Reads `control.tar*`: `control` is required; `md5sums` and `conffiles` optional.
fn read_control(
    bytes: &[u8],
    compression: Compression,
    member: &str,
    limits: &Limits,
) -> Result<Control, DebError> {
    let bad = |reason: String| DebError::Member {
        member: member.to_owned(),
        reason,
    };
    let decoded = Limited {
        inner: compression.decoder(bytes)?,
        left: limits.max_control,
        what: member.to_owned(),
    };
    let mut archive = tar::Archive::new(decoded);
    let (mut text, mut md5, mut conffiles, mut scripts) = (None, None, None, Vec::new());
    let entries = archive.entries().map_err(|e| bad(e.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| bad(e.to_string()))?;
        let raw_name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let name = raw_name.trim_start_matches("./").trim_end_matches('/');
        if name.is_empty() || !entry.header().entry_type().is_file() {
            continue;
        }
        let slot = match name {
            "control" => &mut text,
            "md5sums" => &mut md5,
            "conffiles" => &mut conffiles,
            other => {
                scripts.push(other.to_owned());
                continue;
            }
        };
        let mut content = Vec::new();
        (&mut entry)
            .take(limits.max_control)
            .read_to_end(&mut content)
            .map_err(|e| bad(format!("{name}: {e}")))?;
        let content =
            String::from_utf8(content).map_err(|_| bad(format!("{name} is not UTF-8")))?;
        *slot = Some(content);
    }
    let text = text.ok_or_else(|| bad("no control file".to_owned()))?;
    let (paragraphs, _) = control::paragraphs(&text);
    let paragraph = paragraphs
        .into_iter()
        .next()
        .ok_or_else(|| bad("the control file has no paragraph".to_owned()))?;
    if paragraph.get("Package").is_none_or(str::is_empty) {
        return Err(bad("the control file has no Package field".to_owned()));
    }
    scripts.sort();
    Ok(Control {
        paragraph,
        text,
        md5sums: md5.as_deref().map(parse_md5sums).unwrap_or_default(),
        md5sums_text: md5,
        conffiles: conffiles
            .as_deref()
            .map(parse_conffiles)
            .unwrap_or_default(),
        scripts,
    })
}

/// `md5sums` lines: 32 hex digits, two spaces (or space and `*`), a path.
pub fn parse_md5sums(text: &str) -> Vec<Md5Sum> {
    text.lines()
        .filter_map(|line| {
            let (md5, rest) = line.split_at_checked(32)?;
            if !md5.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            let path = rest.strip_prefix(' ')?;
            let path = path.strip_prefix([' ', '*']).unwrap_or(path);
            (!path.is_empty()).then(|| Md5Sum {
                md5: md5.to_ascii_lowercase(),
                path: path.to_owned(),
            })
        })
        .collect()
}

/// `conffiles` lines: an absolute path, optionally preceded by a flag such as
/// `remove-on-upgrade` (those entries are dropped).
pub fn parse_conffiles(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| l.starts_with('/'))
        .map(str::to_owned)
        .collect()
}

/// A reader that fails once more than `left` bytes have come through.
struct Limited<R> {
    inner: R,
    left: u64,
    what: String,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            return Err(std::io::Error::other(format!(
                "{} is larger than the limit",
                self.what
            )));
        }
        self.left -= n as u64;
        Ok(n)
    }
}
