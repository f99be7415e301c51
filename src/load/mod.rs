//! Load stage: walk the content folder, split and parse frontmatter, scan bodies.
//!
//! Nothing here knows about other notes; resolving links between notes is the
//! link stage's job.

mod clean;
mod frontmatter;
mod urls;
mod walk;

use clean::*;
use frontmatter::*;
use rayon::prelude::*;
use serde_yaml::Value;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
pub(crate) use urls::separate_urls;
use urls::url_for;
pub use walk::{load, load_reusing, reparse_in_place};

/// Why the content could not be loaded at all (one bad note is a
/// diagnostic, not this).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The content folder is missing.
    #[error("content folder {} does not exist; create it, set content_dir in site.toml, or start a new site with `dossier init DIR`", .0.display())]
    NoContentFolder(PathBuf),
    /// An `ignore` glob of `site.toml` does not compile.
    #[error("site.toml: {0}")]
    Ignore(String),
}

use crate::config::Config;
use crate::diag::{line_col, Diagnostic, LineIndex};
use crate::markdown::{self, Scan};

/// One Markdown note as read from disk.
#[derive(Debug)]
pub struct Note {
    /// Path relative to the content folder, with `/` separators: `actors/Wang Xiaohong.md`.
    pub path: String,
    /// Path shown in diagnostics (relative to the site root): `content/actors/Wang Xiaohong.md`.
    pub display_path: PathBuf,
    /// File name without `.md`.
    pub stem: String,
    /// URL of the note's page relative to the site root, ending in `/`.
    pub url: String,
    /// Frontmatter title, else the first H1, else the file name.
    pub title: String,
    /// Whether the title was taken from the body's first H1 (which then is not repeated).
    pub title_from_h1: bool,
    /// Kind name (`actor`, `topic`, ...), if any.
    pub kind: Option<String>,
    /// Other names the note answers to in links.
    pub aliases: Vec<String>,
    /// Tags without `#`, nested ones as `a/b`.
    pub tags: Vec<String>,
    /// `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or a datetime, as written.
    pub date: Option<String>,
    /// Drafts are left out unless `--drafts` is given.
    pub draft: bool,
    /// Frontmatter `description`.
    pub description: Option<String>,
    /// Frontmatter `cssclasses`: CSS classes for the page's `<body>`.
    pub cssclasses: Vec<String>,
    /// Every other frontmatter key, in file order.
    pub fields: Vec<Field>,
    /// The whole file, used for positions in diagnostics.
    pub source: String,
    /// Byte offset where the body starts in `source`.
    pub body_start: usize,
    /// Headings and links of the body.
    pub scan: Scan,
    /// Hash of `source`, so later stages can tell whether the text changed cheaply.
    pub source_hash: u64,
    /// Hash of what links from other notes resolve against: path, names,
    /// headings, block ids, draft flag.
    pub signature: u64,
    /// Problems found while reading this note (frontmatter, kind, dates).
    pub diagnostics: Vec<Diagnostic>,
    /// Size and modification time of the file when it was read.
    pub stamp: Option<Stamp>,
    /// Line starts of `source`, built when the first diagnostic needs them.
    lines: std::sync::OnceLock<LineIndex>,
}

/// A frontmatter key Dossier does not interpret; shown on the page, and a typed
/// relation when its values contain wikilinks.
#[derive(Debug, Clone)]
pub struct Field {
    /// The key as written: `affiliation`.
    pub key: String,
    /// Each value as text (lists give several).
    pub values: Vec<String>,
    /// 1-based line of the key in the file.
    pub line: usize,
}

/// A file's modification time and size: when both are unchanged, the
/// preview takes the note from its last load instead of reading it again.
pub type Stamp = (std::time::SystemTime, u64);

/// A non-Markdown file in the content folder (image, PDF, ...), copied to the output.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// Path relative to the content folder, with `/` separators.
    pub path: String,
    /// Where it is on disk.
    pub source: PathBuf,
    /// Its path as messages show it (relative to the site root).
    pub display_path: PathBuf,
}

/// Everything the load stage read.
#[derive(Debug, Default)]
pub struct Vault {
    /// Notes in path order.
    pub notes: Vec<Note>,
    /// Attachments in path order.
    pub attachments: Vec<Attachment>,
    /// Problems found while loading; notes with problems are still loaded as well as possible.
    pub diagnostics: Vec<Diagnostic>,
}

impl Note {
    fn compute_signature(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (
            &self.path,
            &self.stem,
            &self.title,
            &self.aliases,
            self.draft,
        )
            .hash(&mut h);
        for heading in &self.scan.headings {
            (heading.level, &heading.text, &heading.id).hash(&mut h);
        }
        for block in &self.scan.block_ids {
            block.id.hash(&mut h);
        }
        h.finish()
    }

    /// The note's body (after the frontmatter).
    pub fn body(&self) -> &str {
        &self.source[self.body_start..]
    }

    /// The body's plain text (see [`markdown::Scan::prose`]).
    pub fn prose(&self) -> String {
        self.scan.prose.text(self.body())
    }

    /// The start of [`Note::prose`]: whole pieces of it until more than
    /// `chars` characters other than whitespace are in.
    pub fn prose_start(&self, chars: usize) -> String {
        let mut out = String::new();
        let mut seen = 0;
        for piece in self.scan.prose.pieces(self.body()) {
            if seen > chars {
                break;
            }
            out.push_str(piece);
            seen += piece.chars().filter(|c| !c.is_whitespace()).count();
        }
        out
    }

    /// (line, column) in the file of a byte offset in the body.
    pub fn body_position(&self, offset: usize) -> (usize, usize) {
        self.position(self.body_start + offset)
    }

    /// (line, column) of a byte offset in the file. The line index is built on
    /// first use, so a note with thousands of broken links stays linear.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        self.lines
            .get_or_init(|| LineIndex::new(&self.source))
            .line_col(&self.source, offset)
    }
}

pub(crate) fn parse_note(
    path: String,
    display_path: PathBuf,
    source: String,
    config: &Config,
) -> Note {
    let mut diagnostics = Vec::new();
    let diags = &mut diagnostics;
    let source = sanitize(source, &display_path, diags);
    let stem = path.rsplit('/').next().unwrap_or(&path);
    let stem = stem
        .get(..stem.len().saturating_sub(3))
        .unwrap_or(stem)
        .to_string();
    // One bad note stays one bad note: unless `strict`, a frontmatter
    // problem is a warning and the note goes out without the bad part.
    let soften = |d: Diagnostic, dropped: &str| {
        if config.strict {
            d
        } else {
            let message = format!("{}; the note is published without {dropped}", d.message);
            Diagnostic { message, ..d }.into_warning()
        }
    };
    let error_at = |offset: usize, message: String| {
        let (line, column) = line_col(&source, offset);
        soften(
            Diagnostic::error(display_path.clone(), line, column, message),
            "its frontmatter",
        )
    };

    let (frontmatter, body_start) = match split_frontmatter(&source) {
        Ok(split) => {
            let (first_line, first_column) = line_col(&source, split.yaml_start);
            let mapping = split.yaml.and_then(|yaml| match parse_yaml(yaml, first_line) {
                Ok(mapping) => Some((mapping, split.yaml_start, yaml)),
                Err(e) => {
                    let (line, column) = (first_line, first_column);
                    let (yl, yc) = e.location;
                    let (line, column) = if yl > 0 { (line + yl - 1, yc) } else { (line, column) };
                    diags.push(soften(
                        Diagnostic::error(display_path.clone(), line, column, format!("invalid YAML frontmatter: {}", e.reason))
                            .with_help("fix the YAML between the `---` lines (quote values that contain `: ` or start with `[[`)"),
                        "its frontmatter",
                    ));
                    None
                }
            });
            (mapping, split.body_start)
        }
        Err((offset, message)) => {
            diags.push(error_at(offset, message));
            (None, source.len())
        }
    };

    let scan = markdown::scan(&source[body_start..]);
    let kind = path
        .split_once('/')
        .and_then(|(top, _)| config.kind_for_folder(top))
        .map(|k| k.name.clone());
    let mut note = Note {
        url: url_for(&path, &stem),
        path,
        display_path: display_path.clone(),
        title: String::new(),
        title_from_h1: false,
        kind,
        aliases: Vec::new(),
        tags: Vec::new(),
        date: None,
        draft: false,
        description: None,
        cssclasses: Vec::new(),
        fields: Vec::new(),
        stem,
        body_start,
        scan,
        source: String::new(),
        lines: std::sync::OnceLock::new(),
        diagnostics: Vec::new(),
        stamp: None,
        signature: 0,
        // Only compared with the same note's hash from an earlier build, so
        // a fast hash does.
        source_hash: {
            use std::hash::Hasher;
            let mut hasher = rustc_hash::FxHasher::default();
            hasher.write(source.as_bytes());
            hasher.finish()
        },
    };

    let mut title = None;
    let mut publish = None;
    if let Some((mapping, yaml_start, yaml)) = frontmatter {
        let file_line_of_yaml = line_col(&source, yaml_start).0;
        for (key, value) in mapping {
            let key = match key {
                Value::String(s) => s,
                other => scalar_text(&other).unwrap_or_default(),
            };
            let line = key_line(yaml, &key).map_or(file_line_of_yaml, |l| file_line_of_yaml + l);
            let bad_type = |what: &str| {
                soften(
                    Diagnostic::error(
                        display_path.clone(),
                        line,
                        1,
                        format!("frontmatter `{key}` must be {what}"),
                    ),
                    &format!("`{key}`"),
                )
            };
            match key.as_str() {
                "title" => match scalar_text(&value) {
                    Some(t) if !t.trim().is_empty() => title = Some(t.trim().to_string()),
                    Some(_) | None if value.is_null() => {}
                    _ => diags.push(bad_type("a text")),
                },
                "kind" => match scalar_text(&value) {
                    Some(kind) => match config.kind_named(kind.trim()) {
                        Some(k) => note.kind = Some(k.name.clone()),
                        None => {
                            let known: Vec<_> =
                                config.kinds.iter().map(|k| k.name.as_str()).collect();
                            diags.push(soften(
                                Diagnostic::error(
                                    display_path.clone(),
                                    line,
                                    1,
                                    format!("unknown kind `{kind}`"),
                                )
                                .with_help(format!(
                                    "known kinds: {}; add it to [[kinds]] in site.toml",
                                    known.join(", ")
                                )),
                                "a kind",
                            ));
                        }
                    },
                    None => diags.push(bad_type("a text such as `actor`")),
                },
                "aliases" | "alias" => match string_list(&value, false) {
                    Some(list) => note.aliases = list,
                    None => diags.push(bad_type("a text or a list of texts")),
                },
                "tags" | "tag" => match string_list(&value, true) {
                    Some(list) => {
                        note.tags.clear();
                        for tag in &list {
                            add_tag(
                                &mut note.tags,
                                tag.trim_start_matches('#').trim_matches('/'),
                            );
                        }
                    }
                    None => diags.push(bad_type("a text or a list of texts")),
                },
                "date" => match scalar_text(&value) {
                    Some(date) if crate::date::NoteDate::parse(&date).is_some() => {
                        note.date = Some(date.trim().to_string())
                    }
                    None if value.is_null() => {}
                    _ => diags.push(bad_type("a date like 2025-03-04")),
                },
                "draft" => match value {
                    Value::Bool(b) => note.draft |= b,
                    Value::Null => {}
                    _ => diags.push(bad_type("true or false")),
                },
                // Obsidian Publish's switch: `false` keeps a note private.
                "publish" => match value {
                    Value::Bool(b) => publish = Some(b),
                    Value::Null => {}
                    _ => diags.push(bad_type("true or false")),
                },
                "cssclasses" | "cssclass" | "cssClasses" => match string_list(&value, true) {
                    Some(list) => {
                        note.cssclasses = list
                            .into_iter()
                            .filter(|c| {
                                c.chars()
                                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                            })
                            .collect()
                    }
                    None => diags.push(bad_type("a text or a list of class names")),
                },
                "description" => match scalar_text(&value) {
                    Some(d) => {
                        note.description = Some(d.trim().to_string()).filter(|d| !d.is_empty())
                    }
                    None if value.is_null() => {}
                    None => diags.push(bad_type("a text")),
                },
                _ => {
                    let values = field_values(&value);
                    if !values.is_empty() {
                        note.fields.push(Field { key, values, line });
                    }
                }
            }
        }
    }
    note.draft |= match config.publish {
        crate::config::Publish::All => publish == Some(false),
        crate::config::Publish::Explicit => publish != Some(true),
    };
    // Inline `#tags` from the body join the frontmatter's.
    for tag in &note.scan.tags {
        add_tag(&mut note.tags, tag);
    }
    note.title = match title {
        Some(t) => t,
        None => match note
            .scan
            .first_h1
            .as_ref()
            .filter(|_| config.title_from_heading)
        {
            Some(h1) => {
                note.title_from_h1 = true;
                h1.clone()
            }
            None => note.stem.clone(),
        },
    };
    note.source = source;
    note.diagnostics = diagnostics;
    note.signature = note.compute_signature();
    note
}

/// Adds `tag` to a note's `tags` unless it is empty or there already, in any
/// case: a tag page lists a note once, and so does the note's own tag list.
fn add_tag(tags: &mut Vec<String>, tag: &str) {
    let same = |t: &String| t.eq_ignore_ascii_case(tag) || t.to_lowercase() == tag.to_lowercase();
    if !tag.is_empty() && !tags.iter().any(same) {
        tags.push(tag.to_string());
    }
}

/// URL of a note from its content path: every folder and the file name slugified.
#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path gives exactly what the YAML parser gives, and is taken
    /// for the usual frontmatter.
    #[test]
    fn simple_frontmatter_reads_as_the_yaml_parser_reads_it() {
        let usual = "title: \"Wang Xiaohong\"\nkind: actor\ndate: 2025-05-06\nurl: https://www.wsj.com/world/china/fentanyl-talks-12345?mod=hp\naliases: [\"Minister Wang\", Wang]\ntags: [people, china/government, united-states]\naffiliation: \"[[Ministry of Public Security]]\"\nrole: Minister of Public Security\ntopics: [\"[[Fentanyl]]\", \"[[US–China trade talks]]\"]\nsource: \"[[China Considers Fentanyl Proposal]]\"\ncssclasses: []\n";
        let lines = [
            "title: yes",
            "title: No",
            "title: \"a\\\"b\"",
            "title: \"a: b # c\"",
            "tags: [a, \"b, c\"]",
            "tags: [a,]",
            "tags: [a, [b]]",
            "tags: [ ]",
            "date: 2025-03-04",
            "year: 2025",
            "x: a: b",
            "x: a #c",
            "x: [[A]]",
            "x: China's ministry",
            "x:  two  spaces",
            "x: Null",
            "x: ~",
            "x: .5",
            "x: -a",
            "x: inf",
            "x: NaN",
            "x: e5",
            "x: Zoë 王",
            "key-with_dash: v",
            "true: key",
            "x: {a: b}",
            "x: 'single'",
            "x:\tb",
            "x: a\tb",
            "x:",
            "  nested: v",
            "- item",
            "# comment",
            "x: \"a\" b",
            "x: [\"a\"b]",
            "x: a, b",
            "date: 2025-3-4",
            "date: 2025-03-04T10:00",
            "date: 20250-03-04",
            "url: https://example.org/news/1?a=b&c=d%20e#frag",
            "url: http://example.org/a_(b)",
            "url: https://example.org/ x",
            "url: https://example.org/a: b",
            "url: https://",
            "url: ftp://example.org",
        ];
        let mut samples: Vec<String> = vec![usual.to_string()];
        samples.extend(lines.iter().map(|l| format!("title: T\n{l}\n")));
        samples.push("a: x\na: y\n".into());
        let mut fast = 0;
        for yaml in &samples {
            let parsed = serde_yaml::from_str::<Value>(yaml);
            if let Some(mapping) = simple_yaml(yaml) {
                fast += 1;
                match parsed {
                    Ok(Value::Mapping(m)) => assert_eq!(mapping, m, "{yaml}"),
                    other => panic!("fast path read {yaml:?}, the parser gave {other:?}"),
                }
            }
        }
        assert!(
            simple_yaml(usual).is_some(),
            "the usual frontmatter takes the fast path"
        );
        assert!(
            fast >= 10 && fast < samples.len(),
            "{fast} of {} samples",
            samples.len()
        );
    }

    fn note(text: &str) -> (Note, Vec<Diagnostic>) {
        let n = parse_note(
            "actors/Wang Xiaohong.md".into(),
            "content/actors/Wang Xiaohong.md".into(),
            text.into(),
            &Config::default(),
        );
        let diags = n.diagnostics.clone();
        (n, diags)
    }

    #[test]
    fn a_tag_written_twice_is_listed_once() {
        let (n, d) = note(
            "---\ntitle: T\ntags: [security, people, Security, \"#people\", Éire, éire]\n---\nText #people and #new.\n",
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(n.tags, ["security", "people", "Éire", "new"]);
    }

    #[test]
    fn frontmatter_fields_and_kind_from_folder() {
        let (n, d) = note("---\ntitle: Wang Xiaohong\naliases: Minister Wang\ntags: [china, people/officials]\ndate: 2025-03-04\naffiliation: \"[[Ministry of Public Security]]\"\n---\nBody\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(n.kind.as_deref(), Some("actor"));
        assert_eq!(n.aliases, ["Minister Wang"]);
        assert_eq!(n.tags, ["china", "people/officials"]);
        assert_eq!(n.date.as_deref(), Some("2025-03-04"));
        assert_eq!(n.fields[0].key, "affiliation");
        assert_eq!(n.fields[0].line, 6);
        assert_eq!(n.url, "actors/wang-xiaohong/");
        assert_eq!(n.body(), "Body\n");
    }

    #[test]
    fn title_falls_back_to_h1_then_stem() {
        assert_eq!(note("# Heading One\n").0.title, "Heading One");
        assert_eq!(note("no heading\n").0.title, "Wang Xiaohong");
    }

    #[test]
    fn yaml_error_reports_line_in_file() {
        let (_, d) = note("---\ntitle: ok\ntags: [a, b\n---\nbody");
        assert_eq!(d.len(), 1);
        assert!(d[0].line >= 3, "{:?}", d[0]);
        assert!(
            d[0].message.starts_with("invalid YAML frontmatter"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn yaml_error_context_uses_file_lines() {
        let (_, d) = note("---\ntitle: Bad\ntags: [unclosed\naliases: x\n---\n");
        assert_eq!((d[0].line, d[0].column), (4, 8));
        assert_eq!(
            d[0].message,
            "invalid YAML frontmatter: did not find expected ',' or ']', while parsing a flow sequence at line 3 column 7; the note is published without its frontmatter"
        );
        assert!(!d[0].is_error());
    }

    #[test]
    fn unquoted_wikilink_values_are_read_as_links() {
        let (n, d) = note("---\naffiliation: [[Eurasia Group]]\ntopics:\n  - [[Fentanyl]]\n  - \"[[Tariffs]]\"\n---\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(n.fields[0].values, ["[[Eurasia Group]]"]);
        assert_eq!(n.fields[1].values, ["[[Fentanyl]]", "[[Tariffs]]"]);
    }

    #[test]
    fn unclosed_frontmatter_is_an_error() {
        let (_, d) = note("---\ntitle: x\n");
        assert!(d[0].message.contains("never closed"));
    }

    #[test]
    fn dates_are_validated() {
        let is_date = |t: &str| crate::date::NoteDate::parse(t).is_some();
        assert!(is_date("2025") && is_date("2025-03") && is_date("2025-03-04T10:00:00Z"));
        assert!(!is_date("March 2025") && !is_date("2025-13-01"));
    }
}
