//! The `dossier` binary: a thin wrapper over the library's CLI.

use clap::Parser;

fn main() {
    std::process::exit(dossier::cli::run(dossier::cli::Cli::parse()));
}
