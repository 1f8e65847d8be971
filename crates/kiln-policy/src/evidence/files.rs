//! File facts over the merged filesystem: the shells and package managers a container
//! could run, and the setuid and setgid files it holds. Executables are found by name
//! anywhere in the image, and count only when they resolve (through links, inside the
//! image) to a regular file with an execute bit: a dangling `/bin/sh` is no shell, and
//! a bash-completion file named `apt` is no package manager.

use kiln_oci::fs::{Entry, EntryKind, MergedFs};

use super::{ExecutableFact, FileFacts, ModeFact};

/// Shell names (busybox provides `sh`).
const SHELLS: &[&str] = &[
    "sh", "bash", "rbash", "dash", "ash", "zsh", "ksh", "ksh93", "mksh", "pdksh", "csh", "tcsh",
    "fish", "yash", "posh", "busybox",
];

/// OS package managers.
const OS_PACKAGE_MANAGERS: &[&str] = &[
    "apt", "apt-get", "aptitude", "dpkg", "apk", "rpm", "yum", "dnf", "microdnf", "tdnf", "zypper",
    "pacman", "opkg",
];

/// Language package managers.
const LANGUAGE_PACKAGE_MANAGERS: &[&str] = &[
    "pip", "pipx", "conda", "mamba", "npm", "yarn", "pnpm", "gem", "bundle", "composer",
];

/// Computes the file facts of `fs`.
pub fn facts(fs: &MergedFs) -> FileFacts {
    let mut facts = FileFacts {
        count: fs.len(),
        ..FileFacts::default()
    };
    for entry in fs.entries() {
        let Some(file) = regular_file(fs, entry) else {
            continue;
        };
        if matches!(
            entry.kind,
            EntryKind::File { .. } | EntryKind::Hardlink { .. }
        ) {
            if file.mode & 0o4000 != 0 {
                facts.setuid.push(mode_fact(entry, file));
            }
            if file.mode & 0o2000 != 0 {
                facts.setgid.push(mode_fact(entry, file));
            }
        }
        if file.mode & 0o111 == 0 {
            continue;
        }
        let name = basename(&entry.path);
        let Some(kind) = classify(name) else {
            continue;
        };
        let fact = ExecutableFact {
            path: entry.path.clone(),
            name: canonical_name(name).to_owned(),
            kind: kind.to_owned(),
            target: (file.path != entry.path).then(|| file.path.clone()),
        };
        if kind == "shell" {
            facts.shells.push(fact);
        } else {
            facts.package_managers.push(fact);
        }
    }
    facts
}

/// The regular file `entry` is or leads to (symlinks and hard links followed).
fn regular_file<'a>(fs: &'a MergedFs, entry: &'a Entry) -> Option<&'a Entry> {
    let end = match &entry.kind {
        EntryKind::File { .. } => return Some(entry),
        EntryKind::Symlink { .. } => fs.resolve(&entry.path)?,
        EntryKind::Hardlink { target } => fs.get(target)?,
        EntryKind::Dir | EntryKind::Other(_) => return None,
    };
    match &end.kind {
        EntryKind::File { .. } => Some(end),
        EntryKind::Hardlink { target } => fs
            .get(target)
            .filter(|e| matches!(e.kind, EntryKind::File { .. })),
        _ => None,
    }
}

fn mode_fact(entry: &Entry, file: &Entry) -> ModeFact {
    ModeFact {
        path: entry.path.clone(),
        mode: format!("{:04o}", file.mode & 0o7777),
        uid: file.uid,
        gid: file.gid,
    }
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// `shell`, `os` or `language`, if `name` is a shell or package manager.
fn classify(name: &str) -> Option<&'static str> {
    if SHELLS.contains(&name) {
        Some("shell")
    } else if OS_PACKAGE_MANAGERS.contains(&name) {
        Some("os")
    } else if LANGUAGE_PACKAGE_MANAGERS.contains(&canonical_name(name)) {
        Some("language")
    } else {
        None
    }
}

/// `pip3` and `pip3.11` are `pip`; `gem3.1` is `gem`; other names are themselves.
fn canonical_name(name: &str) -> &str {
    for base in ["pip", "gem"] {
        if let Some(rest) = name.strip_prefix(base)
            && !rest.is_empty()
            && rest.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        {
            return base;
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_classified() {
        assert_eq!(classify("sh"), Some("shell"));
        assert_eq!(classify("busybox"), Some("shell"));
        assert_eq!(classify("apt-get"), Some("os"));
        assert_eq!(classify("pip3.11"), Some("language"));
        assert_eq!(classify("pip3"), Some("language"));
        assert_eq!(classify("pipe"), None);
        assert_eq!(classify("shellcheck"), None);
        assert_eq!(canonical_name("pip3.11"), "pip");
        assert_eq!(canonical_name("pip"), "pip");
        assert_eq!(canonical_name("gem3.1"), "gem");
    }
}
