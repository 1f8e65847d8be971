//! kiln's dpkg and RPM orders against the real tools: proptest-generated versions
//! compared by kiln and by `dpkg --compare-versions` (one shell loop for all pairs)
//! and by RPM's own `rpm.ver` comparison (one `rpm --eval` Lua run for all pairs).
//! Both tools are installed by scripts/test.sh; a missing one fails the test.

use std::cmp::Ordering;
use std::io::Write;
use std::process::{Command, Stdio};

use kiln_version::{AnyVersion, Scheme};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

/// `count` pairs of versions of `scheme` from `pattern`, each parsed by kiln; about
/// one pair in four shares a prefix so that near-equal versions are common.
fn pairs(scheme: Scheme, pattern: &str, count: usize) -> Vec<(String, String)> {
    let strategy = proptest::string::string_regex(pattern).unwrap();
    let mut runner = TestRunner::deterministic();
    let mut sample = || strategy.new_tree(&mut runner).unwrap().current();
    let mut out = Vec::new();
    while out.len() < count {
        let a = sample();
        let b = if out.len() % 4 == 0 {
            let tail = sample();
            format!(
                "{a}{}",
                tail.trim_start_matches(|c: char| c.is_ascii_digit() && c != '0')
                    .get(..2)
                    .unwrap_or("")
            )
        } else {
            sample()
        };
        if AnyVersion::parse(scheme, &a).is_ok() && AnyVersion::parse(scheme, &b).is_ok() {
            out.push((a, b));
        }
    }
    out
}

fn kiln(scheme: Scheme, a: &str, b: &str) -> Ordering {
    let a = AnyVersion::parse(scheme, a).unwrap();
    let b = AnyVersion::parse(scheme, b).unwrap();
    a.try_cmp(&b).unwrap()
}

fn run(cmd: &mut Command, stdin: &str) -> String {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the tool is installed by scripts/test.sh");
    let mut input = child.stdin.take().unwrap();
    let text = stdin.to_owned();
    let writer = std::thread::spawn(move || input.write_all(text.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn order(word: &str) -> Option<Ordering> {
    match word {
        "lt" | "-1" => Some(Ordering::Less),
        "eq" | "0" => Some(Ordering::Equal),
        "gt" | "1" => Some(Ordering::Greater),
        _ => None,
    }
}

fn check(scheme: Scheme, pairs: &[(String, String)], answers: &str) {
    let answers: Vec<&str> = answers.lines().collect();
    assert_eq!(answers.len(), pairs.len(), "{answers:?}");
    let mut compared = 0;
    let mut wrong = Vec::new();
    for ((a, b), answer) in pairs.iter().zip(answers) {
        let Some(want) = order(answer) else {
            continue; // the tool rejects the syntax (checked separately)
        };
        compared += 1;
        let got = kiln(scheme, a, b);
        if got != want {
            wrong.push(format!("{a:?} vs {b:?}: kiln {got:?}, tool {want:?}"));
        }
    }
    assert!(
        compared * 10 >= pairs.len() * 9,
        "the tool rejected too many pairs ({compared} of {} compared)",
        pairs.len()
    );
    assert!(
        wrong.is_empty(),
        "{} differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn dpkg_order_agrees_with_dpkg() {
    let pairs = pairs(
        Scheme::Dpkg,
        "([0-2]:)?[0-9][0-9a-zA-Z.+~]{0,5}(-[0-9a-zA-Z.+~]{1,3})?",
        400,
    );
    let script = r#"while read -r a b; do
  if dpkg --compare-versions "$a" lt "$b" 2>/dev/null; then echo lt
  else rc=$?
    if [ "$rc" -ne 1 ]; then echo err
    elif dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then echo eq
    else echo gt; fi
  fi
done"#;
    kiln_test_tool("dpkg");
    let input: String = pairs.iter().map(|(a, b)| format!("{a} {b}\n")).collect();
    let answers = run(Command::new("sh").args(["-c", script]), &input);
    check(Scheme::Dpkg, &pairs, &answers);
}

#[test]
fn rpm_order_agrees_with_rpm() {
    let pairs = pairs(
        Scheme::Rpm,
        "([0-2]:)?[0-9][0-9a-zA-Z.~^_+]{0,5}(-[0-9a-zA-Z.~^_+]{1,3})?",
        400,
    );
    kiln_test_tool("rpm");
    let mut lua = String::from("%{lua:\nlocal p = {\n");
    for (a, b) in &pairs {
        lua.push_str(&format!("{{[[{a}]], [[{b}]]}},\n"));
    }
    lua.push_str(
        "}\nfor _, x in ipairs(p) do\n  local a, b = rpm.ver(x[1]), rpm.ver(x[2])\n  \
         if a < b then print('-1\\n') elseif a == b then print('0\\n') else print('1\\n') end\nend\n}",
    );
    let answers = run(Command::new("rpm").args(["--eval", &lua]), "");
    let answers: String = answers
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    check(Scheme::Rpm, &pairs, &answers);
}

/// Fails loudly when `tool` is missing.
fn kiln_test_tool(tool: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(found, "{tool} is needed (scripts/test.sh installs it)");
}
