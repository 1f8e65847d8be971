//! `kiln scan TARGET|SBOM`: the known vulnerabilities of an image, directory
//! or SBOM file, matched against the local advisory database, with VEX
//! applied; a table, JSON, SARIF 2.1.0, CycloneDX 1.6 or OpenVEX.
//!
//! The JSON format (`schema: "kiln.scan/v1"`) is stable: `target`, `distro`,
//! `packages` (how many were looked up), `counts` (active findings per
//! rating), `findings` (see `kiln_vuln::Finding`: package {name, version,
//! kind, purl, locations, id}, id, aliases, ecosystem, severity, rating,
//! fixed, status, matched, sources, summary, evidence, vex, suppressed) in
//! a fixed order (worst rating first, then id, package), and `warnings`.
//!
//! `--vex-attestations --key PUB` also applies the image's OpenVEX
//! attestations (registry images) that verify against the keys, found and
//! verified as `kiln verify --type openvex` does.
//!
//! Exit codes: 0 no finding at or above `--fail-on` remains (unrated
//! findings never trip the gate), 1 one does, 2 errors.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::ValueEnum;
use kiln_attest::cosign::ResolvedImage;
use kiln_attest::cosign::read::{self as cosign_read, VerifyOptions};
use kiln_attest::predicate::PredicateKind;
use kiln_oci::Image;
use kiln_sbom::Catalog;
use kiln_types::Inventory;
use kiln_vuln::{Database, Finding, Rating, VexDocument, db, report, vex};

use crate::cli::{GlobalArgs, RegistryArgs};
use crate::output::{self, columns, plural};
use crate::report::GateFailed;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    Table,
    Json,
    Sarif,
    Cyclonedx,
    Openvex,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum FailOn {
    Low,
    Medium,
    High,
    Critical,
}

impl FailOn {
    fn rating(self) -> Rating {
        match self {
            Self::Low => Rating::Low,
            Self::Medium => Rating::Medium,
            Self::High => Rating::High,
            Self::Critical => Rating::Critical,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// An image (oci:DIR, docker-archive:FILE, dir:PATH, a reference) or an SBOM file
    /// (CycloneDX JSON, SPDX 2.3 JSON, kiln inventory JSON).
    pub target: String,
    /// A VEX document (OpenVEX, CycloneDX VEX or CSAF VEX); repeatable.
    #[arg(long = "vex", value_name = "FILE")]
    pub vex: Vec<PathBuf>,
    /// Also apply the image's OpenVEX attestations (registry images) that verify against
    /// --key, as if given with --vex.
    #[arg(long, requires = "key")]
    pub vex_attestations: bool,
    /// A trusted public key for --vex-attestations (repeat for several).
    #[arg(long, value_name = "PUB", requires = "vex_attestations")]
    pub key: Vec<PathBuf>,
    /// Exit 1 when a finding at or above this severity remains.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// Show only findings with a fixed version.
    #[arg(long)]
    pub only_fixed: bool,
    /// Also list findings that VEX suppresses.
    #[arg(long)]
    pub show_suppressed: bool,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    pub format: ScanFormat,
    /// The advisory database (default: $XDG_CACHE_HOME/kiln/db.sqlite or ~/.cache/kiln/db.sqlite).
    #[arg(long, env = "KILN_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// The platform to pick from an index (default: the host's).
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
    /// Write the report to this file (atomically) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// The inventory to scan and the CycloneDX refs of its packages, if it was an SBOM.
fn inventory(args: &ScanArgs) -> Result<(Inventory, BTreeMap<String, String>)> {
    let path = Path::new(&args.target);
    if path.is_file() {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        if kiln_sbom::read::looks_like_json(&bytes) {
            let sbom = kiln_sbom::read::read(&args.target, &bytes)?;
            return Ok((sbom.inventory, sbom.bom_refs));
        }
    }
    let target = super::parse_target(&args.target)?;
    let options = super::open_options(args.platform.as_deref(), &args.registry)?;
    let src = target.open(&options)?;
    let image = Image::resolve(src.as_ref(), options.platform.as_ref())?;
    let inv = Catalog::default().catalog_image(src.as_ref(), &image, &args.target)?;
    Ok((inv, BTreeMap::new()))
}

pub fn run(args: ScanArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let db_path = match &args.db {
        Some(p) => p.clone(),
        None => db::default_path()
            .context("no cache directory: set $XDG_CACHE_HOME or $HOME, or pass --db")?,
    };
    let database = Database::open(&db_path)?;
    let mut docs = Vec::new();
    for file in &args.vex {
        let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        docs.push(VexDocument::parse(&file.display().to_string(), &bytes)?);
    }
    if args.vex_attestations {
        docs.extend(attested_vex(&args, global)?);
    }
    let (inv, refs) = inventory(&args)?;
    let mut scan = kiln_vuln::scan(&database, &inv)?;
    vex::apply(&mut scan, &docs);
    if args.only_fixed {
        scan.findings.retain(|f| f.fixed.is_some());
    }
    let suppressed = scan.findings.iter().filter(|f| f.suppressed).count();
    let shown: Vec<&Finding> = scan
        .findings
        .iter()
        .filter(|f| args.show_suppressed || !f.suppressed)
        .collect();
    let target = if inv.source.name.is_empty() {
        args.target.clone()
    } else {
        inv.source.name.clone()
    };
    let version = env!("CARGO_PKG_VERSION");
    let time = timestamp();
    let bytes = match args.format {
        ScanFormat::Table => table(&shown, scan.packages, suppressed, &target).into_bytes(),
        ScanFormat::Json => {
            let mut counts = BTreeMap::new();
            for f in scan.active() {
                *counts
                    .entry(f.rating.map_or("unrated".to_owned(), |r| r.to_string()))
                    .or_insert(0usize) += 1;
            }
            // Serialized straight from the findings (no intermediate JSON tree).
            #[derive(serde::Serialize)]
            struct Report<'a> {
                schema: &'static str,
                target: &'a str,
                distro: &'a Option<kiln_types::Distro>,
                packages: usize,
                counts: BTreeMap<String, usize>,
                findings: &'a [&'a Finding],
                warnings: &'a [String],
            }
            pretty(&Report {
                schema: "kiln.scan/v1",
                target: &target,
                distro: &scan.distro,
                packages: scan.packages,
                counts,
                findings: &shown,
                warnings: &scan.warnings,
            })?
        }
        ScanFormat::Sarif => pretty(&report::sarif(&shown, version))?,
        ScanFormat::Cyclonedx => pretty(&report::cyclonedx(&shown, &refs, version, &time))?,
        ScanFormat::Openvex => pretty(&report::openvex(
            &shown,
            &format!("urn:kiln:scan:{}", sanitize(&target)),
            &time,
        ))?,
    };
    match &args.output {
        Some(path) => write_atomically(path, &bytes)?,
        None => output::stdout(&bytes)?,
    }
    for w in &scan.warnings {
        output::status(global.quiet, &format!("warning: {w}"));
    }
    if let Some(gate) = args.fail_on {
        let over: Vec<&Finding> = scan
            .active()
            .filter(|f| !args.only_fixed || f.fixed.is_some())
            .filter(|f| f.rating.is_some_and(|r| r >= gate.rating()))
            .collect();
        if !over.is_empty() {
            return Err(GateFailed(format!(
                "{} at or above {} in {target}",
                plural(over.len(), "vulnerability"),
                gate.rating()
            ))
            .into());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The OpenVEX documents of the image's attestations that verify against `--key`
/// (as `kiln verify --type openvex` finds them). None verifying is a warning: the
/// scan then reports every finding, which fails safe.
fn attested_vex(args: &ScanArgs, global: &GlobalArgs) -> Result<Vec<VexDocument>> {
    let keys = super::key::read_key_set(&args.key)?;
    let (client, reference) =
        super::key::registry_image(&args.target, &args.registry).context("--vex-attestations")?;
    let image = ResolvedImage::resolve(&*client, &reference)?;
    let options = VerifyOptions {
        threshold: 1,
        predicate: Some(PredicateKind::OpenVex),
    };
    let outcome = match cosign_read::verify(&*client, &image, &keys, &options) {
        Ok(o) => o,
        Err(kiln_attest::Error::Verification { reason, .. }) => {
            output::status(
                global.quiet,
                &format!("warning: no OpenVEX attestation of {reference} verified: {reason}"),
            );
            return Ok(Vec::new());
        }
        Err(e) => return Err(e.into()),
    };
    let mut docs = Vec::new();
    for v in &outcome.verified {
        let e = v.value();
        let name = format!("attestation {}", e.location);
        let predicate = e
            .payload
            .get("predicate")
            .with_context(|| format!("{name}: the statement has no predicate"))?;
        docs.push(VexDocument::parse(&name, &serde_json::to_vec(predicate)?)?);
    }
    output::status(
        global.quiet,
        &format!(
            "applying {} of {reference}",
            plural(docs.len(), "verified OpenVEX attestation")
        ),
    );
    Ok(docs)
}

fn pretty<T: serde::Serialize>(v: &T) -> Result<Vec<u8>> {
    let mut out = serde_json::to_vec_pretty(v)?;
    out.push(b'\n');
    Ok(out)
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-._".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// `SOURCE_DATE_EPOCH` when set (reproducible output), else now.
fn timestamp() -> String {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
        .unwrap_or_else(jiff::Timestamp::now)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn table(findings: &[&Finding], packages: usize, suppressed: usize, target: &str) -> String {
    let mut text = String::new();
    let groups = [
        (Some(Rating::Critical), "CRITICAL"),
        (Some(Rating::High), "HIGH"),
        (Some(Rating::Medium), "MEDIUM"),
        (Some(Rating::Low), "LOW"),
        (Some(Rating::None), "NEGLIGIBLE"),
        (None, "UNRATED"),
    ];
    for (rating, title) in groups {
        let rows: Vec<Vec<String>> = findings
            .iter()
            .filter(|f| f.rating == rating)
            .map(|f| {
                let mut note = f
                    .status
                    .as_ref()
                    .map(|s| s.status.to_string())
                    .unwrap_or_default();
                if let Some(v) = &f.vex {
                    note = format!("vex: {}", v.status.as_str());
                    if let Some(j) = &v.justification {
                        let _ = write!(note, " ({j})");
                    }
                }
                vec![
                    f.id.clone(),
                    f.package.name.clone(),
                    f.package.version.clone(),
                    f.fixed
                        .as_ref()
                        .map_or_else(|| "(no fix)".to_owned(), |v| format!("* {v}")),
                    short_aliases(&f.aliases),
                    note,
                ]
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(text, "{title} ({})", rows.len());
        text.push_str(&columns(
            &[
                "VULNERABILITY",
                "PACKAGE",
                "INSTALLED",
                "FIXED",
                "ALIASES",
                "NOTE",
            ],
            &rows,
        ));
        text.push('\n');
    }
    let fixable = findings.iter().filter(|f| f.fixed.is_some()).count();
    let _ = writeln!(
        text,
        "{} ({fixable} with a fix, marked *) in {target} ({} looked up); {suppressed} suppressed by VEX",
        plural(findings.len(), "finding"),
        plural(packages, "package"),
    );
    text
}

/// The first three aliases, and how many more (all are in the JSON).
fn short_aliases(aliases: &[String]) -> String {
    let mut text = aliases
        .iter()
        .take(3)
        .cloned()
        .collect::<Vec<_>>()
        .join(",");
    if aliases.len() > 3 {
        let _ = write!(text, " +{}", aliases.len() - 3);
    }
    text
}

/// Writes `bytes` to a temporary file beside `path` and renames it into place.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let what = || format!("writing {}", path.display());
    let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(what)?;
    tmp.write_all(bytes).with_context(what)?;
    tmp.persist(path).map_err(|e| e.error).with_context(what)?;
    Ok(())
}
