//! The `dossier` binary: a thin wrapper over the library's CLI.

use clap::Parser;

/// mimalloc instead of the system allocator: a build makes millions of small,
/// short-lived allocations across threads, where glibc's malloc is slower and
/// holds on to freed memory (figures in bench/README.md).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(dossier::cli::run(dossier::cli::Cli::parse()));
}
