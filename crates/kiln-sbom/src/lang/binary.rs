//! Packages recorded inside ELF executables: Go module build info and cargo-auditable
//! dependency lists. Candidates are files in `bin`/`sbin` directories, at the top of
//! the filesystem or under `/app`, `/ko-app`, of at most [`MAX_BINARY`] bytes, and
//! executables (any `x` bit) anywhere else whose section table names `.go.buildinfo` or
//! `.dep-v0` ([`super::probe`]); the ELF magic is checked before anything else is read.
//!
//! The distribution's own directories (`/usr/bin`, `/bin`, `/usr/sbin`, `/sbin`) hold
//! mostly small C programs that the OS package manager owns; there only files of at
//! least [`MIN_DISTRO_BINARY`] bytes (no Go binary is smaller) are looked at. In every
//! candidate directory an ELF file whose section table is readable is kept only if the
//! table names one of those sections, which keeps the capture pass from holding large C
//! programs (compilers, interpreters) in memory; one without a readable section table
//! is kept whole and searched for Go's build-info magic.

use kiln_oci::fs::path::{file_name, parent};
use kiln_oci::fs::{Candidate, MergedFs, Peek, Want};
use kiln_types::PackageKind;

use super::elf::{self, Elf};
use super::golang::{self, BuildInfo};
use super::{Found, cargo, depends_on, files, purl};
use crate::Result;
use crate::cataloger::{Cataloger, Context};

/// The largest binary kiln reads.
pub const MAX_BINARY: u64 = 200 << 20;
const MIN_BINARY: u64 = 256;
/// The smallest binary kiln reads from the distribution's own `bin` directories.
pub const MIN_DISTRO_BINARY: u64 = 512 << 10;
const DISTRO_BIN_DIRS: [&str; 4] = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"];
const SKIPPED_EXTENSIONS: [&str; 12] = [
    "sh", "py", "pl", "rb", "js", "txt", "md", "json", "conf", "cfg", "h", "c",
];

/// The cataloger of Go and cargo-auditable binaries.
#[derive(Debug, Default, Clone, Copy)]
pub struct Binary;

/// Whether `path`'s name may be a binary (not a shared library, script or text).
fn binary_name(path: &str) -> bool {
    let name = file_name(path);
    !name.contains(".so")
        && !name
            .rsplit_once('.')
            .is_some_and(|(_, ext)| SKIPPED_EXTENSIONS.contains(&ext))
}

/// A bin directory's ELF file is kept unless its section table is readable and names
/// neither section kiln reads; one without a readable table is kept whole, since Go
/// build info is then found by its magic in the data.
fn worth_reading(file: &dyn Peek) -> bool {
    super::probe::has_section(file, &super::probe::INTERESTING) != Some(false)
}

fn candidate(path: &str) -> bool {
    let dir = parent(path);
    let dir_name = file_name(dir);
    let in_place = dir_name == "bin"
        || dir_name == "sbin"
        || dir == "/"
        || path.starts_with("/app/")
        || path.starts_with("/ko-app/");
    in_place && binary_name(path)
}

impl Cataloger for Binary {
    fn name(&self) -> &'static str {
        "binary"
    }

    fn wants(&self, path: &str, size: u64) -> bool {
        let min = if DISTRO_BIN_DIRS.contains(&parent(path)) {
            MIN_DISTRO_BINARY
        } else {
            MIN_BINARY
        };
        (min..=MAX_BINARY).contains(&size) && candidate(path)
    }

    /// The bin directories' candidates if they are ELF files whose section table names
    /// build info or has none; executables elsewhere if their section table says they
    /// carry build info.
    fn select(&self, file: &Candidate<'_>) -> Want {
        if self.wants(file.path, file.size) {
            return Want::Probe {
                magic: elf::MAGIC,
                probe: worth_reading,
            };
        }
        if file.mode & 0o111 != 0
            && (MIN_BINARY..=MAX_BINARY).contains(&file.size)
            && !DISTRO_BIN_DIRS.contains(&parent(file.path))
            && binary_name(file.path)
        {
            return Want::Probe {
                magic: elf::MAGIC,
                probe: super::probe::interesting,
            };
        }
        Want::Skip
    }

    fn catalog(&self, fs: &MergedFs, ctx: &mut Context) -> Result<()> {
        for f in files(fs, ctx, "binary", binary_name) {
            if !f.bytes.starts_with(elf::MAGIC) {
                continue;
            }
            let elf = match Elf::parse(f.bytes) {
                Ok(e) => e,
                Err(e) => {
                    ctx.warn("binary", format!("{}: {e}", f.path));
                    continue;
                }
            };
            match golang::build_info(&elf) {
                Ok(Some(info)) => add_go(ctx, &f, &info),
                Ok(None) => {}
                Err(e) => ctx.warn("go", format!("{}: {e}", f.path)),
            }
            if let Some(section) = elf.section(".dep-v0") {
                match cargo::auditable(section) {
                    Ok(crates) => cargo::add(ctx, &f, &crates),
                    Err(e) => ctx.warn("cargo", format!("{}: {e}", f.path)),
                }
            }
        }
        Ok(())
    }
}

/// A Go module path as a purl: namespace up to the last `/`, name after it.
pub fn go_purl(path: &str, version: &str) -> Option<kiln_types::Purl> {
    match path.rsplit_once('/') {
        Some((ns, name)) => purl("golang", ns, name, version),
        None => purl("golang", "", path, version),
    }
}

/// The main module, its dependencies (as replaced by another module; a dependency replaced
/// by a local directory keeps its own path and version) and the Go toolchain as `stdlib`;
/// the main module dependsOn every module of its build list.
fn add_go(ctx: &mut Context, f: &Found<'_>, info: &BuildInfo) {
    let arch = info
        .settings
        .iter()
        .find(|(k, _)| k == "GOARCH")
        .map(|(_, v)| v.clone());
    let mut push = |path: &str, version: &str| -> Option<usize> {
        if path.is_empty() || version.is_empty() {
            return None;
        }
        let p = go_purl(path, version)?;
        let mut pkg = f.package(PackageKind::Go, path, version, p);
        pkg.arch.clone_from(&arch);
        ctx.packages.push(pkg);
        Some(ctx.packages.len() - 1)
    };
    let main = info.main.as_ref().and_then(|m| push(&m.path, &m.version));
    let mut deps = Vec::new();
    for d in &info.deps {
        let added = match &d.replace {
            Some((path, version)) if !version.is_empty() && version != "(devel)" => {
                push(path, version)
            }
            _ => push(&d.path, &d.version),
        };
        deps.extend(added);
    }
    let go = info
        .go_version
        .split_whitespace()
        .next()
        .unwrap_or_default();
    push("stdlib", go.strip_prefix("go").unwrap_or(go));
    if let Some(main) = main {
        for d in deps {
            let rel = depends_on(&ctx.packages[main], &ctx.packages[d]);
            ctx.relationships.push(rel);
        }
    }
}
