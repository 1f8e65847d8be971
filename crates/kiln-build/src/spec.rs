//! The image spec: a YAML file saying which Debian packages go into an image, from which
//! sources, for which architectures, who it runs as, and its config (entrypoint, cmd,
//! env, workdir, labels, annotations) and extra paths. One file describes two variants:
//! `runtime` (hardened: no shell, no package manager, non-root) and `dev` (adds a shell
//! and apt, runs as root).
//!
//! [`Spec::parse`] reports every problem in one pass, each at its `file:line:col` with a
//! stable code ([`Diagnostic`]). Unknown keys are errors. `docs/spec.md` documents the
//! format and `docs/spec.schema.json` is its JSON schema.

mod decode;
pub mod diagnostic;
mod node;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

pub use diagnostic::{Diagnostic, Diagnostics};

/// Packages the `dev` variant adds: a shell and the package manager.
pub const DEV_PACKAGES: [&str; 2] = ["bash", "apt"];

/// A parsed, checked spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// The spec file as the user named it (diagnostics and provenance use it).
    pub file: String,
    /// SHA-256 (hex) of the spec text with line endings normalised to `\n`.
    pub digest: String,
    /// Package sources; empty means the host's own apt sources.
    pub sources: Vec<Source>,
    pub packages: Vec<PackageRequest>,
    pub architectures: Vec<Arch>,
    pub accounts: Accounts,
    pub config: ImageConfig,
    pub paths: Vec<PathEntry>,
    /// The variant this spec stands for after [`Spec::variant`]; `Runtime` as parsed.
    pub variant: Variant,
    variants: BTreeMap<Variant, VariantSpec>,
}

/// One deb822-style source: URIs, suites, components and the keyring that signs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub uris: Vec<String>,
    pub suites: Vec<String>,
    pub components: Vec<String>,
    /// The keyring file (resolved against the spec's directory); `None`: the host's.
    pub signed_by: Option<PathBuf>,
}

/// A CPU architecture images are built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Arch {
    Amd64,
    Arm64,
}

impl Arch {
    pub const ALL: [Arch; 2] = [Arch::Amd64, Arch::Arm64];

    /// The Debian (and OCI) architecture name.
    pub fn as_str(self) -> &'static str {
        match self {
            Arch::Amd64 => "amd64",
            Arch::Arm64 => "arm64",
        }
    }

    /// The architecture of the machine kiln runs on, if it is one kiln builds for.
    pub fn host() -> Option<Arch> {
        match std::env::consts::ARCH {
            "x86_64" => Some(Arch::Amd64),
            "aarch64" => Some(Arch::Arm64),
            _ => None,
        }
    }

    pub fn parse(s: &str) -> Option<Arch> {
        Arch::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A package the image must (or must not) contain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackageRequest {
    /// `name`, `name=version` or `name (>= version)`.
    Install {
        name: String,
        constraint: Option<Constraint>,
    },
    /// `!name`: never installed, also not to satisfy a dependency (another alternative
    /// must).
    Exclude { name: String },
}

impl PackageRequest {
    pub fn name(&self) -> &str {
        match self {
            PackageRequest::Install { name, .. } | PackageRequest::Exclude { name } => name,
        }
    }
}

impl fmt::Display for PackageRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PackageRequest::Install {
                name,
                constraint: None,
            } => f.write_str(name),
            PackageRequest::Install {
                name,
                constraint: Some(c),
            } => write!(f, "{name} ({} {})", c.op.as_str(), c.version),
            PackageRequest::Exclude { name } => write!(f, "!{name}"),
        }
    }
}

/// A version constraint as Debian writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    pub op: Op,
    pub version: String,
}

/// Debian's relation operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `>=`
    Ge,
    /// `<=`
    Le,
    /// `>>`
    Gt,
    /// `<<`
    Lt,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ge => ">=",
            Op::Le => "<=",
            Op::Gt => ">>",
            Op::Lt => "<<",
        }
    }
}

/// Users, groups, and who the image runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accounts {
    pub groups: Vec<Group>,
    pub users: Vec<User>,
    /// A user name from `users` (or `root`), or `UID[:GID]`.
    pub run_as: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub gid: u32,
    pub members: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: String,
    pub shell: String,
}

impl Accounts {
    /// The `user` field of the image config: `uid:gid` for a named user, as given
    /// otherwise.
    pub fn config_user(&self) -> String {
        if self.run_as == "root" {
            return "0:0".to_owned();
        }
        match self.users.iter().find(|u| u.name == self.run_as) {
            Some(u) => format!("{}:{}", u.uid, u.gid),
            None => self.run_as.clone(),
        }
    }
}

/// The image config fields the spec sets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageConfig {
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub workdir: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

/// An extra path in the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathEntry {
    /// Absolute, normalised (`/etc/app`).
    pub path: String,
    pub kind: PathKind,
    pub uid: u32,
    pub gid: u32,
    /// Permission bits; `None`: 0755 for directories, 0644 for files, links have none,
    /// and `permissions` entries keep the mode they find.
    pub mode: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathKind {
    Directory,
    /// A file's content, inline or read from `source` (relative to the spec's directory).
    File {
        content: Vec<u8>,
        source: Option<String>,
    },
    Symlink {
        target: String,
    },
    /// Changes the owner and mode of a path the packages install.
    Permissions,
}

pub use crate::input::{NONROOT_ID, Variant};

/// `runtime` or `dev`.
pub fn parse_variant(s: &str) -> Option<Variant> {
    [Variant::Runtime, Variant::Dev]
        .into_iter()
        .find(|v| v.name() == s)
}

/// What a variant changes: more packages, another user, other config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct VariantSpec {
    packages: Vec<PackageRequest>,
    run_as: Option<String>,
    entrypoint: Option<Vec<String>>,
    cmd: Option<Vec<String>>,
    env: BTreeMap<String, String>,
}

/// Reading a spec failed: the file could not be read, or it has problems.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("reading spec {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(#[from] Diagnostics),
}

impl Spec {
    /// Reads and checks the spec at `path`; `local` files it names are resolved against
    /// its directory.
    pub fn load(path: &Path) -> Result<Spec, SpecError> {
        let text = std::fs::read_to_string(path).map_err(|source| SpecError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let dir = path.parent().unwrap_or_else(|| Path::new("."));
        Ok(Spec::parse(&text, &path.display().to_string(), dir)?)
    }

    /// Checks `text`, named `file` in diagnostics, with local files under `dir`.
    pub fn parse(text: &str, file: &str, dir: &Path) -> Result<Spec, Diagnostics> {
        let normalised = normalise(text);
        let digest = hex::encode(Sha256::digest(normalised.as_bytes()));
        decode::decode(&normalised, file, dir, digest)
    }

    /// The spec of `variant`: for `dev`, the shell and apt and the variant's own
    /// packages are added, and it runs as root unless the variant says otherwise.
    pub fn variant(&self, variant: Variant) -> Spec {
        let mut out = self.clone();
        out.variant = variant;
        let own = self.variants.get(&variant).cloned().unwrap_or_default();
        if variant == Variant::Dev {
            for name in DEV_PACKAGES {
                let excluded = |p: &PackageRequest| p.name() == name;
                out.packages.retain(|p| !excluded(p));
                out.packages.push(PackageRequest::Install {
                    name: name.to_owned(),
                    constraint: None,
                });
            }
            out.accounts.run_as = "root".to_owned();
        }
        out.packages.extend(own.packages);
        if let Some(r) = own.run_as {
            out.accounts.run_as = r;
        }
        if let Some(e) = own.entrypoint {
            out.config.entrypoint = e;
        }
        if let Some(c) = own.cmd {
            out.config.cmd = c;
        }
        out.config.env.extend(own.env);
        out
    }

    /// True for the hardened variant: no shell, no package manager, no setuid bits.
    pub fn hardened(&self) -> bool {
        self.variant == Variant::Runtime
    }

    /// The spec's digest as it goes into locks and provenance: `sha256:<hex>`.
    pub fn digest_string(&self) -> String {
        format!("sha256:{}", self.digest)
    }
}

/// Line endings normalised to `\n` (CRLF and lone CR), so the digest is the same on any
/// checkout.
pub fn normalise(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests;
