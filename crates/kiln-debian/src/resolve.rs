//! Dependency resolution over an [`Archive`]: requests (`pkg`, `pkg=1.2-3`,
//! `pkg (>= 1.2)`, `!pkg`) → the closed set of packages to install, sorted by name.
//!
//! Rules: `Pre-Depends` and `Depends` are followed (not `Recommends`/`Suggests`); a
//! group of alternatives is satisfied by an already chosen package if one fits, else by
//! the first alternative with a candidate; a real package of the name wins over
//! providers (`Provides`, versioned provides match versioned dependencies); the highest
//! version that fits is chosen; `pkg:any` needs `Multi-Arch: allowed` (or `foreign`, which
//! satisfies any architecture qualifier, as in dpkg); `Essential`
//! packages come in only when something depends on them. An excluded package (`!pkg`)
//! is never chosen: a dependency only excluded packages could satisfy is dropped and
//! reported in [`Resolution::dropped`]. Choices are greedy (no backtracking): a later
//! constraint that the version already chosen does not meet is an error naming both.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt;
use std::str::FromStr;

use crate::archive::{Archive, Candidate};
use crate::index::MultiArch;
use crate::relation::{Alternatives, Constraint, Op, Relation, RelationError};

/// What the spec asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Install a package (or a provider of a virtual package) meeting the relation.
    Install(Relation),
    /// Never install this package (`!name`).
    Exclude(String),
}

impl FromStr for Request {
    type Err = RelationError;

    /// `name`, `name=version`, `name (op version)`, `name:any`, `!name`.
    fn from_str(s: &str) -> Result<Request, RelationError> {
        let s = s.trim();
        if let Some(name) = s.strip_prefix('!') {
            let r = Relation::parse(name)?;
            if r.constraint.is_some() || r.arch.is_some() {
                return Err(RelationError {
                    input: s.to_owned(),
                    reason: "an exclusion is a bare package name".into(),
                });
            }
            return Ok(Request::Exclude(r.name));
        }
        match s.split_once('=') {
            Some((name, version)) if !s.contains('(') => {
                Relation::parse(&format!("{name} (= {version})")).map(Request::Install)
            }
            _ => Relation::parse(s).map(Request::Install),
        }
    }
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Request::Install(r) => write!(f, "{r}"),
            Request::Exclude(n) => write!(f, "!{n}"),
        }
    }
}

/// A dependency that was left unsatisfied because only excluded packages satisfy it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// The package whose dependency was dropped.
    pub package: String,
    /// The dependency as written.
    pub dependency: String,
}

/// The packages to install, sorted by name (then architecture), one version each.
#[derive(Debug, Clone)]
pub struct Resolution {
    pub packages: Vec<Candidate>,
    pub dropped: Vec<Dropped>,
}

/// Resolution failed.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// A requirement no package can meet: `chain` is how it was reached (requests
    /// first), `requirement` the dependency, `reason` what is available.
    #[error("unsatisfiable: {}{requirement}: {reason}", chain_prefix(.chain))]
    Unsatisfiable {
        chain: Vec<String>,
        requirement: String,
        reason: String,
    },
    /// A package is both requested and excluded.
    #[error("{name} is both requested and excluded")]
    RequestedAndExcluded { name: String },
}

fn chain_prefix(chain: &[String]) -> String {
    chain.iter().map(|c| format!("{c} -> ")).collect()
}

struct Solver<'a> {
    arch: &'a str,
    all: &'a [Candidate],
    by_name: HashMap<&'a str, Vec<usize>>,
    providers: HashMap<&'a str, Vec<usize>>,
    excluded: HashSet<String>,
    /// name → chosen candidate.
    chosen: BTreeMap<String, usize>,
    /// name → chain of names that led to it.
    chain: HashMap<String, Vec<String>>,
    queue: VecDeque<usize>,
    dropped: Vec<Dropped>,
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

impl<'a> Solver<'a> {
    fn new(archive: &'a Archive) -> Solver<'a> {
        let all = archive.candidates();
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut providers: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, c) in all.iter().enumerate() {
            by_name.entry(&c.record.name).or_default().push(i);
            for p in &c.record.provides {
                providers.entry(&p.name).or_default().push(i);
            }
        }
        for v in by_name.values_mut() {
            v.sort_by(|&a, &b| {
                all[b]
                    .record
                    .version
                    .cmp(&all[a].record.version)
                    .then_with(|| {
                        (all[a].record.architecture == "all")
                            .cmp(&(all[b].record.architecture == "all"))
                    })
            });
        }
        Solver {
            arch: archive.architecture(),
            all,
            by_name,
            providers,
            excluded: HashSet::new(),
            chosen: BTreeMap::new(),
            chain: HashMap::new(),
            queue: VecDeque::new(),
            dropped: Vec::new(),
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

    /// Whether candidate `i` satisfies `rel`, by name or by what it provides.
    fn satisfies(&self, rel: &Relation, i: usize) -> bool {
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

    /// Candidates satisfying `rel`, best first: real packages (highest version) before
    /// providers (by priority, then name, then highest version).
    fn candidates(&self, rel: &Relation) -> Vec<usize> {
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
            priority_rank(ca)
                .cmp(&priority_rank(cb))
                .then_with(|| ca.record.name.cmp(&cb.record.name))
                .then_with(|| cb.record.version.cmp(&ca.record.version))
        });
        real.append(&mut prov);
        real
    }

    fn available(&self, name: &str) -> String {
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

    fn choose(&mut self, i: usize, chain: Vec<String>) {
        let name = self.all[i].record.name.clone();
        tracing::trace!(package = name, version = %self.all[i].record.version, "chosen");
        self.chosen.insert(name.clone(), i);
        self.chain.insert(name, chain);
        self.queue.push_back(i);
    }

    /// Satisfies one group of alternatives reached through `chain`.
    fn satisfy(&mut self, group: &Alternatives, chain: &[String]) -> Result<(), ResolveError> {
        if group
            .0
            .iter()
            .any(|rel| self.chosen.values().any(|&i| self.satisfies(rel, i)))
        {
            return Ok(());
        }
        let mut only_excluded = false;
        let mut clash = None;
        for rel in &group.0 {
            for i in self.candidates(rel) {
                let name = &self.all[i].record.name;
                if self.excluded.contains(name) {
                    only_excluded = true;
                    continue;
                }
                if let Some(&other) = self.chosen.get(name) {
                    clash.get_or_insert((rel.clone(), other));
                    continue;
                }
                self.choose(i, chain.to_vec());
                return Ok(());
            }
        }
        if let Some((rel, other)) = clash {
            let o = &self.all[other].record;
            let by = self
                .chain
                .get(&o.name)
                .and_then(|c| c.last())
                .map_or(String::from("the request"), Clone::clone);
            return Err(ResolveError::Unsatisfiable {
                chain: chain.to_vec(),
                requirement: group.to_string(),
                reason: format!(
                    "{rel} does not fit {} {} already chosen (for {by})",
                    o.name, o.version
                ),
            });
        }
        if only_excluded {
            let package = chain.last().cloned().unwrap_or_default();
            tracing::warn!(package, dependency = %group, "dependency dropped: only excluded packages satisfy it");
            self.dropped.push(Dropped {
                package,
                dependency: group.to_string(),
            });
            return Ok(());
        }
        let reason = if group.0.len() == 1 {
            format!("no candidate; {}", self.available(&group.0[0].name))
        } else {
            let each: Vec<String> = group.0.iter().map(|r| self.available(&r.name)).collect();
            format!("no candidate; {}", each.join("; "))
        };
        Err(ResolveError::Unsatisfiable {
            chain: chain.to_vec(),
            requirement: group.to_string(),
            reason,
        })
    }
}

/// Resolves `requests` against `archive`.
pub fn resolve(archive: &Archive, requests: &[Request]) -> Result<Resolution, ResolveError> {
    let mut s = Solver::new(archive);
    for r in requests {
        if let Request::Exclude(name) = r {
            s.excluded.insert(name.clone());
        }
    }
    for r in requests {
        let Request::Install(rel) = r else { continue };
        if s.excluded.contains(&rel.name) {
            return Err(ResolveError::RequestedAndExcluded {
                name: rel.name.clone(),
            });
        }
        let group = Alternatives(vec![rel.clone()]);
        let before = s.dropped.len();
        s.satisfy(&group, &[])?;
        if s.dropped.len() > before {
            // A request is never silently dropped.
            return Err(ResolveError::Unsatisfiable {
                chain: Vec::new(),
                requirement: rel.to_string(),
                reason: "only excluded packages provide it".into(),
            });
        }
    }
    while let Some(i) = s.queue.pop_front() {
        let c = &s.all[i];
        let mut chain = s.chain.get(&c.record.name).cloned().unwrap_or_default();
        chain.push(c.record.name.clone());
        let groups: Vec<Alternatives> = c
            .record
            .pre_depends
            .iter()
            .chain(&c.record.depends)
            .cloned()
            .collect();
        for g in &groups {
            s.satisfy(g, &chain)?;
        }
    }
    let mut packages: Vec<Candidate> = s.chosen.values().map(|&i| s.all[i].clone()).collect();
    packages.sort_by(|a, b| {
        a.record
            .name
            .cmp(&b.record.name)
            .then_with(|| a.record.architecture.cmp(&b.record.architecture))
    });
    Ok(Resolution {
        packages,
        dropped: s.dropped,
    })
}

/// A relation pinning `name` to exactly `version` (what a lock file replays).
pub fn exact(name: &str, version: &kiln_version::dpkg::DpkgVersion) -> Relation {
    Relation {
        name: name.to_owned(),
        arch: None,
        constraint: Some(Constraint {
            op: Op::Eq,
            version: version.clone(),
        }),
    }
}
