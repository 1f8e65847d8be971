//! The attack surface of an image, counted over its merged filesystem: packages, files,
//! bytes, executables, shells, package managers and setuid/setgid files, and the
//! reduction of one image against a baseline, so a "smaller attack surface" claim is a
//! number anyone can reproduce.

use serde::Serialize;

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
    /// Files with the setuid or setgid bit.
    pub setuid: Vec<String>,
}
