//! Following symlinks inside the merged view, as the kernel would inside a chroot: `..`
//! stops at the image root, absolute targets start at the image root, and at most
//! [`MAX_HOPS`] links are followed. The host filesystem is never touched.

use std::collections::BTreeMap;

use super::entry::{Entry, EntryKind};
use super::path;

/// Symlinks followed before giving up, as Linux does (`ELOOP`).
pub const MAX_HOPS: usize = 40;

/// The path `raw` leads to, or `None` if a component is missing, is not a directory, or
/// links loop.
pub(crate) fn resolve(entries: &BTreeMap<String, Entry>, raw: &str) -> Option<String> {
    // Entries live only under real directories (`MergedFs::apply` refuses an entry below
    // a non-directory and drops what was below a directory it replaces), so a path that
    // is itself an entry, and not a link, leads to itself. Keys are normalised, so `raw`
    // found as a key needs no normalising.
    let leads_to_itself = |p: &str| {
        entries
            .get(p)
            .is_some_and(|e| !matches!(e.kind, EntryKind::Symlink { .. }))
    };
    let start = path::normal_form(raw).ok()?;
    if leads_to_itself(&start) {
        return Some(start.into_owned());
    }
    // Components still to walk, last one on top.
    let mut todo: Vec<String> = path::components(&start).rev().map(str::to_owned).collect();
    let mut done: Vec<String> = Vec::new();
    let mut hops = 0;
    while let Some(part) = todo.pop() {
        match part.as_str() {
            "" | "." => continue,
            ".." => {
                done.pop();
                continue;
            }
            _ => {}
        }
        done.push(part);
        if done.len() > path::MAX_DEPTH {
            return None;
        }
        let here = format!("/{}", done.join("/"));
        let entry = entries.get(&here)?;
        match &entry.kind {
            EntryKind::Symlink { target } => {
                hops += 1;
                if hops > MAX_HOPS {
                    return None;
                }
                done.pop();
                if target.starts_with('/') {
                    done.clear();
                }
                todo.extend(target.split('/').rev().map(str::to_owned));
            }
            EntryKind::Dir => {}
            _ if !todo.iter().all(|p| p.is_empty() || p == ".") => return None,
            _ => {}
        }
    }
    Some(format!("/{}", done.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(items: &[(&str, EntryKind)]) -> BTreeMap<String, Entry> {
        items
            .iter()
            .map(|(p, k)| {
                let mut e = Entry::implicit_dir(p, 0);
                e.kind = k.clone();
                (p.to_string(), e)
            })
            .collect()
    }

    fn link(t: &str) -> EntryKind {
        EntryKind::Symlink { target: t.into() }
    }

    #[test]
    fn follows_links_inside_the_root_only() {
        let t = tree(&[
            ("/etc", EntryKind::Dir),
            ("/etc/passwd", EntryKind::File { size: 1 }),
            ("/usr", EntryKind::Dir),
            ("/usr/lib", EntryKind::Dir),
            ("/usr/lib/x", EntryKind::File { size: 1 }),
            ("/lib", link("usr/lib")),
            ("/up", link("../../../etc")),
            ("/abs", link("/etc/passwd")),
            ("/usr/rel", link("../etc/passwd")),
            ("/loop1", link("loop2")),
            ("/loop2", link("/loop1")),
            ("/f", EntryKind::File { size: 1 }),
        ]);
        assert_eq!(resolve(&t, "/lib/x").as_deref(), Some("/usr/lib/x"));
        assert_eq!(resolve(&t, "/up/passwd").as_deref(), Some("/etc/passwd"));
        assert_eq!(resolve(&t, "/abs").as_deref(), Some("/etc/passwd"));
        assert_eq!(resolve(&t, "/usr/rel").as_deref(), Some("/etc/passwd"));
        assert_eq!(resolve(&t, "/lib/../etc").as_deref(), Some("/etc"));
        assert_eq!(resolve(&t, "/loop1"), None);
        assert_eq!(resolve(&t, "/f/x"), None);
        assert_eq!(resolve(&t, "/missing"), None);
        assert_eq!(resolve(&t, "/"), Some("/".to_owned()));
    }
}
