//! The JSON report, `schema: "kiln.assess/v1"`: `repo`, `catalog` (whether incidents were
//! looked up), `sections` (score, coverage, counts), `checks` (id, title, level, status,
//! detail, recommendations with assurance, questions, types, scorecard, findings,
//! incidents, incidents_total), and `scorecard` (Scorecard's checks and kiln's coverage).

use serde_json::{Value, json};

use crate::Assessment;
use crate::practice::{question, recommendation};
use crate::scorecard::SCORECARD;

/// The report as a JSON value.
pub fn json(a: &Assessment) -> Value {
    let sections: Vec<Value> = a
        .sections()
        .iter()
        .map(|s| {
            json!({
                "section": s.section,
                "title": s.section.title(),
                "recommendations": s.recommendations,
                "covered": s.covered,
                "coverage": s.coverage(),
                "passed": s.passed,
                "failed": s.failed,
                "undecided": s.undecided,
                "score": s.score(),
            })
        })
        .collect();
    let checks: Vec<Value> = a
        .checks
        .iter()
        .map(|c| {
            let recs: Vec<Value> = c
                .info
                .recommendations
                .iter()
                .map(|id| {
                    let r = recommendation(id);
                    json!({
                        "id": id,
                        "title": r.map(|r| r.title),
                        "assurance": r.map(|r| r.assurance),
                        "section": c.section(),
                    })
                })
                .collect();
            let qs: Vec<Value> = c
                .info
                .questions
                .iter()
                .map(|id| json!({"id": id, "question": question(id)}))
                .collect();
            json!({
                "id": c.info.id,
                "title": c.info.title,
                "level": c.info.level,
                "status": c.status,
                "detail": c.detail,
                "recommendations": recs,
                "questions": qs,
                "types": c.info.types,
                "scorecard": c.info.scorecard,
                "help": c.info.help,
                "findings": c.findings,
                "incidents": c.incidents.iter().map(|i| json!({
                    "name": i.name, "year": i.year, "types": i.types, "url": i.url,
                })).collect::<Vec<_>>(),
                "incidents_total": c.incidents_total,
            })
        })
        .collect();
    let scorecard: Vec<Value> = SCORECARD
        .iter()
        .map(|(name, cov)| {
            let mut v = serde_json::to_value(cov).unwrap_or(Value::Null);
            if let Value::Object(m) = &mut v {
                m.insert("check".into(), json!(name));
            }
            v
        })
        .collect();
    json!({
        "schema": "kiln.assess/v1",
        "repo": a.repo,
        "catalog": a.catalog,
        "summary": {
            "checks": a.checks.len(),
            "failed": a.failed().count(),
            "findings": a.findings().count(),
        },
        "sections": sections,
        "checks": checks,
        "scorecard": scorecard,
    })
}
