//! A build from a spec and its lock: every locked `.deb` is taken from the package cache
//! (fetched if missing, its SHA-256 checked either way), each architecture assembled and
//! turned into an image, and the images written as one image or an index. The same spec
//! and lock give the same bytes.

use std::collections::BTreeMap;
use std::path::PathBuf;

use kiln_debian::cache::{Cache, CacheError};
use kiln_oci::ImageDestination;
use kiln_oci::manifest::RawManifest;

use crate::image::{self, BuiltImage};
use crate::input::{self, AssemblyInput, ExtraPath, ExtraPathKind, ImageSettings, PackageInput};
use crate::lock::{Lock, LockedPackage};
use crate::spec::{PathKind, Spec};
use crate::{Assembled, assemble};

/// A build failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("package {name} {version} ({arch}) from {url}: {source}")]
    Fetch {
        name: String,
        version: String,
        arch: String,
        url: String,
        #[source]
        source: Box<CacheError>,
    },
    #[error("the lock has no packages for {arch}, which the spec builds: run `kiln lock` again")]
    MissingArch { arch: String },
    #[error(transparent)]
    Assembly(#[from] Box<crate::Error>),
}

/// Settings of a build beyond the spec.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// `SOURCE_DATE_EPOCH`; `None`: the newest mtime in the packages.
    pub source_date_epoch: Option<u64>,
}

/// One architecture's image and what went into it.
#[derive(Debug, Clone)]
pub struct ArchBuild {
    pub assembled: Assembled,
    pub image: BuiltImage,
    /// The locked packages, in lock order.
    pub packages: Vec<LockedPackage>,
}

/// Every architecture's image.
#[derive(Debug, Clone)]
pub struct Build {
    pub arches: Vec<ArchBuild>,
    /// Annotations for the index (the spec's).
    pub annotations: BTreeMap<String, String>,
}

impl Build {
    /// Writes the image (one architecture) or an index over all of them, and commits.
    pub fn write(&self, dest: Box<dyn ImageDestination>) -> Result<RawManifest, BuildError> {
        let images: Vec<BuiltImage> = self.arches.iter().map(|a| a.image.clone()).collect();
        image::write(&images, &self.annotations, dest).map_err(boxed)
    }

    /// The digest the image would have if written: the manifest's for one architecture,
    /// the index's for several.
    pub fn root(&self) -> Result<RawManifest, BuildError> {
        match self.arches.as_slice() {
            [one] => Ok(one.image.manifest.clone()),
            many => {
                let images: Vec<BuiltImage> = many.iter().map(|a| a.image.clone()).collect();
                image::index(&images, &self.annotations).map_err(boxed)
            }
        }
    }
}

fn boxed(e: crate::Error) -> BuildError {
    BuildError::Assembly(Box::new(e))
}

/// The `.deb` of every locked package of `arch`, from the cache.
pub fn fetch(lock: &Lock, arch: &str, cache: &Cache) -> Result<Vec<PathBuf>, BuildError> {
    let pkgs = lock
        .architectures
        .get(arch)
        .ok_or_else(|| BuildError::MissingArch {
            arch: arch.to_owned(),
        })?;
    pkgs.iter()
        .map(|p| {
            cache
                .fetch(&p.url, &p.sha256, p.size)
                .map_err(|source| BuildError::Fetch {
                    name: p.name.clone(),
                    version: p.version.clone(),
                    arch: arch.to_owned(),
                    url: p.url.clone(),
                    source: Box::new(source),
                })
        })
        .collect()
}

/// Builds `spec` (already the wanted variant) from `lock`.
pub fn build(
    spec: &Spec,
    lock: &Lock,
    cache: &Cache,
    opts: &BuildOptions,
) -> Result<Build, BuildError> {
    let settings = settings(spec);
    let mut arches = Vec::new();
    for arch in &spec.architectures {
        let arch = arch.as_str();
        let _span = tracing::info_span!("build", arch).entered();
        let debs = fetch(lock, arch, cache)?;
        let mut input = AssemblyInput::new(arch, debs.into_iter().map(PackageInput::new).collect());
        input.accounts = accounts(spec);
        input.paths = paths(spec);
        input.variant = spec.variant;
        input.source_date_epoch = opts.source_date_epoch;
        let assembled = assemble(&input).map_err(boxed)?;
        let image = image::build(&assembled, &settings).map_err(boxed)?;
        arches.push(ArchBuild {
            assembled,
            image,
            packages: lock.architectures.get(arch).cloned().unwrap_or_default(),
        });
    }
    Ok(Build {
        arches,
        annotations: spec.config.annotations.clone(),
    })
}

fn accounts(spec: &Spec) -> input::Accounts {
    let a = &spec.accounts;
    input::Accounts {
        users: a
            .users
            .iter()
            .map(|u| input::User {
                name: u.name.clone(),
                uid: u.uid,
                gid: u.gid,
                home: Some(u.home.clone()),
                shell: Some(u.shell.clone()),
            })
            .collect(),
        groups: a
            .groups
            .iter()
            .map(|g| input::Group {
                name: g.name.clone(),
                gid: g.gid,
                members: g.members.clone(),
            })
            .collect(),
        run_as: Some(a.run_as.clone()),
    }
}

fn paths(spec: &Spec) -> Vec<ExtraPath> {
    spec.paths
        .iter()
        .map(|p| ExtraPath {
            path: p.path.clone(),
            kind: match &p.kind {
                PathKind::Directory => ExtraPathKind::Directory,
                PathKind::File { content, .. } => ExtraPathKind::File {
                    content: content.clone(),
                },
                PathKind::Symlink { target } => ExtraPathKind::Symlink {
                    target: target.clone(),
                },
                PathKind::Permissions => ExtraPathKind::Permissions,
            },
            mode: p.mode,
            uid: Some(p.uid),
            gid: Some(p.gid),
        })
        .collect()
}

fn settings(spec: &Spec) -> ImageSettings {
    let c = &spec.config;
    let non_empty = |v: &Vec<String>| (!v.is_empty()).then(|| v.clone());
    ImageSettings {
        entrypoint: non_empty(&c.entrypoint),
        cmd: non_empty(&c.cmd),
        env: c.env.clone(),
        workdir: c.workdir.clone(),
        labels: c.labels.clone(),
        annotations: c.annotations.clone(),
        stop_signal: None,
    }
}
