//! Dockerfiles as instructions: continuation lines joined, comments dropped, stages
//! tracked (`FROM … AS name`), `ARG` defaults substituted into `FROM`.

/// One instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// The 1-based line it starts on.
    pub line: usize,
    /// The keyword, uppercase (`FROM`, `RUN`).
    pub keyword: String,
    /// The rest of the instruction.
    pub args: String,
    /// The stage it belongs to (0 before the first `FROM`'s stage, then 1, 2, …).
    pub stage: usize,
}

/// A `FROM` line's image, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    /// The line.
    pub line: usize,
    /// The image as written after ARG substitution.
    pub image: String,
    /// Whether it names an earlier stage or `scratch`.
    pub internal: bool,
}

/// Parses a Dockerfile into instructions.
pub fn parse(text: &str) -> Vec<Instruction> {
    let mut out = Vec::new();
    let mut stage = 0;
    let mut current = String::new();
    let mut start = 0;
    for (i, raw) in text.lines().enumerate() {
        let t = raw.trim();
        if current.is_empty() && (t.is_empty() || t.starts_with('#')) {
            continue;
        }
        if !current.is_empty() && t.starts_with('#') {
            continue;
        }
        if current.is_empty() {
            start = i + 1;
        }
        if let Some(body) = t.strip_suffix('\\') {
            current.push_str(body);
            current.push(' ');
            continue;
        }
        current.push_str(t);
        let line = std::mem::take(&mut current);
        let (keyword, args) = line.split_once(char::is_whitespace).unwrap_or((&line, ""));
        let keyword = keyword.to_ascii_uppercase();
        if keyword == "FROM" {
            stage += 1;
        }
        out.push(Instruction {
            line: start,
            keyword,
            args: args.trim().to_owned(),
            stage,
        });
    }
    out
}

fn substitute(s: &str, args: &[(String, String)]) -> String {
    let mut out = s.to_owned();
    for (name, value) in args {
        out = out
            .replace(&format!("${{{name}}}"), value)
            .replace(&format!("${name}"), value);
    }
    out
}

/// The base image of every stage.
pub fn bases(instructions: &[Instruction]) -> Vec<Base> {
    let mut global_args = Vec::new();
    let mut stages: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for ins in instructions {
        if ins.keyword == "ARG"
            && ins.stage == 0
            && let Some((n, v)) = ins.args.split_once('=')
        {
            global_args.push((n.trim().to_owned(), v.trim().trim_matches('"').to_owned()));
        }
        if ins.keyword != "FROM" {
            continue;
        }
        let words: Vec<&str> = ins
            .args
            .split_whitespace()
            .filter(|w| !w.starts_with("--"))
            .collect();
        let image = substitute(words.first().copied().unwrap_or(""), &global_args);
        let internal = image.eq_ignore_ascii_case("scratch")
            || stages.iter().any(|s| s.eq_ignore_ascii_case(&image));
        if let (Some(kw), Some(alias)) = (words.get(1), words.get(2))
            && kw.eq_ignore_ascii_case("as")
        {
            stages.push((*alias).to_owned());
        }
        out.push(Base {
            line: ins.line,
            image,
            internal,
        });
    }
    out
}

/// The tag of an image reference, if any (`None` for `name` and `name@sha256:…`).
pub fn tag(image: &str) -> Option<&str> {
    let name = image.split('@').next().unwrap_or(image);
    let last = name.rsplit('/').next().unwrap_or(name);
    last.split_once(':').map(|(_, t)| t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_and_args() {
        let text =
            "ARG BASE=debian:12\nFROM ${BASE} AS build\nRUN a \\\n  b\nFROM build\nUSER 1000\n";
        let ins = parse(text);
        assert_eq!(ins[2].args, "a  b");
        let b = bases(&ins);
        assert_eq!(b[0].image, "debian:12");
        assert!(!b[0].internal);
        assert!(b[1].internal);
        assert_eq!(tag("registry.invalid:5000/a/b:1.2"), Some("1.2"));
        assert_eq!(tag("registry.invalid:5000/a/b"), None);
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,200}") {
            let _ = bases(&parse(&s));
        }
    }
}
