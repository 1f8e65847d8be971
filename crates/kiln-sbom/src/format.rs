//! SBOM documents written from an [`Inventory`]: SPDX 2.3 JSON, SPDX 3.0.1 JSON-LD,
//! CycloneDX 1.6 JSON, a table for people, and kiln's own JSON (the inventory as is).
//!
//! Every writer is deterministic: the same inventory and [`WriteOptions`] give the same
//! bytes. Times come from `SOURCE_DATE_EPOCH`, else the image config's `created`, and
//! only without either from the clock.

mod cyclonedx;
mod spdx;
mod spdx3;
mod table;

use std::fmt;
use std::str::FromStr;

use kiln_types::{Inventory, Package};
use sha2::{Digest as _, Sha256};

use crate::{Error, Result};

/// A document format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    SpdxJson,
    Spdx3Json,
    CycloneDxJson,
    Table,
    Json,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::SpdxJson,
        Format::Spdx3Json,
        Format::CycloneDxJson,
        Format::Table,
        Format::Json,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::SpdxJson => "spdx-json",
            Format::Spdx3Json => "spdx3-json",
            Format::CycloneDxJson => "cyclonedx-json",
            Format::Table => "table",
            Format::Json => "json",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown SBOM format {s:?} (spdx-json, spdx3-json, cyclonedx-json, table, json)"
                )
            })
    }
}

/// What documents say about their making.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteOptions {
    /// The tool's name and version: `kiln-0.1.0`.
    pub tool_name: String,
    pub tool_version: String,
    /// The creation time, UTC, `YYYY-MM-DDThh:mm:ssZ`.
    pub created: String,
}

impl WriteOptions {
    /// Options for `inv`: the time from `source_date_epoch` (the value of the
    /// environment variable, when set), else the image's `created`, else now.
    pub fn new(
        tool_version: &str,
        inv: &Inventory,
        source_date_epoch: Option<&str>,
    ) -> WriteOptions {
        let ts = source_date_epoch
            .and_then(|s| s.trim().parse::<i64>().ok())
            .and_then(|s| jiff::Timestamp::from_second(s).ok())
            .or_else(|| {
                inv.source
                    .created
                    .as_deref()
                    .and_then(|c| c.parse::<jiff::Timestamp>().ok())
            })
            .unwrap_or_else(jiff::Timestamp::now);
        WriteOptions {
            tool_name: "kiln".to_owned(),
            tool_version: tool_version.to_owned(),
            created: ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        }
    }
}

/// The document for `inv` in `format`.
pub fn write(format: Format, inv: &Inventory, opts: &WriteOptions) -> Result<Vec<u8>> {
    let value = match format {
        Format::SpdxJson => spdx::document(inv, opts),
        Format::Spdx3Json => spdx3::document(inv, opts),
        Format::CycloneDxJson => cyclonedx::document(inv, opts),
        Format::Table => return Ok(table::render(inv).into_bytes()),
        Format::Json => serde_json::to_value(inv).map_err(|source| Error::Encode {
            format: "json",
            source,
        })?,
    };
    let mut bytes = serde_json::to_vec_pretty(&value).map_err(|source| Error::Encode {
        format: format.as_str(),
        source,
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// `n` hex digits of SHA-256 over `parts`, separated by NUL bytes.
fn hash(parts: &[&str], n: usize) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    let mut hex = hex::encode(h.finalize());
    hex.truncate(n);
    hex
}

/// What names one document: the image digest, or for a target without one (a root
/// directory) a SHA-256 of the inventory itself, so that different directories never share
/// a serial number or namespace and the same directory always gets the same one.
fn document_key(inv: &Inventory) -> String {
    if !inv.source.digest.is_empty() {
        return inv.source.digest.clone();
    }
    let content = serde_json::to_string(inv).unwrap_or_default();
    format!("content:{}", hash(&[&content], 64))
}

/// A name-based UUID (version 5 layout) from a SHA-256 of `parts`.
fn uuid(parts: &[&str]) -> String {
    let h = hash(parts, 32);
    let mut b = hex::decode(&h).unwrap_or_else(|_| vec![0; 16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &x[0..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

/// The inventory's packages with their ids, in inventory order.
fn with_ids(inv: &Inventory) -> Vec<(String, &Package)> {
    inv.packages.iter().map(|p| (p.id(), p)).collect()
}

#[cfg(test)]
mod tests;
