//! Committed binaries: executables (ELF, PE, Mach-O), Java classes and archives, and
//! compressed archives, outside test data. A binary in the tree cannot be reviewed, and
//! it is where xz's backdoor hid.

use super::Context;
use crate::check::{CheckInfo, Finding, Level, Outcome};
use crate::compromise::CompromiseType::{DevTooling, MaliciousMaintainer};
use crate::repo::is_test_path;

pub static BINARIES: CheckInfo = CheckInfo {
    id: "binary-artifacts",
    title: "No executables or archives committed outside test data",
    level: Level::Warning,
    recommendations: &["MAT-04", "BP-02"],
    questions: &["AQ-20"],
    types: &[MaliciousMaintainer, DevTooling],
    scorecard: &["Binary-Artifacts"],
    help: "Build binaries from source in the pipeline; fetch tools by checksum; keep \
           binary test inputs under a tests/ or fixtures/ directory.",
};

/// What kind of binary the first bytes of a file show, if any.
pub fn kind(head: &[u8]) -> Option<&'static str> {
    let starts = |m: &[u8]| head.starts_with(m);
    if starts(b"\x7fELF") {
        return Some("ELF executable");
    }
    if starts(b"MZ") && head.len() >= 0x40 {
        let off = u32::from_le_bytes([head[0x3c], head[0x3d], head[0x3e], head[0x3f]]) as usize;
        if head.get(off..off + 4) == Some(b"PE\0\0") {
            return Some("PE executable");
        }
    }
    for magic in [
        [0xfe, 0xed, 0xfa, 0xce],
        [0xfe, 0xed, 0xfa, 0xcf],
        [0xce, 0xfa, 0xed, 0xfe],
        [0xcf, 0xfa, 0xed, 0xfe],
    ] {
        if starts(&magic) {
            return Some("Mach-O executable");
        }
    }
    if starts(&[0xca, 0xfe, 0xba, 0xbe]) {
        return Some("Java class or Mach-O universal binary");
    }
    if starts(b"PK\x03\x04") {
        return Some("zip archive (jar, wheel, …)");
    }
    if starts(&[0x1f, 0x8b]) {
        return Some("gzip archive");
    }
    if starts(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        return Some("xz archive");
    }
    if starts(b"BZh") && head.get(3).is_some_and(u8::is_ascii_digit) {
        return Some("bzip2 archive");
    }
    if starts(&[b'7', b'z', 0xbc, 0xaf, 0x27, 0x1c]) {
        return Some("7z archive");
    }
    if starts(b"!<arch>\n") {
        return Some("ar archive (.deb, static library)");
    }
    if starts(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Some("zstd archive");
    }
    None
}

pub fn binaries(ctx: &Context<'_>) -> Outcome {
    let files: Vec<&String> = ctx
        .repo
        .files()
        .iter()
        .filter(|p| !is_test_path(p))
        .collect();
    let findings = files
        .iter()
        .filter_map(|p| {
            kind(&ctx.repo.head(p, 4096)).map(|k| Finding::at(p, None, format!("committed {k}")))
        })
        .collect();
    Outcome::from(findings, format!("{} files outside test data", files.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_numbers() {
        assert_eq!(kind(b"\x7fELF\x02\x01"), Some("ELF executable"));
        let mut pe = vec![0u8; 0x80];
        pe[..2].copy_from_slice(b"MZ");
        pe[0x3c] = 0x40;
        pe[0x40..0x44].copy_from_slice(b"PE\0\0");
        assert_eq!(kind(&pe), Some("PE executable"));
        assert_eq!(kind(b"MZ is a text file that starts like DOS"), None);
        assert_eq!(kind(b"#!/bin/sh\n"), None);
    }

    proptest::proptest! {
        #[test]
        fn kind_never_panics(b in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = kind(&b);
        }
    }
}
