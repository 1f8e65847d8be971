//! `kiln vex TRIAGE`: write an OpenVEX v0.2 document from a triage file, a
//! JSON or YAML list of `{vulnerability, aliases?, products, status,
//! justification?, impact_statement?, action_statement?}`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use kiln_vuln::vex::write;

use crate::cli::GlobalArgs;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct VexArgs {
    /// The triage file (JSON or YAML).
    pub triage: PathBuf,
    /// The document's author.
    #[arg(long, default_value = "kiln")]
    pub author: String,
    /// The document's `@id` (default: derived from the triage file name).
    #[arg(long)]
    pub id: Option<String>,
}

pub fn run(args: VexArgs, _global: &GlobalArgs) -> Result<ExitCode> {
    let name = args.triage.display().to_string();
    let bytes = std::fs::read(&args.triage).with_context(|| format!("reading {name}"))?;
    let list = write::read_triage(&name, &bytes)?;
    let time = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
        .unwrap_or_else(jiff::Timestamp::now)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let id = args.id.unwrap_or_else(|| {
        let stem = args
            .triage
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!("urn:kiln:vex:{stem}")
    });
    let doc = write::openvex(&list, &id, &args.author, &time);
    let mut out = serde_json::to_vec_pretty(&doc)?;
    out.push(b'\n');
    output::stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}
