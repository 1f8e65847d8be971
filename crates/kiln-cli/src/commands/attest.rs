//! `kiln attest REF --type T --predicate FILE --key KEY`: a signed in-toto statement
//! about the image, stored as a `.att` tag layer and a Sigstore bundle referrer.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args as ClapArgs;
use kiln_attest::cosign::{ResolvedImage, write};
use kiln_attest::predicate::PredicateKind;

use super::sign::StorageForm;
use crate::cli::{GlobalArgs, RegistryArgs};

#[derive(Debug, ClapArgs)]
pub struct AttestArgs {
    /// The image: a registry reference or oci:DIR[:TAG|@DIGEST].
    pub reference: String,
    /// slsa, spdx, cyclonedx, openvex, vuln, custom, or a predicate type URI.
    #[arg(long = "type", value_name = "TYPE")]
    pub predicate_type: String,
    /// The predicate JSON file.
    #[arg(long, value_name = "FILE")]
    pub predicate: PathBuf,
    /// The private key.
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// Where to store the attestation.
    #[arg(long, value_enum, default_value = "both")]
    pub storage: StorageForm,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

pub fn run(args: AttestArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let kind = PredicateKind::parse(&args.predicate_type).context("--type")?;
    let bytes = std::fs::read(&args.predicate)
        .with_context(|| format!("reading {}", args.predicate.display()))?;
    let predicate: serde_json::Value = serde_json::from_slice(&bytes)
        .with_context(|| format!("{}: not JSON", args.predicate.display()))?;
    kind.check(&predicate, &args.predicate.display().to_string())?;
    let key = super::key::read_signing_key(&args.key)?;
    let (client, reference) = super::key::registry_image(&args.reference, &args.registry)?;
    let image = ResolvedImage::resolve(&*client, &reference)?;
    let stored = write::attest(
        &*client,
        &image,
        &key,
        &kind,
        predicate,
        args.storage.forms(),
    )?;
    super::sign::report(&image, &stored, "attested", global)
}
