//! Diagnostics: every problem Dossier reports, with where it is and how to fix it.
//!
//! Stages collect diagnostics instead of stopping at the first one, so a writer
//! sees every broken link of a build in one run.

use std::fmt;
use std::path::{Path, PathBuf};

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The build fails (exit code 1) once all diagnostics are listed.
    Error,
    /// Reported, but the build goes on.
    Warning,
}

/// One problem in the user's content, located as precisely as we know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Path as the user knows it (relative to the site root where possible).
    pub path: PathBuf,
    /// 1-based line in the file, 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based column in characters, 0 when unknown.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it, e.g. "did you mean [[Eurasia Group]]?".
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at `path:line:column`.
    pub fn error(
        path: impl Into<PathBuf>,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            path: path.into(),
            line,
            column,
            message: message.into(),
            help: None,
        }
    }

    /// Adds a hint telling the user how to fix the problem.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Turns the diagnostic into a warning.
    pub fn into_warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    /// Whether this diagnostic fails the build.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Formats as `path:line:col: error: message; help`, the form editors and
/// terminals turn into clickable locations.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Printable(&self.path.to_string_lossy()))?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, ": {level}: {}", Printable(&self.message))?;
        if let Some(help) = &self.help {
            write!(f, "; {}", Printable(help))?;
        }
        Ok(())
    }
}

/// Text from a note shown with its control characters escaped (`\n`,
/// `\u{1b}`), so a message can neither break its line nor send escape
/// sequences to the user's terminal.
pub struct Printable<'a>(pub &'a str);

impl fmt::Display for Printable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(|c: char| c.is_control()) {
            f.write_str(&rest[..at])?;
            let c = rest[at..].chars().next().unwrap_or_default();
            write!(f, "{}", c.escape_default())?;
            rest = &rest[at + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

/// Runs `work` for the file `path()` names; a panic in it (a bug in
/// Dossier) becomes an error on that file instead of ending the process,
/// so the other notes still build and the preview keeps serving. The path
/// is made only when there is a panic.
pub fn guard<T>(path: impl FnOnce() -> PathBuf, work: impl FnOnce() -> T) -> Result<T, Diagnostic> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
        .map_err(|payload| internal_error(&path(), payload.as_ref()))
}

thread_local! {
    /// Where the last panic on this thread happened, kept by the hook that
    /// [`quiet_panics`] installs for the catch sites that report it.
    static PANIC_AT: std::cell::Cell<Option<String>> = const { std::cell::Cell::new(None) };
}

/// Replaces the default panic message (a backtrace meant for developers) with
/// nothing: every panic is caught by [`guard`] or the CLI and reported as an
/// internal error, with the place the hook notes here. `RUST_BACKTRACE=1`
/// keeps the default output.
pub fn quiet_panics() {
    if std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0") {
        return;
    }
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
        PANIC_AT.with(|slot| slot.set(at));
    }));
}

/// The diagnostic for a panic caught while working on `path`.
pub fn internal_error(path: &Path, payload: &(dyn std::any::Any + Send)) -> Diagnostic {
    Diagnostic::error(
        path,
        0,
        0,
        format!("internal error: {}", panic_message(payload)),
    )
    .with_help("this is a bug in Dossier; please report it with this file")
}

/// The line the CLI and the preview print for a panic they caught while
/// `doing` something (`"while rebuilding"`; empty for nothing more precise).
pub fn internal_message(doing: &str, payload: &(dyn std::any::Any + Send)) -> String {
    let doing = if doing.is_empty() {
        String::new()
    } else {
        format!(" {doing}")
    };
    format!(
        "error: internal error{doing}: {}; this is a bug in Dossier: please report it",
        Printable(&panic_message(payload))
    )
}

/// The message a panic was raised with, and where, when this thread's
/// hook saw it.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message");
    match PANIC_AT.with(std::cell::Cell::take) {
        Some(at) => format!("{message} (at {at})"),
        None => message.to_string(),
    }
}

/// `1 note`, `2 notes`: a count with its noun.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Converts a byte offset in `text` to a 1-based (line, column) pair, the
/// column counted in characters so it matches what editors show.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Start offsets of the lines of a text, for many [`line_col`] lookups in one
/// file without rescanning it each time.
#[derive(Debug, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// Same as [`line_col`], in time proportional to the length of one line.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.starts.partition_point(|&start| start <= offset);
        let line_start = self.starts.get(line.wrapping_sub(1)).copied().unwrap_or(0);
        (line.max(1), text[line_start..offset].chars().count() + 1)
    }
}

/// The largest char boundary of `text` at or below `i` (`i <= text.len()`).
pub(crate) fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let text = "ab\nçé[[x]]";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        let off = text.find("[[").unwrap();
        assert_eq!(line_col(text, off), (2, 3));
    }

    #[test]
    fn line_index_agrees_with_line_col() {
        let text = "ab\nçé[[x]]\n\nlast";
        let index = LineIndex::new(text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(
                index.line_col(text, offset),
                line_col(text, offset),
                "offset {offset}"
            );
        }
    }

    #[test]
    fn a_panic_in_guarded_work_becomes_an_error_on_the_file() {
        let d = guard(
            || PathBuf::from("content/a.md"),
            || -> u8 { panic!("boom") },
        )
        .unwrap_err();
        assert!(d.is_error());
        let shown = d.to_string();
        assert!(
            shown.starts_with("content/a.md: error: internal error: boom"),
            "{shown}"
        );
        assert_eq!(guard(|| PathBuf::from("x"), || 7).unwrap(), 7);
        let line = internal_message("while testing", &"bad\u{1b}");
        assert_eq!(
            line,
            "error: internal error while testing: bad\\u{1b}; this is a bug in Dossier: please report it"
        );
    }

    #[test]
    fn control_characters_from_notes_are_shown_escaped() {
        let d = Diagnostic::error(
            "content/\u{1b}]0;x\u{7}.md",
            1,
            2,
            "unknown link [[a\nb\u{0}]]",
        );
        assert_eq!(
            d.to_string(),
            "content/\\u{1b}]0;x\\u{7}.md:1:2: error: unknown link [[a\\nb\\u{0}]]"
        );
    }

    #[test]
    fn display_is_clickable_location_then_help() {
        let d = Diagnostic::error("content/a.md", 12, 5, "unknown link [[X]]")
            .with_help("did you mean [[Y]]?");
        assert_eq!(
            d.to_string(),
            "content/a.md:12:5: error: unknown link [[X]]; did you mean [[Y]]?"
        );
    }
}
