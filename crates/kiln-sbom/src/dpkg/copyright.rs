//! Licence names from machine-readable Debian copyright files (DEP-5,
//! `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/`).
//! Free-form copyright files give nothing: guessing licences from prose is not exact.

use super::control;

/// The distinct first-line values of every `License:` field, in file order; empty when
/// the file is not in the machine-readable format.
pub fn licenses(text: &str) -> Vec<String> {
    let (paragraphs, _) = control::paragraphs(text);
    let machine_readable = paragraphs
        .first()
        .and_then(|p| p.get("Format"))
        .is_some_and(|f| {
            f.contains("copyright-format") || f.contains("dep5") || f.contains("DEP-5")
        });
    if !machine_readable {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for p in &paragraphs {
        if let Some(l) = p.get("License").filter(|l| !l.is_empty())
            && !out.iter().any(|o| o == l)
        {
            out.push(l.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dep5_license_fields_in_order_without_duplicates() {
        let text = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\
            Upstream-Name: zlib\n\nFiles: *\nCopyright: 1995 Jean-loup Gailly\nLicense: Zlib\n\n\
            Files: debian/*\nCopyright: 2000 someone\nLicense: GPL-2+\n This program is free.\n .\n More.\n\n\
            License: Zlib\n The full text.\n";
        assert_eq!(licenses(text), ["Zlib", "GPL-2+"]);
    }

    #[test]
    fn free_form_files_give_nothing() {
        let text = "This is Debian's prepackaged version of foo.\n\nLicense: GPL\n";
        assert!(licenses(text).is_empty());
    }
}
