//! Unlinked mentions: notes whose text names another note's title or alias
//! without linking it, so writers can add the links.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

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

/// Finds every published note's title and aliases in text, whole words,
/// ignoring ASCII case, with one pass over the text (Aho-Corasick).
#[derive(Debug, Default)]
pub struct MentionFinder {
    automaton: Option<AhoCorasick>,
    /// The note each pattern names.
    targets: Vec<NoteId>,
}

impl MentionFinder {
    /// Builds the finder over the names of the published notes.
    pub fn new(notes: &[Note], published: &[bool]) -> MentionFinder {
        let mut patterns = Vec::new();
        let mut targets = Vec::new();
        for (id, note) in notes.iter().enumerate().filter(|(id, _)| published[*id]) {
            for name in std::iter::once(&note.title).chain(&note.aliases) {
                if name.chars().count() >= MIN_NAME_CHARS {
                    patterns.push(name.as_str());
                    targets.push(id);
                }
            }
        }
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .ok();
        MentionFinder { automaton, targets }
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
        let Some(automaton) = &self.automaton else {
            return Vec::new();
        };
        let prose = &notes[source].scan.prose;
        let mut found: Vec<(NoteId, Snippet)> = Vec::new();
        for hit in automaton.find_iter(prose) {
            let target = self.targets[hit.pattern().as_usize()];
            let (start, end) = (hit.start(), hit.end());
            let word_before = prose[..start]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric);
            let word_after = prose[end..]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric);
            if word_before
                || word_after
                || target == source
                || found.iter().any(|(t, _)| *t == target)
            {
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
