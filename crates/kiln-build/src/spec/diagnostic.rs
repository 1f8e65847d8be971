//! Spec diagnostics: every problem in a spec file with its `file:line:col` and a stable
//! code, collected in one pass so the user sees them all at once.

use std::fmt;

/// One problem in a spec, at a place in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The spec file as the user named it.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// A stable code: `syntax`, `type`, `unknown-key`, `missing-key`, `invalid-value`,
    /// `duplicate`, `unknown-reference`, `io`.
    pub code: &'static str,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: [{}] {}",
            self.file, self.line, self.col, self.code, self.message
        )
    }
}

/// All the problems found in one spec, in file order; never empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{d}")?;
        }
        if n > 1 {
            write!(f, "\n{n} problems in the spec")?;
        }
        Ok(())
    }
}

/// Where in a file: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mark {
    pub line: usize,
    pub col: usize,
}

impl From<saphyr_parser::Marker> for Mark {
    fn from(m: saphyr_parser::Marker) -> Mark {
        Mark {
            line: m.line().max(1),
            col: m.col() + 1,
        }
    }
}

/// Collects diagnostics for one file.
#[derive(Debug)]
pub(crate) struct Collector {
    file: String,
    found: Vec<Diagnostic>,
}

impl Collector {
    pub(crate) fn new(file: &str) -> Collector {
        Collector {
            file: file.to_owned(),
            found: Vec::new(),
        }
    }

    pub(crate) fn report(&mut self, at: Mark, code: &'static str, message: impl Into<String>) {
        self.found.push(Diagnostic {
            file: self.file.clone(),
            line: at.line,
            col: at.col,
            code,
            message: message.into(),
        });
    }

    /// `Ok(value)` if nothing was reported, else every diagnostic in file order.
    pub(crate) fn finish<T>(mut self, value: T) -> Result<T, Diagnostics> {
        if self.found.is_empty() {
            return Ok(value);
        }
        self.found.sort_by_key(|d| (d.line, d.col));
        self.found.dedup();
        Err(Diagnostics(self.found))
    }
}
