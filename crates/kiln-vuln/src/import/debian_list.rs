//! The Debian security tracker's `data/DSA/list` and `data/DLA/list` text
//! (lines after the header start with a tab):
//!
//! ```text
//! [29 Mar 2023] DSA-5380-1 xorg-server - security update
//!     {CVE-2023-1393}
//!     [bullseye] - xorg-server 2:1.20.11-1+deb11u6
//! ```
//!
//! Each advisory becomes one record: the `{…}` ids are its upstream, each
//! `[codename] - package version` line an affected source package of that
//! release (`introduced 0, fixed version`), and `<not-affected>`,
//! `<unfixed>`, `<end-of-life>` lines keep their status.

use kiln_version::Ecosystem;
use kiln_version::range::EventKind;

use super::{Entry, SourceData};
use crate::advisory::{Advisory, AffectedPackage, AffectedRange, DistroStatus, RangeKind, Status};
use crate::release::debian_codename;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `29 Mar 2023` → `2023-03-29T00:00:00Z`.
fn date(text: &str) -> Option<String> {
    let mut parts = text.split_whitespace();
    let day: u8 = parts.next()?.parse().ok()?;
    let month_name = parts.next()?;
    let month = MONTHS.iter().position(|m| *m == month_name)? + 1;
    let year: u16 = parts.next()?.parse().ok()?;
    Some(format!("{year:04}-{month:02}-{day:02}T00:00:00Z"))
}

/// Reads `[date] ID package - summary`.
fn header(line: &str) -> Option<Advisory> {
    let rest = line.strip_prefix('[')?;
    let (when, rest) = rest.split_once(']')?;
    let mut words = rest.split_whitespace();
    let id = words.next()?.to_owned();
    if !id.contains('-') {
        return None;
    }
    let summary: Vec<&str> = words.collect();
    let published = date(when);
    Some(Advisory {
        id,
        aliases: Vec::new(),
        upstream: Vec::new(),
        modified: published.clone(),
        published,
        withdrawn: None,
        summary: Some(summary.join(" ")).filter(|s| !s.is_empty()),
        severity: Vec::new(),
        affected: Vec::new(),
        references: Vec::new(),
    })
}

/// Reads `[codename] - package version-or-<status> (note)`.
fn release_line(line: &str) -> Result<AffectedPackage, String> {
    let rest = line.strip_prefix('[').ok_or("no [release]")?;
    let (codename, rest) = rest.split_once(']').ok_or("no closing ]")?;
    let release = debian_codename(codename.trim())
        .ok_or_else(|| format!("unknown Debian release {codename:?}"))?;
    let rest = rest
        .trim_start()
        .strip_prefix('-')
        .ok_or("no '-' after the release")?;
    let mut words = rest.split_whitespace();
    let name = words.next().ok_or("no package name")?.to_owned();
    let what = words.next().ok_or("no version or status")?;
    let note: Vec<&str> = words.collect();
    let note = note.join(" ");
    let note = note
        .strip_prefix('(')
        .and_then(|n| n.strip_suffix(')'))
        .map(str::to_owned)
        .filter(|n| !n.is_empty());
    let (status, events) = match what {
        "<not-affected>" => (Status::NotAffected, None),
        "<unfixed>" => (
            Status::Unfixed,
            Some(vec![(EventKind::Introduced, "0".to_owned())]),
        ),
        "<end-of-life>" => (
            Status::EndOfLife,
            Some(vec![(EventKind::Introduced, "0".to_owned())]),
        ),
        "<no-dsa>" => (
            Status::NoDsa,
            Some(vec![(EventKind::Introduced, "0".to_owned())]),
        ),
        "<ignored>" => (
            Status::Ignored,
            Some(vec![(EventKind::Introduced, "0".to_owned())]),
        ),
        "<postponed>" => (
            Status::Postponed,
            Some(vec![(EventKind::Introduced, "0".to_owned())]),
        ),
        s if s.starts_with('<') => return Err(format!("unknown status {s}")),
        version => (
            Status::Fixed,
            Some(vec![
                (EventKind::Introduced, "0".to_owned()),
                (EventKind::Fixed, version.to_owned()),
            ]),
        ),
    };
    let ranges = match events {
        Some(events) => vec![
            AffectedRange::new(RangeKind::Ecosystem, Ecosystem::Debian, events)
                .map_err(|e| e.to_string())?,
        ],
        None => Vec::new(),
    };
    Ok(AffectedPackage {
        ecosystem: Ecosystem::Debian,
        release: Some(release.to_owned()),
        purl: Some(format!("pkg:deb/debian/{name}?arch=source")),
        name,
        ranges,
        versions: Vec::new(),
        unaffected: Vec::new(),
        status: Some(DistroStatus {
            status,
            note,
            urgency: None,
        }),
        severity: Vec::new(),
    })
}

/// Reads a whole list file into `data`.
pub fn read(entry: &Entry, data: &mut SourceData) {
    let text = String::from_utf8_lossy(&entry.bytes);
    let mut current: Option<Advisory> = None;
    for (n, line) in text.lines().enumerate() {
        let at = || format!("{} line {}", entry.name, n + 1);
        if line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(char::is_whitespace) {
            if let Some(done) = current.take() {
                data.push(done);
            }
            match header(line) {
                Some(a) => current = Some(a),
                None => data.warn(&at(), format!("not an advisory header: {line:?}")),
            }
            continue;
        }
        let Some(adv) = current.as_mut() else {
            continue;
        };
        let body = line.trim();
        if let Some(ids) = body.strip_prefix('{').and_then(|b| b.strip_suffix('}')) {
            adv.upstream
                .extend(ids.split_whitespace().map(str::to_owned));
        } else if body.starts_with('[') {
            match release_line(body) {
                Ok(p) => adv.affected.push(p),
                Err(e) => {
                    let what = format!("{}: {e}: {body:?}", adv.id);
                    data.warn(&at(), what);
                }
            }
        }
        // NOTE: lines and anything else are commentary.
    }
    if let Some(done) = current {
        data.push(done);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fixed_and_status_lines() {
        let text = "[29 Mar 2023] DSA-5380-1 xorg-server - security update\n\t{CVE-2023-1393}\n\t[bullseye] - xorg-server 2:1.20.11-1+deb11u6\n\
                    [01 Jan 2008] DSA-1-1 vlc - security update\n\t[lenny] - vlc <not-affected> (Vulnerable code not present)\n\t[etch] - vlc  0.8.6-1 (bug #1; medium)\n\
                    garbage\n\t[nowhere] - x 1\n";
        let mut data = SourceData::default();
        read(
            &Entry {
                name: "DSA.list".into(),
                bytes: text.as_bytes().to_vec(),
            },
            &mut data,
        );
        assert_eq!(data.advisories.len(), 2);
        let a = &data.advisories[0];
        assert_eq!(a.upstream, ["CVE-2023-1393"]);
        assert_eq!(a.published.as_deref(), Some("2023-03-29T00:00:00Z"));
        assert_eq!(a.affected[0].ecosystem_label(), "Debian:11");
        assert_eq!(
            a.affected[0].ranges[0].to_string(),
            "ECOSYSTEM introduced 0, fixed 2:1.20.11-1+deb11u6"
        );
        let b = &data.advisories[1];
        let st = b.affected[0].status.as_ref().unwrap();
        assert_eq!(
            (st.status, st.note.as_deref()),
            (Status::NotAffected, Some("Vulnerable code not present"))
        );
        assert!(b.affected[0].ranges.is_empty());
        assert_eq!(b.affected[1].release.as_deref(), Some("4.0"));
        assert_eq!(
            b.affected[1].status.as_ref().unwrap().note.as_deref(),
            Some("bug #1; medium")
        );
        assert_eq!(data.skipped, 1, "{:?}", data.warnings);
        assert!(
            data.warnings[0].contains("DSA.list line 7"),
            "{:?}",
            data.warnings
        );
    }
}
