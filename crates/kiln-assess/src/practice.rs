//! The CNCF Software Supply Chain Best Practices (v1) as data: the paper's sections, its
//! recommendations with their ids and assurance levels, the containers appendix, and the
//! questions of the secure supply chain assessment. Ids follow the team's research note
//! (`SC-01` … `DEP-03`, `CT-01` … `CT-14`, `AQ-01` … `AQ-27`).

use serde::Serialize;

/// A section of the paper; every recommendation belongs to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Section {
    /// Securing the Source Code (SC-*).
    #[serde(rename = "source-code")]
    SourceCode,
    /// Securing Materials (MAT-*).
    #[serde(rename = "materials")]
    Materials,
    /// Securing Build Pipelines (BP-*).
    #[serde(rename = "build-pipelines")]
    BuildPipelines,
    /// Securing Artefacts (ART-*).
    #[serde(rename = "artefacts")]
    Artefacts,
    /// Securing Deployments (DEP-*).
    #[serde(rename = "deployments")]
    Deployments,
    /// Appendix I, Containers (CT-*).
    #[serde(rename = "containers")]
    Containers,
}

impl Section {
    /// Every section, in the paper's order.
    pub const ALL: [Section; 6] = [
        Section::SourceCode,
        Section::Materials,
        Section::BuildPipelines,
        Section::Artefacts,
        Section::Deployments,
        Section::Containers,
    ];

    /// The section's heading in the paper.
    pub fn title(self) -> &'static str {
        match self {
            Section::SourceCode => "Securing the Source Code",
            Section::Materials => "Securing Materials",
            Section::BuildPipelines => "Securing Build Pipelines",
            Section::Artefacts => "Securing Artefacts",
            Section::Deployments => "Securing Deployments",
            Section::Containers => "Appendix I: Containers",
        }
    }

    /// The section an id such as `BP-05` belongs to.
    pub fn of(id: &str) -> Option<Section> {
        let prefix = id.split('-').next()?;
        Some(match prefix {
            "SC" => Section::SourceCode,
            "MAT" => Section::Materials,
            "BP" => Section::BuildPipelines,
            "ART" => Section::Artefacts,
            "DEP" => Section::Deployments,
            "CT" => Section::Containers,
            _ => return None,
        })
    }
}

/// The assurance level at which the paper asks for a recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Assurance {
    /// "Moderate to high": the enterprise baseline.
    #[serde(rename = "moderate-high")]
    ModerateHigh,
    /// High assurance only.
    #[serde(rename = "high")]
    High,
    /// Appendix guidance without a level.
    #[serde(rename = "untagged")]
    Untagged,
}

impl Assurance {
    /// How the paper prints it.
    pub fn label(self) -> &'static str {
        match self {
            Assurance::ModerateHigh => "Moderate–High",
            Assurance::High => "High",
            Assurance::Untagged => "untagged",
        }
    }
}

/// One recommendation of the paper.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Recommendation {
    /// Its id, such as `SC-01`.
    pub id: &'static str,
    /// Its title, in our words.
    pub title: &'static str,
    /// The assurance level the paper gives it.
    pub assurance: Assurance,
}

use Assurance::{High as H, ModerateHigh as M, Untagged as U};

const fn r(id: &'static str, title: &'static str, assurance: Assurance) -> Recommendation {
    Recommendation {
        id,
        title,
        assurance,
    }
}

/// Every recommendation of the paper (55) and the containers appendix (14).
pub const RECOMMENDATIONS: &[Recommendation] = &[
    r("SC-01", "Require signed commits", M),
    r(
        "SC-02",
        "Full attestation and verification for protected branches",
        H,
    ),
    r("SC-03", "Prevent committing secrets", M),
    r(
        "SC-04",
        "Define who is responsible for code (CODEOWNERS)",
        H,
    ),
    r("SC-05", "Automate security scanning and testing", M),
    r("SC-06", "Establish and adhere to contribution policies", M),
    r("SC-07", "Define roles aligned to responsibilities", M),
    r("SC-08", "Enforce independent four-eyes review", M),
    r("SC-09", "Use branch protection rules", M),
    r("SC-10", "Enforce MFA for source repositories", M),
    r("SC-11", "Use SSH keys for repository access", M),
    r("SC-12", "Have a key rotation policy", M),
    r("SC-13", "Short-lived credentials for machines", M),
    r("MAT-01", "Verify third-party artefacts and libraries", M),
    r("MAT-02", "Require SBOMs from suppliers", H),
    r("MAT-03", "Track dependencies between components", M),
    r("MAT-04", "Build libraries from source", H),
    r(
        "MAT-05",
        "Define trusted package managers and repositories",
        H,
    ),
    r("MAT-06", "Generate an immutable SBOM", M),
    r("MAT-07", "Scan software for vulnerabilities", M),
    r("MAT-08", "Scan software for licence implications", M),
    r("MAT-09", "Run software composition analysis", M),
    r("BP-01", "Cryptographically guarantee policy adherence", H),
    r(
        "BP-02",
        "Validate environments and dependencies before use",
        M,
    ),
    r("BP-03", "Validate runtime security of build workers", M),
    r("BP-04", "Verifiably reproducible builds", H),
    r("BP-05", "Lock and verify external requirements", M),
    r("BP-06", "Eliminate sources of non-determinism", M),
    r("BP-07", "Record the build environment", H),
    r("BP-08", "Automate creation of the build environment", H),
    r("BP-09", "Distribute builds across infrastructure", H),
    r("BP-10", "Pipeline defined as code", M),
    r("BP-11", "Standardise pipelines across projects", M),
    r("BP-12", "Secured orchestration platform", M),
    r("BP-13", "Single-use build workers", H),
    r("BP-14", "Minimal network connectivity for the factory", H),
    r("BP-15", "Segregate the duties of build workers", H),
    r("BP-16", "Pass in worker environment and commands", H),
    r("BP-17", "Write output to separate secured storage", H),
    r("BP-18", "Pipeline changes only as code", M),
    r("BP-19", "Define user roles", M),
    r("BP-20", "Root of trust from an offline source", H),
    r("BP-21", "Short-lived workload certificates", H),
    r("BP-22", "Monitor the software factory", M),
    r("ART-01", "Sign every step of the build", M),
    r("ART-02", "Validate the signatures of every step", M),
    r("ART-03", "Use TUF/Notary for artefact signing", M),
    r("ART-04", "Store in-toto metadata", M),
    r("ART-05", "Limit which artefacts a party may certify", H),
    r("ART-06", "Rotate and revoke private keys", H),
    r("ART-07", "Use an OCI image-spec registry", H),
    r("ART-08", "Encrypt artefacts before distribution", H),
    r("DEP-01", "Clients verify artefacts and metadata", M),
    r("DEP-02", "Clients verify freshness", M),
    r("DEP-03", "Use The Update Framework", H),
    r("CT-01", "Prefer signed base images", U),
    r("CT-02", "Investigate and standardise the base OS", U),
    r("CT-03", "Account for everything added to the base", U),
    r("CT-04", "Never pull latest; pull by digest", U),
    r("CT-05", "Trusted, least-privilege build worker images", U),
    r("CT-06", "FROM lines name the image and its digest", U),
    r("CT-07", "No OS upgrades inside the image", U),
    r(
        "CT-08",
        "Record build metadata; no secrets in the Dockerfile",
        U,
    ),
    r("CT-09", "Record immutable build metadata in labels", U),
    r("CT-10", "Beware of stale layer caches", U),
    r("CT-11", "Multistage builds from trusted build images", U),
    r("CT-12", "Publish metadata that slimming strips", M),
    r("CT-13", "Inspect build scripts before running them", U),
    r(
        "CT-14",
        "Reference images by digest in deployment config",
        U,
    ),
];

/// The recommendation with this id.
pub fn recommendation(id: &str) -> Option<&'static Recommendation> {
    RECOMMENDATIONS.iter().find(|r| r.id == id)
}

/// The questions of the secure supply chain assessment (27), by id.
pub const QUESTIONS: &[(&str, &str)] = &[
    ("AQ-01", "Are signed commits required?"),
    (
        "AQ-02",
        "Do hooks or scans stop secrets from being committed?",
    ),
    (
        "AQ-03",
        "Is an unacceptable vulnerability risk level defined?",
    ),
    (
        "AQ-04",
        "Does automated scanning block changes beyond that level?",
    ),
    ("AQ-05", "Are contributor roles defined and discoverable?"),
    ("AQ-06", "Is review and approval enforced before merge?"),
    ("AQ-07", "Are branch protection rules in place?"),
    ("AQ-08", "Are MFA and SSH keys enforced, with key rotation?"),
    ("AQ-09", "Are CI/CD agents limited to least privilege?"),
    ("AQ-10", "Must dependencies meet quality thresholds?"),
    (
        "AQ-11",
        "Are dependencies scanned for security issues and licences?",
    ),
    ("AQ-12", "Is SCA run when dependencies are installed?"),
    (
        "AQ-13",
        "Are dependencies monitored for updates and issues?",
    ),
    ("AQ-14", "Are dependencies built in-house?"),
    ("AQ-15", "Do you create an SBOM for your artefacts?"),
    ("AQ-16", "Are build workers hardened, minimal containers?"),
    ("AQ-17", "Are pipelines maintained as code?"),
    ("AQ-18", "Is every step automated but review and sign-off?"),
    ("AQ-19", "Is the output of every pipeline step signed?"),
    (
        "AQ-20",
        "Are dependency signatures and checksums validated before use?",
    ),
    ("AQ-21", "Is a separate worker used for each step?"),
    (
        "AQ-22",
        "Does the orchestrator pass in environment and commands?",
    ),
    ("AQ-23", "Are build workers network-isolated?"),
    ("AQ-24", "Are builds verifiable and reproducible?"),
    ("AQ-25", "Is every artefact you produce signed?"),
    (
        "AQ-26",
        "Is metadata distributed so consumers can verify it?",
    ),
    ("AQ-27", "Can consumers verify any artefact before use?"),
];

/// The text of a question.
pub fn question(id: &str) -> Option<&'static str> {
    QUESTIONS.iter().find(|(q, _)| *q == id).map(|(_, t)| *t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_match_the_paper() {
        let count = |s: Section| {
            RECOMMENDATIONS
                .iter()
                .filter(|r| Section::of(r.id) == Some(s))
                .count()
        };
        assert_eq!(count(Section::SourceCode), 13);
        assert_eq!(count(Section::Materials), 9);
        assert_eq!(count(Section::BuildPipelines), 22);
        assert_eq!(count(Section::Artefacts), 8);
        assert_eq!(count(Section::Deployments), 3);
        assert_eq!(count(Section::Containers), 14);
        let high = RECOMMENDATIONS
            .iter()
            .filter(|r| r.assurance == Assurance::High)
            .count();
        assert_eq!(high, 22, "22 high-only recommendations");
        assert_eq!(QUESTIONS.len(), 27);
    }
}
