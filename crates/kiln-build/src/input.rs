//! What an assembly is made from, as plain data: the spec (and its lock) map onto these
//! types one to one, so the builder never reads YAML and the spec never knows how a root
//! is assembled.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// The uid and gid of the default non-root account, as distroless and DHI use.
pub const NONROOT_ID: u32 = 65532;
/// The name of the default non-root account.
pub const NONROOT: &str = "nonroot";

/// Everything one architecture's root filesystem is assembled from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssemblyInput {
    /// The Debian architecture of the packages: `amd64`, `arm64`, …
    pub architecture: String,
    /// The `.deb` files, already resolved and verified. Order does not matter: they are
    /// unpacked sorted by package name, so the same set gives the same root.
    pub packages: Vec<PackageInput>,
    /// Users, groups and the account the image runs as.
    pub accounts: Accounts,
    /// Paths added or changed after the packages are unpacked, in order.
    pub paths: Vec<ExtraPath>,
    /// `runtime` (hardened) or `dev` (shell and apt kept, runs as root).
    pub variant: Variant,
    /// Keep `/usr/share/doc` (beyond copyright files), man and info pages.
    pub keep_docs: bool,
    /// Keep `/usr/share/locale` and `/usr/share/i18n`.
    pub keep_locales: bool,
    /// `SOURCE_DATE_EPOCH`: every mtime and the config's `created`. `None` means the
    /// newest mtime found in the packages' data archives.
    pub source_date_epoch: Option<u64>,
}

impl AssemblyInput {
    /// A runtime assembly of `packages` for `architecture` with the default accounts.
    pub fn new(architecture: &str, packages: Vec<PackageInput>) -> AssemblyInput {
        AssemblyInput {
            architecture: architecture.to_owned(),
            packages,
            accounts: Accounts::default(),
            paths: Vec::new(),
            variant: Variant::Runtime,
            keep_docs: false,
            keep_locales: false,
            source_date_epoch: None,
        }
    }
}

/// One package to unpack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageInput {
    /// Where the `.deb` is (the package cache, or a local file).
    pub deb: PathBuf,
}

impl PackageInput {
    pub fn new(deb: impl Into<PathBuf>) -> PackageInput {
        PackageInput { deb: deb.into() }
    }
}

/// Which kind of image: hardened for production, or the development companion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Variant {
    /// No shell, no package manager, no setuid/setgid bits; non-root by default.
    #[default]
    Runtime,
    /// Shell and package manager kept; runs as root by default.
    Dev,
}

impl Variant {
    pub fn name(self) -> &'static str {
        match self {
            Variant::Runtime => "runtime",
            Variant::Dev => "dev",
        }
    }
}

/// Accounts written to `/etc/passwd` and `/etc/group` (no shadow files: no account has a
/// password). `root` (0) is always there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accounts {
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    /// The user the image runs as, by name (or a numeric `uid[:gid]`). `None`: `nonroot`
    /// for the runtime variant, `root` for dev.
    pub run_as: Option<String>,
}

impl Default for Accounts {
    /// The `nonroot` user and group (65532), as distroless and DHI ship.
    fn default() -> Accounts {
        Accounts {
            users: vec![User::new(NONROOT, NONROOT_ID, NONROOT_ID)],
            groups: vec![Group::new(NONROOT, NONROOT_ID)],
            run_as: None,
        }
    }
}

/// One `/etc/passwd` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    /// Default `/home/<name>` (created, owned by the user, mode 0755).
    pub home: Option<String>,
    /// Default `/sbin/nologin`.
    pub shell: Option<String>,
}

impl User {
    pub fn new(name: &str, uid: u32, gid: u32) -> User {
        User {
            name: name.to_owned(),
            uid,
            gid,
            home: None,
            shell: None,
        }
    }
}

/// One `/etc/group` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub gid: u32,
    pub members: Vec<String>,
}

impl Group {
    pub fn new(name: &str, gid: u32) -> Group {
        Group {
            name: name.to_owned(),
            gid,
            members: Vec::new(),
        }
    }
}

/// A path the spec adds or changes. Paths are absolute; owner and mode default to
/// root:root and 0755 (directories, symlinks) or 0644 (files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraPath {
    pub path: String,
    pub kind: ExtraPathKind,
    /// Permission bits (`0o7777` at most; setuid/setgid are still removed from runtime
    /// images).
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
}

impl ExtraPath {
    pub fn new(path: &str, kind: ExtraPathKind) -> ExtraPath {
        ExtraPath {
            path: path.to_owned(),
            kind,
            mode: None,
            uid: None,
            gid: None,
        }
    }
}

/// What an [`ExtraPath`] makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtraPathKind {
    /// A directory (and its missing parents).
    Directory,
    /// A regular file with these bytes (inline content, or a local file the spec read).
    File { content: Vec<u8> },
    /// A symbolic link to `target`, stored as written.
    Symlink { target: String },
    /// Only change the mode and owner of a path that exists (a package's or an earlier
    /// extra path's).
    Permissions,
}

/// What the image's config says, beyond the root filesystem.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageSettings {
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    /// Written as `KEY=VALUE`, sorted by key. `PATH` defaults to the usual Debian one.
    pub env: BTreeMap<String, String>,
    pub workdir: Option<String>,
    /// Config labels.
    pub labels: BTreeMap<String, String>,
    /// Manifest annotations.
    pub annotations: BTreeMap<String, String>,
    pub stop_signal: Option<String>,
}
