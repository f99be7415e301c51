//! Snippets: the sentence around a link or a mention, cut to a readable
//! length, with the link text marked so templates can highlight it.

use super::*;

/// The sentence around a link, split so a template can highlight the link
/// text: templates see `before`, `label` and `after`.
///
/// Kept as one string with the label's place in it, not three strings: a
/// backlink list reads the snippets of many other notes, and on a large site
/// each separate piece of memory read is a likely cache miss.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Snippet {
    pub(super) text: String,
    pub(super) label_start: u32,
    pub(super) label_end: u32,
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

pub(super) const SNIPPET_SIDE: usize = 160;

/// Bytes searched for a sentence boundary on each side of a link: more than
/// [`SNIPPET_SIDE`] characters even in 4-byte scripts.
pub(super) const SNIPPET_WINDOW: usize = 4 * SNIPPET_SIDE + 64;

/// The text before and after `text[start..end]` in its sentence, each not
/// yet cut to [`SNIPPET_SIDE`] characters.
pub(super) fn sentence_around(text: &str, start: usize, end: usize) -> (&str, &str) {
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
pub(super) fn clip_start(s: &str, out: &mut String) {
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
pub(super) fn clip_end(s: &str, out: &mut String) {
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
