//! `kiln db import|status|query`: the local advisory database (`update` is in
//! `db_update`).

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use kiln_version::Ecosystem;
use kiln_vuln::db::{self, ImportOptions};
use kiln_vuln::{Database, PackageQuery, SourcePackage, import};
use serde::Serialize;

use crate::cli::{DbArgs, DbCommand, DbFormat, DbImportArgs, DbQueryArgs, GlobalArgs};
use crate::output::{self, columns, plural};

pub fn run(args: DbArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let path = match args.db {
        Some(p) => p,
        None => db::default_path()
            .context("no cache directory: set $XDG_CACHE_HOME or $HOME, or pass --db")?,
    };
    match args.command {
        DbCommand::Import(a) => import_cmd(&path, a, global),
        DbCommand::Status { format } => status(&path, format),
        DbCommand::Query(a) => query(&path, a),
        DbCommand::Update(a) => super::db_update::run(&path, a, global),
    }
}

fn import_cmd(path: &std::path::Path, args: DbImportArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let started = Instant::now();
    // Read every input first: a bad one stops the import before the database is touched.
    let mut sources = Vec::new();
    for input in &args.paths {
        let source = import::read_source(input)?;
        sources.push(source);
    }
    let read = started.elapsed();
    db::import(
        path,
        &sources,
        &ImportOptions {
            replace_all: args.replace,
        },
    )?;
    let total: usize = sources.iter().map(|s| s.advisories.len()).sum();
    for s in &sources {
        for w in &s.warnings {
            output::status(global.quiet, &format!("warning: {}: {w}", s.name));
        }
        output::status(
            global.quiet,
            &format!(
                "{}: {}, {} withdrawn, {} skipped",
                s.name,
                plural(s.advisories.len(), "record"),
                s.withdrawn,
                s.skipped
            ),
        );
    }
    let secs = started.elapsed().as_secs_f64();
    output::status(
        global.quiet,
        &format!(
            "imported {} into {} in {secs:.2} s ({:.0} records/s; reading {:.2} s)",
            plural(total, "record"),
            path.display(),
            total as f64 / secs.max(1e-9),
            read.as_secs_f64()
        ),
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Serialize)]
struct StatusView {
    path: String,
    records: u64,
    sources: Vec<SourceView>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SourceView {
    #[serde(flatten)]
    info: kiln_vuln::SourceInfo,
    age_seconds: Option<i64>,
}

fn age(imported_at: &str) -> Option<i64> {
    let t: jiff::Timestamp = imported_at.parse().ok()?;
    Some(jiff::Timestamp::now().as_second() - t.as_second())
}

fn human_age(seconds: i64) -> String {
    match seconds {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86_400),
    }
}

fn status(path: &std::path::Path, format: DbFormat) -> Result<ExitCode> {
    let db = Database::open(path)?;
    let sources = db.sources()?;
    let view = StatusView {
        path: path.display().to_string(),
        records: sources.iter().map(|s| s.records).sum(),
        sources: sources
            .into_iter()
            .map(|info| SourceView {
                age_seconds: age(&info.imported_at),
                info,
            })
            .collect(),
    };
    match format {
        DbFormat::Json => output::json(&view)?,
        DbFormat::Table => {
            let rows: Vec<Vec<String>> = view
                .sources
                .iter()
                .map(|s| {
                    vec![
                        s.info.name.clone(),
                        s.info.records.to_string(),
                        s.info.withdrawn.to_string(),
                        s.info.skipped.to_string(),
                        s.info.newest.clone().unwrap_or_else(|| "-".into()),
                        s.age_seconds.map(human_age).unwrap_or_else(|| "-".into()),
                    ]
                })
                .collect();
            let mut text = format!(
                "{}: {}\n",
                view.path,
                plural(view.records as usize, "record")
            );
            text.push_str(&columns(
                &[
                    "SOURCE",
                    "RECORDS",
                    "WITHDRAWN",
                    "SKIPPED",
                    "NEWEST",
                    "IMPORTED",
                ],
                &rows,
            ));
            let fetched: Vec<Vec<String>> = view
                .sources
                .iter()
                .filter_map(|s| {
                    let f = s.info.fetch.as_ref()?;
                    Some(vec![
                        s.info.name.clone(),
                        f.url.clone(),
                        f.etag.clone().unwrap_or_else(|| "-".into()),
                        f.last_modified.clone().unwrap_or_else(|| "-".into()),
                        f.digest.clone(),
                        f.fetched_at.clone(),
                    ])
                })
                .collect();
            if !fetched.is_empty() {
                text.push('\n');
                text.push_str(&columns(
                    &[
                        "SOURCE",
                        "URL",
                        "ETAG",
                        "LAST-MODIFIED",
                        "DIGEST",
                        "FETCHED",
                    ],
                    &fetched,
                ));
            }
            output::stdout(text.as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn query(path: &std::path::Path, args: DbQueryArgs) -> Result<ExitCode> {
    let (ecosystem, suffix) = Ecosystem::parse_with_release(&args.ecosystem)
        .with_context(|| format!("--ecosystem {}", args.ecosystem))?;
    let release = args.release.as_deref().or(suffix);
    let source = match (&args.source, &args.source_version) {
        (Some(name), Some(version)) => Some(SourcePackage { name, version }),
        (Some(name), None) => Some(SourcePackage {
            name,
            version: &args.version,
        }),
        (None, Some(_)) => bail!("--source-version needs --source"),
        (None, None) => None,
    };
    let db = Database::open(path)?;
    let matches = db.query(&PackageQuery {
        ecosystem,
        release,
        name: &args.name,
        version: &args.version,
        source,
    })?;
    match args.format {
        DbFormat::Json => output::json(&matches)?,
        DbFormat::Table => {
            let mut text = String::new();
            for m in &matches {
                let sev = m
                    .severity
                    .as_ref()
                    .and_then(|s| s.rating)
                    .map(|r| r.to_string());
                let _ = writeln!(
                    text,
                    "{} {} {}: {} [{}] fixed: {}{}",
                    m.ecosystem,
                    m.package,
                    m.installed,
                    m.id,
                    sev.unwrap_or_else(|| "unrated".into()),
                    m.fixed.as_deref().unwrap_or("none"),
                    m.status
                        .as_ref()
                        .map(|s| format!(" status: {}", s.status))
                        .unwrap_or_default()
                );
                if !m.aliases.is_empty() {
                    let _ = writeln!(text, "  aliases: {}", m.aliases.join(", "));
                }
                for e in &m.evidence {
                    let why = match &e.reason {
                        kiln_vuln::Reason::Listed => "listed version".to_owned(),
                        kiln_vuln::Reason::Range(r) => r.clone(),
                    };
                    let _ = writeln!(text, "  {} ({}): {why}", e.record, e.source);
                }
            }
            output::stdout(text.as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
