//! `kiln build SPEC`: a minimal, hardened, reproducible image from Debian packages, with
//! its SBOM and SLSA provenance; signed and attested with `--sign-key` when pushed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args as ClapArgs, ValueEnum};
use kiln_attest::cosign::{Forms, ResolvedImage, write};
use kiln_attest::predicate::PredicateKind;
use kiln_build::builder::{self, Build, BuildOptions};
use kiln_build::evidence::{self, BuildTimes};
use kiln_build::lock::Lock;
use kiln_build::resolution::{self, ResolveOptions};
use kiln_build::spec::Spec;
use kiln_debian::cache::Cache;
use kiln_oci::Target;
use kiln_sbom::format::Format;

use super::lock::{cache, load_spec};
use crate::cli::{GlobalArgs, RegistryArgs};
use crate::output;
use crate::report::GateFailed;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SbomFormat {
    SpdxJson,
    CyclonedxJson,
}

#[derive(Debug, ClapArgs)]
pub struct BuildArgs {
    /// The image spec (YAML).
    pub spec: PathBuf,
    /// Build exactly what this lock file says (from the package cache).
    #[arg(long, value_name = "FILE")]
    pub lock: Option<PathBuf>,
    /// Resolve, then write the lock to FILE (default kiln.lock).
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "kiln.lock", conflicts_with = "lock")]
    pub write_lock: Option<PathBuf>,
    /// Architectures instead of the spec's (comma-separated: amd64,arm64).
    #[arg(long, value_delimiter = ',', value_name = "ARCH")]
    pub arch: Vec<String>,
    /// runtime (hardened) or dev (adds a shell and apt, runs as root).
    #[arg(long, default_value = "runtime", value_parser = ["runtime", "dev"])]
    pub variant: String,
    /// Where to write the image: oci:DIR[:TAG] or docker-archive:FILE[:REF].
    #[arg(long, short = 'o', value_name = "TARGET")]
    pub output: Option<String>,
    /// Push the image to a registry reference.
    #[arg(long, value_name = "REF")]
    pub push: Option<String>,
    /// Sign the pushed image and attach its SBOM and provenance as attestations.
    #[arg(long, value_name = "KEY", requires = "push")]
    pub sign_key: Option<PathBuf>,
    /// Write the SBOM (one architecture; with several, FILE.<arch> each).
    #[arg(long, value_name = "FILE")]
    pub sbom: Option<PathBuf>,
    /// The SBOM's format.
    #[arg(long, value_enum, default_value = "spdx-json")]
    pub sbom_format: SbomFormat,
    /// Write the SLSA provenance v1 statement (in-toto JSON).
    #[arg(long, value_name = "FILE")]
    pub provenance: Option<PathBuf>,
    /// Build twice and fail (exit 1) unless both give the same digest.
    #[arg(long)]
    pub verify_reproducible: bool,
    /// The package cache (default: $XDG_CACHE_HOME/kiln/debian).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

pub fn run(args: BuildArgs, global: &GlobalArgs) -> Result<ExitCode> {
    if args.output.is_none() && args.push.is_none() && !args.verify_reproducible {
        bail!("nothing to do: give --output TARGET, --push REF or --verify-reproducible");
    }
    let started = now();
    let spec = load_spec(&args.spec, &args.variant, &args.arch)?;
    let cache = cache(args.cache_dir.as_deref())?;
    let lock = the_lock(&args, &spec, &cache)?;
    let opts = BuildOptions {
        source_date_epoch: source_date_epoch()?,
    };
    let build = builder::build(&spec, &lock, &cache, &opts)?;
    let root = build.root()?.descriptor().digest;
    if args.verify_reproducible {
        let again = builder::build(&spec, &lock, &cache, &opts)?;
        let second = again.root()?.descriptor().digest;
        if second != root {
            return Err(GateFailed(format!(
                "not reproducible: the first build gave {root}, the second {second}"
            ))
            .into());
        }
        output::status(
            global.quiet,
            &format!("reproducible: both builds gave {root}"),
        );
    }
    let name = image_name(&args);
    if let Some(out) = &args.output {
        let target = Target::parse(out)?;
        let options = super::open_options(None, &args.registry)?;
        build.write(target.create(&options, None)?)?;
        output::status(global.quiet, &format!("wrote {root} to {target}"));
    }
    let times = BuildTimes {
        started_on: started,
        finished_on: now(),
    };
    let provenance = evidence::provenance(&spec, &lock, &build, &times);
    let statement = kiln_attest::statement::Statement::new(
        evidence::subjects(&build, &name),
        kiln_attest::predicate::SLSA_PROVENANCE_V1,
        serde_json::to_value(&provenance)?,
    );
    if let Some(path) = &args.provenance {
        atomic_write(path, &pretty(&statement)?)?;
    }
    let format = match args.sbom_format {
        SbomFormat::SpdxJson => Format::SpdxJson,
        SbomFormat::CyclonedxJson => Format::CycloneDxJson,
    };
    if let Some(path) = &args.sbom {
        for a in &build.arches {
            let file = if build.arches.len() == 1 {
                path.clone()
            } else {
                PathBuf::from(format!("{}.{}", path.display(), a.assembled.architecture))
            };
            atomic_write(&file, &evidence::sbom(a, &name, format)?)?;
        }
    }
    if let Some(reference) = &args.push {
        push(&args, reference, &build, global)?;
        if let Some(key) = &args.sign_key {
            sign(
                &args.registry,
                reference,
                key,
                &build,
                &name,
                format,
                &provenance,
                global,
            )?;
        }
    }
    output::stdout(format!("{root}\n").as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// The lock given, or a fresh resolution (written with `--write-lock`).
fn the_lock(args: &BuildArgs, spec: &Spec, cache: &Cache) -> Result<Lock> {
    if let Some(path) = &args.lock {
        let lock = Lock::load(path)?;
        lock.check_for(spec, &path.display().to_string())?;
        return Ok(lock);
    }
    let lock = resolution::lock(spec, cache, &ResolveOptions::default())
        .with_context(|| format!("resolving {}", args.spec.display()))?;
    if let Some(path) = &args.write_lock {
        lock.write(path)?;
    }
    Ok(lock)
}

fn push(args: &BuildArgs, reference: &str, build: &Build, global: &GlobalArgs) -> Result<()> {
    let target = match Target::parse(reference)? {
        t @ Target::Registry { .. } => t,
        other => bail!("--push {other}: not a registry reference"),
    };
    let options = super::open_options(None, &args.registry)?;
    let root = build.write(target.create(&options, None)?)?;
    output::status(
        global.quiet,
        &format!("pushed {} to {target}", root.descriptor().digest),
    );
    Ok(())
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call site, each argument distinct"
)]
fn sign(
    registry: &RegistryArgs,
    reference: &str,
    key: &Path,
    build: &Build,
    name: &str,
    format: Format,
    provenance: &kiln_attest::predicate::provenance::Provenance,
    global: &GlobalArgs,
) -> Result<()> {
    let key = super::key::read_signing_key(key)?;
    let (client, image_ref) = super::key::registry_image(reference, registry)?;
    let image = ResolvedImage::resolve(&*client, &image_ref)?;
    let forms = Forms {
        tag: true,
        referrer: true,
    };
    write::sign(&*client, &image, &key, forms)?;
    let kind = match format {
        Format::CycloneDxJson => PredicateKind::CycloneDx,
        _ => PredicateKind::Spdx,
    };
    if let Some(first) = build.arches.first() {
        let sbom: serde_json::Value =
            serde_json::from_slice(&evidence::sbom(first, name, format)?)?;
        write::attest(&*client, &image, &key, &kind, sbom, forms)?;
    }
    write::attest(
        &*client,
        &image,
        &key,
        &PredicateKind::Slsa,
        serde_json::to_value(provenance)?,
        forms,
    )?;
    output::status(
        global.quiet,
        &format!(
            "signed {}@{} and attached its SBOM and provenance",
            image.reference.name(),
            image.digest()
        ),
    );
    Ok(())
}

fn image_name(args: &BuildArgs) -> String {
    args.push
        .clone()
        .or_else(|| args.output.clone())
        .unwrap_or_else(|| args.spec.display().to_string())
}

fn source_date_epoch() -> Result<Option<u64>> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) if !v.trim().is_empty() => Ok(Some(v.trim().parse().with_context(|| {
            format!("SOURCE_DATE_EPOCH {v:?} is not a whole number of seconds")
        })?)),
        _ => Ok(None),
    }
}

fn now() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn pretty<T: serde::Serialize>(v: &T) -> Result<Vec<u8>> {
    let mut b = serde_json::to_vec_pretty(v)?;
    b.push(b'\n');
    Ok(b)
}

fn atomic_write(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("writing {}", path.display()))?;
    std::io::Write::write_all(&mut tmp, bytes)
        .with_context(|| format!("writing {}", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
