//! A real binary built by `cargo auditable`, offline, with a local path dependency.

use kiln_test::fixture::{LayerSpec, require_tool};
use kiln_types::PackageKind;

use super::{by_purl, depends, ids};
use crate::testfs::inventory;

#[test]
fn a_real_cargo_auditable_binary() {
    require_tool("cargo-auditable");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for (name, version, body) in [
        (
            "greet",
            "0.2.0",
            "pub fn hello() -> &'static str { \"hello\" }\n",
        ),
        (
            "hello",
            "0.1.0",
            "fn main() { println!(\"{}\", greet::hello()); }\n",
        ),
    ] {
        let src = root.join(name).join("src");
        std::fs::create_dir_all(&src).unwrap();
        let deps = if name == "hello" {
            "[dependencies]\ngreet = { path = \"../greet\" }\n"
        } else {
            ""
        };
        std::fs::write(
            root.join(name).join("Cargo.toml"),
            format!("[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2021\"\n\n[workspace]\n\n{deps}"),
        )
        .unwrap();
        let file = if name == "hello" { "main.rs" } else { "lib.rs" };
        std::fs::write(src.join(file), body).unwrap();
    }
    let out = std::process::Command::new(require_tool("cargo"))
        .args(["auditable", "build", "--offline", "--quiet"])
        .current_dir(root.join("hello"))
        .env("CARGO_TARGET_DIR", root.join("target"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo auditable build: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let binary = std::fs::read(root.join("target/debug/hello")).unwrap();
    let inv = inventory(&[LayerSpec::new().file("/usr/local/bin/hello", &binary, 0o755)]);
    assert_eq!(
        ids(&inv, PackageKind::Cargo),
        ["greet@0.2.0", "hello@0.1.0"]
    );
    let hello = by_purl(&inv, "pkg:cargo/hello@0.1.0");
    let greet = by_purl(&inv, "pkg:cargo/greet@0.2.0");
    assert!(depends(&inv, hello, greet));
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
}
