//! `kiln verify REF --key PUB...`: finds the image's signatures and attestations (legacy
//! tags and bundle referrers), verifies them, and prints the verified payloads. Exit 1
//! when nothing verifies. With `--policy FILE`/`--preset NAME`, the policies are then
//! evaluated over the image's evidence (see `kiln policy eval`); exit 1 when they deny.
//! With `--trusted-root`, keyless bundle referrers are verified
//! against the trusted root and the signer's certificate identity and issuer instead.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args as ClapArgs, ValueEnum};
use kiln_attest::cosign::ResolvedImage;
use kiln_attest::cosign::read::{self, EvidenceKind, Storage, Trust, VerifyOptions};
use kiln_attest::key::KeySet;
use kiln_attest::predicate::PredicateKind;

use crate::cli::{GlobalArgs, RegistryArgs};
use crate::output;
use crate::report::gate;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerifyFormat {
    /// One verified payload per line (as cosign prints them).
    Text,
    /// One JSON document with every verified and rejected signature.
    Json,
}

#[derive(Debug, ClapArgs)]
pub struct VerifyArgs {
    /// The image: a registry reference or oci:DIR[:TAG|@DIGEST].
    pub reference: String,
    /// A trusted public key (repeat for several).
    #[arg(long, value_name = "PUB", required_unless_present = "trusted_root")]
    pub key: Vec<PathBuf>,
    /// How many distinct trusted keys must have signed.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    pub threshold: u16,
    /// Require attestations of this type: slsa, spdx, cyclonedx, openvex, vuln, custom or a URI.
    #[arg(long = "type", value_name = "TYPE")]
    pub predicate_type: Option<String>,
    #[arg(long, short = 'f', value_enum, default_value = "text")]
    pub format: VerifyFormat,
    #[command(flatten)]
    pub keyless: super::trust::KeylessArgs,
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// Policies to evaluate over the image's evidence after the signatures verify.
    #[command(flatten)]
    pub policy: super::policy::PolicySelection,
    /// The advisory database for the evidence (default: the local one, if it exists).
    #[arg(long, env = "KILN_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// A VEX document applied to the evidence's findings; repeatable.
    #[arg(long = "vex", value_name = "FILE")]
    pub vex: Vec<PathBuf>,
}

fn kind_name(kind: EvidenceKind) -> &'static str {
    match kind {
        EvidenceKind::Signature => "signature",
        EvidenceKind::Attestation => "attestation",
    }
}

fn storage_name(storage: Storage) -> &'static str {
    match storage {
        Storage::Tag => "tag",
        Storage::Referrer => "referrer",
    }
}

pub fn run(args: VerifyArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let predicate = args
        .predicate_type
        .as_deref()
        .map(PredicateKind::parse)
        .transpose()
        .context("--type")?;
    // Policies load before anything is fetched: a broken policy fails first.
    let policies = args.policy.load()?;
    let params = args.policy.params()?;
    let keyless = args.keyless.load()?;
    let keys = match keyless {
        Some(_) => KeySet::default(),
        None => super::key::read_key_set(&args.key)?,
    };
    let trust = match &keyless {
        Some((root, policy)) => Trust::Keyless(root, policy),
        None => Trust::Keys(&keys),
    };
    let (client, reference) = super::key::registry_image(&args.reference, &args.registry)?;
    let image = ResolvedImage::resolve(&*client, &reference)?;
    let options = VerifyOptions {
        threshold: usize::from(args.threshold),
        predicate,
    };
    let outcome = read::verify_with(&*client, &image, trust, &options).map_err(gate)?;
    for r in &outcome.rejected {
        output::status(global.quiet, &format!("warning: ignored {}", r.reason));
    }
    output::status(
        global.quiet,
        &format!(
            "verified {}@{}: {} verified, {} ignored",
            reference.name(),
            image.digest(),
            outcome.verified.len(),
            outcome.rejected.len()
        ),
    );
    let decision = if args.policy.is_empty() {
        None
    } else {
        let sources = super::policy::EvidenceSources {
            key: args.key.clone(),
            db: args.db.clone(),
            vex: args.vex.clone(),
            platform: None,
            registry: args.registry.clone(),
        };
        // A --type filter narrowed the outcome; the evidence needs every attestation.
        let outcome = options.predicate.is_none().then_some(&outcome);
        // The evidence is read from the digest that verified, not the tag again.
        let pinned = kiln_oci::Target::Registry {
            reference: reference.with_digest(image.digest().clone()),
        };
        let evidence = super::policy::gather_verified(
            &args.reference,
            &pinned,
            &sources,
            &keys,
            outcome,
            global,
        )?;
        let decision = kiln_policy::decide(&policies, &evidence, &params, args.policy.mode())?;
        if !global.quiet {
            let mut err = std::io::stderr().lock();
            let _ =
                std::io::Write::write_all(&mut err, super::policy::render(&decision).as_bytes());
        }
        Some(decision)
    };
    match args.format {
        VerifyFormat::Text => {
            let mut out = String::new();
            for v in &outcome.verified {
                out.push_str(&serde_json::to_string(&v.value().payload)?);
                out.push('\n');
            }
            output::stdout(out.as_bytes())?;
        }
        VerifyFormat::Json => {
            let verified: Vec<serde_json::Value> = outcome
                .verified
                .iter()
                .map(|v| {
                    let e = v.value();
                    let mut v = serde_json::json!({
                        "kind": kind_name(e.kind),
                        "storage": storage_name(e.storage),
                        "location": e.location,
                        "predicateType": e.predicate_type,
                        "signers": v.signers().iter().map(|k| k.key_id()).collect::<Vec<_>>(),
                        "payload": e.payload,
                    });
                    if let Some(s) = &e.signer {
                        v["certificate"] = serde_json::json!({
                            "identity": s.identity,
                            "issuer": s.issuer,
                            "integratedTime": s.integrated_time,
                            "logIndex": s.log_index,
                        });
                    }
                    v
                })
                .collect();
            let rejected: Vec<serde_json::Value> = outcome
                .rejected
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "storage": storage_name(r.storage),
                        "location": r.location,
                        "reason": r.reason,
                    })
                })
                .collect();
            let mut doc = serde_json::json!({
                "image": reference.name(),
                "digest": image.digest().to_string(),
                "verified": verified,
                "rejected": rejected,
            });
            if let Some(d) = &decision {
                doc["policy"] = serde_json::to_value(d)?;
            }
            output::json(&doc)?;
        }
    }
    match &decision {
        Some(d) => super::policy::gate(d),
        None => Ok(ExitCode::SUCCESS),
    }
}
