//! The attack surface of an image, counted over its merged filesystem: packages, files,
//! bytes, executables, shells, package managers and setuid/setgid files, and the
//! reduction of one image against a baseline, so a "smaller attack surface" claim is a
//! number anyone can reproduce.
//!
//! Build the view with [`capture`] so the package records are kept:
//! `MergedFs::from_image(src, &image, &surface::capture)`.

use kiln_debian::control;
use kiln_oci::fs::{EntryKind, MergedFs};
use serde::Serialize;

use crate::harden::{in_bin_dir, is_package_manager, is_shell};

const STATUS: &str = "/var/lib/dpkg/status";
const STATUS_D: &str = "/var/lib/dpkg/status.d/";

/// The capture predicate [`measure`] needs: dpkg's status file and status.d records.
pub fn capture(path: &str, _size: u64) -> bool {
    path == STATUS || (path.starts_with(STATUS_D) && !path.ends_with(".md5sums"))
}

/// What one image exposes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Surface {
    /// Installed Debian packages (`/var/lib/dpkg/status` and `status.d/`).
    pub packages: u64,
    /// Regular files (hard links count once).
    pub files: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Regular files with an execute bit.
    pub executables: u64,
    /// Shell paths (files and links named `sh`, `bash`, … in a bin directory).
    pub shells: Vec<String>,
    /// Package-manager paths (`apt*`, `dpkg*`, `apk`, `rpm`, … in a bin directory).
    pub package_managers: Vec<String>,
    /// Regular files with the setuid or setgid bit.
    pub setuid: Vec<String>,
}

/// Counts the surface of `fs` (built with [`capture`], or packages count 0).
pub fn measure(fs: &MergedFs) -> Surface {
    let mut s = Surface::default();
    for entry in fs.entries() {
        let path = entry.path.as_str();
        if let EntryKind::File { size } = entry.kind {
            s.files += 1;
            s.bytes += size;
            if entry.mode & 0o111 != 0 {
                s.executables += 1;
            }
            if entry.mode & 0o6000 != 0 {
                s.setuid.push(path.to_owned());
            }
        }
        if entry.is_dir() || !in_bin_dir(path) {
            continue;
        }
        let name = kiln_oci::fs::path::file_name(path);
        if is_shell(name) {
            s.shells.push(path.to_owned());
        } else if is_package_manager(name) {
            s.package_managers.push(path.to_owned());
        }
    }
    s.packages = count_packages(fs);
    s
}

/// Installed packages: status paragraphs whose `Status` ends in `installed`, and every
/// paragraph with a `Package` field in the status.d records.
fn count_packages(fs: &MergedFs) -> u64 {
    let mut n = 0;
    if let Some(text) = fs.read(STATUS) {
        let (paragraphs, _) = control::paragraphs(&String::from_utf8_lossy(text));
        n += paragraphs
            .iter()
            .filter(|p| {
                p.get("Package").is_some()
                    && p.get("Status").is_some_and(|s| s.ends_with(" installed"))
            })
            .count() as u64;
    }
    for entry in fs.entries() {
        if !capture(&entry.path, 0) || entry.path == STATUS {
            continue;
        }
        let Some(text) = fs.read(&entry.path) else {
            continue;
        };
        let (paragraphs, _) = control::paragraphs(&String::from_utf8_lossy(text));
        n += paragraphs
            .iter()
            .filter(|p| p.get("Package").is_some())
            .count() as u64;
    }
    n
}

/// How much smaller a target is than a baseline, in percent per measure: positive is
/// smaller, negative larger; `None` when the baseline has none of it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reduction {
    pub packages: Option<f64>,
    pub files: Option<f64>,
    pub bytes: Option<f64>,
    pub executables: Option<f64>,
    pub shells: Option<f64>,
    pub package_managers: Option<f64>,
    pub setuid: Option<f64>,
}

/// The reduction of `target` against `baseline`.
pub fn reduction(target: &Surface, baseline: &Surface) -> Reduction {
    let pct = |t: u64, b: u64| {
        (b > 0).then(|| {
            let r = (b as f64 - t as f64) / b as f64 * 100.0;
            (r * 10.0).round() / 10.0
        })
    };
    let len = |v: &Vec<String>| v.len() as u64;
    Reduction {
        packages: pct(target.packages, baseline.packages),
        files: pct(target.files, baseline.files),
        bytes: pct(target.bytes, baseline.bytes),
        executables: pct(target.executables, baseline.executables),
        shells: pct(len(&target.shells), len(&baseline.shells)),
        package_managers: pct(
            len(&target.package_managers),
            len(&baseline.package_managers),
        ),
        setuid: pct(len(&target.setuid), len(&baseline.setuid)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn surface(packages: u64, files: u64, shells: usize) -> Surface {
        Surface {
            packages,
            files,
            bytes: files * 10,
            executables: 0,
            shells: vec!["/bin/sh".to_owned(); shells],
            ..Surface::default()
        }
    }

    #[test]
    fn reduction_is_a_rounded_percentage_and_none_without_a_baseline() {
        let r = reduction(&surface(3, 10, 0), &surface(90, 3000, 4));
        assert_eq!(r.packages, Some(96.7));
        assert_eq!(r.files, Some(99.7));
        assert_eq!(r.shells, Some(100.0));
        assert_eq!(r.executables, None);
        let grew = reduction(&surface(4, 20, 0), &surface(2, 10, 0));
        assert_eq!(grew.packages, Some(-100.0));
        let same = reduction(&surface(2, 10, 1), &surface(2, 10, 1));
        assert_eq!(same.files, Some(0.0));
    }
}
