//! Root filesystem directories (`dir:`): read as a one-layer image, written by safe unpacking.
//!
//! Reading walks the directory in sorted order without following symlinks and writes an
//! uncompressed tar to a temporary file (owners 0:0, modes and mtimes kept, hard links
//! kept as tar hard links); the config and manifest are synthesised with a fixed
//! creation time (`SOURCE_DATE_EPOCH`, else the epoch), so the same directory always
//! gives the same manifest digest.

mod archive;
mod destination;

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kiln_types::Platform;

use crate::manifest::{Descriptor, ImageConfig, ImageManifest, RawManifest, RootFs};
use crate::media_type;
use crate::source::ImageSource;
use crate::{Error, Result};

pub use destination::DirDestination;

/// A root filesystem directory read as a one-layer image.
#[derive(Debug)]
pub struct DirSource {
    dir: PathBuf,
    layer: Arc<File>,
    layer_desc: Descriptor,
    config: Vec<u8>,
    config_desc: Descriptor,
    manifest: RawManifest,
}

impl DirSource {
    /// Walks `dir` into a layer now; the image's platform is `platform`.
    pub fn open(dir: &Path, platform: &Platform) -> Result<DirSource> {
        let what = format!("dir:{}", dir.display());
        match std::fs::metadata(dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(Error::InvalidTarget {
                    input: what,
                    reason: "not a directory".to_owned(),
                });
            }
            Err(e) => return Err(Error::io(dir, e)),
        }
        let (layer, diff_id, size) = archive::write(dir)?;
        let layer_desc = Descriptor::new(media_type::OCI_LAYER, diff_id.clone(), size);
        let config = ImageConfig {
            created: Some(created()),
            architecture: platform.architecture().to_owned(),
            os: platform.os().to_owned(),
            variant: platform.variant().map(str::to_owned),
            rootfs: RootFs {
                kind: "layers".to_owned(),
                diff_ids: vec![diff_id],
            },
            ..ImageConfig::default()
        };
        let config = serde_json::to_vec(&config).map_err(|e| Error::InvalidManifest {
            what: what.clone(),
            reason: e.to_string(),
        })?;
        let config_desc = Descriptor::of_bytes(media_type::OCI_CONFIG, &config);
        let manifest = ImageManifest {
            schema_version: 2,
            media_type: Some(media_type::OCI_MANIFEST.to_owned()),
            artifact_type: None,
            config: config_desc.clone(),
            layers: vec![layer_desc.clone()],
            subject: None,
            annotations: Default::default(),
        };
        let manifest = RawManifest::from_value(media_type::OCI_MANIFEST, &manifest)?;
        Ok(DirSource {
            dir: dir.to_owned(),
            layer: Arc::new(layer),
            layer_desc,
            config,
            config_desc,
            manifest,
        })
    }
}

impl ImageSource for DirSource {
    fn name(&self) -> String {
        format!("dir:{}", self.dir.display())
    }

    fn root_manifest(&self) -> Result<RawManifest> {
        Ok(self.manifest.clone())
    }

    fn manifest(&self, desc: &Descriptor) -> Result<RawManifest> {
        if desc.digest == self.manifest.digest {
            return Ok(self.manifest.clone());
        }
        Err(Error::NotFound {
            what: format!("{} manifest {}", self.name(), desc.digest),
        })
    }

    fn blob_stream(&self, desc: &Descriptor) -> Result<Box<dyn Read + Send + '_>> {
        if desc.digest == self.config_desc.digest {
            return Ok(Box::new(&self.config[..]));
        }
        if desc.digest == self.layer_desc.digest {
            return Ok(Box::new(FileAt {
                file: Arc::clone(&self.layer),
                offset: 0,
            }));
        }
        Err(Error::NotFound {
            what: format!("{} blob {}", self.name(), desc.digest),
        })
    }
}

/// Reads a shared file from an offset of its own, so streams do not disturb each other.
struct FileAt {
    file: Arc<File>,
    offset: u64,
}

impl Read for FileAt {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read_at(buf, self.offset)?;
        self.offset += n as u64;
        Ok(n)
    }
}

/// The creation time written into configs: `SOURCE_DATE_EPOCH` if set, else the epoch.
fn created() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or(0);
    rfc3339(secs)
}

/// `secs` since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian calendar).
fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Days to civil date, after Howard Hinnant's public-domain algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_times() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
    }
}
