//! Secrets in the tree and in history: high-signal patterns only (private key blocks,
//! cloud and forge tokens with fixed prefixes and lengths), so a finding is worth a
//! rotation. Matches are redacted in every report.

use std::collections::BTreeMap;

use super::Context;
use crate::check::{CheckInfo, Finding, Level, Outcome};
use crate::compromise::CompromiseType::{DevTooling, PublishingInfrastructure, SourceCode};
use crate::repo::is_test_path;

pub static TREE: CheckInfo = CheckInfo {
    id: "secrets-in-tree",
    title: "No secrets in the committed files",
    level: Level::Error,
    recommendations: &["SC-03"],
    questions: &["AQ-02"],
    types: &[SourceCode, DevTooling, PublishingInfrastructure],
    scorecard: &[],
    help: "Remove the secret, rotate it (it is compromised), and add a secret scanner as a \
           pre-commit hook and CI step.",
};

pub static HISTORY: CheckInfo = CheckInfo {
    id: "secrets-in-history",
    title: "No secrets anywhere in git history",
    level: Level::Error,
    recommendations: &["SC-03"],
    questions: &["AQ-02"],
    types: &[SourceCode, DevTooling, PublishingInfrastructure],
    scorecard: &[],
    help: "Rotate the secret; deleting it in a later commit leaves it in every clone.",
};

/// A secret found in text: its 1-based line, its kind and a redacted form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// The line.
    pub line: usize,
    /// What it is.
    pub kind: &'static str,
    /// Its first characters.
    pub redacted: String,
}

/// A token shape: prefix, what it is, alphabet of the rest, minimum and maximum length of
/// the rest.
type Shape = (&'static str, &'static str, fn(u8) -> bool, usize, usize);

const TOKENS: &[Shape] = &[
    ("AKIA", "AWS access key id", upper_digit, 16, 16),
    ("ASIA", "AWS temporary access key id", upper_digit, 16, 16),
    ("ghp_", "GitHub personal access token", alnum, 36, 36),
    ("gho_", "GitHub OAuth token", alnum, 36, 36),
    ("ghu_", "GitHub user-to-server token", alnum, 36, 36),
    ("ghs_", "GitHub server-to-server token", alnum, 36, 36),
    ("ghr_", "GitHub refresh token", alnum, 36, 36),
    ("github_pat_", "GitHub fine-grained token", word, 82, 82),
    ("glpat-", "GitLab personal access token", token, 20, 20),
    ("xoxb-", "Slack bot token", token, 24, 80),
    ("xoxp-", "Slack user token", token, 24, 80),
    ("xoxa-", "Slack app token", token, 24, 80),
    ("xoxr-", "Slack refresh token", token, 24, 80),
    ("AIza", "Google API key", token, 35, 35),
    ("sk_live_", "Stripe live secret key", alnum, 24, 99),
    ("npm_", "npm access token", alnum, 36, 36),
];

fn upper_digit(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}
fn alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}
fn word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}
fn token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

fn redact(s: &str) -> String {
    let keep: String = s.chars().take(8).collect();
    format!("{keep}…")
}

/// Whether a line opens a private key block.
fn opens_private_key(line: &str) -> bool {
    let t = line.trim();
    let Some(inner) = t.strip_prefix("-----BEGIN ") else {
        return false;
    };
    let Some(inner) = inner
        .strip_suffix("PRIVATE KEY-----")
        .or_else(|| inner.strip_suffix("PRIVATE KEY BLOCK-----"))
    else {
        return false;
    };
    inner.bytes().all(|b| b.is_ascii_uppercase() || b == b' ')
}

fn base64_body(line: &str) -> bool {
    let t = line.trim();
    t.len() >= 16
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
}

/// The secrets in `text`.
pub fn scan(text: &str) -> Vec<Secret> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if opens_private_key(line) {
            let body = lines[i + 1..]
                .iter()
                .find(|l| {
                    let t = l.trim();
                    !(t.is_empty() || t.contains(':'))
                })
                .is_some_and(|l| base64_body(l));
            if body {
                out.push(Secret {
                    line: i + 1,
                    kind: "private key",
                    redacted: line.trim().to_owned(),
                });
            }
        }
        let bytes = line.as_bytes();
        for (prefix, kind, ok, min, max) in TOKENS {
            for (at, _) in line.match_indices(prefix) {
                if at > 0 && token(bytes[at - 1]) {
                    continue;
                }
                let rest = &bytes[at + prefix.len()..];
                let n = rest.iter().take_while(|b| ok(**b)).count();
                let after_ok = rest.get(n).is_none_or(|b| !token(*b) || n >= *max);
                if n >= *min && (n <= *max || *max >= 80) && after_ok {
                    let found = &line[at..at + prefix.len() + n.min(*max)];
                    if found.contains("EXAMPLE") || found.contains("XXXXXXXX") {
                        continue;
                    }
                    out.push(Secret {
                        line: i + 1,
                        kind,
                        redacted: redact(found),
                    });
                }
            }
        }
    }
    out
}

fn is_text(bytes: &[u8]) -> bool {
    !bytes.contains(&0)
}

pub fn tree(ctx: &Context<'_>) -> Outcome {
    let mut findings = Vec::new();
    let mut read = 0;
    for path in ctx.repo.files() {
        if !is_text(&ctx.repo.head(path, 8192)) {
            continue;
        }
        let Some(text) = ctx.repo.text(path) else {
            continue;
        };
        read += 1;
        for s in scan(&text) {
            let note = if is_test_path(path) {
                " (in test data)"
            } else {
                ""
            };
            findings.push(Finding::at(
                path,
                Some(s.line),
                format!("{} `{}`{note}", s.kind, s.redacted),
            ));
        }
    }
    Outcome::from(findings, format!("{read} text files"))
}

pub fn history(ctx: &Context<'_>) -> Outcome {
    if !ctx.repo.is_git() {
        return Outcome::NotChecked("not a git repository".into());
    }
    let log = match ctx.repo.git(&[
        "log",
        "--all",
        "-p",
        "--no-color",
        "--no-ext-diff",
        "--no-renames",
        "-U0",
        "--format=commit %H",
    ]) {
        Ok(log) => log,
        Err(e) => return crate::repo::history_error(e),
    };
    // Added lines per (commit, path), scanned as one text so key blocks are whole.
    let mut added: BTreeMap<(String, String), (Vec<usize>, String)> = BTreeMap::new();
    let mut commit = String::new();
    let mut path = String::new();
    let mut new_line = 0usize;
    let mut commits = 0;
    for line in log.lines() {
        if let Some(h) = line.strip_prefix("commit ") {
            commit = h.to_owned();
            commits += 1;
        } else if let Some(p) = line.strip_prefix("+++ ") {
            path = p.strip_prefix("b/").unwrap_or(p).to_owned();
        } else if line.starts_with("@@") {
            new_line = line
                .split_whitespace()
                .find_map(|w| w.strip_prefix('+'))
                .and_then(|w| w.split(',').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
        } else if let Some(body) = line.strip_prefix('+') {
            let entry = added.entry((commit.clone(), path.clone())).or_default();
            entry.0.push(new_line);
            entry.1.push_str(body);
            entry.1.push('\n');
            new_line += 1;
        }
    }
    if commits == 0 {
        return Outcome::NotApplicable("no commits".into());
    }
    let mut findings = Vec::new();
    for ((commit, path), (lines, text)) in &added {
        for s in scan(text) {
            let line = lines.get(s.line - 1).copied();
            let short = commit.get(..12).unwrap_or(commit);
            findings.push(Finding {
                message: format!("{} `{}` added in commit {short}", s.kind, s.redacted),
                path: Some(path.clone()),
                line,
                commit: Some(commit.clone()),
            });
        }
    }
    Outcome::from(findings, format!("{commits} commits"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_tokens_and_keys() {
        let aws = format!("key = \"{}{}\"", "AKIA", "Q3EGRIJ5ZZPPAB7N");
        assert_eq!(scan(&aws)[0].kind, "AWS access key id");
        let example = format!("{}{}", "AKIA", "IOSFODNN7EXAMPLE");
        assert!(
            scan(&example).is_empty(),
            "documentation keys are not secrets"
        );
        let gh = format!("{}{}", "ghp_", "a".repeat(36));
        assert_eq!(scan(&gh).len(), 1);
        assert!(scan(&format!("{}{}", "ghp_", "a".repeat(20))).is_empty());
        let pem = format!(
            "-----BEGIN {}-----\nMIIEowIBAAKCAQEA7bq98s8Yp3vHh3xK\n-----END-----\n",
            "RSA PRIVATE KEY"
        );
        assert_eq!(scan(&pem)[0].kind, "private key");
        let marker_only = format!("\"-----BEGIN {}-----\\nAAAA\"", "RSA PRIVATE KEY");
        assert!(scan(&marker_only).is_empty());
    }

    proptest::proptest! {
        #[test]
        fn scan_never_panics(s in "\\PC{0,200}") {
            let _ = scan(&s);
        }
    }
}
