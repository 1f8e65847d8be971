//! `kiln sign-blob FILE --key KEY` and `kiln verify-blob FILE --key PUB`: signatures over
//! files (SBOMs, release tarballs) as cosign makes them: base64 DER ECDSA, or a Sigstore
//! bundle with `--bundle`; keyless bundles with `--trusted-root` and the signer's
//! certificate identity and issuer.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use clap::Args as ClapArgs;
use kiln_attest::blob;

use crate::cli::GlobalArgs;
use crate::output;
use crate::report::gate;

#[derive(Debug, ClapArgs)]
pub struct SignBlobArgs {
    /// The file to sign.
    pub file: PathBuf,
    /// The private key.
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// Also write the signature to this file.
    #[arg(long, value_name = "FILE")]
    pub output_signature: Option<PathBuf>,
    /// Write a Sigstore bundle (v0.3, public-key material) to this file.
    #[arg(long, value_name = "FILE")]
    pub bundle: Option<PathBuf>,
}

#[derive(Debug, ClapArgs)]
pub struct VerifyBlobArgs {
    /// The file to verify.
    pub file: PathBuf,
    /// A trusted public key (repeat for several).
    #[arg(long, value_name = "PUB", required_unless_present = "trusted_root")]
    pub key: Vec<PathBuf>,
    /// The signature: a file, or the base64 text itself.
    #[arg(
        long,
        value_name = "SIG",
        required_unless_present = "bundle",
        conflicts_with = "bundle"
    )]
    pub signature: Option<String>,
    /// A Sigstore bundle file (`sign-blob --bundle`, or a keyless bundle with --trusted-root).
    #[arg(long, value_name = "FILE")]
    pub bundle: Option<PathBuf>,
    #[command(flatten)]
    pub keyless: super::trust::KeylessArgs,
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

pub fn sign(args: SignBlobArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let key = super::key::read_signing_key(&args.key)?;
    let data = read(&args.file)?;
    let signature = STANDARD.encode(blob::sign(&key, &data));
    if let Some(path) = &args.output_signature {
        super::key::write_replace(path, signature.as_bytes())?;
    }
    if let Some(path) = &args.bundle {
        super::key::write_replace(path, &blob::sign_bundle(&key, &data).to_json())?;
    }
    output::status(global.quiet, &format!("signed {}", args.file.display()));
    output::stdout(format!("{signature}\n").as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

pub fn verify(args: VerifyBlobArgs, global: &GlobalArgs) -> Result<ExitCode> {
    if let Some((root, policy)) = args.keyless.load()? {
        let Some(bundle) = &args.bundle else {
            bail!("--trusted-root needs --bundle");
        };
        let data = read(&args.file)?;
        let what = args.file.display().to_string();
        let verified =
            kiln_attest::keyless::verify(&read(bundle)?, Some(&data), &root, &policy, &what)
                .map_err(gate)?;
        let signer = &verified.value().signer;
        let stamped = match signer.timestamps.as_slice() {
            [] => String::new(),
            times => format!(", {} RFC 3161 timestamp(s)", times.len()),
        };
        output::status(
            global.quiet,
            &format!(
                "verified {what}: signed by {} ({}), logged at index {}{stamped}, {} SCT(s)",
                signer.identity, signer.issuer, signer.log_index, signer.scts
            ),
        );
        output::stdout(format!("{}\n", kiln_types::Digest::sha256(&data)).as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    let keys = super::key::read_key_set(&args.key)?;
    let data = read(&args.file)?;
    let what = args.file.display().to_string();
    let verified = match (&args.bundle, &args.signature) {
        (Some(bundle), _) => blob::verify_bundle(&data, &read(bundle)?, &keys, &what),
        (None, Some(signature)) => {
            let path = Path::new(signature);
            let text = if path.is_file() {
                String::from_utf8(read(path)?).with_context(|| format!("{signature}: not text"))?
            } else {
                signature.clone()
            };
            let Some(bytes) = kiln_attest::dsse::decode_base64(text.trim()) else {
                bail!("--signature {signature}: neither a file nor base64");
            };
            blob::verify(&data, &bytes, &keys, &what)
        }
        (None, None) => bail!("give --signature or --bundle"),
    }
    .map_err(gate)?;
    output::status(global.quiet, &format!("verified {what}"));
    output::stdout(format!("{}\n", verified.value()).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
