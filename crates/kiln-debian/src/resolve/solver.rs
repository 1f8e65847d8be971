//! The search: depth-first over the open dependencies in the order they were met,
//! trying for each the alternatives in order and, within one, the candidates best first
//! (installed version, then highest); a choice that clashes (same name, `Conflicts`,
//! `Breaks`) is skipped, and a dead end backtracks. Backtracking jumps straight to the
//! latest choice that took part in the failure (conflict-directed backjumping), so an
//! impossible dependency does not make the search retry unrelated choices. The number of
//! choices is bounded; the same inputs always give the same result.

use std::collections::{BTreeMap, BTreeSet};

use crate::relation::Alternatives;

use super::universe::Universe;
use super::{Dropped, ResolveError};

/// How many choices one resolution may make before it gives up.
pub const MAX_CHOICES: usize = 100_000;

/// A dependency still to satisfy.
struct Open {
    group: Alternatives,
    /// The names that led here (requests first).
    chain: Vec<String>,
    /// The level of the choice that brought the dependency in (0: a request).
    owner: usize,
    /// A request is never dropped.
    request: bool,
}

/// A chosen package.
struct Chosen {
    index: usize,
    level: usize,
    chain: Vec<String>,
}

/// Why a branch failed: the levels of the choices that together caused it, and the
/// dead end to report if nothing else works.
enum Fail {
    Conflict(BTreeSet<usize>, Box<ResolveError>),
    GaveUp,
}

pub(crate) struct Solver<'u, 'a> {
    u: &'u Universe<'a>,
    open: Vec<Open>,
    chosen: BTreeMap<String, Chosen>,
    /// Indexes of chosen candidates, in choice order (level `k` is entry `k - 1`).
    order: Vec<usize>,
    dropped: Vec<Dropped>,
    excluded: BTreeSet<String>,
    choices: usize,
    /// The first dead end met, reported if the search gives up.
    first: Option<ResolveError>,
}

/// What kept one candidate out.
struct Rejection {
    blocker: Option<usize>,
    reason: String,
}

impl<'u, 'a> Solver<'u, 'a> {
    pub(crate) fn new(u: &'u Universe<'a>, excluded: BTreeSet<String>) -> Self {
        Solver {
            u,
            open: Vec::new(),
            chosen: BTreeMap::new(),
            order: Vec::new(),
            dropped: Vec::new(),
            excluded,
            choices: 0,
            first: None,
        }
    }

    pub(crate) fn request(&mut self, group: Alternatives) {
        self.open.push(Open {
            group,
            chain: Vec::new(),
            owner: 0,
            request: true,
        });
    }

    /// Runs the search; the chosen candidates (by name) and the dropped dependencies.
    pub(crate) fn run(mut self) -> Result<(Vec<usize>, Vec<Dropped>), ResolveError> {
        match self.search(0) {
            Ok(()) => Ok((
                self.chosen.values().map(|c| c.index).collect(),
                self.dropped,
            )),
            Err(Fail::Conflict(_, error)) => Err(*error),
            Err(Fail::GaveUp) => Err(ResolveError::GaveUp {
                choices: MAX_CHOICES,
                first: Box::new(self.first.take().unwrap_or(ResolveError::Unsatisfiable {
                    chain: Vec::new(),
                    requirement: String::new(),
                    reason: "no dead end met".into(),
                })),
            }),
        }
    }

    fn satisfied(&self, group: &Alternatives) -> bool {
        group.0.iter().any(|rel| {
            self.u.candidates(rel).into_iter().any(|i| {
                self.chosen
                    .get(&self.u.all[i].record.name)
                    .is_some_and(|c| c.index == i)
            })
        })
    }

    /// Whether candidate `i` can join the chosen set; if not, which choice blocks it.
    fn admissible(&self, rel_text: &str, i: usize) -> Result<(), Rejection> {
        let name = &self.u.all[i].record.name;
        if self.excluded.contains(name) {
            return Err(Rejection {
                blocker: None,
                reason: format!("{name} is excluded"),
            });
        }
        if let Some(why) = self.u.unusable(i) {
            return Err(Rejection {
                blocker: None,
                reason: format!("{}: {why}", self.u.label(i)),
            });
        }
        if let Some(c) = self.chosen.get(name) {
            return Err(Rejection {
                blocker: Some(c.level),
                reason: format!(
                    "{rel_text} does not fit {} already chosen (for {})",
                    self.u.label(c.index),
                    by(&c.chain)
                ),
            });
        }
        for &j in &self.order {
            if let Some((decl, kind, rel)) = self.u.clash(i, j) {
                let other = &self.chosen[&self.u.all[j].record.name];
                return Err(Rejection {
                    blocker: Some(other.level),
                    reason: format!(
                        "{} cannot be installed with {} (chosen for {}): {} {kind} {rel}",
                        self.u.label(i),
                        self.u.label(j),
                        by(&other.chain),
                        self.u.all[decl].record.name,
                    ),
                });
            }
        }
        Ok(())
    }

    fn search(&mut self, mut pos: usize) -> Result<(), Fail> {
        while pos < self.open.len() && self.satisfied(&self.open[pos].group) {
            pos += 1;
        }
        let Some(open) = self.open.get(pos) else {
            return Ok(());
        };
        let group = open.group.clone();
        let chain = open.chain.clone();
        let (owner, request) = (open.owner, open.request);

        let mut culprits = BTreeSet::from([owner]);
        let mut options = Vec::new();
        let mut rejections: Vec<Rejection> = Vec::new();
        let mut absent = Vec::new();
        for rel in &group.0 {
            let cands = self.u.candidates(rel);
            if cands.is_empty() {
                absent.push(self.u.available(&rel.name));
            }
            let text = rel.to_string();
            for i in cands {
                if options.contains(&i) {
                    continue;
                }
                match self.admissible(&text, i) {
                    Ok(()) => options.push(i),
                    Err(r) => {
                        culprits.extend(r.blocker);
                        rejections.push(r);
                    }
                }
            }
        }

        if options.is_empty()
            && !request
            && !rejections.is_empty()
            && rejections.iter().all(|r| r.blocker.is_none())
            && self.excluded_only(&group)
        {
            let package = chain.last().cloned().unwrap_or_default();
            tracing::debug!(package, dependency = %group, "dependency dropped: only excluded packages satisfy it");
            let mark = self.dropped.len();
            self.dropped.push(Dropped {
                package,
                dependency: group.to_string(),
            });
            let r = self.search(pos + 1);
            if r.is_err() {
                self.dropped.truncate(mark);
            }
            return r;
        }

        let mut error = None;
        for i in options {
            self.choices += 1;
            if self.choices > MAX_CHOICES {
                return Err(Fail::GaveUp);
            }
            let level = self.order.len() + 1;
            let (open_mark, drop_mark) = (self.open.len(), self.dropped.len());
            self.choose(i, level, &chain);
            match self.search(pos + 1) {
                Ok(()) => return Ok(()),
                Err(Fail::GaveUp) => return Err(Fail::GaveUp),
                Err(Fail::Conflict(why, e)) => {
                    self.unchoose(i, open_mark, drop_mark);
                    if !why.contains(&level) {
                        // This choice took no part: no other option here can help.
                        return Err(Fail::Conflict(why, e));
                    }
                    culprits.extend(why.into_iter().filter(|&l| l != level));
                    error.get_or_insert(e);
                }
            }
        }
        let error = match error {
            Some(e) => e,
            None => {
                let e = self.dead_end(&group, chain, request, &rejections, &absent);
                if self.first.is_none() {
                    self.first = Some(e.clone());
                }
                Box::new(e)
            }
        };
        culprits.remove(&0);
        Err(Fail::Conflict(culprits, error))
    }

    /// Whether every candidate of `group` is an excluded package.
    fn excluded_only(&self, group: &Alternatives) -> bool {
        group.0.iter().all(|rel| {
            self.u
                .candidates(rel)
                .iter()
                .all(|&i| self.excluded.contains(&self.u.all[i].record.name))
        })
    }

    fn dead_end(
        &self,
        group: &Alternatives,
        chain: Vec<String>,
        request: bool,
        rejections: &[Rejection],
        absent: &[String],
    ) -> ResolveError {
        let requirement = group.to_string();
        let reason = if rejections.is_empty() {
            format!("no candidate; {}", absent.join("; "))
        } else if request
            && rejections.iter().all(|r| r.blocker.is_none())
            && self.excluded_only(group)
        {
            "only excluded packages provide it".to_owned()
        } else {
            let mut parts: Vec<String> = rejections.iter().map(|r| r.reason.clone()).collect();
            parts.extend(absent.iter().map(|a| format!("no candidate; {a}")));
            parts.dedup();
            parts.join("; ")
        };
        ResolveError::Unsatisfiable {
            chain,
            requirement,
            reason,
        }
    }

    fn choose(&mut self, i: usize, level: usize, chain: &[String]) {
        let record = &self.u.all[i].record;
        tracing::trace!(package = record.name, version = %record.version, level, "chosen");
        let mut next = chain.to_vec();
        next.push(record.name.clone());
        for group in record.pre_depends.iter().chain(&record.depends) {
            self.open.push(Open {
                group: group.clone(),
                chain: next.clone(),
                owner: level,
                request: false,
            });
        }
        self.chosen.insert(
            record.name.clone(),
            Chosen {
                index: i,
                level,
                chain: chain.to_vec(),
            },
        );
        self.order.push(i);
    }

    fn unchoose(&mut self, i: usize, open_mark: usize, drop_mark: usize) {
        self.open.truncate(open_mark);
        self.dropped.truncate(drop_mark);
        self.chosen.remove(&self.u.all[i].record.name);
        self.order.pop();
    }
}

/// Who a choice was made for: the last name of its chain, or the request.
fn by(chain: &[String]) -> String {
    chain
        .last()
        .map_or_else(|| "the request".to_owned(), Clone::clone)
}
