//! The CA bundle `/etc/ssl/certs/ca-certificates.crt`, as `update-ca-certificates` makes
//! it: the certificates below `/usr/share/ca-certificates` that
//! `/etc/ca-certificates.conf` enables (lines `path` enable, `!path` disable, `#`
//! comments; all of them when there is no such file), in that order, then the local
//! ones from `/usr/local/share/ca-certificates`, sorted.

use crate::Result;
use crate::rootfs::{Node, NodeKind, Rootfs};

const SHARE: &str = "/usr/share/ca-certificates";
const LOCAL: &str = "/usr/local/share/ca-certificates";
const CONF: &str = "/etc/ca-certificates.conf";
/// Where the bundle goes.
pub const BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// Writes the bundle if the root has certificates; returns how many went in.
pub fn write(root: &mut Rootfs) -> Result<usize> {
    let available = crt_files(root, SHARE);
    let local = crt_files(root, LOCAL);
    if available.is_empty() && local.is_empty() {
        return Ok(0);
    }
    let chosen: Vec<String> = match root
        .read(CONF)
        .map(|b| String::from_utf8_lossy(b).into_owned())
    {
        Some(conf) => conf
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('!'))
            .map(|l| format!("{SHARE}/{l}"))
            .filter(|p| available.contains(p))
            .collect(),
        None => available,
    };
    let mut bundle = Vec::new();
    let mut count = 0;
    for path in chosen.iter().chain(&local) {
        let Some(pem) = root.read(path) else { continue };
        bundle.extend_from_slice(pem);
        if !pem.ends_with(b"\n") {
            bundle.push(b'\n');
        }
        count += 1;
    }
    root.insert(BUNDLE, Node::file(bundle))?;
    tracing::debug!(certificates = count, "CA bundle written");
    Ok(count)
}

/// Every `*.crt` regular file below `dir`, sorted.
fn crt_files(root: &Rootfs, dir: &str) -> Vec<String> {
    root.below(dir)
        .filter(|(p, n)| p.ends_with(".crt") && matches!(n.kind, NodeKind::File(_)))
        .map(|(p, _)| p.to_owned())
        .collect()
}
