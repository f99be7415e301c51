//! Unlinked mentions: notes whose text names another note's title or alias
//! without linking it, so writers can add the links.

use std::hash::Hasher;

use rustc_hash::{FxHashMap, FxHasher};

use crate::link::{NoteId, Resolved};
use crate::load::Note;
use crate::markdown::{sentence_around, Snippet};

/// Names shorter than this are not looked for: too many false matches.
const MIN_NAME_CHARS: usize = 3;

/// A note's text naming another note without linking it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// The note that names the other.
    pub source: NoteId,
    /// The sentence, with the name as the label.
    pub context: Snippet,
}

/// Finds every published note's title and aliases in text: whole words,
/// ignoring ASCII case, longest name first. Names are kept in a trie of their
/// words, so the text is read once and most words cost one hash lookup,
/// however many notes there are and however many names share a first word.
#[derive(Debug, Default)]
pub struct MentionFinder {
    /// Trie edges: (node, hash of an ASCII-lowercased token) → child node.
    /// Node 0 is the root. Tokens are words (runs of letters and digits) and
    /// single other characters, spaces included.
    edges: FxHashMap<(u32, u64), u32>,
    /// The names that end at each node, by node.
    ends: Vec<Vec<Name>>,
}

#[derive(Debug)]
struct Name {
    /// The name, ASCII-lowercased (checked in full, as token hashes may collide).
    lower: Box<str>,
    /// The note it names.
    target: NoteId,
}

/// Hash of a token, ignoring ASCII case: bytes are hashed eight at a time
/// with the 0x20 bit set, which lowercases ASCII letters and leaves digits as
/// they are. Other characters may collide that way; names are checked in full.
fn token_hash(token: &str) -> u64 {
    const CASE: u64 = 0x2020_2020_2020_2020;
    let mut h = FxHasher::default();
    let mut chunks = token.as_bytes().chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h.write_u64(u64::from_le_bytes(word) | CASE);
    }
    let mut last = [0u8; 8];
    let rest = chunks.remainder();
    last[..rest.len()].copy_from_slice(rest);
    h.write_u64(u64::from_le_bytes(last) | CASE);
    h.finish()
}

/// The character at byte `i` of `text` and its length; ASCII without decoding.
fn char_at(text: &str, i: usize) -> (char, usize) {
    match text.as_bytes().get(i) {
        Some(&b) if b.is_ascii() => (b as char, 1),
        _ => text[i..]
            .chars()
            .next()
            .map_or((' ', 1), |c| (c, c.len_utf8())),
    }
}

fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        c.is_alphanumeric()
    }
}

/// The first word of `text` (a run of letters and digits), or its first
/// character when that is not one; `None` for empty text.
fn first_word(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    let mut end = 0;
    loop {
        // ASCII letters and digits without decoding; other characters one by one.
        end += bytes[end..]
            .iter()
            .position(|b| !b.is_ascii_alphanumeric())
            .unwrap_or(bytes.len() - end);
        match bytes.get(end) {
            Some(b) if !b.is_ascii() => {
                let c = text[end..].chars().next()?;
                if c.is_alphanumeric() {
                    end += c.len_utf8();
                    continue;
                }
                if end == 0 {
                    return Some(&text[..c.len_utf8()]);
                }
            }
            Some(_) if end == 0 => return Some(&text[..1]),
            None if end == 0 => return None,
            _ => {}
        }
        return Some(&text[..end]);
    }
}

impl MentionFinder {
    /// Builds the finder over the names of the published notes.
    pub fn new(notes: &[Note], published: &[bool]) -> MentionFinder {
        let names = notes
            .iter()
            .enumerate()
            .filter(|(id, _)| published[*id])
            .flat_map(|(id, note)| {
                std::iter::once(&note.title)
                    .chain(&note.aliases)
                    .map(move |name| (name.as_str(), id))
            })
            .filter(|(name, _)| name.chars().count() >= MIN_NAME_CHARS);
        MentionFinder::from_names(names)
    }

    fn from_names<'n>(names: impl Iterator<Item = (&'n str, NoteId)>) -> MentionFinder {
        let mut finder = MentionFinder::default();
        let mut nodes = 1u32;
        for (name, target) in names {
            let mut node = 0u32;
            let mut rest = name;
            while let Some(token) = first_word(rest) {
                node = *finder
                    .edges
                    .entry((node, token_hash(token)))
                    .or_insert_with(|| {
                        nodes += 1;
                        nodes - 1
                    });
                rest = &rest[token.len()..];
            }
            if node != 0 {
                let node = node as usize;
                if finder.ends.len() <= node {
                    finder.ends.resize_with(node + 1, Vec::new);
                }
                finder.ends[node].push(Name {
                    lower: name.to_ascii_lowercase().into(),
                    target,
                });
            }
        }
        finder
    }

    /// The longest name starting at byte `i` of `prose` and ending at a word
    /// boundary, with its end; and the length of the first word at `i`.
    fn name_at(&self, prose: &str, i: usize) -> (Option<(usize, NoteId)>, usize) {
        let mut node = 0u32;
        let mut j = i;
        let mut best = None;
        let mut first_len = 0;
        while let Some(token) = first_word(&prose[j..]) {
            if j == i {
                first_len = token.len();
            }
            let Some(&child) = self.edges.get(&(node, token_hash(token))) else {
                break;
            };
            node = child;
            j += token.len();
            let at_boundary = j == prose.len() || !is_word_char(char_at(prose, j).0);
            if !at_boundary {
                continue;
            }
            if let Some(names) = self.ends.get(node as usize).filter(|n| !n.is_empty()) {
                let text = &prose.as_bytes()[i..j];
                if let Some(name) = names
                    .iter()
                    .find(|name| text.eq_ignore_ascii_case(name.lower.as_bytes()))
                {
                    best = Some((j, name.target));
                }
            }
        }
        (best, first_len)
    }

    /// Every name in `prose` at word boundaries, left to right and not
    /// overlapping, as (start, end, note named).
    fn names_in(&self, prose: &str) -> Vec<(usize, usize, NoteId)> {
        let mut hits = Vec::new();
        if self.edges.is_empty() {
            return hits;
        }
        let mut i = 0;
        let mut after_word = false; // whether the character before `i` is a letter or digit
        while i < prose.len() {
            let (c, len) = char_at(prose, i);
            if c.is_whitespace() || after_word {
                after_word = is_word_char(c);
                i += len;
                continue;
            }
            // A word starts here (or a character that is not a letter or digit).
            match self.name_at(prose, i) {
                (Some((end, target)), _) => {
                    hits.push((i, end, target));
                    // A name ends at a boundary: what follows is no letter or digit.
                    after_word = false;
                    i = end;
                }
                (None, first_len) => {
                    after_word = is_word_char(c);
                    i += first_len.max(len);
                }
            }
        }
        hits
    }

    /// The notes that `source`'s prose names without linking, each with the
    /// sentence of its first mention.
    pub fn find(
        &self,
        notes: &[Note],
        source: NoteId,
        links: &[Resolved],
        related: &[NoteId],
    ) -> Vec<(NoteId, Snippet)> {
        let prose = notes[source].prose();
        let prose = prose.as_str();
        let mut found: Vec<(NoteId, Snippet)> = Vec::new();
        for (start, end, target) in self.names_in(prose) {
            if target == source || found.iter().any(|(t, _)| *t == target) {
                continue;
            }
            // Names inside link text are links already; so is a note linked elsewhere in the text.
            let in_link = notes[source]
                .scan
                .prose_links
                .iter()
                .any(|r| r.start < end && start < r.end);
            let linked = links
                .iter()
                .any(|r| matches!(r, Resolved::Note { id, .. } if *id == target));
            if in_link || linked || related.contains(&target) {
                continue;
            }
            let (before, after) = sentence_around(prose, start, end);
            found.push((
                target,
                Snippet {
                    before,
                    label: prose[start..end].to_string(),
                    after,
                },
            ));
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finder(names: &[&str]) -> MentionFinder {
        MentionFinder::from_names(names.iter().enumerate().map(|(id, name)| (*name, id)))
    }

    fn named<'t>(f: &MentionFinder, text: &'t str) -> Vec<&'t str> {
        f.names_in(text)
            .into_iter()
            .map(|(s, e, _)| &text[s..e])
            .collect()
    }

    #[test]
    fn names_match_whole_words_ignoring_ascii_case_longest_first() {
        let f = finder(&["Wang", "Wang Xiaohong", "Eurasia Group", "U.S. Trade"]);
        assert_eq!(
            named(&f, "wang xiaohong met (Eurasia group) on U.S. trade; Wang."),
            ["wang xiaohong", "Eurasia group", "U.S. trade", "Wang"]
        );
        // Not inside other words, and a shorter name is found when the longer one is cut.
        assert_eq!(named(&f, "Wangs and XWang Xiaohong"), Vec::<&str>::new());
        assert_eq!(named(&f, "Wang Xiaohongs"), ["Wang"]);
    }

    #[test]
    fn first_words_are_runs_of_letters_and_digits_or_one_other_character() {
        assert_eq!(first_word("Wang2 Xiaohong"), Some("Wang2"));
        assert_eq!(first_word("Zoë's"), Some("Zoë"));
        assert_eq!(first_word("王小洪, minister"), Some("王小洪"));
        assert_eq!(first_word("(Eurasia"), Some("("));
        assert_eq!(first_word("—dash"), Some("—"));
        assert_eq!(first_word(""), None);
    }

    #[test]
    fn non_ascii_text_matches_exactly() {
        let f = finder(&["Zoë Café", "王小洪"]);
        assert_eq!(
            named(&f, "met zoë café and 王小洪."),
            ["zoë café", "王小洪"]
        );
        assert_eq!(named(&f, "ZOË CAFÉ"), Vec::<&str>::new());
    }
}
