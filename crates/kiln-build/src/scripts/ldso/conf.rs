//! The directories `ldconfig` scans, in its order: those `/etc/ld.so.conf` names (with
//! its `include` globs, expanded in sorted order), then glibc's trusted directories as
//! Debian builds it (`/lib/<triplet>`, `/usr/lib/<triplet>`, `/lib`, `/usr/lib`).
//!
//! Lines lose everything from `#`; `include PATTERN…` reads more files (relative patterns
//! are relative to the including file); `hwcap …` lines are ignored; any other line is a
//! directory, optionally `DIR=TYPE` (`libc4`, `libc5`, `libc6`, `glibc2`), with trailing
//! blanks and slashes removed. A directory that does not exist is skipped; one reached
//! again through another name (a symlink) keeps its first name and takes the newer type.
//! Without `/etc/ld.so.conf` (libc6 without libc-bin) kiln reads libc-bin's default,
//! `include /etc/ld.so.conf.d/*.conf`, so the drop-ins of libc6 and other packages count.

use kiln_oci::fs::path;

use crate::rootfs::{NodeKind, Rootfs};

/// The main configuration file.
pub const CONF: &str = "/etc/ld.so.conf";
const DEFAULT_CONF: &str = "include /etc/ld.so.conf.d/*.conf\n";
/// Includes nest at most this deep (ldconfig has no limit and loops forever).
const MAX_DEPTH: usize = 8;

/// `ldconfig`'s "any type" flag for a directory.
pub const FLAG_ANY: i32 = -1;

/// One directory to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDir {
    /// As configured (not resolved): the cache's paths start with it.
    pub path: String,
    /// Where it is in the root, symlinks followed.
    pub resolved: String,
    /// The library type a `DIR=TYPE` line forces, or [`FLAG_ANY`].
    pub flag: i32,
}

/// The directories to scan for `triplet` (e.g. `x86_64-linux-gnu`), in order.
pub fn search_dirs(root: &Rootfs, triplet: &str) -> Vec<SearchDir> {
    let mut dirs = Vec::new();
    let conf = root
        .read(CONF)
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_else(|| DEFAULT_CONF.to_owned());
    parse(root, CONF, &conf, 0, &mut dirs);
    for builtin in [
        format!("/lib/{triplet}"),
        format!("/usr/lib/{triplet}"),
        "/lib".to_owned(),
        "/usr/lib".to_owned(),
    ] {
        add_dir(root, &builtin, &mut dirs);
    }
    dirs
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

fn parse(root: &Rootfs, file: &str, text: &str, depth: usize, dirs: &mut Vec<SearchDir>) {
    for raw in text.split('\n') {
        let line = raw.split('#').next().unwrap_or_default();
        let line = line.trim_start_matches(is_space);
        if line.is_empty() {
            continue;
        }
        let blank_after = |word: &str| {
            line.get(..word.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(word) && (word != "include" || w == word))
                && matches!(line.as_bytes().get(word.len()), Some(b' ' | b'\t'))
        };
        if blank_after("include") {
            for pattern in line["include".len() + 1..]
                .split([' ', '\t'])
                .filter(|w| !w.is_empty())
            {
                include(root, file, pattern, depth, dirs);
            }
        } else if blank_after("hwcap") {
            tracing::debug!(file, line, "hwcap directive ignored");
        } else {
            add_dir(root, line, dirs);
        }
    }
}

fn include(root: &Rootfs, file: &str, pattern: &str, depth: usize, dirs: &mut Vec<SearchDir>) {
    if depth >= MAX_DEPTH {
        tracing::warn!(file, pattern, "ld.so.conf includes nest too deep");
        return;
    }
    let pattern = if pattern.starts_with('/') {
        pattern.to_owned()
    } else {
        format!("{}/{pattern}", path::parent(file))
    };
    for found in glob(root, &pattern) {
        if let Some(text) = root.read(&found) {
            let text = String::from_utf8_lossy(text).into_owned();
            parse(root, &found, &text, depth + 1, dirs);
        }
    }
}

/// Adds one configured line (`DIR` or `DIR=TYPE`).
fn add_dir(root: &Rootfs, line: &str, dirs: &mut Vec<SearchDir>) {
    let (dir, flag) = match line.split_once('=') {
        Some((dir, kind)) => {
            let flag = match kind {
                "libc4" => 0,
                "libc5" => 2,
                "libc6" | "glibc2" => 3,
                other => {
                    tracing::warn!(kind = other, "not a known library type");
                    FLAG_ANY
                }
            };
            (dir, flag)
        }
        None => (line, FLAG_ANY),
    };
    let dir = dir.trim_end_matches(is_space).trim_end_matches('/');
    if dir.is_empty() {
        return;
    }
    let Some(resolved) = root.resolve(dir).filter(|r| root.get(r).is_some()) else {
        return;
    };
    if let Some(known) = dirs.iter_mut().find(|d| d.resolved == resolved) {
        known.flag = flag;
        return;
    }
    dirs.push(SearchDir {
        path: dir.to_owned(),
        resolved,
        flag,
    });
}

/// The paths in the root matching a glob pattern (`*`, `?`, `[…]`; a leading dot only
/// matched by a dot), sorted.
pub fn glob(root: &Rootfs, pattern: &str) -> Vec<String> {
    let mut current = vec!["/".to_owned()];
    for part in path::components(pattern) {
        let mut next = Vec::new();
        for dir in &current {
            if !part.contains(['*', '?', '[']) {
                let candidate = path::child(dir, part);
                if root
                    .resolve(&candidate)
                    .and_then(|r| root.get(&r).cloned())
                    .is_some()
                {
                    next.push(candidate);
                }
                continue;
            }
            let Some(real) = root.resolve(dir) else {
                continue;
            };
            if !root.get(&real).is_some_and(|n| n.is_dir()) {
                continue;
            }
            for (p, node) in root.below(&real) {
                if path::parent(p) != real {
                    continue;
                }
                let name = path::file_name(p);
                if matches(part.as_bytes(), name.as_bytes(), true)
                    && !matches!(node.kind, NodeKind::Symlink(_) if root.resolve(p).is_none())
                {
                    next.push(path::child(dir, name));
                }
            }
        }
        current = next;
    }
    current.sort();
    current
}

/// fnmatch-style matching of one path component.
fn matches(pattern: &[u8], name: &[u8], start: bool) -> bool {
    if start && name.first() == Some(&b'.') && pattern.first() != Some(&b'.') {
        return false;
    }
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).any(|i| matches(rest, &name[i..], false)),
        Some((b'?', rest)) => !name.is_empty() && matches(rest, &name[1..], false),
        Some((b'[', rest)) => {
            let Some((&c, tail)) = name.split_first() else {
                return false;
            };
            match class(rest, c) {
                Some((true, after)) => matches(after, tail, false),
                Some((false, _)) => false,
                // An unclosed bracket is a literal '['.
                None => c == b'[' && matches(rest, tail, false),
            }
        }
        Some((b'\\', rest)) if !rest.is_empty() => {
            name.first() == rest.first() && matches(&rest[1..], &name[1..], false)
        }
        Some((p, rest)) => name.first() == Some(p) && matches(rest, &name[1..], false),
    }
}

/// Whether `c` is in the bracket expression starting after `[`, and what follows `]`.
fn class(spec: &[u8], c: u8) -> Option<(bool, &[u8])> {
    let (negate, mut i) = match spec.first() {
        Some(b'!' | b'^') => (true, 1),
        _ => (false, 0),
    };
    let mut found = false;
    let mut first = true;
    loop {
        let lo = *spec.get(i)?;
        if lo == b']' && !first {
            return Some((found != negate, &spec[i + 1..]));
        }
        first = false;
        if spec.get(i + 1) == Some(&b'-') && spec.get(i + 2).is_some_and(|&h| h != b']') {
            let hi = spec[i + 2];
            found |= (lo..=hi).contains(&c);
            i += 3;
        } else {
            found |= lo == c;
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rootfs::Node;

    #[test]
    fn globs_match_like_fnmatch() {
        for (p, n, want) in [
            ("*.conf", "a.conf", true),
            ("*.conf", ".a.conf", false),
            ("*.conf", "a.conf.bak", false),
            ("lib?.so", "libz.so", true),
            ("[a-c]x", "bx", true),
            ("[!a-c]x", "bx", false),
            ("[]]x", "]x", true),
            ("[x", "[x", true),
            ("\\*", "*", true),
        ] {
            assert_eq!(matches(p.as_bytes(), n.as_bytes(), true), want, "{p} {n}");
        }
    }

    #[test]
    fn conf_order_includes_types_duplicates_and_builtins() {
        let mut root = Rootfs::new();
        let file = |root: &mut Rootfs, p: &str, text: &str| {
            root.insert(p, Node::file(text.as_bytes().to_vec()))
                .unwrap();
        };
        file(
            &mut root,
            CONF,
            "/opt/b # comment\n  include ld.so.conf.d/*.conf /etc/extra.conf\nhwcap 0 x\n",
        );
        file(
            &mut root,
            "/etc/ld.so.conf.d/2.conf",
            "/opt/a/=libc6\n/missing\n/opt/c/ =libc6 \n",
        );
        file(
            &mut root,
            "/etc/ld.so.conf.d/1.conf",
            "/opt/c\n/opt/b=libc5\n",
        );
        file(
            &mut root,
            "/etc/extra.conf",
            "include /etc/extra.conf\n/opt/d\n",
        );
        for d in [
            "/opt/a",
            "/opt/b",
            "/opt/c",
            "/opt/d",
            "/usr/lib/x86_64-linux-gnu",
        ] {
            root.insert(d, Node::dir()).unwrap();
        }
        root.insert("/lib", Node::symlink("usr/lib")).unwrap();
        let dirs = search_dirs(&root, "x86_64-linux-gnu");
        let got: Vec<(&str, &str, i32)> = dirs
            .iter()
            .map(|d| (d.path.as_str(), d.resolved.as_str(), d.flag))
            .collect();
        assert_eq!(
            got,
            [
                ("/opt/b", "/opt/b", 2),
                ("/opt/c", "/opt/c", FLAG_ANY), // "libc6 " is not a type
                ("/opt/a", "/opt/a", 3),
                ("/opt/d", "/opt/d", FLAG_ANY),
                (
                    "/lib/x86_64-linux-gnu",
                    "/usr/lib/x86_64-linux-gnu",
                    FLAG_ANY
                ),
                ("/lib", "/usr/lib", FLAG_ANY),
            ]
        );
    }

    #[test]
    fn without_ld_so_conf_the_drop_ins_still_count() {
        let mut root = Rootfs::new();
        root.insert("/etc/ld.so.conf.d/x.conf", Node::file(b"/opt/x\n".to_vec()))
            .unwrap();
        root.insert("/opt/x", Node::dir()).unwrap();
        let dirs = search_dirs(&root, "aarch64-linux-gnu");
        assert_eq!(dirs.len(), 1);
        assert_eq!(dirs[0].path, "/opt/x");
    }
}
