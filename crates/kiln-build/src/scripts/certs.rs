//! The CA bundle `/etc/ssl/certs/ca-certificates.crt`, as `update-ca-certificates` makes
//! it: the certificates below `/usr/share/ca-certificates` that
//! `/etc/ca-certificates.conf` enables (lines `path` enable, `!path` disable, `#`
//! comments; all of them when there is no such file), in that order, then the local
//! ones from `/usr/local/share/ca-certificates`, sorted. Each of them also gets its link
//! `/etc/ssl/certs/NAME.pem`, and the directory its OpenSSL hash links ([`super::rehash`]).

use super::rehash;
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
        root.insert(&pem_link(path), Node::symlink(path))?;
    }
    root.insert(BUNDLE, Node::file(bundle))?;
    let links = rehash::rehash(root, rehash::CERTS_DIR)?;
    tracing::debug!(
        certificates = count,
        hash_links = links,
        "CA bundle written"
    );
    Ok(count)
}

/// `/etc/ssl/certs/NAME.pem` for `DIR/NAME.crt`, with spaces and commas made `_` and
/// parentheses `=`, as `update-ca-certificates` names it.
fn pem_link(cert: &str) -> String {
    let base = cert.rsplit('/').next().unwrap_or(cert);
    let stem = base.strip_suffix(".crt").unwrap_or(base);
    let name: String = stem
        .chars()
        .map(|c| match c {
            ' ' | ',' => '_',
            '(' | ')' => '=',
            c => c,
        })
        .collect();
    format!("{}/{name}.pem", rehash::CERTS_DIR)
}

/// Every `*.crt` regular file below `dir`, sorted.
fn crt_files(root: &Rootfs, dir: &str) -> Vec<String> {
    root.below(dir)
        .filter(|(p, n)| p.ends_with(".crt") && matches!(n.kind, NodeKind::File(_)))
        .map(|(p, _)| p.to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root_with(conf: Option<&str>) -> Rootfs {
        let mut root = Rootfs::new();
        for name in ["mozilla/A.crt", "mozilla/B.crt", "other/C.crt"] {
            let pem = format!("PEM {name}\n");
            root.insert(&format!("{SHARE}/{name}"), Node::file(pem.into_bytes()))
                .unwrap();
        }
        root.insert(
            &format!("{LOCAL}/mine.crt"),
            Node::file(b"PEM mine".to_vec()),
        )
        .unwrap();
        if let Some(conf) = conf {
            root.insert(CONF, Node::file(conf.as_bytes().to_vec()))
                .unwrap();
        }
        root
    }

    #[test]
    fn all_certificates_without_a_conf_then_local_ones() {
        let mut root = root_with(None);
        assert_eq!(write(&mut root).unwrap(), 4);
        assert_eq!(
            root.read(BUNDLE).unwrap(),
            b"PEM mozilla/A.crt\nPEM mozilla/B.crt\nPEM other/C.crt\nPEM mine\n"
        );
    }

    #[test]
    fn the_conf_selects_in_its_order_and_disables_with_a_bang() {
        let conf = "# comment\nother/C.crt\n!mozilla/A.crt\nmozilla/B.crt\nmissing/D.crt\n";
        let mut root = root_with(Some(conf));
        assert_eq!(write(&mut root).unwrap(), 3);
        assert_eq!(
            root.read(BUNDLE).unwrap(),
            b"PEM other/C.crt\nPEM mozilla/B.crt\nPEM mine\n"
        );
    }

    #[test]
    fn every_certificate_gets_its_pem_link() {
        let mut root = root_with(None);
        write(&mut root).unwrap();
        let target = |p: &str| match &root.get(p).unwrap().kind {
            NodeKind::Symlink(t) => t.clone(),
            other => panic!("{p} is {other:?}"),
        };
        assert_eq!(
            target("/etc/ssl/certs/A.pem"),
            format!("{SHARE}/mozilla/A.crt")
        );
        assert_eq!(
            target("/etc/ssl/certs/mine.pem"),
            format!("{LOCAL}/mine.crt")
        );
        assert_eq!(
            pem_link("/x/Certigna (Root, CA) x.crt"),
            "/etc/ssl/certs/Certigna_=Root__CA=_x.pem"
        );
    }

    #[test]
    fn no_certificates_no_bundle() {
        let mut root = Rootfs::new();
        assert_eq!(write(&mut root).unwrap(), 0);
        assert!(root.get(BUNDLE).is_none());
    }
}
