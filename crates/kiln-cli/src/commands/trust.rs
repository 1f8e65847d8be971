//! The keyless trust flags `kiln verify` and `kiln verify-blob` share: a Sigstore trusted
//! root file and the certificate identity and OIDC issuer the signer must have (as
//! cosign's `--certificate-identity[-regexp]` and `--certificate-oidc-issuer`).

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args as ClapArgs;
use kiln_attest::keyless::{IdentityMatcher, Policy};
use kiln_attest::trust_root::TrustedRoot;

#[derive(Debug, ClapArgs)]
pub struct KeylessArgs {
    /// Verify keyless (Fulcio certificate, Rekor entry) bundles against this Sigstore
    /// trusted_root.json, offline.
    #[arg(long, value_name = "FILE", conflicts_with = "key")]
    pub trusted_root: Option<PathBuf>,
    /// The signer's certificate identity (e-mail or URI), exactly.
    #[arg(long, value_name = "IDENTITY", requires = "trusted_root")]
    pub certificate_identity: Option<String>,
    /// A regular expression the whole certificate identity must match.
    #[arg(
        long,
        value_name = "REGEX",
        requires = "trusted_root",
        conflicts_with = "certificate_identity"
    )]
    pub certificate_identity_regexp: Option<String>,
    /// The OIDC issuer the certificate names, exactly.
    #[arg(long, value_name = "URL", requires = "trusted_root")]
    pub certificate_oidc_issuer: Option<String>,
    /// Accept a signing certificate without a verifying embedded SCT (certificate
    /// transparency), as cosign's flag of the same name. Insecure: a certificate the CA
    /// never logged could then pass.
    #[arg(long, requires = "trusted_root")]
    pub insecure_ignore_sct: bool,
}

impl KeylessArgs {
    /// The trusted root and policy, when `--trusted-root` is given.
    pub fn load(&self) -> Result<Option<(TrustedRoot, Policy)>> {
        let Some(path) = &self.trusted_root else {
            return Ok(None);
        };
        let what = path.display().to_string();
        let bytes = std::fs::read(path).with_context(|| format!("reading {what}"))?;
        let root = TrustedRoot::parse(&bytes, &what)?;
        let identity = match (
            &self.certificate_identity,
            &self.certificate_identity_regexp,
        ) {
            (Some(exact), None) => IdentityMatcher::Exact(exact.clone()),
            (None, Some(pattern)) => IdentityMatcher::regex(pattern)
                .with_context(|| format!("--certificate-identity-regexp {pattern:?}"))?,
            _ => bail!(
                "--trusted-root needs --certificate-identity or --certificate-identity-regexp"
            ),
        };
        let Some(issuer) = &self.certificate_oidc_issuer else {
            bail!("--trusted-root needs --certificate-oidc-issuer");
        };
        Ok(Some((
            root,
            Policy {
                identity,
                issuer: issuer.clone(),
                ignore_sct: self.insecure_ignore_sct,
            },
        )))
    }
}
