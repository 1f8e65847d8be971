//! Combining policy outcomes into one decision: all-of (every policy allows) or any-of
//! (at least one allows). An empty set of policies denies in both modes: a decision with
//! nothing to decide by must not pass.

use serde::Serialize;

use crate::engine::{Denial, Outcome};

/// How outcomes combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Every policy must allow.
    AllOf,
    /// At least one policy must allow.
    AnyOf,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::AllOf => "all-of",
            Mode::AnyOf => "any-of",
        }
    }
}

/// Whether policies that said `allowed` make an allow under `mode`; empty denies.
pub fn combine(mode: Mode, allowed: &[bool]) -> bool {
    if allowed.is_empty() {
        return false;
    }
    match mode {
        Mode::AllOf => allowed.iter().all(|a| *a),
        Mode::AnyOf => allowed.iter().any(|a| *a),
    }
}

/// The decision over one image.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// Always `kiln.dev/decision/v1`.
    pub schema: &'static str,
    pub allowed: bool,
    pub mode: Mode,
    /// The image the evidence is about (its reference and digest).
    pub image: String,
    pub digest: String,
    /// One line saying why.
    pub summary: String,
    /// Every policy's outcome, in the order given.
    pub policies: Vec<Outcome>,
}

/// The schema identifier of a decision's JSON.
pub const DECISION_SCHEMA: &str = "kiln.dev/decision/v1";

impl Decision {
    /// Decides over `outcomes` under `mode`.
    pub fn new(mode: Mode, image: &str, digest: &str, outcomes: Vec<Outcome>) -> Decision {
        let flags: Vec<bool> = outcomes.iter().map(|o| o.allowed).collect();
        let allowed = combine(mode, &flags);
        let denied = flags.iter().filter(|a| !**a).count();
        let rules = match outcomes.iter().map(|o| o.denials.len()).sum::<usize>() {
            1 => "1 rule".to_owned(),
            n => format!("{n} rules"),
        };
        let summary = match (allowed, outcomes.is_empty(), mode) {
            (_, true, _) => "no policy to decide by: denied".to_owned(),
            (true, _, Mode::AllOf) => format!("allowed: all {} policies allow", outcomes.len()),
            (true, _, Mode::AnyOf) => format!(
                "allowed: {} of {} policies allow",
                outcomes.len() - denied,
                outcomes.len()
            ),
            (false, _, Mode::AllOf) => format!(
                "denied: {denied} of {} policies deny ({rules})",
                outcomes.len()
            ),
            (false, _, Mode::AnyOf) => format!(
                "denied: none of {} policies allows ({rules})",
                outcomes.len()
            ),
        };
        Decision {
            schema: DECISION_SCHEMA,
            allowed,
            mode,
            image: image.to_owned(),
            digest: digest.to_owned(),
            summary,
            policies: outcomes,
        }
    }

    /// Every denial, with the policy it came from.
    pub fn denials(&self) -> impl Iterator<Item = (&str, &Denial)> {
        self.policies
            .iter()
            .flat_map(|o| o.denials.iter().map(move |d| (o.policy.as_str(), d)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every assignment of `n` policies' verdicts, n = 0..=4, against the definition.
    #[test]
    fn truth_tables_are_complete_and_empty_denies() {
        for n in 0..=4usize {
            for bits in 0..(1u32 << n) {
                let flags: Vec<bool> = (0..n).map(|i| bits & (1 << i) != 0).collect();
                let trues = flags.iter().filter(|f| **f).count();
                assert_eq!(
                    combine(Mode::AllOf, &flags),
                    n > 0 && trues == n,
                    "all-of {flags:?}"
                );
                assert_eq!(combine(Mode::AnyOf, &flags), trues > 0, "any-of {flags:?}");
            }
        }
        assert!(!combine(Mode::AllOf, &[]));
        assert!(!combine(Mode::AnyOf, &[]));
    }

    #[test]
    fn two_policy_tables_spelled_out() {
        let table = [
            ([false, false], false, false),
            ([false, true], false, true),
            ([true, false], false, true),
            ([true, true], true, true),
        ];
        for (flags, all, any) in table {
            assert_eq!(combine(Mode::AllOf, &flags), all, "{flags:?}");
            assert_eq!(combine(Mode::AnyOf, &flags), any, "{flags:?}");
        }
        assert!(!combine(Mode::AllOf, &[false]));
        assert!(combine(Mode::AllOf, &[true]));
        assert!(!combine(Mode::AnyOf, &[false]));
        assert!(combine(Mode::AnyOf, &[true]));
    }

    #[test]
    fn an_empty_decision_denies_with_a_reason() {
        for mode in [Mode::AllOf, Mode::AnyOf] {
            let d = Decision::new(mode, "img", "sha256:00", Vec::new());
            assert!(!d.allowed);
            assert!(d.summary.contains("no policy"), "{}", d.summary);
        }
    }
}
