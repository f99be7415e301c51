//! Search terms: each published note's words, scored by where they occur,
//! with the best notes per term. The render stage writes them out as the
//! search index (`render::search`).
//!
//! A full link stage builds them in the pass that looks for unlinked
//! mentions, from the same tokens: every word of every note is then found
//! and hashed once for both. Elsewhere (a preview rebuild after an edit),
//! [`build`] reads the notes again on its own.
//!
//! Terms are lowercase with diacritics removed; CJK text is indexed as
//! character pairs. `static/search.js` normalizes queries the same way.

use hashbrown::HashTable;
use rayon::prelude::*;
use unicode_normalization::UnicodeNormalization;

use super::mentions::{same_bytes, token_hash, tokenize, Token};
use super::NoteId;
use crate::load::Note;

/// Postings kept per term, best first: enough for ranking the top results.
pub const MAX_POSTINGS: usize = 100;
/// Scores by where a term occurs.
const TITLE_SCORE: u32 = 1000;
const ALIAS_SCORE: u32 = 500;
/// Body occurrences count up to this many.
const MAX_BODY_COUNT: u32 = 20;

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30ff | 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xac00..=0xd7af | 0xf900..=0xfaff | 0x20000..=0x2fa1f)
}

/// Lowercase, without diacritics (`é` → `e`).
fn normalize(text: &str) -> String {
    text.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Lowercase without diacritics; ASCII text is just lowercased, in place
/// (no Unicode tables, no copy).
fn normalized(mut text: String) -> String {
    if text.is_ascii() {
        text.make_ascii_lowercase();
        text
    } else {
        normalize(&text)
    }
}

/// Calls `f` with each term of already [`normalized`] text: words, and pairs
/// of characters for CJK runs (a lone CJK character is a term of its own).
/// Terms are slices of `text`, so counting them allocates nothing.
fn for_each_term<'t>(text: &'t str, mut f: impl FnMut(&'t str)) {
    if text.is_ascii() {
        // The common case: words are runs of letters and digits.
        super::words::words(text).for_each(|(start, end)| f(&text[start..end]));
        return;
    }
    let mut word_start: Option<usize> = None;
    let mut chars = text.char_indices().peekable();
    let mut previous_cjk: Option<usize> = None; // start of the previous CJK char in this run
    while let Some((i, c)) = chars.next() {
        if is_cjk(c) {
            if let Some(start) = word_start.take() {
                f(&text[start..i]);
            }
            let end = i + c.len_utf8();
            match previous_cjk {
                Some(prev) => f(&text[prev..end]),
                None if !chars.peek().is_some_and(|&(_, n)| is_cjk(n)) => f(&text[i..end]),
                None => {}
            }
            previous_cjk = Some(i);
        } else {
            previous_cjk = None;
            if c.is_alphanumeric() {
                word_start.get_or_insert(i);
            } else if let Some(start) = word_start.take() {
                f(&text[start..i]);
            }
        }
    }
    if let Some(start) = word_start {
        f(&text[start..]);
    }
}

/// Best first: higher score, then lower document number (a total order, so
/// the best `MAX_POSTINGS` of a list are the same however it was built).
fn best_first(a: &[u32; 2], b: &[u32; 2]) -> std::cmp::Ordering {
    b[1].cmp(&a[1]).then(a[0].cmp(&b[0]))
}

/// Adds a posting to a list of final ones, first cutting the list back to
/// its best when it has grown to twice `MAX_POSTINGS`: a common word never
/// holds a posting per document, and the best stay the same.
fn push_posting(list: &mut Vec<[u32; 2]>, posting: [u32; 2]) {
    bound(list);
    list.push(posting);
}

/// Cuts a list that has grown to twice `MAX_POSTINGS` back to its best.
fn bound(list: &mut Vec<[u32; 2]>) {
    if list.len() >= 2 * MAX_POSTINGS {
        keep_best(list);
    }
}

/// Drops all but the best `MAX_POSTINGS` postings of a list, in linear time.
fn keep_best(list: &mut Vec<[u32; 2]>) {
    if list.len() > MAX_POSTINGS {
        list.select_nth_unstable_by(MAX_POSTINGS, best_first);
        list.truncate(MAX_POSTINGS);
    }
}

/// One term and its `[doc, score]` postings, in one cache line for the
/// common case: every word of every note looks up its term.
#[derive(Debug)]
struct Term {
    /// [`token_hash`] of the term, which ignores ASCII case.
    hash: u64,
    /// The posting of the document being indexed, whose score still grows.
    current: [u32; 2],
    /// The term, normalized.
    text: TermText,
    /// Postings of earlier documents.
    postings: Vec<[u32; 2]>,
}

/// Bytes of a term kept inside its [`Term`]; longer ones are on the heap.
const INLINE_TERM: usize = 22;

/// A term's text: inline when short, as most words are, so comparing it
/// reads no other memory.
#[derive(Debug)]
enum TermText {
    Inline { len: u8, bytes: [u8; INLINE_TERM] },
    Heap(Box<str>),
}

impl TermText {
    fn new(text: &str) -> TermText {
        match u8::try_from(text.len()) {
            Ok(len) if text.len() <= INLINE_TERM => {
                let mut bytes = [0; INLINE_TERM];
                bytes[..text.len()].copy_from_slice(text.as_bytes());
                TermText::Inline { len, bytes }
            }
            _ => TermText::Heap(text.into()),
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            TermText::Inline { len, bytes } => &bytes[..usize::from(*len)],
            TermText::Heap(text) => text.as_bytes(),
        }
    }

    fn into_boxed_str(self) -> Box<str> {
        match self {
            // Made from a whole `&str`, so always UTF-8.
            TermText::Inline { .. } => String::from_utf8_lossy(self.as_bytes()).into(),
            TermText::Heap(text) => text,
        }
    }
}

impl Term {
    /// All postings: the earlier documents' and the current one.
    fn into_postings(mut self) -> (TermText, Vec<[u32; 2]>) {
        push_posting(&mut self.postings, self.current);
        (self.text, self.postings)
    }
}

/// Terms of the notes indexed so far, with their postings, while they are
/// being gathered; [`Postings::finish`] turns them into [`SearchTerms`].
#[derive(Debug, Default)]
pub(crate) struct Postings {
    terms: HashTable<Term>,
}

impl Postings {
    /// Adds a term occurrence: `first` is the score of the term's first
    /// occurrence in document `doc`, `more` makes a later one's score from
    /// the score so far. `text` is the normalized term; `hash` is its
    /// [`token_hash`]. Documents come in increasing order.
    ///
    /// A term's current posting is its last document's, so its score grows
    /// in place: one lookup per word, one list push per document.
    fn add(&mut self, hash: u64, text: &str, doc: u32, first: u32, more: impl Fn(u32) -> u32) {
        let found = self.terms.find_mut(hash, |t| {
            t.hash == hash && same_bytes(t.text.as_bytes(), text.as_bytes())
        });
        match found {
            Some(term) if term.current[0] == doc => term.current[1] = more(term.current[1]),
            Some(term) => {
                // The current posting is final now that a later document has
                // the term, so the best of the list are known.
                push_posting(&mut term.postings, term.current);
                term.current = [doc, first];
            }
            None => {
                let term = Term {
                    hash,
                    current: [doc, first],
                    text: TermText::new(text),
                    postings: Vec::new(),
                };
                self.terms.insert_unique(hash, term, |t| t.hash);
            }
        }
    }

    /// Adds normalized text's terms with the scores of `add`.
    fn add_text(&mut self, text: &str, doc: u32, first: u32, more: impl Fn(u32) -> u32) {
        for_each_term(text, |t| self.add(token_hash(t), t, doc, first, &more));
    }

    /// Adds the terms of `note` as document `doc`. `prose` is its
    /// [`Note::prose`] and `tokens` are that prose's mention tokens; the
    /// prose is lowercased in place.
    ///
    /// Title terms come first, then aliases, then the prose, which keeps the
    /// parts of a score apart: `TITLE_SCORE`, `ALIAS_SCORE`, then a body count
    /// below `MAX_BODY_COUNT`.
    pub fn add_note(&mut self, doc: u32, note: &Note, mut prose: String, tokens: &[Token]) {
        self.add_text(&normalized(note.title.clone()), doc, TITLE_SCORE, |s| s);
        for alias in &note.aliases {
            self.add_text(&normalized(alias.clone()), doc, ALIAS_SCORE, |s| {
                if s % TITLE_SCORE < ALIAS_SCORE {
                    s + ALIAS_SCORE
                } else {
                    s
                }
            });
        }
        let body = |s: u32| {
            if s % ALIAS_SCORE < MAX_BODY_COUNT {
                s + 1
            } else {
                s
            }
        };
        if prose.is_ascii() {
            // The words of ASCII prose are its word tokens, already hashed
            // without regard to case; lowercasing keeps their places.
            prose.make_ascii_lowercase();
            for token in tokens.iter().filter(|t| t.word) {
                let word = &prose[token.start as usize..token.end as usize];
                self.add(token.hash, word, doc, 1, body);
            }
        } else {
            self.add_text(&normalize(&prose), doc, 1, body);
        }
    }

    /// Adds the postings of `other`, gathered from other documents.
    pub fn merge(mut self, mut other: Postings) -> Postings {
        if other.terms.len() > self.terms.len() {
            std::mem::swap(&mut self, &mut other);
        }
        for term in other.terms {
            let found = self.terms.find_mut(term.hash, |t| {
                t.hash == term.hash && t.text.as_bytes() == term.text.as_bytes()
            });
            match found {
                Some(mine) => {
                    let (_, postings) = term.into_postings();
                    for posting in postings {
                        push_posting(&mut mine.postings, posting);
                    }
                }
                None => {
                    self.terms.insert_unique(term.hash, term, |t| t.hash);
                }
            }
        }
        self
    }

    /// Each term's best postings, best first.
    pub fn finish(self) -> SearchTerms {
        let mut terms: Vec<(Box<str>, Vec<[u32; 2]>)> = self
            .terms
            .into_iter()
            .map(|term| {
                let (text, mut postings) = term.into_postings();
                keep_best(&mut postings);
                postings.sort_unstable_by(best_first);
                (text.into_boxed_str(), postings)
            })
            .collect();
        terms.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        SearchTerms { terms }
    }
}

/// Every term of the published notes with its best `[doc, score]` postings,
/// best first; documents are numbered by id among the published notes.
#[derive(Debug, Default)]
pub struct SearchTerms {
    /// By term.
    pub terms: Vec<(Box<str>, Vec<[u32; 2]>)>,
}

/// How many notes go into one [`Postings`] table, at least, when `notes`
/// are gathered in parallel: each table holds much of the vocabulary, so a
/// table per handful of notes would be merged more often than filled. About
/// sixteen tables keep every core busy to the end.
pub(crate) fn notes_per_table(notes: usize) -> usize {
    (notes / 16).max(256)
}

/// Search document numbers: each published note's place among them.
pub fn doc_numbers(published: &[bool]) -> Vec<u32> {
    let mut next = 0;
    published
        .iter()
        .map(|&p| {
            let doc = next;
            next += u32::from(p);
            doc
        })
        .collect()
}

/// The search terms of the published notes, read on their own (a full link
/// stage gathers them with the mentions instead).
pub fn build(notes: &[Note], published: &[bool]) -> SearchTerms {
    let docs = doc_numbers(published);
    (0..notes.len())
        .into_par_iter()
        .with_min_len(notes_per_table(notes.len()))
        .filter(|&id: &NoteId| published[id])
        .fold(Postings::default, |mut postings, id| {
            let prose = notes[id].prose();
            let tokens = tokenize(&prose);
            postings.add_note(docs[id], &notes[id], prose, &tokens);
            postings
        })
        .reduce(Postings::default, Postings::merge)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The terms of a text, as a note's are found.
    fn terms(text: &str) -> Vec<String> {
        let text = normalized(text.to_string());
        let mut out = Vec::new();
        for_each_term(&text, |t| out.push(t.to_string()));
        out
    }

    #[test]
    fn terms_are_lowercase_without_diacritics_and_cjk_pairs() {
        assert_eq!(terms("Zoë's Café, 2025!"), ["zoe", "s", "cafe", "2025"]);
        assert_eq!(terms("王小洪部长"), ["王小", "小洪", "洪部", "部长"]);
        assert_eq!(terms("fentanyl 芬太尼"), ["fentanyl", "芬太", "太尼"]);
    }

    fn note(text: &str) -> Note {
        crate::load::parse_note(
            "a.md".into(),
            "a.md".into(),
            text.to_string(),
            &crate::config::Config::default(),
        )
    }

    fn postings_of(notes: &[Note]) -> SearchTerms {
        build(notes, &vec![true; notes.len()])
    }

    fn score<'s>(terms: &'s SearchTerms, term: &str) -> &'s [[u32; 2]] {
        terms
            .terms
            .iter()
            .find(|(t, _)| &**t == term)
            .map_or(&[], |(_, p)| p.as_slice())
    }

    #[test]
    fn a_score_counts_title_alias_and_body_words_apart() {
        let text = format!(
            "---\ntitle: Fentanyl talks\naliases: [Talks on fentanyl, talks]\n---\nTalks talks fentanyl.\n\n{}\n",
            "tariffs ".repeat(25)
        );
        let terms = postings_of(&[note(&text), note(&text)]);
        // In the title, in (two) aliases, twice in the body: each part once.
        assert_eq!(score(&terms, "talks"), [[0, 1502], [1, 1502]]);
        assert_eq!(score(&terms, "fentanyl"), [[0, 1501], [1, 1501]]);
        assert_eq!(score(&terms, "on"), [[0, 500], [1, 500]]);
        // Body occurrences count up to MAX_BODY_COUNT.
        assert_eq!(score(&terms, "tariffs"), [[0, 20], [1, 20]]);
    }

    #[test]
    fn body_words_are_one_term_whatever_their_case_and_script() {
        let terms = postings_of(&[
            note("# A\n\nTARIFFS and Tariffs, tariffs.\n"),
            note("# B\n\nCafé tariffs, Zoë's café.\n"),
        ]);
        assert_eq!(score(&terms, "tariffs"), [[0, 3], [1, 1]]);
        assert_eq!(score(&terms, "cafe"), [[1, 2]]);
        assert!(score(&terms, "Tariffs").is_empty());
        assert!(score(&terms, "café").is_empty());
    }

    #[test]
    fn short_and_long_terms_are_kept_whole() {
        let long = "pneumonoultramicroscopicsilicovolcanoconiosis";
        assert!(long.len() > INLINE_TERM);
        let terms = postings_of(&[note(&format!("# A\n\nFentanyl {long} {long}.\n"))]);
        assert_eq!(score(&terms, long), [[0, 2]]);
        assert_eq!(score(&terms, "fentanyl"), [[0, 1]]);
        // A term is one cache line.
        assert!(std::mem::size_of::<Term>() <= 64);
    }

    #[test]
    fn gathering_in_parts_gives_the_same_terms() {
        let notes: Vec<Note> = (0..300)
            .map(|i| {
                note(&format!(
                    "# Note {i}\n\nshared word{} common {}\n",
                    i % 7,
                    "x ".repeat(i % 23)
                ))
            })
            .collect();
        let mut whole = Postings::default();
        let (mut left, mut right) = (Postings::default(), Postings::default());
        for (doc, n) in notes.iter().enumerate() {
            let prose = n.prose();
            let tokens = tokenize(&prose);
            whole.add_note(doc as u32, n, prose.clone(), &tokens);
            let part = if doc < 150 { &mut left } else { &mut right };
            part.add_note(doc as u32, n, prose, &tokens);
        }
        let (whole, merged) = (whole.finish(), right.merge(left).finish());
        assert_eq!(whole.terms, merged.terms);
        assert_eq!(score(&whole, "common").len(), MAX_POSTINGS);
        // Body counts stop at MAX_BODY_COUNT; ties go to the first document.
        assert_eq!(score(&whole, "x")[0], [20, MAX_BODY_COUNT]);
    }

    #[test]
    fn pruning_while_building_keeps_the_same_best_postings() {
        // Scores with many ties, in document order, as the index adds them.
        let all: Vec<[u32; 2]> = (0..1000u32).map(|doc| [doc, (doc * 7919) % 23]).collect();
        let mut pruned = Vec::new();
        for &posting in &all {
            push_posting(&mut pruned, posting);
        }
        assert!(
            pruned.len() <= 2 * MAX_POSTINGS,
            "the list is cut back as it grows"
        );
        keep_best(&mut pruned);
        pruned.sort_unstable_by(best_first);
        let mut full = all.clone();
        full.sort_unstable_by(best_first);
        full.truncate(MAX_POSTINGS);
        assert_eq!(pruned, full);
    }
}
