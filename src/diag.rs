//! Diagnostics: every problem Dossier reports, with where it is and how to fix it.
//!
//! Stages collect diagnostics instead of stopping at the first one, so a writer
//! sees every broken link of a build in one run.

use std::fmt;
use std::path::PathBuf;

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
        write!(f, "{}", self.path.display())?;
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
        write!(f, ": {level}: {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "; {help}")?;
        }
        Ok(())
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

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
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
    fn display_is_clickable_location_then_help() {
        let d = Diagnostic::error("content/a.md", 12, 5, "unknown link [[X]]")
            .with_help("did you mean [[Y]]?");
        assert_eq!(
            d.to_string(),
            "content/a.md:12:5: error: unknown link [[X]]; did you mean [[Y]]?"
        );
    }
}
