//! `kiln assess REPO_DIR`: measures a repository checkout against the CNCF Software
//! Supply Chain Best Practices (see `kiln_assess`), as text, JSON, SARIF 2.1.0, Markdown
//! or a standalone HTML page. The compromise catalog comes from `--catalog` or
//! `KILN_CATALOG`; the advisory database for the known-vulnerabilities check from `--db`.
//!
//! Exit codes: 0 (also with findings, unless `--fail-on`), 1 a finding at or above
//! `--fail-on`, 2 errors.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::ValueEnum;
use kiln_assess::check::Level;
use kiln_assess::{Catalog, Options, render};
use kiln_vuln::Database;

use crate::cli::GlobalArgs;
use crate::output;
use crate::report::GateFailed;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AssessFormat {
    Text,
    Json,
    Sarif,
    Markdown,
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailLevel {
    Error,
    Warning,
    Note,
}

#[derive(Debug, clap::Args)]
pub struct AssessArgs {
    /// The repository checkout (a git work tree, or any directory).
    pub repo_dir: PathBuf,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "text")]
    pub format: AssessFormat,
    /// Write the report to this file (atomically) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The CNCF compromise catalog (JSON), for the incidents behind each finding.
    #[arg(long, env = "KILN_CATALOG", value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// The advisory database for the known-vulnerabilities check (without it the
    /// check reports "not checked").
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Exit 1 when a failed check is at or above this level.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailLevel>,
}

pub fn run(args: AssessArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let catalog = args
        .catalog
        .as_deref()
        .map(Catalog::load)
        .transpose()
        .context("--catalog")?;
    let db = match &args.db {
        Some(path) => {
            if !path.is_file() {
                anyhow::bail!("--db {}: no such advisory database", path.display());
            }
            Some(Database::open(path).with_context(|| format!("--db {}", path.display()))?)
        }
        None => None,
    };
    let options = Options {
        db: db.as_ref(),
        catalog: catalog.as_ref(),
    };
    let assessment = kiln_assess::assess(&args.repo_dir, &options)?;
    let pretty = |v: &serde_json::Value| -> Result<Vec<u8>> {
        let mut b = serde_json::to_vec_pretty(v).context("encoding JSON")?;
        b.push(b'\n');
        Ok(b)
    };
    let bytes = match args.format {
        AssessFormat::Text => render::text(&assessment).into_bytes(),
        AssessFormat::Json => pretty(&render::json(&assessment))?,
        AssessFormat::Sarif => pretty(&render::sarif(&assessment))?,
        AssessFormat::Markdown => render::markdown(&assessment).into_bytes(),
        AssessFormat::Html => render::html(&assessment).into_bytes(),
    };
    match &args.output {
        Some(path) => super::scan::write_atomically(path, &bytes)?,
        None => output::stdout(&bytes)?,
    }
    let failed = assessment.failed().count();
    if args.output.is_some() || args.format != AssessFormat::Text {
        output::status(
            global.quiet,
            &format!(
                "{failed} of {} checks failed, {} findings",
                assessment.checks.len(),
                assessment.findings().count()
            ),
        );
    }
    if let Some(level) = args.fail_on {
        let at = match level {
            FailLevel::Error => Level::Error,
            FailLevel::Warning => Level::Warning,
            FailLevel::Note => Level::Note,
        };
        let over = assessment.failed().filter(|c| c.info.level <= at).count();
        if over > 0 {
            return Err(GateFailed(format!(
                "{over} failed checks at or above {} in {}",
                at.name(),
                args.repo_dir.display()
            ))
            .into());
        }
    }
    Ok(ExitCode::SUCCESS)
}
