//! The image around an assembled root: the OCI config (entrypoint, cmd, env sorted,
//! workdir, user, labels, `created` = the epoch, history) and manifest, written to any
//! [`ImageDestination`]; several architectures become one index. The same inputs give
//! the same bytes, so the same manifest digest.

use std::collections::BTreeMap;

use kiln_oci::ImageDestination;
use kiln_oci::manifest::{
    Descriptor, History, ImageConfig, ImageIndex, ImageManifest, PlatformSpec, RawManifest, RootFs,
    RuntimeConfig,
};
use kiln_oci::media_type;
use kiln_types::Platform;

use crate::assemble::{Assembled, assemble};
use crate::input::{AssemblyInput, ImageSettings};
use crate::layer::{self, Layer};
use crate::{Error, Result};

/// `PATH` when the settings do not set one (Debian's default for root and users).
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// One architecture's image, ready to write.
#[derive(Debug, Clone)]
pub struct BuiltImage {
    pub platform: Platform,
    pub layer: Layer,
    /// The config blob's bytes.
    pub config: Vec<u8>,
    /// The manifest, digest over exactly these bytes.
    pub manifest: RawManifest,
}

/// The OCI `architecture` and `variant` of a Debian architecture.
pub fn oci_platform(debian_arch: &str) -> Option<(&'static str, Option<&'static str>)> {
    Some(match debian_arch {
        "amd64" => ("amd64", None),
        "arm64" => ("arm64", Some("v8")),
        "armhf" => ("arm", Some("v7")),
        "armel" => ("arm", Some("v5")),
        "i386" => ("386", None),
        "ppc64el" => ("ppc64le", None),
        "s390x" => ("s390x", None),
        "riscv64" => ("riscv64", None),
        "mips64el" => ("mips64le", None),
        _ => return None,
    })
}

/// The epoch as RFC 3339 (`1970-01-01T00:00:00Z`).
pub fn rfc3339(epoch: u64) -> Result<String> {
    let secs = i64::try_from(epoch).ok();
    let ts = secs
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
        .ok_or_else(|| Error::Invalid {
            what: "SOURCE_DATE_EPOCH".to_owned(),
            reason: format!("{epoch} is out of range"),
        })?;
    Ok(ts.to_string())
}

/// Builds the layer, config and manifest of `assembled`.
pub fn build(assembled: &Assembled, settings: &ImageSettings) -> Result<BuiltImage> {
    let (arch, variant) = oci_platform(&assembled.architecture).ok_or_else(|| Error::Invalid {
        what: format!("architecture {:?}", assembled.architecture),
        reason: "not a Debian architecture kiln builds".to_owned(),
    })?;
    let layer = layer::write(&assembled.rootfs, assembled.epoch)?;
    let created = rfc3339(assembled.epoch)?;
    let mut env: BTreeMap<String, String> = settings.env.clone();
    env.entry("PATH".to_owned())
        .or_insert_with(|| DEFAULT_PATH.to_owned());
    if !assembled.extra_library_dirs.is_empty() {
        env.entry("LD_LIBRARY_PATH".to_owned())
            .or_insert_with(|| assembled.extra_library_dirs.join(":"));
    }
    let config = ImageConfig {
        created: Some(created.clone()),
        author: None,
        architecture: arch.to_owned(),
        os: "linux".to_owned(),
        variant: variant.map(str::to_owned),
        config: Some(RuntimeConfig {
            user: Some(assembled.user.clone()),
            exposed_ports: None,
            env: Some(env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
            entrypoint: settings.entrypoint.clone(),
            cmd: settings.cmd.clone(),
            volumes: None,
            working_dir: settings.workdir.clone(),
            labels: (!settings.labels.is_empty()).then(|| settings.labels.clone()),
            stop_signal: settings.stop_signal.clone(),
        }),
        rootfs: RootFs {
            kind: "layers".to_owned(),
            diff_ids: vec![layer.diff_id.clone()],
        },
        history: vec![History {
            created: Some(created),
            created_by: Some(format!(
                "kiln build: {} Debian packages",
                assembled.packages.len()
            )),
            author: None,
            comment: None,
            empty_layer: false,
        }],
    };
    let config_bytes = serde_json::to_vec(&config).map_err(|e| Error::Invalid {
        what: "image config".to_owned(),
        reason: e.to_string(),
    })?;
    let manifest = ImageManifest {
        schema_version: 2,
        media_type: Some(media_type::OCI_MANIFEST.to_owned()),
        artifact_type: None,
        config: Descriptor::of_bytes(media_type::OCI_CONFIG, &config_bytes),
        layers: vec![Descriptor::new(
            media_type::OCI_LAYER_GZIP,
            layer.digest.clone(),
            layer.compressed.len() as u64,
        )],
        subject: None,
        annotations: settings.annotations.clone(),
    };
    let manifest = RawManifest::from_value(media_type::OCI_MANIFEST, &manifest)?;
    tracing::info!(digest = %manifest.digest, arch, "image built");
    Ok(BuiltImage {
        platform: Platform::new("linux", arch, variant),
        layer,
        config: config_bytes,
        manifest,
    })
}

/// Assembles and builds `input` twice and checks both give byte-identical manifests,
/// configs and layers (`kiln build --verify-reproducible`). Returns the first build.
pub fn build_verified(
    input: &AssemblyInput,
    settings: &ImageSettings,
) -> Result<(Assembled, BuiltImage)> {
    let first_root = assemble(input)?;
    let first = build(&first_root, settings)?;
    let second = build(&assemble(input)?, settings)?;
    if first.manifest.bytes != second.manifest.bytes
        || first.config != second.config
        || first.layer != second.layer
    {
        return Err(Error::NotReproducible {
            architecture: input.architecture.clone(),
            first: first.manifest.digest.to_string(),
            second: second.manifest.digest.to_string(),
        });
    }
    Ok((first_root, first))
}

/// The OCI index over `images`, each entry with its platform.
pub fn index(images: &[BuiltImage], annotations: &BTreeMap<String, String>) -> Result<RawManifest> {
    let mut index = ImageIndex::empty();
    index.annotations = annotations.clone();
    for image in images {
        let mut desc = image.manifest.descriptor();
        desc.platform = Some(PlatformSpec {
            architecture: image.platform.architecture().to_owned(),
            os: image.platform.os().to_owned(),
            os_version: None,
            os_features: None,
            variant: image.platform.variant().map(str::to_owned),
        });
        index.manifests.push(desc);
    }
    Ok(RawManifest::from_value(media_type::OCI_INDEX, &index)?)
}

/// Writes `images` to `dest` and commits: one image → its manifest is the root; several
/// → an OCI index over them (with `annotations`) is. Returns the root manifest.
pub fn write(
    images: &[BuiltImage],
    annotations: &BTreeMap<String, String>,
    dest: Box<dyn ImageDestination>,
) -> Result<RawManifest> {
    for image in images {
        let layer = Descriptor::new(
            media_type::OCI_LAYER_GZIP,
            image.layer.digest.clone(),
            image.layer.compressed.len() as u64,
        );
        if !dest.has_blob(&layer)? {
            dest.put_blob(&layer, &mut image.layer.compressed.as_slice())?;
        }
        let config = Descriptor::of_bytes(media_type::OCI_CONFIG, &image.config);
        if !dest.has_blob(&config)? {
            dest.put_blob(&config, &mut image.config.as_slice())?;
        }
    }
    let root = match images {
        [] => {
            return Err(Error::Invalid {
                what: dest.name(),
                reason: "no image to write".to_owned(),
            });
        }
        [one] => one.manifest.clone(),
        many => {
            for image in many {
                dest.put_manifest(&image.manifest)?;
            }
            index(many, annotations)?
        }
    };
    dest.commit(&root)?;
    Ok(root)
}
