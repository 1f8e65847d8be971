//! Real binaries built offline by the real toolchains: a Go program with a locally
//! replaced module (`go build`), and a Rust program with a path dependency
//! (`cargo auditable build`). Each returns the binary's bytes; a missing tool fails.

use std::path::Path;
use std::process::Command;

use crate::fixture::require_tool;

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("creating a source directory");
    }
    std::fs::write(path, text).expect("writing a source file");
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().expect("starting the toolchain");
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Builds module `example.com/app` (version `(devel)`) requiring `example.com/greet
/// v0.1.0`, replaced by a local directory, under `work`. Returns the binary and the
/// Go version (`go1.19.8`).
pub fn go_binary(work: &Path) -> (Vec<u8>, String) {
    let go = require_tool("go");
    write(
        &work.join("greet/go.mod"),
        "module example.com/greet\n\ngo 1.19\n",
    );
    write(
        &work.join("greet/greet.go"),
        "package greet\n\nfunc Hello() string { return \"hello\" }\n",
    );
    write(
        &work.join("app/go.mod"),
        "module example.com/app\n\ngo 1.19\n\nrequire example.com/greet v0.1.0\n\n\
         replace example.com/greet => ../greet\n",
    );
    write(
        &work.join("app/main.go"),
        "package main\n\nimport (\n\t\"os\"\n\n\t\"example.com/greet\"\n)\n\n\
         func main() { os.Stdout.WriteString(greet.Hello()) }\n",
    );
    let go_cmd = |args: &[&str]| {
        let mut c = Command::new(&go);
        c.args(args)
            .current_dir(work.join("app"))
            .env("GOPATH", work.join("gopath"))
            .env("GOPROXY", "off")
            .env("GOFLAGS", "-mod=mod")
            .env("GOTOOLCHAIN", "local")
            .env("CGO_ENABLED", "0");
        c
    };
    let version = run(&mut go_cmd(&["env", "GOVERSION"]), "go env");
    run(&mut go_cmd(&["build", "-o", "app.bin", "."]), "go build");
    let bin = std::fs::read(work.join("app/app.bin")).expect("reading the Go binary");
    (bin, version)
}

/// Builds crate `hello` 0.1.0 depending on the path crate `greet` 0.2.0 with
/// `cargo auditable`, offline, under `work`.
pub fn auditable_binary(work: &Path) -> Vec<u8> {
    require_tool("cargo-auditable");
    for (name, version, file, body, deps) in [
        (
            "greet",
            "0.2.0",
            "lib.rs",
            "pub fn hello() -> &'static str { \"hello\" }\n",
            "",
        ),
        (
            "hello",
            "0.1.0",
            "main.rs",
            "fn main() { println!(\"{}\", greet::hello()); }\n",
            "[dependencies]\ngreet = { path = \"../greet\" }\n",
        ),
    ] {
        write(
            &work.join(name).join("Cargo.toml"),
            &format!(
                "[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2021\"\n\n\
                 [workspace]\n\n{deps}"
            ),
        );
        write(&work.join(name).join("src").join(file), body);
    }
    run(
        Command::new(require_tool("cargo"))
            .args(["auditable", "build", "--offline", "--quiet"])
            .current_dir(work.join("hello"))
            .env("CARGO_TARGET_DIR", work.join("target")),
        "cargo auditable build",
    );
    std::fs::read(work.join("target/debug/hello")).expect("reading the Rust binary")
}
