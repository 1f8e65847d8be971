//! The text report: a summary per section, then every failed check with its findings,
//! recommendations, compromise types and incidents, then what was not decided.

use std::fmt::Write as _;

use super::{NEEDS_CATALOG, location, questions, recommendations, types};
use crate::Assessment;
use crate::check::Status;
use crate::scorecard::{Coverage, SCORECARD};

/// The report as text.
pub fn text(a: &Assessment) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Supply chain assessment of {}", a.repo);
    let _ = writeln!(s, "against the CNCF Software Supply Chain Best Practices\n");
    let _ = writeln!(
        s,
        "{:<28} {:>6} {:>6} {:>6} {:>9}  SCORE",
        "SECTION", "PASS", "FAIL", "OTHER", "COVERAGE"
    );
    for sec in a.sections() {
        let score = sec.score().map_or("-".to_owned(), |v| format!("{v}%"));
        let _ = writeln!(
            s,
            "{:<28} {:>6} {:>6} {:>6} {:>4}/{:<4}  {score}",
            sec.section.title(),
            sec.passed,
            sec.failed,
            sec.undecided,
            sec.covered,
            sec.recommendations
        );
    }
    let failed: Vec<_> = a.failed().collect();
    let _ = writeln!(
        s,
        "\n{} of {} checks failed\n",
        failed.len(),
        a.checks.len()
    );
    for c in &failed {
        let _ = writeln!(
            s,
            "FAIL [{}] {}: {}",
            c.info.level.name(),
            c.info.id,
            c.info.title
        );
        for f in &c.findings {
            let _ = writeln!(s, "  - {}: {}", location(f), f.message);
        }
        let _ = writeln!(s, "  falls short of: {}", recommendations(c).join("; "));
        let _ = writeln!(s, "  questions: {}", questions(c).join("; "));
        let _ = writeln!(s, "  leaves open: {}", types(c));
        if !a.catalog {
            let _ = writeln!(s, "  incidents: {NEEDS_CATALOG}");
        } else if !c.incidents.is_empty() {
            let _ = writeln!(
                s,
                "  incidents ({} of {} catalogued):",
                c.incidents.len(),
                c.incidents_total
            );
            for i in &c.incidents {
                let _ = writeln!(s, "    {} ({}) {}", i.name, i.year, i.url);
            }
        }
        let _ = writeln!(s, "  fix: {}\n", c.info.help);
    }
    let _ = writeln!(s, "Passed:");
    for c in a.checks.iter().filter(|c| c.status == Status::Pass) {
        let _ = writeln!(s, "  pass {}: {} ({})", c.info.id, c.info.title, c.detail);
    }
    let _ = writeln!(s, "\nNot applicable or not checked:");
    for c in a
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::NotApplicable | Status::NotChecked))
    {
        let _ = writeln!(s, "  {} {}: {}", c.status.label(), c.info.id, c.detail);
    }
    let _ = writeln!(
        s,
        "\nNot decidable from a checkout (needs the hosting platform's API):"
    );
    for (name, cov) in SCORECARD {
        match cov {
            Coverage::Platform { note } => {
                let _ = writeln!(s, "  {name}: {note}");
            }
            Coverage::Partial { note, .. } => {
                let _ = writeln!(s, "  {name} (in part): {note}");
            }
            Coverage::Covered { .. } => {}
        }
    }
    s
}
