//! Distribution releases as advisories key them: `Debian:11`, `Alpine:v3.19`.
//!
//! Queries and records are normalised the same way, so `bookworm`, `12` and
//! `12.4` all find `Debian:12` records, and `3.19` finds `Alpine:v3.19`.

use kiln_version::Ecosystem;

/// Debian codenames and the release numbers osv.dev uses for them.
const DEBIAN: &[(&str, &str)] = &[
    ("woody", "3.0"),
    ("sarge", "3.1"),
    ("etch", "4.0"),
    ("lenny", "5.0"),
    ("squeeze", "6.0"),
    ("wheezy", "7"),
    ("jessie", "8"),
    ("stretch", "9"),
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
    ("forky", "14"),
];

/// The Debian release number for a codename (`bookworm` → `12`).
pub fn debian_codename(codename: &str) -> Option<&'static str> {
    DEBIAN
        .iter()
        .find(|(c, _)| *c == codename)
        .map(|(_, number)| *number)
}

/// The release suffix `ecosystem` records use for `release` as a user or an
/// os-release file spells it.
pub fn normalize(ecosystem: Ecosystem, release: &str) -> String {
    let r = release.trim();
    match ecosystem {
        Ecosystem::Debian => {
            if let Some(n) = debian_codename(&r.to_ascii_lowercase()) {
                return n.to_owned();
            }
            // Point releases (`11.7`) belong to their major release, except
            // the old `3.1`-style numbering osv.dev keeps up to 6.0.
            let major = r.split('.').next().unwrap_or(r);
            match major.parse::<u32>() {
                Ok(m) if m <= 6 => {
                    if r.contains('.') && m == 3 {
                        r.splitn(3, '.').take(2).collect::<Vec<_>>().join(".")
                    } else {
                        format!("{m}.0")
                    }
                }
                Ok(m) => m.to_string(),
                Err(_) => r.to_owned(),
            }
        }
        Ecosystem::Alpine => {
            let bare = r.strip_prefix('v').unwrap_or(r);
            let mut parts = bare.split('.');
            match (parts.next(), parts.next()) {
                (Some(a), Some(b)) if a.parse::<u32>().is_ok() && b.parse::<u32>().is_ok() => {
                    format!("v{a}.{b}")
                }
                _ => r.to_owned(),
            }
        }
        // osv.dev writes `Ubuntu:22.04:LTS` and `Ubuntu:Pro:18.04:LTS`; os-release
        // says `22.04`. The `:LTS` tag is dropped; Pro (ESM) stays its own release.
        Ecosystem::Ubuntu => r.strip_suffix(":LTS").unwrap_or(r).to_owned(),
        _ => r.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_releases() {
        for (given, want) in [
            ("bookworm", "12"),
            ("12", "12"),
            ("12.4", "12"),
            ("bullseye", "11"),
            ("buster", "10"),
            ("trixie", "13"),
            ("6.0", "6.0"),
            ("6", "6.0"),
            ("3.1", "3.1"),
            ("woody", "3.0"),
            ("sid", "sid"),
        ] {
            assert_eq!(normalize(Ecosystem::Debian, given), want, "{given}");
        }
    }

    #[test]
    fn alpine_releases() {
        assert_eq!(normalize(Ecosystem::Alpine, "3.19.1"), "v3.19");
        assert_eq!(normalize(Ecosystem::Alpine, "v3.5"), "v3.5");
        assert_eq!(normalize(Ecosystem::Alpine, "edge"), "edge");
        assert_eq!(normalize(Ecosystem::AlmaLinux, "9"), "9");
    }

    #[test]
    fn ubuntu_releases() {
        assert_eq!(normalize(Ecosystem::Ubuntu, "22.04:LTS"), "22.04");
        assert_eq!(normalize(Ecosystem::Ubuntu, "22.04"), "22.04");
        assert_eq!(normalize(Ecosystem::Ubuntu, "23.10"), "23.10");
        assert_eq!(normalize(Ecosystem::Ubuntu, "Pro:18.04:LTS"), "Pro:18.04");
    }
}
