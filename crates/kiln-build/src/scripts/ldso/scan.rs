//! One directory scanned as `ldconfig` scans it: every regular file or symlink named
//! like a shared object (`lib*.so*`, `ld-*.so*`, `ld.so.*`, `ld64.so.*`) that is an ELF
//! shared object for the architecture; its SONAME from the dynamic segment (or, without
//! one, the name cut after `.so.MAJOR`); one winner per SONAME (a file over a link, else
//! the higher version); a missing SONAME link made as `ldconfig` makes it; and one cache
//! entry per SONAME at `DIR/SONAME`.
//!
//! The ELF reading follows `ldconfig`: program headers, not sections: `PT_INTERP` and
//! `DT_NEEDED` on `libc.so.6`/`libm.so.6` mark a libc6 object, `DT_STRTAB` is found
//! through the `PT_LOAD` segment that maps it. Not done: legacy hwcap subdirectories
//! (`tls`, `haswell`, …) and `glibc-hwcaps/` subdirectories (warned about), a.out
//! libraries, removing dangling `.so.` links.

use kiln_oci::fs::path;
use kiln_sbom::lang::elf::{MAGIC, Reader};

use super::cache::{CacheEntry, libcmp};
use super::conf::SearchDir;
use crate::rootfs::{Node, NodeKind, Rootfs};

const FLAG_ELF: i32 = 1;
const FLAG_ELF_LIBC5: i32 = 2;
const FLAG_ELF_LIBC6: i32 = 3;
const ET_DYN: u16 = 3;
const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const PT_INTERP: u32 = 3;
const DT_NEEDED: u64 = 1;
const DT_STRTAB: u64 = 5;
const DT_SONAME: u64 = 14;
const EM_386: u16 = 3;
const EM_X86_64: u16 = 62;
const EF_ARM_ABI_FLOAT_SOFT: u32 = 0x200;
const EF_ARM_ABI_FLOAT_HARD: u32 = 0x400;
/// More dynamic entries than any real object has.
const MAX_DYNAMIC: u64 = 1 << 16;

/// What `ldconfig` of one architecture accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Machine {
    X86_64,
    Aarch64,
}

impl Machine {
    /// Interpreters that mark an object as libc6.
    fn interpreters(self) -> &'static [&'static str] {
        match self {
            Machine::X86_64 => &[
                "/lib/ld-linux-x86-64.so.2",
                "/lib/ld-linux.so.2",
                "/libx32/ld-linux-x32.so.2",
                "/lib64/ld-linux-x86-64.so.2",
            ],
            Machine::Aarch64 => &[
                "/lib/ld-linux-aarch64.so.1",
                "/lib/ld-linux-aarch64_be.so.1",
                "/lib/ld-linux-aarch64_ilp32.so.1",
                "/lib/ld-linux-aarch64_be_ilp32.so.1",
                "/lib/ld-linux.so.3",
                "/lib/ld-linux-armhf.so.3",
            ],
        }
    }

    /// The flags of an ELF object, or `None` if `ldconfig` would not cache it.
    pub fn flags_and_soname(self, data: &[u8]) -> Option<(i32, Option<String>)> {
        if data.len() < 64 || data.get(..4) != Some(MAGIC.as_slice()) {
            return None;
        }
        let is_64 = match data[4] {
            1 => false,
            2 => true,
            _ => return None,
        };
        let r = Reader {
            data,
            little_endian: match data[5] {
                1 => true,
                2 => false,
                _ => return None,
            },
        };
        if r.u16(16)? != ET_DYN {
            return None;
        }
        let machine = r.u16(18)?;
        let file_flag = match (self, is_64) {
            (Machine::X86_64, true) if machine == EM_X86_64 => Some(0x0300 | FLAG_ELF_LIBC6),
            (Machine::X86_64, false) if machine == EM_X86_64 => Some(0x0800 | FLAG_ELF_LIBC6),
            (Machine::X86_64, false) if machine == EM_386 => None,
            (Machine::X86_64, _) => return None,
            (Machine::Aarch64, true) => Some(0x0a00 | FLAG_ELF_LIBC6),
            (Machine::Aarch64, false) => None,
        };
        let (flag, soname) = self.dynamic(r, is_64)?;
        let flag = match (file_flag, self) {
            (Some(f), _) => f,
            (None, Machine::Aarch64) => {
                let e_flags = r.u32(0x24)?;
                if e_flags & 0xff00_0000 == 0x0500_0000 {
                    if e_flags & EF_ARM_ABI_FLOAT_HARD != 0 {
                        0x0900 | FLAG_ELF_LIBC6
                    } else if e_flags & EF_ARM_ABI_FLOAT_SOFT != 0 {
                        0x0b00 | FLAG_ELF_LIBC6
                    } else {
                        FLAG_ELF_LIBC6
                    }
                } else {
                    flag
                }
            }
            (None, Machine::X86_64) => flag,
        };
        Some((flag, soname))
    }

    /// The generic part: program headers, the dynamic segment, its strings.
    fn dynamic(self, r: Reader<'_>, is_64: bool) -> Option<(i32, Option<String>)> {
        let (phoff, phnum, phsize) = if is_64 {
            (r.u64(0x20)?, r.u16(0x38)?, 56)
        } else {
            (u64::from(r.u32(0x1c)?), r.u16(0x2c)?, 32)
        };
        let word = if is_64 { 8 } else { 4 };
        let mut flag = FLAG_ELF;
        let mut dynamic = None;
        let mut loads = Vec::new();
        for i in 0..u64::from(phnum) {
            let at = phoff.checked_add(i * phsize)?;
            let kind = r.u32(at)?;
            let (offset, vaddr, filesz) = if is_64 {
                (r.u64(at + 8)?, r.u64(at + 0x10)?, r.u64(at + 0x20)?)
            } else {
                (
                    u64::from(r.u32(at + 4)?),
                    u64::from(r.u32(at + 8)?),
                    u64::from(r.u32(at + 0x10)?),
                )
            };
            match kind {
                PT_DYNAMIC => dynamic = Some((offset, filesz)),
                PT_INTERP => {
                    let interp = cstr(r.data, offset)?;
                    if self.interpreters().contains(&interp) {
                        flag = FLAG_ELF_LIBC6;
                    }
                }
                PT_LOAD => loads.push((vaddr, offset, filesz)),
                _ => {}
            }
        }
        let (dyn_at, dyn_size) = dynamic?;
        if dyn_size == 0 {
            return None;
        }
        let entries = || {
            (0..MAX_DYNAMIC)
                .map(move |i| {
                    let at = dyn_at.checked_add(i * 2 * word)?;
                    Some((r.word(at, word)?, r.word(at + word, word)?))
                })
                .take_while(|e| !matches!(e, Some((0, _))))
        };
        let mut strtab = None;
        for e in entries() {
            let (tag, val) = e?;
            if tag == DT_STRTAB {
                let loadoff = loads
                    .iter()
                    .find(|(vaddr, _, filesz)| val >= *vaddr && val - vaddr < *filesz)
                    .map_or(0, |(vaddr, offset, _)| vaddr.wrapping_sub(*offset));
                strtab = Some(val.wrapping_sub(loadoff));
                break;
            }
        }
        let strtab = strtab?;
        r.bytes(strtab, 1)?;
        let mut soname = None;
        for e in entries() {
            let (tag, val) = e?;
            if tag != DT_NEEDED && tag != DT_SONAME {
                continue;
            }
            let name = cstr(r.data, strtab.checked_add(val)?)?;
            if tag == DT_NEEDED {
                if flag == FLAG_ELF && ["libc.so.6", "libm.so.6"].contains(&name) {
                    flag = FLAG_ELF_LIBC6;
                }
            } else {
                soname = Some(name.to_owned());
            }
            if soname.is_some() && flag != FLAG_ELF {
                break;
            }
        }
        Some((flag, soname))
    }
}

/// The NUL-terminated string at `at` (UTF-8 only; other names are not libraries kiln
/// can name).
fn cstr(data: &[u8], at: u64) -> Option<&str> {
    let rest = data.get(usize::try_from(at).ok()?..)?;
    let end = rest.iter().position(|&b| b == 0)?;
    std::str::from_utf8(&rest[..end]).ok()
}

/// Whether a directory entry is named like a shared object.
fn is_dso(name: &str) -> bool {
    ((name.starts_with("lib") || name.starts_with("ld-")) && name.contains(".so"))
        || name.starts_with("ld.so.")
        || name.starts_with("ld64.so.")
}

/// `libfoo.so.1.2.3` → `libfoo.so.1`: the SONAME of an object without one.
fn implicit_soname(name: &str) -> String {
    match name.find(".so.") {
        Some(at) => match name[at + 4..].find('.') {
            Some(dot) => name[..at + 4 + dot].to_owned(),
            None => name.to_owned(),
        },
        None => name.to_owned(),
    }
}

/// One library found in a directory.
struct Found {
    name: String,
    soname: String,
    flag: i32,
    is_link: bool,
}

/// Scans `dir`, makes missing SONAME links in it, and appends its cache entries.
pub fn scan(root: &mut Rootfs, dir: &SearchDir, machine: Machine, out: &mut Vec<CacheEntry>) {
    if root
        .get(&path::child(&dir.resolved, "glibc-hwcaps"))
        .is_some()
    {
        tracing::warn!(dir = %dir.path, "glibc-hwcaps subdirectories are not cached by kiln");
    }
    let names: Vec<(String, bool)> = root
        .below(&dir.resolved)
        .filter(|(p, _)| path::parent(p) == dir.resolved)
        .filter_map(|(p, n)| match n.kind {
            NodeKind::File(_) => Some((path::file_name(p).to_owned(), false)),
            NodeKind::Symlink(_) => Some((path::file_name(p).to_owned(), true)),
            NodeKind::Dir => None,
        })
        .collect();
    let mut found: Vec<Found> = Vec::new();
    for (name, mut is_link) in names {
        if !is_dso(&name) || name.ends_with(".#prelink#") || is_prelink_temp(&name) {
            continue;
        }
        let full = path::child(&dir.resolved, &name);
        let Some(data) = root.read(&full) else {
            continue;
        };
        let Some((mut flag, soname)) = machine.flags_and_soname(data) else {
            continue;
        };
        let mut soname = soname.unwrap_or_else(|| implicit_soname(&name));
        // A link counts as a link only if it is named for the SONAME or is the `.so`
        // development link to it; otherwise it is taken as one more file.
        if is_link
            && name != soname
            && !(name.ends_with(".so") && soname.starts_with(name.as_str()))
        {
            is_link = false;
        }
        if is_link {
            soname.clone_from(&name);
        }
        if flag == FLAG_ELF && matches!(dir.flag, FLAG_ELF_LIBC5 | FLAG_ELF_LIBC6) {
            flag = dir.flag;
        }
        match found.iter_mut().find(|f| f.soname == soname) {
            Some(f) => {
                let newer = (!is_link && f.is_link)
                    || (is_link == f.is_link && libcmp(&f.name, &name).is_lt());
                if newer {
                    if f.flag != flag
                        && ((f.flag == FLAG_ELF && matches!(flag, FLAG_ELF_LIBC5 | FLAG_ELF_LIBC6))
                            || (matches!(f.flag, FLAG_ELF_LIBC5 | FLAG_ELF_LIBC6)
                                && flag == FLAG_ELF))
                    {
                        f.flag = flag;
                    }
                    f.name = name;
                    f.is_link = is_link;
                }
            }
            None => found.push(Found {
                name,
                soname,
                flag,
                is_link,
            }),
        }
    }
    for f in found {
        if !f.is_link {
            link(root, &dir.resolved, &f.name, &f.soname);
        }
        out.push(CacheEntry {
            path: format!("{}/{}", dir.path, f.soname),
            soname: f.soname,
            flags: f.flag,
        });
    }
}

fn is_prelink_temp(name: &str) -> bool {
    let tail = ".#prelink#.XXXXXX".len();
    name.len() >= tail && name[name.len() - tail..].starts_with(".#prelink#.")
}

/// Makes `dir/soname` a link to `name` unless it already leads to the same file or is
/// not a link.
fn link(root: &mut Rootfs, dir: &str, name: &str, soname: &str) {
    let at = path::child(dir, soname);
    let lib = path::child(dir, name);
    match root.get(&at) {
        Some(n) if !matches!(n.kind, NodeKind::Symlink(_)) => return,
        Some(_) if root.resolve(&at).is_some() && root.resolve(&at) == root.resolve(&lib) => {
            return;
        }
        _ => {}
    }
    match root.insert(&at, Node::symlink(name)) {
        Ok(_) => tracing::debug!(link = at, target = name, "SONAME link made"),
        Err(e) => tracing::warn!(link = at, error = %e, "SONAME link not made"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_like_ldconfig() {
        assert!(is_dso("libz.so.1") && is_dso("ld-linux-x86-64.so.2") && is_dso("ld.so.1"));
        assert!(!is_dso("libz.a") && !is_dso("ld.conf") && !is_dso("zlib.so"));
        assert_eq!(implicit_soname("libfoo.so.1.2.3"), "libfoo.so.1");
        assert_eq!(implicit_soname("libfoo.so.1"), "libfoo.so.1");
        assert_eq!(implicit_soname("libfoo.so"), "libfoo.so");
        assert!(is_prelink_temp("libz.so.1.#prelink#.abc123"));
        assert!(!is_prelink_temp("libz.so.1"));
    }

    #[test]
    fn non_elf_and_non_shared_objects_are_not_libraries() {
        assert_eq!(Machine::X86_64.flags_and_soname(b"GNU ld script"), None);
        let mut exec = vec![0u8; 64];
        exec[..4].copy_from_slice(MAGIC);
        exec[4] = 2;
        exec[5] = 1;
        exec[16] = 2; // ET_EXEC
        assert_eq!(Machine::X86_64.flags_and_soname(&exec), None);
        exec[16] = 3;
        exec[18] = 62;
        // A shared object without program headers has no dynamic segment.
        assert_eq!(Machine::X86_64.flags_and_soname(&exec), None);
    }
}
