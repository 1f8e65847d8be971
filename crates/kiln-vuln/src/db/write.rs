//! Writing the database: a copy of the old file (or an empty one) is
//! updated under a temporary name next to it, then renamed over it. A crash
//! or an error at any point leaves the previous file as it was.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, params};

use super::{SCHEMA, SCHEMA_VERSION, check_schema, db_err};
use crate::advisory::{Advisory, AffectedPackage, package_key};
use crate::import::SourceData;
use crate::{Result, VulnError};

/// Knobs for [`import`].
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Drop every source already in the database, keeping only the new ones.
    pub replace_all: bool,
}

fn write_err(path: &Path) -> impl FnOnce(std::io::Error) -> VulnError {
    let path = path.to_owned();
    move |source| VulnError::Write { path, source }
}

/// Adds `sources` to the database at `path` (creating it), replacing what it
/// held of sources with the same names. Atomic: readers see the old file or
/// the new one.
pub fn import(path: &Path, sources: &[SourceData], options: &ImportOptions) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(write_err(dir))?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "db.sqlite".into());
    let tmp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = write_tmp(path, &tmp, sources, options).and_then(|()| {
        File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(write_err(&tmp))?;
        std::fs::rename(&tmp, path).map_err(write_err(path))?;
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn write_tmp(
    path: &Path,
    tmp: &PathBuf,
    sources: &[SourceData],
    options: &ImportOptions,
) -> Result<()> {
    let _ = std::fs::remove_file(tmp);
    let keep_old = !options.replace_all
        && path.exists()
        && Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .ok()
            .is_some_and(|c| check_schema(&c, path).is_ok());
    if keep_old {
        std::fs::copy(path, tmp).map_err(write_err(tmp))?;
    }
    let mut conn = Connection::open(tmp).map_err(db_err(tmp, "creating"))?;
    conn.execute_batch("PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF;")
        .map_err(db_err(tmp, "configuring"))?;
    conn.execute_batch(SCHEMA)
        .map_err(db_err(tmp, "creating the schema"))?;
    let tx = conn
        .transaction()
        .map_err(db_err(tmp, "starting a transaction"))?;
    tx.execute(
        "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema', ?1)",
        [SCHEMA_VERSION.to_string()],
    )
    .map_err(db_err(tmp, "writing the schema version"))?;
    let now = jiff::Timestamp::now().to_string();
    for source in sources {
        replace_source(&tx, tmp, source, &now)?;
    }
    rebuild_groups(&tx, tmp)?;
    tx.commit().map_err(db_err(tmp, "committing"))?;
    conn.execute_batch("PRAGMA journal_mode = DELETE;")
        .map_err(db_err(tmp, "configuring"))?;
    conn.close().map_err(|(_, e)| db_err(tmp, "closing")(e))?;
    Ok(())
}

fn replace_source(
    tx: &rusqlite::Transaction<'_>,
    tmp: &Path,
    source: &SourceData,
    now: &str,
) -> Result<()> {
    for sql in [
        "DELETE FROM affected WHERE rid IN (SELECT rid FROM advisory WHERE source = ?1)",
        "DELETE FROM alias WHERE rid IN (SELECT rid FROM advisory WHERE source = ?1)",
        "DELETE FROM advisory WHERE source = ?1",
        "DELETE FROM source WHERE name = ?1",
        "DELETE FROM fetch WHERE name = ?1",
    ] {
        tx.execute(sql, [&source.name])
            .map_err(db_err(tmp, "removing a source's old records"))?;
    }
    let ins = db_err(tmp, "inserting records");
    let mut adv = tx
        .prepare_cached(
            "INSERT INTO advisory(id, source, modified, body, head) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(db_err(tmp, "inserting records"))?;
    let mut aff = tx
        .prepare_cached(
            "INSERT INTO affected(rid, ecosystem, release, name, packages) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(db_err(tmp, "inserting records"))?;
    let mut ali = tx
        .prepare_cached("INSERT INTO alias(rid, other) VALUES (?1, ?2)")
        .map_err(db_err(tmp, "inserting records"))?;
    let mut errors = Ok(());
    for a in &source.advisories {
        let body = to_json(&a.id, a)?;
        let head = to_json(&a.id, &head(a))?;
        // The affected entries under each lookup key, in the record's order.
        type Key<'a> = (&'a str, &'a str, String);
        let mut under: Vec<(Key<'_>, Vec<&AffectedPackage>)> = Vec::new();
        for p in &a.affected {
            let key = (
                p.ecosystem.name(),
                p.release.as_deref().unwrap_or(""),
                package_key(p.ecosystem, &p.name),
            );
            match under.iter_mut().find(|(k, _)| *k == key) {
                Some((_, packages)) => packages.push(p),
                None => under.push((key, vec![p])),
            }
        }
        let rows = under
            .into_iter()
            .map(|(key, packages)| Ok((key, to_json(&a.id, &packages)?)))
            .collect::<Result<Vec<_>>>()?;
        let step = (|| {
            adv.execute(params![a.id, source.name, a.modified, body, head])?;
            let rid = tx.last_insert_rowid();
            for ((ecosystem, release, name), packages) in &rows {
                aff.execute(params![rid, ecosystem, release, name, packages])?;
            }
            for other in &a.aliases {
                ali.execute(params![rid, other])?;
            }
            Ok::<_, rusqlite::Error>(())
        })();
        if let Err(e) = step {
            errors = Err(e);
            break;
        }
    }
    errors.map_err(ins)?;
    tx.execute(
        "INSERT INTO source(name, records, withdrawn, skipped, newest, imported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            source.name,
            source.advisories.len() as i64,
            source.withdrawn as i64,
            source.skipped as i64,
            source.newest(),
            now
        ],
    )
    .map_err(db_err(tmp, "recording a source"))?;
    if let Some(f) = &source.fetch {
        tx.execute(
            "INSERT INTO fetch(name, url, etag, last_modified, digest, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![source.name, f.url, f.etag, f.last_modified, f.digest, f.fetched_at],
        )
        .map_err(db_err(tmp, "recording a source"))?;
    }
    Ok(())
}

fn to_json<T: serde::Serialize + ?Sized>(id: &str, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| VulnError::Corrupt {
        id: id.to_owned(),
        reason: e.to_string(),
    })
}

/// What a lookup needs of a record besides the affected package it matched: the
/// record without its `affected` list and references.
fn head(a: &Advisory) -> Advisory {
    Advisory {
        id: a.id.clone(),
        aliases: a.aliases.clone(),
        upstream: a.upstream.clone(),
        modified: a.modified.clone(),
        published: a.published.clone(),
        withdrawn: a.withdrawn.clone(),
        summary: a.summary.clone(),
        severity: a.severity.clone(),
        affected: Vec::new(),
        references: Vec::new(),
    }
}

/// Union-find over every `aliases` edge of every record, written to `vuln`.
fn rebuild_groups(tx: &rusqlite::Transaction<'_>, tmp: &Path) -> Result<()> {
    let err = || db_err(tmp, "grouping aliases");
    let edges: Vec<(String, String)> = tx
        .prepare("SELECT a.id, l.other FROM alias l JOIN advisory a ON a.rid = l.rid")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .map_err(err())?;
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut parent: Vec<usize> = Vec::new();
    let mut id_of = |s: &str, parent: &mut Vec<usize>| -> usize {
        *index.entry(s.to_owned()).or_insert_with(|| {
            parent.push(parent.len());
            parent.len() - 1
        })
    };
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for (a, b) in &edges {
        let (ia, ib) = (id_of(a, &mut parent), id_of(b, &mut parent));
        let (ra, rb) = (find(&mut parent, ia), find(&mut parent, ib));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    tx.execute("DELETE FROM vuln", []).map_err(err())?;
    let mut ins = tx
        .prepare("INSERT INTO vuln(id, grp) VALUES (?1, ?2)")
        .map_err(err())?;
    for (id, i) in &index {
        let root = find(&mut parent, *i);
        ins.execute(params![id, root as i64]).map_err(err())?;
    }
    Ok(())
}
