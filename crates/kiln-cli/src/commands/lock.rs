//! `kiln lock SPEC`: resolve the spec's packages against its (verified) sources and write
//! `kiln.lock`: exact versions, URLs, sizes and SHA-256 per architecture.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use clap::Args as ClapArgs;
use kiln_build::resolution::{self, ResolveOptions};
use kiln_build::spec::{Arch, Spec, parse_variant};
use kiln_debian::cache::Cache;

use crate::cli::GlobalArgs;
use crate::output;

#[derive(Debug, ClapArgs)]
pub struct LockArgs {
    /// The image spec (YAML).
    pub spec: PathBuf,
    /// Where to write the lock file.
    #[arg(long, short = 'o', default_value = "kiln.lock", value_name = "FILE")]
    pub output: PathBuf,
    /// runtime (hardened) or dev (adds a shell and apt, runs as root).
    #[arg(long, default_value = "runtime", value_parser = ["runtime", "dev"])]
    pub variant: String,
    /// Architectures instead of the spec's (comma-separated: amd64,arm64).
    #[arg(long, value_delimiter = ',', value_name = "ARCH")]
    pub arch: Vec<String>,
    /// The package cache (default: $XDG_CACHE_HOME/kiln/debian).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

pub fn run(args: LockArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let spec = load_spec(&args.spec, &args.variant, &args.arch)?;
    let cache = cache(args.cache_dir.as_deref())?;
    let lock = resolution::lock(&spec, &cache, &ResolveOptions::default())
        .with_context(|| format!("resolving {}", args.spec.display()))?;
    lock.write(&args.output)?;
    let counts: Vec<String> = lock
        .architectures
        .iter()
        .map(|(a, p)| format!("{a}: {}", output::plural(p.len(), "package")))
        .collect();
    output::status(
        global.quiet,
        &format!("locked {} ({})", args.output.display(), counts.join(", ")),
    );
    Ok(ExitCode::SUCCESS)
}

/// The spec as the variant and architectures ask.
pub(crate) fn load_spec(path: &Path, variant: &str, arch: &[String]) -> Result<Spec> {
    let variant = parse_variant(variant).ok_or_else(|| anyhow!("--variant {variant:?}"))?;
    let mut spec = Spec::load(path)?.variant(variant);
    if !arch.is_empty() {
        spec.architectures = arch
            .iter()
            .map(|a| Arch::parse(a).ok_or_else(|| anyhow!("--arch {a:?}: not amd64 or arm64")))
            .collect::<Result<_>>()?;
        spec.architectures.dedup();
    }
    Ok(spec)
}

/// The package cache at `dir`, or the default one.
pub(crate) fn cache(dir: Option<&Path>) -> Result<Cache> {
    let dir = match dir {
        Some(d) => d.to_owned(),
        None => Cache::default_dir().ok_or_else(|| {
            anyhow!("no cache directory: set --cache-dir, XDG_CACHE_HOME or HOME")
        })?,
    };
    Ok(Cache::new(dir))
}
