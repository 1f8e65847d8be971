//! The `ar` container a `.deb` is: `!<arch>\n`, then members each with a 60-byte header
//! (name, mtime, uid, gid, mode, decimal size, `` `\n ``) and data padded to an even
//! length. Read forward only, so a package can be streamed.

use std::io::Read;

use super::DebError;

/// The global header of an `ar` archive.
pub const MAGIC: &[u8; 8] = b"!<arch>\n";
const HEADER_LEN: usize = 60;

/// One member's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberHeader {
    /// The name with the padding spaces and a GNU trailing `/` removed.
    pub name: String,
    pub size: u64,
}

/// Reads the global header.
pub fn read_magic<R: Read>(r: &mut R) -> Result<(), DebError> {
    let mut magic = [0u8; 8];
    read_exact_or(r, &mut magic, || DebError::NotADeb {
        reason: "shorter than the ar header".to_owned(),
    })?;
    if &magic != MAGIC {
        return Err(DebError::NotADeb {
            reason: "no ar archive header".to_owned(),
        });
    }
    Ok(())
}

/// Reads the next member header; `None` at a clean end of the archive.
pub fn next_header<R: Read>(r: &mut R) -> Result<Option<MemberHeader>, DebError> {
    let mut header = [0u8; HEADER_LEN];
    let mut filled = 0;
    while filled < HEADER_LEN {
        match r.read(&mut header[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(DebError::io("ar member header", e)),
        }
    }
    if filled == 0 {
        return Ok(None);
    }
    // A lone padding newline may end the archive.
    if filled == 1 && header[0] == b'\n' {
        return Ok(None);
    }
    if filled < HEADER_LEN {
        return Err(DebError::NotADeb {
            reason: "truncated ar member header".to_owned(),
        });
    }
    parse_header(&header).map(Some)
}

fn parse_header(h: &[u8; HEADER_LEN]) -> Result<MemberHeader, DebError> {
    let bad = |reason: &str| DebError::NotADeb {
        reason: reason.to_owned(),
    };
    if &h[58..60] != b"`\n" {
        return Err(bad("ar member header has no terminator"));
    }
    let name = std::str::from_utf8(&h[0..16])
        .map_err(|_| bad("ar member name is not UTF-8"))?
        .trim_end_matches(' ');
    let name = name.strip_suffix('/').unwrap_or(name).to_owned();
    if name.is_empty() {
        return Err(bad("ar member without a name"));
    }
    let size = std::str::from_utf8(&h[48..58])
        .ok()
        .map(str::trim)
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or_else(|| bad("ar member size is not a decimal number"))?;
    Ok(MemberHeader { name, size })
}

/// Skips a member's data and its padding byte.
pub fn skip<R: Read>(r: &mut R, header: &MemberHeader) -> Result<(), DebError> {
    let len = header.size + header.size % 2;
    let copied = std::io::copy(&mut r.take(len), &mut std::io::sink())
        .map_err(|e| DebError::io(&header.name, e))?;
    if copied < header.size {
        return Err(DebError::Member {
            member: header.name.clone(),
            reason: "truncated".to_owned(),
        });
    }
    Ok(())
}

/// Reads a whole member of at most `limit` bytes, padding consumed.
pub fn read_member<R: Read>(
    r: &mut R,
    header: &MemberHeader,
    limit: u64,
) -> Result<Vec<u8>, DebError> {
    if header.size > limit {
        return Err(DebError::TooLarge {
            what: header.name.clone(),
            limit,
        });
    }
    let mut data = Vec::new();
    r.take(header.size)
        .read_to_end(&mut data)
        .map_err(|e| DebError::io(&header.name, e))?;
    if (data.len() as u64) < header.size {
        return Err(DebError::Member {
            member: header.name.clone(),
            reason: "truncated".to_owned(),
        });
    }
    if header.size % 2 == 1 {
        let mut pad = [0u8; 1];
        // The last member's padding may be missing; dpkg accepts that.
        let _ = r
            .read(&mut pad)
            .map_err(|e| DebError::io(&header.name, e))?;
    }
    Ok(data)
}

fn read_exact_or<R: Read>(
    r: &mut R,
    buf: &mut [u8],
    short: impl Fn() -> DebError,
) -> Result<(), DebError> {
    match r.read_exact(buf) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(short()),
        Err(e) => Err(DebError::io("ar header", e)),
    }
}
