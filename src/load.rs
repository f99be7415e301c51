//! Load stage: walk the content folder, split and parse frontmatter, scan bodies.
//!
//! Nothing here knows about other notes; resolving links between notes is the
//! link stage's job.

use rayon::prelude::*;
use serde_yaml::Value;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::diag::{line_col, Diagnostic, LineIndex};
use crate::markdown::{self, Scan};
use crate::slug::slugify;

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

/// Walks `content_dir` and loads every note and attachment. `root` is the site
/// root, used to show paths the way the user typed them.
pub fn load(root: &Path, content_dir: &Path, config: &Config) -> Result<Vault, String> {
    load_reusing(root, content_dir, config, HashMap::new(), &HashSet::new())
}

/// Reads and parses one note file; `relative` is its path in the content folder.
fn read_note(
    root: &Path,
    relative: String,
    source: &Path,
    config: &Config,
) -> Result<Note, Diagnostic> {
    parse_read(root, relative, source, read_stamped(source), config)
}

/// What reading a note file gave: its bytes and stamp, or the error.
type ReadResult = std::io::Result<(Vec<u8>, Option<Stamp>)>;

/// Parses a note file already read ([`read_stamped`]).
fn parse_read(
    root: &Path,
    relative: String,
    source: &Path,
    read: ReadResult,
    config: &Config,
) -> Result<Note, Diagnostic> {
    let shown = display(root, source);
    let (bytes, file_stamp) =
        read.map_err(|e| Diagnostic::error(shown.clone(), 0, 0, format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        // Where the first bad byte is, counted in the valid text before it.
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let before = std::str::from_utf8(valid).unwrap_or_default();
        let (line, column) = line_col(before, before.len());
        Diagnostic::error(
            shown.clone(),
            line,
            column,
            "not valid UTF-8; save the file as UTF-8",
        )
    })?;
    let mut note =
        crate::diag::guard(&shown.clone(), || parse_note(relative, shown, text, config))?;
    note.stamp = file_stamp;
    Ok(note)
}

/// Parses again, in place, the notes of `notes` whose files are in `changed`,
/// when every changed path is an existing note already in `notes` (an edit in
/// place, the common case while writing): no walk of the content folder.
/// Returns `false`, changing nothing, when files came or went.
pub fn reparse_in_place(
    root: &Path,
    content_dir: &Path,
    config: &Config,
    notes: &mut [Note],
    changed: &HashSet<PathBuf>,
) -> bool {
    let mut targets = Vec::with_capacity(changed.len());
    for path in changed {
        let Some(relative) = path.strip_prefix(content_dir).ok().and_then(|r| r.to_str()) else {
            return false;
        };
        let relative = relative.replace('\\', "/");
        let Ok(index) = notes.binary_search_by(|n| n.path.as_str().cmp(&relative)) else {
            return false;
        };
        if !path.is_file() {
            return false;
        }
        targets.push((index, path));
    }
    let fresh: Vec<(usize, Note)> = targets
        .par_iter()
        .filter_map(|&(index, path)| {
            Some((
                index,
                read_note(root, notes[index].path.clone(), path, config).ok()?,
            ))
        })
        .collect();
    if fresh.len() != targets.len() {
        return false; // unreadable now: let a full load report it
    }
    for (index, note) in fresh {
        notes[index] = note;
    }
    true
}

/// Like [`load`], but takes notes from `previous` (by content path) instead of
/// parsing their files again, unless the file is in `changed` or its size or
/// modification time differ. This is how the preview server reloads a site.
pub fn load_reusing(
    root: &Path,
    content_dir: &Path,
    config: &Config,
    mut previous: HashMap<String, Note>,
    changed: &HashSet<PathBuf>,
) -> Result<Vault, String> {
    if !content_dir.is_dir() {
        return Err(format!(
            "content folder {} does not exist; create it or set content_dir in site.toml",
            content_dir.display()
        ));
    }
    let ignore = crate::ignore::Ignore::new(&config.ignore)?;
    // The walk reads each note's file as soon as it finds it and hands it to
    // the parsers. It runs on a thread of its own, beside the thread pool:
    // a file that is not in the page cache then stalls only the walk, while
    // the pool's threads parse the files read before it.
    let (to_parse, read) = std::sync::mpsc::channel::<(String, PathBuf, ReadResult)>();
    let ((reused, attachments, mut diagnostics), loaded) = std::thread::scope(|scope| {
        let walker =
            scope.spawn(move || walk(root, content_dir, &ignore, &mut previous, changed, to_parse));
        // Boxed until sorted: a note is hundreds of bytes, and collecting
        // from the pool moves each result several times.
        let loaded: Vec<Result<Box<Note>, Diagnostic>> = read
            .into_iter()
            .par_bridge()
            .map(|(relative, source, read)| {
                parse_read(root, relative, &source, read, config).map(Box::new)
            })
            .collect();
        let walked = walker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (walked, loaded)
    });

    let mut found: Vec<Box<Note>> = Vec::with_capacity(reused.len() + loaded.len());
    found.extend(reused.into_iter().map(Box::new));
    for note in loaded {
        match note {
            Ok(note) => found.push(note),
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    found.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    // Sized exactly: a vector grown by doubling keeps up to half its room
    // unused for the whole build (megabytes at 10k notes).
    let mut notes = Vec::with_capacity(found.len());
    notes.extend(found.into_iter().map(|note| *note));
    Ok(Vault {
        notes,
        attachments,
        diagnostics,
    })
}

/// Walks `content_dir`: notes unchanged since `previous` are taken from it,
/// the other notes are read and sent to `to_parse`; returns the reused
/// notes, the attachments and the problems met.
fn walk(
    root: &Path,
    content_dir: &Path,
    ignore: &crate::ignore::Ignore,
    previous: &mut HashMap<String, Note>,
    changed: &HashSet<PathBuf>,
    to_parse: std::sync::mpsc::Sender<(String, PathBuf, ReadResult)>,
) -> (Vec<Note>, Vec<Attachment>, Vec<Diagnostic>) {
    let mut reused = Vec::new();
    let mut attachments = Vec::new();
    let mut diagnostics = Vec::new();
    // Unsorted: entries stream as the directory lists them, and notes and
    // attachments are sorted by path afterwards.
    // Symbolic links are followed, as Obsidian follows them; a loop or a
    // dangling link is reported and skipped.
    let walker = walkdir::WalkDir::new(content_dir)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || e.path()
                    .strip_prefix(content_dir)
                    .is_ok_and(|relative| !ignore.is_ignored(relative))
        });
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| content_dir.to_path_buf());
                let shown = display(root, &path);
                let link_problem = if e.loop_ancestor().is_some() {
                    Some("symbolic link loop; skipped")
                } else if path.symlink_metadata().is_ok_and(|m| m.is_symlink()) {
                    Some("symbolic link to a missing file; skipped")
                } else {
                    None
                };
                diagnostics.push(match link_problem {
                    Some(message) => Diagnostic::error(shown, 0, 0, message)
                        .with_help("fix or remove the link")
                        .into_warning(),
                    None => Diagnostic::error(shown, 0, 0, format!("cannot read: {e}")),
                });
                continue;
            }
        };
        if !entry.file_type().is_file() {
            if !entry.file_type().is_dir() {
                diagnostics.push(
                    Diagnostic::error(
                        display(root, entry.path()),
                        0,
                        0,
                        "not a regular file (a FIFO, socket or device); skipped",
                    )
                    .into_warning(),
                );
            }
            continue;
        }
        let Ok(relative) = entry.path().strip_prefix(content_dir) else {
            continue;
        };
        let Some(relative) = relative.to_str().map(|s| s.replace('\\', "/")) else {
            diagnostics.push(Diagnostic::error(
                display(root, entry.path()),
                0,
                0,
                "file name is not valid UTF-8; rename the file",
            ));
            continue;
        };
        let is_markdown = entry
            .path()
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("md"));
        if is_markdown {
            let source = entry.into_path();
            match previous.remove(&relative) {
                Some(note)
                    if !changed.contains(&source)
                        && note.stamp.is_some()
                        && note.stamp == stamp(&source) =>
                {
                    reused.push(note)
                }
                // The parsers stop only when this sender is dropped.
                _ => {
                    let read = read_stamped(&source);
                    let _ = to_parse.send((relative, source, read));
                }
            }
        } else {
            attachments.push(Attachment {
                path: relative,
                display_path: display(root, entry.path()),
                source: entry.into_path(),
            });
        }
    }
    attachments.sort_by(|a, b| a.path.cmp(&b.path));
    (reused, attachments, diagnostics)
}

/// Path relative to the site root if possible, for messages.
fn display(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

/// Where the frontmatter YAML and the body are in a file.
struct Split<'a> {
    yaml: Option<&'a str>,
    /// Byte offset of the YAML text in the file.
    yaml_start: usize,
    body_start: usize,
}

/// Finds a `---` fenced frontmatter block at the very start of `text`.
fn split_frontmatter(text: &str) -> Result<Split<'_>, (usize, String)> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let no_frontmatter = Split {
        yaml: None,
        yaml_start: 0,
        body_start: start,
    };
    let rest = &text[start..];
    let Some(first_line_end) = rest.find('\n') else {
        return Ok(no_frontmatter);
    };
    if rest[..first_line_end].trim_end() != "---" {
        return Ok(no_frontmatter);
    }
    let yaml_start = start + first_line_end + 1;
    let mut pos = yaml_start;
    while pos <= text.len() {
        let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let line = text[pos..line_end].trim_end();
        if line == "---" || line == "..." {
            let body_start = (line_end + 1).min(text.len());
            return Ok(Split {
                yaml: Some(&text[yaml_start..pos]),
                yaml_start,
                body_start,
            });
        }
        if line_end == text.len() {
            break;
        }
        pos = line_end + 1;
    }
    Err((
        start,
        "frontmatter opened with `---` on line 1 is never closed; add a `---` line after it".into(),
    ))
}

/// Size and modification time of a file, to notice edits between loads.
fn stamp(path: &Path) -> Option<Stamp> {
    stamp_of(&std::fs::metadata(path).ok()?)
}

fn stamp_of(meta: &std::fs::Metadata) -> Option<Stamp> {
    Some((meta.modified().ok()?, meta.len()))
}

/// A file's bytes and its [`stamp`], from one `stat` of the open file and,
/// for a file that does not grow meanwhile, one `read`: `std::fs::read` plus
/// a separate stamp cost two `stat`s and two `read`s, a fifth of the calls
/// into the kernel that reading a large site makes.
fn read_stamped(path: &Path) -> std::io::Result<(Vec<u8>, Option<Stamp>)> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    // One byte more than the size: a read that does not fill the buffer
    // has reached the end of a regular file.
    let size = usize::try_from(meta.len()).unwrap_or(0);
    let mut bytes = vec![0; size.saturating_add(1)];
    let mut filled = 0;
    loop {
        match file.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => {
                filled += n;
                if filled < bytes.len() {
                    break;
                }
                // The file grew: read the rest the ordinary way.
                file.read_to_end(&mut bytes)?;
                filled = bytes.len();
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    bytes.truncate(filled);
    Ok((bytes, stamp_of(&meta)))
}

/// The text of a note as Dossier reads it: old Mac line endings (a CR
/// alone) become line feeds, so the frontmatter is found and lines are
/// counted; control characters that HTML and XML cannot carry (NUL, ESC,
/// BEL, ...) become U+FFFD, with a warning at the first one. Both keep
/// every line and column where it was.
fn sanitize(source: String, display_path: &Path, diags: &mut Vec<Diagnostic>) -> String {
    let forbidden = |c: char| {
        (c.is_control() && !matches!(c, '\t' | '\n' | '\r') && (c as u32) < 0x80)
            || matches!(c, '\u{fffe}' | '\u{ffff}')
    };
    let lone_cr = |text: &str| {
        text.match_indices('\r')
            .any(|(i, _)| text.as_bytes().get(i + 1) != Some(&b'\n'))
    };
    let has_forbidden = source
        .bytes()
        .any(|b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f || b == 0xef)
        && source.chars().any(forbidden);
    let has_lone_cr = source.contains('\r') && lone_cr(&source);
    if !has_forbidden && !has_lone_cr {
        return source;
    }
    let mut clean = String::with_capacity(source.len());
    let mut chars = source.char_indices().peekable();
    let mut first = None;
    let mut count = 0;
    while let Some((at, c)) = chars.next() {
        if c == '\r' && chars.peek().is_none_or(|&(_, next)| next != '\n') {
            clean.push('\n');
        } else if forbidden(c) {
            first.get_or_insert((at, c));
            count += 1;
            clean.push('\u{fffd}');
        } else {
            clean.push(c);
        }
    }
    if let Some((at, c)) = first {
        let (line, column) = line_col(&clean, at.min(clean.len()));
        let more = if count > 1 {
            format!(" (and {} more)", count - 1)
        } else {
            String::new()
        };
        diags.push(
            Diagnostic::error(
                display_path,
                line,
                column,
                format!(
                    "control character U+{:04X}{more} replaced with U+FFFD",
                    c as u32
                ),
            )
            .with_help("delete it; web pages and feeds cannot carry it")
            .into_warning(),
        );
    }
    clean
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
    let error_at = |offset: usize, message: String| {
        let (line, column) = line_col(&source, offset);
        Diagnostic::error(display_path.clone(), line, column, message)
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
                    diags.push(
                        Diagnostic::error(display_path.clone(), line, column, format!("invalid YAML frontmatter: {}", e.reason))
                            .with_help("fix the YAML between the `---` lines (quote values that contain `: ` or start with `[[`)"),
                    );
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
        // a fast hash does: SipHash over every byte cost 1% of a build.
        source_hash: {
            use std::hash::Hasher;
            let mut hasher = rustc_hash::FxHasher::default();
            hasher.write(source.as_bytes());
            hasher.finish()
        },
    };

    let mut title = None;
    if let Some((mapping, yaml_start, yaml)) = frontmatter {
        let file_line_of_yaml = line_col(&source, yaml_start).0;
        for (key, value) in mapping {
            let key = match key {
                Value::String(s) => s,
                other => scalar_text(&other).unwrap_or_default(),
            };
            let line = key_line(yaml, &key).map_or(file_line_of_yaml, |l| file_line_of_yaml + l);
            let bad_type = |what: &str| {
                Diagnostic::error(
                    display_path.clone(),
                    line,
                    1,
                    format!("frontmatter `{key}` must be {what}"),
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
                            diags.push(
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
                            );
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
                    Some(date) if is_date(&date) => note.date = Some(date.trim().to_string()),
                    None if value.is_null() => {}
                    _ => diags.push(bad_type("a date like 2025-03-04")),
                },
                "draft" => match value {
                    Value::Bool(b) => note.draft = b,
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
    // Inline `#tags` from the body join the frontmatter's.
    for tag in &note.scan.tags {
        add_tag(&mut note.tags, tag);
    }
    note.title = match title {
        Some(t) => t,
        None => match &note.scan.first_h1 {
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

struct YamlError {
    /// (line, column) inside the YAML text, 1-based; (0, 0) if unknown.
    location: (usize, usize),
    reason: String,
}

/// Parses the frontmatter YAML. `first_line` is the file line the YAML starts
/// on, so line numbers inside the parser's message match the file.
/// Replaces control characters that YAML escapes (`"\e"`, `"\0"`) put in
/// strings with U+FFFD, as [`sanitize`] does for the file's own text.
fn scrub_controls(value: &mut Value) {
    match value {
        Value::String(s)
            if s.contains(|c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) =>
        {
            *s = s
                .chars()
                .map(|c| {
                    if c.is_control() && !matches!(c, '\t' | '\n' | '\r') {
                        '\u{fffd}'
                    } else {
                        c
                    }
                })
                .collect();
        }
        Value::Sequence(items) => items.iter_mut().for_each(scrub_controls),
        Value::Mapping(m) => m.values_mut().for_each(scrub_controls),
        Value::Tagged(t) => scrub_controls(&mut t.value),
        _ => {}
    }
}

fn parse_yaml(yaml: &str, first_line: usize) -> Result<serde_yaml::Mapping, YamlError> {
    if yaml.trim().is_empty() {
        return Ok(serde_yaml::Mapping::new());
    }
    if let Some(mapping) = simple_yaml(yaml) {
        return Ok(mapping);
    }
    match serde_yaml::from_str::<Value>(yaml) {
        Ok(Value::Mapping(mut m)) => {
            m.values_mut().for_each(scrub_controls);
            Ok(m)
        }
        Ok(Value::Null) => Ok(serde_yaml::Mapping::new()),
        Ok(_) => Err(YamlError {
            location: (1, 1),
            reason: "frontmatter must be `key: value` lines".into(),
        }),
        Err(e) => {
            let location = e.location().map_or((0, 0), |l| (l.line(), l.column()));
            // The first " at line N column M" is the location we report ourselves;
            // later ones ("while parsing a flow sequence at line 2 column 7") are
            // shifted to file lines.
            let message = e.to_string();
            let message = match message.split_once(" at line ") {
                Some((what, rest)) => match rest.split_once(", ") {
                    Some((_, context)) => format!("{what}, {context}"),
                    None => what.to_string(),
                },
                None => message,
            };
            Err(YamlError {
                location,
                reason: shift_line_numbers(&message, first_line - 1),
            })
        }
    }
}

/// Frontmatter in the plain form most notes use, read without the YAML
/// parser (which costs more than the rest of reading a note): `key: value`
/// lines whose values are double-quoted strings without escapes, plain words,
/// or flow lists of those. Anything else (numbers, dates, booleans, nulls,
/// block lists, comments, escapes, nested lists, repeated keys) gives `None`
/// and goes to the YAML parser, so the result is always what it would give.
fn simple_yaml(yaml: &str) -> Option<serde_yaml::Mapping> {
    let mut mapping = serde_yaml::Mapping::new();
    for line in yaml.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            continue;
        }
        let (key, value) = line.split_once(": ")?;
        let mut key_chars = key.chars();
        if !key_chars.next()?.is_ascii_alphabetic()
            || !key_chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            || is_yaml_keyword(key)
        {
            return None;
        }
        let value = value.trim_start();
        let value = if let Some(items) = value.strip_prefix('[') {
            Value::Sequence(simple_list(items.strip_suffix(']')?)?)
        } else if is_simple_date(value) || is_simple_url(value) {
            Value::String(value.to_string())
        } else {
            simple_scalar(value)?
        };
        if mapping
            .insert(Value::String(key.to_string()), value)
            .is_some()
        {
            return None;
        }
    }
    Some(mapping)
}

/// The items of a flow list (without its brackets), each a [`simple_scalar`].
fn simple_list(items: &str) -> Option<Vec<Value>> {
    let mut list = Vec::new();
    let mut rest = items.trim();
    while !rest.is_empty() {
        let end = if let Some(quoted) = rest.strip_prefix('"') {
            quoted.find('"')? + 2
        } else {
            rest.find(',').unwrap_or(rest.len())
        };
        list.push(simple_scalar(rest[..end].trim_end())?);
        rest = rest[end..].trim_start();
        if let Some(after) = rest.strip_prefix(',') {
            rest = after.trim_start();
            if rest.is_empty() {
                return None; // a trailing comma
            }
        } else if !rest.is_empty() {
            return None;
        }
    }
    Some(list)
}

/// A double-quoted string without escapes or inner quotes, or a plain word
/// scalar: starting with a letter, made of letters, digits, spaces and
/// `- _ . / '`, and not a word YAML reads as a boolean or null.
fn simple_scalar(text: &str) -> Option<Value> {
    if let Some(inner) = text.strip_prefix('"') {
        let inner = inner.strip_suffix('"')?;
        return (!inner.contains(['"', '\\'])).then(|| Value::String(inner.to_string()));
    }
    let mut chars = text.chars();
    let plain = chars.next()?.is_ascii_alphabetic()
        && chars.all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | '/' | '\''));
    (plain && !is_yaml_keyword(text)).then(|| Value::String(text.to_string()))
}

/// `YYYY-MM-DD`, which YAML (as read here) leaves a string.
fn is_simple_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// `http://` or `https://` followed by URL characters other than spaces,
/// quotes and brackets, which YAML reads as a plain string.
fn is_simple_url(text: &str) -> bool {
    let Some(rest) = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
    else {
        return false;
    };
    !rest.is_empty()
        && rest
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-._~/?=&%+:@!$()*;".contains(&c))
}

/// Words some YAML readers take for booleans or null (a superset, to be safe).
fn is_yaml_keyword(word: &str) -> bool {
    ["y", "n", "yes", "no", "on", "off", "true", "false", "null"]
        .iter()
        .any(|w| word.eq_ignore_ascii_case(w))
}

/// Adds `offset` to every "line N" in a parser message.
fn shift_line_numbers(message: &str, offset: usize) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find("line ") {
        out.push_str(&rest[..i + 5]);
        rest = &rest[i + 5..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + offset).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// 0-based line of a top-level `key:` inside the YAML text.
fn key_line(yaml: &str, key: &str) -> Option<usize> {
    yaml.lines().position(|line| {
        let line = line.trim_end();
        let unquoted = line.strip_prefix(key).or_else(|| {
            line.strip_prefix('"')
                .and_then(|l| l.strip_prefix(key))
                .and_then(|l| l.strip_prefix('"'))
        });
        unquoted.is_some_and(|rest| rest.trim_start().starts_with(':'))
    })
}

/// A scalar as text: strings, numbers and booleans (YAML reads `2025` as a number).
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Tagged(t) => scalar_text(&t.value),
        _ => None,
    }
}

/// A text or list of texts; empty list items are dropped. With `split`, a single
/// text is split on commas and spaces (`tags: a, b`).
fn string_list(value: &Value, split: bool) -> Option<Vec<String>> {
    match value {
        Value::Null => Some(Vec::new()),
        Value::Sequence(items) => {
            let mut out = Vec::new();
            for item in items {
                match item {
                    Value::Null => {}
                    other => out.push(scalar_text(other)?.trim().to_string()),
                }
            }
            out.retain(|s| !s.is_empty());
            Some(out)
        }
        other => {
            let text = scalar_text(other)?;
            if split {
                Some(
                    text.split([',', ' '])
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect(),
                )
            } else {
                Some(vec![text.trim().to_string()])
                    .map(|v| v.into_iter().filter(|s| !s.is_empty()).collect())
            }
        }
    }
}

/// Adds `tag` to a note's `tags` unless it is empty or there already, in any
/// case: a tag page lists a note once, and so does the note's own tag list.
fn add_tag(tags: &mut Vec<String>, tag: &str) {
    let same = |t: &String| t.eq_ignore_ascii_case(tag) || t.to_lowercase() == tag.to_lowercase();
    if !tag.is_empty() && !tags.iter().any(same) {
        tags.push(tag.to_string());
    }
}

/// Display values of an uninterpreted field: scalars as text, lists item by item,
/// nested mappings as `key: value`.
fn field_values(value: &Value) -> Vec<String> {
    match value {
        Value::Null => Vec::new(),
        // An unquoted `key: [[Note]]` is YAML for a list holding a list; read it
        // as the wikilink the author meant.
        Value::Sequence(items) => match items.as_slice() {
            [Value::Sequence(inner)] if matches!(inner.as_slice(), [Value::String(_)]) => inner
                .iter()
                .filter_map(scalar_text)
                .map(|t| format!("[[{t}]]"))
                .collect(),
            _ => items.iter().flat_map(field_values).collect(),
        },
        Value::Mapping(map) => map
            .iter()
            .map(|(k, v)| {
                let k = scalar_text(k).unwrap_or_default();
                format!("{k}: {}", field_values(v).join(", "))
            })
            .collect(),
        other => scalar_text(other).into_iter().collect(),
    }
}

/// Accepts `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, optionally followed by a time.
fn is_date(text: &str) -> bool {
    let text = text.trim();
    let date = text.split(['T', ' ']).next().unwrap_or("");
    let parts: Vec<&str> = date.split('-').collect();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let valid_range = |s: &str, max: u32| s.parse::<u32>().is_ok_and(|v| (1..=max).contains(&v));
    match parts.as_slice() {
        [y] => digits(y, 4),
        [y, m] => digits(y, 4) && digits(m, 2) && valid_range(m, 12),
        [y, m, d] => {
            digits(y, 4) && digits(m, 2) && digits(d, 2) && valid_range(m, 12) && valid_range(d, 31)
        }
        _ => false,
    }
}

/// URL of a note from its content path: every folder and the file name slugified.
fn url_for(path: &str, stem: &str) -> String {
    let mut url = String::new();
    let mut parts: Vec<&str> = path.split('/').collect();
    parts.pop();
    for dir in parts {
        let slug = slugify(dir);
        url.push_str(if slug.is_empty() { "untitled" } else { &slug });
        url.push('/');
    }
    let slug = slugify(stem);
    url.push_str(if slug.is_empty() { "untitled" } else { &slug });
    url.push('/');
    url
}

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
            "invalid YAML frontmatter: did not find expected ',' or ']', while parsing a flow sequence at line 3 column 7"
        );
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
        assert!(is_date("2025") && is_date("2025-03") && is_date("2025-03-04T10:00:00Z"));
        assert!(!is_date("March 2025") && !is_date("2025-13-01"));
    }
}
