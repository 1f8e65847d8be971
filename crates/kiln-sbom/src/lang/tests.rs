//! The language catalogers on metadata shaped like what the real tools write.

mod auditable;
mod binaries;
mod java;
mod misc;
mod npm;
mod python;

use kiln_types::{Inventory, Package, PackageKind, RelationshipKind};

/// `name@version` of every package of `kind`, sorted.
fn ids(inv: &Inventory, kind: PackageKind) -> Vec<String> {
    let mut v: Vec<String> = inv
        .packages
        .iter()
        .filter(|p| p.kind == kind)
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect();
    v.sort();
    v
}

fn by_purl<'a>(inv: &'a Inventory, purl: &str) -> &'a Package {
    inv.packages
        .iter()
        .find(|p| p.purl.to_string() == purl)
        .unwrap_or_else(|| panic!("no {purl} in {:#?}", inv.packages))
}

/// Whether `from` dependsOn `to` in `inv`.
fn depends(inv: &Inventory, from: &Package, to: &Package) -> bool {
    inv.relationships
        .iter()
        .any(|r| r.from == from.id() && r.to == to.id() && r.kind == RelationshipKind::DependsOn)
}

/// A 64-bit little-endian ELF with one section `name` holding `data`.
pub(crate) fn elf_with_section(name: &str, data: &[u8]) -> Vec<u8> {
    let mut shstrtab = b"\0.shstrtab\0".to_vec();
    let name_at = shstrtab.len() as u32;
    shstrtab.extend_from_slice(name.as_bytes());
    shstrtab.push(0);
    let data_at = 64u64;
    let strtab_at = data_at + data.len() as u64;
    let shoff = (strtab_at + shstrtab.len() as u64).next_multiple_of(8);
    let mut out = vec![0u8; 64];
    out[..4].copy_from_slice(b"\x7fELF");
    out[4] = 2;
    out[5] = 1;
    out[6] = 1;
    out[0x10..0x12].copy_from_slice(&2u16.to_le_bytes());
    out[0x12..0x14].copy_from_slice(&62u16.to_le_bytes());
    out[0x28..0x30].copy_from_slice(&shoff.to_le_bytes());
    out[0x34..0x36].copy_from_slice(&64u16.to_le_bytes());
    out[0x3a..0x3c].copy_from_slice(&64u16.to_le_bytes());
    out[0x3c..0x3e].copy_from_slice(&3u16.to_le_bytes());
    out[0x3e..0x40].copy_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&shstrtab);
    out.resize(shoff as usize, 0);
    let header = |name: u32, kind: u32, addr: u64, offset: u64, size: u64| {
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(&name.to_le_bytes());
        h[4..8].copy_from_slice(&kind.to_le_bytes());
        h[0x10..0x18].copy_from_slice(&addr.to_le_bytes());
        h[0x18..0x20].copy_from_slice(&offset.to_le_bytes());
        h[0x20..0x28].copy_from_slice(&size.to_le_bytes());
        h
    };
    out.extend(header(0, 0, 0, 0, 0));
    out.extend(header(name_at, 1, 0x40_0000, data_at, data.len() as u64));
    out.extend(header(1, 3, 0, strtab_at, shstrtab.len() as u64));
    out
}
