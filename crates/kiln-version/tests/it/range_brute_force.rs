//! `Range::affects` against a brute-force reference.
//!
//! Versions are `0.0.N` for small `N`, so the reference can work on the
//! integers alone: it builds the affected intervals literally (each
//! `introduced` runs to the next closing event after it in sorted order:
//! `fixed` exclusive, `last_affected` inclusive) and applies the limits.

use kiln_version::range::{EventKind, Range};
use kiln_version::{AnyVersion, Scheme};
use proptest::prelude::*;

const N: u32 = 10;

fn version(n: u32) -> String {
    format!("0.0.{n}")
}

/// `None` stands for `introduced: "0"` / `limit: "*"`.
fn event() -> impl Strategy<Value = (EventKind, Option<u32>)> {
    (
        prop_oneof![
            4 => Just(EventKind::Introduced),
            3 => Just(EventKind::Fixed),
            2 => Just(EventKind::LastAffected),
            1 => Just(EventKind::Limit),
        ],
        prop_oneof![1 => Just(None), 6 => (0..N).prop_map(Some)],
    )
        .prop_map(|(kind, v)| match kind {
            EventKind::Fixed | EventKind::LastAffected => (kind, Some(v.unwrap_or(0))),
            _ => (kind, v),
        })
}

fn reference(events: &[(EventKind, Option<u32>)], v: u32) -> bool {
    let limits: Vec<Option<u32>> = events
        .iter()
        .filter(|(k, _)| *k == EventKind::Limit)
        .map(|(_, x)| *x)
        .collect();
    if !limits.is_empty() && !limits.iter().any(|l| l.is_none_or(|l| v < l)) {
        return false;
    }
    // Sort key: "0" lowest; at one version introductions come first.
    let key =
        |(k, x): &(EventKind, Option<u32>)| (x.map_or(0, |x| x + 1), *k != EventKind::Introduced);
    let mut sorted: Vec<_> = events
        .iter()
        .filter(|(k, _)| *k != EventKind::Limit)
        .copied()
        .collect();
    sorted.sort_by_key(key);
    for (i, (kind, at)) in sorted.iter().enumerate() {
        if *kind != EventKind::Introduced {
            continue;
        }
        let start = at.unwrap_or(0);
        let end = sorted[i + 1..]
            .iter()
            .find(|(k, _)| *k != EventKind::Introduced);
        let inside = match end {
            None => v >= start,
            Some((EventKind::Fixed, Some(f))) => v >= start && v < *f,
            Some((_, Some(l))) => v >= start && v <= *l,
            Some((_, None)) => unreachable!("closing events always carry a version"),
        };
        if inside {
            return true;
        }
    }
    false
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn affects_matches_reference(events in proptest::collection::vec(event(), 1..7)) {
        let has = |k| events.iter().any(|(kind, _)| *kind == k);
        let raw: Vec<(EventKind, String)> = events
            .iter()
            .map(|(k, x)| {
                let text = match (k, x) {
                    (_, Some(n)) => version(*n),
                    (EventKind::Limit, None) => "*".to_owned(),
                    (_, None) => "0".to_owned(),
                };
                (*k, text)
            })
            .collect();
        let borrowed: Vec<(EventKind, &str)> = raw.iter().map(|(k, s)| (*k, s.as_str())).collect();
        let built = Range::new(Scheme::SemVer, &borrowed);
        let well_formed = has(EventKind::Introduced)
            && !(has(EventKind::Fixed) && has(EventKind::LastAffected));
        prop_assert_eq!(built.is_ok(), well_formed, "{:?}", built);
        let Ok(range) = built else { return Ok(()) };
        for n in 0..N + 2 {
            let v = AnyVersion::parse(Scheme::SemVer, &version(n)).unwrap();
            prop_assert_eq!(range.affects(&v), reference(&events, n), "version {} events {:?}", n, raw);
        }
    }
}
