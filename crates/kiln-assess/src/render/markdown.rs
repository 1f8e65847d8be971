//! The Markdown report: a score table per section, the failed checks with findings and
//! their incidents, then every check's status and the Scorecard mapping.

use std::fmt::Write as _;

use super::{NEEDS_CATALOG, location, questions, recommendations, types};
use crate::Assessment;
use crate::scorecard::{Coverage, SCORECARD};

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The report as Markdown.
pub fn markdown(a: &Assessment) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Supply chain assessment\n");
    let _ = writeln!(
        s,
        "Repository `{}`, against the CNCF Software Supply Chain Best Practices (v1 ids and assurance levels). {} of {} checks failed, {} findings.\n",
        a.repo,
        a.failed().count(),
        a.checks.len(),
        a.findings().count()
    );
    let _ = writeln!(s, "## Score per section\n");
    let _ = writeln!(
        s,
        "| Section | Passed | Failed | N/A or not checked | Recommendations covered | Score |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|");
    for sec in a.sections() {
        let score = sec.score().map_or("–".to_owned(), |v| format!("{v}%"));
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {}/{} ({}%) | {score} |",
            sec.section.title(),
            sec.passed,
            sec.failed,
            sec.undecided,
            sec.covered,
            sec.recommendations,
            sec.coverage()
        );
    }
    let _ = writeln!(s, "\n## Findings\n");
    if a.failed().count() == 0 {
        let _ = writeln!(s, "None.\n");
    }
    for c in a.failed() {
        let _ = writeln!(s, "### `{}`: {}\n", c.info.id, c.info.title);
        for f in &c.findings {
            let _ = writeln!(s, "- `{}`: {}", location(f), f.message);
        }
        let _ = writeln!(
            s,
            "\n- **Falls short of:** {}",
            recommendations(c).join("; ")
        );
        let _ = writeln!(s, "- **Assessment questions:** {}", questions(c).join("; "));
        let _ = writeln!(s, "- **Leaves open:** {}", types(c));
        if !a.catalog {
            let _ = writeln!(s, "- **Incidents:** {NEEDS_CATALOG}");
        } else if !c.incidents.is_empty() {
            let list: Vec<String> = c
                .incidents
                .iter()
                .map(|i| format!("[{}]({}) ({})", cell(&i.name), i.url, i.year))
                .collect();
            let _ = writeln!(
                s,
                "- **Incidents** ({} of {}): {}",
                c.incidents.len(),
                c.incidents_total,
                list.join("; ")
            );
        }
        let _ = writeln!(s, "- **Fix:** {}\n", c.info.help);
    }
    let _ = writeln!(s, "## All checks\n");
    let _ = writeln!(s, "| Check | Status | Recommendations | Detail |");
    let _ = writeln!(s, "|---|---|---|---|");
    for c in &a.checks {
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} |",
            c.info.id,
            c.status.label(),
            c.info.recommendations.join(", "),
            cell(&c.detail)
        );
    }
    let _ = writeln!(s, "\n## OpenSSF Scorecard checks\n");
    let _ = writeln!(s, "| Scorecard check | kiln |");
    let _ = writeln!(s, "|---|---|");
    for (name, cov) in SCORECARD {
        let what = match cov {
            Coverage::Covered { checks } => format!(
                "covered: {}",
                checks
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Coverage::Partial { checks, note } => format!(
                "in part: {}; not decidable from a checkout: {note}",
                checks
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Coverage::Platform { note } => format!("not decidable from a checkout: {note}"),
        };
        let _ = writeln!(s, "| {name} | {what} |");
    }
    s
}
