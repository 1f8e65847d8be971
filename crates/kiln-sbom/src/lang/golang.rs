//! Go module build information embedded in Go binaries: the `.go.buildinfo` section
//! (or, without section headers, the 16-byte aligned `\xff Go buildinf:` header found
//! in the file) holding the Go version and the module list `go version -m` prints.
//!
//! Go ≥ 1.18 stores both strings inline after the 32-byte header, each prefixed by its
//! length as an unsigned varint; older versions store two pointers to Go string headers
//! (pointer size and byte order from the header's flags).

use super::elf::{Elf, Reader};

const MAGIC: &[u8; 14] = b"\xff Go buildinf:";
const FLAG_BIG_ENDIAN: u8 = 1;
const FLAG_INLINE: u8 = 2;
/// The longest string kiln accepts from a build info blob.
const MAX_STRING: u64 = 16 << 20;

/// A module of the build list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    pub path: String,
    pub version: String,
    /// The `h1:` checksum, if recorded.
    pub sum: Option<String>,
    /// What `=>` replaced it with: path and version (empty for a local directory).
    pub replace: Option<(String, String)>,
}

/// What a Go binary says about how it was built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildInfo {
    /// `go1.21.5`.
    pub go_version: String,
    /// The main package's import path (`path` line).
    pub path: Option<String>,
    pub main: Option<Module>,
    pub deps: Vec<Module>,
    /// `build` settings (`GOOS=linux`, `-ldflags=…`).
    pub settings: Vec<(String, String)>,
}

/// The build info of an ELF Go binary; `Ok(None)` for binaries that are not Go.
pub fn build_info(elf: &Elf<'_>) -> Result<Option<BuildInfo>, String> {
    let blob = match elf.section(".go.buildinfo") {
        Some(b) => b,
        None if !elf.sections.is_empty() => return Ok(None),
        None => match find_magic(elf.data) {
            Some(at) => &elf.data[at..],
            None => return Ok(None),
        },
    };
    let Some(header) = blob.get(..32) else {
        return Err("truncated Go build info header".to_owned());
    };
    if &header[..14] != MAGIC {
        return Err("Go build info section without its magic".to_owned());
    }
    let ptr_size = u64::from(header[14]);
    let flags = header[15];
    let (version, modinfo) = if flags & FLAG_INLINE != 0 {
        let mut at = 32usize;
        let v = varint_string(blob, &mut at).ok_or("bad Go version string")?;
        let m = varint_string(blob, &mut at).ok_or("bad Go module info string")?;
        (v, m)
    } else {
        if ptr_size != 4 && ptr_size != 8 {
            return Err(format!("bad Go build info pointer size {ptr_size}"));
        }
        let r = Reader {
            data: blob,
            little_endian: flags & FLAG_BIG_ENDIAN == 0,
        };
        let v_ptr = r.word(16, ptr_size).ok_or("truncated Go build info")?;
        let m_ptr = r
            .word(16 + ptr_size, ptr_size)
            .ok_or("truncated Go build info")?;
        let rr = Reader {
            data: elf.data,
            little_endian: r.little_endian,
        };
        let read = |p: u64| -> Option<String> {
            let hdr = elf.at_address(p, ptr_size * 2)?;
            let h = Reader {
                data: hdr,
                little_endian: rr.little_endian,
            };
            let (data, len) = (h.word(0, ptr_size)?, h.word(ptr_size, ptr_size)?);
            if len > MAX_STRING {
                return None;
            }
            Some(String::from_utf8_lossy(elf.at_address(data, len)?).into_owned())
        };
        (
            read(v_ptr).ok_or("unreadable Go version pointer")?,
            read(m_ptr).unwrap_or_default(),
        )
    };
    if version.is_empty() {
        return Ok(None);
    }
    let mut info = parse_modinfo(&modinfo);
    info.go_version = version;
    Ok(Some(info))
}

fn find_magic(data: &[u8]) -> Option<usize> {
    (0..data.len())
        .step_by(16)
        .find(|&i| data.get(i..i + MAGIC.len()) == Some(MAGIC.as_slice()))
}

fn varint_string(blob: &[u8], at: &mut usize) -> Option<String> {
    let mut len: u64 = 0;
    let mut shift = 0u32;
    loop {
        let b = *blob.get(*at)?;
        *at += 1;
        len |= u64::from(b & 0x7f).checked_shl(shift)?;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
    if len > MAX_STRING {
        return None;
    }
    let end = at.checked_add(usize::try_from(len).ok()?)?;
    let s = String::from_utf8_lossy(blob.get(*at..end)?).into_owned();
    *at = end;
    Some(s)
}

/// The text `go version -m` shows, with or without its 16-byte sentinels.
pub fn parse_modinfo(text: &str) -> BuildInfo {
    let text = match text.as_bytes() {
        b if b.len() >= 33 && b[b.len() - 17] == b'\n' => {
            text.get(16..text.len() - 16).unwrap_or(text)
        }
        _ => text,
    };
    let mut info = BuildInfo::default();
    for line in text.lines() {
        let mut f = line.split('\t');
        let module = |f: &mut std::str::Split<'_, char>| Module {
            path: f.next().unwrap_or_default().to_owned(),
            version: f.next().unwrap_or_default().to_owned(),
            sum: f.next().filter(|s| !s.is_empty()).map(str::to_owned),
            replace: None,
        };
        match f.next() {
            Some("path") => info.path = f.next().map(str::to_owned),
            Some("mod") => info.main = Some(module(&mut f)),
            Some("dep") => info.deps.push(module(&mut f)),
            Some("=>") => {
                let r = module(&mut f);
                let target = info.deps.last_mut().or(info.main.as_mut());
                if let Some(m) = target {
                    m.replace = Some((r.path, r.version));
                    if r.sum.is_some() {
                        m.sum = r.sum;
                    }
                }
            }
            Some("build") => {
                if let Some((k, v)) = f.next().and_then(|kv| kv.split_once('=')) {
                    info.settings.push((k.to_owned(), v.to_owned()));
                }
            }
            _ => {}
        }
    }
    info
}
