//! How bad a vulnerability is: CVSS vectors with the base score kiln computes
//! from them, or a rating the source states in words (Debian urgency, say).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::cvss;

/// A qualitative rating, ordered from harmless to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rating {
    /// No impact (CVSS 0.0, Debian "unimportant").
    None,
    /// CVSS 0.1–3.9.
    Low,
    /// CVSS 4.0–6.9.
    Medium,
    /// CVSS 7.0–8.9.
    High,
    /// CVSS 9.0–10.0.
    Critical,
}

impl Rating {
    /// The CVSS v3/v4 rating of a base score.
    pub fn from_score(score: f64) -> Self {
        match score {
            s if s >= 9.0 => Self::Critical,
            s if s >= 7.0 => Self::High,
            s if s >= 4.0 => Self::Medium,
            s if s > 0.0 => Self::Low,
            _ => Self::None,
        }
    }

    /// Reads a rating word as sources write it (`HIGH`, `moderate`, `low**`,
    /// `unimportant`); `None` for words that rate nothing (`not yet assigned`).
    pub fn from_word(word: &str) -> Option<Self> {
        let w = word.trim().trim_end_matches('*').to_ascii_lowercase();
        Some(match w.as_str() {
            "critical" => Self::Critical,
            "high" | "important" => Self::High,
            "medium" | "moderate" => Self::Medium,
            "low" => Self::Low,
            "unimportant" | "negligible" | "none" => Self::None,
            _ => return None,
        })
    }
}

impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::None => "none",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        })
    }
}

/// Where a severity came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeverityKind {
    /// A CVSS v2 vector.
    CvssV2,
    /// A CVSS v3.0 or v3.1 vector.
    CvssV3,
    /// A CVSS v4.0 vector.
    CvssV4,
    /// A rating the source states in words.
    Rating,
}

/// One severity statement of an advisory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Severity {
    /// What `text` is.
    pub kind: SeverityKind,
    /// The vector or the rating word, as the source wrote it.
    pub text: String,
    /// The base score kiln computed from the vector.
    pub score: Option<f64>,
    /// The rating: from the score, or the source's word.
    pub rating: Option<Rating>,
}

impl Severity {
    /// Reads an OSV `severity` entry. Unknown types are kept as ratings when
    /// their text is a rating word; vectors that do not parse keep no score.
    pub fn from_osv(kind: &str, text: &str) -> Option<Self> {
        let (kind, score) = match kind {
            "CVSS_V2" => (SeverityKind::CvssV2, cvss::v2_base_score(text)),
            "CVSS_V3" => (SeverityKind::CvssV3, cvss::v3_base_score(text)),
            "CVSS_V4" => (SeverityKind::CvssV4, cvss::v4_base_score(text)),
            _ => return Self::from_word(text),
        };
        let rating = score.map(|s| match kind {
            SeverityKind::CvssV2 => cvss::v2_rating(s),
            _ => Rating::from_score(s),
        });
        Some(Self {
            kind,
            text: text.to_owned(),
            score,
            rating,
        })
    }

    /// A rating the source states in words; `None` if the word rates nothing.
    pub fn from_word(word: &str) -> Option<Self> {
        Rating::from_word(word).map(|rating| Self {
            kind: SeverityKind::Rating,
            text: word.to_owned(),
            score: None,
            rating: Some(rating),
        })
    }
}

/// The severity to show for a set: the newest CVSS version that was scored,
/// else the source's own rating, else any.
pub fn headline(all: &[Severity]) -> Option<&Severity> {
    let rank = |s: &Severity| match (s.kind, s.rating.is_some()) {
        (SeverityKind::CvssV4, true) => 5,
        (SeverityKind::CvssV3, true) => 4,
        (SeverityKind::CvssV2, true) => 3,
        (SeverityKind::Rating, true) => 2,
        _ => 0,
    };
    all.iter().max_by(|a, b| {
        rank(a).cmp(&rank(b)).then(a.rating.cmp(&b.rating)).then(
            a.score
                .partial_cmp(&b.score)
                .unwrap_or(std::cmp::Ordering::Equal),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_from_scores_and_words() {
        assert_eq!(Rating::from_score(0.0), Rating::None);
        assert_eq!(Rating::from_score(3.9), Rating::Low);
        assert_eq!(Rating::from_score(4.0), Rating::Medium);
        assert_eq!(Rating::from_score(8.9), Rating::High);
        assert_eq!(Rating::from_score(9.0), Rating::Critical);
        assert_eq!(Rating::from_word("high**"), Some(Rating::High));
        assert_eq!(Rating::from_word("MODERATE"), Some(Rating::Medium));
        assert_eq!(Rating::from_word("unimportant"), Some(Rating::None));
        assert_eq!(Rating::from_word("not yet assigned"), None);
    }

    #[test]
    fn headline_prefers_the_newest_scored_version() {
        let all = vec![
            Severity::from_word("low").unwrap(),
            Severity::from_osv("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap(),
            Severity::from_osv("CVSS_V4", "CVSS:4.0/AV:N").unwrap(),
        ];
        let h = headline(&all).unwrap();
        assert_eq!(
            (h.kind, h.rating),
            (SeverityKind::CvssV3, Some(Rating::Critical))
        );
        // A scored v4 vector is the newest version: it heads the list.
        let mut all = all;
        all.push(
            Severity::from_osv(
                "CVSS_V4",
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N",
            )
            .unwrap(),
        );
        let h = headline(&all).unwrap();
        assert_eq!(
            (h.kind, h.score, h.rating),
            (SeverityKind::CvssV4, Some(6.9), Some(Rating::Medium))
        );
        assert!(headline(&[]).is_none());
    }
}
