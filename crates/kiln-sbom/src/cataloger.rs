//! The cataloger interface: each cataloger names the paths it wants, and after the one
//! streaming pass over the layers reads their captured content from the merged view.
//!
//! Catalogers run in order; OS catalogers run first and record the files their packages
//! own ([`Context::own`]) so that later (language) catalogers can skip them
//! ([`Context::is_owned`]).

use std::collections::HashSet;

use kiln_oci::fs::{Candidate, Entry, EntryKind, MergedFs, Want};
use kiln_types::{Distro, Inventory, Package, Relationship, TargetInfo};

use crate::Result;

/// Finds one kind of package.
pub trait Cataloger: Send + Sync {
    /// A short name for logs and warnings: `dpkg`, `apk`, `rpm`.
    fn name(&self) -> &'static str;

    /// Whether the content of the file at `path` (normalised, absolute) of `size` bytes
    /// is needed. Called for every regular file of every layer: keep it cheap.
    fn wants(&self, path: &str, size: u64) -> bool;

    /// What to keep of a file, knowing also its mode; by default the whole content of
    /// what [`Cataloger::wants`]. Catalogers that look at files anywhere (executables)
    /// return [`Want::Probe`] so only files that pass a cheap look are held.
    fn select(&self, file: &Candidate<'_>) -> Want {
        if self.wants(file.path, file.size) {
            Want::Content
        } else {
            Want::Skip
        }
    }

    /// Reads what it wanted from `fs` and adds packages to `ctx`. A returned error
    /// becomes a warning; problems with single entries should be [`Context::warn`]ed and
    /// skipped instead.
    fn catalog(&self, fs: &MergedFs, ctx: &mut Context) -> Result<()>;
}

/// What catalogers have found so far.
#[derive(Debug, Default)]
pub struct Context {
    pub distro: Option<Distro>,
    pub packages: Vec<Package>,
    pub relationships: Vec<Relationship>,
    pub warnings: Vec<String>,
    /// Paths OS packages own; sorted only once, into the inventory.
    owned: HashSet<String>,
}

impl Context {
    pub fn warn(&mut self, cataloger: &str, message: impl std::fmt::Display) {
        let line = format!("{cataloger}: {message}");
        tracing::warn!("{line}");
        self.warnings.push(line);
    }

    /// Records that an OS package installed `path` (as its metadata lists it), and the
    /// path it resolves to inside the image when links lead elsewhere (merged `/usr`).
    /// Returns the entry it resolves to, if any.
    pub fn own<'f>(&mut self, fs: &'f MergedFs, path: &str) -> Option<&'f Entry> {
        let path = kiln_oci::fs::path::normal_form(path).ok()?.into_owned();
        // A path that is itself an entry and not a link leads to itself.
        if let Some(entry) = fs
            .get(&path)
            .filter(|e| !matches!(e.kind, EntryKind::Symlink { .. }))
        {
            self.owned.insert(path);
            return Some(entry);
        }
        let real = fs.resolve_path(&path);
        let entry = real.as_deref().and_then(|r| fs.get(r));
        if let Some(real) = real
            && real != path
        {
            self.owned.insert(real);
        }
        self.owned.insert(path);
        entry
    }

    /// Whether an OS package owns `path` (normalised, absolute).
    pub fn is_owned(&self, path: &str) -> bool {
        self.owned.contains(path)
    }

    /// The inventory of what was found (its `source` left empty), with CPEs for the
    /// packages that need them ([`crate::cpe`]), normalised.
    pub(crate) fn into_inventory(mut self) -> Inventory {
        for p in &mut self.packages {
            if p.cpes.is_empty() {
                p.cpes = crate::cpe::candidates(p, self.distro.as_ref());
            }
        }
        let mut inv = Inventory {
            source: TargetInfo::default(),
            distro: self.distro,
            packages: self.packages,
            relationships: self.relationships,
            warnings: self.warnings,
            owned_paths: self.owned.into_iter().collect(),
        };
        inv.normalize();
        inv
    }
}
