//! .NET packages from `*.deps.json`: the `libraries` of type `package`, with
//! `dependsOn` edges from the `targets` section.

use std::collections::HashMap;

use kiln_oci::fs::MergedFs;
use kiln_types::PackageKind;
use serde_json::Value;

use super::{depends_on, files, purl};
use crate::Result;
use crate::cataloger::{Cataloger, Context};

/// The .NET cataloger.
#[derive(Debug, Default, Clone, Copy)]
pub struct DotNet;

fn is_deps(path: &str) -> bool {
    path.ends_with(".deps.json")
}

impl Cataloger for DotNet {
    fn name(&self) -> &'static str {
        "dotnet"
    }

    fn wants(&self, path: &str, _size: u64) -> bool {
        is_deps(path)
    }

    fn catalog(&self, fs: &MergedFs, ctx: &mut Context) -> Result<()> {
        for f in files(fs, ctx, "dotnet", is_deps) {
            let doc: Value = match serde_json::from_slice(f.bytes) {
                Ok(v) => v,
                Err(e) => {
                    ctx.warn("dotnet", format!("{}: not valid JSON: {e}", f.path));
                    continue;
                }
            };
            let Some(libs) = doc.get("libraries").and_then(Value::as_object) else {
                ctx.warn("dotnet", format!("{}: no `libraries` object", f.path));
                continue;
            };
            let mut by_name: HashMap<String, usize> = HashMap::new();
            for (key, lib) in libs {
                if lib.get("type").and_then(Value::as_str) != Some("package") {
                    continue;
                }
                let Some((name, version)) = key.split_once('/') else {
                    continue;
                };
                if let Some(p) = purl("nuget", "", name, version) {
                    by_name.insert(name.to_owned(), ctx.packages.len());
                    ctx.packages
                        .push(f.package(PackageKind::NuGet, name, version, p));
                }
            }
            let targets = doc.get("targets").and_then(Value::as_object);
            for target in targets.into_iter().flat_map(|t| t.values()) {
                let Some(t) = target.as_object() else {
                    continue;
                };
                for (key, v) in t {
                    let Some(&from) = key.split_once('/').and_then(|(n, _)| by_name.get(n)) else {
                        continue;
                    };
                    let deps = v.get("dependencies").and_then(Value::as_object);
                    for dep in deps.into_iter().flat_map(|d| d.keys()) {
                        if let Some(&to) = by_name.get(dep) {
                            let rel = depends_on(&ctx.packages[from], &ctx.packages[to]);
                            ctx.relationships.push(rel);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
