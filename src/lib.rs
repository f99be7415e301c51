//! Dossier turns a folder of Markdown research notes into a cross-linked static site.
//!
//! The build is a one-way pipeline, one module per stage:
//! [`config`] → [`load`] (walk, frontmatter, scan) → [`link`] (resolve,
//! backlinks, relations, tags) → [`render`] (Markdown and templates, in
//! parallel) → [`write`](mod@write) (atomic swap of the output folder). [`build`] drives
//! it; the `dossier` binary is a thin CLI ([`cli`]) over this library.

pub mod cli;
pub mod config;
pub mod date;
pub mod diag;
pub mod ignore;
pub mod link;
pub mod load;
pub mod markdown;
pub mod registry;
pub mod render;
pub mod scaffold;
pub mod serve;
pub mod site;
pub mod slug;
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
    /// Frontmatter problems are errors (`--strict`), whatever `site.toml` says.
    pub strict: bool,
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
            strict: false,
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
    /// What writing did to the output folder, if the site was written.
    pub written: Option<write::WriteReport>,
    /// Where the site was written, if it was.
    pub output: Option<PathBuf>,
    /// Wall time of the whole build.
    pub elapsed: Duration,
    /// Wall time of each stage, in order.
    pub timings: Vec<Lap>,
}

/// Why a build failed. Each maps to an exit code of the CLI.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// `site.toml` is unusable (exit code 2).
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    /// The theme or a template is unusable (exit code 2).
    #[error(transparent)]
    Template(#[from] render::TemplateError),
    /// The output folder is one Dossier refuses to replace (exit code 2).
    #[error(transparent)]
    Output(#[from] write::OutputError),
    /// The content folder cannot be loaded at all (exit code 2).
    #[error(transparent)]
    Load(#[from] load::LoadError),
    /// The content has errors, all listed, warnings included (exit code 1).
    #[error("{}", content_report(.0))]
    Content(Vec<Diagnostic>),
    /// Writing the output failed (exit code 1); the previous output is intact.
    #[error("writing the site into {} failed: {source}; the previous output is unchanged", output.display())]
    Write {
        /// The output folder.
        output: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl BuildError {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            BuildError::Config(_)
            | BuildError::Template(_)
            | BuildError::Output(_)
            | BuildError::Load(_) => 2,
            BuildError::Content(_) | BuildError::Write { .. } => 1,
        }
    }
}

/// Every diagnostic on a line, then the count of errors.
fn content_report(diagnostics: &[Diagnostic]) -> String {
    let mut text = String::new();
    for d in diagnostics {
        text.push_str(&d.to_string());
        text.push('\n');
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    text.push_str(&diag::count(errors, "error"));
    text
}

fn write_failed(output: &Path, source: std::io::Error) -> BuildError {
    BuildError::Write {
        output: output.to_path_buf(),
        source,
    }
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
    let config = Config::load(root)?;
    let output = match &options.output {
        Some(o) => o.clone(),
        None => site::under(root, &config.output_dir),
    };
    let output = if options.write {
        let content_dir = site::under(root, &config.content_dir);
        Some(write::check_output_dir(root, &content_dir, &output)?)
    } else {
        None
    };

    let mut timings = Timings::new(started);
    let site = site::Site::load_with(root, options.drafts, options.strict)?;
    timings.lap("load and link");
    let diagnostics = site.diagnostics();
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(BuildError::Content(diagnostics));
    }

    let writer = match &output {
        Some(out) => Some(write::Writer::open(out).map_err(|e| write_failed(out, e))?),
        None => None,
    };
    let discard = |_: render::OutputFile| Ok(());
    let target: &dyn render::Target = match &writer {
        Some(writer) => writer,
        None => &discard,
    };
    let mut files = 0;
    let out_dir = output.as_deref().unwrap_or(root);
    for file in render::static_files(root, &site.config) {
        target
            .put(file, None)
            .map_err(|e| write_failed(out_dir, e))?;
        files += 1;
    }
    files += site.renderer().render_all(target).map_err(|e| match e {
        render::RenderError::Template(e) => BuildError::Template(e),
        render::RenderError::Write(e) => write_failed(out_dir, e),
        render::RenderError::Internal(d) => BuildError::Content(vec![d]),
    })?;
    timings.lap("render");
    let written = match (writer, &output) {
        (Some(writer), Some(out)) => Some(writer.commit().map_err(|e| write_failed(out, e))?),
        _ => None,
    };
    timings.lap("put files in place");
    let report = BuildReport {
        diagnostics,
        notes: site.published_count(),
        files,
        written,
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
