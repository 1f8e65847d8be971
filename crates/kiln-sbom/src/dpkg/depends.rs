//! `Depends` and `Pre-Depends` of installed dpkg packages as `dependsOn` relationships
//! between installed packages.
//!
//! Each comma-separated clause is one dependency; its `|`-separated alternatives are
//! tried in order, and the first that an installed package satisfies wins: a package of
//! that name (of the depender's architecture when several are installed, else `all`,
//! else any), else a package that `Provides` the name (the first by name). Version
//! constraints, architecture lists and build profiles are not re-checked: dpkg enforced
//! them when it installed the packages. A clause nothing installed satisfies gives no
//! relationship (the status file of a distroless image lists only some packages).

use std::collections::BTreeMap;

use kiln_types::{Package, Relationship, RelationshipKind};

/// What one installed package declares, by its index in the package list.
#[derive(Debug, Clone)]
pub(super) struct Declared {
    pub index: usize,
    pub depends: Vec<String>,
    pub provides: Option<String>,
}

/// The relationships `declared` gives among `packages`, sorted, without duplicates.
pub(super) fn resolve(packages: &[Package], declared: &[Declared]) -> Vec<Relationship> {
    let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut provided: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for d in declared {
        let Some(p) = packages.get(d.index) else {
            continue;
        };
        by_name.entry(p.name.as_str()).or_default().push(d.index);
        for name in d
            .provides
            .iter()
            .flat_map(|f| f.split(','))
            .filter_map(relation_name)
        {
            provided.entry(name.0.to_owned()).or_default().push(d.index);
        }
    }
    for list in provided.values_mut() {
        list.sort_by(|a, b| packages[*a].name.cmp(&packages[*b].name));
    }
    let mut out = Vec::new();
    for d in declared {
        let Some(from) = packages.get(d.index) else {
            continue;
        };
        for clause in d.depends.iter().flat_map(|f| f.split(',')) {
            let target = clause
                .split('|')
                .filter_map(relation_name)
                .find_map(|(name, arch)| {
                    by_name
                        .get(name)
                        .and_then(|c| pick(packages, c, arch.or(from.arch.as_deref())))
                        .or_else(|| provided.get(name).and_then(|c| c.first().copied()))
                });
            match target {
                Some(to) if to != d.index => out.push(Relationship {
                    from: from.id(),
                    to: packages[to].id(),
                    kind: RelationshipKind::DependsOn,
                }),
                Some(_) => {}
                None => tracing::debug!(package = from.name, clause, "dependency not installed"),
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The installed candidate for an architecture: that architecture, else `all`, else the
/// first one.
fn pick(packages: &[Package], candidates: &[usize], arch: Option<&str>) -> Option<usize> {
    let arch_of = |i: &usize| packages[*i].arch.as_deref();
    candidates
        .iter()
        .find(|i| arch.is_some() && arch_of(i) == arch)
        .or_else(|| candidates.iter().find(|i| arch_of(i) == Some("all")))
        .or_else(|| candidates.first())
        .copied()
}

/// `libc6:amd64 (>= 2.34) [amd64] <!nocheck>` → (`libc6`, `Some("amd64")`); `:any` and
/// `:native` name no architecture.
fn relation_name(relation: &str) -> Option<(&str, Option<&str>)> {
    let token = relation
        .trim()
        .split(|c: char| c.is_whitespace() || matches!(c, '(' | '[' | '<'))
        .next()
        .filter(|t| !t.is_empty())?;
    Some(match token.split_once(':') {
        Some((name, "any" | "native")) => (name, None),
        Some((name, arch)) => (name, Some(arch)),
        None => (token, None),
    })
}

#[cfg(test)]
mod tests {
    use kiln_types::{PackageKind, Purl};

    use super::*;

    fn pkg(name: &str, arch: &str) -> Package {
        let purl = Purl::new("deb", name)
            .unwrap()
            .with_version("1")
            .with_qualifier("arch", arch)
            .unwrap();
        let mut p = Package::new(PackageKind::Deb, name, "1", purl);
        p.arch = Some(arch.to_owned());
        p
    }

    fn declared(index: usize, depends: &[&str], provides: Option<&str>) -> Declared {
        Declared {
            index,
            depends: depends.iter().map(|s| (*s).to_owned()).collect(),
            provides: provides.map(str::to_owned),
        }
    }

    /// `from -> to` by name.
    fn edges(packages: &[Package], rels: &[Relationship]) -> Vec<String> {
        let name = |id: &str| {
            let p = packages.iter().find(|p| p.id() == id).unwrap();
            format!("{}:{}", p.name, p.arch.as_deref().unwrap())
        };
        let mut out: Vec<String> = rels
            .iter()
            .map(|r| format!("{} -> {}", name(&r.from), name(&r.to)))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn names_alternatives_provides_and_architectures() {
        assert_eq!(relation_name(" libc6 (>= 2.34)"), Some(("libc6", None)));
        assert_eq!(
            relation_name("python3:any (>= 3.11~)"),
            Some(("python3", None))
        );
        assert_eq!(relation_name("libc6:i386"), Some(("libc6", Some("i386"))));
        assert_eq!(relation_name("foo [amd64] <!nocheck>"), Some(("foo", None)));
        assert_eq!(relation_name("  "), None);

        let packages = vec![
            pkg("bash", "amd64"),
            pkg("libc6", "amd64"),
            pkg("libc6", "i386"),
            pkg("mawk", "amd64"),
            pkg("base-files", "amd64"),
            pkg("tzdata", "all"),
            pkg("libtinfo6", "amd64"),
        ];
        let decl = vec![
            declared(
                0,
                &[
                    "base-files (>= 2.1.12), debianutils (>= 5.6-0.1)",
                    "libtinfo6 (>= 6)",
                ],
                None,
            ),
            declared(1, &["libgcc-s1"], None),
            declared(2, &[], None),
            declared(3, &["libc6 (>= 2.34)"], Some("awk")),
            declared(4, &["gawk | awk"], Some("base")),
            declared(5, &["debconf (>= 0.5) | debconf-2.0"], None),
            declared(6, &["libc6 (>= 2.34), libtinfo6"], None),
        ];
        let rels = resolve(&packages, &decl);
        assert_eq!(
            edges(&packages, &rels),
            [
                "base-files:amd64 -> mawk:amd64",
                "bash:amd64 -> base-files:amd64",
                "bash:amd64 -> libtinfo6:amd64",
                "libtinfo6:amd64 -> libc6:amd64",
                "mawk:amd64 -> libc6:amd64",
            ],
            "gawk is missing, so awk resolves to mawk by Provides; libc6 of the same arch; \
             not-installed dependencies and self-dependencies give nothing"
        );
    }
}
