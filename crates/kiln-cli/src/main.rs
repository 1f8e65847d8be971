//! The `kiln` binary: parses arguments, runs one command, prints its data on stdout and
//! everything else on stderr. Exit codes: 0 success, 1 a gate failed, 2 usage or runtime
//! error. No domain logic lives here.

mod cli;
mod commands;
mod output;
mod report;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = match cli::Args::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            // clap renders usage errors and help itself.
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    report::init_logging(&args.global);
    match commands::run(args) {
        Ok(code) => code,
        Err(e) => report::render_error(&e),
    }
}
