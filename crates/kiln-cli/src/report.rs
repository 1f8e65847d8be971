//! How kiln talks to people on stderr: logging set-up and the one error renderer.

use std::process::ExitCode;

use tracing_subscriber::EnvFilter;

use crate::cli::GlobalArgs;

/// Logs go to stderr; `KILN_LOG` (an env-filter) overrides `--verbose`/`--quiet`.
pub fn init_logging(global: &GlobalArgs) {
    let default = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let filter = EnvFilter::try_from_env("KILN_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(
            std::env::var_os("NO_COLOR").is_none()
                && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        )
        .without_time()
        .with_target(false)
        .try_init();
}

/// A gate that failed (a signature that does not verify, a policy that denies): rendered
/// like any error, but the exit code is 1.
#[derive(Debug)]
pub struct GateFailed(pub String);

impl std::fmt::Display for GateFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GateFailed {}

/// Turns a verification failure into [`GateFailed`]; other errors stay as they are.
pub fn gate(err: kiln_attest::Error) -> anyhow::Error {
    if err.is_verification_failure() {
        GateFailed(err.to_string()).into()
    } else {
        err.into()
    }
}

/// Prints `error: …` with the cause chain on one line, and exits 2 ([`GateFailed`]: 1). A closed stdout (a
/// pager or `head` that quit) is not an error.
pub fn render_error(err: &anyhow::Error) -> ExitCode {
    if err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    }) {
        return ExitCode::SUCCESS;
    }
    let mut line = String::from("error: ");
    let mut previous = String::new();
    for (i, cause) in err.chain().enumerate() {
        let text = cause.to_string();
        // Skip a cause whose text the previous message already carries.
        if i > 0 && previous.contains(&text) {
            continue;
        }
        if i > 0 {
            line.push_str(": ");
        }
        line.push_str(&text);
        previous = text;
    }
    let mut stderr = std::io::stderr().lock();
    let _ = std::io::Write::write_all(&mut stderr, format!("{line}\n").as_bytes());
    if err.chain().any(|c| c.is::<GateFailed>()) {
        ExitCode::from(1)
    } else {
        ExitCode::from(2)
    }
}
