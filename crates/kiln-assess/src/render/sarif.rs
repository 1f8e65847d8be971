//! SARIF 2.1.0: one rule per check (with its recommendations, questions, compromise
//! types and incidents as properties), one result per finding of a failed check.

use serde_json::{Value, json};

use super::{NEEDS_CATALOG, recommendations, types};
use crate::Assessment;

/// The report as a SARIF 2.1.0 log.
pub fn sarif(a: &Assessment) -> Value {
    let rules: Vec<Value> = a
        .checks
        .iter()
        .map(|c| {
            let incidents: Vec<String> = c
                .incidents
                .iter()
                .map(|i| format!("{} ({}) {}", i.name, i.year, i.url))
                .collect();
            json!({
                "id": c.info.id,
                "name": c.info.id,
                "shortDescription": {"text": c.info.title},
                "fullDescription": {"text": format!(
                    "Falls short of {}. Leaves open: {}.",
                    recommendations(c).join("; "),
                    types(c)
                )},
                "help": {"text": c.info.help},
                "defaultConfiguration": {"level": c.info.level.name()},
                "properties": {
                    "tags": c.info.recommendations,
                    "recommendations": c.info.recommendations,
                    "questions": c.info.questions,
                    "compromiseTypes": c.info.types,
                    "scorecard": c.info.scorecard,
                    "incidents": if a.catalog { json!(incidents) } else { json!(NEEDS_CATALOG) },
                },
            })
        })
        .collect();
    let mut results = Vec::new();
    for (index, c) in a.checks.iter().enumerate() {
        for f in &c.findings {
            let mut result = json!({
                "ruleId": c.info.id,
                "ruleIndex": index,
                "level": c.info.level.name(),
                "message": {"text": format!(
                    "{} (falls short of {}; leaves open {})",
                    f.message,
                    c.info.recommendations.join(", "),
                    types(c)
                )},
            });
            if let Some(path) = &f.path {
                let mut physical = json!({"artifactLocation": {"uri": path}});
                if let Some(line) = f.line {
                    physical["region"] = json!({"startLine": line});
                }
                result["locations"] = json!([{"physicalLocation": physical}]);
            }
            if let Some(commit) = &f.commit {
                result["properties"] = json!({"commit": commit});
            }
            results.push(result);
        }
    }
    json!({
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "kiln",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    })
}
