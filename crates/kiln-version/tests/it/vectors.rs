//! Every line of the shared version-ordering vectors must hold.
//!
//! The files live in `shared/data/version-vectors/` beside the workspace;
//! each line is `A < B`, `A > B` or `A = B`, `#` and `//` start comments. The
//! file name names the ecosystem. The data is always present in CI: a
//! missing directory fails the test.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kiln_version::{AnyVersion, Ecosystem, VersionError};

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/version-vectors")
}

/// The ecosystems whose comparators must satisfy a file.
fn ecosystems_for(file: &str) -> &'static [Ecosystem] {
    match file.split('-').next().unwrap_or_default() {
        "alpine" => &[Ecosystem::Alpine],
        "cran" => &[Ecosystem::Cran],
        "debian" => &[Ecosystem::Debian, Ecosystem::Ubuntu],
        "hackage" => &[Ecosystem::Hackage],
        "maven" => &[Ecosystem::Maven],
        "nuget" => &[Ecosystem::NuGet],
        "packagist" => &[Ecosystem::Packagist],
        "pub" => &[Ecosystem::Pub],
        "pypi" => &[Ecosystem::PyPi],
        "redhat" => &[
            Ecosystem::RedHat,
            Ecosystem::AlmaLinux,
            Ecosystem::RockyLinux,
        ],
        "rubygems" => &[Ecosystem::RubyGems],
        "semver" => &[Ecosystem::Npm, Ecosystem::CratesIo, Ecosystem::Go],
        other => panic!("no ecosystem for vector file prefix {other:?}"),
    }
}

/// Lines that cannot hold for a total order, with the reason. Each is
/// asserted to fail in the documented way, so the list cannot go stale.
enum Exception {
    /// One side must be rejected as unparseable.
    Rejected(&'static str),
}

fn exceptions(file: &str, line: &str) -> Option<Exception> {
    match (file, line) {
        // PHP's internal "#" placeholder makes `1.2.3.# = 1.2.3` and
        // `1.2.3.# = 1.2.3.1` while `1.2.3 < 1.2.3.1`: no total order can
        // hold all three, and `#` never appears in a real package version.
        ("packagist-versions.txt", l) if l.contains('#') => Some(Exception::Rejected(
            "'#' is PHP's internal placeholder, not a version",
        )),
        _ => None,
    }
}

fn parse_line(line: &str) -> Option<(&str, Ordering, &str)> {
    let mut parts = line.split_whitespace();
    let (a, op, b) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let op = match op {
        "<" => Ordering::Less,
        ">" => Ordering::Greater,
        "=" => Ordering::Equal,
        _ => return None,
    };
    Some((a, op, b))
}

fn check(eco: Ecosystem, a: &str, op: Ordering, b: &str) -> Result<(), String> {
    let parse = |s: &str| AnyVersion::parse_in(eco, s).map_err(|e: VersionError| e.to_string());
    let (va, vb) = (parse(a)?, parse(b)?);
    let (ab, ba) = (va.cmp(&vb), vb.cmp(&va));
    if ab != op || ba != op.reverse() {
        return Err(format!("got {a} {ab:?} {b} and {b} {ba:?} {a}"));
    }
    if (va == vb) != (op == Ordering::Equal) {
        return Err("Eq disagrees with Ord".to_owned());
    }
    Ok(())
}

#[test]
fn every_vector_holds() {
    let dir = vectors_dir();
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!(
            "version vectors missing at {} ({e}); the data must be present",
            dir.display()
        )
    });
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no vector files in {}", dir.display());

    let mut failures = Vec::new();
    let mut summary = BTreeMap::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).unwrap();
        let (mut passed, mut excepted) = (0usize, 0usize);
        for (no, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with("//") {
                continue;
            }
            let Some((a, op, b)) = parse_line(line) else {
                failures.push(format!("{name}:{}: unreadable line {line:?}", no + 1));
                continue;
            };
            for &eco in ecosystems_for(&name) {
                match exceptions(&name, line) {
                    Some(Exception::Rejected(why)) => {
                        let rejected = AnyVersion::parse_in(eco, a).is_err()
                            || AnyVersion::parse_in(eco, b).is_err();
                        if rejected {
                            excepted += 1;
                        } else {
                            failures.push(format!(
                                "{name}:{}: {line}: expected rejection ({why})",
                                no + 1
                            ));
                        }
                    }
                    None => match check(eco, a, op, b) {
                        Ok(()) => passed += 1,
                        Err(e) => failures.push(format!("{name}:{}: [{eco}] {line}: {e}", no + 1)),
                    },
                }
            }
        }
        summary.insert(name, (passed, excepted));
    }
    for (name, (passed, excepted)) in &summary {
        println!("{name}: {passed} passed, {excepted} documented exceptions");
    }
    assert!(
        failures.is_empty(),
        "{} vector(s) failed:\n{}",
        failures.len(),
        failures
            .iter()
            .take(60)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
