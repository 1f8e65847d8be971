//! A minimal, bounds-checked ELF reader: the section headers of 32- and 64-bit,
//! little- and big-endian files, enough to find a named section's bytes and to map a
//! virtual address to file content.

/// The ELF magic.
pub const MAGIC: &[u8; 4] = b"\x7fELF";
const SHT_NOBITS: u32 = 8;
/// More sections than any real binary has.
const MAX_SECTIONS: usize = 1 << 16;

/// One section header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    pub kind: u32,
    pub addr: u64,
    pub offset: u64,
    pub size: u64,
}

/// A parsed ELF file borrowing its bytes.
#[derive(Debug)]
pub struct Elf<'a> {
    pub data: &'a [u8],
    pub is_64: bool,
    pub little_endian: bool,
    pub sections: Vec<Section>,
}

/// Reads integers of the file's byte order with bounds checks.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    pub data: &'a [u8],
    pub little_endian: bool,
}

impl<'a> Reader<'a> {
    pub fn bytes(&self, at: u64, len: u64) -> Option<&'a [u8]> {
        let start = usize::try_from(at).ok()?;
        let end = start.checked_add(usize::try_from(len).ok()?)?;
        self.data.get(start..end)
    }

    pub fn u16(&self, at: u64) -> Option<u16> {
        let b: [u8; 2] = self.bytes(at, 2)?.try_into().ok()?;
        Some(if self.little_endian {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    }

    pub fn u32(&self, at: u64) -> Option<u32> {
        let b: [u8; 4] = self.bytes(at, 4)?.try_into().ok()?;
        Some(if self.little_endian {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    pub fn u64(&self, at: u64) -> Option<u64> {
        let b: [u8; 8] = self.bytes(at, 8)?.try_into().ok()?;
        Some(if self.little_endian {
            u64::from_le_bytes(b)
        } else {
            u64::from_be_bytes(b)
        })
    }

    /// A word of `size` bytes (4 or 8).
    pub fn word(&self, at: u64, size: u64) -> Option<u64> {
        match size {
            8 => self.u64(at),
            4 => self.u32(at).map(u64::from),
            _ => None,
        }
    }
}

impl<'a> Elf<'a> {
    /// Parses the header and section table; `Err` says what is wrong.
    pub fn parse(data: &'a [u8]) -> Result<Elf<'a>, String> {
        if data.get(..4) != Some(MAGIC.as_slice()) {
            return Err("not an ELF file".to_owned());
        }
        let is_64 = match data.get(4) {
            Some(1) => false,
            Some(2) => true,
            _ => return Err("bad ELF class".to_owned()),
        };
        let little_endian = match data.get(5) {
            Some(1) => true,
            Some(2) => false,
            _ => return Err("bad ELF data encoding".to_owned()),
        };
        let r = Reader {
            data,
            little_endian,
        };
        let short = || "truncated ELF header".to_owned();
        let (shoff, shentsize, shnum, shstrndx) = if is_64 {
            (
                r.u64(0x28).ok_or_else(short)?,
                r.u16(0x3a).ok_or_else(short)?,
                r.u16(0x3c).ok_or_else(short)?,
                r.u16(0x3e).ok_or_else(short)?,
            )
        } else {
            (
                u64::from(r.u32(0x20).ok_or_else(short)?),
                r.u16(0x2e).ok_or_else(short)?,
                r.u16(0x30).ok_or_else(short)?,
                r.u16(0x32).ok_or_else(short)?,
            )
        };
        let min_entsize = if is_64 { 64 } else { 40 };
        if shnum == 0 {
            return Ok(Elf {
                data,
                is_64,
                little_endian,
                sections: Vec::new(),
            });
        }
        if u64::from(shentsize) < min_entsize || usize::from(shnum) > MAX_SECTIONS {
            return Err("bad section header size".to_owned());
        }
        let mut raw = Vec::with_capacity(usize::from(shnum));
        for i in 0..u64::from(shnum) {
            let at = shoff
                .checked_add(i * u64::from(shentsize))
                .ok_or("section table offset overflows")?;
            let bad = || format!("section header {i} is outside the file");
            let name = r.u32(at).ok_or_else(bad)?;
            let kind = r.u32(at + 4).ok_or_else(bad)?;
            let (addr, offset, size) = if is_64 {
                (
                    r.u64(at + 0x10).ok_or_else(bad)?,
                    r.u64(at + 0x18).ok_or_else(bad)?,
                    r.u64(at + 0x20).ok_or_else(bad)?,
                )
            } else {
                (
                    u64::from(r.u32(at + 0x0c).ok_or_else(bad)?),
                    u64::from(r.u32(at + 0x10).ok_or_else(bad)?),
                    u64::from(r.u32(at + 0x14).ok_or_else(bad)?),
                )
            };
            raw.push((name, kind, addr, offset, size));
        }
        let strtab = raw
            .get(usize::from(shstrndx))
            .and_then(|s| r.bytes(s.3, s.4))
            .unwrap_or_default();
        let sections = raw
            .into_iter()
            .map(|(name, kind, addr, offset, size)| Section {
                name: cstr(strtab, name),
                kind,
                addr,
                offset,
                size,
            })
            .collect();
        Ok(Elf {
            data,
            is_64,
            little_endian,
            sections,
        })
    }

    pub fn reader(&self) -> Reader<'a> {
        Reader {
            data: self.data,
            little_endian: self.little_endian,
        }
    }

    /// The bytes of the section called `name`, if it has content inside the file.
    pub fn section(&self, name: &str) -> Option<&'a [u8]> {
        let s = self.sections.iter().find(|s| s.name == name)?;
        if s.kind == SHT_NOBITS {
            return None;
        }
        self.reader().bytes(s.offset, s.size)
    }

    /// `len` bytes at virtual address `addr`, from the section that contains it.
    pub fn at_address(&self, addr: u64, len: u64) -> Option<&'a [u8]> {
        let s = self.sections.iter().find(|s| {
            s.kind != SHT_NOBITS
                && s.addr != 0
                && addr >= s.addr
                && addr
                    .checked_add(len)
                    .zip(s.addr.checked_add(s.size))
                    .is_some_and(|(end, send)| end <= send)
        })?;
        self.reader()
            .bytes(s.offset.checked_add(addr - s.addr)?, len)
    }
}

fn cstr(table: &[u8], at: u32) -> String {
    let Some(rest) = usize::try_from(at).ok().and_then(|i| table.get(i..)) else {
        return String::new();
    };
    let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    String::from_utf8_lossy(&rest[..end]).into_owned()
}
