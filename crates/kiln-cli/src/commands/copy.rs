//! `kiln copy SRC DST`: copy an image between any two places, digests kept.

use std::process::ExitCode;

use anyhow::Result;
use kiln_oci::copy::{self, CopyOptions, CopyReporter};
use kiln_oci::manifest::Descriptor;

use crate::cli::{CopyArgs, GlobalArgs};
use crate::output;

pub fn run(args: CopyArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let source_target = super::parse_target(&args.source)?;
    let dest_target = super::parse_target(&args.destination)?;
    let options = super::open_options(args.platform.as_deref(), &args.registry)?;
    let src = source_target.open(&options)?;
    let dest = dest_target.create(&options, src.tag())?;
    let copy_options = CopyOptions {
        platform: options.platform.clone(),
        jobs: usize::from(args.jobs),
    };
    let report = copy::copy(src.as_ref(), dest, &copy_options, &Progress)?;
    output::status(
        global.quiet,
        &format!(
            "copied {} to {dest_target}: {} ({}) copied, {} already there, {}",
            report.root.digest,
            output::plural(report.blobs_copied, "blob"),
            output::human_size(report.bytes_copied),
            report.blobs_skipped,
            output::plural(report.manifests, "manifest"),
        ),
    );
    output::stdout(format!("{}\n", report.root.digest).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// Logs each blob as it lands; `--verbose` shows them.
struct Progress;

impl CopyReporter for Progress {
    fn on_blob_done(&self, desc: &Descriptor, skipped: bool) {
        let verb = if skipped { "already there" } else { "copied" };
        tracing::info!(
            "blob {} {verb} ({})",
            desc.digest,
            output::human_size(desc.size)
        );
    }
}
