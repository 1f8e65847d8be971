//! OSV records exactly as serde reads them (JSON or YAML), before any checking.
//!
//! Everything is optional or defaulted where the schema allows it, and scalar
//! fields accept numbers too (YAML writes `introduced: 0` unquoted).

use std::collections::BTreeMap;

use serde::Deserialize;

/// A string that YAML may have written as a number.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Text {
    /// A string.
    Str(String),
    /// An unsigned integer.
    Uint(u64),
    /// A signed integer.
    Int(i64),
    /// A float; its original spelling is lost (`1.10` reads as `1.1`).
    Float(f64),
    /// A boolean, which no OSV field should be.
    Bool(bool),
}

impl Text {
    /// The value as text.
    pub fn into_string(self) -> String {
        match self {
            Self::Str(s) => s,
            Self::Uint(n) => n.to_string(),
            Self::Int(n) => n.to_string(),
            Self::Float(n) => n.to_string(),
            Self::Bool(b) => b.to_string(),
        }
    }
}

/// An OSV record as written.
#[derive(Debug, Clone, Deserialize)]
pub struct RawOsv {
    /// `id`.
    pub id: String,
    /// `modified` (RFC 3339).
    #[serde(default)]
    pub modified: Option<Text>,
    /// `published` (RFC 3339).
    #[serde(default)]
    pub published: Option<Text>,
    /// `withdrawn` (RFC 3339).
    #[serde(default)]
    pub withdrawn: Option<Text>,
    /// `aliases`.
    #[serde(default)]
    pub aliases: Option<Vec<String>>,
    /// `upstream`.
    #[serde(default)]
    pub upstream: Option<Vec<String>>,
    /// `summary`.
    #[serde(default)]
    pub summary: Option<String>,
    /// `details`.
    #[serde(default)]
    pub details: Option<String>,
    /// `severity`.
    #[serde(default)]
    pub severity: Option<Vec<RawSeverity>>,
    /// `affected`.
    #[serde(default)]
    pub affected: Option<Vec<RawAffected>>,
    /// `references`.
    #[serde(default)]
    pub references: Option<Vec<RawReference>>,
    /// `database_specific`.
    #[serde(default)]
    pub database_specific: Option<serde_json::Value>,
}

/// A `severity` entry.
#[derive(Debug, Clone, Deserialize)]
pub struct RawSeverity {
    /// `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`…
    #[serde(rename = "type")]
    pub kind: String,
    /// The vector or rating.
    pub score: Text,
}

/// A `references` entry.
#[derive(Debug, Clone, Deserialize)]
pub struct RawReference {
    /// `ADVISORY`, `WEB`, `FIX`…
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// The URL.
    pub url: String,
}

/// An `affected` entry.
#[derive(Debug, Clone, Deserialize)]
pub struct RawAffected {
    /// `package`.
    #[serde(default)]
    pub package: Option<RawPackage>,
    /// `ranges`.
    #[serde(default)]
    pub ranges: Option<Vec<RawRange>>,
    /// `versions`.
    #[serde(default)]
    pub versions: Option<Vec<Text>>,
    /// Per-package `severity`.
    #[serde(default)]
    pub severity: Option<Vec<RawSeverity>>,
    /// `ecosystem_specific`.
    #[serde(default)]
    pub ecosystem_specific: Option<serde_json::Value>,
    /// `database_specific`.
    #[serde(default)]
    pub database_specific: Option<serde_json::Value>,
}

/// `affected[].package`.
#[derive(Debug, Clone, Deserialize)]
pub struct RawPackage {
    /// `ecosystem`, possibly with a release suffix.
    pub ecosystem: String,
    /// `name`.
    pub name: String,
    /// `purl`.
    #[serde(default)]
    pub purl: Option<String>,
}

/// `affected[].ranges[]`.
#[derive(Debug, Clone, Deserialize)]
pub struct RawRange {
    /// `SEMVER`, `ECOSYSTEM` or `GIT`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `repo` (GIT ranges).
    #[serde(default)]
    pub repo: Option<String>,
    /// `events`, each a one-key map.
    #[serde(default)]
    pub events: Vec<BTreeMap<String, Text>>,
}
