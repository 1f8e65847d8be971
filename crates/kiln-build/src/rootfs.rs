//! The root filesystem being assembled, in memory: every path with its kind, owner, mode
//! and content, keyed by its normalised absolute path so iteration is sorted.
//!
//! Inserting resolves the parent directories through symlinks already in the tree, as
//! dpkg does when a package ships `/bin/x` into a root where `/bin` links to `usr/bin`.
//! Nothing here touches the host filesystem. Hard links of packages are stored as files
//! sharing their content.

use std::collections::BTreeMap;
use std::sync::Arc;

use kiln_oci::fs::path;

use crate::{Error, Result};

/// How many symlinks one lookup follows before giving up (the kernel's limit).
const MAX_HOPS: usize = 40;

/// One path of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub kind: NodeKind,
    /// Permission bits with setuid/setgid/sticky (`0o7777` at most).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Seconds since the Unix epoch (the layer writer replaces it with the build epoch).
    pub mtime: u64,
}

/// What a [`Node`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    Dir,
    File(Arc<[u8]>),
    /// The target as stored.
    Symlink(String),
}

impl Node {
    /// A root-owned directory, mode 0755.
    pub fn dir() -> Node {
        Node {
            kind: NodeKind::Dir,
            mode: 0o755,
            uid: 0,
            gid: 0,
            mtime: 0,
        }
    }

    /// A root-owned regular file, mode 0644.
    pub fn file(content: impl Into<Arc<[u8]>>) -> Node {
        Node {
            kind: NodeKind::File(content.into()),
            mode: 0o644,
            uid: 0,
            gid: 0,
            mtime: 0,
        }
    }

    /// A root-owned symlink, mode 0777.
    pub fn symlink(target: &str) -> Node {
        Node {
            kind: NodeKind::Symlink(target.to_owned()),
            mode: 0o777,
            uid: 0,
            gid: 0,
            mtime: 0,
        }
    }

    pub fn is_dir(&self) -> bool {
        matches!(self.kind, NodeKind::Dir)
    }

    /// The size of a regular file's content, 0 for everything else.
    pub fn size(&self) -> u64 {
        match &self.kind {
            NodeKind::File(data) => data.len() as u64,
            _ => 0,
        }
    }
}

/// The assembled tree. Always has the root directory `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rootfs {
    nodes: BTreeMap<String, Node>,
}

impl Default for Rootfs {
    fn default() -> Rootfs {
        Rootfs::new()
    }
}

impl Rootfs {
    pub fn new() -> Rootfs {
        let mut nodes = BTreeMap::new();
        nodes.insert("/".to_owned(), Node::dir());
        Rootfs { nodes }
    }

    /// The node at exactly `path` (normalised, symlinks not followed).
    pub fn get(&self, path: &str) -> Option<&Node> {
        self.nodes.get(path)
    }

    pub fn get_mut(&mut self, path: &str) -> Option<&mut Node> {
        self.nodes.get_mut(path)
    }

    /// Every path in sorted order, the root first.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.nodes.iter().map(|(p, n)| (p.as_str(), n))
    }

    /// Every path, for in-place changes (owners, modes).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&str, &mut Node)> {
        self.nodes.iter_mut().map(|(p, n)| (p.as_str(), n))
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.len() <= 1
    }

    /// Puts `node` at `raw` (normalised; parent symlinks followed inside the tree; missing
    /// parents made as 0755 directories). A directory never replaces an existing
    /// directory (its owner and mode are updated) nor a symlink that resolves to one.
    /// Returns the path the node ended up at.
    pub fn insert(&mut self, raw: &str, node: Node) -> Result<String> {
        let normal = path::normalize(raw).map_err(|p| Error::Path {
            path: raw.to_owned(),
            reason: p.to_string(),
        })?;
        if normal.path == "/" {
            if let Some(root) = self.nodes.get_mut("/")
                && node.is_dir()
            {
                root.mode = node.mode;
                root.uid = node.uid;
                root.gid = node.gid;
                return Ok("/".to_owned());
            }
            return Err(Error::Path {
                path: raw.to_owned(),
                reason: "only a directory can be the root".to_owned(),
            });
        }
        let parent = self.make_dirs(path::parent(&normal.path), raw)?;
        let at = path::child(&parent, path::file_name(&normal.path));
        match self.nodes.get_mut(&at) {
            Some(existing) if node.is_dir() && existing.is_dir() => {
                existing.mode = node.mode;
                existing.uid = node.uid;
                existing.gid = node.gid;
                return Ok(at);
            }
            Some(Node {
                kind: NodeKind::Symlink(_),
                ..
            }) if node.is_dir() => {
                if let Some(target) = self.resolve(&at)
                    && self.nodes.get(&target).is_some_and(Node::is_dir)
                {
                    return Ok(target);
                }
            }
            Some(existing) if existing.is_dir() => {
                if let NodeKind::Symlink(target) = &node.kind {
                    // A symlink over a directory (merged /usr): what the directory held
                    // moves to where the link leads, as usrmerge does.
                    let target = target.clone();
                    return self.replace_dir_with_link(&at, &parent, &target, node);
                }
                // Another non-directory replaces a directory: what was below goes too.
                self.remove_below(&at);
            }
            _ => {}
        }
        self.nodes.insert(at.clone(), node);
        Ok(at)
    }

    fn replace_dir_with_link(
        &mut self,
        at: &str,
        parent: &str,
        target: &str,
        link: Node,
    ) -> Result<String> {
        let joined = if target.starts_with('/') {
            target.to_owned()
        } else {
            format!("{parent}/{target}")
        };
        let dest = path::normalize(&joined).map(|n| n.path).ok();
        let inside = |d: &str| d == at || d.starts_with(&path::subtree_prefix(at)) || d == "/";
        let moved: Vec<(String, Node)> = self
            .below(at)
            .map(|(p, n)| (p.to_owned(), n.clone()))
            .collect();
        self.remove_below(at);
        self.nodes.insert(at.to_owned(), link);
        if let Some(dest) = dest.filter(|d| !inside(d)) {
            for (p, n) in moved {
                let new = format!("{dest}{}", &p[at.len()..]);
                self.insert(&new, n)?;
            }
        } else if !moved.is_empty() {
            tracing::warn!(
                path = at,
                target,
                "directory replaced by a link into itself"
            );
        }
        Ok(at.to_owned())
    }

    /// Removes `path` and, for a directory, everything below it. Returns how many paths
    /// went.
    pub fn remove(&mut self, path: &str) -> usize {
        if path == "/" {
            return 0;
        }
        let below = self.remove_below(path);
        below + usize::from(self.nodes.remove(path).is_some())
    }

    fn remove_below(&mut self, dir: &str) -> usize {
        let prefix = path::subtree_prefix(dir);
        let doomed: Vec<String> = self
            .nodes
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .map(|(p, _)| p.clone())
            .collect();
        for p in &doomed {
            self.nodes.remove(p);
        }
        doomed.len()
    }

    /// The paths strictly below `dir`, sorted.
    pub fn below<'a>(&'a self, dir: &str) -> impl Iterator<Item = (&'a str, &'a Node)> + 'a {
        let prefix = path::subtree_prefix(dir);
        self.nodes
            .range(prefix.clone()..)
            .take_while(move |(p, _)| p.starts_with(&prefix))
            .map(|(p, n)| (p.as_str(), n))
    }

    /// `path` with every symlink followed (inside the tree), or `None` if it dangles,
    /// loops or passes through a non-directory.
    pub fn resolve(&self, raw: &str) -> Option<String> {
        let mut hops = 0;
        self.resolve_inner(raw, &mut hops, true)
    }

    /// The content of the regular file `path` names, symlinks followed.
    pub fn read(&self, raw: &str) -> Option<&[u8]> {
        let at = self.resolve(raw)?;
        match &self.nodes.get(&at)?.kind {
            NodeKind::File(data) => Some(data),
            _ => None,
        }
    }

    fn resolve_inner(&self, raw: &str, hops: &mut usize, follow_last: bool) -> Option<String> {
        let normal = path::normalize(raw).ok()?.path;
        let parts: Vec<&str> = path::components(&normal).collect();
        let mut current = "/".to_owned();
        for (i, part) in parts.iter().enumerate() {
            let candidate = path::child(&current, part);
            let last = i + 1 == parts.len();
            match self.nodes.get(&candidate) {
                Some(Node {
                    kind: NodeKind::Symlink(target),
                    ..
                }) if !last || follow_last => {
                    *hops += 1;
                    if *hops > MAX_HOPS {
                        return None;
                    }
                    let joined = if target.starts_with('/') {
                        target.clone()
                    } else {
                        format!("{current}/{target}")
                    };
                    current = self.resolve_inner(&joined, hops, true)?;
                }
                Some(node) if !last && !node.is_dir() => return None,
                _ => current = candidate,
            }
        }
        Some(current)
    }

    /// Makes sure the directory `dir` exists (following symlinks), creating missing
    /// components; returns its resolved path.
    fn make_dirs(&mut self, dir: &str, raw: &str) -> Result<String> {
        let mut current = "/".to_owned();
        for part in path::components(dir) {
            let candidate = path::child(&current, part);
            match self.nodes.get(&candidate) {
                None => {
                    self.nodes.insert(candidate.clone(), Node::dir());
                    current = candidate;
                }
                Some(node) if node.is_dir() => current = candidate,
                Some(Node {
                    kind: NodeKind::Symlink(_),
                    ..
                }) => {
                    // A link to a directory not there yet: the directory is made, as
                    // unpacking merged-/usr packages in any order needs.
                    let resolved = match self.resolve(&candidate) {
                        Some(t) if t == "/" => Some(t),
                        Some(t) => match self.nodes.get(t.as_str()) {
                            Some(n) if n.is_dir() => Some(t),
                            Some(_) => None,
                            None if t.starts_with(&path::subtree_prefix(&candidate)) => None,
                            None => Some(self.make_dirs(&t, raw)?),
                        },
                        None => None,
                    };
                    match resolved {
                        Some(t) => current = t,
                        None => {
                            return Err(Error::Path {
                                path: raw.to_owned(),
                                reason: format!(
                                    "{candidate} is a symlink that does not lead to a directory"
                                ),
                            });
                        }
                    }
                }
                Some(_) => {
                    return Err(Error::Path {
                        path: raw.to_owned(),
                        reason: format!("{candidate} is not a directory"),
                    });
                }
            }
        }
        Ok(current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn file(root: &mut Rootfs, path: &str) -> String {
        root.insert(path, Node::file(path.as_bytes().to_vec()))
            .unwrap()
    }

    #[test]
    fn files_go_through_directory_symlinks() {
        let mut root = Rootfs::new();
        root.insert("/bin", Node::symlink("usr/bin")).unwrap();
        assert_eq!(file(&mut root, "./bin/bash"), "/usr/bin/bash");
        assert_eq!(root.read("/bin/bash"), Some(&b"./bin/bash"[..]));
        // A directory entry over the link keeps the link.
        assert_eq!(root.insert("/bin/", Node::dir()).unwrap(), "/usr/bin");
        assert!(matches!(
            root.get("/bin").unwrap().kind,
            NodeKind::Symlink(_)
        ));
        assert!(root.get("/usr").unwrap().is_dir());
    }

    #[test]
    fn a_link_over_a_directory_moves_its_content_there() {
        let mut root = Rootfs::new();
        file(&mut root, "/bin/true");
        file(&mut root, "/bin/sub/x");
        root.insert("/bin", Node::symlink("usr/bin")).unwrap();
        assert_eq!(root.resolve("/bin/true").unwrap(), "/usr/bin/true");
        assert!(root.get("/usr/bin/true").is_some());
        assert!(root.get("/usr/bin/sub/x").is_some());
        assert!(root.get("/bin/true").is_none());
    }

    #[test]
    fn loops_dangling_links_and_files_as_parents_are_errors_or_none() {
        let mut root = Rootfs::new();
        root.insert("/a", Node::symlink("b")).unwrap();
        root.insert("/b", Node::symlink("a")).unwrap();
        assert_eq!(root.resolve("/a/x"), None);
        assert!(root.insert("/a/x", Node::dir()).is_err());
        file(&mut root, "/f");
        let e = root.insert("/f/x", Node::dir()).unwrap_err().to_string();
        assert!(e.contains("/f is not a directory"), "{e}");
        root.insert("/d", Node::symlink("/nowhere")).unwrap();
        assert_eq!(root.read("/d"), None);
        // A link that climbs stays inside the root.
        root.insert("/up", Node::symlink("../../../usr")).unwrap();
        assert_eq!(root.resolve("/up").unwrap(), "/usr");
    }

    #[test]
    fn a_file_over_a_directory_removes_what_was_below() {
        let mut root = Rootfs::new();
        file(&mut root, "/etc/x/y");
        file(&mut root, "/etc/x");
        assert!(root.get("/etc/x/y").is_none());
        assert_eq!(root.remove("/etc"), 2);
        assert_eq!(root.remove("/"), 0);
        assert_eq!(root.len(), 1);
    }

    proptest! {
        #[test]
        fn inserting_arbitrary_paths_never_panics(
            ops in proptest::collection::vec(("[a-c./]{0,12}", 0u8..3, "[a-c./]{0,8}"), 0..24)
        ) {
            let mut root = Rootfs::new();
            for (path, kind, target) in ops {
                let node = match kind {
                    0 => Node::dir(),
                    1 => Node::file(b"x".to_vec()),
                    _ => Node::symlink(if target.is_empty() { "." } else { &target }),
                };
                let _ = root.insert(&path, node);
                let _ = root.resolve(&path);
                let _ = root.read(&path);
            }
            prop_assert!(root.get("/").is_some_and(Node::is_dir));
            for (p, _) in root.iter() {
                prop_assert!(p.starts_with('/'));
                prop_assert!(!p.contains("/./") && !p.contains("/../") && !p.ends_with("/.."));
            }
        }
    }
}
