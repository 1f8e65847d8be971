//! rubysec (ruby-advisory-db): `gems/<gem>/<id>.yml` with `gem`, `cve`,
//! `ghsa`, `title`, `date`, `cvss_v2`/`cvss_v3`/`cvss_v4` scores,
//! `patched_versions` and `unaffected_versions` (RubyGems requirements such
//! as `~> 2.2.8, >= 2.2.8.1`); `rubies/<engine>/<id>.yml` the same for Ruby
//! interpreters.
//!
//! A gem version is affected unless it satisfies a patched or an unaffected
//! requirement. The union of those requirements is turned into its
//! complement, one RubyGems ECOSYSTEM range per affected interval: an
//! inclusive end becomes `fixed`, an exclusive one `last_affected`. An
//! affected interval that starts just above a version (`unaffected: <= 1.0`)
//! cannot be written as an OSV range: it starts at that version, which is
//! listed in [`AffectedPackage::unaffected`] so that it never matches.
//!
//! Interpreter advisories (`rubies/<engine>/`, with an `engine:` field) are
//! stored in kiln's own ecosystem `Ruby` (OSV has none for interpreters and
//! osv.dev does not carry these records), named by engine as `ruby`,
//! `jruby`, `mruby`, `mrubyc` and `rbx`, with the purl `pkg:generic/<engine>`:
//! Syft reports a Ruby interpreter it finds by its binary as
//! `pkg:generic/ruby@<version>`, which [`crate::scan`] looks up here.
//! Interpreters a distribution packages are OS packages, matched by the
//! distribution's own advisories instead.

use std::cmp::Ordering;

use kiln_version::Ecosystem;
use kiln_version::range::EventKind;
use serde_json::Value;

use super::{Entry, SourceData};
use crate::advisory::{Advisory, AffectedPackage, AffectedRange, RangeKind};
use crate::severity::{Rating, Severity, SeverityKind};

/// Whether a YAML document is a rubysec advisory.
pub fn looks_like(obj: &serde_json::Map<String, Value>) -> bool {
    (obj.contains_key("gem") || obj.contains_key("engine"))
        && (obj.contains_key("patched_versions")
            || obj.contains_key("unaffected_versions")
            || obj.contains_key("title"))
}

fn cmp(a: &str, b: &str) -> Ordering {
    kiln_version::compare(Ecosystem::RubyGems, a, b).unwrap_or(Ordering::Equal)
}

/// One end of an interval: a version and whether it belongs to the interval.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Bound {
    version: String,
    inclusive: bool,
}

/// A set of versions `lo ..= hi`; `None` is unbounded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Interval {
    lo: Option<Bound>,
    hi: Option<Bound>,
}

/// The version `~> v` stays below: the last segment dropped (unless it is the
/// only one), prerelease parts dropped, the new last segment incremented.
fn bump(v: &str) -> Result<String, String> {
    let mut parts: Vec<&str> = v
        .split('.')
        .take_while(|p| p.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    if parts.len() > 1 {
        parts.pop();
    }
    let last = parts
        .pop()
        .and_then(|p| p.parse::<u64>().ok())
        .ok_or_else(|| format!("~> {v}: no numeric segment"))?;
    parts
        .iter()
        .try_fold(String::new(), |mut acc, p| {
            acc.push_str(p);
            acc.push('.');
            Ok::<_, String>(acc)
        })
        .map(|prefix| format!("{prefix}{}", last + 1))
}

/// Tightens `into` with a lower bound.
fn raise(into: &mut Interval, b: Bound) {
    let replace = match &into.lo {
        None => true,
        Some(cur) => match cmp(&b.version, &cur.version) {
            Ordering::Greater => true,
            Ordering::Equal => !b.inclusive,
            Ordering::Less => false,
        },
    };
    if replace {
        into.lo = Some(b);
    }
}

/// Tightens `into` with an upper bound.
fn lower(into: &mut Interval, b: Bound) {
    let replace = match &into.hi {
        None => true,
        Some(cur) => match cmp(&b.version, &cur.version) {
            Ordering::Less => true,
            Ordering::Equal => !b.inclusive,
            Ordering::Greater => false,
        },
    };
    if replace {
        into.hi = Some(b);
    }
}

/// One requirement (`~> 2.2.8, >= 2.2.8.1`) as the interval it allows;
/// `None` if it allows nothing. `!=` exclusions are dropped, noted.
fn requirement(text: &str, notes: &mut Vec<String>) -> Result<Option<Interval>, String> {
    let mut iv = Interval::default();
    for part in text.split(',') {
        let part = part.trim();
        let (op, version) = ["~>", ">=", "<=", "!=", ">", "<", "="]
            .iter()
            .find_map(|op| part.strip_prefix(op).map(|v| (*op, v.trim())))
            .unwrap_or(("=", part));
        kiln_version::AnyVersion::parse_in(Ecosystem::RubyGems, version)
            .map_err(|e| format!("requirement {text:?}: {e}"))?;
        let at = |inclusive| Bound {
            version: version.to_owned(),
            inclusive,
        };
        match op {
            ">=" => raise(&mut iv, at(true)),
            ">" => raise(&mut iv, at(false)),
            "<=" => lower(&mut iv, at(true)),
            "<" => lower(&mut iv, at(false)),
            "=" => {
                raise(&mut iv, at(true));
                lower(&mut iv, at(true));
            }
            "~>" => {
                raise(&mut iv, at(true));
                lower(
                    &mut iv,
                    Bound {
                        version: bump(version)?,
                        inclusive: false,
                    },
                );
            }
            _ => notes.push(format!(
                "requirement {text:?}: `!=` not expressible, dropped"
            )),
        }
    }
    if let (Some(lo), Some(hi)) = (&iv.lo, &iv.hi) {
        match cmp(&lo.version, &hi.version) {
            Ordering::Greater => return Ok(None),
            Ordering::Equal if !(lo.inclusive && hi.inclusive) => return Ok(None),
            _ => {}
        }
    }
    Ok(Some(iv))
}

/// Where the next affected interval starts.
#[derive(Debug, Clone)]
enum Start {
    /// Below every version.
    Bottom,
    /// At (inclusive) or just above (exclusive) a version.
    At(Bound),
    /// Nothing is affected above the last safe interval.
    Top,
}

/// Whether `s` lies before the lower end `lo` of a safe interval (a gap is left).
fn before(s: &Start, lo: &Bound) -> bool {
    match s {
        Start::Bottom => true,
        Start::Top => false,
        Start::At(b) => match cmp(&b.version, &lo.version) {
            Ordering::Less => true,
            Ordering::Equal => b.inclusive && !lo.inclusive,
            Ordering::Greater => false,
        },
    }
}

/// The later of two starts.
fn later(a: Start, b: Start) -> Start {
    match (&a, &b) {
        (Start::Top, _) | (_, Start::Bottom) => a,
        (_, Start::Top) | (Start::Bottom, _) => b,
        (Start::At(x), Start::At(y)) => match cmp(&x.version, &y.version) {
            Ordering::Less => b,
            Ordering::Greater => a,
            Ordering::Equal if !y.inclusive => b,
            Ordering::Equal => a,
        },
    }
}

/// The affected intervals: the complement of the union of `safe`, as OSV
/// events, and the versions just above which an interval starts.
fn affected_events(mut safe: Vec<Interval>) -> (Vec<Vec<(EventKind, String)>>, Vec<String>) {
    safe.sort_by(|a, b| match (&a.lo, &b.lo) {
        (None, None) => Ordering::Equal,
        (None, _) => Ordering::Less,
        (_, None) => Ordering::Greater,
        (Some(x), Some(y)) => cmp(&x.version, &y.version).then(y.inclusive.cmp(&x.inclusive)),
    });
    let mut out = Vec::new();
    let mut start = Start::Bottom;
    let mut excluded = Vec::new();
    let mut open = |s: &Start| match s {
        Start::At(b) => {
            if !b.inclusive {
                excluded.push(b.version.clone());
            }
            b.version.clone()
        }
        _ => "0".to_owned(),
    };
    for iv in safe {
        if let Some(lo) = &iv.lo
            && before(&start, lo)
        {
            let end = if lo.inclusive {
                EventKind::Fixed
            } else {
                EventKind::LastAffected
            };
            out.push(vec![
                (EventKind::Introduced, open(&start)),
                (end, lo.version.clone()),
            ]);
        }
        let after = match iv.hi {
            None => Start::Top,
            Some(h) => Start::At(Bound {
                version: h.version,
                inclusive: !h.inclusive,
            }),
        };
        start = later(start, after);
    }
    if !matches!(start, Start::Top) {
        out.push(vec![(EventKind::Introduced, open(&start))]);
    }
    (out, excluded)
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| match x {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn severities(doc: &Value) -> Vec<Severity> {
    let mut out = Vec::new();
    for (key, kind) in [
        ("cvss_v4", SeverityKind::CvssV4),
        ("cvss_v3", SeverityKind::CvssV3),
        ("cvss_v2", SeverityKind::CvssV2),
    ] {
        let Some(score) = doc.get(key).and_then(Value::as_f64) else {
            continue;
        };
        let rating = match kind {
            SeverityKind::CvssV2 => crate::cvss::v2_rating(score),
            _ => Rating::from_score(score),
        };
        out.push(Severity {
            kind,
            text: score.to_string(),
            score: Some(score),
            rating: Some(rating),
        });
    }
    out
}

/// The record's id: its file name (`CVE-2024-26141.yml` → `CVE-2024-26141`).
fn id_of(entry: &str) -> Option<&str> {
    let base = entry.rsplit(['/', '!', '\\']).next()?;
    let id = base
        .strip_suffix(".yml")
        .or_else(|| base.strip_suffix(".yaml"))?;
    (!id.is_empty() && !id.contains(char::is_whitespace)).then_some(id)
}

/// The engine directory of an interpreter advisory's path
/// (`rubies/jruby/CVE-….yml` → `jruby`).
fn engine_dir(entry: &str) -> Option<String> {
    let mut parts = entry.rsplit(['/', '!', '\\']).skip(1);
    let engine = parts.next()?;
    (parts.next() == Some("rubies") && !engine.is_empty()).then(|| engine.to_owned())
}

/// Reads one rubysec document into `data`.
pub fn read(entry: &Entry, doc: &Value, data: &mut SourceData) {
    let Some(id) = id_of(&entry.name) else {
        data.warn(&entry.name, "the file name is not an advisory id");
        return;
    };
    let mut notes = Vec::new();
    let mut safe = Vec::new();
    for req in strings(doc.get("patched_versions"))
        .iter()
        .chain(&strings(doc.get("unaffected_versions")))
    {
        match requirement(req, &mut notes) {
            Ok(Some(iv)) => safe.push(iv),
            Ok(None) => {}
            Err(e) => {
                data.warn(&entry.name, e);
                return;
            }
        }
    }
    let (events, unaffected) = affected_events(safe);
    for n in notes {
        tracing::debug!(file = entry.name, "{n}");
    }
    let (ecosystem, name, purl) = if let Some(gem) = text(doc, "gem") {
        let purl = format!("pkg:gem/{gem}");
        (Ecosystem::RubyGems, gem, purl)
    } else if let Some(engine) = text(doc, "engine").or_else(|| engine_dir(&entry.name)) {
        let purl = format!("pkg:generic/{engine}");
        (Ecosystem::Ruby, engine, purl)
    } else {
        data.warn(&entry.name, "neither a gem nor an engine is named");
        return;
    };
    let mut ranges = Vec::new();
    for ev in events {
        match AffectedRange::new(RangeKind::Ecosystem, ecosystem, ev) {
            Ok(r) => ranges.push(r),
            Err(e) => {
                data.warn(&entry.name, format!("{name}: {e}"));
                return;
            }
        }
    }
    let mut aliases = Vec::new();
    if let Some(cve) = text(doc, "cve") {
        aliases.push(format!("CVE-{cve}"));
    }
    if let Some(ghsa) = text(doc, "ghsa") {
        aliases.push(format!("GHSA-{ghsa}"));
    }
    aliases.retain(|a| a != id);
    let date = text(doc, "date").map(|d| format!("{d}T00:00:00Z"));
    let mut references: Vec<String> = text(doc, "url").into_iter().collect();
    references.extend(strings(doc.get("related").and_then(|r| r.get("url"))));
    data.push(Advisory {
        id: id.to_owned(),
        aliases,
        upstream: Vec::new(),
        modified: date.clone(),
        published: date,
        withdrawn: None,
        summary: text(doc, "title"),
        severity: severities(doc),
        affected: vec![AffectedPackage {
            ecosystem,
            release: None,
            purl: Some(purl),
            name,
            ranges,
            versions: Vec::new(),
            unaffected,
            status: None,
            severity: Vec::new(),
        }],
        references,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gaps(reqs: &[&str]) -> Vec<String> {
        let mut notes = Vec::new();
        let safe = reqs
            .iter()
            .filter_map(|r| requirement(r, &mut notes).unwrap())
            .collect();
        let (events, excluded) = affected_events(safe);
        events
            .into_iter()
            .map(|ev| {
                ev.iter()
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .chain(excluded.into_iter().map(|v| format!("not {v}")))
            .collect()
    }

    #[test]
    fn pessimistic_bumps() {
        assert_eq!(bump("2.2.8").unwrap(), "2.3");
        assert_eq!(bump("2.2").unwrap(), "3");
        assert_eq!(bump("2").unwrap(), "3");
        assert_eq!(bump("5.2.4.3").unwrap(), "5.2.5");
        assert_eq!(bump("1.0.0.beta").unwrap(), "1.1");
    }

    #[test]
    fn complements() {
        // rack CVE-2024-26141.
        assert_eq!(
            gaps(&["< 1.3.0", "~> 2.2.8, >= 2.2.8.1", ">= 3.0.9.1"]),
            [
                "introduced 1.3.0, fixed 2.2.8.1",
                "introduced 2.3, fixed 3.0.9.1"
            ]
        );
        assert_eq!(gaps(&[]), ["introduced 0"]);
        assert_eq!(gaps(&[">= 1.2"]), ["introduced 0, fixed 1.2"]);
        assert_eq!(gaps(&["> 1.2"]), ["introduced 0, last_affected 1.2"]);
        assert_eq!(gaps(&["< 1.0"]), ["introduced 1.0"]);
        assert_eq!(gaps(&["<= 1.0"]), ["introduced 1.0", "not 1.0"]);
        assert_eq!(
            gaps(&["= 1.5", ">= 2"]),
            [
                "introduced 0, fixed 1.5",
                "introduced 1.5, fixed 2",
                "not 1.5"
            ]
        );
        // Overlapping safe sets merge; an empty requirement allows nothing.
        assert_eq!(
            gaps(&[">= 1.0, < 3", "~> 2.5", ">= 4", "> 5, < 5"]),
            ["introduced 0, fixed 1.0", "introduced 3, fixed 4"]
        );
        let mut notes = Vec::new();
        assert!(requirement(">= x y", &mut notes).is_err());
    }

    #[test]
    fn ids_from_file_names() {
        assert_eq!(
            id_of("a.zip!gems/rack/CVE-2024-26141.yml"),
            Some("CVE-2024-26141")
        );
        assert_eq!(
            id_of("gems/x/GHSA-aaaa-bbbb-cccc.yml"),
            Some("GHSA-aaaa-bbbb-cccc")
        );
        assert_eq!(id_of("gems/x/README.md"), None);
    }
}
