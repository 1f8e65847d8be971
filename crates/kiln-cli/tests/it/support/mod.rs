//! Running the real `kiln` binary and the fixtures the CLI tests share.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the support module"
)]

pub mod tools;

use std::path::Path;
use std::process::Command;

use kiln_test::fixture::{Compression, ImageBuilder, LayerSpec};

/// What one run of `kiln` did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts success and returns stdout.
    pub fn ok(&self) -> &str {
        assert_eq!(
            self.code, 0,
            "kiln failed:\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        &self.stdout
    }

    /// Asserts the bad-input contract: exit 2, nothing on stdout, one `error:` line that
    /// mentions every one of `needles`.
    pub fn fails_with(&self, needles: &[&str]) {
        assert_eq!(
            self.code, 2,
            "expected exit 2:\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        assert_eq!(self.stdout, "", "stdout must carry no partial output");
        let lines: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect();
        let errors: Vec<&&str> = lines.iter().filter(|l| l.starts_with("error: ")).collect();
        assert_eq!(
            errors.len(),
            1,
            "expected one error line, got:\n{}",
            self.stderr
        );
        for needle in needles {
            assert!(
                errors[0].contains(needle),
                "error line lacks {needle:?}: {}",
                errors[0]
            );
        }
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.ok()).expect("kiln printed JSON")
    }
}

/// Runs `kiln` with `args`, no stdin, logs off unless asked.
pub fn kiln(args: &[&str]) -> Run {
    run(Command::new(env!("CARGO_BIN_EXE_kiln")).args(args))
}

/// Imports the advisory `sources` (archives or directories) into a new database in
/// `dir`; returns the database's path.
pub fn advisory_db(dir: &Path, sources: &[String]) -> String {
    let db = s(&dir.join("db.sqlite"));
    let mut args = vec!["db", "import", "-q", "--db", &db];
    args.extend(sources.iter().map(String::as_str));
    kiln(&args).ok();
    db
}

/// Runs `kiln` with `args` in `dir`, with `password` as the key password
/// (`KILN_PASSWORD`).
pub fn kiln_at(dir: &Path, password: &str, args: &[&str]) -> Run {
    run(Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(args)
        .current_dir(dir)
        .env("KILN_PASSWORD", password))
}

/// Runs a prepared `kiln` command with no stdin, logs off unless asked, no colour.
pub fn run(cmd: &mut Command) -> Run {
    let out = cmd
        .env_remove("KILN_LOG")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("running kiln");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// [`app_image_with`] with a zstd top layer.
pub fn app_image() -> ImageBuilder {
    app_image_with(Compression::Zstd)
}

/// A small but realistic two-layer image: an os-release, a binary directory with a
/// symlink and a hard link, a config with user, entrypoint, env and labels; the second
/// layer deletes a file of the first and replaces another.
pub fn app_image_with(top_compression: Compression) -> ImageBuilder {
    let base = LayerSpec::new()
        .dir("/etc")
        .file(
            "/etc/os-release",
            b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
            0o644,
        )
        .file("/etc/motd", b"welcome\n", 0o644)
        .dir("/usr")
        .dir("/usr/bin")
        .file("/usr/bin/app", b"#!/bin/true\n", 0o755)
        .hardlink("/usr/bin/app-link", "/usr/bin/app")
        .symlink("/bin", "usr/bin");
    let top = LayerSpec::new()
        .whiteout("/etc/motd")
        .file("/etc/app.conf", b"port = 8080\n", 0o600);
    ImageBuilder::new()
        .layer(base, Compression::Gzip)
        .layer(top, top_compression)
        .user("65532:65532")
        .entrypoint(&["/usr/bin/app"])
        .cmd(&["--serve"])
        .env(&["PATH=/usr/bin", "APP_MODE=prod"])
        .label("org.opencontainers.image.source", "https://example.com/app")
}

/// The path as a UTF-8 string for command lines.
pub fn s(path: &Path) -> String {
    path.to_str().expect("temp paths are UTF-8").to_owned()
}
