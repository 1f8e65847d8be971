//! `kiln sign REF --key KEY`: a cosign-compatible image signature, stored as a `.sig`
//! tag layer (cosign v2) and a Sigstore bundle referrer (cosign v3).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args as ClapArgs, ValueEnum};
use kiln_attest::cosign::write::Stored;
use kiln_attest::cosign::{Forms, ResolvedImage, write};

use crate::cli::{GlobalArgs, RegistryArgs};
use crate::output;

/// Which storage forms to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StorageForm {
    /// The legacy `sha256-<hex>.sig`/`.att` tags and the bundle referrer.
    Both,
    /// Only the legacy tags (cosign v2).
    Tag,
    /// Only the Sigstore bundle referrer (cosign v3).
    Referrer,
}

impl StorageForm {
    pub fn forms(self) -> Forms {
        Forms {
            tag: self != StorageForm::Referrer,
            referrer: self != StorageForm::Tag,
        }
    }
}

#[derive(Debug, ClapArgs)]
pub struct SignArgs {
    /// The image: a registry reference or oci:DIR[:TAG|@DIGEST].
    pub reference: String,
    /// The private key (cosign/sigstore encrypted, PKCS#8 or SEC1 PEM).
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// Where to store the signature.
    #[arg(long, value_enum, default_value = "both")]
    pub storage: StorageForm,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

pub fn run(args: SignArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let key = super::key::read_signing_key(&args.key)?;
    let (client, reference) = super::key::registry_image(&args.reference, &args.registry)?;
    let image = ResolvedImage::resolve(&*client, &reference)?;
    let stored = write::sign(&*client, &image, &key, args.storage.forms())?;
    report(&image, &stored, "signed", global)
}

/// Prints where things went: status on stderr, locations on stdout.
pub fn report(
    image: &ResolvedImage,
    stored: &Stored,
    verb: &str,
    global: &GlobalArgs,
) -> Result<ExitCode> {
    output::status(
        global.quiet,
        &format!("{verb} {}@{}", image.reference.name(), image.digest()),
    );
    let mut lines = String::new();
    if let Some((tag, digest)) = &stored.tag {
        lines.push_str(&format!("{tag}@{digest}\n"));
    }
    if let Some(digest) = &stored.referrer {
        lines.push_str(&format!("{}@{digest}\n", image.reference.name()));
    }
    output::stdout(lines.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
