//! `kiln sbom TARGET`: catalogue an image and write its SBOM (SPDX 2.3, SPDX 3.0.1,
//! CycloneDX 1.6, a table, or kiln's inventory JSON) to stdout or, atomically, to a file.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use kiln_oci::Image;
use kiln_sbom::Catalog;
use kiln_sbom::format::{self, Format, WriteOptions};

use crate::cli::{GlobalArgs, SbomArgs, SbomFormat};
use crate::output::{self, plural};

pub fn run(args: SbomArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let target = super::parse_target(&args.target)?;
    let options = super::open_options(args.platform.as_deref(), &args.registry)?;
    let inv = if let kiln_oci::Target::Dir { path } = &target {
        // A directory is walked, not written out as a layer tar first.
        let platform = options
            .platform
            .clone()
            .unwrap_or_else(kiln_types::Platform::host);
        Catalog::default().catalog_dir(path, &platform.to_string(), &args.target)?
    } else {
        let src = target.open(&options)?;
        let image = Image::resolve(src.as_ref(), options.platform.as_ref())?;
        Catalog::default().catalog_image(src.as_ref(), &image, &args.target)?
    };
    let epoch = std::env::var("SOURCE_DATE_EPOCH").ok();
    let opts = WriteOptions::new(env!("CARGO_PKG_VERSION"), &inv, epoch.as_deref());
    let format = match args.format {
        SbomFormat::SpdxJson => Format::SpdxJson,
        SbomFormat::Spdx3Json => Format::Spdx3Json,
        SbomFormat::CyclonedxJson => Format::CycloneDxJson,
        SbomFormat::Table => Format::Table,
        SbomFormat::Json => Format::Json,
    };
    let bytes = format::write(format, &inv, &opts)?;
    match &args.output {
        Some(path) => write_atomically(path, &bytes)?,
        None => output::stdout(&bytes)?,
    }
    for w in &inv.warnings {
        output::status(global.quiet, &format!("warning: {w}"));
    }
    output::status(
        global.quiet,
        &format!(
            "{} found in {}",
            plural(inv.packages.len(), "package"),
            args.target
        ),
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes `bytes` to a temporary file beside `path` and renames it into place.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let what = || format!("writing {}", path.display());
    let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(what)?;
    tmp.write_all(bytes).with_context(what)?;
    tmp.as_file().sync_all().with_context(what)?;
    tmp.persist(path).map_err(|e| e.error).with_context(what)?;
    Ok(())
}
