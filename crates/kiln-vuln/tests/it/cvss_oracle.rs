//! CVSS v4.0 scores against an independent implementation: the PyPI `cvss`
//! library (FIRST's algorithm as Red Hat implements it), on every CVSS v4 vector
//! of the real records in ../shared/data and on 4,000 generated vectors, in one
//! batched Python run.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::process::{Command, Stdio};

use kiln_vuln::cvss::v4_base_score;

use crate::support;

const BASE: &[(&str, &[&str])] = &[
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
];

const EXTRA: &[(&str, &[&str])] = &[
    ("E", &["X", "A", "P", "U"]),
    ("CR", &["X", "H", "M", "L"]),
    ("IR", &["X", "H", "M", "L"]),
    ("AR", &["X", "H", "M", "L"]),
    ("MAV", &["X", "N", "A", "L", "P"]),
    ("MPR", &["X", "N", "L", "H"]),
    ("MVC", &["X", "H", "L", "N"]),
    ("MSI", &["X", "S", "H", "L", "N"]),
    ("MSA", &["X", "S", "H", "L", "N"]),
];

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let n = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33;
        from[usize::try_from(n).unwrap_or(0) % from.len()]
    }
}

fn generated(count: usize, with_extra: bool, rng: &mut Rng) -> Vec<String> {
    (0..count)
        .map(|_| {
            let mut v = String::from("CVSS:4.0");
            for (k, values) in BASE.iter().chain(if with_extra { EXTRA } else { &[] }) {
                v.push_str(&format!("/{k}:{}", rng.pick(values)));
            }
            v
        })
        .collect()
}

/// Every CVSS v4 vector in the shared data's OSV records.
fn real_vectors() -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for zip in ["advisories/osv/crates.io.zip", "samples/ghsa-samples.zip"] {
        let file = std::fs::File::open(support::data().join(zip)).unwrap();
        let mut archive = zip::ZipArchive::new(file).unwrap();
        for i in 0..archive.len() {
            let mut text = String::new();
            if archive
                .by_index(i)
                .unwrap()
                .read_to_string(&mut text)
                .is_err()
            {
                continue;
            }
            for part in text.split('"').filter(|p| p.starts_with("CVSS:4.0/")) {
                found.insert(part.to_owned());
            }
        }
    }
    found
}

fn oracle(vectors: &[String]) -> Vec<String> {
    let script = "import sys\nfrom cvss import CVSS4\nfor line in sys.stdin:\n    print(CVSS4(line.strip()).base_score)\n";
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 is needed (scripts/test.sh installs it)");
    let mut stdin = child.stdin.take().unwrap();
    let input = vectors.join("\n") + "\n";
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "the PyPI `cvss` package is needed (requirements-test.txt): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn v4_scores_match_an_independent_implementation() {
    let real = real_vectors();
    assert!(real.len() >= 40, "only {} real CVSS v4 vectors", real.len());
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut vectors: Vec<String> = real.into_iter().collect();
    vectors.extend(generated(3000, false, &mut rng));
    vectors.extend(generated(1000, true, &mut rng));
    let want = oracle(&vectors);
    assert_eq!(want.len(), vectors.len());
    let wrong: Vec<String> = vectors
        .iter()
        .zip(&want)
        .filter_map(|(v, w)| {
            let got = v4_base_score(v).map(|s| format!("{s:.1}"));
            let w: f64 = w.parse().unwrap();
            (got.as_deref() != Some(format!("{w:.1}").as_str()))
                .then(|| format!("{v}: kiln {got:?}, oracle {w}"))
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{} of {} differ:\n{}",
        wrong.len(),
        vectors.len(),
        wrong
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
