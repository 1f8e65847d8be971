//! CVSS v4.0 scores by the specification's method (section 8): the vector
//! falls into a MacroVector (six equivalence classes, EQ1–EQ6), whose score
//! the specification lists; the score is then lowered by how far the vector
//! lies from the most severe vectors of its MacroVector, interpolated
//! towards the next lower MacroVectors.
//!
//! Threat (`E`), environmental (`CR`/`IR`/`AR`, `M*`) and supplemental
//! metrics are read when present, so a `CVSS:4.0/…/E:U` vector scores as
//! CVSS-BT; without them the score is CVSS-B.

use std::collections::HashMap;

/// The specification's MacroVector scores, keyed `EQ1 EQ2 EQ3 EQ4 EQ5 EQ6`.
const LOOKUP: &[(&str, f64)] = &[
    ("000000", 10.0),
    ("000001", 9.9),
    ("000010", 9.8),
    ("000011", 9.5),
    ("000020", 9.5),
    ("000021", 9.2),
    ("000100", 10.0),
    ("000101", 9.6),
    ("000110", 9.3),
    ("000111", 8.7),
    ("000120", 9.1),
    ("000121", 8.1),
    ("000200", 9.3),
    ("000201", 9.0),
    ("000210", 8.9),
    ("000211", 8.0),
    ("000220", 8.1),
    ("000221", 6.8),
    ("001000", 9.8),
    ("001001", 9.5),
    ("001010", 9.5),
    ("001011", 9.2),
    ("001020", 9.0),
    ("001021", 8.4),
    ("001100", 9.3),
    ("001101", 9.2),
    ("001110", 8.9),
    ("001111", 8.1),
    ("001120", 8.1),
    ("001121", 6.5),
    ("001200", 8.8),
    ("001201", 8.0),
    ("001210", 7.8),
    ("001211", 7.0),
    ("001220", 6.9),
    ("001221", 4.8),
    ("002001", 9.2),
    ("002011", 8.2),
    ("002021", 7.2),
    ("002101", 7.9),
    ("002111", 6.9),
    ("002121", 5.0),
    ("002201", 6.9),
    ("002211", 5.5),
    ("002221", 2.7),
    ("010000", 9.9),
    ("010001", 9.7),
    ("010010", 9.5),
    ("010011", 9.2),
    ("010020", 9.2),
    ("010021", 8.5),
    ("010100", 9.5),
    ("010101", 9.1),
    ("010110", 9.0),
    ("010111", 8.3),
    ("010120", 8.4),
    ("010121", 7.1),
    ("010200", 9.2),
    ("010201", 8.1),
    ("010210", 8.2),
    ("010211", 7.1),
    ("010220", 7.2),
    ("010221", 5.3),
    ("011000", 9.5),
    ("011001", 9.3),
    ("011010", 9.2),
    ("011011", 8.5),
    ("011020", 8.5),
    ("011021", 7.3),
    ("011100", 9.2),
    ("011101", 8.2),
    ("011110", 8.0),
    ("011111", 7.2),
    ("011120", 7.0),
    ("011121", 5.9),
    ("011200", 8.4),
    ("011201", 7.0),
    ("011210", 7.1),
    ("011211", 5.2),
    ("011220", 5.0),
    ("011221", 3.0),
    ("012001", 8.6),
    ("012011", 7.5),
    ("012021", 5.2),
    ("012101", 7.1),
    ("012111", 5.2),
    ("012121", 2.9),
    ("012201", 6.3),
    ("012211", 2.9),
    ("012221", 1.7),
    ("100000", 9.8),
    ("100001", 9.5),
    ("100010", 9.4),
    ("100011", 8.7),
    ("100020", 9.1),
    ("100021", 8.1),
    ("100100", 9.4),
    ("100101", 8.9),
    ("100110", 8.6),
    ("100111", 7.4),
    ("100120", 7.7),
    ("100121", 6.4),
    ("100200", 8.7),
    ("100201", 7.5),
    ("100210", 7.4),
    ("100211", 6.3),
    ("100220", 6.3),
    ("100221", 4.9),
    ("101000", 9.4),
    ("101001", 8.9),
    ("101010", 8.8),
    ("101011", 7.7),
    ("101020", 7.6),
    ("101021", 6.7),
    ("101100", 8.6),
    ("101101", 7.6),
    ("101110", 7.4),
    ("101111", 5.8),
    ("101120", 5.9),
    ("101121", 5.0),
    ("101200", 7.2),
    ("101201", 5.7),
    ("101210", 5.7),
    ("101211", 5.2),
    ("101220", 5.2),
    ("101221", 2.5),
    ("102001", 8.3),
    ("102011", 7.0),
    ("102021", 5.4),
    ("102101", 6.5),
    ("102111", 5.8),
    ("102121", 2.6),
    ("102201", 5.3),
    ("102211", 2.1),
    ("102221", 1.3),
    ("110000", 9.5),
    ("110001", 9.0),
    ("110010", 8.8),
    ("110011", 7.6),
    ("110020", 7.6),
    ("110021", 7.0),
    ("110100", 9.0),
    ("110101", 7.7),
    ("110110", 7.5),
    ("110111", 6.2),
    ("110120", 6.1),
    ("110121", 5.3),
    ("110200", 7.7),
    ("110201", 6.6),
    ("110210", 6.8),
    ("110211", 5.9),
    ("110220", 5.2),
    ("110221", 3.0),
    ("111000", 8.9),
    ("111001", 7.8),
    ("111010", 7.6),
    ("111011", 6.7),
    ("111020", 6.2),
    ("111021", 5.8),
    ("111100", 7.4),
    ("111101", 5.9),
    ("111110", 5.7),
    ("111111", 5.7),
    ("111120", 4.7),
    ("111121", 2.3),
    ("111200", 6.1),
    ("111201", 5.2),
    ("111210", 5.7),
    ("111211", 2.9),
    ("111220", 2.4),
    ("111221", 1.6),
    ("112001", 7.1),
    ("112011", 5.9),
    ("112021", 3.0),
    ("112101", 5.8),
    ("112111", 2.6),
    ("112121", 1.5),
    ("112201", 2.3),
    ("112211", 1.3),
    ("112221", 0.6),
    ("200000", 9.3),
    ("200001", 8.7),
    ("200010", 8.6),
    ("200011", 7.2),
    ("200020", 7.5),
    ("200021", 5.8),
    ("200100", 8.6),
    ("200101", 7.4),
    ("200110", 7.4),
    ("200111", 6.1),
    ("200120", 5.6),
    ("200121", 3.4),
    ("200200", 7.0),
    ("200201", 5.4),
    ("200210", 5.2),
    ("200211", 4.0),
    ("200220", 4.0),
    ("200221", 2.2),
    ("201000", 8.5),
    ("201001", 7.5),
    ("201010", 7.4),
    ("201011", 5.5),
    ("201020", 6.2),
    ("201021", 5.1),
    ("201100", 7.2),
    ("201101", 5.7),
    ("201110", 5.5),
    ("201111", 4.1),
    ("201120", 4.6),
    ("201121", 1.9),
    ("201200", 5.3),
    ("201201", 3.6),
    ("201210", 3.4),
    ("201211", 1.9),
    ("201220", 1.9),
    ("201221", 0.8),
    ("202001", 6.4),
    ("202011", 5.1),
    ("202021", 2.0),
    ("202101", 4.7),
    ("202111", 2.1),
    ("202121", 1.1),
    ("202201", 2.4),
    ("202211", 0.9),
    ("202221", 0.4),
    ("210000", 8.8),
    ("210001", 7.5),
    ("210010", 7.3),
    ("210011", 5.3),
    ("210020", 6.0),
    ("210021", 5.0),
    ("210100", 7.3),
    ("210101", 5.5),
    ("210110", 5.9),
    ("210111", 4.0),
    ("210120", 4.1),
    ("210121", 2.0),
    ("210200", 5.4),
    ("210201", 4.3),
    ("210210", 4.5),
    ("210211", 2.2),
    ("210220", 2.0),
    ("210221", 1.1),
    ("211000", 7.5),
    ("211001", 5.5),
    ("211010", 5.8),
    ("211011", 4.5),
    ("211020", 4.0),
    ("211021", 2.1),
    ("211100", 6.1),
    ("211101", 5.1),
    ("211110", 4.8),
    ("211111", 1.8),
    ("211120", 2.0),
    ("211121", 0.9),
    ("211200", 4.6),
    ("211201", 1.8),
    ("211210", 1.7),
    ("211211", 0.7),
    ("211220", 0.8),
    ("211221", 0.2),
    ("212001", 5.3),
    ("212011", 2.4),
    ("212021", 1.4),
    ("212101", 2.4),
    ("212111", 1.2),
    ("212121", 0.5),
    ("212201", 1.0),
    ("212211", 0.3),
    ("212221", 0.1),
];

/// The most severe vectors of each EQ level (EQ3 and EQ6 together), as
/// `K:V` lists, from the specification.
const MAX_EQ1: [&[&str]; 3] = [
    &["AV:N/PR:N/UI:N"],
    &["AV:A/PR:N/UI:N", "AV:N/PR:L/UI:N", "AV:N/PR:N/UI:P"],
    &["AV:P/PR:N/UI:N", "AV:A/PR:L/UI:P"],
];
const MAX_EQ2: [&[&str]; 2] = [&["AC:L/AT:N"], &["AC:H/AT:N", "AC:L/AT:P"]];
/// Indexed `[EQ3][EQ6]`; EQ3 = 2 only occurs with EQ6 = 1.
const MAX_EQ3_EQ6: [[&[&str]; 2]; 3] = [
    [
        &["VC:H/VI:H/VA:H/CR:H/IR:H/AR:H"],
        &[
            "VC:H/VI:H/VA:L/CR:M/IR:M/AR:H",
            "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M",
        ],
    ],
    [
        &[
            "VC:L/VI:H/VA:H/CR:H/IR:H/AR:H",
            "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H",
        ],
        &[
            "VC:L/VI:H/VA:L/CR:H/IR:M/AR:H",
            "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M",
            "VC:H/VI:L/VA:H/CR:M/IR:H/AR:M",
            "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H",
            "VC:L/VI:L/VA:H/CR:H/IR:H/AR:M",
        ],
    ],
    [&[], &["VC:L/VI:L/VA:L/CR:H/IR:H/AR:H"]],
];
const MAX_EQ4: [&[&str]; 3] = [
    &["SC:H/SI:S/SA:S"],
    &["SC:H/SI:H/SA:H"],
    &["SC:L/SI:L/SA:L"],
];

/// The largest severity distance inside each EQ level (in steps of 0.1).
const DEPTH_EQ1: [f64; 3] = [1.0, 4.0, 5.0];
const DEPTH_EQ2: [f64; 2] = [1.0, 2.0];
const DEPTH_EQ3_EQ6: [[f64; 2]; 3] = [[7.0, 6.0], [8.0, 8.0], [0.0, 10.0]];
const DEPTH_EQ4: [f64; 3] = [6.0, 5.0, 4.0];

/// Allowed values per metric; the first eleven are required.
const METRICS: &[(&str, &[&str])] = &[
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("AT", &["N", "P"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "P", "A"]),
    ("VC", &["H", "L", "N"]),
    ("VI", &["H", "L", "N"]),
    ("VA", &["H", "L", "N"]),
    ("SC", &["H", "L", "N"]),
    ("SI", &["H", "L", "N"]),
    ("SA", &["H", "L", "N"]),
    ("E", &["X", "A", "P", "U"]),
    ("CR", &["X", "H", "M", "L"]),
    ("IR", &["X", "H", "M", "L"]),
    ("AR", &["X", "H", "M", "L"]),
    ("MAV", &["X", "N", "A", "L", "P"]),
    ("MAC", &["X", "L", "H"]),
    ("MAT", &["X", "N", "P"]),
    ("MPR", &["X", "N", "L", "H"]),
    ("MUI", &["X", "N", "P", "A"]),
    ("MVC", &["X", "H", "L", "N"]),
    ("MVI", &["X", "H", "L", "N"]),
    ("MVA", &["X", "H", "L", "N"]),
    ("MSC", &["X", "H", "L", "N"]),
    ("MSI", &["X", "S", "H", "L", "N"]),
    ("MSA", &["X", "S", "H", "L", "N"]),
    ("S", &["X", "N", "P"]),
    ("AU", &["X", "N", "Y"]),
    ("R", &["X", "A", "U", "I"]),
    ("V", &["X", "D", "C"]),
    ("RE", &["X", "L", "M", "H"]),
    ("U", &["X", "Clear", "Green", "Amber", "Red"]),
];

/// A checked vector: the value in effect for each metric.
struct Vector<'a>(HashMap<&'a str, &'a str>);

impl<'a> Vector<'a> {
    fn parse(vector: &'a str) -> Option<Self> {
        let rest = vector.strip_prefix("CVSS:4.0/")?;
        let mut map = HashMap::new();
        for part in rest.split('/') {
            let (k, v) = part.split_once(':')?;
            let (_, allowed) = METRICS.iter().find(|(name, _)| *name == k)?;
            if !allowed.contains(&v) || map.insert(k, v).is_some() {
                return None;
            }
        }
        METRICS
            .iter()
            .take(11)
            .all(|(k, _)| map.contains_key(k))
            .then_some(Self(map))
    }

    /// The value in effect: a modified metric over the base one, defaults for `X`.
    fn get(&self, metric: &str) -> &'a str {
        let set = |k: &str| self.0.get(k).copied().filter(|v| *v != "X");
        if let Some(v) = set(&format!("M{metric}")) {
            return v;
        }
        match (metric, set(metric)) {
            (_, Some(v)) => v,
            ("E", None) => "A",
            ("CR" | "IR" | "AR", None) => "H",
            _ => "X",
        }
    }

    fn is(&self, metric: &str, value: &str) -> bool {
        self.get(metric) == value
    }

    fn macro_vector(&self) -> [usize; 6] {
        let eq1 = if self.is("AV", "N") && self.is("PR", "N") && self.is("UI", "N") {
            0
        } else if (self.is("AV", "N") || self.is("PR", "N") || self.is("UI", "N"))
            && !self.is("AV", "P")
        {
            1
        } else {
            2
        };
        let eq2 = usize::from(!(self.is("AC", "L") && self.is("AT", "N")));
        let eq3 = if self.is("VC", "H") && self.is("VI", "H") {
            0
        } else if self.is("VC", "H") || self.is("VI", "H") || self.is("VA", "H") {
            1
        } else {
            2
        };
        let eq4 = if self.is("MSI", "S") || self.is("MSA", "S") {
            0
        } else if self.is("SC", "H") || self.is("SI", "H") || self.is("SA", "H") {
            1
        } else {
            2
        };
        let eq5 = match self.get("E") {
            "A" => 0,
            "P" => 1,
            _ => 2,
        };
        let eq6 = usize::from(
            !((self.is("CR", "H") && self.is("VC", "H"))
                || (self.is("IR", "H") && self.is("VI", "H"))
                || (self.is("AR", "H") && self.is("VA", "H"))),
        );
        [eq1, eq2, eq3, eq4, eq5, eq6]
    }
}

/// The severity level of a metric value (0.0 is the most severe), in tenths.
fn level(metric: &str, value: &str) -> Option<f64> {
    let steps = match (metric, value) {
        ("AV", "N") | ("PR", "N") | ("UI", "N") | ("AC", "L") | ("AT", "N") => 0,
        ("AV", "A") | ("PR", "L") | ("UI", "P") | ("AC", "H") | ("AT", "P") => 1,
        ("AV", "L") | ("PR", "H") | ("UI", "A") => 2,
        ("AV", "P") => 3,
        ("VC" | "VI" | "VA", "H") => 0,
        ("VC" | "VI" | "VA", "L") => 1,
        ("VC" | "VI" | "VA", "N") => 2,
        ("SC", "H") => 1,
        ("SC", "L") => 2,
        ("SC", "N") => 3,
        ("SI" | "SA", "S") => 0,
        ("SI" | "SA", "H") => 1,
        ("SI" | "SA", "L") => 2,
        ("SI" | "SA", "N") => 3,
        ("CR" | "IR" | "AR", "H") => 0,
        ("CR" | "IR" | "AR", "M") => 1,
        ("CR" | "IR" | "AR", "L") => 2,
        _ => return None,
    };
    Some(f64::from(steps) / 10.0)
}

fn lookup(mv: [usize; 6]) -> Option<f64> {
    let key: String = mv.iter().map(ToString::to_string).collect();
    LOOKUP.iter().find(|(k, _)| *k == key).map(|(_, s)| *s)
}

/// The value of `metric` in a `K:V/K:V` list.
fn value_in<'a>(list: &'a str, metric: &str) -> Option<&'a str> {
    list.split('/')
        .filter_map(|p| p.split_once(':'))
        .find(|(k, _)| *k == metric)
        .map(|(_, v)| v)
}

const ALL: [&str; 14] = [
    "AV", "PR", "UI", "AC", "AT", "VC", "VI", "VA", "SC", "SI", "SA", "CR", "IR", "AR",
];

/// The base score of a `CVSS:4.0/…` vector; `None` if it is not a valid one.
pub fn v4_base_score(vector: &str) -> Option<f64> {
    let v = Vector::parse(vector)?;
    if ["VC", "VI", "VA", "SC", "SI", "SA"]
        .iter()
        .all(|m| v.is(m, "N"))
    {
        return Some(0.0);
    }
    let mv = v.macro_vector();
    let [eq1, eq2, eq3, eq4, eq5, eq6] = mv;
    let value = lookup(mv)?;
    let lower = |i: usize| {
        let mut next = mv;
        next[i] += 1;
        lookup(next)
    };
    let eq3eq6_lower = match (eq3, eq6) {
        (0, 0) => {
            let left = lookup([eq1, eq2, eq3, eq4, eq5, eq6 + 1]);
            let right = lookup([eq1, eq2, eq3 + 1, eq4, eq5, eq6]);
            match (left, right) {
                (Some(l), Some(r)) => Some(l.max(r)),
                (l, r) => l.or(r),
            }
        }
        (1, 0) => lookup([eq1, eq2, eq3, eq4, eq5, eq6 + 1]),
        (0 | 1, 1) => lookup([eq1, eq2, eq3 + 1, eq4, eq5, eq6]),
        _ => None,
    };
    // The first most-severe vector of the MacroVector that the vector does not exceed.
    let max_lists = [
        MAX_EQ1.get(eq1)?,
        MAX_EQ2.get(eq2)?,
        MAX_EQ3_EQ6.get(eq3)?.get(eq6)?,
        MAX_EQ4.get(eq4)?,
    ];
    let mut distances = None;
    for a in max_lists[0].iter() {
        for b in max_lists[1].iter() {
            for c in max_lists[2].iter() {
                for d in max_lists[3].iter() {
                    let max = format!("{a}/{b}/{c}/{d}");
                    let dist: Option<HashMap<&str, f64>> = ALL
                        .iter()
                        .map(|m| Some((*m, level(m, v.get(m))? - level(m, value_in(&max, m)?)?)))
                        .collect();
                    let dist = dist?;
                    if distances.is_none() && dist.values().all(|d| *d >= -1e-9) {
                        distances = Some(dist);
                    }
                }
            }
        }
    }
    let dist = distances?;
    let sum = |ms: &[&str]| {
        ms.iter()
            .map(|m| dist.get(m).copied().unwrap_or(0.0))
            .sum::<f64>()
    };
    let parts = [
        (lower(0), sum(&["AV", "PR", "UI"]), DEPTH_EQ1.get(eq1)?),
        (lower(1), sum(&["AC", "AT"]), DEPTH_EQ2.get(eq2)?),
        (
            eq3eq6_lower,
            sum(&["VC", "VI", "VA", "CR", "IR", "AR"]),
            DEPTH_EQ3_EQ6.get(eq3)?.get(eq6)?,
        ),
        (lower(3), sum(&["SC", "SI", "SA"]), DEPTH_EQ4.get(eq4)?),
        (lower(4), 0.0, &1.0),
    ];
    let mut total = 0.0;
    let mut counted = 0u32;
    for (next, distance, depth) in parts {
        let Some(next) = next else { continue };
        let available = value - next;
        if available < 0.0 {
            continue;
        }
        counted += 1;
        total += available * (distance / (depth / 10.0));
    }
    let mean = if counted == 0 {
        0.0
    } else {
        total / f64::from(counted)
    };
    let score = (value - mean).clamp(0.0, 10.0);
    Some(((score + 1e-6) * 10.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_of_common_vectors() {
        for (v, want) in [
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                9.3,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N",
                6.9,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
                10.0,
            ),
            // Metric order does not matter (a real PYSEC record writes it so).
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/SC:N/VI:H/SI:N/VA:H/SA:N",
                8.7,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N",
                0.0,
            ),
        ] {
            assert_eq!(v4_base_score(v), Some(want), "{v}");
        }
    }

    #[test]
    fn malformed_vectors_have_no_score() {
        for v in [
            "",
            "CVSS:4.0/",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",
            "CVSS:4.0/AV:X/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            "CVSS:4.0/AV:N/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/ZZ:1",
        ] {
            assert_eq!(v4_base_score(v), None, "{v}");
        }
    }
}
