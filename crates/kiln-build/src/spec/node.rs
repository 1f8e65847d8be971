//! A typed view of a YAML node that keeps its position: the spec decoder asks a node for
//! a string, a number, a list or a mapping with known keys, and every mismatch becomes a
//! diagnostic at the node's `line:col`. Scalars are read as written (no YAML 1.1 type
//! guessing): `version: 1.10` stays the text `1.10`.

use std::collections::BTreeMap;

use saphyr::{MarkedYaml, ScalarStyle, YamlData, YamlLoader};

use super::diagnostic::{Collector, Mark};

/// A YAML node and its place.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Node<'a, 'y> {
    y: &'a MarkedYaml<'y>,
}

/// A scalar's text, where it is, and whether it was quoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Text {
    pub value: String,
    pub at: Mark,
}

/// The entries of a mapping whose keys were all known, in file order.
#[derive(Debug)]
pub(crate) struct Map<'a, 'y> {
    entries: Vec<(String, Mark, Node<'a, 'y>)>,
    pub at: Mark,
}

/// Loads the one document of `text`; a syntax error is reported at its place.
pub(crate) fn load<'y>(text: &'y str, c: &mut Collector) -> Option<MarkedYaml<'y>> {
    let mut loader: YamlLoader<'y, MarkedYaml<'y>> = YamlLoader::default();
    loader.early_parse(false);
    let mut parser = saphyr_parser::Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut loader, true) {
        c.report((*e.marker()).into(), "syntax", e.info().to_owned());
        return None;
    }
    if let Some(e) = loader.error() {
        c.report((*e.marker()).into(), "syntax", e.info().to_owned());
        return None;
    }
    let mut docs = loader.into_documents();
    match docs.len() {
        0 => {
            c.report(Mark { line: 1, col: 1 }, "type", "the spec is empty");
            None
        }
        1 => docs.pop(),
        _ => {
            c.report(
                docs[1].span.start.into(),
                "syntax",
                "a spec is one YAML document; found a second",
            );
            None
        }
    }
}

impl<'a, 'y> Node<'a, 'y> {
    pub(crate) fn new(y: &'a MarkedYaml<'y>) -> Node<'a, 'y> {
        Node { y }
    }

    pub(crate) fn mark(&self) -> Mark {
        self.y.span.start.into()
    }

    fn scalar(&self) -> Option<(&'a str, ScalarStyle)> {
        scalar_of(self.y)
    }

    pub(crate) fn is_null(&self) -> bool {
        matches!(self.scalar(), Some((t, ScalarStyle::Plain)) if matches!(t, "" | "~" | "null" | "Null" | "NULL"))
            || matches!(self.y.data, YamlData::Value(saphyr::Scalar::Null))
    }

    fn found(&self) -> &'static str {
        if self.is_null() {
            return "nothing (null)";
        }
        match &self.y.data {
            YamlData::Sequence(_) => "a list",
            YamlData::Mapping(_) => "a mapping",
            YamlData::Representation(..) | YamlData::Value(_) | YamlData::Tagged(..) => "a scalar",
            _ => "an unusable value",
        }
    }

    fn mismatch(&self, c: &mut Collector, want: &str) {
        c.report(
            self.mark(),
            "type",
            format!("expected {want}, found {}", self.found()),
        );
    }

    /// A scalar's text, exactly as written (quotes removed).
    pub(crate) fn text(&self, c: &mut Collector) -> Option<Text> {
        match self.scalar() {
            Some(_) if self.is_null() => {
                self.mismatch(c, "a string");
                None
            }
            Some((t, _)) => Some(Text {
                value: t.to_owned(),
                at: self.mark(),
            }),
            None => {
                self.mismatch(c, "a string");
                None
            }
        }
    }

    /// A non-negative integer written in decimal.
    pub(crate) fn number(&self, c: &mut Collector, what: &str, max: u64) -> Option<u64> {
        let (text, style) = match self.scalar() {
            Some(s) if !self.is_null() => s,
            _ => {
                self.mismatch(c, "a number");
                return None;
            }
        };
        match text.parse::<u64>() {
            Ok(n) if n <= max && style == ScalarStyle::Plain => Some(n),
            Ok(_) if style != ScalarStyle::Plain => {
                c.report(
                    self.mark(),
                    "type",
                    format!("{what} must be a number, not a quoted string"),
                );
                None
            }
            _ => {
                c.report(
                    self.mark(),
                    "invalid-value",
                    format!("{what} {text:?} is not a whole number from 0 to {max}"),
                );
                None
            }
        }
    }

    /// The items of a list.
    pub(crate) fn list(&self, c: &mut Collector) -> Option<Vec<Node<'a, 'y>>> {
        match &self.y.data {
            YamlData::Sequence(items) => Some(items.iter().map(Node::new).collect()),
            _ => {
                self.mismatch(c, "a list");
                None
            }
        }
    }

    /// A list of strings; a single string is taken as a list of one.
    pub(crate) fn texts(&self, c: &mut Collector) -> Option<Vec<Text>> {
        if self.scalar().is_some() && !self.is_null() {
            return self.text(c).map(|t| vec![t]);
        }
        let YamlData::Sequence(_) = &self.y.data else {
            self.mismatch(c, "a string or a list of strings");
            return None;
        };
        let items = self.list(c)?;
        let all: Vec<Option<Text>> = items.iter().map(|n| n.text(c)).collect();
        all.into_iter().collect()
    }

    /// A mapping whose keys are all in `known`; unknown keys are reported, not kept.
    pub(crate) fn map(&self, c: &mut Collector, known: &[&str]) -> Option<Map<'a, 'y>> {
        let YamlData::Mapping(entries) = &self.y.data else {
            self.mismatch(c, "a mapping");
            return None;
        };
        let mut out = Vec::new();
        for (k, v) in entries {
            let key = Node::new(k);
            let Some(name) = key.text(c) else { continue };
            if !known.is_empty() && !known.contains(&name.value.as_str()) {
                c.report(
                    name.at,
                    "unknown-key",
                    format!(
                        "unknown key {:?} (expected one of: {})",
                        name.value,
                        known.join(", ")
                    ),
                );
                continue;
            }
            out.push((name.value, name.at, Node::new(v)));
        }
        Some(Map {
            entries: out,
            at: self.mark(),
        })
    }

    /// A mapping of strings to strings (env, labels, annotations), sorted by key.
    pub(crate) fn string_map(&self, c: &mut Collector) -> Option<BTreeMap<String, String>> {
        let map = self.map(c, &[])?;
        let mut out = BTreeMap::new();
        for (k, _, v) in map.entries {
            if let Some(t) = v.text(c) {
                out.insert(k, t.value);
            }
        }
        Some(out)
    }
}

fn scalar_of<'a>(y: &'a MarkedYaml<'_>) -> Option<(&'a str, ScalarStyle)> {
    match &y.data {
        YamlData::Representation(text, style, _) => Some((text.as_ref(), *style)),
        YamlData::Tagged(_, inner) => scalar_of(inner),
        _ => None,
    }
}

impl<'a, 'y> Map<'a, 'y> {
    pub(crate) fn get(&self, key: &str) -> Option<Node<'a, 'y>> {
        self.entries
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, _, n)| *n)
    }

    /// The key's own place, for errors about the key as a whole.
    pub(crate) fn key_mark(&self, key: &str) -> Mark {
        self.entries
            .iter()
            .find(|(k, _, _)| k == key)
            .map_or(self.at, |(_, m, _)| *m)
    }

    /// Reports a missing required key at the mapping.
    pub(crate) fn require(&self, c: &mut Collector, key: &str) -> Option<Node<'a, 'y>> {
        let found = self.get(key);
        if found.is_none() {
            c.report(
                self.at,
                "missing-key",
                format!("missing required key {key:?}"),
            );
        }
        found
    }
}
