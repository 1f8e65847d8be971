//! The packages a resolution chooses from, indexed: by name, by what they provide,
//! and each package's negative relations (`Conflicts`, `Breaks`). Answers "does this
//! package satisfy this relation" and "which packages could, best first" as dpkg and
//! apt define them.

use std::collections::HashMap;
use std::fmt;

use kiln_version::dpkg::DpkgVersion;

use crate::archive::{Archive, Candidate};
use crate::index::MultiArch;
use crate::relation::{self, Relation};

/// Which negative field a relation comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Negative {
    Conflicts,
    Breaks,
}

impl fmt::Display for Negative {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Negative::Conflicts => "conflicts with",
            Negative::Breaks => "breaks",
        })
    }
}

/// A package's `Conflicts` and `Breaks`, or why they cannot be read.
type Negatives = Result<Vec<(Negative, Relation)>, String>;

pub(crate) struct Universe<'a> {
    arch: &'a str,
    pub(crate) all: &'a [Candidate],
    by_name: HashMap<&'a str, Vec<usize>>,
    providers: HashMap<&'a str, Vec<usize>>,
    negatives: Vec<Negatives>,
    /// Versions to prefer over the highest (what is "installed").
    installed: HashMap<String, DpkgVersion>,
}

fn priority_rank(c: &Candidate) -> u8 {
    match c.record.priority.as_deref() {
        Some("required") => 0,
        Some("important") => 1,
        Some("standard") => 2,
        Some("optional") => 3,
        _ => 4,
    }
}

/// Reads `Conflicts` and `Breaks` of one package. Alternatives are not valid there; if
/// written, each alternative counts on its own.
fn negatives(c: &Candidate) -> Negatives {
    let mut out = Vec::new();
    for (field, kind) in [
        ("Conflicts", Negative::Conflicts),
        ("Breaks", Negative::Breaks),
    ] {
        let Some(value) = c.record.paragraph.get_all(field) else {
            continue;
        };
        let groups = relation::parse_field(&value.replace('\n', " "))
            .map_err(|e| format!("{field}: {e}"))?;
        out.extend(groups.into_iter().flat_map(|g| g.0).map(|rel| (kind, rel)));
    }
    Ok(out)
}

impl<'a> Universe<'a> {
    pub(crate) fn new(archive: &'a Archive, installed: HashMap<String, DpkgVersion>) -> Self {
        let all = archive.candidates();
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut providers: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, c) in all.iter().enumerate() {
            by_name.entry(&c.record.name).or_default().push(i);
            for p in &c.record.provides {
                providers.entry(&p.name).or_default().push(i);
            }
        }
        for (name, v) in &mut by_name {
            let pinned = installed.get(*name);
            v.sort_by(|&a, &b| {
                let (ra, rb) = (&all[a].record, &all[b].record);
                let is_pinned = |r: &crate::index::PackageRecord| Some(&r.version) == pinned;
                is_pinned(rb)
                    .cmp(&is_pinned(ra))
                    .then_with(|| rb.version.cmp(&ra.version))
                    .then_with(|| (ra.architecture == "all").cmp(&(rb.architecture == "all")))
                    .then_with(|| a.cmp(&b))
            });
        }
        Universe {
            arch: archive.architecture(),
            all,
            by_name,
            providers,
            negatives: all.iter().map(negatives).collect(),
            installed,
        }
    }

    fn arch_ok(&self, rel: &Relation, c: &Candidate) -> bool {
        match rel.arch.as_deref() {
            None => true,
            Some("any") => matches!(c.record.multi_arch, MultiArch::Allowed | MultiArch::Foreign),
            Some("native") => true,
            Some(a) => {
                a == self.arch && (c.record.architecture == a || c.record.architecture == "all")
            }
        }
    }

    /// Whether candidate `i` satisfies `rel`, by name or by what it provides (a
    /// versioned relation needs a versioned provide, as in dpkg).
    pub(crate) fn satisfies(&self, rel: &Relation, i: usize) -> bool {
        let c = &self.all[i];
        if !self.arch_ok(rel, c) {
            return false;
        }
        if c.record.name == rel.name {
            return rel
                .constraint
                .as_ref()
                .is_none_or(|k| k.matches(&c.record.version));
        }
        if rel.arch.as_deref() == Some("any") {
            return false;
        }
        c.record.provides.iter().any(|p| {
            p.name == rel.name
                && match (&rel.constraint, &p.constraint) {
                    (None, _) => true,
                    (Some(k), Some(pv)) => k.matches(&pv.version),
                    (Some(_), None) => false,
                }
        })
    }

    /// Candidates satisfying `rel`, best first: real packages (the installed version,
    /// then highest) before providers (by priority, then name, then highest version).
    pub(crate) fn candidates(&self, rel: &Relation) -> Vec<usize> {
        let mut real: Vec<usize> = self
            .by_name
            .get(rel.name.as_str())
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| self.satisfies(rel, i))
            .collect();
        let mut prov: Vec<usize> = self
            .providers
            .get(rel.name.as_str())
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| self.all[i].record.name != rel.name && self.satisfies(rel, i))
            .collect();
        prov.sort_by(|&a, &b| {
            let (ca, cb) = (&self.all[a], &self.all[b]);
            let pinned =
                |c: &Candidate| self.installed.get(&c.record.name) == Some(&c.record.version);
            pinned(cb)
                .cmp(&pinned(ca))
                .then_with(|| priority_rank(ca).cmp(&priority_rank(cb)))
                .then_with(|| ca.record.name.cmp(&cb.record.name))
                .then_with(|| cb.record.version.cmp(&ca.record.version))
                .then_with(|| a.cmp(&b))
        });
        prov.dedup();
        real.append(&mut prov);
        real
    }

    /// Why `a` and `b` cannot both be installed: the first `Conflicts`/`Breaks` of one
    /// that the other satisfies, as (declaring package, kind, relation). A package never
    /// conflicts with itself (nor with another version of itself: one version per name
    /// is enforced elsewhere).
    pub(crate) fn clash(&self, a: usize, b: usize) -> Option<(usize, Negative, &Relation)> {
        if self.all[a].record.name == self.all[b].record.name {
            return None;
        }
        for (decl, other) in [(a, b), (b, a)] {
            let Ok(negs) = &self.negatives[decl] else {
                continue;
            };
            if let Some((kind, rel)) = negs.iter().find(|(_, rel)| self.satisfies(rel, other)) {
                return Some((decl, *kind, rel));
            }
        }
        None
    }

    /// Why candidate `i` can never be installed (its `Conflicts`/`Breaks` unreadable).
    pub(crate) fn unusable(&self, i: usize) -> Option<&str> {
        self.negatives[i].as_ref().err().map(String::as_str)
    }

    /// What the archive has under `name`, for error messages.
    pub(crate) fn available(&self, name: &str) -> String {
        let versions: Vec<String> = self
            .by_name
            .get(name)
            .into_iter()
            .flatten()
            .map(|&i| self.all[i].record.version.to_string())
            .collect();
        let provided: Vec<&str> = self
            .providers
            .get(name)
            .into_iter()
            .flatten()
            .map(|&i| self.all[i].record.name.as_str())
            .collect();
        match (versions.is_empty(), provided.is_empty()) {
            (true, true) => format!("{name} is not in the archive"),
            (false, true) => format!("available {}", versions.join(", ")),
            (true, false) => format!("provided by {}", provided.join(", ")),
            (false, false) => format!(
                "available {}; provided by {}",
                versions.join(", "),
                provided.join(", ")
            ),
        }
    }

    /// `name version` of candidate `i`.
    pub(crate) fn label(&self, i: usize) -> String {
        let r = &self.all[i].record;
        format!("{} {}", r.name, r.version)
    }
}
