//! CODEOWNERS files: gitignore-style patterns with owners, the last matching rule wins.

/// A parsed CODEOWNERS file.
#[derive(Debug, Default)]
pub struct Owners {
    rules: Vec<(String, Vec<String>)>,
}

impl Owners {
    /// Parses the file; lines without a pattern are skipped.
    pub fn parse(text: &str) -> Owners {
        let rules = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('['))
            .filter_map(|l| {
                let mut words = l.split_whitespace();
                let pattern = words.next()?.to_owned();
                let owners: Vec<String> = words
                    .take_while(|w| !w.starts_with('#'))
                    .map(str::to_owned)
                    .collect();
                Some((pattern, owners))
            })
            .collect();
        Owners { rules }
    }

    /// Whether no rule names an owner.
    pub fn is_empty(&self) -> bool {
        self.rules.iter().all(|(_, o)| o.is_empty())
    }

    /// The owners of `path` (the last matching rule's; none if it names none).
    pub fn owners_of(&self, path: &str) -> &[String] {
        self.rules
            .iter()
            .rev()
            .find(|(p, _)| matches(p, path))
            .map_or(&[], |(_, o)| o.as_slice())
    }
}

/// Whether a gitignore-style `pattern` matches `path` or a directory containing it.
pub fn matches(pattern: &str, path: &str) -> bool {
    let dir_only = pattern.ends_with('/');
    let p = pattern.trim_end_matches('/');
    let anchored = p.starts_with('/') || p.contains('/');
    let p = p.trim_start_matches('/');
    if p.is_empty() {
        return false;
    }
    let parts: Vec<&str> = path.split('/').collect();
    for end in 1..=parts.len() {
        let is_file = end == parts.len();
        if is_file && dir_only {
            continue;
        }
        if anchored {
            if glob(p.as_bytes(), parts[..end].join("/").as_bytes()) {
                return true;
            }
        } else if glob(p.as_bytes(), parts[end - 1].as_bytes()) {
            return true;
        }
    }
    false
}

/// `*` within a path component, `**` across components, `?` one character.
fn glob(p: &[u8], s: &[u8]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some(b'*') if p.get(1) == Some(&b'*') => {
            let rest = p[2..].strip_prefix(b"/").unwrap_or(&p[2..]);
            (0..=s.len()).any(|i| glob(rest, &s[i..]))
        }
        Some(b'*') => {
            let rest = &p[1..];
            for i in 0..=s.len() {
                if glob(rest, &s[i..]) {
                    return true;
                }
                if s.get(i) == Some(&b'/') {
                    break;
                }
            }
            false
        }
        Some(b'?') => s.first().is_some_and(|c| *c != b'/') && glob(&p[1..], &s[1..]),
        Some(c) => s.first() == Some(c) && glob(&p[1..], &s[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(matches("*", ".github/workflows/ci.yml"));
        assert!(matches("/.github/", ".github/workflows/ci.yml"));
        assert!(matches(".github/workflows/", ".github/workflows/ci.yml"));
        assert!(matches("*.yml", ".github/workflows/ci.yml"));
        assert!(matches("/.github/**/ci.yml", ".github/workflows/ci.yml"));
        assert!(!matches("/docs/", ".github/workflows/ci.yml"));
        assert!(!matches("/src/*.rs", "src/a/b.rs"));
        assert!(matches("src/*", "src/a/b.rs"));
        let o = Owners::parse("* @all\n/.github/ @ci # comment\n/docs/\n");
        assert_eq!(o.owners_of(".github/workflows/a.yml"), ["@ci"]);
        assert_eq!(o.owners_of("src/lib.rs"), ["@all"]);
        assert!(
            o.owners_of("docs/a.md").is_empty(),
            "a later rule without owners unsets"
        );
    }

    proptest::proptest! {
        #[test]
        fn matching_never_panics(p in "[*?/a.]{0,12}", s in "[a/.]{0,12}") {
            let _ = matches(&p, &s);
        }
    }
}
