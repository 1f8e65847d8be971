//! `kiln inspect --attack-surface TARGET [--baseline TARGET]`: what an image exposes
//! (packages, files, bytes, executables, shells, package managers, setuid files) and the
//! reduction against a baseline, as a table or JSON.

use std::process::ExitCode;

use anyhow::{Context, Result};
use kiln_build::surface::{self, Reduction, Surface};
use kiln_oci::fs::MergedFs;
use kiln_oci::{Image, ImageSource, OpenOptions, Target};
use serde::Serialize;

use crate::cli::{InspectArgs, InspectFormat};
use crate::output::{self, human_size};

/// The JSON form; stable for machines.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct View {
    target: Measured,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<Measured>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reduction: Option<Reduction>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Measured {
    name: String,
    digest: String,
    surface: Surface,
}

pub fn run(
    args: &InspectArgs,
    target: &Target,
    src: &dyn ImageSource,
    options: &OpenOptions,
) -> Result<ExitCode> {
    let measured = measure(&target.to_string(), src, options)?;
    let baseline = match &args.baseline {
        Some(b) => {
            let t = super::parse_target(b).context("--baseline")?;
            let bsrc = t.open(options).context("--baseline")?;
            Some(measure(&t.to_string(), bsrc.as_ref(), options).context("--baseline")?)
        }
        None => None,
    };
    let reduction = baseline
        .as_ref()
        .map(|b| surface::reduction(&measured.surface, &b.surface));
    let view = View {
        target: measured,
        baseline,
        reduction,
    };
    match args.format {
        InspectFormat::Json => output::json(&view)?,
        InspectFormat::Table => output::stdout(table(&view).as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

fn measure(name: &str, src: &dyn ImageSource, options: &OpenOptions) -> Result<Measured> {
    let image = Image::resolve(src, options.platform.as_ref())?;
    let fs = MergedFs::from_image(src, &image, &surface::capture)?;
    Ok(Measured {
        name: name.to_owned(),
        digest: image.manifest.digest.to_string(),
        surface: surface::measure(&fs),
    })
}

fn table(view: &View) -> String {
    let t = &view.target.surface;
    let b = view.baseline.as_ref().map(|b| &b.surface);
    let r = view.reduction.as_ref();
    let pct = |p: Option<f64>| p.map_or_else(|| "-".to_owned(), |p| format!("{p:.1}%"));
    let mut rows = Vec::new();
    let mut row = |name: &str, tv: String, bv: Option<String>, red: Option<f64>| {
        let mut cells = vec![name.to_owned(), tv];
        if let Some(bv) = bv {
            cells.push(bv);
            cells.push(pct(red));
        }
        rows.push(cells);
    };
    let n = |v: &Vec<String>| v.len().to_string();
    row(
        "packages",
        t.packages.to_string(),
        b.map(|b| b.packages.to_string()),
        r.and_then(|r| r.packages),
    );
    row(
        "files",
        t.files.to_string(),
        b.map(|b| b.files.to_string()),
        r.and_then(|r| r.files),
    );
    row(
        "bytes",
        human_size(t.bytes),
        b.map(|b| human_size(b.bytes)),
        r.and_then(|r| r.bytes),
    );
    row(
        "executables",
        t.executables.to_string(),
        b.map(|b| b.executables.to_string()),
        r.and_then(|r| r.executables),
    );
    row(
        "shells",
        n(&t.shells),
        b.map(|b| n(&b.shells)),
        r.and_then(|r| r.shells),
    );
    row(
        "package managers",
        n(&t.package_managers),
        b.map(|b| n(&b.package_managers)),
        r.and_then(|r| r.package_managers),
    );
    row(
        "setuid/setgid files",
        n(&t.setuid),
        b.map(|b| n(&b.setuid)),
        r.and_then(|r| r.setuid),
    );
    let header: &[&str] = if b.is_some() {
        &["", "target", "baseline", "reduction"]
    } else {
        &["", "target"]
    };
    let mut out = format!(
        "attack surface of {} ({})\n",
        view.target.name, view.target.digest
    );
    if let Some(base) = &view.baseline {
        out.push_str(&format!("baseline {} ({})\n", base.name, base.digest));
    }
    out.push_str(&output::columns(header, &rows));
    for (what, paths) in [
        ("shell", &t.shells),
        ("package manager", &t.package_managers),
        ("setuid/setgid", &t.setuid),
    ] {
        for p in paths {
            out.push_str(&format!("{what}: {p}\n"));
        }
    }
    out
}
