//! Evaluating one policy over one evidence document with regorus: the evidence is
//! `input`, the parameters are `data.params`, and the policy's `deny` set is read back as
//! [`Denial`]s. Each policy runs in its own engine, so packages of different policies
//! never meet.

use serde::Serialize;

use crate::policy::{Origin, Policy};
use crate::{PolicyError, Result};

/// One reason a policy denies, with the evidence behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Denial {
    /// A stable code (`hardened/no-shell`); the policy name when the policy gave none.
    pub rule: String,
    pub reason: String,
    /// The part of the evidence the rule looked at (null when the policy gave none).
    pub evidence: serde_json::Value,
}

/// What one policy said.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// The preset name or policy file.
    pub policy: String,
    /// `preset` or `file`.
    pub origin: &'static str,
    /// True when `denials` is empty.
    pub allowed: bool,
    /// Every denial, sorted by rule and reason.
    pub denials: Vec<Denial>,
}

/// Evaluates `policy` over `input` (the evidence as JSON) with `params` as `data.params`.
pub fn evaluate(
    policy: &Policy,
    input: &serde_json::Value,
    params: &serde_json::Value,
) -> Result<Outcome> {
    let fail = |reason: String| PolicyError::Evaluation {
        policy: policy.name.clone(),
        reason,
    };
    let mut engine = policy.engine()?;
    engine.set_input(regorus::Value::from(input.clone()));
    engine
        .add_data(regorus::Value::from(
            serde_json::json!({ "params": params }),
        ))
        .map_err(|e| fail(format!("data.params: {e}")))?;
    let value = engine
        .eval_rule(policy.deny_rule())
        .map_err(|e| fail(one_line(&e.to_string())))?;
    if value == regorus::Value::Undefined {
        return Err(fail(format!(
            "{} is undefined: a policy must declare a `deny` set",
            policy.deny_rule()
        )));
    }
    let json = value
        .to_json_str()
        .map_err(|e| fail(format!("deny: {e}")))?;
    let entries: serde_json::Value =
        serde_json::from_str(&json).map_err(|e| fail(format!("deny: {e}")))?;
    let entries = match entries {
        serde_json::Value::Array(list) => list,
        other => {
            return Err(fail(format!("deny is {}, not a set", kind_of(&other))));
        }
    };
    let mut denials = entries
        .into_iter()
        .map(|e| denial(&policy.name, e).map_err(&fail))
        .collect::<Result<Vec<_>>>()?;
    denials.sort_by(|a, b| (&a.rule, &a.reason).cmp(&(&b.rule, &b.reason)));
    denials.dedup();
    Ok(Outcome {
        policy: policy.name.clone(),
        origin: match policy.origin {
            Origin::Preset => "preset",
            Origin::File => "file",
        },
        allowed: denials.is_empty(),
        denials,
    })
}

/// One `deny` member as a [`Denial`].
fn denial(policy: &str, entry: serde_json::Value) -> Result<Denial, String> {
    match entry {
        serde_json::Value::String(reason) => Ok(Denial {
            rule: policy.to_owned(),
            reason,
            evidence: serde_json::Value::Null,
        }),
        serde_json::Value::Object(mut map) => {
            let reason = match map.remove("reason") {
                Some(serde_json::Value::String(s)) => s,
                _ => {
                    return Err("a deny entry is an object without a string \"reason\"".to_owned());
                }
            };
            let rule = match map.remove("rule") {
                Some(serde_json::Value::String(s)) => s,
                None | Some(serde_json::Value::Null) => policy.to_owned(),
                Some(other) => {
                    return Err(format!(
                        "a deny entry's \"rule\" is {}, not a string",
                        kind_of(&other)
                    ));
                }
            };
            Ok(Denial {
                rule,
                reason,
                evidence: map.remove("evidence").unwrap_or_default(),
            })
        }
        other => Err(format!(
            "a deny entry is {}, not a string or an object with a \"reason\"",
            kind_of(&other)
        )),
    }
}

fn kind_of(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// The engine's message on one line: its location and its `error:` text.
fn one_line(text: &str) -> String {
    match crate::policy::syntax_error("", text) {
        PolicyError::Syntax { location, message } if !location.is_empty() => {
            format!("{location}: {message}")
        }
        PolicyError::Syntax { message, .. } => message,
        other => other.to_string(),
    }
}
