//! Packages indexes: `COMPONENT/binary-ARCH/Packages{.xz,.gz,}` fetched into the
//! cache only by the size and SHA-256 a [`VerifiedRelease`] lists, decompressed, and
//! read into [`PackageRecord`]s. Records that cannot be used (no SHA256, a bad version or
//! relationship) are skipped and logged: a package that cannot be verified is not
//! available.

use std::io::Read;

use kiln_version::dpkg::DpkgVersion;

use crate::cache::{Cache, CacheError};
use crate::control::{self, Paragraph};
use crate::relation::{self, Alternatives, Relation};
use crate::release::VerifiedRelease;

/// A Packages index that cannot be used; each variant names it.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// Release lists no Packages file for this component and architecture.
    #[error("{suite}: Release lists no Packages index for {component}/binary-{arch}")]
    NotListed {
        suite: String,
        component: String,
        arch: String,
    },
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error("{name}: cannot decompress")]
    Decompress {
        name: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{name}: larger than {limit} bytes once decompressed")]
    TooLarge { name: String, limit: u64 },
    #[error("{name}: not UTF-8")]
    NotText { name: String },
}

/// Decompressed Packages indexes larger than this are refused (Debian main amd64 is
/// about 50 MB).
pub const MAX_INDEX_BYTES: u64 = 1 << 30;

/// `Multi-Arch` of a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MultiArch {
    #[default]
    No,
    Same,
    Foreign,
    Allowed,
}

/// One binary package as an index lists it.
#[derive(Debug, Clone)]
pub struct PackageRecord {
    pub name: String,
    pub version: DpkgVersion,
    pub architecture: String,
    /// Source package name (`Source:`, else the binary name).
    pub source: String,
    /// Source version (`Source: x (v)`, else the binary version).
    pub source_version: DpkgVersion,
    pub depends: Vec<Alternatives>,
    pub pre_depends: Vec<Alternatives>,
    pub provides: Vec<Relation>,
    pub multi_arch: MultiArch,
    pub essential: bool,
    pub priority: Option<String>,
    /// Path of the `.deb` relative to the archive root.
    pub filename: String,
    pub size: u64,
    /// SHA-256 of the `.deb`, lowercase hex.
    pub sha256: String,
    /// The whole paragraph as the index has it.
    pub paragraph: Paragraph,
}

impl PackageRecord {
    /// Reads one paragraph; why it cannot be used otherwise.
    pub fn from_paragraph(p: Paragraph) -> Result<PackageRecord, String> {
        let need = |f: &str| {
            p.get(f)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| format!("no {f} field"))
        };
        let name = need("Package")?.to_owned();
        let version = DpkgVersion::parse(need("Version")?).map_err(|e| e.to_string())?;
        let architecture = need("Architecture")?.to_owned();
        let (source, source_version) = match p.get("Source") {
            None | Some("") => (name.clone(), version.clone()),
            Some(s) => match s.split_once('(') {
                Some((n, v)) => (
                    n.trim().to_owned(),
                    DpkgVersion::parse(v.trim_end_matches(')').trim())
                        .map_err(|e| e.to_string())?,
                ),
                None => (s.trim().to_owned(), version.clone()),
            },
        };
        let rel = |f: &str| -> Result<Vec<Alternatives>, String> {
            p.get_all(f)
                .map(|v| relation::parse_field(&v.replace('\n', " ")))
                .transpose()
                .map(Option::unwrap_or_default)
                .map_err(|e| format!("{f}: {e}"))
        };
        let depends = rel("Depends")?;
        let pre_depends = rel("Pre-Depends")?;
        let provides = p
            .get_all("Provides")
            .map(|v| relation::parse_provides(&v.replace('\n', " ")))
            .transpose()
            .map_err(|e| format!("Provides: {e}"))?
            .unwrap_or_default();
        let multi_arch = match p.get("Multi-Arch").map(str::to_ascii_lowercase).as_deref() {
            None | Some("no") => MultiArch::No,
            Some("same") => MultiArch::Same,
            Some("foreign") => MultiArch::Foreign,
            Some("allowed") => MultiArch::Allowed,
            Some(other) => return Err(format!("unknown Multi-Arch {other:?}")),
        };
        let filename = need("Filename")?.to_owned();
        if filename.starts_with('/') || filename.split('/').any(|c| c == "..") {
            return Err(format!("unsafe Filename {filename:?}"));
        }
        let size = need("Size")?
            .parse::<u64>()
            .map_err(|_| "Size is not a number".to_owned())?;
        let sha256 = need("SHA256")?.to_ascii_lowercase();
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("SHA256 is not a SHA-256 digest".into());
        }
        Ok(PackageRecord {
            name,
            version,
            architecture,
            source,
            source_version,
            depends,
            pre_depends,
            provides,
            multi_arch,
            essential: p
                .get("Essential")
                .is_some_and(|v| v.eq_ignore_ascii_case("yes")),
            priority: p.get("Priority").map(str::to_owned),
            filename,
            size,
            sha256,
            paragraph: p,
        })
    }
}

/// Reads a Packages index; unusable records are skipped and logged. `name` names the
/// index in logs.
pub fn parse_packages(text: &str, name: &str) -> Vec<PackageRecord> {
    let (paragraphs, bad) = control::paragraphs(text);
    if bad > 0 {
        tracing::warn!(
            index = name,
            lines = bad,
            "malformed lines in Packages index"
        );
    }
    paragraphs
        .into_iter()
        .filter_map(|p| {
            let line = p.line;
            PackageRecord::from_paragraph(p)
                .map_err(|reason| {
                    tracing::warn!(index = name, line, reason, "skipping package record")
                })
                .ok()
        })
        .collect()
}

fn decompress(path_in_release: &str, data: Vec<u8>) -> Result<String, IndexError> {
    let name = path_in_release.to_owned();
    let limit = MAX_INDEX_BYTES;
    let mut out = Vec::new();
    let reader: Box<dyn Read> = if path_in_release.ends_with(".xz") {
        Box::new(liblzma::read::XzDecoder::new(data.as_slice()))
    } else if path_in_release.ends_with(".gz") {
        Box::new(flate2::read::GzDecoder::new(data.as_slice()))
    } else {
        Box::new(data.as_slice())
    };
    reader
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|source| IndexError::Decompress {
            name: name.clone(),
            source,
        })?;
    if out.len() as u64 > limit {
        return Err(IndexError::TooLarge { name, limit });
    }
    String::from_utf8(out).map_err(|_| IndexError::NotText { name })
}

/// Fetches `component/binary-arch/Packages` (the `.xz`, `.gz` or plain form, whichever
/// Release lists first in that order) from `dist_uri` (`<archive>/dists/<suite>`),
/// checked against `release`, and reads it. `Ok(None)` if Release lists none and
/// `optional` is set (e.g. `binary-all`).
pub fn fetch_packages(
    cache: &Cache,
    dist_uri: &str,
    release: &VerifiedRelease,
    component: &str,
    arch: &str,
    optional: bool,
) -> Result<Option<Vec<PackageRecord>>, IndexError> {
    let r = release.release();
    let base = format!("{component}/binary-{arch}/Packages");
    let listed = ["xz", "gz", ""].iter().find_map(|ext| {
        let path = if ext.is_empty() {
            base.clone()
        } else {
            format!("{base}.{ext}")
        };
        r.files.get(&path).map(|e| (path, e))
    });
    let Some((path, entry)) = listed else {
        if optional {
            return Ok(None);
        }
        return Err(IndexError::NotListed {
            suite: dist_uri.to_owned(),
            component: component.to_owned(),
            arch: arch.to_owned(),
        });
    };
    let url = if r.acquire_by_hash {
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        format!("{dist_uri}/{dir}/by-hash/SHA256/{}", entry.sha256)
    } else {
        format!("{dist_uri}/{path}")
    };
    let file = match cache.fetch(&url, &entry.sha256, entry.size) {
        Err(CacheError::Fetch(crate::transport::FetchError::NotFound { .. }))
            if r.acquire_by_hash =>
        {
            cache.fetch(&format!("{dist_uri}/{path}"), &entry.sha256, entry.size)?
        }
        other => other?,
    };
    let data = std::fs::read(&file).map_err(|source| {
        IndexError::Cache(CacheError::Io {
            path: file.clone(),
            source,
        })
    })?;
    let text = decompress(&path, data)?;
    let name = format!("{dist_uri}/{path}");
    let records = parse_packages(&text, &name);
    tracing::debug!(
        index = name,
        packages = records.len(),
        "read Packages index"
    );
    Ok(Some(records))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SHA: &str = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";

    #[test]
    fn reads_records_and_skips_unusable_ones() {
        let text = format!(
            "Package: libfoo1\nVersion: 1.2-3\nArchitecture: amd64\nSource: foo (1.2-1)\n\
             Depends: libc6 (>= 2.36), zlib1g | zlib-ng\nPre-Depends: dpkg (>= 1.15)\n\
             Provides: libfoo (= 1.2), foo-api\nMulti-Arch: same\nPriority: optional\n\
             Filename: pool/main/f/foo/libfoo1_1.2-3_amd64.deb\nSize: 10\nSHA256: {SHA}\n\n\
             Package: base\nVersion: 1\nArchitecture: all\nEssential: yes\nFilename: pool/b.deb\nSize: 1\nSHA256: {SHA}\n\n\
             Package: nosum\nVersion: 1\nArchitecture: all\nFilename: pool/n.deb\nSize: 1\n\n\
             Package: escape\nVersion: 1\nArchitecture: all\nFilename: ../x.deb\nSize: 1\nSHA256: {SHA}\n"
        );
        let rs = parse_packages(&text, "Packages");
        assert_eq!(rs.len(), 2);
        let f = &rs[0];
        assert_eq!(
            (f.source.as_str(), f.source_version.as_str()),
            ("foo", "1.2-1")
        );
        assert_eq!(f.depends.len(), 2);
        assert_eq!(f.depends[1].0.len(), 2);
        assert_eq!(f.pre_depends[0].0[0].name, "dpkg");
        assert_eq!(
            f.provides[0].constraint.as_ref().unwrap().version.as_str(),
            "1.2"
        );
        assert_eq!(f.multi_arch, MultiArch::Same);
        assert_eq!(f.size, 10);
        assert_eq!(f.paragraph.get("Priority"), Some("optional"));
        assert!(rs[1].essential);
        assert_eq!(
            (rs[1].source.as_str(), rs[1].source_version.as_str()),
            ("base", "1")
        );
    }

    #[test]
    fn decompresses_by_extension() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"Package: a\n").unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(decompress("main/Packages.gz", gz).unwrap(), "Package: a\n");
        let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 6);
        xz.write_all(b"Package: b\n").unwrap();
        let xz = xz.finish().unwrap();
        assert_eq!(decompress("main/Packages.xz", xz).unwrap(), "Package: b\n");
        assert!(decompress("main/Packages.xz", b"not xz".to_vec()).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,300}") {
            let _ = parse_packages(&s, "p");
        }

        #[test]
        fn never_panics_near_valid(
            v in "[0-9a-z:.~+-]{0,8}", d in "[a-z0-9 (<=>|,:)]{0,30}", s in "[a-z0-9 ()._-]{0,15}"
        ) {
            let text = format!("Package: p\nVersion: {v}\nArchitecture: all\nSource: {s}\nDepends: {d}\nProvides: {d}\nFilename: p.deb\nSize: 1\nSHA256: {SHA}\n");
            let _ = parse_packages(&text, "p");
        }
    }
}
