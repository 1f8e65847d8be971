//! The header blobs of an NDB `Packages.db` (rpm's own format, SUSE since 2020), read
//! without librpm. All numbers are little-endian 32-bit words.
//!
//! - bytes 0..32: the header: magic `RpmP`, version `0`, generation, the number of
//!   4096-byte slot pages, the next package index;
//! - from byte 32 to the end of the slot pages: 16-byte slots: magic `Slot`, package
//!   index, block offset, block count (blocks are 16 bytes); a slot with offset 0 is free;
//! - a blob at `offset * 16`: a head (magic `BlbS`, package index, timestamp, length),
//!   the header blob, zero padding to the block count, and a tail (Adler-32 of head, blob
//!   and padding; length; magic `BlbE`).
//!
//! Every slot and blob is checked (magics, index, bounds, length, checksum); a broken
//! one is an error naming it, since a half-read database would silently drop packages.

use crate::{Error, Result};

const HEADER_MAGIC: u32 = u32::from_le_bytes(*b"RpmP");
const SLOT_MAGIC: u32 = u32::from_le_bytes(*b"Slot");
const BLOB_HEAD: u32 = u32::from_le_bytes(*b"BlbS");
const BLOB_TAIL: u32 = u32::from_le_bytes(*b"BlbE");
const HEADER_SIZE: usize = 32;
const SLOT_SIZE: usize = 16;
const BLOCK: usize = 16;
const PAGE: usize = 4096;
const HEAD_SIZE: usize = 16;
const TAIL_SIZE: usize = 12;

/// Whether `bytes` start like an NDB package database.
pub fn is_ndb(bytes: &[u8]) -> bool {
    word(bytes, 0) == Some(HEADER_MAGIC as usize)
}

fn word(b: &[u8], at: usize) -> Option<usize> {
    let w: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    usize::try_from(u32::from_le_bytes(w)).ok()
}

/// Adler-32 (RFC 1950).
fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    (b << 16) | a
}

/// Every header blob in the database, by package index.
pub fn header_blobs(what: &str, bytes: &[u8]) -> Result<Vec<(i64, Vec<u8>)>> {
    let err = |reason: String| Error::Metadata {
        path: what.to_owned(),
        reason,
    };
    if !is_ndb(bytes) {
        return Err(err("not an NDB package database (bad magic)".to_owned()));
    }
    if word(bytes, 4) != Some(0) {
        return Err(err("unknown NDB version".to_owned()));
    }
    let pages = word(bytes, 12).unwrap_or(0);
    let slots_end = pages
        .checked_mul(PAGE)
        .filter(|end| *end <= bytes.len() && *end >= PAGE)
        .ok_or_else(|| err(format!("{pages} slot pages do not fit the file")))?;
    let mut out = Vec::new();
    for at in (HEADER_SIZE..slots_end).step_by(SLOT_SIZE) {
        let slot = |i: usize| word(bytes, at + 4 * i).unwrap_or(0);
        if slot(0) != SLOT_MAGIC as usize {
            return Err(err(format!("slot at byte {at}: bad magic")));
        }
        let (index, offset, blocks) = (slot(1), slot(2), slot(3));
        if offset == 0 {
            continue;
        }
        let start = offset.saturating_mul(BLOCK);
        let end = offset.saturating_add(blocks).saturating_mul(BLOCK);
        let Some(blob) = bytes.get(start..end).filter(|_| start >= slots_end) else {
            return Err(err(format!(
                "package {index}: blocks {offset}+{blocks} are outside the file"
            )));
        };
        let len = word(blob, 12).unwrap_or(usize::MAX);
        if word(blob, 0) != Some(BLOB_HEAD as usize)
            || word(blob, 4) != Some(index)
            || len
                .checked_add(HEAD_SIZE + TAIL_SIZE + BLOCK - 1)
                .map(|n| n / BLOCK)
                != Some(blocks)
        {
            return Err(err(format!("package {index}: bad blob head")));
        }
        let tail = blob.len() - TAIL_SIZE;
        if word(blob, tail) != usize::try_from(adler32(&blob[..tail])).ok()
            || word(blob, tail + 4) != Some(len)
            || word(blob, tail + 8) != Some(BLOB_TAIL as usize)
        {
            return Err(err(format!("package {index}: bad blob tail or checksum")));
        }
        out.push((
            i64::try_from(index).unwrap_or(i64::MAX),
            blob[HEAD_SIZE..HEAD_SIZE + len].to_vec(),
        ));
    }
    out.sort_by_key(|(i, _)| *i);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adler32_of_known_strings() {
        assert_eq!(adler32(b""), 1);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    }

    #[test]
    fn rejects_bad_headers() {
        assert!(header_blobs("x", b"RpmP").is_err());
        let mut db = vec![0u8; PAGE];
        db[..4].copy_from_slice(b"RpmP");
        assert!(header_blobs("x", &db).is_err(), "no slot pages");
        db[12..16].copy_from_slice(&1u32.to_le_bytes());
        assert!(header_blobs("x", &db).is_err(), "slots without magic");
        for at in (HEADER_SIZE..PAGE).step_by(SLOT_SIZE) {
            db[at..at + 4].copy_from_slice(b"Slot");
        }
        assert_eq!(header_blobs("x", &db).unwrap(), Vec::new());
        db[40..44].copy_from_slice(&1000u32.to_le_bytes());
        assert!(header_blobs("x", &db).is_err(), "a blob outside the file");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(mut db in proptest::collection::vec(proptest::num::u8::ANY, 0..2 * PAGE)) {
            if db.len() >= 16 {
                db[..4].copy_from_slice(b"RpmP");
                db[4..8].copy_from_slice(&[0; 4]);
                db[12..16].copy_from_slice(&1u32.to_le_bytes());
            }
            let _ = header_blobs("x", &db);
        }
    }
}
