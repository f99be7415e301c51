//! The `dossier` binary: a thin wrapper over the library's CLI.

use clap::Parser;

/// mimalloc instead of the system allocator: a build makes millions of small,
/// short-lived allocations across threads, where glibc's malloc costs about a
/// sixth of the run time and holds on to freed memory.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(dossier::cli::run(dossier::cli::Cli::parse()));
}
