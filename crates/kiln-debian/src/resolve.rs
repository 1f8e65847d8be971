//! Dependency resolution over an [`Archive`]: requests (`pkg`, `pkg=1.2-3`,
//! `pkg (>= 1.2)`, `!pkg`) → the closed set of packages to install, sorted by name.
//!
//! Rules: `Pre-Depends` and `Depends` are followed (not `Recommends`/`Suggests`); a
//! group of alternatives is satisfied by an already chosen package if one fits, else
//! the alternatives are tried in order and, within one, its candidates best first: a
//! real package of the name before providers (`Provides`; versioned provides match
//! versioned dependencies), the installed version (see [`resolve_with`]) before the
//! highest. `pkg:any` needs `Multi-Arch: allowed` (or `foreign`, which satisfies any
//! architecture qualifier, as in dpkg); `Essential` packages come in only when
//! something depends on them. `Conflicts` and `Breaks` (versioned, and matching
//! provided names as dpkg does; a package never conflicts with itself) keep two
//! packages out of one resolution, as does a second version of one name. A choice
//! that leads to a dead end is undone and the next one tried (see `solver`), up to
//! a bound; the same inputs always give the same result. An excluded package (`!pkg`)
//! is never chosen: a dependency only excluded packages could satisfy is dropped and
//! reported in [`Resolution::dropped`]. Errors name the chain that fails, and the
//! conflicting pair when a conflict is why.

mod solver;
mod universe;

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::str::FromStr;

use crate::archive::{Archive, Candidate};
use kiln_version::dpkg::DpkgVersion;

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
#[derive(Debug, Clone, thiserror::Error)]
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
    /// The search made [`MAX_CHOICES`] choices without finding a solution.
    #[error("resolution gave up after {choices} choices; first dead end: {first}")]
    GaveUp {
        choices: usize,
        first: Box<ResolveError>,
    },
}

pub use solver::MAX_CHOICES;

fn chain_prefix(chain: &[String]) -> String {
    chain.iter().map(|c| format!("{c} -> ")).collect()
}

/// Resolves `requests` against `archive`.
pub fn resolve(archive: &Archive, requests: &[Request]) -> Result<Resolution, ResolveError> {
    resolve_with(archive, requests, &[])
}

/// Resolves `requests` against `archive` as apt would with `installed` already on
/// the system: an installed version is kept unless a constraint, `Conflicts` or
/// `Breaks` rules it out, in which case another version (normally newer) is chosen.
/// Installed packages are preferences only; they are not added to the result unless
/// something needs them.
pub fn resolve_with(
    archive: &Archive,
    requests: &[Request],
    installed: &[(String, DpkgVersion)],
) -> Result<Resolution, ResolveError> {
    let installed: HashMap<String, DpkgVersion> = installed.iter().cloned().collect();
    let universe = universe::Universe::new(archive, installed);
    let mut excluded = BTreeSet::new();
    for r in requests {
        if let Request::Exclude(name) = r {
            excluded.insert(name.clone());
        }
    }
    for r in requests {
        if let Request::Install(rel) = r
            && excluded.contains(&rel.name)
        {
            return Err(ResolveError::RequestedAndExcluded {
                name: rel.name.clone(),
            });
        }
    }
    let mut solver = solver::Solver::new(&universe, excluded);
    for r in requests {
        if let Request::Install(rel) = r {
            solver.request(Alternatives(vec![rel.clone()]));
        }
    }
    let (chosen, dropped) = solver.run()?;
    let mut packages: Vec<Candidate> = chosen.iter().map(|&i| universe.all[i].clone()).collect();
    packages.sort_by(|a, b| {
        a.record
            .name
            .cmp(&b.record.name)
            .then_with(|| a.record.architecture.cmp(&b.record.architecture))
    });
    Ok(Resolution { packages, dropped })
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
