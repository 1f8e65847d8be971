//! Ruby gems: installed specifications (`specifications/*.gemspec`, the Ruby form
//! RubyGems writes: `s.name = "rack".freeze`) and the `GEM` specs of `Gemfile.lock`.

use std::collections::HashMap;

use kiln_oci::fs::MergedFs;
use kiln_oci::fs::path::{file_name, parent};
use kiln_types::PackageKind;

use super::{Found, depends_on, files, licenses, purl};
use crate::Result;
use crate::cataloger::{Cataloger, Context};

/// The RubyGems cataloger.
#[derive(Debug, Default, Clone, Copy)]
pub struct Ruby;

fn is_gemspec(path: &str) -> bool {
    path.ends_with(".gemspec") && file_name(parent(path)) == "specifications"
}

fn is_lock(path: &str) -> bool {
    file_name(path) == "Gemfile.lock"
}

impl Cataloger for Ruby {
    fn name(&self) -> &'static str {
        "ruby"
    }

    fn wants(&self, path: &str, _size: u64) -> bool {
        is_gemspec(path) || is_lock(path)
    }

    fn catalog(&self, fs: &MergedFs, ctx: &mut Context) -> Result<()> {
        for f in files(fs, ctx, "ruby", is_gemspec) {
            let spec = gemspec(&f.text());
            let (Some(name), Some(version)) = (&spec.name, &spec.version) else {
                ctx.warn("ruby", format!("{}: no name or version", f.path));
                continue;
            };
            if let Some(p) = purl("gem", "", name, version) {
                let mut pkg = f.package(PackageKind::Gem, name, version, p);
                pkg.licenses = licenses(spec.licenses.iter().map(String::as_str));
                ctx.packages.push(pkg);
            }
        }
        for f in files(fs, ctx, "ruby", is_lock) {
            lock(ctx, &f);
        }
        Ok(())
    }
}

/// What an installed gemspec says.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Gemspec {
    pub name: Option<String>,
    pub version: Option<String>,
    pub licenses: Vec<String>,
}

/// The quoted strings of a Ruby expression.
fn strings(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = expr;
    while let Some(start) = rest.find(['"', '\'']) {
        let q = &rest[start..=start];
        let body = &rest[start + 1..];
        let Some(end) = body.find(q) else { break };
        out.push(body[..end].to_owned());
        rest = &body[end + 1..];
    }
    out
}

/// Parses `s.name = "x"`, `s.version = "1.2"` and `s.license(s) = …` lines.
pub fn gemspec(text: &str) -> Gemspec {
    let mut g = Gemspec::default();
    for line in text.lines() {
        let line = line.trim();
        let Some((lhs, rhs)) = line.split_once('=') else {
            continue;
        };
        let attr = lhs.trim().rsplit('.').next().unwrap_or_default();
        match attr {
            "name" if g.name.is_none() => g.name = strings(rhs).into_iter().next(),
            "version" if g.version.is_none() => g.version = strings(rhs).into_iter().next(),
            "licenses" | "license" => g.licenses.extend(strings(rhs)),
            _ => {}
        }
    }
    g
}

/// `name (1.2.3-x86_64-linux)` → (`name`, `1.2.3`).
fn spec_line(line: &str) -> Option<(&str, &str)> {
    let (name, rest) = line.trim().split_once(" (")?;
    let version = rest.strip_suffix(')')?;
    let version = version.split('-').next().unwrap_or(version);
    Some((name, version))
}

/// The `GEM` → `specs:` entries (4 spaces) and their dependencies (6 spaces).
fn lock(ctx: &mut Context, f: &Found<'_>) {
    let text = f.text();
    let mut in_specs = false;
    let mut gems: Vec<(usize, Vec<String>)> = Vec::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for line in text.lines() {
        if !line.starts_with(' ') {
            in_specs = false;
            continue;
        }
        if line.trim() == "specs:" {
            in_specs = true;
            continue;
        }
        if !in_specs {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        if indent == 4
            && let Some((name, version)) = spec_line(line)
            && let Some(p) = purl("gem", "", name, version)
        {
            by_name.insert(name.to_owned(), ctx.packages.len());
            gems.push((ctx.packages.len(), Vec::new()));
            ctx.packages
                .push(f.package(PackageKind::Gem, name, version, p));
        } else if indent == 6
            && let Some(g) = gems.last_mut()
        {
            let dep = line.trim().split(' ').next().unwrap_or_default();
            g.1.push(dep.to_owned());
        }
    }
    for (from, deps) in gems {
        for d in deps {
            if let Some(&to) = by_name.get(&d) {
                let rel = depends_on(&ctx.packages[from], &ctx.packages[to]);
                ctx.relationships.push(rel);
            }
        }
    }
}
