//! The CNCF catalog of supply chain compromises: the seven defined types of compromise and
//! the catalogued incidents, read at run time from the catalog's JSON file (a list of
//! `{name, year, types[], summary, url}`). Labels the catalog uses without defining them
//! are folded onto the closest defined type.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A type of compromise, as the catalog's definitions name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum CompromiseType {
    /// A developer tool, SDK, toolchain or build kit is exploited.
    #[serde(rename = "Dev Tooling")]
    DevTooling,
    /// Best practices not followed (typosquatting, outdated dependencies).
    #[serde(rename = "Negligence")]
    Negligence,
    /// Shipping, publishing or distribution systems are compromised.
    #[serde(rename = "Publishing Infrastructure")]
    PublishingInfrastructure,
    /// A source repository is manipulated.
    #[serde(rename = "Source Code")]
    SourceCode,
    /// A signing key is compromised.
    #[serde(rename = "Trust and Signing")]
    TrustAndSigning,
    /// A maintainer, or someone posing as one, inserts a vulnerability.
    #[serde(rename = "Malicious Maintainer")]
    MaliciousMaintainer,
    /// Several lapses chained together.
    #[serde(rename = "Attack Chaining")]
    AttackChaining,
}

impl CompromiseType {
    /// Every defined type, in the definitions' order.
    pub const ALL: [CompromiseType; 7] = [
        CompromiseType::DevTooling,
        CompromiseType::Negligence,
        CompromiseType::PublishingInfrastructure,
        CompromiseType::SourceCode,
        CompromiseType::TrustAndSigning,
        CompromiseType::MaliciousMaintainer,
        CompromiseType::AttackChaining,
    ];

    /// The type's name in the catalog.
    pub fn name(self) -> &'static str {
        match self {
            CompromiseType::DevTooling => "Dev Tooling",
            CompromiseType::Negligence => "Negligence",
            CompromiseType::PublishingInfrastructure => "Publishing Infrastructure",
            CompromiseType::SourceCode => "Source Code",
            CompromiseType::TrustAndSigning => "Trust and Signing",
            CompromiseType::MaliciousMaintainer => "Malicious Maintainer",
            CompromiseType::AttackChaining => "Attack Chaining",
        }
    }

    /// The defined types a catalog label stands for; labels the definitions lack map to
    /// the closest defined ones, unknown labels to none.
    pub fn from_label(label: &str) -> Vec<CompromiseType> {
        let norm: String = label
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if let Some(t) = Self::ALL
            .iter()
            .find(|t| t.name().replace(' ', "").to_ascii_lowercase() == norm)
        {
            return vec![*t];
        }
        match norm.as_str() {
            "devtool" => vec![CompromiseType::DevTooling],
            "socialengineeringphishingattack" => vec![CompromiseType::MaliciousMaintainer],
            "outdateddependencies" => vec![CompromiseType::Negligence],
            "faketoolchain" => vec![CompromiseType::DevTooling],
            "wateringholeattack" => vec![CompromiseType::DevTooling, CompromiseType::SourceCode],
            _ => Vec::new(),
        }
    }

    /// Parses a type from a user's spelling (`dev-tooling`, `"Dev Tooling"`, `negligence`).
    pub fn parse(input: &str) -> Option<CompromiseType> {
        let norm: String = input
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|t| t.name().replace(' ', "").to_ascii_lowercase() == norm)
    }
}

#[derive(Debug, Deserialize)]
struct RawIncident {
    name: String,
    year: i32,
    types: Vec<String>,
    #[serde(default)]
    summary: String,
    url: String,
}

/// One catalogued compromise.
#[derive(Debug, Clone, Serialize)]
pub struct Incident {
    /// Its name in the catalog.
    pub name: String,
    /// The year it happened (or was disclosed).
    pub year: i32,
    /// The catalog's own labels.
    pub labels: Vec<String>,
    /// The defined types those labels stand for.
    pub types: Vec<CompromiseType>,
    /// A short summary.
    pub summary: String,
    /// Where to read about it.
    pub url: String,
}

/// The catalog: every incident, newest first.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    incidents: Vec<Incident>,
}

impl Catalog {
    /// Reads the catalog's JSON file.
    pub fn load(path: &Path) -> Result<Catalog> {
        let bytes = std::fs::read(path).map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?;
        Catalog::parse(&path.display().to_string(), &bytes)
    }

    /// Parses the catalog's JSON; `name` names the input in errors.
    pub fn parse(name: &str, bytes: &[u8]) -> Result<Catalog> {
        let raw: Vec<RawIncident> = serde_json::from_slice(bytes).map_err(|e| Error::Catalog {
            name: name.to_owned(),
            message: e.to_string(),
        })?;
        let mut incidents: Vec<Incident> = raw
            .into_iter()
            .map(|r| {
                let mut types: Vec<CompromiseType> = r
                    .types
                    .iter()
                    .flat_map(|l| CompromiseType::from_label(l))
                    .collect();
                types.sort();
                types.dedup();
                Incident {
                    name: r.name,
                    year: r.year,
                    labels: r.types,
                    types,
                    summary: r.summary,
                    url: r.url,
                }
            })
            .collect();
        incidents.sort_by(|a, b| b.year.cmp(&a.year).then_with(|| a.name.cmp(&b.name)));
        Ok(Catalog { incidents })
    }

    /// Every incident, newest first.
    pub fn incidents(&self) -> &[Incident] {
        &self.incidents
    }

    /// The incidents of any of `types`, newest first.
    pub fn of_types<'a>(
        &'a self,
        types: &'a [CompromiseType],
    ) -> impl Iterator<Item = &'a Incident> + 'a {
        self.incidents
            .iter()
            .filter(move |i| i.types.iter().any(|t| types.contains(t)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undefined_labels_fold_onto_defined_types() {
        assert_eq!(
            CompromiseType::from_label("Publishing infrastructure"),
            [CompromiseType::PublishingInfrastructure]
        );
        assert_eq!(
            CompromiseType::from_label("Outdated Dependencies"),
            [CompromiseType::Negligence]
        );
        assert_eq!(
            CompromiseType::from_label("Watering-hole attack"),
            [CompromiseType::DevTooling, CompromiseType::SourceCode]
        );
        assert!(CompromiseType::from_label("something else").is_empty());
        assert_eq!(
            CompromiseType::parse("dev-tooling"),
            Some(CompromiseType::DevTooling)
        );
    }

    #[test]
    fn bad_catalog_names_the_input() {
        let err = Catalog::parse("c.json", b"{}").unwrap_err().to_string();
        assert!(err.contains("c.json"), "{err}");
    }
}
