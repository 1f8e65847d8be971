//! in-toto Statement v1 (v0.1 accepted on read): subjects matched by digest, a predicate
//! type URI and its predicate.

use std::collections::BTreeMap;

use kiln_types::Digest;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
pub const STATEMENT_V01: &str = "https://in-toto.io/Statement/v0.1";
/// Subjects read from one statement at most.
const MAX_SUBJECTS: usize = 4096;

/// A statement about `subject`s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Statement {
    #[serde(rename = "_type")]
    pub statement_type: String,
    pub subject: Vec<Subject>,
    pub predicate_type: String,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub predicate: serde_json::Value,
}

/// A resource descriptor naming an artifact by digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub digest: BTreeMap<String, String>,
}

impl Subject {
    /// The subject for an artifact with `digest`.
    pub fn new(name: Option<&str>, digest: &Digest) -> Subject {
        Subject {
            name: name.map(str::to_owned),
            digest: BTreeMap::from([(
                digest.algorithm().name().to_owned(),
                digest.hex().to_owned(),
            )]),
        }
    }
}

impl Statement {
    /// A v1 statement.
    pub fn new(
        subject: Vec<Subject>,
        predicate_type: &str,
        predicate: serde_json::Value,
    ) -> Statement {
        Statement {
            statement_type: STATEMENT_V1.to_owned(),
            subject,
            predicate_type: predicate_type.to_owned(),
            predicate,
        }
    }

    /// Parses and checks a statement: a known `_type`, at least one subject, every
    /// subject with a digest in lowercase hex.
    pub fn parse(bytes: &[u8], what: &str) -> Result<Statement> {
        let statement: Statement = serde_json::from_slice(bytes)
            .map_err(|e| Error::document(what, format!("not an in-toto statement: {e}")))?;
        if statement.statement_type != STATEMENT_V1 && statement.statement_type != STATEMENT_V01 {
            return Err(Error::document(
                what,
                format!("unknown statement type {:?}", statement.statement_type),
            ));
        }
        if statement.subject.is_empty() {
            return Err(Error::document(what, "the statement has no subject"));
        }
        if statement.subject.len() > MAX_SUBJECTS {
            return Err(Error::document(
                what,
                format!("more than {MAX_SUBJECTS} subjects"),
            ));
        }
        for subject in &statement.subject {
            if subject.digest.is_empty() {
                return Err(Error::document(what, "a subject has no digest"));
            }
        }
        if statement.predicate_type.is_empty() {
            return Err(Error::document(what, "the predicate type is empty"));
        }
        Ok(statement)
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// True when a subject carries `digest` (same algorithm, same lowercase hex).
    pub fn covers(&self, digest: &Digest) -> bool {
        self.subject.iter().any(|s| {
            s.digest
                .get(digest.algorithm().name())
                .is_some_and(|hex| hex == digest.hex())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_and_v01_statements_parse_and_match_by_digest() {
        let d = Digest::sha256(b"image");
        for t in [STATEMENT_V1, STATEMENT_V01] {
            let json = serde_json::json!({
                "_type": t,
                "subject": [{"name": "x", "digest": {"sha256": d.hex()}}],
                "predicateType": "https://example.com/p",
                "predicate": {"k": 1},
                "unknownField": true
            });
            let s = Statement::parse(json.to_string().as_bytes(), "s").unwrap();
            assert!(s.covers(&d));
            assert!(!s.covers(&Digest::sha256(b"other")));
        }
    }

    #[test]
    fn malformed_statements_are_rejected() {
        for (json, reason) in [
            (
                r#"{"_type":"https://in-toto.io/Statement/v2","subject":[{"digest":{"sha256":"aa"}}],"predicateType":"p"}"#,
                "unknown statement type",
            ),
            (
                r#"{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"p"}"#,
                "no subject",
            ),
            (
                r#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{}}],"predicateType":"p"}"#,
                "no digest",
            ),
            (
                r#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"aa"}}]}"#,
                "predicateType",
            ),
        ] {
            let err = Statement::parse(json.as_bytes(), "s")
                .unwrap_err()
                .to_string();
            assert!(err.contains(reason), "{err}");
        }
    }

    #[test]
    fn upper_case_hex_does_not_match() {
        let d = Digest::sha256(b"image");
        let s = Statement::new(
            vec![Subject {
                name: None,
                digest: BTreeMap::from([("sha256".to_owned(), d.hex().to_uppercase())]),
            }],
            "p",
            serde_json::Value::Null,
        );
        assert!(!s.covers(&d));
    }
}
