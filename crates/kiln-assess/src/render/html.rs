//! A standalone HTML page: inline CSS and SVG only (no scripts, fonts or other external
//! resources), a bar chart of coverage and score per paper section, the findings with
//! their recommendations and incidents, and every check's status. Status is never shown
//! by colour alone: every mark also has its word.

use std::fmt::Write as _;

use super::{NEEDS_CATALOG, location, questions, recommendations, types};
use crate::Assessment;
use crate::scorecard::{Coverage, SCORECARD};

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;max-width:70em;margin:2em auto;padding:0 1em;color:#1b1b1b}\
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc}table{border-collapse:collapse;width:100%}\
td,th{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}th{background:#f3f3f3}\
.fail{color:#a00;font-weight:bold}.pass{color:#060}.other{color:#666}code{background:#f5f5f5;padding:0 .2em}\
.check{border-left:4px solid #a00;padding:.2em 1em;margin:1em 0;background:#fff8f8}svg text{font:12px system-ui,sans-serif}";

fn chart(a: &Assessment) -> String {
    let sections = a.sections();
    let row = 46;
    let label = 200;
    let bar = 380;
    let legend = label + bar + 12;
    let width = legend + 300;
    let height = row * sections.len() + 10;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"Coverage and score per section\">"
    );
    for (i, sec) in sections.iter().enumerate() {
        let y = 10 + i * row;
        let coverage = sec.coverage() as usize;
        let _ = write!(
            s,
            "<text x=\"0\" y=\"{}\">{}</text>\
             <rect x=\"{label}\" y=\"{y}\" width=\"{bar}\" height=\"16\" fill=\"#eef1f5\"/>\
             <rect x=\"{label}\" y=\"{y}\" width=\"{}\" height=\"16\" fill=\"#4a78b5\"/>\
             <text x=\"{legend}\" y=\"{}\">coverage {coverage}% ({} of {} recommendations)</text>",
            y + 20,
            escape(sec.section.title()),
            bar * coverage / 100,
            y + 12,
            sec.covered,
            sec.recommendations
        );
        let (w, text) = match sec.score() {
            Some(v) => (
                bar * v as usize / 100,
                format!(
                    "score {v}% ({} of {} decided checks pass)",
                    sec.passed,
                    sec.passed + sec.failed
                ),
            ),
            None => (0, "score: no decided checks".to_owned()),
        };
        let _ = write!(
            s,
            "<rect x=\"{label}\" y=\"{}\" width=\"{bar}\" height=\"16\" fill=\"#eef5f0\"/>\
             <rect x=\"{label}\" y=\"{}\" width=\"{w}\" height=\"16\" fill=\"#3a9a52\"/>\
             <text x=\"{legend}\" y=\"{}\">{}</text>",
            y + 18,
            y + 18,
            y + 30,
            escape(&text)
        );
    }
    s.push_str("</svg>");
    s
}

/// The report as a standalone HTML page.
pub fn html(a: &Assessment) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Supply chain assessment: {}</title><style>{STYLE}</style></head><body>",
        escape(&a.repo)
    );
    let _ = write!(
        s,
        "<h1>Supply chain assessment</h1><p>Repository <code>{}</code>, against the CNCF Software Supply Chain Best Practices. \
         <span class=\"fail\">{} of {} checks failed</span>, {} findings.</p>",
        escape(&a.repo),
        a.failed().count(),
        a.checks.len(),
        a.findings().count()
    );
    let _ = write!(s, "<h2>Coverage and score per section</h2>{}", chart(a));
    s.push_str("<table><tr><th>Section</th><th>Passed</th><th>Failed</th><th>N/A or not checked</th><th>Covered</th><th>Score</th></tr>");
    for sec in a.sections() {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}/{}</td><td>{}</td></tr>",
            escape(sec.section.title()),
            sec.passed,
            sec.failed,
            sec.undecided,
            sec.covered,
            sec.recommendations,
            sec.score().map_or("–".to_owned(), |v| format!("{v}%"))
        );
    }
    s.push_str("</table><h2>Findings</h2>");
    if a.failed().count() == 0 {
        s.push_str("<p class=\"pass\">None: every decided check passed.</p>");
    }
    for c in a.failed() {
        let _ = write!(
            s,
            "<div class=\"check\"><h3><span class=\"fail\">FAIL</span> <code>{}</code> {}</h3><ul>",
            escape(c.info.id),
            escape(c.info.title)
        );
        for f in &c.findings {
            let _ = write!(
                s,
                "<li><code>{}</code>: {}</li>",
                escape(&location(f)),
                escape(&f.message)
            );
        }
        let _ = write!(
            s,
            "</ul><p><b>Falls short of:</b> {}<br><b>Questions:</b> {}<br><b>Leaves open:</b> {}<br>",
            escape(&recommendations(c).join("; ")),
            escape(&questions(c).join("; ")),
            escape(&types(c))
        );
        if !a.catalog {
            let _ = write!(s, "<b>Incidents:</b> {}<br>", escape(NEEDS_CATALOG));
        } else if !c.incidents.is_empty() {
            let list: Vec<String> = c
                .incidents
                .iter()
                .map(|i| {
                    format!(
                        "<a href=\"{}\">{}</a> ({})",
                        escape(&i.url),
                        escape(&i.name),
                        i.year
                    )
                })
                .collect();
            let _ = write!(
                s,
                "<b>Incidents</b> ({} of {}): {}<br>",
                c.incidents.len(),
                c.incidents_total,
                list.join("; ")
            );
        }
        let _ = write!(s, "<b>Fix:</b> {}</p></div>", escape(c.info.help));
    }
    s.push_str("<h2>All checks</h2><table><tr><th>Check</th><th>Status</th><th>Recommendations</th><th>Detail</th></tr>");
    for c in &a.checks {
        let class = match c.status {
            crate::check::Status::Pass => "pass",
            crate::check::Status::Fail => "fail",
            _ => "other",
        };
        let _ = write!(
            s,
            "<tr><td><code>{}</code></td><td class=\"{class}\">{}</td><td>{}</td><td>{}</td></tr>",
            escape(c.info.id),
            c.status.label(),
            escape(&c.info.recommendations.join(", ")),
            escape(&c.detail)
        );
    }
    s.push_str(
        "</table><h2>OpenSSF Scorecard checks</h2><table><tr><th>Check</th><th>kiln</th></tr>",
    );
    for (name, cov) in SCORECARD {
        let what = match cov {
            Coverage::Covered { checks } => format!("covered: {}", checks.join(", ")),
            Coverage::Partial { checks, note } => format!(
                "in part: {}; not decidable from a checkout: {note}",
                checks.join(", ")
            ),
            Coverage::Platform { note } => format!("not decidable from a checkout: {note}"),
        };
        let _ = write!(s, "<tr><td>{name}</td><td>{}</td></tr>", escape(&what));
    }
    s.push_str("</table></body></html>\n");
    s
}
