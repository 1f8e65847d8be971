//! Debian control-file paragraphs (deb822) as dpkg's status database writes them:
//! `Field: value` lines, continuation lines starting with a space or tab, paragraphs
//! separated by blank lines. Lenient: lines that are neither are counted, not fatal.

/// One paragraph: fields in file order, names as written, values with continuation
/// lines joined by `\n` (leading whitespace of continuations kept off).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Paragraph {
    pub fields: Vec<(String, String)>,
    /// The 1-based line the paragraph starts at.
    pub line: usize,
}

impl Paragraph {
    /// The value of `name` (case-insensitive), first line only for multi-line fields.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.split('\n').next().unwrap_or("").trim())
    }

    /// The whole value of `name`, continuation lines included.
    pub fn get_all(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The paragraphs of `text`, and how many lines were malformed.
pub fn paragraphs(text: &str) -> (Vec<Paragraph>, usize) {
    let mut out = Vec::new();
    let mut cur = Paragraph::default();
    let mut bad = 0;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            if !cur.fields.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            match cur.fields.last_mut() {
                Some((_, v)) => {
                    v.push('\n');
                    v.push_str(line.trim());
                }
                None => bad += 1,
            }
            continue;
        }
        match line.split_once(':') {
            Some((k, v)) if !k.is_empty() && !k.contains(char::is_whitespace) => {
                if cur.fields.is_empty() {
                    cur.line = i + 1;
                }
                cur.fields.push((k.to_owned(), v.trim().to_owned()));
            }
            _ => bad += 1,
        }
    }
    if !cur.fields.is_empty() {
        out.push(cur);
    }
    (out, bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fields_continuations_and_paragraphs() {
        let text = "Package: a\nDescription: short\n long line\n .\n more\n\n\n\
                    Package: b\nConffiles:\n /etc/b.conf 0123\nbroken line\n";
        let (ps, bad) = paragraphs(text);
        assert_eq!(ps.len(), 2);
        assert_eq!(ps[0].get("package"), Some("a"));
        assert_eq!(ps[0].get("Description"), Some("short"));
        assert_eq!(
            ps[0].get_all("Description"),
            Some("short\nlong line\n.\nmore")
        );
        assert_eq!(ps[1].line, 8);
        assert_eq!(ps[1].get_all("Conffiles"), Some("\n/etc/b.conf 0123"));
        assert_eq!(bad, 1);
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,200}") {
            let _ = paragraphs(&s);
        }
    }
}
