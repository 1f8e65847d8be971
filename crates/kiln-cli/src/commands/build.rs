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
    /// Sign the image (pushed, or written to an OCI layout) and attach each
    /// architecture's SBOM and the provenance as attestations.
    #[arg(long, value_name = "KEY")]
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
    let signed_at = signature_homes(&args)?;
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
    // Each architecture's SBOM, made once for both the files and the attestations.
    let sboms: Vec<Vec<u8>> = if args.sbom.is_some() || args.sign_key.is_some() {
        build
            .arches
            .iter()
            .map(|a| evidence::sbom(a, &name, format))
            .collect::<Result<_, _>>()?
    } else {
        Vec::new()
    };
    if let Some(path) = &args.sbom {
        for (a, sbom) in build.arches.iter().zip(&sboms) {
            let file = if build.arches.len() == 1 {
                path.clone()
            } else {
                PathBuf::from(format!("{}.{}", path.display(), a.assembled.architecture))
            };
            atomic_write(&file, sbom)?;
        }
    }
    if let Some(reference) = &args.push {
        push(&args, reference, &build, global)?;
    }
    if let Some(key) = &args.sign_key {
        let key = super::key::read_signing_key(key)?;
        let evidence = Evidence {
            build: &build,
            sboms: &sboms,
            format,
            provenance: &provenance,
        };
        for home in &signed_at {
            sign(&args.registry, home, &key, &evidence, global)?;
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

/// Where `--sign-key` stores signatures: the pushed reference and an OCI layout output.
fn signature_homes(args: &BuildArgs) -> Result<Vec<String>> {
    if args.sign_key.is_none() {
        return Ok(Vec::new());
    }
    let mut homes: Vec<String> = args.push.iter().cloned().collect();
    if let Some(out) = &args.output
        && matches!(Target::parse(out)?, Target::Layout { .. })
    {
        homes.push(out.clone());
    }
    if homes.is_empty() {
        bail!(
            "--sign-key needs --push REF or --output oci:DIR: signatures are stored in a registry or an OCI layout"
        );
    }
    Ok(homes)
}

/// What a signed build attaches.
struct Evidence<'a> {
    build: &'a Build,
    /// Each architecture's SBOM document, in `build.arches` order.
    sboms: &'a [Vec<u8>],
    format: Format,
    provenance: &'a kiln_attest::predicate::provenance::Provenance,
}

/// Signs the image at `reference` and attaches its evidence. The root (the index, for
/// several architectures) is signed and carries the provenance; with several
/// architectures each manifest is signed too and carries its own SBOM and the
/// provenance, so whichever digest a user pulls, its evidence is there.
fn sign(
    registry: &RegistryArgs,
    reference: &str,
    key: &kiln_attest::key::SigningKey,
    evidence: &Evidence,
    global: &GlobalArgs,
) -> Result<()> {
    let (client, image_ref) = super::key::registry_image(reference, registry)?;
    let root = ResolvedImage::resolve(&*client, &image_ref)?;
    let forms = Forms {
        tag: true,
        referrer: true,
    };
    let provenance = serde_json::to_value(evidence.provenance)?;
    let sbom_kind = match evidence.format {
        Format::CycloneDxJson => PredicateKind::CycloneDx,
        _ => PredicateKind::Spdx,
    };
    write::sign(&*client, &root, key, forms)?;
    let several = evidence.build.arches.len() > 1;
    for (arch, sbom) in evidence.build.arches.iter().zip(evidence.sboms) {
        let image = if several {
            let digest = arch.image.manifest.descriptor().digest;
            let image = ResolvedImage::resolve(&*client, &image_ref.with_digest(digest))?;
            write::sign(&*client, &image, key, forms)?;
            image
        } else {
            root.clone()
        };
        let sbom: serde_json::Value = serde_json::from_slice(sbom)?;
        write::attest(&*client, &image, key, &sbom_kind, sbom, forms)?;
        write::attest(
            &*client,
            &image,
            key,
            &PredicateKind::Slsa,
            provenance.clone(),
            forms,
        )?;
    }
    if several {
        write::attest(
            &*client,
            &root,
            key,
            &PredicateKind::Slsa,
            provenance,
            forms,
        )?;
    }
    let what = if several {
        "each architecture's SBOM and the provenance"
    } else {
        "its SBOM and provenance"
    };
    output::status(
        global.quiet,
        &format!(
            "signed {}@{} and attached {what}",
            root.reference.name(),
            root.digest()
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
