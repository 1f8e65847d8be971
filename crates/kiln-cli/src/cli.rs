//! Command-line arguments as clap parses them; commands validate them into settings.

use std::path::PathBuf;

use clap::{Args as ClapArgs, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "kiln",
    version,
    about = "Supply chain security for container images: build, describe, scan, sign, verify.",
    max_term_width = 100
)]
pub struct Args {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, ClapArgs)]
pub struct GlobalArgs {
    /// Print only data and errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Log more (repeat for debug and trace).
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// Registry settings shared by commands that reach registries.
#[derive(Debug, Clone, ClapArgs)]
pub struct RegistryArgs {
    /// Use plain HTTP and skip TLS for registries that are not on loopback too.
    #[arg(long)]
    pub insecure: bool,
    /// Registry credentials file (default: $REGISTRY_AUTH_FILE, then ~/.docker/config.json).
    #[arg(long, value_name = "FILE")]
    pub authfile: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show an image's digest, platforms, config, layers and files.
    Inspect(InspectArgs),
    /// Copy an image between layouts, archives, directories and registries, digests kept.
    Copy(CopyArgs),
    /// Write a software bill of materials for an image, archive, layout or directory.
    Sbom(SbomArgs),
    /// Make, import or show signing keys (cosign-compatible).
    Key(crate::commands::key::KeyArgs),
    /// Sign an image in a registry (cosign v2 and v3 forms).
    Sign(crate::commands::sign::SignArgs),
    /// Attach a signed in-toto attestation to an image in a registry.
    Attest(crate::commands::attest::AttestArgs),
    /// Verify an image's signatures and attestations; exit 1 if none verifies.
    Verify(crate::commands::verify::VerifyArgs),
    /// Sign a file; prints the base64 signature.
    SignBlob(crate::commands::blob::SignBlobArgs),
    /// Verify a file's signature or bundle; exit 1 if it does not verify.
    VerifyBlob(crate::commands::blob::VerifyBlobArgs),
    /// The local advisory database: import, status, query.
    Db(DbArgs),
    /// Report the known vulnerabilities of an image or SBOM; exit 1 with --fail-on.
    Scan(crate::commands::scan::ScanArgs),
    /// Write OpenVEX statements from a triage file.
    Vex(crate::commands::vex::VexArgs),
    /// Decide whether an image may run: Rego policies over its evidence.
    Policy(crate::commands::policy::PolicyArgs),
    /// Assess a repository checkout against the CNCF supply chain best practices.
    Assess(crate::commands::assess::AssessArgs),
    /// List the CNCF catalog of supply chain compromises by type and year.
    Catalog(crate::commands::catalog::CatalogArgs),
    /// Build a minimal, hardened, reproducible image from Debian packages, with its evidence.
    Build(Box<crate::commands::build::BuildArgs>),
    /// Resolve a spec's packages and write the lock file.
    Lock(crate::commands::lock::LockArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InspectFormat {
    Table,
    Json,
}

#[derive(Debug, ClapArgs)]
pub struct InspectArgs {
    /// oci:DIR[:TAG|@DIGEST], docker-archive:FILE, dir:PATH, registry:REF, or a reference.
    pub target: String,
    /// The platform to pick from an index (default: the host's).
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    pub format: InspectFormat,
    /// List the merged filesystem with the layer that wrote each path.
    #[arg(long)]
    pub files: bool,
    /// Print the raw manifest (or index) bytes as stored, and nothing else.
    #[arg(long, conflicts_with_all = ["files", "config"])]
    pub raw: bool,
    /// Print the raw config bytes as stored, and nothing else.
    #[arg(long, conflicts_with = "files")]
    pub config: bool,
    /// Count the attack surface: packages, files, bytes, executables, shells, package
    /// managers, setuid/setgid files.
    #[arg(long, conflicts_with_all = ["files", "raw", "config"])]
    pub attack_surface: bool,
    /// With --attack-surface: the image to compare with (reduction in percent).
    #[arg(long, value_name = "TARGET", requires = "attack_surface")]
    pub baseline: Option<String>,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

#[derive(Debug, ClapArgs)]
pub struct CopyArgs {
    /// Where to read the image.
    pub source: String,
    /// Where to write it.
    pub destination: String,
    /// Copy only this platform's image out of an index (default: all, index digest kept).
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
    /// Blobs to copy at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SbomFormat {
    SpdxJson,
    Spdx3Json,
    CyclonedxJson,
    Table,
    Json,
}

#[derive(Debug, ClapArgs)]
pub struct DbArgs {
    /// The database file (default: $XDG_CACHE_HOME/kiln/db.sqlite or ~/.cache/kiln/db.sqlite).
    #[arg(long, global = true, env = "KILN_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    #[command(subcommand)]
    pub command: DbCommand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DbFormat {
    Table,
    Json,
}

#[derive(Debug, ClapArgs)]
pub struct SbomArgs {
    /// oci:DIR[:TAG|@DIGEST], docker-archive:FILE, dir:PATH, registry:REF, or a reference.
    pub target: String,
    /// Document format.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    pub format: SbomFormat,
    /// Write the document to FILE (atomically) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The platform to pick from an index (default: the host's).
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Import advisories: OSV JSON/YAML, Debian tracker JSON and DSA/DLA lists, Alpine secdb, rubysec
    /// (files, directories or zips). Each path is one source, replaced if already imported.
    Import(DbImportArgs),
    /// Show the sources in the database, their record counts, newest record and age.
    Status {
        /// Output format.
        #[arg(long, short = 'f', value_enum, default_value = "table")]
        format: DbFormat,
    },
    /// Look up the vulnerabilities of one package version.
    Query(DbQueryArgs),
    /// Fetch the configured sources over HTTP(S) (ETag / Last-Modified, pinned digests)
    /// and import what changed.
    Update(crate::commands::db_update::DbUpdateArgs),
}

#[derive(Debug, ClapArgs)]
pub struct DbImportArgs {
    /// Files, directories or zip archives of advisories.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Drop every source already in the database.
    #[arg(long)]
    pub replace: bool,
}

#[derive(Debug, ClapArgs)]
pub struct DbQueryArgs {
    /// Ecosystem as OSV names it, optionally with the release (`PyPI`, `Debian:12`).
    #[arg(long, short = 'e')]
    pub ecosystem: String,
    /// Distribution release (`12`, `bookworm`, `3.19`).
    #[arg(long)]
    pub release: Option<String>,
    /// Source package (OS packages): distribution data is keyed by it.
    #[arg(long)]
    pub source: Option<String>,
    /// Source package version (default: the package version).
    #[arg(long)]
    pub source_version: Option<String>,
    /// Package name.
    pub name: String,
    /// Installed version.
    pub version: String,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    pub format: DbFormat,
}
