//! Package relationships as Debian control fields write them (`Depends`, `Pre-Depends`,
//! `Provides`): comma-separated groups of `|`-separated alternatives, each
//! `name[:arch] [(op version)] [arch list] [<build profiles>]`. The arch list and
//! build profiles only occur in source packages; they are read and dropped.

use std::fmt;
use std::str::FromStr;

use kiln_version::dpkg::DpkgVersion;

/// A relationship field that is not valid syntax.
#[derive(Debug, thiserror::Error)]
#[error("invalid relationship {input:?}: {reason}")]
pub struct RelationError {
    /// The relationship as written.
    pub input: String,
    /// What is wrong.
    pub reason: String,
}

fn bad(input: &str, reason: impl Into<String>) -> RelationError {
    RelationError {
        input: input.to_owned(),
        reason: reason.into(),
    }
}

/// A version comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `<<`
    Lt,
    /// `<=`
    Le,
    /// `=`
    Eq,
    /// `>=`
    Ge,
    /// `>>`
    Gt,
}

impl Op {
    /// Reads an operator; the obsolete `<` and `>` mean `<=` and `>=`, as in dpkg.
    pub fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "<<" => Op::Lt,
            "<=" | "<" => Op::Le,
            "=" => Op::Eq,
            ">=" | ">" => Op::Ge,
            ">>" => Op::Gt,
            _ => return None,
        })
    }

    /// The operator as Debian writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Lt => "<<",
            Op::Le => "<=",
            Op::Eq => "=",
            Op::Ge => ">=",
            Op::Gt => ">>",
        }
    }
}

/// A version constraint: `(op version)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    pub op: Op,
    pub version: DpkgVersion,
}

impl Constraint {
    /// Whether `v` satisfies the constraint.
    pub fn matches(&self, v: &DpkgVersion) -> bool {
        let ord = v.cmp(&self.version);
        match self.op {
            Op::Lt => ord.is_lt(),
            Op::Le => ord.is_le(),
            Op::Eq => ord.is_eq(),
            Op::Ge => ord.is_ge(),
            Op::Gt => ord.is_gt(),
        }
    }
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.op.as_str(), self.version)
    }
}

/// One package relation: `name[:arch] [(op version)]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub name: String,
    /// The architecture qualifier after `:` (`any`, `native` or an architecture).
    pub arch: Option<String>,
    pub constraint: Option<Constraint>,
}

impl Relation {
    /// Reads one relation (no `|`, no `,`).
    pub fn parse(input: &str) -> Result<Relation, RelationError> {
        let mut s = input.trim();
        // Build profiles and architecture restrictions: read and dropped.
        while let Some(i) = s.rfind(['<', '[']) {
            let close = if s[i..].starts_with('<') { '>' } else { ']' };
            if !s.trim_end().ends_with(close)
                || s[i..].starts_with("<<")
                || s[i..].starts_with("<=")
            {
                break;
            }
            s = s[..i].trim_end();
        }
        let (head, constraint) = match s.find('(') {
            Some(open) => {
                let inner = s[open + 1..]
                    .strip_suffix(')')
                    .ok_or_else(|| bad(input, "unclosed '('"))?
                    .trim();
                let split = inner
                    .find(|c: char| !"<=>".contains(c))
                    .ok_or_else(|| bad(input, "constraint has no version"))?;
                let op = Op::parse(&inner[..split])
                    .ok_or_else(|| bad(input, format!("unknown operator {:?}", &inner[..split])))?;
                let version = DpkgVersion::parse(inner[split..].trim())
                    .map_err(|e| bad(input, e.to_string()))?;
                (s[..open].trim(), Some(Constraint { op, version }))
            }
            None => (s, None),
        };
        let (name, arch) = match head.split_once(':') {
            Some((n, a)) => (n, Some(a.to_owned())),
            None => (head, None),
        };
        if name.is_empty() {
            return Err(bad(input, "package name is empty"));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            return Err(bad(input, format!("invalid package name {name:?}")));
        }
        if arch
            .as_deref()
            .is_some_and(|a| a.is_empty() || a.contains(char::is_whitespace))
        {
            return Err(bad(input, "invalid architecture qualifier"));
        }
        Ok(Relation {
            name: name.to_ascii_lowercase(),
            arch,
            constraint,
        })
    }
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(a) = &self.arch {
            write!(f, ":{a}")?;
        }
        if let Some(c) = &self.constraint {
            write!(f, " ({c})")?;
        }
        Ok(())
    }
}

impl FromStr for Relation {
    type Err = RelationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Relation::parse(s)
    }
}

/// One comma-separated group: any one of the alternatives satisfies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alternatives(pub Vec<Relation>);

impl fmt::Display for Alternatives {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

/// Reads a whole `Depends`-style field: groups separated by `,`, alternatives by `|`.
/// Empty groups (a trailing comma) are ignored.
pub fn parse_field(input: &str) -> Result<Vec<Alternatives>, RelationError> {
    let mut out = Vec::new();
    for group in input.split(',') {
        if group.trim().is_empty() {
            continue;
        }
        let alts = group
            .split('|')
            .map(Relation::parse)
            .collect::<Result<Vec<_>, _>>()?;
        out.push(Alternatives(alts));
    }
    Ok(out)
}

/// Reads a `Provides` field: a comma-separated list without alternatives; only `=` is a
/// valid operator there.
pub fn parse_provides(input: &str) -> Result<Vec<Relation>, RelationError> {
    let mut out = Vec::new();
    for item in input.split(',') {
        if item.trim().is_empty() {
            continue;
        }
        let r = Relation::parse(item)?;
        if r.constraint.as_ref().is_some_and(|c| c.op != Op::Eq) {
            return Err(bad(item, "a provided version must use '='"));
        }
        out.push(r);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_groups_alternatives_constraints_and_qualifiers() {
        let deps = parse_field(
            "libc6 (>= 2.36), python3:any | python3-minimal (<< 3.12~), foo [amd64] <!nocheck>,",
        )
        .unwrap();
        assert_eq!(deps.len(), 3);
        assert_eq!(deps[0].0[0].name, "libc6");
        assert_eq!(deps[0].0[0].constraint.as_ref().unwrap().op, Op::Ge);
        assert_eq!(deps[1].0[0].arch.as_deref(), Some("any"));
        assert_eq!(deps[1].0[1].constraint.as_ref().unwrap().op, Op::Lt);
        assert_eq!(deps[2].0[0].name, "foo");
        assert_eq!(
            deps[1].to_string(),
            "python3:any | python3-minimal (<< 3.12~)"
        );
    }

    #[test]
    fn constraints_match_by_dpkg_order() {
        let c = |s: &str| Relation::parse(s).unwrap().constraint.unwrap();
        let v = |s: &str| DpkgVersion::parse(s).unwrap();
        assert!(c("a (>= 1.0)").matches(&v("1.0-1")));
        assert!(!c("a (>> 1.0-1)").matches(&v("1.0-1")));
        assert!(c("a (<< 1.0)").matches(&v("1.0~rc1")));
        assert!(c("a (= 1:2)").matches(&v("1:2-0")));
        assert!(c("a (<= 2)").matches(&v("2")));
        assert!(!c("a (<= 2)").matches(&v("1:1")));
    }

    #[test]
    fn rejects_bad_syntax() {
        for s in ["", "(>= 1)", "a (>= 1", "a (~= 1)", "a (>=)", "a b", "a:"] {
            assert!(Relation::parse(s).is_err(), "{s:?} accepted");
        }
        assert!(parse_provides("a (>= 1)").is_err());
        assert_eq!(parse_provides("a (= 1), b").unwrap().len(), 2);
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,80}") {
            let _ = parse_field(&s);
            let _ = parse_provides(&s);
        }
    }
}
