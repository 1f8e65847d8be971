//! The hash links of `/etc/ssl/certs`, as `openssl rehash` makes them, so that programs
//! that look certificates up by directory (OpenSSL's `CApath`) find them: for every file
//! there named `*.pem`, `*.crt`, `*.cer` or `*.crl` that holds exactly one PEM
//! certificate, a link `HHHHHHHH.N` to it, where `HHHHHHHH` is OpenSSL's subject name
//! hash and `N` counts the distinct certificates with that hash, in file name order. A
//! second copy of the same certificate gets no link. CRLs get no link (no package ships
//! one there).
//!
//! The subject hash is the first four bytes, little-endian, of the SHA-1 of the subject's
//! canonical encoding: each relative distinguished name as a DER `SET`, concatenated
//! without the outer `SEQUENCE`, where every attribute value of a string type is
//! re-encoded as a `UTF8String`, with leading and trailing white space removed, inner
//! runs of white space made one space and ASCII letters lowered.

use std::collections::BTreeMap;

use base64::Engine as _;
use sha1::{Digest as _, Sha1};

use crate::Result;
use crate::rootfs::{Node, NodeKind, Rootfs};

/// The directory OpenSSL looks certificates up in on Debian.
pub const CERTS_DIR: &str = "/etc/ssl/certs";

/// Replaces the hash links of `dir` with fresh ones; returns how many it made.
pub fn rehash(root: &mut Rootfs, dir: &str) -> Result<usize> {
    let stale: Vec<String> = children(root, dir)
        .filter(|(name, node)| is_hash_link_name(name) && matches!(node.kind, NodeKind::Symlink(_)))
        .map(|(name, _)| format!("{dir}/{name}"))
        .collect();
    for path in &stale {
        root.remove(path);
    }
    let mut buckets: BTreeMap<u32, Vec<[u8; 20]>> = BTreeMap::new();
    let mut links = Vec::new();
    let names: Vec<String> = children(root, dir)
        .filter(|(name, _)| has_certificate_extension(name))
        .map(|(name, _)| name.to_owned())
        .collect();
    for name in names {
        let Some(content) = root.read(&format!("{dir}/{name}")) else {
            continue;
        };
        let Some(der) = single_certificate(content) else {
            tracing::debug!(file = %name, "not exactly one certificate: no hash link");
            continue;
        };
        let Some(hash) = certificate_subject_hash(&der) else {
            tracing::debug!(file = %name, "certificate does not parse: no hash link");
            continue;
        };
        let fingerprint: [u8; 20] = Sha1::digest(&der).into();
        let seen = buckets.entry(hash).or_default();
        if seen.contains(&fingerprint) {
            continue;
        }
        links.push((format!("{dir}/{hash:08x}.{}", seen.len()), name));
        seen.push(fingerprint);
    }
    for (link, target) in &links {
        root.insert(link, Node::symlink(target))?;
    }
    Ok(links.len())
}

/// The entries directly in `dir`, by name, in byte order.
fn children<'a>(root: &'a Rootfs, dir: &str) -> impl Iterator<Item = (&'a str, &'a Node)> + 'a {
    let prefix = format!("{dir}/");
    root.below(dir).filter_map(move |(path, node)| {
        let name = path.strip_prefix(&prefix)?;
        (!name.contains('/')).then_some((name, node))
    })
}

/// `HHHHHHHH.N` or `HHHHHHHH.rN`: a link an earlier rehash made.
fn is_hash_link_name(name: &str) -> bool {
    let Some((hash, index)) = name.split_once('.') else {
        return false;
    };
    let index = index.strip_prefix('r').unwrap_or(index);
    hash.len() == 8
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
        && !index.is_empty()
        && index.bytes().all(|b| b.is_ascii_digit())
}

fn has_certificate_extension(name: &str) -> bool {
    let Some((_, ext)) = name.rsplit_once('.') else {
        return false;
    };
    ["pem", "crt", "cer", "crl"]
        .iter()
        .any(|e| ext.eq_ignore_ascii_case(e))
}

/// The DER of the one certificate a PEM file holds, or `None` when it holds none, more
/// than one, or a CRL.
pub fn single_certificate(pem: &[u8]) -> Option<Vec<u8>> {
    let text = String::from_utf8_lossy(pem);
    let mut found = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        let line = line.trim_end();
        if let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        {
            current = Some((label.to_owned(), String::new()));
        } else if let Some(label) = line
            .strip_prefix("-----END ")
            .and_then(|l| l.strip_suffix("-----"))
        {
            if let Some((begun, body)) = current.take()
                && begun == label
            {
                found.push((begun, body));
            }
        } else if let Some((_, body)) = current.as_mut()
            && !line.contains(':')
        {
            body.push_str(line.trim());
        }
    }
    let items: Vec<_> = found
        .into_iter()
        .filter(|(label, _)| {
            matches!(
                label.as_str(),
                "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" | "X509 CRL"
            )
        })
        .collect();
    match items.as_slice() {
        [(label, body)] if label != "X509 CRL" => {
            base64::engine::general_purpose::STANDARD.decode(body).ok()
        }
        _ => None,
    }
}

/// OpenSSL's subject name hash (`openssl x509 -subject_hash`) of a DER certificate.
pub fn certificate_subject_hash(der: &[u8]) -> Option<u32> {
    let (cert, _) = Tlv::read(der)?;
    let (tbs, _) = Tlv::read(cert.content)?;
    let mut rest = tbs.content;
    let (first, after) = Tlv::read(rest)?;
    // An explicit version ([0]) comes before the serial number.
    if first.tag == 0xa0 {
        rest = after;
    }
    // serial, signature algorithm, issuer, validity, then the subject.
    for _ in 0..4 {
        rest = Tlv::read(rest)?.1;
    }
    let (subject, _) = Tlv::read(rest)?;
    (subject.tag == 0x30).then_some(())?;
    name_hash(subject.content)
}

/// The hash of a Name's content (the RDN `SET`s, without the outer `SEQUENCE`).
fn name_hash(rdns: &[u8]) -> Option<u32> {
    let canonical = canonical_name(rdns)?;
    let digest = Sha1::digest(&canonical);
    Some(u32::from_le_bytes([
        digest[0], digest[1], digest[2], digest[3],
    ]))
}

fn canonical_name(mut rdns: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    while !rdns.is_empty() {
        let (set, rest) = Tlv::read(rdns)?;
        (set.tag == 0x31).then_some(())?;
        let mut entries = Vec::new();
        let mut inner = set.content;
        while !inner.is_empty() {
            let (attribute, more) = Tlv::read(inner)?;
            (attribute.tag == 0x30).then_some(())?;
            let (oid, value_bytes) = Tlv::read(attribute.content)?;
            let (value, _) = Tlv::read(value_bytes)?;
            let mut entry = oid.raw.to_vec();
            match canonical_string(value.tag, value.content) {
                Some(text) => encode(&mut entry, 0x0c, &text),
                None => entry.extend_from_slice(value.raw),
            }
            let mut sequence = Vec::new();
            encode(&mut sequence, 0x30, &entry);
            entries.push(sequence);
            inner = more;
        }
        // DER orders the members of a SET OF by their encodings.
        entries.sort();
        encode(&mut out, 0x31, &entries.concat());
        rdns = rest;
    }
    Some(out)
}

/// The canonical UTF-8 form of a string value, or `None` for a type that is kept as is.
fn canonical_string(tag: u8, content: &[u8]) -> Option<Vec<u8>> {
    let utf8: Vec<u8> = match tag {
        // UTF8String
        0x0c => content.to_vec(),
        // PrintableString, T61String, IA5String, VisibleString: one byte a character.
        0x13 | 0x14 | 0x16 | 0x1a => latin1_to_utf8(content),
        // BMPString: UCS-2, big-endian.
        0x1e => units_to_utf8(content, 2)?,
        // UniversalString: UCS-4, big-endian.
        0x1c => units_to_utf8(content, 4)?,
        _ => return None,
    };
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    let start = utf8
        .iter()
        .position(|&b| !is_space(b))
        .unwrap_or(utf8.len());
    let end = utf8
        .iter()
        .rposition(|&b| !is_space(b))
        .map_or(start, |i| i + 1);
    let mut out = Vec::with_capacity(end - start);
    let mut bytes = utf8[start..end].iter().copied().peekable();
    while let Some(b) = bytes.next() {
        if is_space(b) {
            out.push(b' ');
            while bytes.next_if(|&n| is_space(n)).is_some() {}
        } else {
            out.push(b.to_ascii_lowercase());
        }
    }
    Some(out)
}

fn latin1_to_utf8(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .map(|&b| char::from(b))
        .collect::<String>()
        .into_bytes()
}

fn units_to_utf8(bytes: &[u8], width: usize) -> Option<Vec<u8>> {
    if !bytes.len().is_multiple_of(width) {
        return None;
    }
    let mut text = String::new();
    for unit in bytes.chunks(width) {
        let code = unit.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
        text.push(char::from_u32(code)?);
    }
    Some(text.into_bytes())
}

fn encode(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
}

/// One DER element: its tag, its content, and all of its bytes.
struct Tlv<'a> {
    tag: u8,
    content: &'a [u8],
    raw: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// The element at the start of `input` and what follows it (single-byte tags only,
    /// definite lengths only: DER).
    fn read(input: &'a [u8]) -> Option<(Tlv<'a>, &'a [u8])> {
        let (&tag, rest) = input.split_first()?;
        if tag & 0x1f == 0x1f {
            return None;
        }
        let (&first, mut rest) = rest.split_first()?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 4 || rest.len() < count {
                return None;
            }
            let (digits, after) = rest.split_at(count);
            rest = after;
            digits
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
        };
        if rest.len() < len {
            return None;
        }
        let header = input.len() - rest.len();
        let (content, after) = rest.split_at(len);
        Some((
            Tlv {
                tag,
                content,
                raw: &input[..header + len],
            },
            after,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_space_and_case_are_canonical() {
        assert_eq!(
            canonical_string(0x13, b"  Foo \t\n Bar  ").unwrap(),
            b"foo bar"
        );
        assert_eq!(
            canonical_string(0x0c, "ÄB  c".as_bytes()).unwrap(),
            "Äb c".as_bytes()
        );
        assert_eq!(
            canonical_string(0x1e, &[0, b'A', 0, b' ', 0, b'b']).unwrap(),
            b"a b"
        );
        assert_eq!(canonical_string(0x1e, &[0, b'A', 0]), None);
        assert_eq!(canonical_string(0x04, b"X"), None);
        assert_eq!(canonical_string(0x13, b"   ").unwrap(), b"");
    }

    #[test]
    fn hash_link_names() {
        assert!(is_hash_link_name("9d520b8d.0"));
        assert!(is_hash_link_name("9d520b8d.r12"));
        assert!(!is_hash_link_name("9d520b8d.pem"));
        assert!(!is_hash_link_name("9d520b8.0"));
        assert!(!is_hash_link_name("ca-certificates.crt"));
    }

    #[test]
    fn pem_with_two_certificates_gets_no_link() {
        let one = "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
        assert_eq!(single_certificate(one.as_bytes()).unwrap(), [0x30, 0]);
        assert_eq!(single_certificate(format!("{one}{one}").as_bytes()), None);
        assert_eq!(single_certificate(b"no pem here"), None);
        let crl = "-----BEGIN X509 CRL-----\nMAA=\n-----END X509 CRL-----\n";
        assert_eq!(single_certificate(crl.as_bytes()), None);
    }

    #[test]
    fn truncated_der_is_no_hash() {
        assert_eq!(certificate_subject_hash(&[0x30, 0x82, 0x01]), None);
        assert_eq!(certificate_subject_hash(&[]), None);
        assert_eq!(certificate_subject_hash(&[0x30, 0x00]), None);
    }
}
