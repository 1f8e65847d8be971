//! `Conflicts`, `Breaks` and backtracking, against a real signed repository served on
//! loopback (see `conflict_repo`), plus a property test over random in-memory archives:
//! the resolver never panics, and whatever it returns is closed under `Depends` and free
//! of conflicts.

use crate::support;

use std::sync::OnceLock;

use kiln_debian::archive::{Archive, Candidate};
use kiln_debian::index::parse_packages;
use kiln_debian::resolve::{Request, Resolution, ResolveError, resolve, resolve_with};
use kiln_test::apt::AptRepo;
use kiln_test::deb::DebSpec;
use kiln_version::dpkg::DpkgVersion;
use proptest::prelude::*;

fn deb(name: &str, version: &str) -> DebSpec {
    DebSpec::new(name, version, "amd64")
        .file(&format!("/usr/share/{name}/{version}"), version.as_bytes())
}

/// - `site` Depends `libold`, `mailer`; `mailer` Depends `postfix | exim`;
///   `postfix` Conflicts `libold`: the first alternative must give way.
/// - `site2` Depends `mailer`, `extra`; `extra` Depends `libx`; `libx` Conflicts
///   `postfix`: `postfix` is chosen first and must be undone when `libx` comes.
/// - `uses-lib` Depends `lib (>= 1)` (lib 1 and 2); `guard` Breaks `lib (>= 2)`.
/// - `core` 2 Breaks `plugin (<< 2.0)`; `plugin` 1.0 and 2.0; `app2` Depends `core`, `plugin`.
/// - `a` Conflicts `b`.
/// - `exim` Provides and Conflicts `mail-transport-agent` (never with itself);
///   `no-mta` Conflicts `mail-transport-agent`; `wants-mta` Depends `mail-transport-agent`.
fn conflict_repo() -> AptRepo {
    let mut repo = AptRepo::new();
    for spec in [
        deb("site", "1").field("Depends", "libold, mailer"),
        deb("site2", "1").field("Depends", "mailer, extra"),
        deb("extra", "1").field("Depends", "libx"),
        deb("mailer", "1").field("Depends", "postfix | exim"),
        deb("postfix", "3.7").field("Conflicts", "libold"),
        deb("exim", "4.96")
            .field("Provides", "mail-transport-agent")
            .field("Conflicts", "mail-transport-agent"),
        deb("libold", "0.9"),
        deb("libx", "1").field("Conflicts", "postfix"),
        deb("uses-lib", "1").field("Depends", "lib (>= 1)"),
        deb("lib", "1"),
        deb("lib", "2"),
        deb("guard", "1").field("Breaks", "lib (>= 2)"),
        deb("core", "2").field("Breaks", "plugin (<< 2.0)"),
        deb("plugin", "1.0"),
        deb("plugin", "2.0"),
        deb("app2", "1").field("Depends", "core, plugin"),
        deb("a", "1").field("Conflicts", "b"),
        deb("b", "1"),
        deb("no-mta", "1").field("Conflicts", "mail-transport-agent"),
        deb("wants-mta", "1").field("Depends", "mail-transport-agent"),
    ] {
        repo.add("main", spec);
    }
    repo.publish();
    repo
}

fn archive() -> &'static Archive {
    static ARCHIVE: OnceLock<(Archive, tempfile::TempDir)> = OnceLock::new();
    support::load_once(&ARCHIVE, conflict_repo)
}

fn requests(requests: &[&str]) -> Vec<Request> {
    requests.iter().map(|r| r.parse().unwrap()).collect()
}

fn run(reqs: &[&str]) -> Result<Resolution, ResolveError> {
    resolve(archive(), &requests(reqs))
}

fn names(r: &Resolution) -> Vec<String> {
    r.packages
        .iter()
        .map(|c| format!("{}={}", c.record.name, c.record.version))
        .collect()
}

#[test]
fn a_first_alternative_that_conflicts_gives_way_to_the_second() {
    let r = run(&["site"]).unwrap();
    assert_eq!(
        names(&r),
        ["exim=4.96", "libold=0.9", "mailer=1", "site=1"],
        "postfix conflicts with libold"
    );
    // Without the conflict the first alternative wins, as in apt.
    assert_eq!(
        names(&run(&["mailer"]).unwrap()),
        ["mailer=1", "postfix=3.7"]
    );
}

#[test]
fn a_choice_made_earlier_is_undone_when_a_later_package_conflicts_with_it() {
    let r = run(&["site2"]).unwrap();
    assert_eq!(
        names(&r),
        ["exim=4.96", "extra=1", "libx=1", "mailer=1", "site2=1"],
        "libx conflicts with postfix, chosen first for mailer"
    );
}

#[test]
fn breaks_rule_out_versions_and_the_next_best_is_taken() {
    assert_eq!(names(&run(&["uses-lib"]).unwrap()), ["lib=2", "uses-lib=1"]);
    assert_eq!(
        names(&run(&["uses-lib", "guard"]).unwrap()),
        ["guard=1", "lib=1", "uses-lib=1"],
        "guard breaks lib (>= 2)"
    );
}

#[test]
fn breaks_against_an_installed_version_force_a_newer_one() {
    let installed = [("plugin".to_owned(), DpkgVersion::parse("1.0").unwrap())];
    let kept = resolve_with(archive(), &requests(&["plugin"]), &installed).unwrap();
    assert_eq!(
        names(&kept),
        ["plugin=1.0"],
        "the installed version is kept"
    );
    let r = resolve_with(archive(), &requests(&["app2"]), &installed).unwrap();
    assert_eq!(
        names(&r),
        ["app2=1", "core=2", "plugin=2.0"],
        "core breaks plugin (<< 2.0)"
    );
}

#[test]
fn an_unavoidable_conflict_names_both_packages() {
    let e = run(&["a", "b"]).unwrap_err().to_string();
    assert!(e.starts_with("unsatisfiable: "), "{e}");
    assert!(
        e.contains("cannot be installed with") && e.contains("a 1") && e.contains("b 1"),
        "{e}"
    );
    assert!(e.contains("a conflicts with b"), "{e}");
    let e = run(&["no-mta", "wants-mta"]).unwrap_err().to_string();
    assert!(
        e.contains("no-mta conflicts with mail-transport-agent"),
        "a conflict on a virtual name matches its providers: {e}"
    );
    let e = run(&["uses-lib", "guard", "lib (>= 2)"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("guard breaks lib (>= 2)"), "{e}");
}

#[test]
fn a_package_never_conflicts_with_what_it_provides_itself() {
    assert_eq!(
        names(&run(&["wants-mta"]).unwrap()),
        ["exim=4.96", "wants-mta=1"]
    );
}

#[test]
fn conflict_resolution_is_deterministic_whatever_the_request_order() {
    let a = names(&run(&["site2", "uses-lib", "guard", "app2"]).unwrap());
    let b = names(&run(&["app2", "guard", "uses-lib", "site2"]).unwrap());
    assert_eq!(a, b);
}

/// A Packages paragraph for an in-memory archive.
fn paragraph(name: &str, version: u8, depends: &str, conflicts: &str, breaks: &str) -> String {
    let mut p = format!(
        "Package: {name}\nVersion: {version}\nArchitecture: amd64\n\
         Filename: pool/{name}_{version}.deb\nSize: 1\nSHA256: {}\n",
        "0".repeat(64)
    );
    for (field, value) in [
        ("Depends", depends),
        ("Conflicts", conflicts),
        ("Breaks", breaks),
    ] {
        if !value.is_empty() {
            p.push_str(&format!("{field}: {value}\n"));
        }
    }
    p
}

const NAMES: [&str; 6] = ["p0", "p1", "p2", "p3", "p4", "p5"];

fn relation() -> impl Strategy<Value = String> {
    (
        0..NAMES.len(),
        prop_oneof![Just(""), Just(" (>= 2)"), Just(" (<< 2)")],
    )
        .prop_map(|(n, c)| format!("{}{c}", NAMES[n]))
}

fn field() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::collection::vec(relation(), 1..3), 0..3).prop_map(|groups| {
        groups
            .iter()
            .map(|g| g.join(" | "))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

fn universe() -> impl Strategy<Value = String> {
    prop::collection::vec((0..NAMES.len(), 1..4u8, field(), field(), field()), 1..10).prop_map(
        |packages| {
            let mut seen = std::collections::BTreeSet::new();
            packages
                .into_iter()
                .filter(|(n, v, ..)| seen.insert((*n, *v)))
                .map(|(n, v, d, c, b)| {
                    // Alternatives are not valid in Conflicts/Breaks.
                    paragraph(
                        NAMES[n],
                        v,
                        &d,
                        &c.replace(" | ", ", "),
                        &b.replace(" | ", ", "),
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        },
    )
}

fn in_memory(text: &str) -> Archive {
    let candidates = parse_packages(text, "Packages")
        .into_iter()
        .map(|record| Candidate {
            url: format!("file:///{}", record.name),
            record,
            suite: "test".into(),
            component: "main".into(),
        })
        .collect();
    Archive::from_candidates("amd64", candidates)
}

/// Whether `set` (one version per name) meets every `Depends` of its members and breaks
/// no `Conflicts`/`Breaks` between two of them.
fn installable(set: &[&Candidate]) -> bool {
    let fits = |rel: &kiln_debian::relation::Relation, c: &Candidate| {
        c.record.name == rel.name
            && rel
                .constraint
                .as_ref()
                .is_none_or(|k| k.matches(&c.record.version))
    };
    let mut names = std::collections::BTreeSet::new();
    if !set.iter().all(|c| names.insert(&c.record.name)) {
        return false;
    }
    set.iter().all(|c| {
        let deps = c
            .record
            .depends
            .iter()
            .all(|g| g.0.iter().any(|rel| set.iter().any(|o| fits(rel, o))));
        let clean = ["Conflicts", "Breaks"].iter().all(|field| {
            let value = c.record.paragraph.get_all(field).unwrap_or_default();
            let groups = kiln_debian::relation::parse_field(value).unwrap_or_default();
            groups.iter().flat_map(|g| &g.0).all(|rel| {
                set.iter()
                    .filter(|o| o.record.name != c.record.name)
                    .all(|o| !fits(rel, o))
            })
        });
        deps && clean
    })
}

/// An installable set holding a package named `wanted`, by trying every subset.
fn brute_force(all: &[Candidate], wanted: &str) -> Option<Vec<String>> {
    (0u32..1 << all.len()).find_map(|mask| {
        let set: Vec<&Candidate> = (0..all.len())
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| &all[i])
            .collect();
        (set.iter().any(|c| c.record.name == wanted) && installable(&set)).then(|| {
            set.iter()
                .map(|c| format!("{}={}", c.record.name, c.record.version))
                .collect()
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn resolutions_are_closed_and_conflict_free(text in universe(), wanted in 0..NAMES.len()) {
        let archive = in_memory(&text);
        let reqs = requests(&[NAMES[wanted]]);
        let Ok(r) = resolve(&archive, &reqs) else {
            // Complete: when it fails, no installable set holds the request.
            prop_assert!(
                brute_force(archive.candidates(), NAMES[wanted]).is_none(),
                "resolution failed though {:?} works", brute_force(archive.candidates(), NAMES[wanted])
            );
            return Ok(());
        };
        let chosen: Vec<&Candidate> = r.packages.iter().collect();
        let fits = |rel: &kiln_debian::relation::Relation, c: &Candidate| {
            c.record.name == rel.name
                && rel.constraint.as_ref().is_none_or(|k| k.matches(&c.record.version))
        };
        prop_assert!(chosen.iter().any(|c| c.record.name == NAMES[wanted]));
        for c in &chosen {
            for group in &c.record.depends {
                prop_assert!(
                    group.0.iter().any(|rel| chosen.iter().any(|o| fits(rel, o))),
                    "{} {} needs {group}, not met in {:?}", c.record.name, c.record.version, names(&r)
                );
            }
            for field in ["Conflicts", "Breaks"] {
                let Some(value) = c.record.paragraph.get_all(field) else { continue };
                let groups = kiln_debian::relation::parse_field(value).unwrap();
                for rel in groups.iter().flat_map(|g| &g.0) {
                    for o in chosen.iter().filter(|o| o.record.name != c.record.name) {
                        prop_assert!(!fits(rel, o), "{} {field} {rel} but {:?}", c.record.name, names(&r));
                    }
                }
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        prop_assert!(chosen.iter().all(|c| seen.insert(c.record.name.clone())), "one version per name");
    }
}
