//! Link stage: index notes once, resolve every link, and derive backlinks,
//! typed relations and tags.
//!
//! Resolution follows Obsidian, case-insensitively: exact vault path, then a
//! unique file name, then a title, then an alias. Every lookup is a hash-map
//! probe; only a failed lookup scans all names, to suggest the closest one.

mod suggest;

use rayon::prelude::*;
use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use crate::config::{BrokenLinks, Config};
use crate::diag::Diagnostic;
use crate::load::{Attachment, Note, Vault};
use crate::markdown::{LinkSyntax, Snippet};
use crate::mentions::{self, Mention, MentionFinder};
use crate::slug::{same_heading, slugify};
use crate::terms::{self, Postings, SearchTerms};

/// Index of a note in [`Library::notes`].
pub type NoteId = usize;

/// What a link points at after resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A published note, optionally at a heading id.
    Note { id: NoteId, anchor: Option<String> },
    /// A heading of the note the link is in.
    SameNote { anchor: String },
    /// An attachment, by index in [`Library::attachments`].
    Attachment(usize),
    /// A note left out of this build (a draft): shown as plain text.
    Unpublished,
    /// Nothing matched; the text explains why (a diagnostic was recorded too).
    Missing(String),
}

/// A piece of a frontmatter value: text, or a link written as `[[...]]`.
#[derive(Debug, Clone)]
pub enum Part {
    /// Literal text.
    Text(String),
    /// A wikilink with its visible label.
    Link { label: String, target: Resolved },
}

/// One source note linking to a note, with the sentence around each link.
#[derive(Debug, Clone)]
pub struct Backlink {
    /// The note that links here.
    pub source: NoteId,
    /// Indices (into the source's `scan.links`) of its links to this note;
    /// each carries the sentence around it.
    pub links: Vec<usize>,
}

/// Notes carrying a tag (or one of its nested tags).
#[derive(Debug, Clone, Default)]
pub struct Tag {
    /// The tag as first written, e.g. `Trade/Tariffs`.
    pub name: String,
    /// URL of the tag page relative to the site root.
    pub url: String,
    /// Notes, sorted by title.
    pub notes: Vec<NoteId>,
}

/// The linked knowledge base: notes with every link resolved, ready to render.
#[derive(Debug, Default)]
pub struct Library {
    /// All loaded notes, drafts included.
    pub notes: Vec<Note>,
    /// Whether each note is written to the output.
    pub published: Vec<bool>,
    /// Attachments copied to the output.
    pub attachments: Vec<Attachment>,
    /// Per note, the resolution of each link in `note.scan.links`.
    pub links: Vec<Vec<Resolved>>,
    /// Per note, whether it embeds another note (`![[Note]]`). Most do not,
    /// and then each of their links to a note is a plain `link` edge: graphs
    /// and checks need not read the link's syntax, which on a large site
    /// means reading every link again from memory the caches no longer hold.
    pub embeds: Vec<bool>,
    /// Per note, per field, per value: the value split into text and links.
    pub fields: Vec<Vec<Vec<Vec<Part>>>>,
    /// Per note, the notes linking to it, sorted by their titles.
    pub backlinks: Vec<Vec<Backlink>>,
    /// Per note, outgoing typed relations: (frontmatter key, targets).
    pub relations: Vec<Vec<(String, Vec<NoteId>)>>,
    /// Per note, incoming typed relations: (key, sources), e.g. ("affiliation", [Amanda Hsiao]).
    pub inverse_relations: Vec<Vec<(String, Vec<NoteId>)>>,
    /// Each note's position in title order; see [`Library::sort_by_title`].
    pub title_rank: Vec<usize>,
    /// Per note, the notes that name it without linking it, by title.
    pub mentions: Vec<Vec<Mention>>,
    /// The search terms of the published notes, gathered with the mentions;
    /// `None` after an incremental [`relink`] changed texts (the render stage
    /// then reads them again with [`terms::build`]).
    pub search_terms: Option<SearchTerms>,
    /// Tags by lowercase name, nested tags also counted under their parents.
    pub tags: BTreeMap<String, Tag>,
    /// Broken links, ambiguous links, unknown headings, URL clashes.
    pub diagnostics: Vec<Diagnostic>,
    /// The notes whose pages may show something new after the last
    /// [`relink`], or `None` when anything may have changed.
    pub touched: Option<Vec<NoteId>>,
    /// Whether the last [`relink`] changed any link or relation between notes,
    /// or a note's kind: what `graph.json` and the graph page show.
    pub edges_changed: bool,
    /// What [`relink`] can reuse.
    cache: LinkCache,
}

/// Hash indexes over note names, built once and kept while names stay the same.
#[derive(Debug, Default)]
struct Index {
    by_path: NameTable,
    by_full_path: FxHashMap<String, NoteId>,
    by_stem: NameTable,
    by_title: NameTable,
    by_alias: NameTable,
    attachment_by_path: FxHashMap<String, usize>,
    attachment_by_name: FxHashMap<String, Vec<usize>>,
}

/// Notes by a lowercase name or path.
type NameTable = FxHashMap<Box<str>, Ids>;

/// The notes that answer to one name: nearly always one, kept in the
/// table itself, so that a link's lookup reads no second allocation.
#[derive(Debug)]
enum Ids {
    One(NoteId),
    Many(Vec<NoteId>),
}

impl Ids {
    fn as_slice(&self) -> &[NoteId] {
        match self {
            Ids::One(id) => std::slice::from_ref(id),
            Ids::Many(ids) => ids,
        }
    }

    /// Adds `id`, unless it is the last one added (a note with the same
    /// name twice is listed once).
    fn push(&mut self, id: NoteId) {
        match self {
            Ids::One(last) if *last == id => {}
            Ids::One(first) => *self = Ids::Many(vec![*first, id]),
            Ids::Many(ids) if ids.last() == Some(&id) => {}
            Ids::Many(ids) => ids.push(id),
        }
    }
}

/// Adds `id` under `name`.
fn add_name(table: &mut NameTable, name: &str, id: NoteId) {
    table
        .entry(name.into())
        .and_modify(|ids| ids.push(id))
        .or_insert(Ids::One(id));
}

/// Why a lookup failed.
enum Failure {
    NotFound,
    Ambiguous(Vec<NoteId>),
}

/// Map sized for one key per note, so that filling it does not rehash it
/// again and again.
fn sized<K, V>(notes: usize) -> FxHashMap<K, V> {
    FxHashMap::with_capacity_and_hasher(notes, Default::default())
}

/// Notes by lowercase path without `.md` (`by_full_path`), and by every
/// suffix of it (`by_path`), so `[[actors/Wang Xiaohong]]` works wherever
/// `actors/` is.
fn path_tables(notes: &[Note]) -> (NameTable, FxHashMap<String, NoteId>) {
    let mut by_path: NameTable = sized(notes.len() * 2);
    let mut by_full_path = sized(notes.len());
    for (id, note) in notes.iter().enumerate() {
        let path = without_md(&note.path).to_lowercase();
        let mut suffix = path.as_str();
        loop {
            add_name(&mut by_path, suffix, id);
            match suffix.split_once('/') {
                Some((_, rest)) => suffix = rest,
                None => break,
            }
        }
        by_full_path.insert(path, id);
    }
    (by_path, by_full_path)
}

/// Notes by each of their names (lowercased), a note listed once per name.
fn name_table<'n>(names: impl ExactSizeIterator<Item = &'n [String]>) -> NameTable {
    let mut table: NameTable = sized(names.len());
    for (id, names) in names.enumerate() {
        for name in names {
            add_name(&mut table, &name.to_lowercase(), id);
        }
    }
    table
}

/// Attachments by lowercase path and by lowercase file name.
fn attachment_tables(
    attachments: &[Attachment],
) -> (FxHashMap<String, usize>, FxHashMap<String, Vec<usize>>) {
    let mut by_path = FxHashMap::default();
    let mut by_name: FxHashMap<String, Vec<usize>> = FxHashMap::default();
    for (i, a) in attachments.iter().enumerate() {
        let path = a.path.to_lowercase();
        let name = path.rsplit('/').next().unwrap_or(&path).to_string();
        by_name.entry(name).or_default().push(i);
        by_path.insert(path, i);
    }
    (by_path, by_name)
}

/// The folder part of a content path: `actors` for `actors/Wang.md`, `` for `Wang.md`.
fn folder_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(folder, _)| folder)
}

/// `target` without leading `./` and `/`: a name looked up from the root.
fn from_root(target: &str) -> &str {
    // Not `trim_start_matches("./")`: a substring pattern sets up a
    // searcher on every call, and this runs for every link.
    let mut rest = target;
    while let Some(shorter) = rest.strip_prefix("./") {
        rest = shorter;
    }
    rest.trim_start_matches('/')
}

fn without_md(path: &str) -> &str {
    match path.len().checked_sub(3) {
        Some(i) if path.is_char_boundary(i) && path[i..].eq_ignore_ascii_case(".md") => &path[..i],
        _ => path,
    }
}

impl Index {
    fn new(notes: &[Note], attachments: &[Attachment]) -> Self {
        // The tables are independent: built side by side, as the link
        // stage's first step waits for the slowest of them.
        let ((paths, stems), (titles, (aliases, attachment_tables))) = rayon::join(
            || {
                rayon::join(
                    || path_tables(notes),
                    || name_table(notes.iter().map(|n| std::slice::from_ref(&n.stem))),
                )
            },
            || {
                rayon::join(
                    || name_table(notes.iter().map(|n| std::slice::from_ref(&n.title))),
                    || {
                        (
                            name_table(notes.iter().map(|n| n.aliases.as_slice())),
                            attachment_tables(attachments),
                        )
                    },
                )
            },
        );
        let (by_path, by_full_path) = paths;
        let (attachment_by_path, attachment_by_name) = attachment_tables;
        Index {
            by_path,
            by_full_path,
            by_stem: stems,
            by_title: titles,
            by_alias: aliases,
            attachment_by_path,
            attachment_by_name,
        }
    }

    /// Resolves a note name or path as written in a wikilink in note `from`.
    fn note(&self, notes: &[Note], target: &str, from: NoteId) -> Result<NoteId, Failure> {
        let key = without_md(from_root(target)).to_lowercase();
        let tables: &[&NameTable] = if key.contains('/') {
            &[&self.by_path]
        } else {
            &[&self.by_stem, &self.by_title, &self.by_alias]
        };
        for table in tables {
            match table.get(key.as_str()).map(Ids::as_slice) {
                Some([id]) => return Ok(*id),
                Some(ids) if ids.len() > 1 => {
                    // As in Obsidian, a match in the linking note's own folder wins.
                    let folder = folder_of(&notes[from].path);
                    let mut local = ids
                        .iter()
                        .filter(|&&id| folder_of(&notes[id].path) == folder);
                    if let (Some(&id), None) = (local.next(), local.next()) {
                        return Ok(id);
                    }
                    return Err(Failure::Ambiguous(ids.to_vec()));
                }
                _ => {}
            }
        }
        Err(Failure::NotFound)
    }

    /// Resolves an attachment by exact path, then by unique file name.
    fn attachment(&self, target: &str) -> Result<usize, Failure> {
        let key = from_root(target).to_lowercase();
        if let Some(&i) = self.attachment_by_path.get(&key) {
            return Ok(i);
        }
        if key.contains('/') {
            return Err(Failure::NotFound);
        }
        match self.attachment_by_name.get(&key).map(Vec::as_slice) {
            Some([i]) => Ok(*i),
            Some(ids) if ids.len() > 1 => Err(Failure::Ambiguous(ids.to_vec())),
            _ => Err(Failure::NotFound),
        }
    }
}

/// Resolves a link's path relative to the folder of the note it is in, for
/// Markdown links. `None` if it climbs out of the content folder.
fn join_relative(note_path: &str, target: &str) -> Option<String> {
    let mut parts: Vec<&str> = note_path.split('/').collect();
    parts.pop();
    for segment in target.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

fn has_extension(target: &str) -> bool {
    // Byte searches: this runs for every link, and `/` and `.` are ASCII,
    // so the cuts fall between characters.
    let name = memchr::memrchr(b'/', target.as_bytes()).map_or(target, |i| &target[i + 1..]);
    let Some(dot) = memchr::memrchr(b'.', name.as_bytes()) else {
        return false;
    };
    let (stem, ext) = (&name[..dot], &name[dot + 1..]);
    !stem.is_empty()
        && !ext.eq_ignore_ascii_case("md")
        && (1..=5).contains(&ext.len())
        && ext.chars().all(char::is_alphanumeric)
}

/// Whether a name ends in the extension of a file type people attach
/// (images, audio, video, documents); `[[a..b]]` or `[[mailbox.org]]`
/// that resolve to nothing are unknown notes, not attachments.
fn is_attachment_name(target: &str) -> bool {
    const TYPES: [&str; 24] = [
        "png", "jpg", "jpeg", "gif", "webp", "svg", "avif", "bmp", "pdf", "mp3", "wav", "ogg",
        "m4a", "flac", "mp4", "webm", "mov", "mkv", "canvas", "csv", "txt", "zip", "json", "base",
    ];
    target
        .rsplit_once('.')
        .is_some_and(|(_, ext)| TYPES.iter().any(|t| ext.eq_ignore_ascii_case(t)))
}

/// Where a link was written, turned into a file position only when a problem
/// is reported (most links resolve, and positions cost a scan of the file).
#[derive(Clone, Copy)]
enum LinkSite<'s> {
    /// In the body, at this byte offset.
    Body { offset: usize, syntax: LinkSyntax },
    /// In the frontmatter value of the key on `line`, written as `[[dest]]`.
    Field { line: usize, dest: &'s str },
}

impl LinkSite<'_> {
    /// (line, column) in the file.
    fn position(self, note: &Note) -> (usize, usize) {
        match self {
            LinkSite::Body { offset, .. } => note.body_position(offset),
            LinkSite::Field { line, dest } => field_link_position(note, line, dest),
        }
    }

    /// The link as the author wrote it, for messages.
    fn written(self, note: &Note) -> String {
        match self {
            LinkSite::Body { offset, syntax } => {
                let text = &note.body()[offset..];
                let closing = match syntax {
                    LinkSyntax::Wiki | LinkSyntax::WikiEmbed => text.find("]]").map(|e| e + 2),
                    LinkSyntax::Markdown | LinkSyntax::MarkdownImage => {
                        text.find(')').map(|e| e + 1)
                    }
                };
                let end = closing.unwrap_or(text.len());
                let end = text[..end].find('\n').unwrap_or(end);
                text[..end].to_string()
            }
            LinkSite::Field { dest, .. } => format!("[[{dest}]]"),
        }
    }
}

/// Resolves links against the index and records what went wrong. Shared by
/// all threads; each note collects its own diagnostics.
struct Resolver<'a> {
    index: &'a Index,
    notes: &'a [Note],
    attachments: &'a [Attachment],
    published: &'a [bool],
    policy: BrokenLinks,
    suggester: &'a suggest::Suggester<'a>,
}

impl Resolver<'_> {
    fn report(
        &self,
        diagnostics: &mut Vec<Diagnostic>,
        note: &Note,
        site: LinkSite,
        message: impl FnOnce(&str) -> String,
        help: Option<String>,
    ) {
        let (line, column) = site.position(note);
        let mut d = Diagnostic::error(
            note.display_path.clone(),
            line,
            column,
            message(&site.written(note)),
        );
        d.help = help;
        if self.policy == BrokenLinks::Warn {
            d = d.into_warning();
        }
        diagnostics.push(d);
    }

    /// Resolves one link from note `from`, written at `site`.
    fn resolve(
        &self,
        from: NoteId,
        target: &str,
        fragment: Option<&str>,
        site: LinkSite,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Resolved {
        let notes = self.notes;
        let note = &notes[from];
        if target.is_empty() {
            let Some(f) = fragment else {
                return Resolved::Missing("empty link".into());
            };
            return match self.heading(from, f) {
                Some(anchor) => Resolved::SameNote { anchor },
                None => {
                    let help = self.heading_hint(from, f);
                    let message = |w: &str| {
                        format!(
                            "unknown {} in link {w}: this note has no {}",
                            what_fragment(f),
                            named_fragment(f)
                        )
                    };
                    self.report(diagnostics, note, site, message, help);
                    Resolved::Missing(format!("no {}", named_fragment(f)))
                }
            };
        }

        let markdown = matches!(
            site,
            LinkSite::Body {
                syntax: LinkSyntax::Markdown | LinkSyntax::MarkdownImage,
                ..
            }
        );
        let found = if markdown {
            self.markdown_target(from, target)
        } else if has_extension(target) {
            // `[[mailbox.org]]` is a note when no attachment has that name.
            match self.index.attachment(target) {
                Err(Failure::NotFound) => self
                    .index
                    .note(self.notes, target, from)
                    .map(|id| Resolved::Note { id, anchor: None }),
                found => found.map(Resolved::Attachment),
            }
        } else {
            self.index
                .note(self.notes, target, from)
                .map(|id| Resolved::Note { id, anchor: None })
        };
        match found {
            Ok(Resolved::Note { id, .. }) if !self.published[id] => Resolved::Unpublished,
            Ok(Resolved::Note { id, .. }) => {
                let anchor = fragment.and_then(|f| {
                    let anchor = self.heading(id, f);
                    if anchor.is_none() {
                        let help = self.heading_hint(id, f);
                        let other = notes[id].display_path.display();
                        let message = |w: &str| {
                            format!(
                                "unknown {} in link {w}: {other} has no {}",
                                what_fragment(f),
                                named_fragment(f)
                            )
                        };
                        self.report(diagnostics, note, site, message, help);
                    }
                    anchor
                });
                Resolved::Note { id, anchor }
            }
            Ok(other) => other,
            Err(Failure::Ambiguous(ids)) => {
                let is_attachment = has_extension(target) && !markdown;
                let candidates: Vec<&str> = if is_attachment {
                    ids.iter()
                        .map(|&i| self.attachments[i].path.as_str())
                        .collect()
                } else {
                    ids.iter().map(|&i| notes[i].path.as_str()).collect()
                };
                let forms: Vec<String> = candidates
                    .iter()
                    .map(|c| format!("[[{}]]", if is_attachment { c } else { without_md(c) }))
                    .collect();
                let list = candidates.join(", ");
                let help = Some(format!(
                    "write the path to pick one: {}",
                    forms.join(" or ")
                ));
                self.report(
                    diagnostics,
                    note,
                    site,
                    |w| format!("ambiguous link {w}: it matches {list}"),
                    help,
                );
                Resolved::Missing(format!("ambiguous: {list}"))
            }
            Err(Failure::NotFound) => {
                let (what, help) = if has_extension(target) && is_attachment_name(target) {
                    ("unknown attachment", None)
                } else {
                    let name = target.rsplit('/').next().unwrap_or(target);
                    ("unknown link", self.suggester.suggest(without_md(name)))
                };
                self.report(diagnostics, note, site, |w| format!("{what} {w}"), help);
                Resolved::Missing(format!("missing: {target}"))
            }
        }
    }

    fn markdown_target(&self, from: NoteId, target: &str) -> Result<Resolved, Failure> {
        let note = &self.notes[from];
        let joined = join_relative(&note.path, target);
        if has_extension(target) {
            let from_note = joined.as_deref().map(|p| self.index.attachment(p));
            return match from_note {
                Some(Ok(i)) => Ok(Resolved::Attachment(i)),
                _ => self.index.attachment(target).map(Resolved::Attachment),
            };
        }
        // Relative to the note, then from the vault root (Obsidian's absolute form).
        let full = |path: &str| {
            self.index
                .by_full_path
                .get(&without_md(path).to_lowercase())
                .copied()
        };
        if let Some(id) = joined
            .as_deref()
            .and_then(full)
            .or_else(|| full(target.trim_start_matches('/')))
        {
            return Ok(Resolved::Note { id, anchor: None });
        }
        if !target.contains('/') {
            return self
                .index
                .note(self.notes, target, from)
                .map(|id| Resolved::Note { id, anchor: None });
        }
        Err(Failure::NotFound)
    }

    /// The anchor in note `id` that `fragment` names: a heading's id, or `^id`
    /// for a block. In nested fragments (`A#B`) each part is looked for among
    /// the headings under the previous one, as in Obsidian.
    fn heading(&self, id: NoteId, fragment: &str) -> Option<String> {
        let note = &self.notes[id];
        let parts: Vec<&str> = fragment
            .split('#')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        if let Some(block) = parts.last()?.strip_prefix('^') {
            let found = note
                .scan
                .block_ids
                .iter()
                .find(|b| b.id == block)
                .or_else(|| {
                    note.scan
                        .block_ids
                        .iter()
                        .find(|b| b.id.eq_ignore_ascii_case(block))
                })?;
            return Some(format!("^{}", found.id));
        }
        let headings = &note.scan.headings;
        let (mut start, mut end, mut found) = (0, headings.len(), None);
        for part in parts {
            let i = start
                + headings[start..end]
                    .iter()
                    .position(|h| same_heading(&h.text, part) || h.id == part)?;
            let level = headings[i].level;
            end = headings[i + 1..end]
                .iter()
                .position(|h| h.level <= level)
                .map_or(end, |p| i + 1 + p);
            start = i + 1;
            found = Some(i);
        }
        found.map(|i| headings[i].id.clone())
    }

    fn heading_hint(&self, id: NoteId, fragment: &str) -> Option<String> {
        let wanted = fragment.to_lowercase();
        self.notes[id]
            .scan
            .headings
            .iter()
            .map(|h| {
                (
                    strsim::jaro_winkler(&wanted, &h.text.to_lowercase()),
                    &h.text,
                )
            })
            .filter(|(score, _)| *score >= 0.7)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, text)| format!("did you mean #{text}?"))
    }
}

/// "heading" or "block", for messages about a link's fragment.
fn what_fragment(fragment: &str) -> &'static str {
    if fragment
        .rsplit('#')
        .next()
        .unwrap_or(fragment)
        .trim()
        .starts_with('^')
    {
        "block"
    } else {
        "heading"
    }
}

/// "heading `Role`" or "block `^claim`".
fn named_fragment(fragment: &str) -> String {
    format!(
        "{} `{}`",
        what_fragment(fragment),
        fragment.rsplit('#').next().unwrap_or(fragment).trim()
    )
}

/// Splits a frontmatter value into text and `[[wikilinks]]`, with the byte
/// offset of each link in the value.
fn wikilinks_in(value: &str) -> Vec<(std::ops::Range<usize>, &str, Option<&str>)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(open) = value[pos..].find("[[") {
        let start = pos + open;
        let Some(close) = value[start + 2..].find("]]") else {
            break;
        };
        let inner = &value[start + 2..start + 2 + close];
        let (dest, label) = match inner.split_once('|') {
            Some((d, l)) => (d, Some(l.trim())),
            None => (inner, None),
        };
        pos = start + 2 + close + 2;
        out.push((start..pos, dest, label));
    }
    out
}

/// Line and column in the file of the `[[` of a link in a frontmatter value.
fn field_link_position(note: &Note, key_line: usize, dest: &str) -> (usize, usize) {
    let needle = format!("[[{dest}");
    for (i, line) in note
        .source
        .lines()
        .enumerate()
        .skip(key_line.saturating_sub(1))
    {
        if let Some(col) = line.find(&needle) {
            return (i + 1, line[..col].chars().count() + 1);
        }
        if i + 1 > key_line && line.starts_with(|c: char| !c.is_whitespace() && c != '-') {
            break; // reached the next key
        }
    }
    (key_line, 1)
}

/// Each note's position in title order (case-insensitive, ties by path), the
/// order every list on the site uses. Computed once, so sorting a list costs no
/// string work.
fn title_ranks(notes: &[Note]) -> Vec<usize> {
    let mut order: Vec<NoteId> = (0..notes.len()).collect();
    order.sort_by_cached_key(|&id| (notes[id].title.to_lowercase(), id));
    let mut ranks = vec![0; notes.len()];
    for (rank, id) in order.into_iter().enumerate() {
        ranks[id] = rank;
    }
    ranks
}

impl Library {
    /// Whether link `index` of note `source` (in `note.scan.links`) embeds
    /// a note: its edge in the graphs is `embed`, not `link`.
    pub fn is_embed_link(&self, source: NoteId, index: usize) -> bool {
        is_embed_link(&self.notes, &self.embeds, source, index)
    }

    /// Sorts note ids by title, the order every list on the site uses.
    pub fn sort_by_title(&self, ids: &mut [NoteId]) {
        ids.sort_by_key(|&id| self.title_rank[id]);
    }
}

/// What the link stage keeps between runs, so a preview rebuild can skip work.
#[derive(Debug, Default)]
struct LinkCache {
    /// What each note was when last linked.
    notes: NoteCopies,
    /// Per note, a hash of its links and relations to other notes (graph edges).
    edge_hashes: Vec<u64>,
    /// Finds names in text; depends only on names, so kept while they stay.
    finder: MentionFinder,
    /// Per note, the notes its text mentions without linking.
    mention_targets: Vec<Vec<NoteId>>,
    attachments: Vec<String>,
    published: Vec<bool>,
    policy: BrokenLinks,
    index: Index,
    /// Link problems of each note.
    note_diagnostics: Vec<Vec<Diagnostic>>,
    cycle_diagnostics: Vec<Diagnostic>,
    clash_diagnostics: Vec<Diagnostic>,
}

/// Runs the link stage over everything the load stage read.
pub fn link(vault: Vault, config: &Config, include_drafts: bool) -> Library {
    relink(vault, config, include_drafts, None)
}

/// Like [`link`], but reuses the work of `previous` where it still holds: when
/// no note or attachment came or went and no note's names, headings or block
/// ids changed, only the notes whose text changed are resolved again, and
/// backlinks, relations and tags are updated for them alone.
pub fn relink(
    vault: Vault,
    config: &Config,
    include_drafts: bool,
    previous: Option<Library>,
) -> Library {
    let Vault {
        notes,
        attachments,
        diagnostics: _,
    } = vault;
    let published: Vec<bool> = notes.iter().map(|n| include_drafts || !n.draft).collect();
    let same_layout = |p: &Library| {
        p.cache.policy == config.broken_links
            && p.cache.published == published
            && p.cache.notes.signatures.len() == notes.len()
            && notes
                .iter()
                .zip(&p.cache.notes.signatures)
                .all(|(n, &s)| n.signature == s)
            && p.cache.notes.paths.iter().eq(notes.iter().map(|n| &n.path))
            && p.cache
                .attachments
                .iter()
                .eq(attachments.iter().map(|a| &a.path))
    };
    match previous.filter(same_layout) {
        Some(previous) => relink_in_place(previous, notes, attachments, config),
        None => link_all(notes, attachments, published, config),
    }
}

fn link_all(
    notes: Vec<Note>,
    attachments: Vec<Attachment>,
    published: Vec<bool>,
    config: &Config,
) -> Library {
    // Independent steps run side by side throughout: on two cores the
    // serial ones otherwise leave a core idle.
    let (index, (finder, title_rank)) = rayon::join(
        || Index::new(&notes, &attachments),
        || {
            rayon::join(
                || MentionFinder::new(&notes, &published),
                || title_ranks(&notes),
            )
        },
    );
    let suggester = suggest::Suggester::new(&notes);
    let resolver = Resolver {
        index: &index,
        notes: &notes,
        attachments: &attachments,
        published: &published,
        policy: config.broken_links,
        suggester: &suggester,
    };
    let mut links = Vec::with_capacity(notes.len());
    let mut fields = Vec::with_capacity(notes.len());
    let mut note_diagnostics = Vec::with_capacity(notes.len());
    let mut embeds = Vec::with_capacity(notes.len());
    let resolved: Vec<NoteLinks> = (0..notes.len())
        .into_par_iter()
        .map(|id| resolve_note(&resolver, id))
        .collect();
    for note in resolved {
        links.push(note.links);
        fields.push(note.fields);
        note_diagnostics.push(note.diagnostics);
        embeds.push(note.embeds);
    }
    let ((backlinks, (relations, inverse_relations)), tags) = rayon::join(
        || {
            rayon::join(
                || collect_backlinks(&published, &links, &title_rank),
                || collect_relations(&notes, &published, &fields, &title_rank),
            )
        },
        || collect_tags(&notes, &published, &title_rank),
    );
    // Mentions and search terms come from the same pass over each note's
    // words: both need every word found and hashed.
    let docs = terms::doc_numbers(&published);
    let find_mentions = || -> (Vec<Vec<(NoteId, Snippet)>>, Postings) {
        (0..notes.len())
            .into_par_iter()
            .with_min_len(terms::notes_per_table(notes.len()))
            .fold(
                || (Vec::new(), Postings::default()),
                |(mut found, mut postings), id| {
                    if published[id] {
                        let prose = notes[id].prose();
                        let tokens = mentions::tokenize(&prose);
                        let related = related(&relations[id]);
                        found.push(
                            finder.find_in(&notes, id, &prose, &tokens, &links[id], &related),
                        );
                        postings.add_note(docs[id], &notes[id], prose, &tokens);
                    } else {
                        found.push(Vec::new());
                    }
                    (found, postings)
                },
            )
            .reduce(
                || (Vec::new(), Postings::default()),
                |(mut found, postings), (more, other)| {
                    found.extend(more);
                    (found, postings.merge(other))
                },
            )
    };
    // Short next to the mention search, so one task beside it is enough:
    // the checks, and what the cache copies from the notes.
    let check = || {
        let edge_hashes: Vec<u64> = (0..notes.len())
            .into_par_iter()
            .map(|id| edge_hash(&notes[id], &links[id], &relations[id]))
            .collect();
        let copies = NoteCopies::of(&notes);
        (
            check_embed_cycles(&notes, &links, &embeds, config.broken_links),
            check_url_clashes(&notes, &published, &attachments, &tags, config),
            edge_hashes,
            copies,
        )
    };
    let ((found, postings), (cycle_diagnostics, clash_diagnostics, edge_hashes, copies)) =
        rayon::join(find_mentions, check);
    // The terms are sorted beside the rest of this function's serial work.
    let (search_terms, (mentions, mention_targets)) =
        rayon::join(|| postings.finish(), || gather_mentions(found, &title_rank));
    let cache = LinkCache {
        notes: copies,
        finder,
        mention_targets,
        edge_hashes,
        attachments: attachments.iter().map(|a| a.path.clone()).collect(),
        published: published.clone(),
        policy: config.broken_links,
        index,
        note_diagnostics,
        cycle_diagnostics,
        clash_diagnostics,
    };
    let mut library = Library {
        notes,
        published,
        attachments,
        links,
        embeds,
        fields,
        backlinks,
        relations,
        inverse_relations,
        title_rank,
        mentions,
        search_terms: Some(search_terms),
        tags,
        diagnostics: Vec::new(),
        touched: None,
        edges_changed: true,
        cache,
    };
    library.collect_diagnostics();
    library
}

/// What [`LinkCache`] keeps of each note, to tell later what changed.
#[derive(Debug, Default)]
struct NoteCopies {
    paths: Vec<String>,
    /// Per note: what other notes' links resolve against (names, headings, block ids).
    signatures: Vec<u64>,
    source_hashes: Vec<u64>,
    /// Per note, its tags when last linked.
    tag_lists: Vec<Vec<String>>,
}

impl NoteCopies {
    fn of(notes: &[Note]) -> NoteCopies {
        NoteCopies {
            paths: notes.iter().map(|n| n.path.clone()).collect(),
            signatures: notes.iter().map(|n| n.signature).collect(),
            source_hashes: notes.iter().map(|n| n.source_hash).collect(),
            tag_lists: notes.iter().map(|n| n.tags.clone()).collect(),
        }
    }
}

/// The mentions found in each note (by source) turned around: per note, the
/// notes mentioning it, by title; and per note, the notes it mentions.
fn gather_mentions(
    found: Vec<Vec<(NoteId, Snippet)>>,
    title_rank: &[usize],
) -> (Vec<Vec<Mention>>, Vec<Vec<NoteId>>) {
    let mut mentions: Vec<Vec<Mention>> = vec![Vec::new(); found.len()];
    let mut mention_targets = Vec::with_capacity(found.len());
    for (source, list) in found.into_iter().enumerate() {
        mention_targets.push(list.iter().map(|(t, _)| *t).collect());
        for (target, context) in list {
            mentions[target].push(Mention { source, context });
        }
    }
    for list in &mut mentions {
        list.sort_by_key(|m| title_rank[m.source]);
    }
    (mentions, mention_targets)
}

/// The incremental path of [`relink`]: `previous` has the same notes, names
/// and attachments; only texts changed.
fn relink_in_place(
    mut lib: Library,
    notes: Vec<Note>,
    attachments: Vec<Attachment>,
    config: &Config,
) -> Library {
    let stale: Vec<NoteId> = (0..notes.len())
        .filter(|&id| lib.cache.notes.source_hashes[id] != notes[id].source_hash)
        .collect();
    if !stale.is_empty() {
        // Texts changed: the render stage reads the terms again when it needs them.
        lib.search_terms = None;
    }
    let suggester = suggest::Suggester::new(&notes);
    let resolver = Resolver {
        index: &lib.cache.index,
        notes: &notes,
        attachments: &attachments,
        published: &lib.published,
        policy: config.broken_links,
        suggester: &suggester,
    };
    let fresh: Vec<(NoteId, NoteLinks)> = stale
        .par_iter()
        .map(|&id| (id, resolve_note(&resolver, id)))
        .collect();
    let mut embeds_changed = false;
    let mut tags_changed = false;
    let mut edges_changed = false;
    // Pages that may change: the edited notes, what they linked or relate to
    // before and after, and what links to or relates to them.
    let mut touched: Vec<NoteId> = stale.clone();
    for (id, fresh) in fresh {
        let NoteLinks {
            links: new_links,
            fields: new_fields,
            diagnostics: new_diagnostics,
            embeds: embeds_now,
        } = fresh;
        // Embed cycles need a new look when the note embeds (or embedded) a note.
        embeds_changed |= embeds_now || lib.embeds[id];
        lib.embeds[id] = embeds_now;
        touched.extend(note_targets(&lib.links[id], id));
        touched.extend(note_targets(&new_links, id));
        touched.extend(lib.backlinks[id].iter().map(|b| b.source));
        touched.extend(
            lib.relations[id]
                .iter()
                .flat_map(|(_, targets)| targets.iter().copied()),
        );
        touched.extend(
            lib.inverse_relations[id]
                .iter()
                .flat_map(|(_, sources)| sources.iter().copied()),
        );
        if lib.published[id] {
            // Backlinks: drop this note from its old targets, add it to the new ones.
            for target in note_targets(&lib.links[id], id) {
                lib.backlinks[target].retain(|b| b.source != id);
            }
            for (index, resolved) in new_links.iter().enumerate() {
                if let Resolved::Note { id: target, .. } = *resolved {
                    if target == id {
                        continue;
                    }
                    let list = &mut lib.backlinks[target];
                    match list.iter_mut().find(|b| b.source == id) {
                        Some(b) => b.links.push(index),
                        None => list.push(Backlink {
                            source: id,
                            links: vec![index],
                        }),
                    }
                }
            }
            for target in note_targets(&new_links, id) {
                lib.backlinks[target].sort_by_key(|b| lib.title_rank[b.source]);
            }
            // Relations: same for the inverse lists.
            for (key, targets) in &lib.relations[id] {
                for &target in targets {
                    if let Some(pos) = lib.inverse_relations[target]
                        .iter()
                        .position(|(k, _)| k == key)
                    {
                        lib.inverse_relations[target][pos].1.retain(|&s| s != id);
                        if lib.inverse_relations[target][pos].1.is_empty() {
                            lib.inverse_relations[target].remove(pos);
                        }
                    }
                }
            }
            lib.relations[id] = outgoing_relations(&notes[id], &new_fields);
            touched.extend(
                lib.relations[id]
                    .iter()
                    .flat_map(|(_, targets)| targets.iter().copied()),
            );
            for (key, targets) in &lib.relations[id] {
                for &target in targets {
                    let lists = &mut lib.inverse_relations[target];
                    let pos = match lists.binary_search_by(|(k, _)| k.as_str().cmp(key)) {
                        Ok(pos) => pos,
                        Err(pos) => {
                            lists.insert(pos, (key.clone(), Vec::new()));
                            pos
                        }
                    };
                    let sources = &mut lists[pos].1;
                    if !sources.contains(&id) {
                        let at =
                            sources.partition_point(|&s| lib.title_rank[s] < lib.title_rank[id]);
                        sources.insert(at, id);
                    }
                }
            }
        }
        // Unlinked mentions: withdraw the old ones, find the new ones.
        for &target in &lib.cache.mention_targets[id] {
            lib.mentions[target].retain(|m| m.source != id);
            touched.push(target);
        }
        let found = if lib.published[id] {
            lib.cache
                .finder
                .find(&notes, id, &new_links, &related(&lib.relations[id]))
        } else {
            Vec::new()
        };
        lib.cache.mention_targets[id] = found.iter().map(|(t, _)| *t).collect();
        for (target, context) in found {
            let list = &mut lib.mentions[target];
            let at = list.partition_point(|m| lib.title_rank[m.source] < lib.title_rank[id]);
            list.insert(
                at,
                Mention {
                    source: id,
                    context,
                },
            );
            touched.push(target);
        }
        tags_changed |= lib.cache.notes.tag_lists[id] != notes[id].tags;
        let edges = edge_hash(&notes[id], &new_links, &lib.relations[id]);
        edges_changed |= edges != lib.cache.edge_hashes[id];
        lib.cache.edge_hashes[id] = edges;
        lib.links[id] = new_links;
        lib.fields[id] = new_fields;
        lib.cache.note_diagnostics[id] = new_diagnostics;
        lib.cache.notes.source_hashes[id] = notes[id].source_hash;
    }
    if tags_changed {
        lib.tags = collect_tags(&notes, &lib.published, &lib.title_rank);
        lib.cache.notes.tag_lists = notes.iter().map(|n| n.tags.clone()).collect();
        lib.cache.clash_diagnostics =
            check_url_clashes(&notes, &lib.published, &attachments, &lib.tags, config);
    }
    if embeds_changed || !lib.cache.cycle_diagnostics.is_empty() {
        lib.cache.cycle_diagnostics =
            check_embed_cycles(&notes, &lib.links, &lib.embeds, config.broken_links);
    }
    // Notes embedding a touched note show its text: follow embeds backwards.
    let mut queue = touched.clone();
    while let Some(id) = queue.pop() {
        for backlink in &lib.backlinks[id] {
            let embeds = backlink
                .links
                .iter()
                .any(|&i| is_embed_link(&notes, &lib.embeds, backlink.source, i));
            if embeds && !touched.contains(&backlink.source) {
                touched.push(backlink.source);
                queue.push(backlink.source);
            }
        }
    }
    touched.sort_unstable();
    touched.dedup();
    // Tag counts show on every page with the tag: then anything may have changed.
    let touched = (!tags_changed).then_some(touched);
    lib.notes = notes;
    lib.attachments = attachments;
    lib.touched = touched;
    lib.edges_changed = edges_changed;
    lib.collect_diagnostics();
    lib
}

/// A hash of a note's part of the graph: where its links go (and whether
/// they embed), its typed relations, and its kind (the node's colour).
fn edge_hash(note: &Note, links: &[Resolved], relations: &[(String, Vec<NoteId>)]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut edges: Vec<(NoteId, bool)> = note
        .scan
        .links
        .iter()
        .zip(links)
        .filter_map(|(link, r)| match r {
            Resolved::Note { id, .. } => Some((*id, link.syntax == LinkSyntax::WikiEmbed)),
            _ => None,
        })
        .collect();
    edges.sort_unstable();
    edges.dedup();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (edges, relations, &note.kind).hash(&mut h);
    h.finish()
}

/// The notes a note's frontmatter relates it to.
fn related(relations: &[(String, Vec<NoteId>)]) -> Vec<NoteId> {
    relations
        .iter()
        .flat_map(|(_, ids)| ids.iter().copied())
        .collect()
}

/// Whether link `index` of note `source` embeds a note (`![[Note]]`). The
/// link's syntax is read only when the note embeds notes at all (`embeds`,
/// [`Library::embeds`]).
fn is_embed_link(notes: &[Note], embeds: &[bool], source: NoteId, index: usize) -> bool {
    embeds[source]
        && notes[source]
            .scan
            .links
            .get(index)
            .is_some_and(|l| l.syntax == LinkSyntax::WikiEmbed)
}

/// Whether a note embeds another note (`![[Note]]`).
fn embeds_a_note(note: &Note, links: &[Resolved]) -> bool {
    note.scan
        .links
        .iter()
        .zip(links)
        .any(|(l, r)| l.syntax == LinkSyntax::WikiEmbed && matches!(r, Resolved::Note { .. }))
}

/// The distinct notes (other than `source`) that a note's resolved links point at.
fn note_targets(links: &[Resolved], source: NoteId) -> Vec<NoteId> {
    let mut targets: Vec<NoteId> = links
        .iter()
        .filter_map(|r| match r {
            Resolved::Note { id, .. } if *id != source => Some(*id),
            _ => None,
        })
        .collect();
    targets.sort_unstable();
    targets.dedup();
    targets
}

impl Library {
    /// A hash of the whole graph's edges and kinds (see `edges_changed`).
    pub fn graph_hash(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.cache.edge_hashes.hash(&mut h);
        h.finish()
    }

    /// Gathers every link problem into `diagnostics`.
    fn collect_diagnostics(&mut self) {
        let cache = &self.cache;
        self.diagnostics = cache
            .note_diagnostics
            .iter()
            .flatten()
            .chain(&cache.cycle_diagnostics)
            .chain(&cache.clash_diagnostics)
            .cloned()
            .collect();
    }
}

/// One note's links as [`resolve_note`] resolves them.
struct NoteLinks {
    /// Each link of the body.
    links: Vec<Resolved>,
    /// Each frontmatter value, split into text and links.
    fields: Vec<Vec<Vec<Part>>>,
    diagnostics: Vec<Diagnostic>,
    /// See [`Library::embeds`].
    embeds: bool,
}

/// Resolves the body and frontmatter links of one note.
fn resolve_note(resolver: &Resolver, id: NoteId) -> NoteLinks {
    let note = &resolver.notes[id];
    let mut diagnostics = Vec::new();
    if !resolver.published[id] {
        return NoteLinks {
            links: vec![Resolved::Unpublished; note.scan.links.len()],
            fields: field_parts(note, |_, _| Resolved::Unpublished),
            diagnostics,
            embeds: false,
        };
    }
    let links: Vec<Resolved> = note
        .scan
        .links
        .iter()
        .map(|link| {
            let site = LinkSite::Body {
                offset: link.offset,
                syntax: link.syntax,
            };
            resolver.resolve(
                id,
                &link.target,
                link.fragment.as_deref(),
                site,
                &mut diagnostics,
            )
        })
        .collect();
    let fields = field_parts(note, |line, dest| {
        let (target, fragment) = crate::markdown::split_wiki_target(dest);
        resolver.resolve(
            id,
            &target,
            fragment.as_deref(),
            LinkSite::Field { line, dest },
            &mut diagnostics,
        )
    });
    // Read here, while the note's links are in the cache.
    let embeds = embeds_a_note(note, &links);
    NoteLinks {
        links,
        fields,
        diagnostics,
        embeds,
    }
}

/// Splits every frontmatter value of `note` into text and links, resolving
/// each `[[dest]]` found on the key's `line` with `resolve(line, dest)`.
fn field_parts(
    note: &Note,
    mut resolve: impl FnMut(usize, &str) -> Resolved,
) -> Vec<Vec<Vec<Part>>> {
    note.fields
        .iter()
        .map(|field| {
            field
                .values
                .iter()
                .map(|value| {
                    let mut parts = Vec::new();
                    let mut last = 0;
                    for (range, dest, label) in wikilinks_in(value) {
                        if range.start > last {
                            parts.push(Part::Text(value[last..range.start].to_string()));
                        }
                        let target = resolve(field.line, dest);
                        let label =
                            label.map_or_else(|| crate::markdown::wiki_label(dest), str::to_string);
                        parts.push(Part::Link { label, target });
                        last = range.end;
                    }
                    if last < value.len() {
                        parts.push(Part::Text(value[last..].to_string()));
                    }
                    parts
                })
                .collect()
        })
        .collect()
}

fn collect_backlinks(
    published: &[bool],
    links: &[Vec<Resolved>],
    ranks: &[usize],
) -> Vec<Vec<Backlink>> {
    let mut backlinks: Vec<Vec<Backlink>> = vec![Vec::new(); links.len()];
    for source in 0..links.len() {
        if !published[source] {
            continue;
        }
        for (index, resolved) in links[source].iter().enumerate() {
            if let Resolved::Note { id, .. } = *resolved {
                if id == source {
                    continue;
                }
                let list = &mut backlinks[id];
                match list.last_mut() {
                    Some(b) if b.source == source => b.links.push(index),
                    _ => list.push(Backlink {
                        source,
                        links: vec![index],
                    }),
                }
            }
        }
    }
    for list in &mut backlinks {
        list.sort_by_key(|b| ranks[b.source]);
    }
    backlinks
}

type RelationLists = Vec<Vec<(String, Vec<NoteId>)>>;

fn collect_relations(
    notes: &[Note],
    published: &[bool],
    fields: &[Vec<Vec<Vec<Part>>>],
    ranks: &[usize],
) -> (RelationLists, RelationLists) {
    let mut outgoing: RelationLists = vec![Vec::new(); notes.len()];
    let mut incoming: Vec<BTreeMap<String, Vec<NoteId>>> = vec![BTreeMap::new(); notes.len()];
    for (source, note) in notes.iter().enumerate() {
        if !published[source] {
            continue;
        }
        outgoing[source] = outgoing_relations(note, &fields[source]);
        for (key, targets) in &outgoing[source] {
            for &target in targets {
                let sources = incoming[target].entry(key.clone()).or_default();
                if !sources.contains(&source) {
                    sources.push(source);
                }
            }
        }
    }
    let incoming = incoming
        .into_iter()
        .map(|map| {
            map.into_iter()
                .map(|(key, mut ids)| {
                    ids.sort_by_key(|&id| ranks[id]);
                    (key, ids)
                })
                .collect()
        })
        .collect();
    (outgoing, incoming)
}

/// The typed relations of one note: each frontmatter key with the notes its links resolve to.
fn outgoing_relations(note: &Note, fields: &[Vec<Vec<Part>>]) -> Vec<(String, Vec<NoteId>)> {
    let mut outgoing = Vec::new();
    for (field, values) in note.fields.iter().zip(fields) {
        let mut targets = Vec::new();
        for part in values.iter().flatten() {
            if let Part::Link {
                target: Resolved::Note { id, .. },
                ..
            } = part
            {
                if !targets.contains(id) {
                    targets.push(*id);
                }
            }
        }
        if !targets.is_empty() {
            outgoing.push((field.key.clone(), targets));
        }
    }
    outgoing
}

fn collect_tags(notes: &[Note], published: &[bool], ranks: &[usize]) -> BTreeMap<String, Tag> {
    let mut tags: BTreeMap<String, Tag> = BTreeMap::new();
    for (id, note) in notes.iter().enumerate() {
        if !published[id] {
            continue;
        }
        for tag in &note.tags {
            // `trade/tariffs` also counts under `trade`.
            let mut end = 0;
            let segments: Vec<&str> = tag.split('/').collect();
            for (i, segment) in segments.iter().enumerate() {
                end += segment.len() + usize::from(i > 0);
                let name = &tag[..end];
                let entry = tags.entry(name.to_lowercase()).or_insert_with(|| Tag {
                    name: name.to_string(),
                    url: format!(
                        "tags/{}/",
                        name.split('/')
                            .map(|s| if slugify(s).is_empty() {
                                "tag".to_string()
                            } else {
                                slugify(s)
                            })
                            .collect::<Vec<_>>()
                            .join("/")
                    ),
                    notes: Vec::new(),
                });
                if entry.notes.last() != Some(&id) {
                    entry.notes.push(id);
                }
            }
        }
    }
    for tag in tags.values_mut() {
        tag.notes.sort_by_key(|&id| ranks[id]);
    }
    tags
}

/// Reports every embed that closes a cycle (`A` embeds `B` embeds `A`): the
/// renderer stops there instead of following it forever.
fn check_embed_cycles(
    notes: &[Note],
    links: &[Vec<Resolved>],
    embeds: &[bool],
    policy: BrokenLinks,
) -> Vec<Diagnostic> {
    // Embed edges: (source, index of the link in the source, target).
    let edges: Vec<Vec<(usize, NoteId)>> = notes
        .iter()
        .zip(links)
        .zip(embeds)
        .map(|((note, resolved), &embeds)| {
            if !embeds {
                return Vec::new();
            }
            note.scan
                .links
                .iter()
                .zip(resolved)
                .enumerate()
                .filter_map(|(i, (link, r))| match r {
                    Resolved::Note { id, .. } if link.syntax == LinkSyntax::WikiEmbed => {
                        Some((i, *id))
                    }
                    _ => None,
                })
                .collect()
        })
        .collect();
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        OnPath,
        Done,
    }
    let mut state = vec![State::New; notes.len()];
    // What each note's embeds expand to, saturating past the caps: notes
    // embedded (counting repeats) and their bytes.
    let mut expanded = vec![(0usize, 0usize); notes.len()];
    let mut diagnostics = Vec::new();
    for root in 0..notes.len() {
        if state[root] != State::New || edges[root].is_empty() {
            continue;
        }
        // Iterative depth-first search: (note, next edge to follow).
        let mut path: Vec<(NoteId, usize)> = vec![(root, 0)];
        state[root] = State::OnPath;
        while let Some(&mut (node, ref mut next)) = path.last_mut() {
            let Some(&(link, target)) = edges[node].get(*next) else {
                state[node] = State::Done;
                path.pop();
                // Every target is done now, or on the path (a cycle, not counted).
                let mut total = (0usize, 0usize);
                for &(_, target) in &edges[node] {
                    if state[target] == State::Done {
                        let (count, bytes) = expanded[target];
                        total.0 = total
                            .0
                            .saturating_add(1 + count)
                            .min(MAX_EMBEDS_PER_PAGE + 1);
                        total.1 = total
                            .1
                            .saturating_add(notes[target].body().len() + bytes)
                            .min(MAX_EMBEDDED_BYTES + 1);
                    }
                }
                expanded[node] = total;
                continue;
            };
            *next += 1;
            match state[target] {
                State::New => {
                    state[target] = State::OnPath;
                    path.push((target, 0));
                }
                State::OnPath => {
                    let start = path.iter().position(|&(n, _)| n == target).unwrap_or(0);
                    let cycle: Vec<String> = path[start..]
                        .iter()
                        .map(|&(n, _)| notes[n].path.clone())
                        .chain(std::iter::once(notes[target].path.clone()))
                        .collect();
                    let note = &notes[node];
                    let (line, column) = note.body_position(note.scan.links[link].offset);
                    let mut d = Diagnostic::error(
                        note.display_path.clone(),
                        line,
                        column,
                        format!("embed cycle: {}", cycle.join(" embeds ")),
                    )
                    .with_help("replace one of these embeds with a plain link");
                    if policy == BrokenLinks::Warn {
                        d = d.into_warning();
                    }
                    diagnostics.push(d);
                }
                State::Done => {}
            }
        }
    }
    for (id, &(count, bytes)) in expanded.iter().enumerate() {
        if count > MAX_EMBEDS_PER_PAGE || bytes > MAX_EMBEDDED_BYTES {
            diagnostics.push(embed_fan_out(notes, &edges, &expanded, id));
        }
    }
    diagnostics
}

/// Most notes one page embeds, counting each time a note is embedded
/// (embeds of embeds included); the ones after are shown as links.
pub const MAX_EMBEDS_PER_PAGE: usize = 100;

/// Most bytes of Markdown one page embeds (each embedded note counted
/// whole, each time); the embeds after are shown as links.
pub const MAX_EMBEDDED_BYTES: usize = 4 << 20;

/// The warning on a note whose embeds expand past the caps, naming the
/// chain through the largest expansion.
fn embed_fan_out(
    notes: &[Note],
    edges: &[Vec<(usize, NoteId)>],
    expanded: &[(usize, usize)],
    id: NoteId,
) -> Diagnostic {
    let mut chain = vec![notes[id].path.clone()];
    let mut at = id;
    while let Some(&(_, next)) = edges[at].iter().max_by_key(|&&(_, t)| expanded[t].0) {
        if chain.len() > MAX_EMBED_CHAIN || next == at || expanded[next].0 == 0 {
            if expanded[next].0 == 0 {
                chain.push(notes[next].path.clone());
            }
            break;
        }
        chain.push(notes[next].path.clone());
        at = next;
    }
    let note = &notes[id];
    let first = edges[id]
        .first()
        .map_or(0, |&(link, _)| note.scan.links[link].offset);
    let (line, column) = note.body_position(first);
    Diagnostic::error(
        note.display_path.clone(),
        line,
        column,
        format!(
            "embeds expand to more than {MAX_EMBEDS_PER_PAGE} notes or {} MiB on one page ({}); the page shows the first ones and links to the rest",
            MAX_EMBEDDED_BYTES >> 20,
            chain.join(" embeds ")
        ),
    )
    .with_help("embed fewer notes, or link to them instead")
    .into_warning()
}

/// Notes a fan-out warning names before it stops.
const MAX_EMBED_CHAIN: usize = 8;

/// URL of a kind's index page.
pub fn kind_url(folder: &str) -> String {
    format!("{}/", slugify(folder))
}

/// Two notes, a note and an attachment, or either and a generated page,
/// writing to the same output file (see [`crate::registry`]).
fn check_url_clashes(
    notes: &[Note],
    published: &[bool],
    attachments: &[Attachment],
    tags: &BTreeMap<String, Tag>,
    config: &Config,
) -> Vec<Diagnostic> {
    let mut pages: Vec<(String, String)> = Vec::with_capacity(config.kinds.len() + tags.len());
    for kind in &config.kinds {
        pages.push((
            format!("{}index.html", kind_url(&kind.folder)),
            format!("the {} index page", kind.label),
        ));
    }
    for tag in tags.values() {
        pages.push((
            format!("{}index.html", tag.url),
            format!("the page of tag #{}", tag.name),
        ));
    }
    crate::registry::clashes(notes, published, attachments, &pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_the_root_lose_leading_dot_slashes_and_slashes() {
        assert_eq!(from_root("././actors/Wang.md"), "actors/Wang.md");
        assert_eq!(from_root("/actors/Wang"), "actors/Wang");
        assert_eq!(from_root("./"), "");
        assert_eq!(from_root("actors/./Wang"), "actors/./Wang");
        assert_eq!(from_root(".hidden"), ".hidden");
    }

    #[test]
    fn frontmatter_wikilinks_are_found_with_labels() {
        let v = wikilinks_in("Minister at [[Ministry of Public Security|MPS]] and [[X]]");
        assert_eq!(
            v,
            vec![
                (12..47, "Ministry of Public Security", Some("MPS")),
                (52..57, "X", None)
            ]
        );
    }

    #[test]
    fn relative_paths_join_and_refuse_escaping_the_vault() {
        assert_eq!(
            join_relative("topics/a.md", "../actors/b.md").as_deref(),
            Some("actors/b.md")
        );
        assert_eq!(join_relative("a.md", "../../x.md"), None);
    }

    #[test]
    fn extensions_mark_attachments_but_not_dotted_names() {
        assert!(has_extension("photo.png") && has_extension("docs/report.pdf"));
        assert!(
            !has_extension("note.md")
                && !has_extension("Wang Xiaohong")
                && !has_extension("Dr. Sun Yat-sen and friends")
        );
    }
}
