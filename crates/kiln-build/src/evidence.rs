//! The build's evidence, made from the resolution itself rather than by scanning the
//! result: an SBOM per architecture (a kiln-types [`Inventory`] of the locked Debian
//! packages with purls, source packages and the distribution, written by kiln-sbom as
//! SPDX 2.3 or CycloneDX 1.6) and SLSA provenance v1 (the spec and lock digests as
//! external parameters, every `.deb` as a resolved dependency with its SHA-256).

use std::collections::BTreeMap;

use kiln_attest::predicate::provenance::{
    BuildDefinition, BuildMetadata, Builder, Provenance, ResourceDescriptor, RunDetails,
};
use kiln_attest::statement::Subject;
use kiln_sbom::format::{self, Format, WriteOptions};
use kiln_types::{
    Distro, Inventory, LayerInfo, Package, PackageKind, Purl, SourcePackage, TargetInfo,
};
use serde_json::{Value, json};

use crate::builder::{ArchBuild, Build};
use crate::lock::Lock;
use crate::spec::{PathKind, Spec};

/// The provenance `buildType` of a kiln image build.
pub const BUILD_TYPE: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/build/v1");
/// The builder id kiln writes into provenance.
pub const BUILDER_ID: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/builder");

/// The inventory of one architecture's image: every locked package, as the image's
/// `status.d` records it.
pub fn inventory(arch: &ArchBuild, name: &str) -> Inventory {
    let distro = ["/etc/os-release", "/usr/lib/os-release"]
        .iter()
        .find_map(|p| arch.assembled.rootfs.read(p))
        .and_then(|b| Distro::from_os_release(&String::from_utf8_lossy(b)));
    let image = &arch.image;
    let digest = image.manifest.descriptor().digest.to_string();
    let mut inv = Inventory {
        source: TargetInfo {
            name: name.to_owned(),
            digest: digest.clone(),
            manifest_digest: digest,
            platform: image.platform.to_string(),
            created: crate::image::rfc3339(arch.assembled.epoch).ok(),
            layers: vec![LayerInfo {
                digest: image.layer.digest.to_string(),
                diff_id: Some(image.layer.diff_id.to_string()),
                size: image.layer.compressed.len() as u64,
            }],
        },
        distro: distro.clone(),
        ..Inventory::default()
    };
    for p in &arch.packages {
        let source = SourcePackage {
            name: p.source.clone(),
            version: Some(p.source_version.clone()),
        };
        let Some(purl) = purl(
            distro.as_ref(),
            &p.name,
            &p.version,
            &p.architecture,
            &source,
        ) else {
            inv.warnings.push(format!(
                "package {}: no purl for its name or version",
                p.name
            ));
            continue;
        };
        let mut pkg = Package::new(PackageKind::Deb, &p.name, &p.version, purl);
        pkg.arch = Some(p.architecture.clone());
        pkg.source = Some(source);
        pkg.layer = Some(0);
        pkg.locations.push(kiln_types::Location {
            path: format!("/var/lib/dpkg/status.d/{}", p.name),
            layer: Some(0),
        });
        inv.packages.push(pkg);
    }
    inv.normalize();
    inv
}

/// `pkg:deb/<vendor>/<name>@<version>?arch=…&distro=…&upstream=…`, as kiln's dpkg
/// cataloger writes it for the same package found in an image.
fn purl(
    distro: Option<&Distro>,
    name: &str,
    version: &str,
    arch: &str,
    source: &SourcePackage,
) -> Option<Purl> {
    let vendor = distro.map_or("debian", |d| d.id.as_str());
    let mut purl = Purl::new("deb", name)
        .ok()?
        .with_namespace(vendor)
        .with_version(version)
        .with_qualifier("arch", arch)
        .ok()?;
    if let Some(d) = distro {
        purl = purl.with_qualifier("distro", &d.purl_qualifier()).ok()?;
    }
    let src_version = source.version.as_deref().unwrap_or(version);
    let upstream = match (source.name != name, src_version != version) {
        (true, true) => format!("{}@{src_version}", source.name),
        (true, false) => source.name.clone(),
        (false, true) => format!("{name}@{src_version}"),
        (false, false) => String::new(),
    };
    purl.with_qualifier("upstream", &upstream).ok()
}

/// The SBOM document of one architecture in `format`; times from the image's epoch.
pub fn sbom(arch: &ArchBuild, name: &str, format: Format) -> Result<Vec<u8>, kiln_sbom::Error> {
    let inv = inventory(arch, name);
    let epoch = arch.assembled.epoch.to_string();
    let opts = WriteOptions::new(env!("CARGO_PKG_VERSION"), &inv, Some(&epoch));
    format::write(format, &inv, &opts)
}

/// When the build ran, RFC 3339 UTC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildTimes {
    pub started_on: String,
    pub finished_on: String,
}

/// SLSA provenance v1 for `build`: its subjects are the image manifests (and the index
/// for several architectures), named `name`.
pub fn provenance(spec: &Spec, lock: &Lock, build: &Build, times: &BuildTimes) -> Provenance {
    let sha = |d: &str| {
        BTreeMap::from([(
            "sha256".to_owned(),
            d.strip_prefix("sha256:").unwrap_or(d).to_owned(),
        )])
    };
    let mut external = serde_json::Map::new();
    external.insert(
        "spec".into(),
        json!({"path": spec.file, "digest": sha(&spec.digest_string())}),
    );
    external.insert("lock".into(), json!({"digest": sha(&lock.digest())}));
    external.insert("variant".into(), json!(spec.variant.name()));
    external.insert(
        "architectures".into(),
        json!(
            build
                .arches
                .iter()
                .map(|a| a.assembled.architecture.clone())
                .collect::<Vec<_>>()
        ),
    );
    let sources: Vec<Value> = lock
        .sources
        .iter()
        .map(|s| json!({"uri": s.uri, "suite": s.suite, "components": s.components, "release": sha(&s.release), "signer": s.signer}))
        .collect();
    external.insert("sources".into(), Value::Array(sources));
    let mut deps: BTreeMap<String, ResourceDescriptor> = BTreeMap::new();
    for pkgs in lock.architectures.values() {
        for p in pkgs {
            deps.entry(p.url.clone())
                .or_insert_with(|| ResourceDescriptor {
                    uri: Some(p.url.clone()),
                    digest: sha(&p.sha256),
                    name: Some(format!("{}_{}_{}.deb", p.name, p.version, p.architecture)),
                    content: None,
                });
        }
    }
    let mut resolved: Vec<ResourceDescriptor> = deps.into_values().collect();
    for p in &spec.paths {
        if let PathKind::File {
            content,
            source: Some(src),
        } = &p.kind
        {
            resolved.push(ResourceDescriptor {
                uri: None,
                digest: sha(kiln_types::Digest::sha256(content).hex()),
                name: Some(src.clone()),
                content: None,
            });
        }
    }
    let epoch = build.arches.first().map_or(0, |a| a.assembled.epoch);
    Provenance {
        build_definition: BuildDefinition {
            build_type: BUILD_TYPE.to_owned(),
            external_parameters: external,
            internal_parameters: Some(json!({"sourceDateEpoch": epoch})),
            resolved_dependencies: resolved,
        },
        run_details: RunDetails {
            builder: Builder {
                id: BUILDER_ID.to_owned(),
                version: BTreeMap::from([(
                    "kiln".to_owned(),
                    env!("CARGO_PKG_VERSION").to_owned(),
                )]),
                builder_dependencies: Vec::new(),
            },
            metadata: Some(BuildMetadata {
                invocation_id: None,
                started_on: Some(times.started_on.clone()),
                finished_on: Some(times.finished_on.clone()),
            }),
            byproducts: Vec::new(),
        },
    }
}

/// The subjects of the provenance statement: each image manifest and, for several
/// architectures, the index.
pub fn subjects(build: &Build, name: &str) -> Vec<Subject> {
    let mut out: Vec<Subject> = build
        .arches
        .iter()
        .map(|a| Subject::new(Some(name), &a.image.manifest.descriptor().digest))
        .collect();
    if build.arches.len() > 1
        && let Ok(index) = build.root()
    {
        out.push(Subject::new(Some(name), &index.descriptor().digest));
    }
    out
}
