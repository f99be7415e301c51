//! Unlinked mentions: notes whose text names another note's title or alias
//! without linking it, so writers can add the links.

use std::hash::Hasher;
use std::ops::Range;

use rustc_hash::{FxHashMap, FxHasher};

use super::words::words;
use super::{NoteId, Resolved};
use crate::load::Note;
use crate::markdown::Snippet;

/// Names shorter than this are not looked for: too many false matches.
const MIN_NAME_CHARS: usize = 3;

/// Bits in [`MentionFinder`]'s filter of first tokens (8 KiB).
const FIRST_BITS: u64 = 1 << 16;
/// Flags a child in [`MentionFinder::edges`] at which names end: a walk
/// down the trie looks up its list of names (on a large site, a cache miss)
/// only there.
const ENDS_NAMES: u32 = 1 << 31;

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
    /// Trie edges: (node, [`Token::key`]) → child node, with [`ENDS_NAMES`]
    /// set when names end at the child. Node 0 is the root. Tokens are words
    /// (runs of letters and digits) and single other characters; a single
    /// space is part of the token after it.
    edges: FxHashMap<(u32, u64), u32>,
    /// Bit `key % FIRST_BITS` is set for the key of every name's first token:
    /// most words start no name, and this small table (unlike `edges`, which
    /// grows with the site) stays in the cache to say so.
    first: Vec<u64>,
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
/// The last bytes are read with fixed-size loads (overlapping the ones before)
/// rather than copied: a copy of variable length costs a call per token.
pub(crate) fn token_hash(token: &str) -> u64 {
    const CASE: u64 = 0x2020_2020_2020_2020;
    let bytes = token.as_bytes();
    let n = bytes.len();
    let mut h = FxHasher::default();
    h.write_usize(n);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        h.write_u64(le_u64(chunk) | CASE);
    }
    let tail = match n {
        0 => 0,
        1..=3 => {
            let spread = [bytes[0], bytes[n / 2], bytes[n - 1]];
            u64::from(spread[0]) | u64::from(spread[1]) << 8 | u64::from(spread[2]) << 16
        }
        4..=7 => u64::from(le_u32(&bytes[..4])) | u64::from(le_u32(&bytes[n - 4..])) << 32,
        _ if chunks.remainder().is_empty() => return h.finish(),
        _ => le_u64(&bytes[n - 8..]),
    };
    h.write_u64(tail | CASE);
    h.finish()
}

/// Whether two short byte strings (such as words) are equal: compared with
/// a few fixed-size loads instead of a call to `memcmp`, which costs more
/// than the comparison for strings this short.
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => le_u32(a) == le_u32(b) && le_u32(&a[n - 4..]) == le_u32(&b[n - 4..]),
        8..=16 => le_u64(a) == le_u64(b) && le_u64(&a[n - 8..]) == le_u64(&b[n - 8..]),
        _ => a == b,
    }
}

fn le_u64(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(word)
}

fn le_u32(bytes: &[u8]) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[..4]);
    u32::from_le_bytes(word)
}

/// A word (a run of letters and digits) or a single other character of
/// prose. A single space before a token that is not whitespace belongs to
/// it, so the common separator costs no token of its own.
pub(crate) struct Token {
    /// Byte range of the token's text in the prose, without its space.
    pub(crate) start: u32,
    pub(crate) end: u32,
    /// [`token_hash`] of its text.
    pub(crate) hash: u64,
    /// Whether a single space comes right before it.
    spaced: bool,
    /// Whether it is a word (else a single other character).
    pub(crate) word: bool,
    /// Whether it is whitespace (which no name starts with).
    space: bool,
}

/// Mixed into a token's hash when a space comes before it.
const SPACED: u64 = 0x9e37_79b9_7f4a_7c15;

impl Token {
    /// The token's key for a trie edge: the first token of a name is found
    /// whatever comes before it; later ones must have the same space before them.
    fn key(&self, first: bool) -> u64 {
        if self.spaced && !first {
            self.hash ^ SPACED
        } else {
            self.hash
        }
    }
}

/// Splits `text` into [`Token`]s, each hashed once. Text longer than
/// `u32::MAX` bytes (which token offsets cannot hold) gives none.
pub(crate) fn tokenize(text: &str) -> Vec<Token> {
    if u32::try_from(text.len()).is_err() {
        return Vec::new();
    }
    let mut tokens = Vec::with_capacity(text.len() / 6);
    let mut spaced = false;
    // The characters between words, one token each but for a single space
    // before something other than whitespace.
    let gap = |tokens: &mut Vec<Token>, spaced: &mut bool, from: usize, to: usize| {
        for (offset, c) in text[from..to].char_indices() {
            let at = from + offset;
            if c == ' '
                && !*spaced
                && text[at + 1..]
                    .chars()
                    .next()
                    .is_some_and(|n| !n.is_whitespace())
            {
                *spaced = true;
                continue;
            }
            let end = at + c.len_utf8();
            tokens.push(Token {
                start: at as u32,
                end: end as u32,
                hash: token_hash(&text[at..end]),
                spaced: std::mem::take(spaced),
                word: false,
                space: c.is_whitespace(),
            });
        }
    };
    let mut previous_end = 0;
    for (start, end) in words(text) {
        if start == previous_end + 1 && text.as_bytes()[previous_end] == b' ' {
            spaced = true; // the common case: one space before a word
        } else {
            gap(&mut tokens, &mut spaced, previous_end, start);
        }
        tokens.push(Token {
            start: start as u32,
            end: end as u32,
            hash: token_hash(&text[start..end]),
            spaced: std::mem::take(&mut spaced),
            word: true,
            space: false,
        });
        previous_end = end;
    }
    gap(&mut tokens, &mut spaced, previous_end, text.len());
    tokens
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
        let mut finder = MentionFinder {
            first: vec![0; (FIRST_BITS / 64) as usize],
            ..MentionFinder::default()
        };
        let mut nodes = 1u32;
        for (name, target) in names {
            let mut node = 0u32;
            let mut last_edge = None;
            let tokens = tokenize(name);
            if let Some(token) = tokens.first() {
                let bit = token.key(true) % FIRST_BITS;
                finder.first[(bit / 64) as usize] |= 1 << (bit % 64);
            }
            for token in tokens {
                let edge = (node, token.key(node == 0));
                let child = *finder.edges.entry(edge).or_insert_with(|| {
                    nodes += 1;
                    nodes - 1
                });
                node = child & !ENDS_NAMES;
                last_edge = Some(edge);
            }
            if let Some(child) = last_edge.and_then(|edge| finder.edges.get_mut(&edge)) {
                *child |= ENDS_NAMES;
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

    /// Whether some name may start with `token` (a filter with false
    /// positives but none negative, which rules out most words at once).
    fn may_start(&self, token: &Token) -> bool {
        let bit = token.key(true) % FIRST_BITS;
        let word = self.first.get((bit / 64) as usize).copied().unwrap_or(0);
        word & (1 << (bit % 64)) != 0
    }

    /// The longest name whose tokens start at `tokens[k]` and end by byte
    /// `limit`, with the index of the token after it.
    fn name_at(
        &self,
        prose: &str,
        tokens: &[Token],
        k: usize,
        limit: usize,
    ) -> Option<(usize, NoteId)> {
        let mut node = 0u32;
        let mut best = None;
        for (j, token) in tokens.iter().enumerate().skip(k) {
            if token.end as usize > limit {
                break;
            }
            let Some(&child) = self.edges.get(&(node, token.key(j == k))) else {
                break;
            };
            node = child & !ENDS_NAMES;
            // A name ends at a word boundary: its last token is a whole word,
            // or no letter or digit follows it.
            let at_boundary = token.word
                || tokens
                    .get(j + 1)
                    .is_none_or(|next| next.spaced || !next.word);
            if child & ENDS_NAMES == 0 || !at_boundary {
                continue;
            }
            if let Some(names) = self.ends.get(node as usize).filter(|n| !n.is_empty()) {
                let text = &prose.as_bytes()[tokens[k].start as usize..token.end as usize];
                if let Some(name) = names
                    .iter()
                    .find(|name| text.eq_ignore_ascii_case(name.lower.as_bytes()))
                {
                    best = Some((j + 1, name.target));
                }
            }
        }
        best
    }

    /// Every name in `prose` at word boundaries, left to right and not
    /// overlapping, as (start, end, note named), outside the byte ranges
    /// `links` (link text, sorted and disjoint): a name there is a link
    /// already, and one running into a link is cut at it.
    /// `tokens` are those of `prose` ([`tokenize`]): each is hashed once,
    /// however many names are tried from it.
    fn names_in(
        &self,
        prose: &str,
        tokens: &[Token],
        links: &[Range<usize>],
    ) -> Vec<(usize, usize, NoteId)> {
        let mut hits = Vec::new();
        if self.edges.is_empty() {
            return hits;
        }
        let mut k = 0;
        let mut after_word = false; // whether the character before token `k` is a letter or digit
        let mut links = links.iter().peekable();
        while let Some(token) = tokens.get(k) {
            if (after_word && !token.spaced) || token.space || !self.may_start(token) {
                after_word = token.word;
                k += 1;
                continue;
            }
            let start = token.start as usize;
            while links.next_if(|link| link.end <= start).is_some() {}
            let next_link = links.peek().map_or(usize::MAX, |link| link.start);
            if next_link <= start {
                // Inside link text.
                after_word = token.word;
                k += 1;
                continue;
            }
            // A word starts here (or a character that is not a letter or digit).
            match self.name_at(prose, tokens, k, next_link) {
                Some((next, target)) => {
                    let end = tokens[next - 1].end as usize;
                    hits.push((token.start as usize, end, target));
                    // A name ends at a boundary: what follows is no letter or digit.
                    after_word = false;
                    k = next;
                }
                None => {
                    after_word = token.word;
                    k += 1;
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
        self.find_in(notes, source, &prose, &tokenize(&prose), links, related)
    }

    /// [`MentionFinder::find`] with `source`'s prose ([`Note::prose`]) and
    /// its tokens ([`tokenize`]) at hand.
    pub(crate) fn find_in(
        &self,
        notes: &[Note],
        source: NoteId,
        prose: &str,
        tokens: &[Token],
        links: &[Resolved],
        related: &[NoteId],
    ) -> Vec<(NoteId, Snippet)> {
        let mut found: Vec<(NoteId, Snippet)> = Vec::new();
        for (start, end, target) in self.names_in(prose, tokens, &notes[source].scan.prose_links) {
            if target == source || found.iter().any(|(t, _)| *t == target) {
                continue;
            }
            // A note linked elsewhere in the text is no unlinked mention.
            let linked = links
                .iter()
                .any(|r| matches!(r, Resolved::Note { id, .. } if *id == target));
            if linked || related.contains(&target) {
                continue;
            }
            found.push((target, Snippet::around(prose, start, end)));
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
        f.names_in(text, &tokenize(text), &[])
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
    fn names_stop_at_link_text() {
        let f = finder(&["Eurasia", "Eurasia Group", "Group", "Wang Xiaohong"]);
        let text = "Eurasia Group met Wang Xiaohong and the Group.";
        let link = |label: &str| {
            let start = text.find(label).expect("label in text");
            start..start + label.len()
        };
        let named = |links: &[Range<usize>]| -> Vec<&str> {
            f.names_in(text, &tokenize(text), links)
                .into_iter()
                .map(|(s, e, _)| &text[s..e])
                .collect()
        };
        assert_eq!(named(&[]), ["Eurasia Group", "Wang Xiaohong", "Group"]);
        // A name running into a link gives way to the shorter one before it;
        // none starts inside link text.
        assert_eq!(
            named(&[link("Group met"), link("Xiaohong")]),
            ["Eurasia", "Group"]
        );
    }

    #[test]
    fn names_match_only_with_the_same_spacing() {
        let f = finder(&["Wang Xiaohong", "Eurasia Group"]);
        assert_eq!(
            named(
                &f,
                " Wang Xiaohong,Eurasia Group and Wang  Xiaohong or Wang\nXiaohong"
            ),
            ["Wang Xiaohong", "Eurasia Group"]
        );
        assert_eq!(
            named(&f, "Wang Xiaohong Eurasia Group"),
            ["Wang Xiaohong", "Eurasia Group"]
        );
        assert_eq!(named(&f, "Wang Xiaohong2 Wang Xiaohong"), ["Wang Xiaohong"]);
    }

    #[test]
    fn same_bytes_compares_every_byte_at_every_length() {
        let word = "fentanyl-and-tariffs";
        for n in 0..=word.len() {
            let w = &word.as_bytes()[..n];
            assert!(same_bytes(w, w));
            assert!(!same_bytes(w, &word.as_bytes()[..n.saturating_sub(1)]) || n == 0);
            for i in 0..n {
                let mut other = w.to_vec();
                other[i] ^= 1;
                assert!(!same_bytes(w, &other), "{n} {i}");
            }
        }
    }

    #[test]
    fn token_hashes_ignore_ascii_case_at_every_length() {
        let word = "Xiaohong-Wang2Eurasia";
        for n in 0..=word.len() {
            let (mixed, lower) = (&word[..n], word[..n].to_ascii_lowercase());
            assert_eq!(token_hash(mixed), token_hash(&lower), "{mixed}");
            if n > 0 {
                assert_ne!(token_hash(mixed), token_hash(&word[..n - 1]), "{mixed}");
            }
            if n > 0 && n < word.len() {
                assert_ne!(token_hash(mixed), token_hash(&word[1..=n]), "{mixed}");
            }
        }
    }

    #[test]
    fn non_ascii_text_matches_exactly() {
        let f = finder(&["Zoë Café", "王小洪", "US–China talks"]);
        assert_eq!(
            named(&f, "met zoë café and 王小洪 — at the US–China talks."),
            ["zoë café", "王小洪", "US–China talks"]
        );
        assert_eq!(named(&f, "ZOË CAFÉ"), Vec::<&str>::new());
    }
}
