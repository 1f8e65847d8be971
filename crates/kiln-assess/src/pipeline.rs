//! Where a repository says how it is built: CI configuration (GitHub Actions workflows,
//! GitLab CI and other systems' files), build scripts and Dockerfiles, and the shell
//! patterns the checks look for in them.

use serde_yaml_ng::Value;

use crate::repo::{Repo, file_name, parent};

/// A GitHub Actions workflow, parsed.
#[derive(Debug)]
pub struct Workflow {
    /// Its path.
    pub path: String,
    /// Its text.
    pub text: String,
    /// Its YAML.
    pub doc: Value,
}

/// Whether `path` is a GitHub Actions workflow.
pub fn is_workflow(path: &str) -> bool {
    parent(path) == ".github/workflows" && (path.ends_with(".yml") || path.ends_with(".yaml"))
}

/// Whether `path` is CI configuration of some system.
pub fn is_ci(path: &str) -> bool {
    is_workflow(path)
        || matches!(
            path,
            ".gitlab-ci.yml"
                | ".travis.yml"
                | "Jenkinsfile"
                | "azure-pipelines.yml"
                | ".circleci/config.yml"
                | "bitbucket-pipelines.yml"
                | ".drone.yml"
        )
        || path.starts_with(".buildkite/")
        || path.starts_with(".ci/")
        || path.starts_with(".gitlab/ci/")
        || path.starts_with(".github/actions/")
}

/// Whether `path` is a Dockerfile or Containerfile.
pub fn is_dockerfile(path: &str) -> bool {
    let name = file_name(path);
    let lower = name.to_ascii_lowercase();
    lower == "dockerfile"
        || lower == "containerfile"
        || name.starts_with("Dockerfile.")
        || name.starts_with("Containerfile.")
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
}

/// Whether `path` is a build script: shell scripts, Makefiles, justfiles and the files
/// under `scripts/`, `ci/`, `build/`.
pub fn is_script(path: &str) -> bool {
    let name = file_name(path);
    path.ends_with(".sh")
        || matches!(
            name,
            "Makefile" | "makefile" | "GNUmakefile" | "justfile" | "Justfile"
        )
        || path.starts_with("scripts/")
        || path.starts_with("ci/")
}

/// The files that say how the repository is built: CI, scripts, Dockerfiles.
pub fn build_files(repo: &Repo) -> Vec<(String, String)> {
    repo.files()
        .iter()
        .filter(|p| is_ci(p) || is_script(p) || is_dockerfile(p))
        .filter_map(|p| repo.text(p).map(|t| (p.clone(), t)))
        .collect()
}

/// The repository's GitHub Actions workflows that parse as YAML mappings.
pub fn workflows(repo: &Repo) -> Vec<Workflow> {
    repo.files()
        .iter()
        .filter(|p| is_workflow(p))
        .filter_map(|p| {
            let text = repo.text(p)?;
            match serde_yaml_ng::from_str::<Value>(&text) {
                Ok(doc) if doc.is_mapping() => Some(Workflow {
                    path: p.clone(),
                    text,
                    doc,
                }),
                Ok(_) => None,
                Err(e) => {
                    tracing::warn!("{p}: not YAML: {e}");
                    None
                }
            }
        })
        .collect()
}

impl Workflow {
    /// The events that trigger it.
    pub fn events(&self) -> Vec<String> {
        let on = self
            .doc
            .get("on")
            .or_else(|| self.doc.get(Value::Bool(true)));
        match on {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Sequence(seq)) => seq
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            Some(Value::Mapping(m)) => m
                .keys()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Its jobs by name.
    pub fn jobs(&self) -> Vec<(String, &Value)> {
        match self.doc.get("jobs") {
            Some(Value::Mapping(m)) => m
                .iter()
                .filter_map(|(k, v)| k.as_str().map(|k| (k.to_owned(), v)))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The 1-based line of the first occurrence of `needle`.
    pub fn line_of(&self, needle: &str) -> Option<usize> {
        line_of(&self.text, needle)
    }
}

/// The steps of a job.
pub fn steps(job: &Value) -> Vec<&Value> {
    match job.get("steps") {
        Some(Value::Sequence(s)) => s.iter().collect(),
        _ => Vec::new(),
    }
}

/// A string field of a mapping.
pub fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The 1-based line of the first occurrence of `needle` in `text`.
pub fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1)
}

/// The lines of `text` with backslash continuations joined, each with the 1-based line
/// it starts on.
pub fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    for (i, line) in text.lines().enumerate() {
        if current.is_empty() {
            start = i + 1;
        }
        if let Some(body) = line.strip_suffix('\\') {
            current.push_str(body);
            current.push(' ');
        } else {
            current.push_str(line);
            out.push((start, std::mem::take(&mut current)));
        }
    }
    if !current.is_empty() {
        out.push((start, current));
    }
    out
}

/// Splits `line` at `sep` where it is outside single and double quotes.
fn unquoted_split(line: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quote = None;
    let mut start = 0;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, c) if c == sep => {
                out.push(&line[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(&line[start..]);
    out
}

const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ksh", "python", "python3", "perl", "ruby", "node",
];

/// Whether a shell line downloads something and runs it unverified (`curl … | sh`,
/// `bash <(curl …)`, `sh -c "$(wget …)"`).
pub fn pipes_download_to_shell(line: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == '"' || c == '\'')
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let fetches = |s: &str| words(s).iter().any(|w| w == "curl" || w == "wget");
    // `curl … | sh`, pipes inside quotes aside
    let segments = unquoted_split(line, '|');
    for pair in segments.windows(2) {
        if fetches(pair[0]) {
            let next = words(pair[1]);
            let mut it = next
                .iter()
                .skip_while(|w| *w == "sudo" || w.starts_with('-'));
            if it.next().is_some_and(|w| SHELLS.contains(&file_name(w))) {
                return true;
            }
        }
    }
    // `bash <(curl …)`, `sh -c "$(curl …)"`
    for marker in ["<(", "$("] {
        for (i, _) in line.match_indices(marker) {
            let before = words(&line[..i]);
            let after = &line[i + 2..];
            let runs = before
                .iter()
                .rev()
                .find(|w| !w.starts_with('-'))
                .is_some_and(|w| SHELLS.contains(&file_name(w)));
            let first = words(after).into_iter().next();
            if runs && first.is_some_and(|w| w == "curl" || w == "wget") {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_to_shell_patterns() {
        for yes in [
            "curl -sSf https://example.invalid/i.sh | sh",
            "curl -fsSL x | sudo bash -s -- -y",
            "wget -qO- x | /bin/bash",
            "bash <(curl -s x)",
            "sh -c \"$(curl -fsSL x)\"",
        ] {
            assert!(pipes_download_to_shell(yes), "{yes}");
        }
        for no in [
            "curl -o x.sh x && sha256sum -c x.sha256",
            "curl x | tar xz",
            "cat a | sh",
            "curl x || bash fallback.sh",
            "echo 'curl x | sh' > notes.txt",
            "echo curl | grep sh",
        ] {
            assert!(!pipes_download_to_shell(no), "{no}");
        }
    }

    proptest::proptest! {
        #[test]
        fn shell_patterns_never_panic(s in "(curl|wget|sh|bash|\\||<\\(|\\$\\(|\"|'|é| |-)*") {
            let _ = pipes_download_to_shell(&s);
            let _ = logical_lines(&s);
        }
    }

    #[test]
    fn dockerfile_names() {
        assert!(is_dockerfile("Dockerfile"));
        assert!(is_dockerfile("build/Dockerfile.dev"));
        assert!(is_dockerfile("app.dockerfile"));
        assert!(is_dockerfile("Containerfile"));
        assert!(
            !is_dockerfile("crates/kiln-assess/src/dockerfile.rs"),
            "regression: a source file"
        );
    }

    #[test]
    fn continuations_join() {
        let l = logical_lines("RUN a \\\n  b\nc\n");
        assert_eq!(l, [(1, "RUN a    b".to_owned()), (3, "c".to_owned())]);
    }
}
