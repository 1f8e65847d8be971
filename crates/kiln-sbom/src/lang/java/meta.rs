//! The metadata files inside Java archives: `MANIFEST.MF`, `pom.properties`, `pom.xml`,
//! and the name and version in an archive's file name.

use std::collections::HashMap;

/// Maven coordinates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coordinates {
    pub group: String,
    pub artifact: String,
    pub version: String,
}

/// The main section of a `META-INF/MANIFEST.MF` (continuation lines start with a space).
pub fn manifest(text: &str) -> HashMap<String, String> {
    let mut out: HashMap<String, String> = HashMap::new();
    let mut last: Option<String> = None;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            break;
        }
        if let Some(more) = line.strip_prefix(' ') {
            if let Some(v) = last.as_ref().and_then(|k| out.get_mut(k)) {
                v.push_str(more);
            }
        } else if let Some((k, v)) = line.split_once(':') {
            out.insert(k.trim().to_owned(), v.trim().to_owned());
            last = Some(k.trim().to_owned());
        }
    }
    out
}

/// `groupId`, `artifactId` and `version` of a `pom.properties`.
pub fn pom_properties(text: &str) -> Option<Coordinates> {
    let mut c = Coordinates::default();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        let Some((k, v)) = line.split_once(['=', ':']) else {
            continue;
        };
        let v = v.trim().to_owned();
        match k.trim() {
            "groupId" => c.group = v,
            "artifactId" => c.artifact = v,
            "version" => c.version = v,
            _ => {}
        }
    }
    (!c.artifact.is_empty() && !c.version.is_empty()).then_some(c)
}

/// The project's own coordinates in a `pom.xml` (the parent's group and version when the
/// project does not set its own); `None` with unresolved `${…}` properties.
pub fn pom_xml(text: &str) -> Option<Coordinates> {
    let mut stack: Vec<&str> = Vec::new();
    let mut c = Coordinates::default();
    let mut parent = Coordinates::default();
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        if after.starts_with("!--") {
            rest = after.find("-->").map_or("", |e| &after[e + 3..]);
            continue;
        }
        let close = after.find('>')?;
        let tag = &after[..close];
        rest = &after[close + 1..];
        if tag.starts_with('?') || tag.starts_with('!') || tag.ends_with('/') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            if stack.last() == Some(&name.trim()) {
                stack.pop();
            }
            continue;
        }
        let name = tag.split_whitespace().next().unwrap_or_default();
        stack.push(name);
        if stack.len() > 64 {
            return None;
        }
        let text_end = rest.find('<').unwrap_or(rest.len());
        let value = rest[..text_end].trim().to_owned();
        let target = match stack.as_slice() {
            ["project", _] => &mut c,
            ["project", "parent", _] => &mut parent,
            _ => continue,
        };
        match name {
            "groupId" => target.group = value,
            "artifactId" => target.artifact = value,
            "version" => target.version = value,
            _ => {}
        }
    }
    if c.group.is_empty() {
        c.group = parent.group;
    }
    if c.version.is_empty() {
        c.version = parent.version;
    }
    let unresolved = |s: &str| s.is_empty() || s.contains("${");
    (!unresolved(&c.artifact) && !unresolved(&c.version)).then_some(c)
}

/// `commons-lang3-3.12.0.jar` → (`commons-lang3`, `3.12.0`); without a version part,
/// the stem and an empty version.
pub fn file_name_parts(name: &str) -> (&str, &str) {
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let bytes = stem.as_bytes();
    for (i, w) in bytes.windows(2).enumerate() {
        if w[0] == b'-' && w[1].is_ascii_digit() {
            return (&stem[..i], &stem[i + 1..]);
        }
    }
    (stem, "")
}
