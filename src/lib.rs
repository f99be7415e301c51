//! Dossier turns a folder of Markdown research notes into a cross-linked static site.
//!
//! The build is a one-way pipeline, one module per stage:
//! [`config`] → [`load`] (walk, frontmatter, scan) → [`link`] (resolve,
//! backlinks, relations, tags) → [`render`] (Markdown and templates, in
//! parallel) → [`write`](mod@write) (atomic swap of the output folder). [`build`] drives
//! it; the `dossier` binary is a thin CLI ([`cli`]) over this library.

pub mod cli;
pub mod config;
pub mod diag;
pub mod ignore;
pub mod link;
pub mod load;
pub mod markdown;
pub mod mentions;
pub mod registry;
pub mod render;
pub mod scaffold;
pub mod serve;
pub mod site;
pub mod slug;
pub mod terms;
pub mod words;
pub mod write;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use config::Config;
pub use diag::{Diagnostic, Severity};

/// What to build and how.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Site root: the folder holding `site.toml`, `content/`, `themes/`.
    pub root: PathBuf,
    /// Output folder, overriding `output_dir` from `site.toml`.
    pub output: Option<PathBuf>,
    /// Include notes marked `draft: true`.
    pub drafts: bool,
    /// Write the output; `false` runs every check without touching the disk.
    pub write: bool,
}

impl BuildOptions {
    /// Options for a normal build of the site at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        BuildOptions {
            root: root.into(),
            output: None,
            drafts: false,
            write: true,
        }
    }
}

/// What a successful build did.
#[derive(Debug)]
pub struct BuildReport {
    /// Warnings (a successful build has no errors).
    pub diagnostics: Vec<Diagnostic>,
    /// Published notes.
    pub notes: usize,
    /// Files in the output (pages, assets, attachments).
    pub files: usize,
    /// Where the site was written, if it was.
    pub output: Option<PathBuf>,
    /// Wall time of the whole build.
    pub elapsed: Duration,
    /// Wall time of each stage, in order.
    pub timings: Vec<Lap>,
}

/// Why a build failed. Each maps to an exit code of the CLI.
#[derive(Debug)]
pub enum BuildError {
    /// `site.toml`, theme, templates or output folder are unusable (exit code 2).
    Config(String),
    /// The content has errors, all listed, warnings included (exit code 1).
    Content(Vec<Diagnostic>),
    /// Writing the output failed (exit code 1); the previous output is intact.
    Io(String),
}

impl BuildError {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            BuildError::Config(_) => 2,
            BuildError::Content(_) | BuildError::Io(_) => 1,
        }
    }
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Config(msg) | BuildError::Io(msg) => f.write_str(msg),
            BuildError::Content(diags) => {
                for d in diags {
                    writeln!(f, "{d}")?;
                }
                let errors = diags.iter().filter(|d| d.is_error()).count();
                f.write_str(&diag::count(errors, "error"))
            }
        }
    }
}

impl std::error::Error for BuildError {}

fn write_failed(output: &Path, e: std::io::Error) -> BuildError {
    BuildError::Io(format!(
        "writing the site into {} failed: {e}; the previous output is unchanged",
        output.display()
    ))
}

/// Runs the whole pipeline. Every content problem is collected and reported
/// together; the output is only replaced when there are none.
pub fn build(options: &BuildOptions) -> Result<BuildReport, BuildError> {
    build_and_keep(options).map(|(report, _site)| report)
}

/// [`build`], handing back the built site instead of freeing it. A process
/// that exits next can skip the freeing (`std::mem::forget`): returning a
/// 10k-note site's million allocations one by one takes a twentieth of the
/// build, and the operating system reclaims the memory at once.
pub fn build_and_keep(options: &BuildOptions) -> Result<(BuildReport, site::Site), BuildError> {
    let started = Instant::now();
    let root = &options.root;
    let config = Config::load(root).map_err(|e| BuildError::Config(e.to_string()))?;
    let output = match &options.output {
        Some(o) => o.clone(),
        None => site::under(root, &config.output_dir),
    };
    let output = if options.write {
        let content_dir = site::under(root, &config.content_dir);
        Some(write::check_output_dir(root, &content_dir, &output).map_err(BuildError::Config)?)
    } else {
        None
    };

    let mut timings = Timings::new(started);
    let site = site::Site::load(root, options.drafts)?;
    timings.lap("load and link");
    let diagnostics = site.diagnostics();
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(BuildError::Content(diagnostics));
    }

    let staging = match &output {
        Some(out) => Some(write::Staging::create(out).map_err(|e| write_failed(out, e))?),
        None => None,
    };
    let sink = |file: render::OutputFile| match &staging {
        Some(staging) => staging.write(&file),
        None => Ok(()),
    };
    let mut files = 0;
    let out_dir = output.as_deref().unwrap_or(root);
    for file in render::static_files(root, &site.config) {
        sink(file).map_err(|e| write_failed(out_dir, e))?;
        files += 1;
    }
    files += site.renderer().render_all(&sink).map_err(|e| match e {
        render::RenderError::Template(e) => BuildError::Config(e.to_string()),
        render::RenderError::Write(e) => write_failed(out_dir, e),
        render::RenderError::Internal(d) => BuildError::Content(vec![d]),
    })?;
    timings.lap("render and write");
    if let (Some(staging), Some(out)) = (staging, &output) {
        staging.commit().map_err(|e| write_failed(out, e))?;
    }
    timings.lap("swap in output");
    let report = BuildReport {
        diagnostics,
        notes: site.published_count(),
        files,
        output,
        elapsed: started.elapsed(),
        timings: timings.laps,
    };
    Ok((report, site))
}

/// One build stage as `dossier build --timings` reports it.
#[derive(Debug, Clone)]
pub struct Lap {
    /// What the stage did.
    pub stage: &'static str,
    /// Its wall time.
    pub took: Duration,
    /// The process's peak resident memory so far, in bytes, where the
    /// platform tells (Linux).
    pub peak_memory: Option<u64>,
}

/// Wall time of each build stage, for `dossier build --timings`.
struct Timings {
    last: Instant,
    laps: Vec<Lap>,
}

impl Timings {
    fn new(started: Instant) -> Self {
        Timings {
            last: started,
            laps: Vec::new(),
        }
    }

    fn lap(&mut self, stage: &'static str) {
        let now = Instant::now();
        self.laps.push(Lap {
            stage,
            took: now - self.last,
            peak_memory: peak_memory(),
        });
        self.last = now;
    }
}

/// Peak resident set size of this process (`VmHWM` in `/proc/self/status`).
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
