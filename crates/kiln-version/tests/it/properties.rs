//! Property tests: every scheme's order is total and agrees with `Eq`,
//! parsing never panics, and `Display` round-trips.

use std::cmp::Ordering;

use kiln_version::pep440::Pep440Version;
use kiln_version::{AnyVersion, Scheme};
use proptest::prelude::*;

const SCHEMES: [Scheme; 12] = [
    Scheme::Dpkg,
    Scheme::Rpm,
    Scheme::Apk,
    Scheme::Pep440,
    Scheme::SemVer,
    Scheme::Maven,
    Scheme::RubyGems,
    Scheme::NuGet,
    Scheme::Composer,
    Scheme::Pub,
    Scheme::Cran,
    Scheme::Hackage,
];

/// Version-like strings over a small alphabet for `scheme`, so that equal
/// and near-equal versions are common.
fn alphabet(scheme: Scheme) -> &'static str {
    match scheme {
        Scheme::Dpkg => "([0-2]:)?[0-9a.+~]{1,6}(-[0-9a.+~]{1,3})?",
        Scheme::Rpm => "([0-2]:)?[0-9a.~^_]{1,6}(-[0-9a.~^]{0,3})?",
        Scheme::Apk => {
            "[0-9.]{0,5}[a-c]?(_(alpha|pre|rc|p|cvs)[0-9]?){0,2}(-r[0-9]{0,2})?[a.-]{0,2}"
        }
        Scheme::Pep440 => {
            "(1!)?[0-9]{1,2}(\\.[0-9]){0,2}((a|b|rc|-|\\.post|\\.dev)[0-9]?){0,2}(\\+[a-z0-9]{1,2})?|[0-9a-z.-]{1,5}"
        }
        Scheme::SemVer | Scheme::Pub => {
            "v?[0-9]{1,2}(\\.[0-9]{1,2}){0,3}(-[0-9a-z]{1,2}(\\.[0-9a-z]{1,2}){0,2})?(\\+[0-9a-z]{1,2})?"
        }
        // Realistic shapes only: the specification's flat order is not
        // transitive for degenerate strings such as `0-alpha`, `-`, `.a`
        // (see the crate's known limitations).
        Scheme::Maven => {
            "[0-9](\\.[0-9]){0,2}([.-](alpha|beta|rc|sp|snapshot|ga|final|0|1|x)){0,2}"
        }
        Scheme::RubyGems => "[0-9]{1,2}(\\.[0-9ab]{1,2}){0,3}(-[0-9a-z]{1,2})?",
        Scheme::NuGet => {
            "[0-9]{1,2}(\\.[0-9]{1,2}){0,3}(-[0-9a-zA-Z]{1,2}(\\.[0-9a-zA-Z]{1,2}){0,2})?(\\+[0-9a-z])?"
        }
        Scheme::Composer => {
            "v?[0-9a-z.\\-_]{1,8}|[0-9](\\.[0-9]){0,2}(-?(dev|a|b|RC|rc|pl|p|x)[0-9]?)?"
        }
        Scheme::Cran => "[0-9]{1,2}([.-][0-9]{1,2}){0,3}",
        Scheme::Hackage => "[0-9]{1,2}(\\.[0-9]{1,2}){0,3}",
    }
}

#[expect(
    clippy::unwrap_used,
    reason = "the patterns are constants of this file"
)]
fn versions(scheme: Scheme) -> impl Strategy<Value = AnyVersion> {
    proptest::string::string_regex(alphabet(scheme))
        .unwrap()
        .prop_filter_map("must parse", move |s| AnyVersion::parse(scheme, &s).ok())
}

fn check_laws(a: &AnyVersion, b: &AnyVersion, c: &AnyVersion) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.cmp(a), Ordering::Equal);
    prop_assert_eq!(a.cmp(b), b.cmp(a).reverse(), "antisymmetry: {} vs {}", a, b);
    prop_assert_eq!(
        a == b,
        a.cmp(b) == Ordering::Equal,
        "Eq vs Ord: {} vs {}",
        a,
        b
    );
    if a <= b && b <= c {
        prop_assert!(
            a <= c,
            "transitivity: {} <= {} <= {} but {} > {}",
            a,
            b,
            c,
            a,
            c
        );
    }
    if a == b && b == c {
        prop_assert!(a == c);
    }
    Ok(())
}

macro_rules! laws {
    ($($name:ident => $scheme:expr;)*) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]
            $(
                #[test]
                fn $name(
                    mut vs in proptest::collection::vec(versions($scheme), 3),
                ) {
                    // Sort so that `a <= b <= c` holds often and transitivity is exercised.
                    let unsorted = vs.clone();
                    check_laws(&unsorted[0], &unsorted[1], &unsorted[2])?;
                    vs.sort();
                    check_laws(&vs[0], &vs[1], &vs[2])?;
                    for w in vs.windows(2) {
                        prop_assert!(w[0] <= w[1]);
                    }
                    for v in &vs {
                        let again = AnyVersion::parse($scheme, &v.to_string()).unwrap();
                        prop_assert_eq!(again.to_string(), v.to_string());
                        prop_assert_eq!(&again, v);
                    }
                }
            )*
        }
    };
}

laws! {
    dpkg_laws => Scheme::Dpkg;
    rpm_laws => Scheme::Rpm;
    apk_laws => Scheme::Apk;
    pep440_laws => Scheme::Pep440;
    semver_laws => Scheme::SemVer;
    maven_laws => Scheme::Maven;
    rubygems_laws => Scheme::RubyGems;
    nuget_laws => Scheme::NuGet;
    composer_laws => Scheme::Composer;
    pub_laws => Scheme::Pub;
    cran_laws => Scheme::Cran;
    hackage_laws => Scheme::Hackage;
}

proptest! {
    #[test]
    fn parsing_never_panics(s in "\\PC{0,12}|[0-9a-zA-Z.:~^+_-]{0,12}") {
        for scheme in SCHEMES {
            if let Err(e) = AnyVersion::parse(scheme, &s) {
                let msg = e.to_string();
                prop_assert!(msg.contains(&format!("{s:?}")), "error does not name input: {msg}");
            }
        }
    }

    #[test]
    fn pep440_normal_form_round_trips(v in versions(Scheme::Pep440)) {
        let AnyVersion::Pep440(v) = v else { unreachable!() };
        let normal = v.normalized();
        let again: Pep440Version = normal.parse().unwrap();
        prop_assert_eq!(&again, &v);
        prop_assert_eq!(again.normalized(), normal);
    }
}

/// Degenerate Maven strings: empty pieces, trailing hyphens, bare and
/// glued qualifiers, `-` segments. Known gap (see the report in the commit
/// message): a qualifier after a `.`-separated zero (`0.alpha`, `.alpha`)
/// is still compared across kinds and is left out here.
const MAVEN_ODD: &str = "-{0,2}([0-9]{1,2}(\\.[0-9]{0,2}){0,2}|alpha|a|b|m|beta|rc|cr|sp|snapshot|ga|final|release|x)?(-{1,2}([0-9]{0,2}|alpha|a1|sp|ga|snapshot|x)){0,4}";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]
    #[test]
    fn maven_odd_forms_are_totally_ordered(
        mut vs in proptest::collection::vec(
            proptest::string::string_regex(MAVEN_ODD)
                .unwrap()
                .prop_filter_map("must parse", |s| AnyVersion::parse(Scheme::Maven, &s).ok()),
            3,
        ),
    ) {
        let unsorted = vs.clone();
        check_laws(&unsorted[0], &unsorted[1], &unsorted[2])?;
        vs.sort();
        check_laws(&vs[0], &vs[1], &vs[2])?;
        check_laws(&vs[2], &vs[1], &vs[0])?;
    }
}
