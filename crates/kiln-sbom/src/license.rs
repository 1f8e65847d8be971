//! Turning licence text from package metadata into SPDX expressions where it maps to one.
//!
//! Accepted: SPDX identifiers in any letter case, Debian's short names (`GPL-2+`,
//! `LGPL-2.1`, `Expat`, `BSD-3-clause`), `+` as "or later", the operators `and`/`or`/
//! `with` in any case (also `&`/`|` as apk writes them), and parentheses. Anything with an
//! unknown name stays [`License::Raw`]. Deprecated SPDX identifiers are never produced.

use kiln_types::License;

/// The licence `text` as an SPDX expression when every name in it is known.
pub fn parse(text: &str) -> Option<License> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    Some(match expression(text) {
        Some(expr) => License::Expression(expr),
        None => License::Raw(text.to_owned()),
    })
}

fn expression(text: &str) -> Option<String> {
    let spaced = text
        .replace('(', " ( ")
        .replace(')', " ) ")
        .replace('&', " AND ")
        .replace('|', " OR ");
    let mut out: Vec<String> = Vec::new();
    let mut depth = 0usize;
    let mut expect_operand = true;
    let mut after_with = false;
    for tok in spaced.split_whitespace() {
        let upper = tok.to_ascii_uppercase();
        match upper.as_str() {
            "(" if expect_operand => {
                depth += 1;
                out.push("(".to_owned());
            }
            ")" if !expect_operand && depth > 0 => {
                depth -= 1;
                out.push(")".to_owned());
            }
            "AND" | "OR" if !expect_operand => {
                out.push(upper);
                expect_operand = true;
            }
            "WITH" if !expect_operand && !after_with => {
                out.push(upper);
                expect_operand = true;
                after_with = true;
                continue;
            }
            _ if expect_operand && after_with => {
                out.push(exception(tok)?.to_owned());
                expect_operand = false;
            }
            _ if expect_operand => {
                out.push(license(tok)?);
                expect_operand = false;
            }
            _ => return None,
        }
        after_with = false;
    }
    (depth == 0 && !expect_operand).then(|| out.join(" ").replace("( ", "(").replace(" )", ")"))
}

/// One licence name as a current SPDX identifier (`LicenseRef-…` kept as is).
fn license(name: &str) -> Option<String> {
    if let Some(rest) = name.strip_prefix("LicenseRef-")
        && !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    {
        return Some(name.to_owned());
    }
    let (base, or_later) = match name.strip_suffix('+') {
        Some(b) => (b, true),
        None => (name, false),
    };
    let base = match base.to_ascii_lowercase().as_str() {
        "expat" => "MIT",
        "public-domain" | "public_domain" => return None,
        "artistic" | "artistic-1" | "artistic-1.0" => "Artistic-1.0-Perl",
        "bsd-2" => "BSD-2-Clause",
        "bsd-3" => "BSD-3-Clause",
        "apache-2" => "Apache-2.0",
        "zlib" => "Zlib",
        _ => base,
    };
    if let Some(id) = gnu(base, or_later) {
        return Some(id);
    }
    let id = lookup(base)?;
    if or_later {
        // `+` on a non-GNU licence: SPDX keeps the operator.
        return Some(format!("{id}+"));
    }
    Some(id.to_owned())
}

/// `GPL-2`, `GPL-2.0`, `LGPL-2.1+`, `AGPL-3`, `GFDL-1.3` → `…-only` / `…-or-later`.
fn gnu(base: &str, or_later: bool) -> Option<String> {
    let (family, version) = base.split_once('-')?;
    let family = family.to_ascii_uppercase();
    if !matches!(family.as_str(), "GPL" | "LGPL" | "AGPL" | "GFDL") {
        return None;
    }
    let version = version
        .trim_end_matches("-only")
        .trim_end_matches("-or-later");
    let later = or_later || base.ends_with("-or-later");
    let version = if version.contains('.') {
        version.to_owned()
    } else {
        format!("{version}.0")
    };
    let id = format!(
        "{family}-{version}-{}",
        if later { "or-later" } else { "only" }
    );
    lookup(&id).map(str::to_owned)
}

/// The SPDX identifier spelled `name` in any case, if it is current.
fn lookup(name: &str) -> Option<&'static str> {
    spdx::identifiers::LICENSES
        .iter()
        .find(|(id, _, _)| id.eq_ignore_ascii_case(name))
        .and_then(|(id, _, _)| spdx::license_id(id))
        .filter(|id| !id.is_deprecated())
        .map(|id| id.name)
}

fn exception(name: &str) -> Option<&'static str> {
    spdx::identifiers::EXCEPTIONS
        .iter()
        .find(|(id, _)| id.eq_ignore_ascii_case(name))
        .and_then(|(id, _)| spdx::exception_id(id))
        .filter(|id| !id.is_deprecated())
        .map(|id| id.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(s: &str) -> Option<String> {
        match parse(s) {
            Some(License::Expression(e)) => Some(e),
            _ => None,
        }
    }

    #[test]
    fn debian_short_names_map_to_spdx() {
        assert_eq!(expr("GPL-2+").as_deref(), Some("GPL-2.0-or-later"));
        assert_eq!(expr("GPL-2").as_deref(), Some("GPL-2.0-only"));
        assert_eq!(expr("LGPL-2.1+").as_deref(), Some("LGPL-2.1-or-later"));
        assert_eq!(expr("Expat").as_deref(), Some("MIT"));
        assert_eq!(expr("BSD-3-clause").as_deref(), Some("BSD-3-Clause"));
        assert_eq!(
            expr("GPL-1+ or Artistic").as_deref(),
            Some("GPL-1.0-or-later OR Artistic-1.0-Perl")
        );
        assert_eq!(
            expr("GPL-2+ with OpenSSL-exception").as_deref(),
            None,
            "not an SPDX exception name"
        );
        assert_eq!(
            expr("GPL-2.0-or-later WITH GCC-exception-3.1").as_deref(),
            Some("GPL-2.0-or-later WITH GCC-exception-3.1")
        );
    }

    #[test]
    fn spdx_expressions_are_kept_and_normalised() {
        assert_eq!(
            expr("mit or apache-2.0").as_deref(),
            Some("MIT OR Apache-2.0")
        );
        assert_eq!(
            expr("(MIT OR Apache-2.0) AND BSD-2-Clause").as_deref(),
            Some("(MIT OR Apache-2.0) AND BSD-2-Clause")
        );
        assert_eq!(
            expr("MIT AND (BSD-3-Clause | Zlib)").as_deref(),
            Some("MIT AND (BSD-3-Clause OR Zlib)")
        );
    }

    #[test]
    fn unknown_or_malformed_text_stays_raw() {
        for raw in [
            "public-domain",
            "MIT AND",
            "(MIT",
            "MIT Apache-2.0",
            "custom",
            "AND",
        ] {
            assert_eq!(parse(raw), Some(License::Raw(raw.to_owned())), "{raw}");
        }
        assert_eq!(parse("  "), None);
    }
}
