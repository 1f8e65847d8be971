//! Reading advisory sources: files, directories and zip archives (flat or
//! nested) of OSV JSON/YAML, Debian security tracker JSON and DSA/DLA lists,
//! Alpine secdb and rubysec.
//!
//! Each input path is one *source*, named after its file name (`Go.zip`,
//! `DSA.list`). A record that does not parse is skipped with a warning that
//! names its file; withdrawn records are counted and dropped.

mod alpine;
mod debian_list;
mod debian_tracker;
mod entries;
mod rubysec;

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use crate::advisory::Advisory;
use crate::raw::RawOsv;
use crate::{Result, VulnError};

pub use entries::Entry;

/// One source read into memory.
#[derive(Debug, Default)]
pub struct SourceData {
    /// The source's name (the input's file name).
    pub name: String,
    /// Its records, withdrawn ones excluded, one per id.
    pub advisories: Vec<Advisory>,
    /// How many withdrawn records were dropped.
    pub withdrawn: usize,
    /// How many files or records were skipped as malformed.
    pub skipped: usize,
    /// Files that are not advisory data (READMEs, licences) and were ignored.
    pub ignored: usize,
    /// One line per skipped record or dropped part, naming its file.
    pub warnings: Vec<String>,
    /// How it was fetched, for sources `kiln db update` fetched.
    pub fetch: Option<crate::update::FetchState>,
    index: HashMap<String, usize>,
}

impl SourceData {
    fn new(name: String) -> Self {
        Self {
            name,
            ..Self::default()
        }
    }

    /// Adds a record; a second record with the same id is merged into the first.
    fn push(&mut self, advisory: Advisory) {
        if advisory.withdrawn.is_some() {
            self.withdrawn += 1;
            return;
        }
        match self.index.get(&advisory.id) {
            Some(&i) => {
                let into = &mut self.advisories[i];
                for a in advisory.aliases {
                    if !into.aliases.contains(&a) {
                        into.aliases.push(a);
                    }
                }
                for u in advisory.upstream {
                    if !into.upstream.contains(&u) {
                        into.upstream.push(u);
                    }
                }
                into.affected.extend(advisory.affected);
                if advisory.modified > into.modified {
                    into.modified = advisory.modified;
                }
            }
            None => {
                self.index
                    .insert(advisory.id.clone(), self.advisories.len());
                self.advisories.push(advisory);
            }
        }
    }

    fn warn(&mut self, entry: &str, what: impl std::fmt::Display) {
        self.skipped += 1;
        self.warnings.push(format!("skipped {entry}: {what}"));
    }

    /// The newest `modified` time among the records.
    pub fn newest(&self) -> Option<&str> {
        self.advisories
            .iter()
            .filter_map(|a| a.modified.as_deref())
            .max()
    }
}

/// Reads one input path (file, directory or zip) as one source.
///
/// Errors only when the path is unusable: missing, unreadable, a broken zip,
/// or holding no advisory data at all.
pub fn read_source(path: &Path) -> Result<SourceData> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let mut data = SourceData::new(name);
    let mut recognised = 0usize;
    entries::walk(path, &mut |entry| {
        if read_entry(&entry, &mut data) {
            recognised += 1;
        } else {
            data.ignored += 1;
        }
    })?;
    if recognised == 0 {
        return Err(VulnError::NoRecords {
            path: path.to_owned(),
        });
    }
    tracing::debug!(
        source = data.name,
        records = data.advisories.len(),
        skipped = data.skipped,
        "read advisory source"
    );
    Ok(data)
}

/// `DSA.list`, `DLA.list`, the tracker's own `data/DSA/list`, `data/DLA/list`.
/// Reads one in-memory file named `name` as a source of its own (for tests
/// and fuzzing; `read_source` is the entry point for paths).
pub fn read_bytes(name: &str, bytes: Vec<u8>) -> SourceData {
    let mut data = SourceData::new(name.to_owned());
    let entry = Entry {
        name: name.to_owned(),
        bytes,
    };
    if !read_entry(&entry, &mut data) {
        data.ignored += 1;
    }
    data
}

fn is_debian_list(name: &str) -> bool {
    let mut parts = name.rsplit(['/', '!', '\\']);
    let base = parts.next().unwrap_or(name);
    let parent = parts.next().unwrap_or("");
    base.ends_with(".list")
        || (base == "list" && matches!(parent, "DSA" | "DLA" | "DTSA"))
        || matches!(base, "DSA" | "DLA")
}

/// Reads one file; `false` if it is not advisory data at all.
fn read_entry(entry: &Entry, data: &mut SourceData) -> bool {
    let lower = entry.name.to_ascii_lowercase();
    if lower.ends_with(".json") {
        // Most files are OSV records: read them straight into the raw type.
        match serde_json::from_slice::<RawOsv>(&entry.bytes) {
            Ok(raw) => {
                add_osv(entry, raw, data);
                true
            }
            Err(osv_err) => match serde_json::from_slice::<Value>(&entry.bytes) {
                Ok(value) => dispatch(entry, value, Some(osv_err.to_string()), data),
                Err(e) => {
                    data.warn(&entry.name, format!("not JSON: {e}"));
                    true
                }
            },
        }
    } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        match serde_yaml_ng::from_slice::<Value>(&entry.bytes) {
            Ok(value) => dispatch(entry, value, None, data),
            Err(e) => {
                data.warn(&entry.name, format!("not YAML: {e}"));
                true
            }
        }
    } else if is_debian_list(&entry.name) {
        debian_list::read(entry, data);
        true
    } else {
        false
    }
}

/// Routes a parsed JSON/YAML document to the importer of its shape.
fn dispatch(entry: &Entry, value: Value, osv_err: Option<String>, data: &mut SourceData) -> bool {
    let Some(obj) = value.as_object() else {
        data.warn(&entry.name, "not a JSON/YAML object");
        return true;
    };
    if obj.contains_key("distroversion") && obj.contains_key("packages") {
        alpine::read(entry, &value, data);
        true
    } else if obj.contains_key("id") {
        match osv_err {
            Some(e) => data.warn(&entry.name, format!("not an OSV record: {e}")),
            None => match serde_json::from_value::<RawOsv>(value) {
                Ok(raw) => add_osv(entry, raw, data),
                Err(e) => data.warn(&entry.name, format!("not an OSV record: {e}")),
            },
        }
        true
    } else if rubysec::looks_like(obj) {
        rubysec::read(entry, &value, data);
        true
    } else if debian_tracker::looks_like(obj) {
        debian_tracker::read(entry, &value, data);
        true
    } else {
        false
    }
}

fn add_osv(entry: &Entry, raw: RawOsv, data: &mut SourceData) {
    match Advisory::from_osv(raw) {
        Ok(parsed) => {
            for note in parsed.notes {
                tracing::debug!(file = entry.name, "{note}");
            }
            data.push(parsed.advisory);
        }
        Err(e) => data.warn(&entry.name, e),
    }
}
