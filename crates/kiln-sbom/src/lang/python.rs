//! Python packages installed by pip and other installers: `*.dist-info/METADATA` (with
//! `RECORD` listing the installed files) and `*.egg-info/PKG-INFO` or `*.egg-info` files.
//!
//! The licence comes from `License-Expression` (PEP 639), else `License` (when it is a
//! short name rather than a whole licence text), else the `License ::` classifiers.

use kiln_oci::fs::MergedFs;
use kiln_types::{Location, PackageKind};

use super::{Found, files, licenses, purl};
use crate::Result;
use crate::cataloger::{Cataloger, Context};

/// The Python cataloger.
#[derive(Debug, Default, Clone, Copy)]
pub struct Python;

fn is_metadata(path: &str) -> bool {
    path.ends_with(".dist-info/METADATA")
        || path.ends_with(".egg-info/PKG-INFO")
        || path.ends_with(".egg-info")
}

impl Cataloger for Python {
    fn name(&self) -> &'static str {
        "python"
    }

    fn wants(&self, path: &str, _size: u64) -> bool {
        is_metadata(path) || path.ends_with(".dist-info/RECORD")
    }

    fn catalog(&self, fs: &MergedFs, ctx: &mut Context) -> Result<()> {
        for f in files(fs, ctx, "python", is_metadata) {
            let Some(mut pkg) = package(&f, ctx) else {
                continue;
            };
            if let Some(dir) = f.path.strip_suffix("/METADATA") {
                let record = format!("{dir}/RECORD");
                if let Some(bytes) = fs.read(&record) {
                    pkg.file_count = String::from_utf8_lossy(bytes)
                        .lines()
                        .filter(|l| !l.trim().is_empty())
                        .count();
                    pkg.locations.push(Location {
                        path: record.clone(),
                        layer: fs.get(&record).map(|e| e.layer),
                    });
                }
            }
            ctx.packages.push(pkg);
        }
        Ok(())
    }
}

fn package(f: &Found<'_>, ctx: &mut Context) -> Option<kiln_types::Package> {
    let text = f.text();
    let headers = headers(&text);
    let get = |k: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    let (Some(name), Some(version)) = (get("Name"), get("Version")) else {
        ctx.warn("python", format!("{}: no Name or Version header", f.path));
        return None;
    };
    let purl = purl("pypi", "", name, version)?;
    let mut pkg = f.package(PackageKind::Python, name, version, purl);
    pkg.supplier = get("Author").map(str::to_owned);
    pkg.licenses = if let Some(expr) = get("License-Expression") {
        licenses([expr])
    } else if let Some(l) = get("License").filter(|l| !l.contains('\n') && l.len() <= 100) {
        licenses([l])
    } else {
        let classifiers = headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("Classifier"))
            .filter_map(|(_, v)| classifier_license(v.trim()));
        licenses(classifiers)
    };
    Some(pkg)
}

/// The headers of a core-metadata file (RFC 822 style, continuation lines start with
/// white space), up to the first empty line.
pub fn headers(text: &str) -> Vec<(&str, String)> {
    let mut out: Vec<(&str, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = out.last_mut() {
                v.push('\n');
                v.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim(), v.trim().to_owned()));
        }
    }
    out
}

/// `License :: OSI Approved :: MIT License` → `MIT`.
pub fn classifier_license(classifier: &str) -> Option<&'static str> {
    let last = classifier
        .strip_prefix("License ::")?
        .rsplit("::")
        .next()?
        .trim();
    Some(match last {
        "MIT License" => "MIT",
        "MIT No Attribution License (MIT-0)" => "MIT-0",
        "Apache Software License" => "Apache-2.0",
        "BSD License" => "LicenseRef-BSD",
        "ISC License (ISCL)" => "ISC",
        "Python Software Foundation License" => "PSF-2.0",
        "Mozilla Public License 2.0 (MPL 2.0)" => "MPL-2.0",
        "GNU General Public License v2 (GPLv2)" => "GPL-2.0-only",
        "GNU General Public License v2 or later (GPLv2+)" => "GPL-2.0-or-later",
        "GNU General Public License v3 (GPLv3)" => "GPL-3.0-only",
        "GNU General Public License v3 or later (GPLv3+)" => "GPL-3.0-or-later",
        "GNU Lesser General Public License v2 (LGPLv2)" => "LGPL-2.0-only",
        "GNU Lesser General Public License v2 or later (LGPLv2+)" => "LGPL-2.0-or-later",
        "GNU Lesser General Public License v3 (LGPLv3)" => "LGPL-3.0-only",
        "GNU Lesser General Public License v3 or later (LGPLv3+)" => "LGPL-3.0-or-later",
        "GNU Affero General Public License v3" => "AGPL-3.0-only",
        "The Unlicense (Unlicense)" => "Unlicense",
        "Zope Public License" => "ZPL-2.1",
        "Eclipse Public License 2.0 (EPL-2.0)" => "EPL-2.0",
        "Boost Software License 1.0 (BSL-1.0)" => "BSL-1.0",
        "zlib/libpng License" => "Zlib",
        "Universal Permissive License (UPL)" => "UPL-1.0",
        _ => return None,
    })
}
