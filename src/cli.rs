//! The `dossier` command line: argument parsing and reporting, nothing else.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

use crate::diag::count;
use crate::{build_and_keep, scaffold, BuildError, BuildOptions};

/// Turn a folder of Markdown research notes into a cross-linked static site.
#[derive(Debug, Parser)]
#[command(name = "dossier", version, about, propagate_version = true)]
pub struct Cli {
    /// Site root: the folder with site.toml and content/.
    #[arg(long, global = true, default_value = ".", value_name = "DIR")]
    pub root: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

/// Dossier's subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into the output folder (public/ by default).
    Build {
        /// Output folder (overrides output_dir in site.toml).
        #[arg(long, short, value_name = "DIR")]
        output: Option<PathBuf>,
        /// Include notes marked `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// Print how long each build stage took.
        #[arg(long)]
        timings: bool,
        /// Make frontmatter problems errors, as `strict = true` in site.toml does.
        #[arg(long)]
        strict: bool,
    },
    /// Preview the site: serve it, rebuild on save, reload the browser.
    Serve {
        /// Port to listen on (the next free one is used if it is taken; 0 picks any).
        #[arg(long, short, default_value_t = 1111)]
        port: u16,
        /// Address to listen on. Other machines can reach the preview only if
        /// you bind a public address.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Open the preview in the default browser.
        #[arg(long)]
        open: bool,
        /// Include notes marked `draft: true`.
        #[arg(long)]
        drafts: bool,
    },
    /// Check every note and link without writing anything.
    Check {
        /// Include notes marked `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// Also list unlinked mentions: notes naming another note without linking it.
        #[arg(long)]
        mentions: bool,
        /// Make frontmatter problems errors, as `strict = true` in site.toml does.
        #[arg(long)]
        strict: bool,
    },
    /// Create a new site in DIR with site.toml and a few sample notes.
    Init {
        /// Folder for the new site (created if missing).
        dir: PathBuf,
        /// DIR is an Obsidian vault: write only a site.toml with the settings
        /// Dossier uses for a vault without one.
        #[arg(long)]
        vault: bool,
    },
    /// Create a note: content/<kind folder>/<slug>.md with frontmatter.
    New {
        /// Kind of note, e.g. actor, topic, event, source.
        kind: String,
        /// Title of the note.
        title: String,
    },
}

/// Runs the CLI and returns the process exit code: 0 ok, 1 content errors,
/// 2 usage or config errors, 3 an internal error (a bug in Dossier).
pub fn run(cli: Cli) -> i32 {
    crate::diag::quiet_panics();
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_command(cli))) {
        Ok(code) => code,
        Err(payload) => {
            eprintln!("{}", crate::diag::internal_message("", payload.as_ref()));
            3
        }
    }
}

fn run_command(cli: Cli) -> i32 {
    match cli.command {
        Command::Build {
            output,
            drafts,
            timings,
            strict,
        } => run_build(
            BuildOptions {
                root: cli.root,
                output,
                drafts,
                strict,
                write: true,
            },
            Report {
                timings,
                mentions: false,
            },
        ),
        Command::Serve {
            port,
            bind,
            open,
            drafts,
        } => crate::serve::serve(crate::serve::ServeOptions {
            root: cli.root,
            bind,
            port,
            open,
            drafts,
        }),
        Command::Check {
            drafts,
            mentions,
            strict,
        } => run_build(
            BuildOptions {
                root: cli.root,
                output: None,
                drafts,
                strict,
                write: false,
            },
            Report {
                timings: false,
                mentions,
            },
        ),
        Command::Init { dir, vault } => match if vault {
            scaffold::init_vault(&dir)
        } else {
            scaffold::init(&dir)
        } {
            Ok(created) => {
                for path in created {
                    println!("created {}", path.display());
                }
                println!("next: cd {} && dossier build", dir.display());
                0
            }
            Err(e) => {
                eprintln!("error: {e}");
                2
            }
        },
        Command::New { kind, title } => match scaffold::new_note(&cli.root, &kind, &title) {
            Ok(path) => {
                println!("created {}", path.display());
                0
            }
            Err(e) => {
                eprintln!("error: {e}");
                2
            }
        },
    }
}

/// What `build` and `check` print besides problems.
struct Report {
    /// Each stage's time and peak memory (`build --timings`).
    timings: bool,
    /// Every unlinked mention (`check --mentions`).
    mentions: bool,
}

/// `dossier check --mentions`: every unlinked mention as
/// `file:line:col: note: mentions [[Target]] without linking it: “sentence”`.
fn print_mentions(site: &crate::site::Site) {
    let lib = &site.library;
    let mut lines = Vec::new();
    for (target, mentions) in lib.mentions.iter().enumerate() {
        for mention in mentions {
            let note = &lib.notes[mention.source];
            let offset = note.body().find(mention.context.label()).unwrap_or(0);
            let (line, column) = note.body_position(offset);
            let sentence = mention.context.text();
            lines.push((
                note.display_path.clone(),
                line,
                column,
                format!(
                    "note: mentions [[{}]] without linking it: “{sentence}”",
                    lib.notes[target].title
                ),
            ));
        }
    }
    lines.sort();
    for (path, line, column, text) in &lines {
        println!("{}:{line}:{column}: {text}", path.display());
    }
    eprintln!("{}", count(lines.len(), "unlinked mention"));
}

fn run_build(options: BuildOptions, show: Report) -> i32 {
    let writing = options.write;
    match build_and_keep(&options) {
        Ok((report, site)) => {
            for d in &report.diagnostics {
                eprintln!("{d}");
            }
            if show.mentions {
                print_mentions(&site);
            }
            // The process exits next: the OS takes the memory back at once.
            std::mem::forget(site);
            if show.timings {
                for lap in &report.timings {
                    let peak = lap
                        .peak_memory
                        .map(|b| format!("  (peak memory {} MiB)", b >> 20))
                        .unwrap_or_default();
                    eprintln!(
                        "{:>8.1} ms  {}{peak}",
                        lap.took.as_secs_f64() * 1000.0,
                        lap.stage
                    );
                }
            }
            let ms = report.elapsed.as_millis();
            let notes = count(report.notes, "note");
            let warnings = match report.diagnostics.len() {
                0 => String::new(),
                n => format!(", {}", count(n, "warning")),
            };
            match &report.output {
                Some(out) if writing => {
                    let files = count(report.files, "file");
                    let did = report.written.as_ref().map_or(String::new(), |w| {
                        format!(
                            ": {} written, {} unchanged, {} removed",
                            w.written, w.unchanged, w.removed
                        )
                    });
                    eprintln!(
                        "built {notes} ({files}{did}{warnings}) in {ms} ms into {}",
                        out.display()
                    );
                    if let Some(w) = report.written.as_ref().filter(|w| !w.kept.is_empty()) {
                        eprintln!(
                            "kept what Dossier did not write in {}: {}",
                            out.display(),
                            w.kept.join(", ")
                        );
                    }
                }
                _ => eprintln!("checked {notes} in {ms} ms: no errors{warnings}"),
            }
            0
        }
        Err(e @ BuildError::Content(_)) => {
            eprintln!("{e}");
            if writing {
                eprintln!("build failed; the previous output is unchanged");
            }
            e.exit_code()
        }
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}
