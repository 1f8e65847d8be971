//! `kiln policy eval|evidence|show|list`: decide whether an image may run by evaluating
//! Rego policies (presets or files) over its evidence document, print that document, and
//! show the built-in presets. Also the policy flags `kiln verify --policy` shares.
//!
//! Exit codes: 0 allowed, 1 denied (every denying rule is listed first), 2 errors (a
//! policy that does not parse is named with `file:line:col`).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args as ClapArgs, Subcommand, ValueEnum};
use kiln_attest::key::KeySet;
use kiln_policy::evidence::builder::{self, Signatures, Sources};
use kiln_policy::{Decision, Evidence, Mode, Policy};
use kiln_vuln::{Database, VexDocument, db};

use crate::cli::{GlobalArgs, RegistryArgs};
use crate::output::{self, columns};
use crate::report::GateFailed;

#[derive(Debug, ClapArgs)]
pub struct PolicyArgs {
    #[command(subcommand)]
    pub command: PolicyCommand,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Evaluate policies over an image's evidence; exit 1 when the decision denies.
    Eval(EvalArgs),
    /// Print an image's evidence document (JSON, schema kiln.dev/evidence/v1).
    Evidence(EvidenceArgs),
    /// Print a preset's Rego.
    Show {
        /// The preset (see `kiln policy list`).
        name: String,
    },
    /// List the built-in presets.
    List,
}

/// Which policies decide, and how.
#[derive(Debug, Clone, Default, ClapArgs)]
pub struct PolicySelection {
    /// A Rego policy file (repeatable).
    #[arg(long = "policy", value_name = "FILE")]
    pub policy: Vec<PathBuf>,
    /// A built-in policy (repeatable): hardened, signed, slsa-build-l2, slsa-build-l3,
    /// sbom, cve-sla.
    #[arg(long = "preset", value_name = "NAME")]
    pub preset: Vec<String>,
    /// Allow when any policy allows (default: every policy must).
    #[arg(long)]
    pub any_of: bool,
    /// A JSON object of parameters, read by policies as data.params.
    #[arg(long = "data", value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// One parameter, NAME=VALUE (VALUE as JSON, else a string); overrides --data.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub param: Vec<String>,
}

impl PolicySelection {
    pub fn is_empty(&self) -> bool {
        self.policy.is_empty() && self.preset.is_empty()
    }

    /// Loads every policy (presets first, in order), failing on the first that does not
    /// parse.
    pub fn load(&self) -> Result<Vec<Policy>> {
        let mut policies = Vec::new();
        for name in &self.preset {
            policies.push(Policy::preset(name)?);
        }
        for file in &self.policy {
            policies.push(Policy::from_file(file)?);
        }
        Ok(policies)
    }

    /// `data.params`: the --data object with each --param set over it.
    pub fn params(&self) -> Result<serde_json::Value> {
        let mut params = serde_json::Map::new();
        if let Some(file) = &self.data {
            let bytes =
                std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
            match serde_json::from_slice(&bytes) {
                Ok(serde_json::Value::Object(map)) => params = map,
                Ok(_) => bail!("{}: policy data must be a JSON object", file.display()),
                Err(e) => bail!("{}: not JSON: {e}", file.display()),
            }
        }
        for p in &self.param {
            let Some((name, value)) = p.split_once('=') else {
                bail!("--param {p:?}: expected NAME=VALUE");
            };
            if name.is_empty() {
                bail!("--param {p:?}: the name is empty");
            }
            let value = serde_json::from_str(value)
                .unwrap_or_else(|_| serde_json::Value::String(value.to_owned()));
            params.insert(name.to_owned(), value);
        }
        Ok(serde_json::Value::Object(params))
    }

    pub fn mode(&self) -> Mode {
        if self.any_of {
            Mode::AnyOf
        } else {
            Mode::AllOf
        }
    }
}

/// What the evidence is made from, besides the image.
#[derive(Debug, Clone, ClapArgs)]
pub struct EvidenceSources {
    /// A trusted public key to verify signatures and attestations with (repeatable).
    #[arg(long, value_name = "PUB")]
    pub key: Vec<PathBuf>,
    /// The advisory database (default: $XDG_CACHE_HOME/kiln/db.sqlite, if it exists).
    #[arg(long, env = "KILN_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// A VEX document (OpenVEX, CycloneDX VEX or CSAF VEX); repeatable.
    #[arg(long = "vex", value_name = "FILE")]
    pub vex: Vec<PathBuf>,
    /// The platform to pick from an index (default: the host's).
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DecisionFormat {
    Table,
    Json,
}

#[derive(Debug, ClapArgs)]
pub struct EvalArgs {
    /// oci:DIR[:TAG|@DIGEST], docker-archive:FILE, dir:PATH, registry:REF, or a reference.
    #[arg(required_unless_present = "evidence")]
    pub target: Option<String>,
    /// Decide over a stored evidence document instead of a target.
    #[arg(long, value_name = "FILE", conflicts_with = "target")]
    pub evidence: Option<PathBuf>,
    #[command(flatten)]
    pub selection: PolicySelection,
    #[command(flatten)]
    pub sources: EvidenceSources,
    /// Also write the evidence document to FILE (atomically).
    #[arg(long, value_name = "FILE")]
    pub evidence_out: Option<PathBuf>,
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    pub format: DecisionFormat,
}

#[derive(Debug, ClapArgs)]
pub struct EvidenceArgs {
    /// oci:DIR[:TAG|@DIGEST], docker-archive:FILE, dir:PATH, registry:REF, or a reference.
    pub target: String,
    #[command(flatten)]
    pub sources: EvidenceSources,
}

pub fn run(args: PolicyArgs, global: &GlobalArgs) -> Result<ExitCode> {
    match args.command {
        PolicyCommand::Eval(a) => eval(a, global),
        PolicyCommand::Evidence(a) => {
            let evidence = gather(&a.target, &a.sources, global)?;
            output::stdout(&evidence.to_json())?;
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Show { name } => {
            let preset = kiln_policy::preset::find(&name).ok_or_else(|| {
                kiln_policy::PolicyError::UnknownPreset {
                    name: name.clone(),
                    known: kiln_policy::preset::names(),
                }
            })?;
            output::stdout(preset.text().as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::List => {
            let rows: Vec<Vec<String>> = kiln_policy::preset::PRESETS
                .iter()
                .map(|p| vec![p.name.to_owned(), p.summary.to_owned()])
                .collect();
            output::stdout(columns(&["PRESET", "ASKS FOR"], &rows).as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn eval(args: EvalArgs, global: &GlobalArgs) -> Result<ExitCode> {
    if args.selection.is_empty() {
        bail!(
            "no policy: give --preset NAME or --policy FILE (`kiln policy list` shows the presets)"
        );
    }
    // Policies and parameters first: a broken policy fails before the image is read.
    let policies = args.selection.load()?;
    let params = args.selection.params()?;
    let evidence = match (&args.evidence, &args.target) {
        (Some(file), _) => {
            let bytes =
                std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
            Evidence::from_json(&file.display().to_string(), &bytes)?
        }
        (None, Some(target)) => gather(target, &args.sources, global)?,
        (None, None) => bail!("give a TARGET or --evidence FILE"),
    };
    if let Some(out) = &args.evidence_out {
        write_atomically(out, &evidence.to_json())?;
    }
    let decision = kiln_policy::decide(&policies, &evidence, &params, args.selection.mode())?;
    match args.format {
        DecisionFormat::Table => output::stdout(render(&decision).as_bytes())?,
        DecisionFormat::Json => output::json(&decision)?,
    }
    gate(&decision)
}

/// Exit 0 when `decision` allows, else a [`GateFailed`] (exit 1).
pub fn gate(decision: &Decision) -> Result<ExitCode> {
    if decision.allowed {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(GateFailed(format!(
            "policy denied {}: {}",
            decision.image, decision.summary
        ))
        .into())
    }
}

/// Assembles the evidence of `target`.
pub fn gather(target: &str, sources: &EvidenceSources, global: &GlobalArgs) -> Result<Evidence> {
    let parsed = super::parse_target(target)?;
    let options = super::open_options(sources.platform.as_deref(), &sources.registry)?;
    let keys = super::key::read_key_set(&sources.key)?;
    let database = open_database(sources, global)?;
    let vex = read_vex(&sources.vex)?;
    let sources = Sources {
        database: database.as_ref(),
        vex: &vex,
        signatures: Signatures::Lookup(&keys),
        now: jiff::Timestamp::now(),
        first_seen: None,
    };
    Ok(builder::build(target, &parsed, &options, &sources)?)
}

/// The evidence of a registry image whose signatures `kiln verify` already verified;
/// `target` is pinned to the digest that was verified, `name` is what the user wrote.
pub fn gather_verified(
    name: &str,
    target: &kiln_oci::Target,
    sources: &EvidenceSources,
    keys: &KeySet,
    outcome: Option<&kiln_attest::cosign::read::ImageVerification>,
    global: &GlobalArgs,
) -> Result<Evidence> {
    let options = super::open_options(None, &sources.registry)?;
    let database = open_database(sources, global)?;
    let vex = read_vex(&sources.vex)?;
    let signatures = match outcome {
        Some(outcome) => Signatures::Verified { keys, outcome },
        None => Signatures::Lookup(keys),
    };
    let sources = Sources {
        database: database.as_ref(),
        vex: &vex,
        signatures,
        now: jiff::Timestamp::now(),
        first_seen: None,
    };
    Ok(builder::build(name, target, &options, &sources)?)
}

/// The database given, or the default one if it exists; none with a warning otherwise.
fn open_database(sources: &EvidenceSources, global: &GlobalArgs) -> Result<Option<Database>> {
    if let Some(path) = &sources.db {
        return Ok(Some(Database::open(path)?));
    }
    match db::default_path().filter(|p| p.exists()) {
        Some(path) => Ok(Some(Database::open(&path)?)),
        None => {
            output::status(
                global.quiet,
                "warning: no advisory database (kiln db import, or --db): vulnerabilities are not in the evidence",
            );
            Ok(None)
        }
    }
}

fn read_vex(files: &[PathBuf]) -> Result<Vec<(String, VexDocument)>> {
    files
        .iter()
        .map(|file| {
            let name = file.display().to_string();
            let bytes = std::fs::read(file).with_context(|| format!("reading {name}"))?;
            Ok((name.clone(), VexDocument::parse(&name, &bytes)?))
        })
        .collect()
}

/// The decision for people: a verdict line, then each policy with its denials and the
/// evidence behind them (compact JSON, shortened).
pub fn render(decision: &Decision) -> String {
    let mut text = String::new();
    let verdict = if decision.allowed {
        "ALLOWED"
    } else {
        "DENIED"
    };
    let why = decision
        .summary
        .split_once(": ")
        .map_or(decision.summary.as_str(), |(_, why)| why);
    let _ = writeln!(
        text,
        "{verdict} {} ({})\n{}: {why}",
        decision.image,
        decision.digest,
        decision.mode.as_str()
    );
    for outcome in &decision.policies {
        let _ = writeln!(
            text,
            "\n{} {} ({})",
            if outcome.allowed { "allow" } else { "deny " },
            outcome.policy,
            outcome.origin
        );
        for d in &outcome.denials {
            let _ = writeln!(text, "  - {}: {}", d.rule, d.reason);
            if !d.evidence.is_null() {
                let _ = writeln!(
                    text,
                    "    evidence: {}",
                    shorten(&d.evidence.to_string(), 240)
                );
            }
        }
    }
    text
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max).collect();
    out.push('…');
    out
}

/// Writes `bytes` to a temporary file beside `path` and renames it into place.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    };
    let what = || format!("writing {}", path.display());
    let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(what)?;
    tmp.write_all(bytes).with_context(what)?;
    tmp.persist(path).map_err(|e| e.error).with_context(what)?;
    Ok(())
}
