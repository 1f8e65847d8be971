//! The `--files` listing of `kiln inspect`: the merged filesystem with owning layers.

use anyhow::Result;
use kiln_oci::fs::{EntryKind, MergedFs, Special};
use kiln_oci::{Image, ImageSource};
use serde::Serialize;

use crate::output::{self, human_size};

/// One path of the merged filesystem.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileView {
    pub path: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Octal permission bits, as `ls -l` shows them in letters.
    pub mode: String,
    pub uid: u64,
    pub gid: u64,
    /// The layer (base = 0) that last wrote this path.
    pub layer: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_target: Option<String>,
}

/// Reads every layer once (no file content kept) and lists the merged result.
pub fn list(src: &dyn ImageSource, image: &Image) -> Result<Vec<FileView>> {
    let fs = MergedFs::from_image(src, image, &|_, _| false)?;
    for anomaly in fs.anomalies() {
        tracing::warn!(
            layer = anomaly.layer,
            "skipped entry {:?}: {}",
            anomaly.name,
            anomaly.reason
        );
    }
    Ok(fs
        .entries()
        .map(|e| {
            let (kind, size, link_target) = match &e.kind {
                EntryKind::File { size } => ("file", Some(*size), None),
                EntryKind::Dir => ("dir", None, None),
                EntryKind::Symlink { target } => ("symlink", None, Some(target.clone())),
                EntryKind::Hardlink { target } => ("hardlink", None, Some(target.clone())),
                EntryKind::Other(Special::Char) => ("char", None, None),
                EntryKind::Other(Special::Block) => ("block", None, None),
                EntryKind::Other(Special::Fifo) => ("fifo", None, None),
            };
            FileView {
                path: e.path.clone(),
                kind,
                size,
                mode: format!("{:04o}", e.mode),
                uid: e.uid,
                gid: e.gid,
                layer: e.layer,
                link_target,
            }
        })
        .collect())
}

/// `ls -l`-like lines: mode letters, owner, size, layer, path (and link target).
pub fn table(files: &[FileView]) -> String {
    let rows: Vec<Vec<String>> = files
        .iter()
        .map(|f| {
            let path = match (&f.link_target, f.kind) {
                (Some(t), "symlink") => format!("{} -> {t}", f.path),
                (Some(t), _) => format!("{} link to {t}", f.path),
                (None, _) => f.path.clone(),
            };
            vec![
                mode_letters(f.kind, &f.mode),
                format!("{}:{}", f.uid, f.gid),
                f.size.map_or_else(|| "-".to_owned(), human_size),
                f.layer.to_string(),
                path,
            ]
        })
        .collect();
    output::columns(&["MODE", "OWNER", "SIZE", "LAYER", "PATH"], &rows)
}

fn mode_letters(kind: &str, octal: &str) -> String {
    let mode = u32::from_str_radix(octal, 8).unwrap_or(0);
    let first = match kind {
        "dir" => 'd',
        "symlink" => 'l',
        "char" => 'c',
        "block" => 'b',
        "fifo" => 'p',
        _ => '-',
    };
    let mut s = String::from(first);
    for (shift, special, special_char) in [(6, 0o4000, 's'), (3, 0o2000, 's'), (0, 0o1000, 't')] {
        let bits = (mode >> shift) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        let exec = bits & 1 != 0;
        s.push(match (mode & special != 0, exec) {
            (true, true) => special_char,
            (true, false) => special_char.to_ascii_uppercase(),
            (false, true) => 'x',
            (false, false) => '-',
        });
    }
    s
}

#[cfg(test)]
mod tests {
    use super::mode_letters;

    #[test]
    fn modes_read_like_ls() {
        assert_eq!(mode_letters("file", "0644"), "-rw-r--r--");
        assert_eq!(mode_letters("dir", "0755"), "drwxr-xr-x");
        assert_eq!(mode_letters("file", "4755"), "-rwsr-xr-x");
        assert_eq!(mode_letters("dir", "1777"), "drwxrwxrwt");
        assert_eq!(mode_letters("file", "2644"), "-rw-r-Sr--");
    }
}
