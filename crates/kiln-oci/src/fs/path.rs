//! Image paths: tar entry names and link targets made into absolute `/a/b` paths that can
//! never point outside the image root.
//!
//! Normalising is lexical: `.` and empty components go, `..` removes the previous
//! component and stops at the root. A name that tried to climb above the root, or that
//! was absolute, is still placed inside the image and reported as `escaped`.

/// The deepest path kiln accepts, in components. Real images stay far below it; the
/// bound keeps recursive work (unpacking, removal) small.
pub const MAX_DEPTH: usize = 256;

/// The longest single component, in bytes (Linux `NAME_MAX`).
pub const MAX_NAME: usize = 255;

/// A normalised image path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    /// The absolute path, `/` for the root.
    pub path: String,
    /// The raw name was absolute or had `..` components that would climb above the root.
    pub escaped: bool,
}

/// Why a name cannot be an image path at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathProblem {
    Nul,
    TooDeep,
    NameTooLong,
}

impl std::fmt::Display for PathProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PathProblem::Nul => "the name contains a NUL byte",
            PathProblem::TooDeep => "the path is more than 256 components deep",
            PathProblem::NameTooLong => "a path component is longer than 255 bytes",
        })
    }
}

/// Normalises `raw` (a tar name, or a link target joined to its directory).
pub fn normalize(raw: &str) -> Result<Normalized, PathProblem> {
    // Most names have nothing to remove: copied as they are, behind a `/`.
    let body = raw.strip_prefix('/').unwrap_or(raw);
    if is_clean(body) {
        let mut path = String::with_capacity(body.len() + 1);
        path.push('/');
        path.push_str(body);
        return Ok(Normalized {
            path,
            escaped: raw.starts_with('/'),
        });
    }
    if raw.contains('\0') {
        return Err(PathProblem::Nul);
    }
    let mut escaped = raw.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    escaped = true;
                }
            }
            part => {
                if part.len() > MAX_NAME {
                    return Err(PathProblem::NameTooLong);
                }
                parts.push(part);
                if parts.len() > MAX_DEPTH {
                    return Err(PathProblem::TooDeep);
                }
            }
        }
    }
    let mut path = String::with_capacity(raw.len() + 1);
    for part in &parts {
        path.push('/');
        path.push_str(part);
    }
    if path.is_empty() {
        path.push('/');
    }
    Ok(Normalized { path, escaped })
}

/// `raw` normalised: itself when it already is, else what [`normalize`] makes of it.
pub fn normal_form(raw: &str) -> Result<std::borrow::Cow<'_, str>, PathProblem> {
    if is_normal(raw) {
        return Ok(std::borrow::Cow::Borrowed(raw));
    }
    normalize(raw).map(|n| std::borrow::Cow::Owned(n.path))
}

/// Whether `path` is already normalised, as [`normalize`] would write it: absolute, and
/// with no empty, `.` or `..` component, so it can be used as it is.
pub fn is_normal(path: &str) -> bool {
    path == "/" || path.strip_prefix('/').is_some_and(is_clean)
}

/// Whether `body` (no leading `/`) is one or more usable components joined by single
/// `/`s: none empty, `.` or `..`, none too long, not too deep, no NUL.
fn is_clean(body: &str) -> bool {
    if body.is_empty() {
        return false;
    }
    let mut depth = 0;
    for part in body.as_bytes().split(|b| *b == b'/') {
        depth += 1;
        if part.is_empty()
            || part == b"."
            || part == b".."
            || part.len() > MAX_NAME
            || depth > MAX_DEPTH
            || part.contains(&0)
        {
            return false;
        }
    }
    true
}

/// The directory holding `path` (`/` for top-level paths and for the root itself).
pub fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// The last component of `path` (empty for the root).
pub fn file_name(path: &str) -> &str {
    path.rfind('/').map_or(path, |i| &path[i + 1..])
}

/// `name` inside `dir`, both already normalised.
pub fn child(dir: &str, name: &str) -> String {
    if dir == "/" {
        format!("/{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// The components of a normalised path, root excluded.
pub fn components(path: &str) -> impl DoubleEndedIterator<Item = &str> {
    path.split('/').filter(|c| !c.is_empty())
}

/// Every proper ancestor of a normalised path, nearest the root first, root excluded.
pub fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/')
        .map(|(i, _)| &path[..i])
        .filter(|a| !a.is_empty())
}

/// Whether `path` is `dir` or lies below it (both normalised).
pub fn is_at_or_below(path: &str, dir: &str) -> bool {
    dir == "/"
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The prefix every path strictly below `dir` starts with.
pub fn subtree_prefix(dir: &str) -> String {
    if dir == "/" {
        "/".to_owned()
    } else {
        format!("{dir}/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn norm(raw: &str) -> (String, bool) {
        let n = normalize(raw).unwrap();
        (n.path, n.escaped)
    }

    #[test]
    fn normalises_tar_names() {
        assert_eq!(norm("./usr/bin/"), ("/usr/bin".into(), false));
        assert_eq!(norm("usr//lib/./x"), ("/usr/lib/x".into(), false));
        assert_eq!(norm("a/b/../c"), ("/a/c".into(), false));
        assert_eq!(norm("./"), ("/".into(), false));
        assert_eq!(norm(""), ("/".into(), false));
    }

    #[test]
    fn clamps_escapes_and_reports_them() {
        assert_eq!(norm("../../etc/passwd"), ("/etc/passwd".into(), true));
        assert_eq!(norm("/abs/path"), ("/abs/path".into(), true));
        assert_eq!(norm("a/../../b"), ("/b".into(), true));
        assert_eq!(norm(".."), ("/".into(), true));
    }

    #[test]
    fn rejects_unusable_names() {
        assert_eq!(normalize("a\0b"), Err(PathProblem::Nul));
        assert_eq!(normalize(&"x/".repeat(300)), Err(PathProblem::TooDeep));
        assert_eq!(normalize(&["x"; 300].join("/")), Err(PathProblem::TooDeep));
        assert_eq!(normalize("/a\0b"), Err(PathProblem::Nul));
        assert!(!is_normal("/a\0b") && !is_normal("/a/") && !is_normal("a") && !is_normal(""));
        assert!(matches!(
            normal_form("/a/b"),
            Ok(std::borrow::Cow::Borrowed("/a/b"))
        ));
        assert_eq!(normal_form("a//b/.").unwrap(), "/a/b");
        assert_eq!(normal_form("/a\0b"), Err(PathProblem::Nul));
        assert_eq!(normalize(&"n".repeat(256)), Err(PathProblem::NameTooLong));
        assert!(normalize(&"n".repeat(255)).is_ok());
    }

    #[test]
    fn splits_paths() {
        assert_eq!(parent("/a/b"), "/a");
        assert_eq!(parent("/a"), "/");
        assert_eq!(parent("/"), "/");
        assert_eq!(file_name("/a/b"), "b");
        assert_eq!(child("/", "x"), "/x");
        assert_eq!(child("/a", "x"), "/a/x");
        assert_eq!(ancestors("/a/b/c").collect::<Vec<_>>(), ["/a", "/a/b"]);
        assert_eq!(components("/a/b").collect::<Vec<_>>(), ["a", "b"]);
    }

    fn raw_names() -> impl Strategy<Value = String> {
        let part = prop_oneof![
            Just("..".to_owned()),
            Just(".".to_owned()),
            Just(String::new()),
            "[a-z.]{1,4}",
        ];
        (any::<bool>(), prop::collection::vec(part, 0..12)).prop_map(|(abs, parts)| {
            let joined = parts.join("/");
            if abs { format!("/{joined}") } else { joined }
        })
    }

    proptest! {
        #[test]
        fn never_escapes_the_root(raw in raw_names()) {
            let n = normalize(&raw).unwrap();
            prop_assert!(n.path.starts_with('/'));
            for c in n.path.split('/').skip(1) {
                prop_assert!(n.path == "/" || (c != ".." && c != "." && !c.is_empty()), "{:?}", n.path);
            }
            // Joined onto any root, the lexical result stays below it.
            let joined = std::path::Path::new("/root").join(n.path.trim_start_matches('/'));
            prop_assert!(joined.starts_with("/root"));
        }

        #[test]
        fn is_normal_holds_exactly_for_normalised_paths(raw in raw_names()) {
            let n = normalize(&raw).unwrap();
            prop_assert!(is_normal(&n.path), "{:?}", n.path);
            prop_assert_eq!(is_normal(&raw), raw == n.path, "{:?}", raw);
        }

        #[test]
        fn is_idempotent(raw in raw_names()) {
            let once = normalize(&raw).unwrap().path;
            let twice = normalize(&once).unwrap();
            prop_assert_eq!(&twice.path, &once);
        }

        #[test]
        fn matches_a_stack_model(parts in prop::collection::vec(prop_oneof![Just(".."), Just("a"), Just("b")], 0..16)) {
            let mut stack: Vec<&str> = Vec::new();
            let mut escaped = false;
            for p in &parts {
                if *p == ".." { escaped |= stack.pop().is_none(); } else { stack.push(p); }
            }
            let n = normalize(&parts.join("/")).unwrap();
            prop_assert_eq!(n.path, format!("/{}", stack.join("/")));
            prop_assert_eq!(n.escaped, escaped);
        }
    }
}
