//! `kiln key generate|import|public`, and the key, password and image-reference handling
//! that `sign`, `attest`, `verify` and the blob commands share.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args as ClapArgs, Subcommand};
use kiln_attest::cosign::{LayoutStore, Store};
use kiln_attest::key::{KeySet, KeyType, PublicKey, SigningKey};
use kiln_oci::Target;
use kiln_oci::registry::{Client, RegistryOptions};
use kiln_types::ImageRef;
use zeroize::Zeroizing;

use crate::cli::{GlobalArgs, RegistryArgs};
use crate::output;

/// The environment variable that holds the private key password.
const PASSWORD_ENV: &str = "KILN_PASSWORD";

#[derive(Debug, ClapArgs)]
pub struct KeyArgs {
    #[command(subcommand)]
    pub command: KeyCommand,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Make a key pair: PREFIX.key (encrypted, cosign format) and PREFIX.pub.
    Generate {
        /// Write PREFIX.key and PREFIX.pub.
        #[arg(long, default_value = "kiln", value_name = "PREFIX")]
        output_prefix: PathBuf,
        /// ecdsa-p256 (as cosign) or ed25519.
        #[arg(long = "type", default_value = "ecdsa-p256", value_name = "TYPE")]
        key_type: String,
    },
    /// Import a PKCS#8, SEC1 or cosign-encrypted private key as PREFIX.key/PREFIX.pub.
    Import {
        /// The private key PEM file.
        file: PathBuf,
        #[arg(long, default_value = "kiln", value_name = "PREFIX")]
        output_prefix: PathBuf,
    },
    /// Print the public key (PEM) of a private or public key file.
    Public {
        /// The key file.
        key: PathBuf,
    },
}

pub fn run(args: KeyArgs, global: &GlobalArgs) -> Result<ExitCode> {
    match args.command {
        KeyCommand::Generate {
            output_prefix,
            key_type,
        } => {
            let key_type: KeyType = key_type.parse().context("--type")?;
            let key = SigningKey::generate(key_type);
            write_pair(&key, &output_prefix, global)
        }
        KeyCommand::Import {
            file,
            output_prefix,
        } => {
            let key = read_signing_key(&file)?;
            write_pair(&key, &output_prefix, global)
        }
        KeyCommand::Public { key } => {
            let public = read_any_public_key(&key)?;
            output::stdout(public.to_pem().as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn with_extension(prefix: &Path, extension: &str) -> PathBuf {
    let mut name = prefix.as_os_str().to_owned();
    name.push(".");
    name.push(extension);
    PathBuf::from(name)
}

fn write_pair(key: &SigningKey, prefix: &Path, global: &GlobalArgs) -> Result<ExitCode> {
    let key_path = with_extension(prefix, "key");
    let pub_path = with_extension(prefix, "pub");
    for path in [&key_path, &pub_path] {
        if path.exists() {
            bail!("{}: already exists; not overwriting it", path.display());
        }
    }
    let password = password(true)?;
    let pem = key.to_encrypted_pem(password.as_bytes())?;
    write_new(&key_path, pem.as_bytes(), 0o600)?;
    if let Err(e) = write_new(&pub_path, key.public_key().to_pem().as_bytes(), 0o644) {
        let _ = std::fs::remove_file(&key_path);
        return Err(e);
    }
    output::status(
        global.quiet,
        &format!(
            "wrote {} ({} private key, encrypted) and {}",
            key_path.display(),
            key.key_type(),
            pub_path.display()
        ),
    );
    output::stdout(format!("{}\n", pub_path.display()).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// Writes `bytes` to a new file at `path` atomically (temp file, then a rename that
/// refuses to replace anything).
pub(super) fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::PermissionsExt as _;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("{}: creating a temporary file", dir.display()))?;
    file.as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("{}: setting permissions", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.as_file().sync_all())
        .with_context(|| format!("{}: writing", path.display()))?;
    file.persist_noclobber(path)
        .map_err(|e| e.error)
        .with_context(|| format!("{}: writing", path.display()))?;
    Ok(())
}

/// Writes `bytes` to `path` atomically, replacing it.
pub(super) fn write_replace(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("{}: creating a temporary file", dir.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("{}: writing", path.display()))?;
    file.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("{}: writing", path.display()))?;
    Ok(())
}

/// The key password: `KILN_PASSWORD`, else a prompt on the terminal.
fn password(confirm: bool) -> Result<Zeroizing<String>> {
    if let Some(value) = std::env::var_os(PASSWORD_ENV) {
        let value = value
            .into_string()
            .map_err(|_| anyhow::anyhow!("{PASSWORD_ENV} is not UTF-8"))?;
        return Ok(Zeroizing::new(value));
    }
    if !std::io::stdin().is_terminal() {
        bail!("no password: set {PASSWORD_ENV} (stdin is not a terminal to prompt on)");
    }
    let first = Zeroizing::new(rpassword::prompt_password(
        "Enter password for private key: ",
    )?);
    if confirm {
        let again = Zeroizing::new(rpassword::prompt_password("Enter password again: ")?);
        if *first != *again {
            bail!("the passwords differ");
        }
    }
    Ok(first)
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// Reads a private key file; asks for the password only when it is encrypted.
pub(super) fn read_signing_key(path: &Path) -> Result<SigningKey> {
    let text = Zeroizing::new(read_file(path)?);
    let what = path.display().to_string();
    let encrypted = text.windows(9).any(|w| w == b"ENCRYPTED");
    let password = if encrypted {
        Some(password(false)?)
    } else {
        None
    };
    Ok(SigningKey::from_pem(
        &text,
        password.as_ref().map(|p| p.as_bytes()),
        &what,
    )?)
}

/// Reads a public key, or the public half of a private key file.
fn read_any_public_key(path: &Path) -> Result<PublicKey> {
    let text = read_file(path)?;
    let what = path.display().to_string();
    match PublicKey::from_pem(&text, &what) {
        Ok(k) => Ok(k),
        Err(_) if text.windows(11).any(|w| w == b"PRIVATE KEY") => {
            Ok(read_signing_key(path)?.public_key())
        }
        Err(e) => Err(e.into()),
    }
}

/// The trusted keys from `--key` files.
pub(super) fn read_key_set(paths: &[PathBuf]) -> Result<KeySet> {
    let keys = paths
        .iter()
        .map(|p| read_any_public_key(p))
        .collect::<Result<Vec<_>>>()?;
    Ok(KeySet::new(keys))
}

/// Where an image and its signatures live: a registry reference and a client for it, or
/// an `oci:DIR[:TAG|@DIGEST]` layout (signatures are stored inside the layout).
pub(super) fn registry_image(
    input: &str,
    registry: &RegistryArgs,
) -> Result<(Box<dyn Store>, ImageRef)> {
    let reference = match Target::parse(input)? {
        Target::Registry { reference } => reference,
        Target::Layout { dir, reference } => {
            let (store, image) = LayoutStore::open(&dir, &reference)?;
            return Ok((Box::new(store), image));
        }
        other => bail!(
            "{other}: signatures live in registries and OCI layouts; sign, attest and verify take a registry reference or oci:DIR[:TAG]"
        ),
    };
    let client = Client::new(RegistryOptions {
        insecure: registry.insecure,
        auth_file: registry.authfile.clone(),
    })?;
    Ok((Box::new(client), reference))
}
