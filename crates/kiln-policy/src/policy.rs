//! A policy: one Rego module (a preset or a user's file) with the library modules it
//! needs, checked when it is loaded so errors are reported with `file:line:col` before
//! any evidence is assembled.
//!
//! A policy declares a `deny` set in its package. Each member is a string (the reason),
//! or an object with a string `reason` and optional `rule` (a stable code) and `evidence`
//! (any JSON): see [`crate::engine`].

use std::path::Path;

use crate::preset::{self, Preset};
use crate::{PolicyError, Result};

/// Where a policy came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Preset,
    File,
}

/// A loaded, parsed policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The preset name or the file path.
    pub name: String,
    pub origin: Origin,
    /// The package its `deny` rule lives in (`data.kiln.preset.hardened`).
    pub package: String,
    /// `(file, source)` of every module, the policy's own first.
    pub(crate) modules: Vec<(String, String)>,
}

impl Policy {
    /// The built-in policy `name`.
    pub fn preset(name: &str) -> Result<Policy> {
        let p: &Preset = preset::find(name).ok_or_else(|| PolicyError::UnknownPreset {
            name: name.to_owned(),
            known: preset::names(),
        })?;
        let mut modules = vec![(format!("preset:{}", p.file), p.source.to_owned())];
        modules.extend(
            p.libraries
                .iter()
                .map(|(f, s)| (format!("preset:{f}"), (*s).to_owned())),
        );
        Policy::new(p.name, Origin::Preset, modules)
    }

    /// A policy file.
    pub fn from_file(path: &Path) -> Result<Policy> {
        let name = path.display().to_string();
        let source = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
            path: name.clone(),
            source,
        })?;
        Policy::from_source(&name, &source)
    }

    /// A policy from Rego text; `name` stands for its file in messages.
    pub fn from_source(name: &str, source: &str) -> Result<Policy> {
        Policy::new(
            name,
            Origin::File,
            vec![(name.to_owned(), source.to_owned())],
        )
    }

    fn new(name: &str, origin: Origin, modules: Vec<(String, String)>) -> Result<Policy> {
        if modules.is_empty() {
            return Err(PolicyError::Syntax {
                location: name.to_owned(),
                message: "no Rego module".to_owned(),
            });
        }
        let mut engine = regorus::Engine::new();
        let mut package = String::new();
        for (i, (file, source)) in modules.iter().enumerate() {
            let pkg = engine
                .add_policy(file.clone(), source.clone())
                .map_err(|e| syntax_error(file, &e.to_string()))?;
            if i == 0 {
                package = pkg;
            }
        }
        let own = &modules[0].0;
        match engine.has_declared_rule_rooted_at(own, "deny") {
            Ok(true) => {}
            Ok(false) => {
                return Err(PolicyError::Syntax {
                    location: own.clone(),
                    message:
                        "the policy declares no `deny` rule (a policy denies through a `deny` set)"
                            .to_owned(),
                });
            }
            Err(e) => return Err(syntax_error(own, &e.to_string())),
        }
        let policy = Policy {
            name: name.to_owned(),
            origin,
            package,
            modules,
        };
        // Compile-time problems (unknown functions, conflicting rules) surface when the
        // engine prepares; evaluating `deny` over an empty input finds them now.
        let mut check = policy.engine()?;
        check.set_input(regorus::Value::new_object());
        match check.eval_rule(policy.deny_rule()) {
            Ok(_) => {}
            Err(e) => {
                let text = e.to_string();
                if text.contains("-->") {
                    return Err(syntax_error(&policy.modules[0].0, &text));
                }
            }
        }
        Ok(policy)
    }

    /// The path of the `deny` rule.
    pub(crate) fn deny_rule(&self) -> String {
        format!("{}.deny", self.package)
    }

    /// A fresh engine with this policy's modules.
    pub(crate) fn engine(&self) -> Result<regorus::Engine> {
        let mut engine = regorus::Engine::new();
        for (file, source) in &self.modules {
            engine
                .add_policy(file.clone(), source.clone())
                .map_err(|e| syntax_error(file, &e.to_string()))?;
        }
        Ok(engine)
    }

    /// The policy's own Rego (libraries not included).
    pub fn source(&self) -> &str {
        self.modules.first().map_or("", |(_, s)| s.as_str())
    }
}

/// Turns the engine's multi-line message (`--> file:line:col`, the source line, a caret,
/// `error: message`) into one `file:line:col: message`.
pub(crate) fn syntax_error(file: &str, text: &str) -> PolicyError {
    let location = text
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("--> "))
        .map(|l| l.trim().to_owned())
        .unwrap_or_else(|| file.to_owned());
    let message = text
        .lines()
        .rev()
        .find_map(|l| l.trim_start().strip_prefix("error: "))
        .or_else(|| text.lines().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or("invalid policy")
        .trim()
        .to_owned();
    PolicyError::Syntax { location, message }
}
