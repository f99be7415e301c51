//! The one place Dossier's Markdown dialect is defined.
//!
//! The load stage [`scan`]s a note body for its headings and links; the render
//! stage turns the same body into HTML with [`render_html`]. Both run the parser
//! with [`options`], so the byte offsets the scan records identify the same link
//! events the renderer sees.

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Tag, TagEnd};
use std::collections::HashSet;

use crate::diag::floor_char_boundary;
use crate::slug::slugify;

pub mod dialect;
pub mod highlight;

/// Parser options shared by every stage.
pub fn options() -> Options {
    Options::ENABLE_WIKILINKS
        | Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// How a link was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkSyntax {
    /// `[[Target]]`, `[[Target|label]]`, `[[Target#Heading]]`.
    Wiki,
    /// `![[Target]]`.
    WikiEmbed,
    /// `[label](relative/path.md)`.
    Markdown,
    /// `![alt](relative/image.png)`.
    MarkdownImage,
}

impl LinkSyntax {
    /// Whether the link was written as an embed (`![[..]]` or `![..](..)`).
    pub fn is_embed(self) -> bool {
        matches!(self, LinkSyntax::WikiEmbed | LinkSyntax::MarkdownImage)
    }
}

/// A link found in a note body, before resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRef {
    /// How it was written.
    pub syntax: LinkSyntax,
    /// What it points at: a note name or path, or an attachment path. Empty for
    /// `[[#Heading]]`, which points into the same note.
    pub target: String,
    /// The part after `#`, if any.
    pub fragment: Option<String>,
    /// Byte offset of the link in the body; identifies the link when rendering.
    pub offset: usize,
    /// The sentence around the link, for backlinks.
    pub context: Snippet,
    /// Whether the author gave the link its own text (`[[a|text]]`, `[text](a)`,
    /// `![[img.png|300]]`); that text is `context.label()`.
    pub labelled: bool,
}

/// The sentence around a link, split so a template can highlight the link
/// text: templates see `before`, `label` and `after`.
///
/// Kept as one string with the label's place in it, not three strings: a
/// backlink list reads the snippets of many other notes, and on a large site
/// each separate piece of memory read is a likely cache miss.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Snippet {
    text: String,
    label_start: u32,
    label_end: u32,
}

impl Snippet {
    /// The sentence containing `text[start..end]` (which becomes the label,
    /// trimmed), cut at sentence ends and at [`SNIPPET_SIDE`] characters
    /// either side.
    pub(crate) fn around(text: &str, start: usize, end: usize) -> Snippet {
        // A block can end inside a link (a callout title ends at its line,
        // the link's label goes on): clamp the label to the block's text.
        let end = floor_char_boundary(text, end.min(text.len()));
        let start = floor_char_boundary(text, start.min(end));
        let (before, after) = sentence_around(text, start, end);
        let label = text[start..end].trim();
        let mut snippet = String::with_capacity(before.len() + label.len() + after.len() + 6);
        clip_start(before, &mut snippet);
        let label_start = snippet.len();
        snippet.push_str(label);
        let label_end = snippet.len();
        clip_end(after, &mut snippet);
        // Offsets past u32 would need a 4 GiB sentence; a snippet is at most
        // a few hundred bytes, so they always fit.
        Snippet {
            text: snippet,
            label_start: u32::try_from(label_start).unwrap_or(u32::MAX),
            label_end: u32::try_from(label_end).unwrap_or(u32::MAX),
        }
    }

    /// Text of the sentence before the link.
    pub fn before(&self) -> &str {
        self.text
            .get(..self.label_start as usize)
            .unwrap_or_default()
    }

    /// The link's visible text.
    pub fn label(&self) -> &str {
        self.text
            .get(self.label_start as usize..self.label_end as usize)
            .unwrap_or_default()
    }

    /// Text of the sentence after the link.
    pub fn after(&self) -> &str {
        self.text.get(self.label_end as usize..).unwrap_or_default()
    }

    /// The whole sentence.
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl serde::Serialize for Snippet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Snippet", 3)?;
        s.serialize_field("before", self.before())?;
        s.serialize_field("label", self.label())?;
        s.serialize_field("after", self.after())?;
        s.end()
    }
}

/// A heading with the id it gets in the HTML.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    /// Plain text of the heading.
    pub text: String,
    /// Unique id within the page: an explicit `{#id}` or the slug of the text.
    pub id: String,
    /// Byte offset of the heading in the body, where its section starts.
    #[serde(skip)]
    pub offset: usize,
}

/// What the load stage needs to know about a body.
#[derive(Debug, Default)]
pub struct Scan {
    /// Every heading in order, with unique ids.
    pub headings: Vec<Heading>,
    /// Every wikilink, embed and relative Markdown link in order.
    pub links: Vec<LinkRef>,
    /// Text of the first H1, a fallback title.
    pub first_h1: Option<String>,
    /// Paragraphs and list items ending in `^id`.
    pub block_ids: Vec<dialect::BlockId>,
    /// Inline `#tags` of the body.
    pub tags: Vec<String>,
    /// The body's plain text without code, one block per line: what search
    /// indexes and unlinked mentions are found in.
    pub prose: Prose,
    /// Where link text is in `prose` (mentions there are already links),
    /// in order and not overlapping.
    pub prose_links: Vec<std::ops::Range<usize>>,
}

impl Scan {
    /// What this scan's parse found, for a later parse of the same body.
    pub fn found(&self) -> dialect::Found {
        dialect::Found {
            tags: !self.tags.is_empty(),
            block_ids: !self.block_ids.is_empty(),
        }
    }
}

/// A body's plain text, kept as pieces of the body wherever the text is
/// there verbatim (most of it), so a large site does not hold its text twice.
/// [`Prose::text`] puts it together when it is needed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Prose {
    /// (start, end): a byte range of the body, or of `extra` when the top bit
    /// of `start` is set.
    pieces: Vec<(u32, u32)>,
    /// Text that is not in the body as such: separators, link labels,
    /// decoded entities.
    extra: String,
    /// Length of the whole text in bytes.
    len: usize,
    /// Its last character, to avoid doubled separators.
    last: Option<char>,
}

const EXTRA: u32 = 1 << 31;

impl Prose {
    /// Appends `text`, which is either a slice of `body` (stored as a range)
    /// or any other string (copied).
    fn push(&mut self, body: &str, text: &str) {
        let Some(last) = text.chars().next_back() else {
            return;
        };
        let (body_start, text_start) = (body.as_ptr() as usize, text.as_ptr() as usize);
        let in_body = text_start >= body_start
            && text_start + text.len() <= body_start + body.len()
            && body.len() < EXTRA as usize;
        let piece = if in_body {
            let start = (text_start - body_start) as u32;
            (start, start + text.len() as u32)
        } else {
            let start = self.extra.len() as u32 | EXTRA;
            self.extra.push_str(text);
            (start, self.extra.len() as u32 | EXTRA)
        };
        match self.pieces.last_mut() {
            Some(previous) if previous.1 == piece.0 => previous.1 = piece.1,
            _ => self.pieces.push(piece),
        }
        self.len += text.len();
        self.last = Some(last);
    }

    /// Length of the text in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there is no text.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The text piece by piece; `body` must be the body this was read from.
    pub fn pieces<'p>(&'p self, body: &'p str) -> impl Iterator<Item = &'p str> + 'p {
        self.pieces.iter().map(move |&(start, end)| {
            let piece = if start & EXTRA != 0 {
                self.extra
                    .get((start & !EXTRA) as usize..(end & !EXTRA) as usize)
            } else {
                body.get(start as usize..end as usize)
            };
            piece.unwrap_or_default()
        })
    }

    /// The whole text; `body` must be the body this was read from.
    pub fn text(&self, body: &str) -> String {
        let mut out = String::with_capacity(self.len);
        out.extend(self.pieces(body));
        out
    }
}

/// Splits a wikilink destination such as `Note#Heading` into target and
/// fragment. A trailing `\` (from `[[a\|b]]` inside a table) is dropped.
pub fn split_wiki_target(dest: &str) -> (String, Option<String>) {
    let dest = dest.strip_suffix('\\').unwrap_or(dest);
    let (target, fragment) = match dest.split_once('#') {
        Some((t, f)) => (t, Some(f.trim().to_string()).filter(|f| !f.is_empty())),
        None => (dest, None),
    };
    (collapse_whitespace(target), fragment)
}

/// The text Obsidian shows for an unlabelled wikilink: `Note`, `Note > Heading`,
/// or just `Heading` for a link into the same note.
pub fn wiki_label(dest: &str) -> String {
    let (target, fragment) = split_wiki_target(dest);
    label_of(target, fragment.as_deref())
}

/// [`wiki_label`] of a destination already split by [`split_wiki_target`].
fn label_of(target: String, fragment: Option<&str>) -> String {
    match fragment {
        None => target,
        Some(f) => {
            let mut label = target;
            for (i, part) in f.split('#').enumerate() {
                if i > 0 || !label.is_empty() {
                    label.push_str(" > ");
                }
                label.push_str(part);
            }
            label
        }
    }
}

/// Runs of whitespace as one space, none at the ends.
fn collapse_whitespace(s: &str) -> String {
    // Most targets are tidy already: copy them as they are.
    // Tidy: ASCII, no whitespace but single inner spaces (`char::is_whitespace`
    // also counts 0x0B). One pass: targets are short and many.
    let mut after_space = true; // so that a leading space is untidy
    let untidy = s.bytes().any(|b| {
        let bad = !b.is_ascii()
            || matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
            || (b == b' ' && after_space);
        after_space = b == b' ';
        bad
    });
    let trailing_space = after_space && !s.is_empty();
    if !untidy && !trailing_space {
        return s.to_string();
    }
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A relative Markdown link destination worth resolving, decoded; `None` for
/// external URLs, absolute paths, and pure `#anchor` links.
fn relative_destination(dest: &str) -> Option<(String, Option<String>)> {
    if dest.is_empty() || dest.starts_with('#') || dest.starts_with('/') || dest.starts_with("//") {
        return None;
    }
    let scheme_end = dest.find(':');
    let path_end = dest.find(['/', '?', '#']).unwrap_or(dest.len());
    if matches!(scheme_end, Some(i) if i < path_end) {
        return None; // https:, mailto:, data:, ...
    }
    let dest = dest.split('?').next().unwrap_or(dest);
    let (path, fragment) = match dest.split_once('#') {
        Some((p, f)) => (p, Some(percent_decode(f)).filter(|f| !f.is_empty())),
        None => (dest, None),
    };
    Some((percent_decode(path), fragment))
}

/// Decodes `%XX` escapes; malformed escapes are kept as written.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn heading_level(level: HeadingLevel) -> u8 {
    level as u8
}

/// Accumulates the plain text of one block so links can be given the sentence
/// they stand in.
#[derive(Default)]
struct BlockText {
    text: String,
    /// (index into `Scan::links`, start of label in `text`, end of label).
    links: Vec<(usize, usize, usize)>,
}

impl BlockText {
    fn flush(&mut self, links: &mut [LinkRef]) {
        for &(index, start, end) in &self.links {
            if let Some(link) = links.get_mut(index) {
                link.context = Snippet::around(&self.text, start, end);
            }
        }
        self.text.clear();
        self.links.clear();
    }
}

const SNIPPET_SIDE: usize = 160;

/// Bytes searched for a sentence boundary on each side of a link: more than
/// [`SNIPPET_SIDE`] characters even in 4-byte scripts.
const SNIPPET_WINDOW: usize = 4 * SNIPPET_SIDE + 64;

/// The text before and after `text[start..end]` in its sentence, each not
/// yet cut to [`SNIPPET_SIDE`] characters.
fn sentence_around(text: &str, start: usize, end: usize) -> (&str, &str) {
    let is_end = |c: char| matches!(c, '.' | '!' | '?' | '。' | '！' | '？');
    // Look at most SNIPPET_WINDOW bytes either way, so a huge paragraph with
    // many links stays linear; the clip below shortens to SNIPPET_SIDE anyway.
    let mut window_start = start.saturating_sub(SNIPPET_WINDOW);
    while !text.is_char_boundary(window_start) {
        window_start += 1;
    }
    let mut window_end = (end + SNIPPET_WINDOW).min(text.len());
    while !text.is_char_boundary(window_end) {
        window_end -= 1;
    }
    let head = &text[window_start..start];
    let mut sentence_start = 0;
    for (i, c) in head.char_indices().rev() {
        if is_end(c) {
            // A sentence end is punctuation followed by space (or CJK punctuation).
            let next_is_space = head[i + c.len_utf8()..].starts_with(char::is_whitespace);
            if next_is_space || c as u32 > 0x3000 {
                sentence_start = i + c.len_utf8();
                break;
            }
        }
    }
    let tail = &text[end..window_end];
    let mut sentence_end = tail.len();
    for (i, c) in tail.char_indices() {
        if is_end(c) {
            let after = &tail[i + c.len_utf8()..];
            if after.is_empty() || after.starts_with(char::is_whitespace) || c as u32 > 0x3000 {
                sentence_end = i + c.len_utf8();
                break;
            }
        }
    }
    let before = head[sentence_start..].trim_start();
    let after = tail[..sentence_end].trim_end();
    (before, after)
}

/// Appends the last [`SNIPPET_SIDE`] characters of `s` to `out`, from a word
/// start and after `…` when it cuts.
fn clip_start(s: &str, out: &mut String) {
    let count = s.chars().count();
    if count <= SNIPPET_SIDE {
        out.push_str(s);
        return;
    }
    let skip = s
        .char_indices()
        .nth(count - SNIPPET_SIDE)
        .map_or(0, |(i, _)| i);
    let cut = s[skip..].find(' ').map_or(skip, |j| skip + j + 1);
    out.push('…');
    out.push_str(&s[cut..]);
}

/// Appends the first [`SNIPPET_SIDE`] characters of `s` to `out`, up to a
/// word end and with `…` when it cuts.
fn clip_end(s: &str, out: &mut String) {
    if s.chars().count() <= SNIPPET_SIDE {
        out.push_str(s);
        return;
    }
    let end = s
        .char_indices()
        .nth(SNIPPET_SIDE)
        .map_or(s.len(), |(i, _)| i);
    let cut = s[..end].rfind(' ').unwrap_or(end);
    out.push_str(&s[..cut]);
    out.push('…');
}

/// Adds the text of a link that just ended to `ranges`, keeping them in
/// order and apart: a link inside another's text (an image in a link) ends
/// first, and the outer one then takes its place.
fn add_link_text(ranges: &mut Vec<std::ops::Range<usize>>, range: std::ops::Range<usize>) {
    while ranges.last().is_some_and(|last| last.start >= range.start) {
        ranges.pop();
    }
    match ranges.last_mut() {
        Some(last) if last.end > range.start => last.end = last.end.max(range.end),
        _ => ranges.push(range),
    }
}

fn is_block_boundary(tag_end: &TagEnd) -> bool {
    !matches!(
        tag_end,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Link
            | TagEnd::Image
            | TagEnd::Superscript
            | TagEnd::Subscript
    )
}

/// Reads a note body once and returns its headings and links.
pub fn scan(body: &str) -> Scan {
    let mut scan = Scan::default();
    let mut used_ids = HashSet::new();
    let mut block = BlockText::default();
    // Heading being read: (level, explicit id, text, offset).
    let mut heading: Option<(u8, Option<String>, String, usize)> = None;
    // Link whose label is being read: (index in scan.links, label start).
    let mut open_links: Vec<Option<(usize, usize)>> = Vec::new();

    let parsed = dialect::parse(body, None, None);
    scan.block_ids = parsed.block_ids;
    scan.tags = parsed.tags;
    let mut in_code_block = false;
    let mut prose_link_starts: Vec<usize> = Vec::new();
    for (event, range) in parsed.events {
        let is_code = matches!(event, Event::Code(_));
        match event {
            Event::Start(tag) => {
                if let Tag::CodeBlock(_) = tag {
                    in_code_block = true;
                }
                match &tag {
                    Tag::Heading { level, id, .. } => {
                        block.flush(&mut scan.links);
                        heading = Some((
                            heading_level(*level),
                            id.as_ref().map(|s| s.to_string()),
                            String::new(),
                            range.start,
                        ));
                    }
                    Tag::Link {
                        link_type,
                        dest_url,
                        ..
                    }
                    | Tag::Image {
                        link_type,
                        dest_url,
                        ..
                    } => {
                        prose_link_starts.push(scan.prose.len());
                        // Shown for an unlabelled wikilink, in the prose and the snippet.
                        let mut label = None;
                        let is_image = matches!(tag, Tag::Image { .. });
                        let found = match link_type {
                            LinkType::WikiLink { has_pothole } => {
                                let (target, fragment) = split_wiki_target(dest_url);
                                if !has_pothole {
                                    let text = label_of(target.clone(), fragment.as_deref());
                                    scan.prose.push(body, &text);
                                    label = Some(text);
                                }
                                let syntax = if is_image {
                                    LinkSyntax::WikiEmbed
                                } else {
                                    LinkSyntax::Wiki
                                };
                                Some((syntax, target, fragment))
                            }
                            LinkType::Inline
                            | LinkType::Reference
                            | LinkType::Collapsed
                            | LinkType::Shortcut => {
                                relative_destination(dest_url).map(|(target, fragment)| {
                                    let syntax = if is_image {
                                        LinkSyntax::MarkdownImage
                                    } else {
                                        LinkSyntax::Markdown
                                    };
                                    (syntax, target, fragment)
                                })
                            }
                            _ => None,
                        };
                        match found {
                            Some((syntax, target, fragment)) => {
                                scan.links.push(LinkRef {
                                    syntax,
                                    target,
                                    fragment,
                                    offset: range.start,
                                    context: Snippet::default(),
                                    labelled: !matches!(
                                        link_type,
                                        LinkType::WikiLink { has_pothole: false }
                                    ),
                                });
                                let index = scan.links.len() - 1;
                                if let LinkType::WikiLink { has_pothole: false } = link_type {
                                    // Obsidian shows `Note > Heading`, not the raw `Note#Heading`.
                                    let start = block.text.len();
                                    block.text.push_str(&label.unwrap_or_default());
                                    block.links.push((index, start, block.text.len()));
                                    open_links.push(None);
                                } else {
                                    open_links.push(Some((index, block.text.len())));
                                }
                            }
                            None => open_links.push(Some((usize::MAX, 0))),
                        }
                    }
                    Tag::Emphasis
                    | Tag::Strong
                    | Tag::Strikethrough
                    | Tag::Superscript
                    | Tag::Subscript => {}
                    _ => block.flush(&mut scan.links),
                }
            }
            Event::End(tag_end) => {
                if is_block_boundary(&tag_end) && !matches!(scan.prose.last, None | Some('\n')) {
                    scan.prose.push(body, "\n");
                }
                if tag_end == TagEnd::CodeBlock {
                    in_code_block = false;
                }
                match tag_end {
                    TagEnd::Heading(_) => {
                        if let Some((level, explicit, text, offset)) = heading.take() {
                            let text = text.trim().to_string();
                            let base = explicit.unwrap_or_else(|| slugify(&text));
                            let id = unique_id(&base, &mut used_ids);
                            if level == 1 && scan.first_h1.is_none() && !text.is_empty() {
                                scan.first_h1 = Some(text.clone());
                            }
                            scan.headings.push(Heading {
                                level,
                                text,
                                id,
                                offset,
                            });
                        }
                        block.flush(&mut scan.links);
                    }
                    TagEnd::Link | TagEnd::Image => {
                        if let Some(start) = prose_link_starts.pop() {
                            add_link_text(&mut scan.prose_links, start..scan.prose.len());
                        }
                        match open_links.pop() {
                            Some(Some((index, start))) if index != usize::MAX => {
                                // The block may have ended inside the link.
                                let start = start.min(block.text.len());
                                block.links.push((index, start, block.text.len()));
                            }
                            _ => {}
                        }
                    }
                    ref t if is_block_boundary(t) => block.flush(&mut scan.links),
                    _ => {}
                }
            }
            Event::Text(text) | Event::Code(text) => {
                let in_unlabelled_wiki = matches!(open_links.last(), Some(None));
                if !in_code_block && !is_code && !in_unlabelled_wiki {
                    scan.prose.push(body, &text);
                }
                let in_unlabelled_wiki = matches!(open_links.last(), Some(None));
                if let Some((_, _, heading_text, _)) = heading.as_mut() {
                    heading_text.push_str(&text);
                }
                if !in_unlabelled_wiki {
                    block.text.push_str(&text);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                block.text.push(' ');
                scan.prose.push(body, " ");
            }
            Event::Html(_) if !matches!(scan.prose.last, None | Some('\n')) => {
                scan.prose.push(body, "\n")
            }
            _ => {}
        }
    }
    block.flush(&mut scan.links);
    // Kept for the whole build: give back what the growing left over.
    scan.prose.pieces.shrink_to_fit();
    scan.prose.extra.shrink_to_fit();
    scan.links.shrink_to_fit();
    scan.prose_links.shrink_to_fit();
    scan
}

fn unique_id(base: &str, used: &mut HashSet<String>) -> String {
    let base = if base.is_empty() { "section" } else { base };
    if used.insert(base.to_string()) {
        return base.to_string();
    }
    (1..)
        .map(|n| format!("{base}-{n}"))
        .find(|candidate| used.insert(candidate.clone()))
        .unwrap_or_default()
}

/// How the renderer writes one link found by [`scan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkHtml {
    /// A link to this (relative) URL.
    Href(String),
    /// An image with this source, alt text and size.
    Image {
        src: String,
        alt: String,
        width: Option<u32>,
        height: Option<u32>,
    },
    /// Ready-made HTML replacing the link: audio, video, PDF and note embeds.
    Html(String),
    /// A broken link, drawn as marked text with this explanation as tooltip.
    Missing(String),
    /// Plain text (e.g. a link to an unpublished draft).
    Text,
}

/// What [`render_html`] needs besides the body.
pub struct BodyHtml<'a> {
    /// Byte offsets of the links [`scan`] found, ascending.
    pub offsets: &'a [usize],
    /// How to write each of those links.
    pub links: &'a [LinkHtml],
    /// The headings [`scan`] found, for their ids.
    pub headings: &'a [Heading],
    /// Drop the first H1 (already shown as the page title).
    pub skip_h1: bool,
    /// Links for inline `#tags`.
    pub tag_href: dialect::TagHref<'a>,
    /// What [`scan`] found in the same body.
    pub found: Option<dialect::Found>,
    /// Render only the blocks within this byte range (a section or block embed).
    pub range: Option<std::ops::Range<usize>>,
    /// Syntax highlighting for fenced code.
    pub highlighter: Option<&'a highlight::Highlighter>,
}

/// Renders `body` to HTML.
pub fn render_html(body: &str, options: &BodyHtml) -> String {
    let mut html = String::with_capacity(body.len() * 3 / 2);
    let mut events = dialect::parse(body, options.tag_href, options.found).events;
    if let Some(range) = &options.range {
        events.retain(|(_, r)| r.start >= range.start && r.end <= range.end);
    }
    let mut writer = LinkWriter {
        offsets: options.offsets,
        links: options.links,
        ends: Vec::new(),
    };
    let unwrap = block_embed_paragraphs(&events, &writer);
    let mut heading_index = options
        .headings
        .partition_point(|h| h.offset < options.range.as_ref().map_or(0, |r| r.start));
    let mut skipping_h1 = false;
    let mut h1_pending = options.skip_h1;
    let mut code: Option<(String, String)> = None;

    let events = events
        .into_iter()
        .enumerate()
        .filter_map(|(index, (event, range))| {
            if skipping_h1 {
                skipping_h1 = !matches!(event, Event::End(TagEnd::Heading(_)));
                return None;
            }
            if let Some((_, text)) = code.as_mut() {
                return match event {
                    Event::Text(t) => {
                        text.push_str(&t);
                        None
                    }
                    Event::End(TagEnd::CodeBlock) => {
                        let (lang, text) = code.take().unwrap_or_default();
                        Some(Event::Html(
                            code_block(&lang, &text, options.highlighter).into(),
                        ))
                    }
                    _ => None,
                };
            }
            match event {
                Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph)
                    if unwrap.contains(&index) =>
                {
                    None
                }
                Event::Start(Tag::CodeBlock(pulldown_cmark::CodeBlockKind::Fenced(lang)))
                    if options.highlighter.is_some() =>
                {
                    code = Some((lang.to_string(), String::new()));
                    None
                }
                Event::Start(Tag::Heading {
                    level,
                    id: _,
                    classes,
                    attrs,
                }) => {
                    let id = options
                        .headings
                        .get(heading_index)
                        .map(|h| CowStr::from(h.id.clone()));
                    heading_index += 1;
                    if h1_pending && level == HeadingLevel::H1 {
                        h1_pending = false;
                        skipping_h1 = true;
                        return None;
                    }
                    Some(Event::Start(Tag::Heading {
                        level,
                        id,
                        classes,
                        attrs,
                    }))
                }
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }) => Some(writer.open(false, link_type, dest_url, title, id, range.start)),
                Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }) => Some(writer.open(true, link_type, dest_url, title, id, range.start)),
                Event::End(TagEnd::Link | TagEnd::Image) => match writer.ends.pop() {
                    Some((Some(end), _)) => Some(end),
                    _ => Some(event),
                },
                _ if writer.inside_replaced_label() => None,
                other => Some(other),
            }
        });
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

/// `<pre><code>` for a fenced block, highlighted when the language is known.
fn code_block(lang: &str, code: &str, highlighter: Option<&highlight::Highlighter>) -> String {
    let class = lang
        .split_whitespace()
        .next()
        .map(|l| format!(" class=\"language-{}\"", escape_html(l)))
        .unwrap_or_default();
    match highlighter.and_then(|h| h.highlight(lang, code)) {
        Some(highlighted) => {
            format!("<pre class=\"highlight\"><code{class}>{highlighted}</code></pre>\n")
        }
        None => format!("<pre><code{class}>{}</code></pre>\n", escape_html(code)),
    }
}

/// Indices of `<p>` start and end events around an embed that stands alone in
/// its paragraph: the embed is a block of its own and must not sit inside `<p>`.
fn block_embed_paragraphs(events: &[dialect::Spanned], writer: &LinkWriter) -> HashSet<usize> {
    let mut unwrap = HashSet::new();
    for (i, window) in events.windows(2).enumerate() {
        let (Event::Start(Tag::Paragraph), (Event::Start(Tag::Image { .. }), range)) =
            (&window[0].0, &window[1])
        else {
            continue;
        };
        if !matches!(writer.action(range.start), Some(LinkHtml::Html(html)) if html.starts_with("<div"))
        {
            continue;
        }
        let Some(end) = events[i + 1..]
            .iter()
            .position(|(e, _)| matches!(e, Event::End(TagEnd::Image)))
        else {
            continue;
        };
        if matches!(
            events.get(i + 1 + end + 1),
            Some((Event::End(TagEnd::Paragraph), _))
        ) {
            unwrap.insert(i);
            unwrap.insert(i + 1 + end + 1);
        }
    }
    unwrap
}

/// Rewrites link and image events as the link stage resolved them.
struct LinkWriter<'a> {
    offsets: &'a [usize],
    links: &'a [LinkHtml],
    /// For each open link or image: the end event to emit instead of the
    /// parser's, and whether its inner text is replaced.
    ends: Vec<(Option<Event<'static>>, bool)>,
}

impl LinkWriter<'_> {
    fn inside_replaced_label(&self) -> bool {
        matches!(self.ends.last(), Some((_, true)))
    }

    fn action(&self, offset: usize) -> Option<&LinkHtml> {
        self.offsets
            .binary_search(&offset)
            .ok()
            .and_then(|i| self.links.get(i))
    }

    fn open<'e>(
        &mut self,
        is_image: bool,
        link_type: LinkType,
        dest_url: CowStr<'e>,
        title: CowStr<'e>,
        id: CowStr<'e>,
        offset: usize,
    ) -> Event<'e> {
        let (open, close) = match self.action(offset) {
            None => {
                // Not ours (an external URL): leave it to the parser's writer.
                self.ends.push((None, false));
                let tag = if is_image {
                    Tag::Image {
                        link_type,
                        dest_url,
                        title,
                        id,
                    }
                } else {
                    Tag::Link {
                        link_type,
                        dest_url,
                        title,
                        id,
                    }
                };
                return Event::Start(tag);
            }
            Some(LinkHtml::Image {
                src,
                alt,
                width,
                height,
            }) => {
                let size = |name: &str, v: &Option<u32>| {
                    v.map(|v| format!(" {name}=\"{v}\"")).unwrap_or_default()
                };
                let html = format!(
                    "<img src=\"{}\" alt=\"{}\"{}{} loading=\"lazy\">",
                    escape_html(src),
                    escape_html(alt),
                    size("width", width),
                    size("height", height)
                );
                (html, "")
            }
            Some(LinkHtml::Html(html)) => (html.clone(), ""),
            Some(LinkHtml::Href(href)) => {
                let mut html = String::with_capacity(href.len() + 64);
                html.push_str("<a href=\"");
                push_escaped(&mut html, href);
                html.push('"');
                if is_image {
                    html.push_str(" class=\"embed-link\"");
                }
                if !title.is_empty() {
                    html.push_str(" title=\"");
                    push_escaped(&mut html, &title);
                    html.push('"');
                }
                html.push('>');
                (html, "</a>")
            }
            Some(LinkHtml::Missing(why)) => (
                format!(
                    "<span class=\"missing-link\" title=\"{}\">",
                    escape_html(why)
                ),
                "</span>",
            ),
            Some(LinkHtml::Text) => ("<span class=\"unpublished-link\">".to_string(), "</span>"),
        };
        if close.is_empty() {
            // Complete HTML: drop the link's inner text.
            self.ends.push((Some(Event::InlineHtml("".into())), true));
            return Event::InlineHtml(open.into());
        }
        // Unlabelled wikilinks and embeds show our label instead of their inner text.
        let replace_inner =
            is_image || matches!(link_type, LinkType::WikiLink { has_pothole: false });
        self.ends
            .push((Some(Event::InlineHtml(close.into())), replace_inner));
        let mut open = open;
        if replace_inner {
            push_escaped(&mut open, &wiki_label(&dest_url));
        }
        Event::InlineHtml(open.into())
    }
}

/// Escapes `&`, `<`, `>`, `"` and `'`, safe for element content and quoted attributes.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    push_escaped(&mut out, s);
    out
}

/// Appends [`escape_html`] of `s` to `out`, copying the runs between
/// special characters whole.
pub fn push_escaped(out: &mut String, s: &str) {
    let mut done = 0;
    for (i, b) in s.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            // Control characters XML cannot carry (a feed would be ill-formed).
            0..=0x08 | 0x0b | 0x0c | 0x0e..=0x1f | 0x7f => "\u{fffd}",
            _ => continue,
        };
        // Special characters are ASCII, so `i` is a character boundary.
        out.push_str(&s[done..i]);
        out.push_str(entity);
        done = i + 1;
    }
    out.push_str(&s[done..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_label_running_past_its_block_gets_a_snippet_not_a_panic() {
        for body in [
            "# A\n\n> [!note] Title [[Note|\n> label]]\n",
            ">[!e]c[[>|\n]]",
            "> [!tip] [[a|é\n> ü]] after",
        ] {
            let scan = scan(body);
            assert_eq!(scan.links.len(), 1, "{body:?}");
            assert!(scan.links[0].context.text().len() <= body.len(), "{body:?}");
        }
    }

    #[test]
    fn prose_is_the_plain_text_kept_mostly_as_ranges_of_the_body() {
        let body = "# Talks\n\nWang met [[Eurasia Group#Role]] and [[B|the bureau]] &amp; *others*\nlater.\n\n```\ncode\n```\n\n- one\n- two\n";
        let s = scan(body);
        let text = s.prose.text(body);
        assert_eq!(
            text,
            "Talks\nWang met Eurasia Group > Role and the bureau & others later.\none\ntwo\n"
        );
        assert_eq!(s.prose.len(), text.len());
        let labels: Vec<&str> = s.prose_links.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(labels, ["Eurasia Group > Role", "the bureau"]);
        // Only what is not in the body verbatim is copied.
        assert!(s.prose.extra.len() < 40, "{:?}", s.prose.extra);
    }

    #[test]
    fn link_text_ranges_stay_in_order_and_apart() {
        // Ranges arrive as links end: an inner link before the outer one.
        let mut ranges = Vec::new();
        for range in [5..9, 2..12, 14..16, 15..20] {
            add_link_text(&mut ranges, range);
        }
        assert_eq!(ranges, [2..12, 14..20]);
        // An image inside a link's text is part of the link's text.
        let body = "See [![logo](a.png) the bureau](b.md) and [[C]].\n";
        let s = scan(body);
        let text = s.prose.text(body);
        let labels: Vec<&str> = s.prose_links.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(labels.len(), 2, "{labels:?} in {text:?}");
        assert!(labels[0].ends_with("the bureau"), "{labels:?}");
        assert_eq!(labels[1], "C");
    }

    #[test]
    fn scan_finds_wikilinks_with_fragments_and_table_escapes() {
        let s = scan("See [[Wang Xiaohong#Role|the minister]].\n\n| a |\n|---|\n| [[X\\|y]] |\n");
        assert_eq!(s.links.len(), 2);
        assert_eq!(s.links[0].target, "Wang Xiaohong");
        assert_eq!(s.links[0].fragment.as_deref(), Some("Role"));
        assert_eq!(s.links[1].target, "X");
    }

    #[test]
    fn code_and_comments_hold_no_links() {
        let s = scan("`[[a]]` <!-- [[b]] -->\n\n```\n[[c]]\n```\n\n<!--\n[[d]]\n-->\n");
        assert!(s.links.is_empty(), "{:?}", s.links);
    }

    #[test]
    fn external_links_are_not_collected_but_relative_ones_are() {
        let s = scan("[a](https://x.org/a.md) [b](mailto:x@y) [c](#top) [d](../topics/fentanyl.md#History) [e](my%20note)");
        let targets: Vec<_> = s.links.iter().map(|l| l.target.as_str()).collect();
        assert_eq!(targets, ["../topics/fentanyl.md", "my note"]);
        assert_eq!(s.links[0].fragment.as_deref(), Some("History"));
    }

    #[test]
    fn snippet_is_the_sentence_around_the_link() {
        let s = scan("First sentence. Talks with [[Wang Xiaohong|Wang]] may advance. Last one.");
        let c = &s.links[0].context;
        assert_eq!(
            (c.before(), c.label(), c.after()),
            ("Talks with ", "Wang", " may advance.")
        );
    }

    #[test]
    fn heading_ids_are_unique_and_respect_explicit_ids() {
        let s = scan("# Title\n\n## Notes\n\n## Notes\n\n## Other {#custom}\n");
        let ids: Vec<_> = s.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["title", "notes", "notes-1", "custom"]);
        assert_eq!(s.first_h1.as_deref(), Some("Title"));
    }

    #[test]
    fn wiki_labels_collapse_whitespace_and_show_fragments() {
        assert_eq!(wiki_label("Wang Xiaohong"), "Wang Xiaohong");
        assert_eq!(
            wiki_label(" Wang \t Xiaohong\n#Role#Early years"),
            "Wang Xiaohong > Role > Early years"
        );
        assert_eq!(wiki_label("#Role"), "Role");
        assert_eq!(wiki_label("Wang\u{a0}\u{a0}Xiaohong"), "Wang Xiaohong");
        assert_eq!(wiki_label("Wang  Xiaohong\\"), "Wang Xiaohong");
        for (messy, tidy) in [
            ("Wang ", "Wang"),
            (" ", ""),
            ("", ""),
            ("a\u{b}b", "a b"),
            ("a b c", "a b c"),
            ("a  b", "a b"),
        ] {
            assert_eq!(collapse_whitespace(messy), tidy, "{messy:?}");
        }
    }

    #[test]
    fn escaping_covers_markup_and_quotes_only() {
        assert_eq!(
            escape_html("<a href=\"x\">Tom & 'Jerry'</a> – ok"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt; – ok"
        );
    }

    #[test]
    fn percent_decoding_keeps_malformed_escapes() {
        assert_eq!(percent_decode("a%20b%zz%"), "a b%zz%");
        assert_eq!(percent_decode("%E2%80%93"), "–");
    }
}
