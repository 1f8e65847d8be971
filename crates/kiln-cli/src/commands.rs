//! One module per subcommand; each turns parsed arguments into a library call.

pub(crate) mod assess;
pub(crate) mod attest;
pub(crate) mod blob;
pub(crate) mod build;
pub(crate) mod catalog;
mod copy;
mod db;
pub(crate) mod db_update;
mod files;
mod inspect;
pub(crate) mod key;
pub(crate) mod lock;
pub(crate) mod policy;
mod sbom;
pub(crate) mod scan;
pub(crate) mod sign;
mod surface;
pub(crate) mod trust;
pub(crate) mod verify;
pub(crate) mod vex;

use std::process::ExitCode;

use anyhow::{Context, Result};
use kiln_oci::registry::RegistryOptions;
use kiln_oci::{OpenOptions, Target};
use kiln_types::Platform;

use crate::cli::{Args, Command, RegistryArgs};

pub fn run(args: Args) -> Result<ExitCode> {
    match args.command {
        Command::Inspect(a) => inspect::run(a, &args.global),
        Command::Copy(a) => copy::run(a, &args.global),
        Command::Sbom(a) => sbom::run(a, &args.global),
        Command::Key(a) => key::run(a, &args.global),
        Command::Sign(a) => sign::run(a, &args.global),
        Command::Attest(a) => attest::run(a, &args.global),
        Command::Verify(a) => verify::run(a, &args.global),
        Command::SignBlob(a) => blob::sign(a, &args.global),
        Command::VerifyBlob(a) => blob::verify(a, &args.global),
        Command::Db(a) => db::run(a, &args.global),
        Command::Scan(a) => scan::run(a, &args.global),
        Command::Vex(a) => vex::run(a, &args.global),
        Command::Policy(a) => policy::run(a, &args.global),
        Command::Assess(a) => assess::run(a, &args.global),
        Command::Catalog(a) => catalog::run(a, &args.global),
        Command::Build(a) => build::run(*a, &args.global),
        Command::Lock(a) => lock::run(a, &args.global),
    }
}

/// The open options for a target, from the shared flags.
fn open_options(platform: Option<&str>, registry: &RegistryArgs) -> Result<OpenOptions> {
    let platform = platform
        .map(|p| p.parse::<Platform>())
        .transpose()
        .context("--platform")?;
    Ok(OpenOptions {
        platform,
        registry: RegistryOptions {
            insecure: registry.insecure,
            auth_file: registry.authfile.clone(),
        },
    })
}

fn parse_target(input: &str) -> Result<Target> {
    Ok(Target::parse(input)?)
}
