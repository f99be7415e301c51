//! The load stage's reading of a body: headings, links with their
//! sentences, block ids, tags and the plain text search and mentions use.

use super::*;

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
    pub(super) pieces: Vec<(u32, u32)>,
    /// Text that is not in the body as such: separators, link labels,
    /// decoded entities.
    pub(super) extra: String,
    /// Length of the whole text in bytes.
    pub(super) len: usize,
    /// Its last character, to avoid doubled separators.
    pub(super) last: Option<char>,
}

pub(super) const EXTRA: u32 = 1 << 31;

impl Prose {
    /// Appends `text`, which is either a slice of `body` (stored as a range)
    /// or any other string (copied).
    pub(super) fn push(&mut self, body: &str, text: &str) {
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
pub(super) fn label_of(target: String, fragment: Option<&str>) -> String {
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
pub(super) fn collapse_whitespace(s: &str) -> String {
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
pub(super) fn relative_destination(dest: &str) -> Option<(String, Option<String>)> {
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
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

pub(super) fn heading_level(level: HeadingLevel) -> u8 {
    level as u8
}

/// Accumulates the plain text of one block so links can be given the sentence
/// they stand in.
#[derive(Default)]
pub(super) struct BlockText {
    pub(super) text: String,
    /// (index into `Scan::links`, start of label in `text`, end of label).
    pub(super) links: Vec<(usize, usize, usize)>,
}

impl BlockText {
    pub(super) fn flush(&mut self, links: &mut [LinkRef]) {
        for &(index, start, end) in &self.links {
            if let Some(link) = links.get_mut(index) {
                link.context = Snippet::around(&self.text, start, end);
            }
        }
        self.text.clear();
        self.links.clear();
    }
}

/// Adds the text of a link that just ended to `ranges`, keeping them in
/// order and apart: a link inside another's text (an image in a link) ends
/// first, and the outer one then takes its place.
pub(super) fn add_link_text(
    ranges: &mut Vec<std::ops::Range<usize>>,
    range: std::ops::Range<usize>,
) {
    while ranges.last().is_some_and(|last| last.start >= range.start) {
        ranges.pop();
    }
    match ranges.last_mut() {
        Some(last) if last.end > range.start => last.end = last.end.max(range.end),
        _ => ranges.push(range),
    }
}

pub(super) fn is_block_boundary(tag_end: &TagEnd) -> bool {
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

pub(super) fn unique_id(base: &str, used: &mut HashSet<String>) -> String {
    let base = if base.is_empty() { "section" } else { base };
    if used.insert(base.to_string()) {
        return base.to_string();
    }
    (1..)
        .map(|n| format!("{base}-{n}"))
        .find(|candidate| used.insert(candidate.clone()))
        .unwrap_or_default()
}
