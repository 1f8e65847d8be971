//! Reading SBOMs back into an [`Inventory`]: kiln's own inventory JSON, SPDX
//! 2.3 JSON and CycloneDX 1.4–1.6 JSON, told apart by content.
//!
//! Packages come from purls (SPDX `externalRefs` of type `purl`; CycloneDX
//! `components[].purl`, nested components included); `generic` purls are
//! binaries found without package metadata (Syft's `pkg:generic/ruby@3.2.1`,
//! which kiln matches against interpreter advisories); other purl types kiln
//! does not match (`oci`, `github`, …) are skipped. The distribution comes from
//! the purls' `distro` qualifier (`debian-11`), a CycloneDX
//! `operating-system` component or an SPDX package whose purpose is
//! `OPERATING-SYSTEM`, or kiln's own `kiln:distro:*` properties. Source
//! packages come from the `upstream` qualifier (`openssl` or
//! `openssl@1.1.1n-0+deb11u3`), kiln's `kiln:source:*` properties, or Trivy's
//! (`aquasecurity:trivy:Src*` properties; SPDX `sourceInfo`).
//! [`Sbom::bom_refs`] keeps each CycloneDX package's `bom-ref` so reports
//! can point at the input's own components.
//!
//! Ownership, where the SBOM states it, is kept so that distribution data
//! wins over ecosystem data as it does for images: an SPDX `CONTAINS` or
//! Syft's `OTHER` "ownership-by-file-overlap" from an OS package (deb, rpm,
//! apk) to another package becomes a `contains` relationship, and the files
//! an OS package `CONTAINS` go to [`Inventory::owned_paths`] (Syft's
//! "evident-by" file of a package is its location); a CycloneDX
//! component nested in an OS package's component is contained by it.

use std::collections::BTreeMap;

use kiln_types::{
    Distro, Inventory, Location, Package, PackageKind, Purl, Relationship, RelationshipKind,
    SourcePackage,
};
use serde_json::Value;

use crate::{Error, Result};

/// An SBOM read from a file.
#[derive(Debug, Clone, Default)]
pub struct Sbom {
    /// Its packages and distribution.
    pub inventory: Inventory,
    /// `kiln`, `spdx` or `cyclonedx`.
    pub format: &'static str,
    /// CycloneDX `bom-ref` of each package, by [`Package::id`].
    pub bom_refs: BTreeMap<String, String>,
}

/// Whether `bytes` look like a JSON document (an SBOM rather than an image archive).
pub fn looks_like_json(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{')
}

/// Reads an SBOM; `name` is the file it came from, for messages.
pub fn read(name: &str, bytes: &[u8]) -> Result<Sbom> {
    let err = |reason: String| Error::Metadata {
        path: name.to_owned(),
        reason,
    };
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| err(format!("not JSON: {e}")))?;
    let mut sbom = if doc.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
        cyclonedx(&doc)
    } else if let Some(v) = doc.get("spdxVersion").and_then(Value::as_str) {
        if !v.starts_with("SPDX-2.") {
            return Err(err(format!("SPDX version {v:?} is not 2.x")));
        }
        spdx(&doc)
    } else if doc.get("packages").is_some() && doc.get("source").is_some() {
        let inventory: Inventory =
            serde_json::from_value(doc).map_err(|e| err(format!("not a kiln inventory: {e}")))?;
        Sbom {
            inventory,
            format: "kiln",
            bom_refs: BTreeMap::new(),
        }
    } else {
        return Err(err(
            "not an SBOM kiln reads (CycloneDX JSON, SPDX 2.3 JSON or kiln inventory JSON)".into(),
        ));
    };
    if sbom.inventory.distro.is_none() {
        sbom.inventory.distro = sbom
            .inventory
            .packages
            .iter()
            .find_map(|p| p.purl.qualifier("distro").and_then(distro_qualifier));
    }
    if sbom.format != "kiln" {
        sbom.inventory.source.name = name.to_owned();
    }
    sbom.inventory.normalize();
    Ok(sbom)
}

/// `debian-11` → Debian 11; `alpine-3.18.4`; `rhel-9.2`.
fn distro_qualifier(q: &str) -> Option<Distro> {
    let at = q.char_indices().find(|&(i, c)| {
        c == '-'
            && q[i + 1..]
                .chars()
                .next()
                .is_some_and(|d| d.is_ascii_digit())
    });
    let (id, version) = match at {
        Some((i, _)) => (&q[..i], Some(q[i + 1..].to_owned())),
        None => (q, None),
    };
    (!id.is_empty()).then(|| Distro {
        id: id.to_ascii_lowercase(),
        version_id: version,
        ..Distro::default()
    })
}

fn kind(ty: &str) -> Option<PackageKind> {
    Some(match ty {
        "deb" => PackageKind::Deb,
        "apk" => PackageKind::Apk,
        "rpm" => PackageKind::Rpm,
        "pypi" => PackageKind::Python,
        "npm" => PackageKind::Npm,
        "golang" => PackageKind::Go,
        "cargo" => PackageKind::Cargo,
        "maven" => PackageKind::Maven,
        "gem" => PackageKind::Gem,
        "composer" => PackageKind::Composer,
        "nuget" => PackageKind::NuGet,
        "generic" => PackageKind::Binary,
        _ => return None,
    })
}

/// A package from its purl; `version` is used when the purl has none.
fn package(
    purl_text: &str,
    version: Option<&str>,
    props: &BTreeMap<String, String>,
) -> Option<Package> {
    let purl: Purl = purl_text.parse().ok()?;
    let kind = kind(purl.ty())?;
    let mut v = purl.version().or(version)?.to_owned();
    if let Some(e) = purl.qualifier("epoch")
        && !v.contains(':')
    {
        v = format!("{e}:{v}");
    }
    let mut p = Package::new(kind, purl.name(), &v, purl.clone());
    p.arch = purl.qualifier("arch").map(str::to_owned);
    if let Some(up) = purl.qualifier("upstream") {
        let (name, version) = match up.split_once('@') {
            Some((n, v)) => (n, Some(v.to_owned())),
            None => (up, None),
        };
        // A bare `upstream` means the source version equals the binary's,
        // as Syft writes it; Debian source versions are epoch-less in purls.
        p.source = Some(SourcePackage {
            name: name.to_owned(),
            version,
        });
    }
    if let Some(name) = props.get("kiln:source:name") {
        p.source = Some(SourcePackage {
            name: name.clone(),
            version: props.get("kiln:source:version").cloned(),
        });
    } else if let Some(name) = props.get("aquasecurity:trivy:SrcName") {
        p.source = Some(SourcePackage {
            name: name.clone(),
            version: trivy_source_version(props),
        });
    }
    let mut locs: Vec<(&String, &String)> = props
        .iter()
        .filter(|(k, _)| {
            k.starts_with("kiln:location:")
                || (k.starts_with("syft:location:") && k.ends_with(":path"))
        })
        .collect();
    locs.sort_by_key(|(k, _)| {
        k.split(':')
            .find_map(|s| s.parse::<u32>().ok())
            .unwrap_or(u32::MAX)
    });
    p.locations = locs
        .into_iter()
        .map(|(_, path)| Location {
            path: path.clone(),
            layer: None,
        })
        .collect();
    Some(p)
}

/// Trivy's source package version from its parts: `[epoch:]version[-release]`.
fn trivy_source_version(props: &BTreeMap<String, String>) -> Option<String> {
    let version = props.get("aquasecurity:trivy:SrcVersion")?;
    let mut full = String::new();
    if let Some(epoch) = props
        .get("aquasecurity:trivy:SrcEpoch")
        .filter(|e| !e.is_empty() && *e != "0")
    {
        full.push_str(epoch);
        full.push(':');
    }
    full.push_str(version);
    if let Some(release) = props
        .get("aquasecurity:trivy:SrcRelease")
        .filter(|r| !r.is_empty())
    {
        full.push('-');
        full.push_str(release);
    }
    Some(full)
}

/// The source package an SPDX `sourceInfo` names as Trivy writes it:
/// `built package from: openssl 1.1.1n-0+deb11u3`.
fn spdx_source_info(info: &str) -> Option<SourcePackage> {
    let rest = info.strip_prefix("built package from:")?.trim();
    let (name, version) = match rest.split_once(' ') {
        Some((n, v)) => (n, Some(v.trim().to_owned()).filter(|v| !v.is_empty())),
        None => (rest, None),
    };
    (!name.is_empty()).then(|| SourcePackage {
        name: name.to_owned(),
        version,
    })
}

fn properties(c: &Value) -> BTreeMap<String, String> {
    c.get("properties")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| {
            Some((
                p.get("name")?.as_str()?.to_owned(),
                p.get("value")?.as_str()?.to_owned(),
            ))
        })
        .collect()
}

fn os_component(c: &Value) -> Option<Distro> {
    if c.get("type").and_then(Value::as_str) != Some("operating-system") {
        return None;
    }
    Some(Distro {
        id: c.get("name")?.as_str()?.to_ascii_lowercase(),
        version_id: c.get("version").and_then(Value::as_str).map(str::to_owned),
        ..Distro::default()
    })
}

/// `from` (an OS package's id, if the parent is one) contains `to`.
fn contains(from: &str, to: &Package) -> Option<Relationship> {
    (!to.kind.is_os()).then(|| Relationship {
        from: from.to_owned(),
        to: to.id(),
        kind: RelationshipKind::Contains,
    })
}

/// Reads `list`; `parent` is the id of the OS package they are nested in, if any.
fn cdx_components(list: Option<&Value>, parent: Option<&str>, sbom: &mut Sbom) {
    for c in list.and_then(Value::as_array).into_iter().flatten() {
        let mut this = None;
        if let Some(d) = os_component(c) {
            sbom.inventory.distro.get_or_insert(d);
        } else if let Some(purl) = c.get("purl").and_then(Value::as_str) {
            let version = c.get("version").and_then(Value::as_str);
            if let Some(p) = package(purl, version, &properties(c)) {
                if let Some(r) = c.get("bom-ref").and_then(Value::as_str) {
                    sbom.bom_refs.insert(p.id(), r.to_owned());
                }
                if let Some(rel) = parent.and_then(|from| contains(from, &p)) {
                    sbom.inventory.relationships.push(rel);
                }
                this = p.kind.is_os().then(|| p.id());
                sbom.inventory.packages.push(p);
            }
        }
        cdx_components(c.get("components"), this.as_deref().or(parent), sbom);
    }
}

fn cyclonedx(doc: &Value) -> Sbom {
    let mut sbom = Sbom {
        format: "cyclonedx",
        ..Sbom::default()
    };
    if let Some(meta) = doc.pointer("/metadata/component") {
        let props = properties(meta);
        if let Some(id) = props.get("kiln:distro:id") {
            sbom.inventory.distro = Some(Distro {
                id: id.clone(),
                version_id: props.get("kiln:distro:version").cloned(),
                ..Distro::default()
            });
        }
        cdx_components(meta.get("components"), None, &mut sbom);
    }
    cdx_components(doc.get("components"), None, &mut sbom);
    sbom
}

fn spdx(doc: &Value) -> Sbom {
    let mut sbom = Sbom {
        format: "spdx",
        ..Sbom::default()
    };
    let mut by_spdx_id: BTreeMap<&str, usize> = BTreeMap::new();
    for p in doc
        .get("packages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let version = p.get("versionInfo").and_then(Value::as_str);
        if p.get("primaryPackagePurpose").and_then(Value::as_str) == Some("OPERATING-SYSTEM") {
            if let Some(name) = p.get("name").and_then(Value::as_str) {
                sbom.inventory.distro.get_or_insert(Distro {
                    id: name.to_ascii_lowercase(),
                    version_id: version.map(str::to_owned),
                    ..Distro::default()
                });
            }
            continue;
        }
        let purl = p
            .get("externalRefs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|r| r.get("referenceType").and_then(Value::as_str) == Some("purl"))
            .and_then(|r| r.get("referenceLocator"))
            .and_then(Value::as_str);
        if let Some(mut pk) = purl.and_then(|u| package(u, version, &BTreeMap::new())) {
            if pk.source.is_none() {
                pk.source = p
                    .get("sourceInfo")
                    .and_then(Value::as_str)
                    .and_then(spdx_source_info);
            }
            if let Some(id) = p.get("SPDXID").and_then(Value::as_str) {
                by_spdx_id.insert(id, sbom.inventory.packages.len());
            }
            sbom.inventory.packages.push(pk);
        }
    }
    spdx_ownership(doc, &by_spdx_id, &mut sbom.inventory);
    sbom
}

fn text<'a>(r: &'a Value, key: &str) -> &'a str {
    r.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// What OS packages own, from the document's relationships.
fn spdx_ownership(doc: &Value, by_spdx_id: &BTreeMap<&str, usize>, inv: &mut Inventory) {
    let files: BTreeMap<&str, &str> = doc
        .get("files")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|f| Some((f.get("SPDXID")?.as_str()?, f.get("fileName")?.as_str()?)))
        .collect();
    let relationships = doc
        .get("relationships")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let absolute =
        |file: &str| format!("/{}", file.trim_start_matches("./").trim_start_matches('/'));
    // Syft names the file a package was found by (`OTHER`, "evident-by"): its location.
    for r in relationships {
        if text(r, "relationshipType") != "OTHER" || !text(r, "comment").starts_with("evident-by") {
            continue;
        }
        let (Some(&i), Some(file)) = (
            by_spdx_id.get(text(r, "spdxElementId")),
            files.get(text(r, "relatedSpdxElement")),
        ) else {
            continue;
        };
        if let Some(p) = inv.packages.get_mut(i).filter(|p| p.locations.is_empty()) {
            p.locations.push(Location {
                path: absolute(file),
                layer: None,
            });
        }
    }
    for r in relationships {
        let owns = match text(r, "relationshipType") {
            "CONTAINS" => true,
            "OTHER" => text(r, "comment").starts_with("ownership-by-file-overlap"),
            _ => false,
        };
        let Some(owner) = by_spdx_id
            .get(text(r, "spdxElementId"))
            .and_then(|&i| inv.packages.get(i))
            .filter(|p| owns && p.kind.is_os())
        else {
            continue;
        };
        let target = text(r, "relatedSpdxElement");
        if let Some(child) = by_spdx_id.get(target).and_then(|&i| inv.packages.get(i)) {
            if let Some(rel) = contains(&owner.id(), child) {
                inv.relationships.push(rel);
            }
        } else if let Some(file) = files.get(target) {
            inv.owned_paths.insert(absolute(file));
        }
    }
}

#[cfg(test)]
mod tests;
