//! `kiln catalog`: the CNCF catalog of supply chain compromises, by type and year, read
//! from `--file` or `KILN_CATALOG`; a table or JSON.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::ValueEnum;
use kiln_assess::{Catalog, CompromiseType, Incident};
use serde_json::json;

use crate::cli::GlobalArgs;
use crate::output;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CatalogFormat {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct CatalogArgs {
    /// Only incidents of this type (dev-tooling, negligence, publishing-infrastructure,
    /// source-code, trust-and-signing, malicious-maintainer, attack-chaining).
    #[arg(long = "type", value_name = "TYPE")]
    pub kind: Option<String>,
    /// Only incidents of this year.
    #[arg(long, value_name = "YEAR")]
    pub year: Option<i32>,
    /// The catalog (JSON).
    #[arg(long, env = "KILN_CATALOG", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    pub format: CatalogFormat,
}

pub fn run(args: CatalogArgs, _global: &GlobalArgs) -> Result<ExitCode> {
    let Some(file) = &args.file else {
        anyhow::bail!("no compromise catalog: pass --file FILE or set KILN_CATALOG");
    };
    let catalog = Catalog::load(file).context("--file")?;
    let kind = match &args.kind {
        Some(t) => Some(CompromiseType::parse(t).with_context(|| {
            let known: Vec<String> = CompromiseType::ALL
                .iter()
                .map(|t| t.name().to_ascii_lowercase().replace(' ', "-"))
                .collect();
            format!("--type {t}: not a compromise type ({})", known.join(", "))
        })?),
        None => None,
    };
    let selected: Vec<&Incident> = catalog
        .incidents()
        .iter()
        .filter(|i| kind.is_none_or(|k| i.types.contains(&k)))
        .filter(|i| args.year.is_none_or(|y| i.year == y))
        .collect();
    match args.format {
        CatalogFormat::Json => output::json(&json!({
            "schema": "kiln.catalog/v1",
            "incidents": selected,
        }))?,
        CatalogFormat::Table => output::stdout(table(&selected, kind).as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Grouped by type (each incident under every type it has), newest first.
fn table(incidents: &[&Incident], only: Option<CompromiseType>) -> String {
    let mut s = String::new();
    for t in CompromiseType::ALL {
        if only.is_some_and(|o| o != t) {
            continue;
        }
        let of: Vec<&&Incident> = incidents.iter().filter(|i| i.types.contains(&t)).collect();
        if of.is_empty() {
            continue;
        }
        let _ = writeln!(s, "{} ({})", t.name(), of.len());
        for i in of {
            let _ = writeln!(s, "  {}  {}  {}", i.year, i.name, i.url);
        }
        s.push('\n');
    }
    if s.is_empty() {
        s.push_str("no incidents match\n");
    }
    s
}
