//! A cheap look at an ELF file without reading it whole: whether its section table names
//! a section kiln reads (`.go.buildinfo`, `.dep-v0`). Reads the header, the section table
//! and the section-name table only, each bounded, through [`Peek`].

use kiln_oci::fs::Peek;

use super::elf::{MAGIC, Reader};

/// The most bytes of section headers looked at (65,535 headers of 64 bytes).
const MAX_TABLE: u64 = 64 * 65_535;
/// The largest section-name table looked at.
const MAX_NAMES: u64 = 1 << 20;

/// The sections that make an executable worth reading: Go build info, cargo-auditable.
pub const INTERESTING: [&str; 2] = [".go.buildinfo", ".dep-v0"];

/// Whether `file` is an ELF file whose section table names one of [`INTERESTING`].
pub fn interesting(file: &dyn Peek) -> bool {
    has_section(file, &INTERESTING).unwrap_or(false)
}

/// Whether `file`'s section-name table holds one of `names`; `None` if it is not an ELF
/// file or its tables are out of bounds.
pub fn has_section(file: &dyn Peek, names: &[&str]) -> Option<bool> {
    let head = read(file, 0, 64)?;
    if head.get(..4) != Some(MAGIC.as_slice()) {
        return None;
    }
    let is_64 = match head.get(4) {
        Some(2) => true,
        Some(1) => false,
        _ => return None,
    };
    let little_endian = match head.get(5) {
        Some(1) => true,
        Some(2) => false,
        _ => return None,
    };
    let r = Reader {
        data: &head,
        little_endian,
    };
    let (shoff, shentsize, shnum, shstrndx) = if is_64 {
        (r.u64(0x28)?, r.u16(0x3a)?, r.u16(0x3c)?, r.u16(0x3e)?)
    } else {
        (
            u64::from(r.u32(0x20)?),
            r.u16(0x2e)?,
            r.u16(0x30)?,
            r.u16(0x32)?,
        )
    };
    let (entsize, shnum, strndx) = (u64::from(shentsize), u64::from(shnum), u64::from(shstrndx));
    if shnum == 0 || strndx >= shnum || entsize < if is_64 { 64 } else { 40 } {
        return None;
    }
    let table = entsize.checked_mul(shnum).filter(|t| *t <= MAX_TABLE)?;
    let headers = read(file, shoff, table)?;
    let h = Reader {
        data: &headers,
        little_endian,
    };
    let at = strndx * entsize;
    let (offset, size) = if is_64 {
        (h.u64(at + 0x18)?, h.u64(at + 0x20)?)
    } else {
        (u64::from(h.u32(at + 0x10)?), u64::from(h.u32(at + 0x14)?))
    };
    if size > MAX_NAMES {
        return None;
    }
    let strtab = read(file, offset, size)?;
    let found = (0..shnum).any(|i| {
        h.u32(i * entsize)
            .and_then(|name| usize::try_from(name).ok())
            .and_then(|start| strtab.get(start..))
            .map(|rest| rest.split(|b| *b == 0).next().unwrap_or_default())
            .is_some_and(|name| names.iter().any(|n| n.as_bytes() == name))
    });
    Some(found)
}

/// Exactly `len` bytes at `offset`, or `None` past the end of the file.
fn read(file: &dyn Peek, offset: u64, len: u64) -> Option<Vec<u8>> {
    if offset.checked_add(len)? > file.size() {
        return None;
    }
    let mut buf = vec![0u8; usize::try_from(len).ok()?];
    let n = file.read_at(&mut buf, offset).ok()?;
    (n == buf.len()).then_some(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_is_not_elf_or_out_of_bounds() {
        assert!(!interesting(&&b"#!/bin/sh\necho hi\n"[..]));
        assert!(!interesting(&&b"\x7fELF"[..]));
        let mut header = [0u8; 64];
        header[..4].copy_from_slice(MAGIC);
        header[4] = 2;
        header[5] = 1;
        header[0x28..0x30].copy_from_slice(&u64::MAX.to_le_bytes());
        header[0x3a..0x3c].copy_from_slice(&64u16.to_le_bytes());
        header[0x3c..0x3e].copy_from_slice(&3u16.to_le_bytes());
        assert_eq!(has_section(&&header[..], &INTERESTING), None);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let mut bytes = bytes;
            if bytes.len() >= 6 {
                bytes[..4].copy_from_slice(MAGIC);
            }
            let _ = has_section(&&bytes[..], &INTERESTING);
        }
    }
}
