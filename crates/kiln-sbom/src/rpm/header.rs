//! RPM header blobs as the rpm database stores them (no lead, no 8-byte magic): a count
//! of index entries `il` and of data bytes `dl` (big-endian u32), `il` 16-byte entries
//! (tag, type, offset, count), then the data store. Every offset and count is checked
//! against the blob; a bad entry makes the whole header an error.

use std::collections::HashMap;

pub const NAME: u32 = 1000;
pub const VERSION: u32 = 1001;
pub const RELEASE: u32 = 1002;
pub const EPOCH: u32 = 1003;
pub const VENDOR: u32 = 1011;
pub const LICENSE: u32 = 1014;
pub const PACKAGER: u32 = 1015;
pub const ARCH: u32 = 1022;
pub const OLDFILENAMES: u32 = 1027;
pub const SOURCERPM: u32 = 1044;
pub const PROVIDENAME: u32 = 1047;
pub const REQUIRENAME: u32 = 1049;
pub const DIRINDEXES: u32 = 1116;
pub const BASENAMES: u32 = 1117;
pub const DIRNAMES: u32 = 1118;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

/// rpm's own bounds on index entries and data size.
const MAX_ENTRIES: usize = 0xffff;
const MAX_DATA: usize = 256 << 20;

/// A decoded value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Strings(Vec<String>),
    Ints(Vec<u32>),
}

/// The tags of one header that kiln reads.
#[derive(Debug, Default)]
pub struct Header {
    tags: HashMap<u32, Value>,
}

impl Header {
    /// Parses `blob`; an error says what is wrong.
    pub fn parse(blob: &[u8]) -> Result<Header, String> {
        let il = be32(blob, 0).ok_or("shorter than 8 bytes")? as usize;
        let dl = be32(blob, 4).ok_or("shorter than 8 bytes")? as usize;
        if il > MAX_ENTRIES || dl > MAX_DATA {
            return Err(format!(
                "{il} entries / {dl} data bytes is over rpm's limits"
            ));
        }
        let data_start = 8 + il * 16;
        let data = blob.get(data_start..data_start + dl).ok_or_else(|| {
            format!(
                "{} bytes, but the header says {}",
                blob.len(),
                data_start + dl
            )
        })?;
        let mut tags = HashMap::new();
        for i in 0..il {
            let at = 8 + i * 16;
            let (Some(tag), Some(ty), Some(offset), Some(count)) = (
                be32(blob, at),
                be32(blob, at + 4),
                be32(blob, at + 8),
                be32(blob, at + 12),
            ) else {
                return Err("truncated index entry".to_owned());
            };
            let offset = offset as usize;
            let count = count as usize;
            if offset > data.len() || count > data.len() {
                return Err(format!(
                    "tag {tag}: offset {offset} or count {count} is outside the data"
                ));
            }
            let value = match ty {
                TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING => {
                    let n = if ty == TYPE_STRING { 1 } else { count };
                    Value::Strings(
                        strings(&data[offset..], n)
                            .ok_or_else(|| format!("tag {tag}: unterminated string"))?,
                    )
                }
                TYPE_INT32 => {
                    let bytes = data
                        .get(offset..offset + count * 4)
                        .ok_or_else(|| format!("tag {tag}: integers run past the data"))?;
                    Value::Ints(bytes.chunks_exact(4).filter_map(|c| be32(c, 0)).collect())
                }
                _ => continue,
            };
            tags.insert(tag, value);
        }
        Ok(Header { tags })
    }

    /// The first string of `tag`.
    pub fn string(&self, tag: u32) -> Option<&str> {
        match self.tags.get(&tag)? {
            Value::Strings(s) => s.first().map(String::as_str).filter(|s| !s.is_empty()),
            Value::Ints(_) => None,
        }
    }

    pub fn strings(&self, tag: u32) -> &[String] {
        match self.tags.get(&tag) {
            Some(Value::Strings(s)) => s,
            _ => &[],
        }
    }

    pub fn int(&self, tag: u32) -> Option<u32> {
        match self.tags.get(&tag)? {
            Value::Ints(i) => i.first().copied(),
            Value::Strings(_) => None,
        }
    }

    pub fn ints(&self, tag: u32) -> &[u32] {
        match self.tags.get(&tag) {
            Some(Value::Ints(i)) => i,
            _ => &[],
        }
    }

    /// The package's files: `DIRNAMES[DIRINDEXES[i]] + BASENAMES[i]`, or the old
    /// `OLDFILENAMES`. Entries whose directory index is out of range are dropped.
    pub fn files(&self) -> Vec<String> {
        let base = self.strings(BASENAMES);
        if base.is_empty() {
            return self.strings(OLDFILENAMES).to_vec();
        }
        let dirs = self.strings(DIRNAMES);
        base.iter()
            .zip(self.ints(DIRINDEXES))
            .filter_map(|(b, &d)| dirs.get(d as usize).map(|d| format!("{d}{b}")))
            .collect()
    }
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

fn strings(mut data: &[u8], n: usize) -> Option<Vec<String>> {
    let mut out = Vec::with_capacity(n.min(4096));
    for _ in 0..n {
        let end = data.iter().position(|&b| b == 0)?;
        out.push(String::from_utf8_lossy(&data[..end]).into_owned());
        data = &data[end + 1..];
    }
    Some(out)
}

/// Writes a header blob from `(tag, value)` pairs: the inverse of [`Header::parse`], for
/// tests and fuzzing seeds.
pub fn build(entries: &[(u32, Value)]) -> Vec<u8> {
    let mut index = Vec::new();
    let mut data = Vec::new();
    for (tag, value) in entries {
        let (ty, count) = match value {
            Value::Strings(s) if s.len() == 1 => (TYPE_STRING, 1),
            Value::Strings(s) => (TYPE_STRING_ARRAY, s.len()),
            Value::Ints(i) => {
                while data.len() % 4 != 0 {
                    data.push(0);
                }
                (TYPE_INT32, i.len())
            }
        };
        for v in [*tag, ty, data.len() as u32, count as u32] {
            index.extend_from_slice(&v.to_be_bytes());
        }
        match value {
            Value::Strings(s) => s.iter().for_each(|s| {
                data.extend_from_slice(s.as_bytes());
                data.push(0);
            }),
            Value::Ints(i) => i
                .iter()
                .for_each(|v| data.extend_from_slice(&v.to_be_bytes())),
        }
    }
    let mut out = Vec::new();
    out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(&index);
    out.extend_from_slice(&data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn s(v: &[&str]) -> Value {
        Value::Strings(v.iter().map(|s| (*s).to_owned()).collect())
    }

    #[test]
    fn reads_strings_ints_and_files() {
        let blob = build(&[
            (NAME, s(&["bash"])),
            (EPOCH, Value::Ints(vec![1])),
            (DIRNAMES, s(&["/usr/bin/", "/etc/"])),
            (BASENAMES, s(&["bash", "sh", "bashrc"])),
            (DIRINDEXES, Value::Ints(vec![0, 0, 1])),
        ]);
        let h = Header::parse(&blob).unwrap();
        assert_eq!(h.string(NAME), Some("bash"));
        assert_eq!(h.int(EPOCH), Some(1));
        assert_eq!(h.files(), ["/usr/bin/bash", "/usr/bin/sh", "/etc/bashrc"]);
        assert_eq!(h.string(VERSION), None);
    }

    #[test]
    fn rejects_truncated_and_oversized_headers() {
        let blob = build(&[(NAME, s(&["bash"]))]);
        assert!(Header::parse(&blob[..blob.len() - 1]).is_err());
        assert!(Header::parse(&[0, 1, 0, 0, 0, 0, 0, 0]).is_err());
        assert!(Header::parse(&[0, 0, 0]).is_err());
        let mut bad = blob.clone();
        bad[8 + 8..8 + 12].copy_from_slice(&1000u32.to_be_bytes());
        assert!(Header::parse(&bad).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(blob in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = Header::parse(&blob);
        }

        #[test]
        fn never_panics_on_mutated_headers(i in 0usize..64, b in any::<u8>()) {
            let mut blob = build(&[(NAME, s(&["x"])), (DIRINDEXES, Value::Ints(vec![7]))]);
            if i < blob.len() { blob[i] = b; }
            if let Ok(h) = Header::parse(&blob) { let _ = h.files(); }
        }
    }
}
