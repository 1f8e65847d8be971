//! The built-in policies, embedded in the binary and readable as Rego (`kiln policy show
//! NAME`). A preset is one module, plus the library modules it imports.

/// A built-in policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    /// The name users give (`hardened`).
    pub name: &'static str,
    /// One line about what it asks.
    pub summary: &'static str,
    /// The file name shown in messages (`hardened.rego`).
    pub file: &'static str,
    /// Its Rego.
    pub source: &'static str,
    /// Library modules it imports, as `(file, source)`.
    pub libraries: &'static [(&'static str, &'static str)],
}

const SLSA_LIBRARY: (&str, &str) = ("kiln/lib/slsa.rego", include_str!("presets/slsa.rego"));

/// Every preset, by name.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "hardened",
        summary: "non-root user, no shell, no package manager, no setuid or setgid file",
        file: "hardened.rego",
        source: include_str!("presets/hardened.rego"),
        libraries: &[],
    },
    Preset {
        name: "signed",
        summary: "a verified signature by an allowed key",
        file: "signed.rego",
        source: include_str!("presets/signed.rego"),
        libraries: &[],
    },
    Preset {
        name: "slsa-build-l2",
        summary: "signed SLSA provenance from an allowed builder, dependencies pinned by digest",
        file: "slsa-build-l2.rego",
        source: include_str!("presets/slsa-build-l2.rego"),
        libraries: &[SLSA_LIBRARY],
    },
    Preset {
        name: "slsa-build-l3",
        summary: "slsa-build-l2, signed by the build platform's key, with a build invocation id",
        file: "slsa-build-l3.rego",
        source: include_str!("presets/slsa-build-l3.rego"),
        libraries: &[SLSA_LIBRARY],
    },
    Preset {
        name: "sbom",
        summary: "a signed SPDX or CycloneDX attestation that names the image and matches its packages",
        file: "sbom.rego",
        source: include_str!("presets/sbom.rego"),
        libraries: &[],
    },
    Preset {
        name: "cve-sla",
        summary: "no fixable critical/high finding older than 7 days, no other older than 30",
        file: "cve-sla.rego",
        source: include_str!("presets/cve-sla.rego"),
        libraries: &[],
    },
];

/// The preset called `name`.
pub fn find(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

/// The names of every preset, comma-separated.
pub fn names() -> String {
    PRESETS
        .iter()
        .map(|p| p.name)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Preset {
    /// The preset's Rego and its libraries' as one text, each file under a header line.
    pub fn text(&self) -> String {
        let mut text = self.source.to_owned();
        for (file, source) in self.libraries {
            text.push_str(&format!("\n# ---- library {file} ----\n\n"));
            text.push_str(source);
        }
        text
    }
}
