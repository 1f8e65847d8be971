//! The advisory database: one SQLite file, indexed by (ecosystem, release,
//! package name), read without loading it whole.
//!
//! Records are stored as JSON bodies of the checked [`Advisory`] type and
//! read back through the same checks. `aliases` edges are resolved into
//! vulnerability groups at import (OSV aliases are symmetric and
//! transitive); `upstream` links join records only per query (see
//! [`crate::matcher`]). Writing is in [`write`]: always a new file renamed
//! over the old one.

mod write;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::Serialize;

use crate::advisory::Advisory;
use crate::update::FetchState;
use crate::{Result, VulnError};

pub use write::{ImportOptions, import};

/// The schema this build reads and writes (2: Ubuntu releases stored without `:LTS`;
/// 3: each record's head and each affected package stored apart from the body, so a
/// lookup decodes only what it matches against).
pub const SCHEMA_VERSION: u32 = 3;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS source(
    name TEXT PRIMARY KEY, records INTEGER NOT NULL, withdrawn INTEGER NOT NULL,
    skipped INTEGER NOT NULL, newest TEXT, imported_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS advisory(
    rid INTEGER PRIMARY KEY, id TEXT NOT NULL, source TEXT NOT NULL, modified TEXT,
    body TEXT NOT NULL, head TEXT NOT NULL, UNIQUE(source, id));
CREATE TABLE IF NOT EXISTS affected(
    rid INTEGER NOT NULL, ecosystem TEXT NOT NULL, release TEXT NOT NULL, name TEXT NOT NULL,
    packages TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS affected_key ON affected(ecosystem, release, name);
CREATE INDEX IF NOT EXISTS affected_rid ON affected(rid);
CREATE TABLE IF NOT EXISTS alias(rid INTEGER NOT NULL, other TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS alias_rid ON alias(rid);
CREATE TABLE IF NOT EXISTS vuln(id TEXT PRIMARY KEY, grp INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fetch(
    name TEXT PRIMARY KEY, url TEXT NOT NULL, etag TEXT, last_modified TEXT,
    digest TEXT NOT NULL, fetched_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS vuln_grp ON vuln(grp);
";

/// The database file kiln uses when none is given: `$XDG_CACHE_HOME/kiln/db.sqlite`,
/// else `~/.cache/kiln/db.sqlite`.
pub fn default_path() -> Option<PathBuf> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(cache.join("kiln").join("db.sqlite"))
}

/// What the database holds of one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceInfo {
    /// The source's name (its input's file name).
    pub name: String,
    /// Records stored.
    pub records: u64,
    /// Withdrawn records left out.
    pub withdrawn: u64,
    /// Malformed records skipped.
    pub skipped: u64,
    /// The newest record's `modified` time, if the source dates its records.
    pub newest: Option<String>,
    /// When it was imported (RFC 3339).
    pub imported_at: String,
    /// How `kiln db update` fetched it, for fetched sources.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetch: Option<FetchState>,
}

/// An open, read-only advisory database.
#[derive(Debug)]
pub struct Database {
    path: PathBuf,
    pub(crate) conn: Connection,
}

pub(crate) fn db_err(path: &Path, what: &'static str) -> impl FnOnce(rusqlite::Error) -> VulnError {
    let path = path.to_owned();
    move |source| VulnError::Database { path, what, source }
}

pub(crate) fn check_schema(conn: &Connection, path: &Path) -> Result<()> {
    let found: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(db_err(path, "reading the schema version"))?;
    match found {
        Some(v) if v == SCHEMA_VERSION.to_string() => Ok(()),
        other => Err(VulnError::Schema {
            path: path.to_owned(),
            found: other.unwrap_or_else(|| "none".into()),
            expected: SCHEMA_VERSION,
        }),
    }
}

impl Database {
    /// Opens the database at `path` read-only.
    pub fn open(path: &Path) -> Result<Self> {
        if !path.exists() {
            return Err(VulnError::Missing {
                path: path.to_owned(),
            });
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(db_err(path, "opening"))?;
        check_schema(&conn, path)?;
        // Pages are read through a memory map rather than a read call each.
        conn.execute_batch("PRAGMA mmap_size = 1073741824;")
            .map_err(db_err(path, "opening"))?;
        Ok(Self {
            path: path.to_owned(),
            conn,
        })
    }

    /// Runs `f` inside one read transaction: every query it makes sees the same
    /// snapshot and the file is locked once, not once per query.
    pub fn snapshot<T>(&self, f: impl FnOnce(&Self) -> Result<T>) -> Result<T> {
        self.conn
            .execute_batch("BEGIN")
            .map_err(db_err(&self.path, "reading"))?;
        let out = f(self);
        // A read transaction has nothing to keep: ending it cannot lose anything.
        let end = self
            .conn
            .execute_batch("COMMIT")
            .map_err(db_err(&self.path, "reading"));
        let value = out?;
        end?;
        Ok(value)
    }

    /// The file this database lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every source, by name.
    pub fn sources(&self) -> Result<Vec<SourceInfo>> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, records, withdrawn, skipped, newest, imported_at FROM source ORDER BY name")
            .map_err(db_err(&self.path, "reading sources"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(SourceInfo {
                    name: r.get(0)?,
                    records: r.get(1)?,
                    withdrawn: r.get(2)?,
                    skipped: r.get(3)?,
                    newest: r.get(4)?,
                    imported_at: r.get(5)?,
                    fetch: None,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(db_err(&self.path, "reading sources"))?;
        let mut rows = rows;
        for row in &mut rows {
            row.fetch = self.fetch_state(&row.name)?;
        }
        Ok(rows)
    }

    /// What the last `kiln db update` of source `name` fetched, if it was fetched.
    /// Databases written before fetching existed have no such table: `None`.
    pub fn fetch_state(&self, name: &str) -> Result<Option<FetchState>> {
        let err = db_err(&self.path, "reading fetch state");
        let has_table: bool = self
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'fetch'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .map_err(db_err(&self.path, "reading fetch state"))?;
        if !has_table {
            return Ok(None);
        }
        self.conn
            .query_row(
                "SELECT url, etag, last_modified, digest, fetched_at FROM fetch WHERE name = ?1",
                [name],
                |r| {
                    Ok(FetchState {
                        url: r.get(0)?,
                        etag: r.get(1)?,
                        last_modified: r.get(2)?,
                        digest: r.get(3)?,
                        fetched_at: r.get(4)?,
                    })
                },
            )
            .optional()
            .map_err(err)
    }

    /// The records with this id, from every source, as `(source, record)`.
    pub fn advisory(&self, id: &str) -> Result<Vec<(String, Advisory)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT source, body FROM advisory WHERE id = ?1 ORDER BY source")
            .map_err(db_err(&self.path, "reading a record"))?;
        let rows: Vec<(String, String)> = stmt
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect())
            .map_err(db_err(&self.path, "reading a record"))?;
        rows.into_iter()
            .map(|(source, body)| Ok((source, decode(id, &body)?)))
            .collect()
    }

    /// The ids `aliases` make one vulnerability with `id` (itself included).
    pub fn alias_group(&self, id: &str) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id FROM vuln WHERE grp = (SELECT grp FROM vuln WHERE id = ?1) ORDER BY id",
            )
            .map_err(db_err(&self.path, "reading aliases"))?;
        let mut ids: Vec<String> = stmt
            .query_map([id], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .map_err(db_err(&self.path, "reading aliases"))?;
        if ids.is_empty() {
            ids.push(id.to_owned());
        }
        Ok(ids)
    }
}

/// Decodes a JSON column of record `id`: its body or head (an [`Advisory`]), or the
/// affected packages stored under one lookup key.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(id: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| VulnError::Corrupt {
        id: id.to_owned(),
        reason: e.to_string(),
    })
}
