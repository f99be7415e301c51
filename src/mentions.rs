//! Unlinked mentions: notes whose text names another note's title or alias
//! without linking it, so writers can add the links.

use rustc_hash::FxHashMap;

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
/// ignoring ASCII case, longest name first. Names are filed under their first
/// word, so the text is read once and each word costs one hash lookup, however
/// many notes there are.
#[derive(Debug, Default)]
pub struct MentionFinder {
    /// ASCII-lowercased first word (or first character, when that is not a
    /// letter or digit) → the names starting with it, longest first.
    by_first_word: FxHashMap<Box<str>, Vec<Name>>,
}

#[derive(Debug)]
struct Name {
    /// The name, ASCII-lowercased.
    lower: Box<str>,
    /// The note it names.
    target: NoteId,
}

/// The first word of `text` (a run of letters and digits), or its first
/// character when that is not one; `None` for empty text.
fn first_word(text: &str) -> Option<&str> {
    let first = text.chars().next()?;
    if !first.is_alphanumeric() {
        return Some(&text[..first.len_utf8()]);
    }
    let end = text
        .char_indices()
        .find(|(_, c)| !c.is_alphanumeric())
        .map_or(text.len(), |(i, _)| i);
    Some(&text[..end])
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
        let mut by_first_word: FxHashMap<Box<str>, Vec<Name>> = FxHashMap::default();
        for (name, target) in names {
            let lower = name.to_ascii_lowercase();
            if let Some(word) = first_word(&lower) {
                by_first_word.entry(word.into()).or_default().push(Name {
                    lower: lower.as_str().into(),
                    target,
                });
            }
        }
        for names in by_first_word.values_mut() {
            names.sort_by(|a, b| {
                b.lower
                    .len()
                    .cmp(&a.lower.len())
                    .then(a.target.cmp(&b.target))
            });
        }
        MentionFinder { by_first_word }
    }

    /// Every name in `prose` at word boundaries, left to right and not
    /// overlapping, as (start, end, note named).
    fn names_in(&self, prose: &str) -> Vec<(usize, usize, NoteId)> {
        let mut hits = Vec::new();
        if self.by_first_word.is_empty() {
            return hits;
        }
        let bytes = prose.as_bytes();
        let mut key = String::new();
        let mut i = 0;
        let mut after_word = false; // whether the character before `i` is a letter or digit
        while i < prose.len() {
            let c = prose[i..].chars().next().unwrap_or(' ');
            let is_word = c.is_alphanumeric();
            if after_word || c.is_whitespace() {
                after_word = is_word;
                i += c.len_utf8();
                continue;
            }
            let word = first_word(&prose[i..]).unwrap_or_default();
            key.clear();
            key.extend(word.chars().map(|c| c.to_ascii_lowercase()));
            let found = self.by_first_word.get(key.as_str()).and_then(|names| {
                names.iter().find(|name| {
                    let end = i + name.lower.len();
                    end <= bytes.len()
                        && bytes[i..end].eq_ignore_ascii_case(name.lower.as_bytes())
                        && !prose[end..]
                            .chars()
                            .next()
                            .is_some_and(char::is_alphanumeric)
                })
            });
            match found {
                Some(name) => {
                    let end = i + name.lower.len();
                    hits.push((i, end, name.target));
                    after_word = prose[..end]
                        .chars()
                        .next_back()
                        .is_some_and(char::is_alphanumeric);
                    i = end;
                }
                None => {
                    // Skip the rest of the word: names start at word starts only.
                    after_word = is_word;
                    i += if is_word { word.len() } else { c.len_utf8() };
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
        let prose = &notes[source].prose();
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
    fn non_ascii_text_matches_exactly() {
        let f = finder(&["Zoë Café", "王小洪"]);
        assert_eq!(
            named(&f, "met zoë café and 王小洪."),
            ["zoë café", "王小洪"]
        );
        assert_eq!(named(&f, "ZOË CAFÉ"), Vec::<&str>::new());
    }
}
