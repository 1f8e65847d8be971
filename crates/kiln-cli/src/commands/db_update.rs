//! `kiln db update`: fetch the configured advisory sources over HTTP(S) and
//! import what changed, atomically.
//!
//! Sources come from the sources file (`--config`, else
//! `$XDG_CONFIG_HOME/kiln/sources.yaml` when it exists) and `--source
//! NAME=URL`; `--digest NAME=sha256:HEX` pins a body. Every source is fetched
//! before anything is imported: one failure (an unreachable server, an HTTP
//! error, a digest mismatch, a body kiln cannot read) imports nothing and
//! leaves the database as it was.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use kiln_vuln::update::{self, FetchOptions, Fetched, Remote};
use kiln_vuln::{Database, VulnError, db};

use crate::cli::GlobalArgs;
use crate::output::{self, plural};

#[derive(Debug, clap::Args)]
pub struct DbUpdateArgs {
    /// Update only these sources (default: every configured one).
    pub names: Vec<String>,
    /// The sources file (default: $XDG_CONFIG_HOME/kiln/sources.yaml when it exists).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A source to fetch, NAME=URL (an OSV all.zip, the Debian tracker JSON, …); repeatable;
    /// replaces a configured source of the same name.
    #[arg(long = "source", value_name = "NAME=URL")]
    pub sources: Vec<String>,
    /// The digest a source's body must have, NAME=sha256:HEX; repeatable.
    #[arg(long = "digest", value_name = "NAME=sha256:HEX")]
    pub digests: Vec<String>,
    /// Fetch unconditionally (no ETag / Last-Modified) and import even unchanged data.
    #[arg(long)]
    pub force: bool,
}

fn split<'a>(flag: &str, value: &'a str) -> Result<(&'a str, &'a str)> {
    value
        .split_once('=')
        .filter(|(n, v)| !n.is_empty() && !v.is_empty())
        .with_context(|| format!("{flag} {value:?}: expected NAME=VALUE"))
}

/// The sources to update, from the file and the flags.
fn remotes(args: &DbUpdateArgs) -> Result<Vec<Remote>> {
    let file = match &args.config {
        Some(p) => Some(p.clone()),
        None => update::default_config_path().filter(|p| p.is_file()),
    };
    let mut remotes = match &file {
        Some(path) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            update::read_config(path, &bytes)?
        }
        None => Vec::new(),
    };
    for s in &args.sources {
        let (name, url) = split("--source", s)?;
        let r = Remote::new(name, url, None)?;
        remotes.retain(|o| o.name() != name);
        remotes.push(r);
    }
    for d in &args.digests {
        let (name, digest) = split("--digest", d)?;
        let Some(at) = remotes.iter().position(|r| r.name() == name) else {
            bail!("--digest {d:?}: no source is named {name:?}");
        };
        let r = remotes.remove(at).with_sha256(digest)?;
        remotes.insert(at, r);
    }
    if !args.names.is_empty() {
        for n in &args.names {
            if !remotes.iter().any(|r| r.name() == n) {
                bail!("no source is named {n:?}");
            }
        }
        remotes.retain(|r| args.names.iter().any(|n| n == r.name()));
    }
    if remotes.is_empty() {
        let hint = file.map_or_else(
            || "write a sources file or pass --source NAME=URL".to_owned(),
            |f| format!("{} lists none; pass --source NAME=URL", f.display()),
        );
        bail!("no advisory sources to update: {hint}");
    }
    Ok(remotes)
}

pub fn run(path: &Path, args: DbUpdateArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let remotes = remotes(&args)?;
    // What the database holds now; a missing or outdated one is fetched in full.
    let current = match Database::open(path) {
        Ok(db) => Some(db),
        Err(VulnError::Missing { .. } | VulnError::Schema { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let options = FetchOptions { force: args.force };
    let mut changed = Vec::new();
    let mut lines = Vec::new();
    for remote in &remotes {
        let previous = match &current {
            Some(db) => db.fetch_state(remote.name())?,
            None => None,
        };
        match update::fetch(remote, previous.as_ref(), options)? {
            Fetched::NotModified => {
                lines.push(format!("{}: not modified", remote.name()));
            }
            Fetched::Unchanged(state) => {
                lines.push(format!("{}: unchanged ({})", remote.name(), state.digest));
            }
            Fetched::Changed(data) => {
                let digest = data.fetch.as_ref().map_or("", |f| f.digest.as_str());
                lines.push(format!(
                    "{}: {}, {} withdrawn, {} skipped ({digest})",
                    remote.name(),
                    plural(data.advisories.len(), "record"),
                    data.withdrawn,
                    data.skipped
                ));
                changed.push(*data);
            }
        }
    }
    drop(current);
    if !changed.is_empty() {
        db::import(path, &changed, &db::ImportOptions::default())?;
    }
    for s in &changed {
        for w in &s.warnings {
            output::status(global.quiet, &format!("warning: {}: {w}", s.name));
        }
    }
    for l in &lines {
        output::status(global.quiet, l);
    }
    output::status(
        global.quiet,
        &format!(
            "updated {} of {} in {} in {:.2} s",
            changed.len(),
            plural(remotes.len(), "source"),
            path.display(),
            started.elapsed().as_secs_f64()
        ),
    );
    Ok(ExitCode::SUCCESS)
}
