//! Obsidian's additions to CommonMark, applied to pulldown-cmark's events:
//! `%%comments%%`, `==highlights==`, block ids (`^id`), inline `#tags` and
//! callouts (`> [!note] Title`).
//!
//! [`parse`] is the only way the rest of the crate reads Markdown, so the load
//! stage (links, headings) and the render stage (HTML) see the same document.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use std::ops::Range;

use super::{escape_html, options};

/// An event with the byte range of the source it came from.
pub type Spanned<'a> = (Event<'a>, Range<usize>);

/// A paragraph or list item that ends in `^id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockId {
    /// The id without `^`.
    pub id: String,
    /// Byte range of the block in the body.
    pub range: Range<usize>,
}

/// A body after Obsidian's syntax has been applied.
#[derive(Debug, Default)]
pub struct Parsed<'a> {
    /// Events to render (comments removed, highlights, callouts and block ids as HTML).
    pub events: Vec<Spanned<'a>>,
    /// Blocks that carry a `^id`.
    pub block_ids: Vec<BlockId>,
    /// Inline `#tags`, without `#`, in order of appearance.
    pub tags: Vec<String>,
}

/// How inline `#tags` are written: as plain text (when only reading a note)
/// or as links made by this function from the tag name.
pub type TagHref<'f> = Option<&'f (dyn Fn(&str) -> String + Sync)>;

/// What an earlier parse of the same body found: whether [`Parsed::tags`]
/// and [`Parsed::block_ids`] had any. A body is parsed when its note is read
/// and again when its page is written; the second parse skips the pass over
/// every inline event when the first found nothing for it to do.
#[derive(Debug, Clone, Copy)]
pub struct Found {
    /// Inline `#tags`.
    pub tags: bool,
    /// `^block-ids`.
    pub block_ids: bool,
}

/// Parses `body` with Dossier's Markdown dialect; `found` is what an earlier
/// parse of the same body found, if there was one.
pub fn parse<'a>(body: &'a str, tag_href: TagHref, found: Option<Found>) -> Parsed<'a> {
    // Sized for typical prose (an event per 16 bytes or so): growing by
    // doubling would copy the events over and over.
    let mut events: Vec<Spanned<'a>> = Vec::with_capacity(body.len() / 16 + 16);
    events.extend(Parser::new_ext(body, options()).into_offset_iter());
    let mut markers = Markers::of(body);
    let events = if markers.comments {
        strip_comments(events)
    } else {
        events
    };
    if let Some(found) = found {
        markers.hashes &= found.tags;
        if !markers.marks && !markers.hashes && !found.block_ids {
            return Parsed {
                events: callouts(events, &[]),
                ..Parsed::default()
            };
        }
    }
    let mut parsed = Parsed {
        events: Vec::new(),
        block_ids: Vec::new(),
        tags: Vec::new(),
    };
    let (events, quote_ids) = inline_syntax(events, tag_href, markers, &mut parsed);
    parsed.events = callouts(events, &quote_ids);
    parsed
}

/// Which markers of the dialect a body may hold. Text events are slices of
/// the body or decoded character references, so when the body has neither
/// the marker nor a `&`, no event has it and its pass is skipped.
#[derive(Clone, Copy)]
struct Markers {
    /// `%%`
    comments: bool,
    /// `==`
    marks: bool,
    /// `#`
    hashes: bool,
}

impl Markers {
    fn of(body: &str) -> Markers {
        let references = has_byte(body, b'&');
        Markers {
            comments: references || has_pair(body, b"%%"),
            marks: references || has_pair(body, b"=="),
            hashes: references || has_byte(body, b'#'),
        }
    }
}

/// Whether `text` holds `byte`. The `memchr` crate's search is vectorized;
/// std's `contains` is not, and these scans run over every body twice.
fn has_byte(text: &str, byte: u8) -> bool {
    memchr::memchr(byte, text.as_bytes()).is_some()
}

/// Whether `text` holds the two-byte marker `pair` (`%%`, `==`). Found
/// through its first byte, which prose rarely has: setting up a substring
/// searcher costs more than that scan on every call.
fn has_pair(text: &str, pair: &[u8; 2]) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr_iter(pair[0], bytes).any(|i| bytes.get(i + 1) == Some(&pair[1]))
}

fn is_inline_start(tag: &Tag) -> bool {
    matches!(
        tag,
        Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript
            | Tag::Link { .. }
            | Tag::Image { .. }
    )
}

fn is_inline_end(tag: &TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image
    )
}

/// Whether an event belongs inside a paragraph-like run of text.
fn is_inline(event: &Event) -> bool {
    match event {
        Event::Start(tag) => is_inline_start(tag),
        Event::End(tag) => is_inline_end(tag),
        Event::Text(_)
        | Event::Code(_)
        | Event::InlineHtml(_)
        | Event::SoftBreak
        | Event::HardBreak
        | Event::FootnoteReference(_)
        | Event::TaskListMarker(_)
        | Event::InlineMath(_)
        | Event::DisplayMath(_) => true,
        Event::Html(_) | Event::Rule => false,
    }
}

/// Removes `%%comments%%`, inline or spanning blocks, with any links in them.
/// `%%` inside code stays literal (code arrives as separate events). Blocks
/// left empty by a removed comment are dropped.
fn strip_comments(events: Vec<Spanned>) -> Vec<Spanned> {
    if !events
        .iter()
        .any(|(e, _)| matches!(e, Event::Text(t) if has_pair(t, b"%%")))
    {
        return events;
    }
    let mut out: Vec<Spanned> = Vec::with_capacity(events.len());
    let mut in_comment = false;
    // Open blocks: (index of their Start in `out`, whether a comment removed something in them).
    let mut blocks: Vec<(usize, bool)> = Vec::new();
    // Inline starts removed inside a comment whose ends must go too.
    let mut dropped_inline = 0usize;
    let mark_dropped = |blocks: &mut Vec<(usize, bool)>| {
        if let Some(top) = blocks.last_mut() {
            top.1 = true;
        }
    };

    for (event, range) in events {
        match event {
            Event::Text(text) if in_comment || has_pair(&text, b"%%") => {
                let mut rest: &str = &text;
                let mut offset = range.start;
                loop {
                    match rest.find("%%") {
                        Some(i) => {
                            if !in_comment && i > 0 {
                                out.push((
                                    Event::Text(rest[..i].to_string().into()),
                                    offset..offset + i,
                                ));
                            }
                            in_comment = !in_comment;
                            mark_dropped(&mut blocks);
                            rest = &rest[i + 2..];
                            offset += i + 2;
                        }
                        None => {
                            if in_comment {
                                mark_dropped(&mut blocks);
                            } else if !rest.is_empty() {
                                out.push((Event::Text(rest.to_string().into()), offset..range.end));
                            }
                            break;
                        }
                    }
                }
            }
            Event::Start(tag) if is_inline_start(&tag) => {
                if in_comment {
                    dropped_inline += 1;
                    mark_dropped(&mut blocks);
                } else {
                    out.push((Event::Start(tag), range));
                }
            }
            Event::End(tag) if is_inline_end(&tag) => {
                if dropped_inline > 0 {
                    dropped_inline -= 1;
                } else {
                    out.push((Event::End(tag), range));
                }
            }
            Event::Start(tag) => {
                blocks.push((out.len(), false));
                out.push((Event::Start(tag), range));
            }
            Event::End(tag) => {
                let (start, dropped) = blocks.pop().unwrap_or((usize::MAX, false));
                if dropped && start + 1 == out.len() {
                    // Only the block's start is left: the comment emptied it.
                    out.pop();
                    mark_dropped(&mut blocks);
                } else {
                    if dropped {
                        mark_dropped(&mut blocks);
                    }
                    out.push((Event::End(tag), range));
                }
            }
            other if in_comment => {
                drop(other);
                mark_dropped(&mut blocks);
            }
            other => out.push((other, range)),
        }
    }
    out
}

/// Highlights, block ids and inline tags, applied to each run of inline events.
/// What an open block can do with a `^block-id` at the end of its text.
#[derive(Clone, Copy, PartialEq)]
enum Holder {
    Paragraph,
    Item,
    Quote,
    Other,
}

fn inline_syntax<'a>(
    events: Vec<Spanned<'a>>,
    tag_href: TagHref,
    markers: Markers,
    parsed: &mut Parsed,
) -> (Vec<Spanned<'a>>, Vec<(usize, String)>) {
    let mut out: Vec<Spanned<'a>> = Vec::with_capacity(events.len() + 8);
    // Open blocks: (index of their start in `out`, range, what they are).
    let mut blocks: Vec<(usize, Range<usize>, Holder)> = Vec::new();
    // Block ids of block quotes (by start offset), given to the callout pass.
    let mut quote_ids: Vec<(usize, String)> = Vec::new();
    let mut run: Vec<Spanned<'a>> = Vec::new();
    let mut in_heading = false;

    let mut flush = |run: &mut Vec<Spanned<'a>>,
                     out: &mut Vec<Spanned<'a>>,
                     blocks: &[(usize, Range<usize>, Holder)],
                     in_heading: bool| {
        if run.is_empty() {
            return;
        }
        // Worked on in place: `run` keeps its buffer for the next paragraph.
        let events = run;
        if markers.marks {
            highlight(events);
        }
        if markers.hashes && !in_heading {
            tags(events, tag_href, &mut parsed.tags);
        }
        // A block id belongs to the innermost paragraph or list item; in a
        // quote or callout, to the whole quote (as in Obsidian).
        if let Some(k) = blocks
            .iter()
            .rposition(|b| matches!(b.2, Holder::Paragraph | Holder::Item))
        {
            if let Some(id) = take_block_id(events) {
                let (index, range, holder) = &blocks[k];
                match blocks.get(k.wrapping_sub(1)) {
                    Some((_, quote_range, Holder::Quote)) if *holder == Holder::Paragraph => {
                        quote_ids.push((quote_range.start, id.clone()));
                        parsed.block_ids.push(BlockId {
                            id,
                            range: quote_range.clone(),
                        });
                    }
                    _ => {
                        let element = if *holder == Holder::Item { "li" } else { "p" };
                        out[*index].0 =
                            Event::Html(format!("<{element} id=\"^{}\">", escape_html(&id)).into());
                        parsed.block_ids.push(BlockId {
                            id,
                            range: range.clone(),
                        });
                    }
                }
            }
        }
        out.append(events);
    };

    for (event, range) in events {
        if is_inline(&event) {
            run.push((event, range));
            continue;
        }
        flush(&mut run, &mut out, &blocks, in_heading);
        match &event {
            Event::Start(tag) => {
                let holder = match tag {
                    Tag::Paragraph => Holder::Paragraph,
                    Tag::Item => Holder::Item,
                    Tag::BlockQuote(_) => Holder::Quote,
                    _ => Holder::Other,
                };
                in_heading = matches!(tag, Tag::Heading { .. });
                blocks.push((out.len(), range.clone(), holder));
            }
            Event::End(tag) => {
                if let Some((index, _, _)) = blocks.pop() {
                    // A start rewritten to HTML needs a matching HTML end.
                    if let Event::Html(_) = out[index].0 {
                        let close = if matches!(tag, TagEnd::Item) {
                            "</li>\n"
                        } else {
                            "</p>\n"
                        };
                        out.push((Event::Html(close.into()), range));
                        continue;
                    }
                }
                in_heading = false;
            }
            _ => {}
        }
        out.push((event, range));
    }
    flush(&mut run, &mut out, &blocks, in_heading);
    (out, quote_ids)
}

/// Turns paired `==` in text into `<mark>`: an opening `==` is followed by a
/// non-space, a closing one preceded by one, both at the same nesting depth.
fn highlight(events: &mut Vec<Spanned>) {
    if !events
        .iter()
        .any(|(e, _)| matches!(e, Event::Text(t) if has_pair(t, b"==")))
    {
        return;
    }
    // Split texts at every `==` so each marker is its own event.
    let mut split: Vec<Spanned> = Vec::with_capacity(events.len() + 4);
    for (event, range) in events.drain(..) {
        match event {
            Event::Text(text) if has_pair(&text, b"==") => {
                let mut offset = range.start;
                for (i, piece) in text.split("==").enumerate() {
                    if i > 0 {
                        split.push((Event::Text("==".into()), offset..offset + 2));
                        offset += 2;
                    }
                    if !piece.is_empty() {
                        split.push((
                            Event::Text(piece.to_string().into()),
                            offset..offset + piece.len(),
                        ));
                        offset += piece.len();
                    }
                }
            }
            other => split.push((other, range)),
        }
    }
    // Whether the event at `i` is solid (not space) on the side facing the marker.
    let solid = |events: &[Spanned], i: usize, facing_start: bool| match events.get(i) {
        Some((Event::Text(t), _)) => {
            let c = if facing_start {
                t.chars().next()
            } else {
                t.chars().last()
            };
            c.is_some_and(|c| !c.is_whitespace())
        }
        Some((Event::SoftBreak | Event::HardBreak, _)) | None => false,
        Some(_) => true,
    };
    let mut depth = 0usize;
    let mut open: Vec<Option<usize>> = vec![None];
    let mut pairs = Vec::new();
    for i in 0..split.len() {
        match &split[i].0 {
            Event::Start(_) => {
                depth += 1;
                open.push(None);
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                open.pop();
                if open.is_empty() {
                    open.push(None);
                }
            }
            Event::Text(t) if t.as_ref() == "==" => {
                let next_solid = solid(&split, i + 1, true);
                let prev_solid = i > 0 && solid(&split, i - 1, false);
                let level = depth.min(open.len() - 1);
                let slot = &mut open[level];
                match *slot {
                    Some(start) if prev_solid => {
                        pairs.push((start, i));
                        *slot = None;
                    }
                    _ if next_solid => *slot = Some(i),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    for (start, end) in pairs {
        split[start].0 = Event::InlineHtml("<mark>".into());
        split[end].0 = Event::InlineHtml("</mark>".into());
    }
    *events = split;
}

/// Removes a trailing `^block-id` from a run of inline events and returns the id.
fn take_block_id(events: &mut Vec<Spanned>) -> Option<String> {
    let last = events
        .iter()
        .rposition(|(e, _)| !matches!(e, Event::SoftBreak | Event::HardBreak))?;
    let Event::Text(text) = &events[last].0 else {
        return None;
    };
    // Read from the end: the id is the last word, so the rest of a long
    // paragraph need not be searched for a `^`.
    let trimmed = text.trim_end();
    let id_len = trimmed
        .bytes()
        .rev()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-')
        .count();
    let caret = trimmed.len().checked_sub(id_len + 1)?;
    if id_len == 0 || trimmed.as_bytes()[caret] != b'^' {
        return None;
    }
    let id = &trimmed[caret + 1..];
    let before = &text[..caret];
    // `text ^id`, or `^id` glued to an embed or standing alone: `![[x.png]]^id`.
    let glued = caret == 0
        && (last == 0 || matches!(events[last - 1].0, Event::End(TagEnd::Image | TagEnd::Link)));
    if !(before.ends_with(char::is_whitespace) || glued) {
        return None;
    }
    let id = id.to_string();
    let kept = before.trim_end().to_string();
    if kept.is_empty() {
        events.remove(last);
    } else {
        events[last].0 = Event::Text(kept.into());
    }
    Some(id)
}

/// Whether `#name` is a colour code rather than a tag: 3 or 6 hex digits with a digit among them.
fn is_colour(name: &str) -> bool {
    (name.len() == 3 || name.len() == 6)
        && name.chars().all(|c| c.is_ascii_hexdigit())
        && name.chars().any(|c| c.is_ascii_digit())
}

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '/')
}

/// Finds inline `#tags` in text (not in links, code or headings) and, when
/// rendering, turns them into links to their tag pages.
fn tags(events: &mut Vec<Spanned>, tag_href: TagHref, found: &mut Vec<String>) {
    if !events
        .iter()
        .any(|(e, _)| matches!(e, Event::Text(t) if has_byte(t, b'#')))
    {
        return;
    }
    let mut out: Vec<Spanned> = Vec::with_capacity(events.len());
    let mut link_depth = 0usize;
    let mut after_space = true; // the start of a block counts as after a space
    for (event, range) in events.drain(..) {
        match event {
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => {
                link_depth += 1;
                out.push((event, range));
            }
            Event::End(TagEnd::Link | TagEnd::Image) => {
                link_depth = link_depth.saturating_sub(1);
                after_space = false;
                out.push((event, range));
            }
            Event::Text(text) if link_depth == 0 && has_byte(&text, b'#') => {
                let mut last = 0;
                let mut prev_space = after_space;
                let mut iter = text.char_indices().peekable();
                while let Some((i, c)) = iter.next() {
                    if c == '#' && prev_space {
                        let name_len: usize = text[i + 1..]
                            .chars()
                            .take_while(|&c| is_tag_char(c))
                            .map(char::len_utf8)
                            .sum();
                        let name = text[i + 1..i + 1 + name_len].trim_end_matches(['/', '-']);
                        if !name.is_empty()
                            && !name.chars().all(|c| c.is_ascii_digit())
                            && !is_colour(name)
                        {
                            found.push(name.to_string());
                            if let Some(href) = tag_href {
                                if i > last {
                                    out.push((
                                        Event::Text(text[last..i].to_string().into()),
                                        range.start + last..range.start + i,
                                    ));
                                }
                                let end = i + 1 + name.len();
                                let html = format!(
                                    "<a class=\"tag\" href=\"{}\">#{}</a>",
                                    escape_html(&href(name)),
                                    escape_html(name)
                                );
                                out.push((
                                    Event::InlineHtml(html.into()),
                                    range.start + i..range.start + end,
                                ));
                                last = end;
                            }
                            while iter.peek().is_some_and(|&(j, _)| j < i + 1 + name.len()) {
                                iter.next();
                            }
                            prev_space = false;
                            continue;
                        }
                    }
                    prev_space = c.is_whitespace() || matches!(c, '(' | '[' | ',' | ';');
                }
                after_space = prev_space;
                if last == 0 {
                    out.push((Event::Text(text), range));
                } else if last < text.len() {
                    out.push((
                        Event::Text(text[last..].to_string().into()),
                        range.start + last..range.end,
                    ));
                }
            }
            Event::Text(text) => {
                after_space = text.ends_with(char::is_whitespace);
                out.push((Event::Text(text), range));
            }
            Event::SoftBreak | Event::HardBreak => {
                after_space = true;
                out.push((event, range));
            }
            other => {
                after_space = false;
                out.push((other, range));
            }
        }
    }
    *events = out;
}

/// Obsidian's callout types: each alias maps to its canonical type.
const CALLOUT_TYPES: &[(&str, &[&str])] = &[
    ("note", &[]),
    ("abstract", &["summary", "tldr"]),
    ("info", &[]),
    ("todo", &[]),
    ("tip", &["hint", "important"]),
    ("success", &["check", "done"]),
    ("question", &["help", "faq"]),
    ("warning", &["caution", "attention"]),
    ("failure", &["fail", "missing"]),
    ("danger", &["error"]),
    ("bug", &[]),
    ("example", &[]),
    ("quote", &["cite"]),
];

/// The canonical callout type for a name as written; unknown names are notes.
pub fn callout_type(name: &str) -> &'static str {
    let name = name.to_lowercase();
    CALLOUT_TYPES
        .iter()
        .find(|(canonical, aliases)| *canonical == name || aliases.contains(&name.as_str()))
        .map_or("note", |(canonical, _)| canonical)
}

/// Parses `[!type]`, `[!type]-` or `[!type]+` at the start of a callout's first
/// line; returns (type as written, fold marker, the rest of the line).
fn callout_header(text: &str) -> Option<(&str, Option<char>, &str)> {
    let rest = text.strip_prefix("[!")?;
    let close = rest.find(']')?;
    let kind = &rest[..close];
    if kind.is_empty()
        || !kind
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    {
        return None;
    }
    let rest = &rest[close + 1..];
    let (fold, rest) = match rest.chars().next() {
        Some(c @ ('-' | '+')) => (Some(c), &rest[1..]),
        _ => (None, rest),
    };
    Some((kind, fold, rest.trim_start()))
}

/// Turns block quotes that start with `[!type]` into callouts; foldable ones
/// (`-` closed, `+` open) become `<details>`, so they work without JavaScript.
/// `quote_ids` are the block ids of quotes, by the quote's start offset.
fn callouts<'a>(events: Vec<Spanned<'a>>, quote_ids: &[(usize, String)]) -> Vec<Spanned<'a>> {
    if !events
        .iter()
        .any(|(e, _)| matches!(e, Event::Start(Tag::BlockQuote(_))))
    {
        return events;
    }
    let id_attr = |start: usize| {
        quote_ids
            .iter()
            .find(|(s, _)| *s == start)
            .map(|(_, id)| format!(" id=\"^{}\"", escape_html(id)))
            .unwrap_or_default()
    };
    let mut out: Vec<Spanned> = Vec::with_capacity(events.len());
    // For each open block quote: the HTML closing it, if it became a callout.
    let mut quotes: Vec<Option<&'static str>> = Vec::new();
    let mut i = 0;
    while i < events.len() {
        let (event, range) = &events[i];
        match event {
            Event::Start(Tag::BlockQuote(_)) => {
                let header = match (events.get(i + 1), events.get(i + 2)) {
                    (Some((Event::Start(Tag::Paragraph), _)), Some((Event::Text(_), _))) => {
                        // The parser may split `[!note]` into several texts.
                        let mut first = String::new();
                        let mut j = i + 2;
                        while let Some((Event::Text(t), _)) = events.get(j) {
                            first.push_str(t);
                            j += 1;
                        }
                        callout_header(&first)
                            .map(|(kind, fold, rest)| (kind.to_string(), fold, rest.to_string(), j))
                    }
                    _ => None,
                };
                let id = id_attr(range.start);
                let Some((written, fold, title_text, after_texts)) = header else {
                    if id.is_empty() {
                        quotes.push(None);
                        out.push((event.clone(), range.clone()));
                    } else {
                        quotes.push(Some("</blockquote>\n"));
                        out.push((
                            Event::Html(format!("<blockquote{id}>\n").into()),
                            range.clone(),
                        ));
                    }
                    i += 1;
                    continue;
                };
                let kind = callout_type(&written);
                let (open, title_close, close) = match fold {
                    None => (
                        format!("<div class=\"callout\" data-callout=\"{kind}\"{id}>\n<div class=\"callout-title\">"),
                        "</div>\n<div class=\"callout-content\">\n",
                        "</div>\n</div>\n",
                    ),
                    Some(marker) => (
                        format!(
                            "<details class=\"callout\" data-callout=\"{kind}\"{id}{}>\n<summary class=\"callout-title\">",
                            if marker == '+' { " open" } else { "" }
                        ),
                        "</summary>\n<div class=\"callout-content\">\n",
                        "</div>\n</details>\n",
                    ),
                };
                out.push((Event::Html(open.into()), range.clone()));
                // Title: the text after `[!type]`, then inline events up to the first line break.
                let mut title_events: Vec<Spanned> = Vec::new();
                if !title_text.is_empty() {
                    title_events.push((Event::Text(title_text.into()), range.clone()));
                }
                let mut j = after_texts;
                while let Some((e, r)) = events.get(j) {
                    if matches!(
                        e,
                        Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::Paragraph)
                    ) {
                        break;
                    }
                    title_events.push((e.clone(), r.clone()));
                    j += 1;
                }
                if title_events.is_empty() {
                    let mut label = written.clone();
                    if let Some(first) = label.get_mut(0..1) {
                        first.make_ascii_uppercase();
                    }
                    title_events.push((Event::Text(label.into()), range.clone()));
                }
                out.extend(title_events);
                out.push((Event::Html(title_close.into()), range.clone()));
                match events.get(j) {
                    Some((Event::End(TagEnd::Paragraph), _)) => j += 1, // the paragraph was only the title
                    Some((Event::SoftBreak | Event::HardBreak, r)) => {
                        out.push((Event::Start(Tag::Paragraph), r.clone()));
                        j += 1;
                    }
                    _ => {}
                }
                quotes.push(Some(close));
                i = j;
                continue;
            }
            Event::End(TagEnd::BlockQuote(_)) => match quotes.pop() {
                Some(Some(close)) => out.push((Event::Html(close.into()), range.clone())),
                _ => out.push((event.clone(), range.clone())),
            },
            _ => out.push((event.clone(), range.clone())),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The HTML of `body`, rendered both as a page is (told what reading
    /// the note found) and without that hint, which must agree.
    fn html(body: &str) -> String {
        let href = |t: &str| format!("tags/{t}/");
        let read = parse(body, None, None);
        let found = Found {
            tags: !read.tags.is_empty(),
            block_ids: !read.block_ids.is_empty(),
        };
        let render = |found: Option<Found>| {
            let parsed = parse(body, Some(&href), found);
            let mut out = String::new();
            pulldown_cmark::html::push_html(&mut out, parsed.events.into_iter().map(|(e, _)| e));
            out
        };
        let full = render(None);
        assert_eq!(render(Some(found)), full, "{body:?}");
        full
    }

    #[test]
    fn comments_are_removed_inline_and_across_blocks() {
        assert_eq!(html("a %%hidden [[x]]%% b"), "<p>a  b</p>\n");
        assert_eq!(
            html("before\n\n%%\nblock [[y]]\n\nmore\n%%\n\nafter"),
            "<p>before</p>\n<p>after</p>\n"
        );
        assert_eq!(html("`%%code%%`"), "<p><code>%%code%%</code></p>\n");
        let parsed = parse("x %%[[hidden]]%% y", None, None);
        assert!(!parsed
            .events
            .iter()
            .any(|(e, _)| matches!(e, Event::Start(Tag::Link { .. }))));
    }

    #[test]
    fn highlights_pair_up() {
        assert_eq!(html("a ==marked== b"), "<p>a <mark>marked</mark> b</p>\n");
        assert_eq!(html("x == y and 1 == 2"), "<p>x == y and 1 == 2</p>\n");
        assert_eq!(html("==*both*=="), "<p><mark><em>both</em></mark></p>\n");
    }

    #[test]
    fn block_ids_in_quotes_and_callouts_mark_the_whole_quote() {
        let body = "> [!quote] Who\n> words ^q1\n\n> plain\n> quote ^q2\n";
        let parsed = parse(body, None, None);
        assert_eq!(parsed.block_ids[0].range, 0..body.find("\n\n").unwrap() + 1);
        let out = html(body);
        assert!(
            out.contains("<div class=\"callout\" data-callout=\"quote\" id=\"^q1\">"),
            "{out}"
        );
        assert!(
            out.contains("<blockquote id=\"^q2\">\n<p>plain\nquote</p>\n</blockquote>"),
            "{out}"
        );
    }

    #[test]
    fn markers_are_found_only_as_pairs() {
        assert!(has_pair("a==b", b"=="));
        assert!(has_pair("x = y ==", b"=="));
        assert!(!has_pair("x = y = z=", b"=="));
        assert!(has_pair("%%", b"%%"));
        assert!(!has_pair("50% of 10%", b"%%"));
        assert!(!has_pair("", b"%%"));
    }

    #[test]
    fn block_ids_mark_paragraphs_and_items() {
        let parsed = parse("A claim. ^claim-1\n\n- item ^it\n- other\n", None, None);
        let ids: Vec<_> = parsed.block_ids.iter().map(|b| b.id.as_str()).collect();
        assert_eq!(ids, ["claim-1", "it"]);
        assert_eq!(
            html("A claim. ^claim-1"),
            "<p id=\"^claim-1\">A claim.</p>\n"
        );
        assert_eq!(
            html("- item ^it\n"),
            "<ul>\n<li id=\"^it\">item</li>\n</ul>\n"
        );
        assert_eq!(html("![[x.png]]^pic").matches("id=\"^pic\"").count(), 1);
        assert_eq!(html("2^10 is not an id"), "<p>2^10 is not an id</p>\n");
        // Only a last word of id characters after ` ^` is an id.
        assert_eq!(html("Tail ^id  "), "<p id=\"^id\">Tail</p>\n");
        for not_id in ["a ^b c", "a ^b^c", "a x^c", "a ^", "a ^b.c", "a ^é"] {
            let parsed = parse(not_id, None, None);
            assert!(parsed.block_ids.is_empty(), "{not_id}");
            assert_eq!(html(not_id), format!("<p>{not_id}</p>\n"), "{not_id}");
        }
    }

    #[test]
    fn inline_tags_but_not_colours_numbers_headings_or_links() {
        let parsed = parse("Tagged #china and #trade/tariffs, not #a6e6e3 or #123 or a#b.\n\n# Heading #nottag\n\n[#nolink](x) `#code`", None, None);
        assert_eq!(parsed.tags, ["china", "trade/tariffs"]);
        assert!(html("see #china.").contains("<a class=\"tag\" href=\"tags/china/\">#china</a>."));
    }

    #[test]
    fn callouts_with_titles_folding_and_nesting() {
        let out = html("> [!warning] Careful *now*\n> body text\n");
        assert!(out.starts_with("<div class=\"callout\" data-callout=\"warning\">\n<div class=\"callout-title\">Careful <em>now</em></div>"), "{out}");
        assert!(out.contains("<p>body text</p>"), "{out}");
        let folded = html("> [!faq]-\n> hidden answer\n");
        assert!(folded.starts_with("<details class=\"callout\" data-callout=\"question\">\n<summary class=\"callout-title\">Faq</summary>"), "{folded}");
        assert!(html("> [!tip]+ Open\n> x").contains("data-callout=\"tip\" open>"));
        assert!(html("> [!whatever] T\n> x").contains("data-callout=\"note\""));
        let nested = html("> [!note] Outer\n> > [!danger] Inner\n> > deep\n");
        assert_eq!(nested.matches("class=\"callout\"").count(), 2, "{nested}");
        assert_eq!(
            html("> plain quote"),
            "<blockquote>\n<p>plain quote</p>\n</blockquote>\n"
        );
    }
}
