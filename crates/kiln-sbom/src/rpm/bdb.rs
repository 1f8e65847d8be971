//! The header blobs of a Berkeley DB `Packages` database (rpm before 4.16, RHEL/CentOS 7
//! and 8, older SUSE), read without libdb: the file is a Berkeley DB *hash* database
//! whose keys are 4-byte package numbers and whose values are header blobs.
//!
//! Layout read here (Berkeley DB 4.x–5.x on-disk format):
//! - page 0 is the metadata page: magic `0x061561` at byte 12 (its byte order is the
//!   file's), page size at byte 20;
//! - every page starts with a 26-byte header: LSN (8), page number (4), previous (4) and
//!   next (4) page, entry count (2), `hf_offset` (2), level (1), page type (1);
//! - hash pages (type 2 or 13) hold an array of 2-byte item offsets after the header;
//!   items alternate key, value; an item's first byte is its type: `1` = data inline up
//!   to the previous item's start (or the page end), `3` = off-page: page number (bytes
//!   4..8) and total length (bytes 8..12) of a chain of overflow pages;
//! - overflow pages (type 7) carry `hf_offset` bytes of data after their header and name
//!   the next page of the chain.
//!
//! Keys are not needed: every value of 8 bytes or more is taken as a header blob (rpm
//! keeps a 4-byte counter under key 0). Page numbers, chain lengths and sizes are all
//! checked against the file; a broken page is an error naming it.

use crate::{Error, Result};

const MAGIC: u32 = 0x0006_1561;
const PAGE_HEADER: usize = 26;
const HASH_UNSORTED: u8 = 2;
const HASH: u8 = 13;
const OVERFLOW: u8 = 7;
const KEYDATA: u8 = 1;
const OFFPAGE: u8 = 3;

/// Whether `bytes` start like a Berkeley DB hash database.
pub fn is_bdb(bytes: &[u8]) -> bool {
    bytes.len() >= 24
        && [u32::from_le_bytes, u32::from_be_bytes]
            .iter()
            .any(|f| bytes[12..16].try_into().is_ok_and(|b| f(b) == MAGIC))
}

struct File<'a> {
    what: &'a str,
    bytes: &'a [u8],
    page_size: usize,
    big_endian: bool,
}

impl File<'_> {
    fn err(&self, reason: impl Into<String>) -> Error {
        Error::Metadata {
            path: self.what.to_owned(),
            reason: reason.into(),
        }
    }

    fn u16(&self, b: &[u8], at: usize) -> Option<usize> {
        let b: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
        Some(usize::from(if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        }))
    }

    fn u32(&self, b: &[u8], at: usize) -> Option<usize> {
        let b: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
        let v = if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        };
        usize::try_from(v).ok()
    }

    fn pages(&self) -> usize {
        self.bytes.len() / self.page_size
    }

    fn page(&self, n: usize) -> Option<&[u8]> {
        self.bytes
            .get(n.checked_mul(self.page_size)?..(n + 1).checked_mul(self.page_size)?)
    }

    /// The `len` bytes of the overflow chain starting at page `first`.
    fn overflow(&self, first: usize, len: usize) -> Result<Vec<u8>> {
        if len > self.bytes.len() {
            return Err(self.err(format!(
                "overflow item of {len} bytes is larger than the file"
            )));
        }
        let mut out = Vec::with_capacity(len);
        let mut next = first;
        for _ in 0..self.pages() {
            let page = self
                .page(next)
                .ok_or_else(|| self.err(format!("overflow page {next} is outside the file")))?;
            if page[PAGE_HEADER - 1] != OVERFLOW {
                return Err(self.err(format!("page {next} is not an overflow page")));
            }
            let used = self.u16(page, 22).unwrap_or(0);
            let data = page
                .get(PAGE_HEADER..PAGE_HEADER + used)
                .ok_or_else(|| self.err(format!("overflow page {next} claims {used} bytes")))?;
            out.extend_from_slice(data);
            if out.len() >= len {
                out.truncate(len);
                return Ok(out);
            }
            next = self.u32(page, 16).unwrap_or(0);
            if next == 0 {
                break;
            }
        }
        Err(self.err(format!(
            "overflow chain from page {first} ends after {} of {len} bytes",
            out.len()
        )))
    }
}

/// Every header blob in the database, numbered in file order.
pub fn header_blobs(what: &str, bytes: &[u8]) -> Result<Vec<(i64, Vec<u8>)>> {
    let meta = |reason: &str| Error::Metadata {
        path: what.to_owned(),
        reason: reason.to_owned(),
    };
    let magic: [u8; 4] = bytes
        .get(12..16)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| meta("too short for a Berkeley DB file"))?;
    let big_endian = match (u32::from_le_bytes(magic), u32::from_be_bytes(magic)) {
        (MAGIC, _) => false,
        (_, MAGIC) => true,
        _ => return Err(meta("not a Berkeley DB hash database (bad magic)")),
    };
    let mut file = File {
        what,
        bytes,
        page_size: 0,
        big_endian,
    };
    file.page_size = file.u32(bytes, 20).unwrap_or(0);
    if !(512..=65536).contains(&file.page_size) || !file.page_size.is_power_of_two() {
        return Err(meta("bad page size"));
    }
    let mut out = Vec::new();
    for n in 1..file.pages() {
        let Some(page) = file.page(n) else { break };
        if !matches!(page[PAGE_HEADER - 1], HASH | HASH_UNSORTED) {
            continue;
        }
        let entries = file.u16(page, 20).unwrap_or(0);
        let offset = |i: usize| file.u16(page, PAGE_HEADER + 2 * i);
        // Items alternate key, value: values are the odd ones.
        for i in (1..entries).step_by(2) {
            let (Some(start), Some(end)) = (offset(i), offset(i - 1)) else {
                return Err(file.err(format!("hash page {n}: item table runs off the page")));
            };
            let item = page
                .get(start..)
                .filter(|_| start >= PAGE_HEADER)
                .ok_or_else(|| file.err(format!("hash page {n}: item {i} is off the page")))?;
            let blob = match item.first() {
                Some(&OFFPAGE) => {
                    let (Some(pgno), Some(len)) = (file.u32(item, 4), file.u32(item, 8)) else {
                        return Err(file.err(format!("hash page {n}: short off-page item {i}")));
                    };
                    file.overflow(pgno, len)?
                }
                Some(&KEYDATA) if end > start => page
                    .get(start + 1..end)
                    .ok_or_else(|| file.err(format!("hash page {n}: item {i} is off the page")))?
                    .to_vec(),
                _ => continue,
            };
            if blob.len() >= 8 {
                out.push((i64::try_from(out.len() + 1).unwrap_or(i64::MAX), blob));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_is_not_a_hash_database() {
        assert!(header_blobs("x", b"short").is_err());
        assert!(header_blobs("x", &[0u8; 4096]).is_err());
        let mut meta = vec![0u8; 4096];
        meta[12..16].copy_from_slice(&MAGIC.to_le_bytes());
        meta[20..24].copy_from_slice(&100u32.to_le_bytes());
        assert!(header_blobs("x", &meta).is_err(), "page size 100");
        meta[20..24].copy_from_slice(&4096u32.to_le_bytes());
        assert!(is_bdb(&meta));
        assert_eq!(header_blobs("x", &meta).unwrap(), Vec::new());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(mut pages in proptest::collection::vec(proptest::num::u8::ANY, 0..3 * 512)) {
            if pages.len() >= 24 {
                pages[12..16].copy_from_slice(&MAGIC.to_le_bytes());
                pages[20..24].copy_from_slice(&512u32.to_le_bytes());
            }
            if pages.len() >= 1024 {
                pages[512 + 25] = HASH;
            }
            let _ = header_blobs("x", &pages);
        }
    }
}
