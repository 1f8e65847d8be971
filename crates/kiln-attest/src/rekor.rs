//! Rekor transparency log entries as Sigstore bundles carry them, verified offline: the
//! signed entry timestamp (the log's signature over the canonical JSON of body,
//! integrated time, log id and index), the RFC 6962 inclusion proof up to a root hash,
//! and the signed checkpoint (a signed note) that commits to that root. An entry needs
//! a signed entry timestamp or an inclusion proof; only the former authenticates the
//! integrated time (without it the signing time must come from an RFC 3161 timestamp).

use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use crate::certificate::{Hash, ecdsa_verifies};
use crate::key::hex_lower;
use crate::trust_root::{RawLogId, TransparencyLog, TrustedRoot, base64_field};
use crate::{Error, Result};

/// Hashes in one inclusion proof at most (a tree of 2^64 leaves needs 64).
const MAX_PROOF_HASHES: usize = 64;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEntry {
    log_index: String,
    log_id: RawLogId,
    kind_version: RawKindVersion,
    integrated_time: String,
    #[serde(default)]
    inclusion_promise: Option<RawPromise>,
    #[serde(default)]
    inclusion_proof: Option<RawProof>,
    canonicalized_body: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct RawKindVersion {
    pub(crate) kind: String,
    pub(crate) version: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPromise {
    signed_entry_timestamp: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawProof {
    log_index: String,
    root_hash: String,
    tree_size: String,
    hashes: Vec<String>,
    #[serde(default)]
    checkpoint: Option<RawCheckpoint>,
}

#[derive(Debug, Clone, Deserialize)]
struct RawCheckpoint {
    envelope: String,
}

/// A log entry whose signed entry timestamp verified with a log key of the trusted root
/// (and whose inclusion proof, when present, verified too).
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub kind: String,
    pub version: String,
    /// When the log integrated the entry (Unix seconds), as the entry states it.
    pub integrated_time: i64,
    /// True when the signed entry timestamp verified, which authenticates
    /// `integrated_time`.
    pub time_signed: bool,
    pub log_index: i64,
    /// The entry body (JSON), as the log signed it.
    pub body: serde_json::Value,
    /// True when an inclusion proof and its checkpoint verified as well.
    pub inclusion_proven: bool,
}

fn integer(text: &str, what: &str, field: &str) -> Result<i64> {
    text.parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .ok_or_else(|| Error::document(what, format!("{field} {text:?} is not an integer")))
}

/// Checks one entry of a bundle against the trusted root.
pub fn verify_entry(raw: &serde_json::Value, root: &TrustedRoot, what: &str) -> Result<LogEntry> {
    let entry: RawEntry = serde_json::from_value(raw.clone())
        .map_err(|e| Error::document(what, format!("bad transparency log entry: {e}")))?;
    let log_id = base64_field(&entry.log_id.key_id, what, "the log id")?;
    let log = root.tlog(&log_id).ok_or_else(|| {
        Error::verification(
            what,
            format!(
                "the entry is in log {}, which the trusted root does not list",
                hex_lower(&log_id)
            ),
        )
    })?;
    let integrated_time = integer(&entry.integrated_time, what, "integratedTime")?;
    let log_index = integer(&entry.log_index, what, "logIndex")?;
    let body_bytes = base64_field(&entry.canonicalized_body, what, "the entry body")?;
    if entry.inclusion_promise.is_none() && entry.inclusion_proof.is_none() {
        return Err(Error::verification(
            what,
            "the log entry has neither a signed entry timestamp nor an inclusion proof",
        ));
    }
    let time_signed = match &entry.inclusion_promise {
        Some(promise) => {
            if !log.valid_for.contains(integrated_time) {
                return Err(Error::verification(
                    what,
                    "the log's key was not valid at the entry's integrated time",
                ));
            }
            let canonical = format!(
                "{{\"body\":{},\"integratedTime\":{integrated_time},\"logID\":\"{}\",\"logIndex\":{log_index}}}",
                serde_json::Value::String(entry.canonicalized_body.clone()),
                hex_lower(&log_id)
            );
            let set = base64_field(
                &promise.signed_entry_timestamp,
                what,
                "the signed entry timestamp",
            )?;
            if !ecdsa_verifies(&log.public_key, Hash::Sha256, canonical.as_bytes(), &set) {
                return Err(Error::verification(
                    what,
                    "the signed entry timestamp does not verify with the log's key",
                ));
            }
            true
        }
        None => false,
    };
    let inclusion_proven = match &entry.inclusion_proof {
        Some(proof) => {
            verify_inclusion(proof, &body_bytes, log, what)?;
            true
        }
        None => false,
    };
    let body: serde_json::Value = serde_json::from_slice(&body_bytes)
        .map_err(|e| Error::document(what, format!("the entry body is not JSON: {e}")))?;
    if body.get("kind").and_then(|k| k.as_str()) != Some(entry.kind_version.kind.as_str())
        || body.get("apiVersion").and_then(|k| k.as_str())
            != Some(entry.kind_version.version.as_str())
    {
        return Err(Error::verification(
            what,
            "the entry body's kind or version differs from the entry's",
        ));
    }
    Ok(LogEntry {
        kind: entry.kind_version.kind,
        version: entry.kind_version.version,
        integrated_time,
        time_signed,
        log_index,
        body,
        inclusion_proven,
    })
}

fn hash_children(left: &[u8], right: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root an RFC 6962 inclusion proof leads to from `leaf` (a leaf hash) at `index` of
/// a tree of `size` leaves; `None` when the proof has the wrong length.
pub fn root_from_inclusion_proof(
    index: u64,
    size: u64,
    leaf: [u8; 32],
    proof: &[[u8; 32]],
) -> Option<[u8; 32]> {
    if index >= size {
        return None;
    }
    let inner = (u64::BITS - (index ^ (size - 1)).leading_zeros()) as usize;
    let border = (index >> inner).count_ones() as usize;
    if proof.len() != inner + border {
        return None;
    }
    let mut node = leaf;
    for (i, sibling) in proof[..inner].iter().enumerate() {
        node = if (index >> i) & 1 == 0 {
            hash_children(&node, sibling)
        } else {
            hash_children(sibling, &node)
        };
    }
    for sibling in &proof[inner..] {
        node = hash_children(sibling, &node);
    }
    Some(node)
}

/// The RFC 6962 leaf hash of `data`.
pub fn leaf_hash(data: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

fn verify_inclusion(
    proof: &RawProof,
    body: &[u8],
    log: &TransparencyLog,
    what: &str,
) -> Result<()> {
    let index = integer(&proof.log_index, what, "the proof's logIndex")?.unsigned_abs();
    let size = integer(&proof.tree_size, what, "treeSize")?.unsigned_abs();
    if proof.hashes.len() > MAX_PROOF_HASHES {
        return Err(Error::document(what, "the inclusion proof is too long"));
    }
    let hashes = proof
        .hashes
        .iter()
        .map(|h| {
            base64_field(h, what, "a proof hash")?
                .try_into()
                .map_err(|_| Error::document(what, "a proof hash is not 32 bytes"))
        })
        .collect::<Result<Vec<[u8; 32]>>>()?;
    let root_hash = base64_field(&proof.root_hash, what, "the root hash")?;
    let computed = root_from_inclusion_proof(index, size, leaf_hash(body), &hashes);
    if computed.is_none_or(|c| c.as_slice() != root_hash.as_slice()) {
        return Err(Error::verification(
            what,
            "the inclusion proof does not lead to the root hash",
        ));
    }
    let Some(checkpoint) = &proof.checkpoint else {
        return Err(Error::verification(
            what,
            "the inclusion proof has no signed checkpoint",
        ));
    };
    let (size_signed, root_signed) = verify_checkpoint(&checkpoint.envelope, log, what)?;
    if size_signed != size || root_signed != root_hash {
        return Err(Error::verification(
            what,
            "the signed checkpoint is not for the proof's tree size and root",
        ));
    }
    Ok(())
}

/// Verifies a checkpoint (a signed note: origin, tree size, base64 root hash, then a
/// blank line and `— name base64(key hint ‖ signature)` lines) with the log's key; returns
/// the tree size and root hash it commits to.
pub fn verify_checkpoint(note: &str, log: &TransparencyLog, what: &str) -> Result<(u64, Vec<u8>)> {
    let Some(split) = note.find("\n\n") else {
        return Err(Error::document(what, "the checkpoint is not a signed note"));
    };
    let (text, signatures) = (&note[..=split], &note[split + 2..]);
    let mut lines = text.lines();
    let (Some(_origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next()) else {
        return Err(Error::document(what, "the checkpoint has too few lines"));
    };
    let size = size
        .parse::<u64>()
        .map_err(|_| Error::document(what, "the checkpoint's tree size is not a number"))?;
    let root = base64_field(root, what, "the checkpoint's root hash")?;
    let hint = log.log_id.get(..4).unwrap_or_default();
    let signed = signatures
        .lines()
        .filter_map(|line| line.strip_prefix("\u{2014} "))
        .filter_map(|rest| rest.rsplit_once(' '))
        .filter_map(|(_, sig)| crate::dsse::decode_base64(sig))
        .filter(|sig| sig.len() > 4 && &sig[..4] == hint)
        .any(|sig| ecdsa_verifies(&log.public_key, Hash::Sha256, text.as_bytes(), &sig[4..]));
    if !signed {
        return Err(Error::verification(
            what,
            "the checkpoint is not signed by the log's key",
        ));
    }
    Ok((size, root))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The largest power of two below `n` (RFC 6962's split).
    fn split(n: usize) -> usize {
        1 << (usize::BITS - 1 - (n - 1).leading_zeros())
    }

    /// The root of the tree over `leaves`, computed directly.
    fn tree_root(leaves: &[[u8; 32]]) -> [u8; 32] {
        match leaves.len() {
            1 => leaves[0],
            n => {
                let k = split(n);
                hash_children(&tree_root(&leaves[..k]), &tree_root(&leaves[k..]))
            }
        }
    }

    fn proof(leaves: &[[u8; 32]], index: usize) -> Vec<[u8; 32]> {
        if leaves.len() == 1 {
            return Vec::new();
        }
        let k = split(leaves.len());
        if index < k {
            let mut p = proof(&leaves[..k], index);
            p.push(tree_root(&leaves[k..]));
            p
        } else {
            let mut p = proof(&leaves[k..], index - k);
            p.push(tree_root(&leaves[..k]));
            p
        }
    }

    #[test]
    fn inclusion_proofs_agree_with_a_brute_force_tree() {
        for n in 1..=17usize {
            let leaves: Vec<[u8; 32]> = (0..n).map(|i| leaf_hash(&[i as u8])).collect();
            let root = tree_root(&leaves);
            for i in 0..n {
                let p = proof(&leaves, i);
                assert_eq!(
                    root_from_inclusion_proof(i as u64, n as u64, leaves[i], &p),
                    Some(root),
                    "n={n} i={i}"
                );
                if let Some(first) = p.first() {
                    let mut bad = p.clone();
                    bad[0] = leaf_hash(first);
                    assert_ne!(
                        root_from_inclusion_proof(i as u64, n as u64, leaves[i], &bad),
                        Some(root)
                    );
                }
            }
            assert_eq!(
                root_from_inclusion_proof(n as u64, n as u64, leaves[0], &[]),
                None
            );
        }
    }

    #[test]
    fn checkpoints_need_the_log_signature() {
        let key = crate::key::SigningKey::generate(crate::key::KeyType::EcdsaP256);
        let spki = key.public_key().to_spki_der();
        let log = TransparencyLog {
            log_id: Sha256::digest(&spki).to_vec(),
            public_key: spki,
            valid_for: crate::trust_root::Validity {
                start: 0,
                end: None,
            },
        };
        let text = "log - 1\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
        let mut sig = log.log_id[..4].to_vec();
        sig.extend(key.sign(text.as_bytes()));
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(&sig);
        let note = format!("{text}\n\u{2014} log {b64}\n");
        let (size, root) = verify_checkpoint(&note, &log, "c").unwrap();
        assert_eq!((size, root), (5, vec![0u8; 32]));
        let tampered = note.replacen("\n5\n", "\n6\n", 1);
        assert!(verify_checkpoint(&tampered, &log, "c").is_err());
        assert!(verify_checkpoint("no blank line", &log, "c").is_err());
    }
}
