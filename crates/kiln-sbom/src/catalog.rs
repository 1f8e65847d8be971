//! Cataloguing a target: one streaming pass over the layers that captures exactly the
//! files some cataloger wants, then every cataloger in turn over the merged view.

use std::path::Path;

use kiln_oci::fs::{Candidate, Limits, MergedFs, Select, Want};
use kiln_oci::{Image, ImageSource};
use kiln_types::{Inventory, LayerInfo, TargetInfo};

use crate::cataloger::{Cataloger, Context};
use crate::{
    Apk, Binary, CargoLock, Composer, DotNet, Dpkg, Java, Npm, OsRelease, Python, Result, Rpm, Ruby,
};

/// An ordered set of catalogers.
pub struct Catalog {
    catalogers: Vec<Box<dyn Cataloger>>,
    limits: Limits,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<_> = self.catalogers.iter().map(|c| c.name()).collect();
        f.debug_struct("Catalog")
            .field("catalogers", &names)
            .finish()
    }
}

impl Default for Catalog {
    /// os-release first (purls need the distro), then the OS package managers (which
    /// record the files they own), then the language ecosystems (which skip those).
    fn default() -> Catalog {
        Catalog::new(vec![
            Box::new(OsRelease),
            Box::new(Dpkg),
            Box::new(Apk),
            Box::new(Rpm),
            Box::new(Python),
            Box::new(Npm),
            Box::new(Binary),
            Box::new(CargoLock),
            Box::new(Java),
            Box::new(Ruby),
            Box::new(Composer),
            Box::new(DotNet),
        ])
    }
}

impl Catalog {
    /// Catalogers run in the order given; put OS catalogers before language ones.
    pub fn new(catalogers: Vec<Box<dyn Cataloger>>) -> Catalog {
        Catalog {
            catalogers,
            limits: Limits::default(),
        }
    }

    /// Replaces the limits of the streaming pass.
    pub fn with_limits(mut self, limits: Limits) -> Catalog {
        self.limits = limits;
        self
    }

    /// Whether any cataloger wants the file at `path`.
    pub fn wants(&self, path: &str, size: u64) -> bool {
        self.catalogers.iter().any(|c| c.wants(path, size))
    }

    /// Reads the image's layers once, capturing what the catalogers select.
    pub fn read_image(&self, src: &dyn ImageSource, image: &Image) -> Result<MergedFs> {
        Ok(MergedFs::from_image_selected(
            src,
            image,
            self,
            &self.limits,
        )?)
    }

    /// Reads a root filesystem directory (`dir:`) by walking it, reading only the files
    /// the catalogers select; the same view as reading the directory as a one-layer image.
    pub fn read_dir(&self, dir: &Path) -> Result<MergedFs> {
        Ok(MergedFs::from_dir(dir, self, &self.limits)?)
    }

    /// Walks and catalogues a root filesystem directory; `name` is the target as the
    /// user wrote it, `platform` the one the directory is described as. The document has
    /// no image digests: a directory has none without reading every byte of it. Its time
    /// is the newest modification time in the tree, so the same tree gives the same
    /// document.
    pub fn catalog_dir(&self, dir: &Path, platform: &str, name: &str) -> Result<Inventory> {
        let fs = self.read_dir(dir)?;
        let mut inv = self.catalog_fs(&fs);
        inv.source = dir_target_info(platform, name);
        inv.source.created = fs
            .entries()
            .map(|e| e.mtime)
            .max()
            .and_then(|newest| jiff::Timestamp::from_second(i64::try_from(newest).ok()?).ok())
            .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
        Ok(inv)
    }

    /// Runs every cataloger over `fs`. The inventory's `source` is left empty.
    pub fn catalog_fs(&self, fs: &MergedFs) -> Inventory {
        let mut ctx = Context::default();
        for c in &self.catalogers {
            let before = ctx.packages.len();
            if let Err(e) = c.catalog(fs, &mut ctx) {
                ctx.warn(c.name(), e);
            }
            tracing::debug!(
                cataloger = c.name(),
                found = ctx.packages.len() - before,
                "catalogued"
            );
        }
        for a in fs.anomalies() {
            ctx.warnings.push(format!(
                "image: layer {}: {:?}: {}",
                a.layer, a.name, a.reason
            ));
        }
        ctx.into_inventory()
    }

    /// Reads and catalogues one image; `name` is the target as the user wrote it.
    pub fn catalog_image(
        &self,
        src: &dyn ImageSource,
        image: &Image,
        name: &str,
    ) -> Result<Inventory> {
        let fs = self.read_image(src, image)?;
        let mut inv = self.catalog_fs(&fs);
        inv.source = target_info(image, name);
        Ok(inv)
    }
}

impl Select for Catalog {
    /// Whole content if a cataloger wants it, else the first cataloger's probe.
    fn select(&self, file: &Candidate<'_>) -> Want {
        let mut probe = Want::Skip;
        for c in &self.catalogers {
            match c.select(file) {
                Want::Content => return Want::Content,
                p @ Want::Probe { .. } if matches!(probe, Want::Skip) => probe = p,
                _ => {}
            }
        }
        probe
    }
}

/// The description of a directory target: its name and platform, no digests or layers.
pub fn dir_target_info(platform: &str, name: &str) -> TargetInfo {
    TargetInfo {
        name: name.to_owned(),
        platform: platform.to_owned(),
        ..TargetInfo::default()
    }
}

/// The description of `image` that documents carry.
pub fn target_info(image: &Image, name: &str) -> TargetInfo {
    TargetInfo {
        name: name.to_owned(),
        digest: image.root.digest.to_string(),
        manifest_digest: image.manifest.digest.to_string(),
        platform: image.config.platform().to_string(),
        created: image.config.created.clone(),
        layers: image
            .layers()
            .iter()
            .enumerate()
            .map(|(i, l)| LayerInfo {
                digest: l.digest.to_string(),
                diff_id: image.diff_id(i).map(ToString::to_string),
                size: l.size,
            })
            .collect(),
    }
}
