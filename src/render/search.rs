//! The search index: split into small shards the browser fetches only when a
//! query needs them, so the first search stays small however large the site.
//!
//! Layout under `search/`:
//! - `index.json`: `{"version":1,"chunk":50,"docs":N,"shards":["6661",…]}`
//! - `<shard>.json`: terms whose first two characters (UTF-8, hex) name the
//!   shard, each with its best postings `[doc, score]`;
//! - `docs-<n>.json`: documents `n*chunk ..`, each `{"t":title,"u":url,"k":kind,"s":snippet}`.
//!
//! Terms are lowercase with diacritics removed; CJK text is indexed as
//! character pairs. `static/search.js` normalizes queries the same way.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use super::{page_link, OutputFile};
use crate::config::Config;
use crate::link::{Library, NoteId};

/// Documents per `docs-<n>.json` file.
const DOC_CHUNK: usize = 50;
/// Postings kept per term, best first: enough for ranking the top results.
const MAX_POSTINGS: usize = 100;
/// Scores by where a term occurs.
const TITLE_SCORE: u32 = 1000;
const ALIAS_SCORE: u32 = 500;
/// Body occurrences count up to this many.
const MAX_BODY_COUNT: u32 = 20;
/// Characters of prose in a result's snippet.
const SNIPPET_CHARS: usize = 180;

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30ff | 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xac00..=0xd7af | 0xf900..=0xfaff | 0x20000..=0x2fa1f)
}

/// Lowercase, without diacritics (`é` → `e`).
pub fn normalize(text: &str) -> String {
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
        crate::words::words(text).for_each(|(start, end)| f(&text[start..end]));
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

/// The terms of a text: words, and pairs of characters for CJK runs.
pub fn terms(text: &str) -> Vec<String> {
    let text = normalized(text.to_string());
    let mut out = Vec::new();
    for_each_term(&text, |t| out.push(t.to_string()));
    out
}

/// The shard a term belongs to: its first two characters, UTF-8 in hex.
pub fn shard_key(term: &str) -> String {
    let prefix: String = term.chars().take(2).collect();
    let mut key = String::with_capacity(prefix.len() * 2);
    for b in prefix.bytes() {
        let _ = write!(key, "{b:02x}");
    }
    key
}

#[derive(Serialize)]
struct Doc<'a> {
    t: &'a str,
    u: String,
    k: Option<&'a str>,
    s: String,
}

#[derive(Serialize)]
struct Manifest {
    version: u32,
    chunk: usize,
    docs: usize,
    shards: Vec<String>,
}

/// The text shown under a result: the description, else the start of the prose.
fn snippet(lib: &Library, id: NoteId) -> String {
    let note = &lib.notes[id];
    if let Some(description) = &note.description {
        return description.clone();
    }
    // Words from the start of the prose only: enough for SNIPPET_CHARS characters.
    let mut prose = String::with_capacity(SNIPPET_CHARS * 2);
    let mut chars = 0;
    for word in note.prose_start(SNIPPET_CHARS).split_whitespace() {
        if chars > SNIPPET_CHARS {
            break;
        }
        if !prose.is_empty() {
            prose.push(' ');
            chars += 1;
        }
        prose.push_str(word);
        chars += word.chars().count();
    }
    match prose.char_indices().nth(SNIPPET_CHARS) {
        Some((cut, _)) => format!("{}…", &prose[..prose[..cut].rfind(' ').unwrap_or(cut)]),
        None => prose,
    }
}

/// Term → `[doc, score]` for every document the term occurs in.
type Postings = FxHashMap<Box<str>, Vec<[u32; 2]>>;

/// Adds the terms of one note (document number `doc`) to `postings`.
///
/// Each term's last posting is this document's while it is being indexed, so
/// its score grows in place: one map lookup per word, no map per document.
/// Title terms come first, then aliases, then the prose, which keeps the
/// parts of a score apart: `TITLE_SCORE`, `ALIAS_SCORE`, then a body count
/// below `MAX_BODY_COUNT`.
fn index_doc(note: &crate::load::Note, doc: u32, postings: &mut Postings) {
    let mut add = |term: &str, first: u32, more: &dyn Fn(u32) -> u32| match postings.get_mut(term) {
        Some(list) => match list.last_mut() {
            Some(last) if last[0] == doc => last[1] = more(last[1]),
            // Every posting in the list is final here (this document's is
            // not in yet), so the best are known.
            _ => push_posting(list, [doc, first]),
        },
        None => {
            postings.insert(term.into(), vec![[doc, first]]);
        }
    };
    for_each_term(&normalized(note.title.clone()), |t| {
        add(t, TITLE_SCORE, &|s| s)
    });
    for alias in &note.aliases {
        for_each_term(&normalized(alias.clone()), |t| {
            add(t, ALIAS_SCORE, &|s| {
                if s % TITLE_SCORE < ALIAS_SCORE {
                    s + ALIAS_SCORE
                } else {
                    s
                }
            })
        });
    }
    for_each_term(&normalized(note.prose()), |t| {
        add(t, 1, &|s| {
            if s % ALIAS_SCORE < MAX_BODY_COUNT {
                s + 1
            } else {
                s
            }
        })
    });
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

/// Every file of the search index.
pub fn index(lib: &Library, config: &Config) -> Vec<OutputFile> {
    let docs: Vec<NoteId> = (0..lib.notes.len())
        .filter(|&id| lib.published[id])
        .collect();
    // Postings per term, built in parallel: each worker indexes a run of
    // documents into its own map, and the maps are merged pairwise.
    let postings = docs
        .par_iter()
        .enumerate()
        .fold(Postings::default, |mut postings, (doc, &id)| {
            index_doc(&lib.notes[id], doc as u32, &mut postings);
            postings
        })
        .reduce(Postings::default, |a, b| {
            let (mut big, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
            for (term, list) in small {
                let merged = big.entry(term).or_default();
                merged.extend(list);
                bound(merged);
            }
            big
        });
    let mut shards: BTreeMap<String, BTreeMap<String, Vec<[u32; 2]>>> = BTreeMap::new();
    for (term, mut list) in postings {
        keep_best(&mut list);
        list.sort_unstable_by(best_first);
        shards
            .entry(shard_key(&term))
            .or_default()
            .insert(term.into(), list);
    }
    let mut files = Vec::with_capacity(shards.len() + docs.len() / DOC_CHUNK + 2);
    let manifest = Manifest {
        version: 1,
        chunk: DOC_CHUNK,
        docs: docs.len(),
        shards: shards.keys().cloned().collect(),
    };
    files.push(OutputFile::Bytes {
        path: "search/index.json".into(),
        contents: serde_json::to_vec(&manifest).unwrap_or_default(),
    });
    for (key, terms) in shards {
        files.push(OutputFile::Bytes {
            path: format!("search/{key}.json"),
            contents: serde_json::to_vec(&terms).unwrap_or_default(),
        });
    }
    for (n, chunk) in docs.chunks(DOC_CHUNK).enumerate() {
        let list: Vec<Doc> = chunk
            .iter()
            .map(|&id| {
                let note = &lib.notes[id];
                Doc {
                    t: &note.title,
                    u: page_link(config, &note.url),
                    k: note.kind.as_deref(),
                    s: snippet(lib, id),
                }
            })
            .collect();
        files.push(OutputFile::Bytes {
            path: format!("search/docs-{n}.json"),
            contents: serde_json::to_vec(&list).unwrap_or_default(),
        });
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_lowercase_without_diacritics_and_cjk_pairs() {
        assert_eq!(terms("Zoë's Café, 2025!"), ["zoe", "s", "cafe", "2025"]);
        assert_eq!(terms("王小洪部长"), ["王小", "小洪", "洪部", "部长"]);
        assert_eq!(terms("fentanyl 芬太尼"), ["fentanyl", "芬太", "太尼"]);
    }

    #[test]
    fn a_score_counts_title_alias_and_body_words_apart() {
        let text = format!(
            "---\ntitle: Fentanyl talks\naliases: [Talks on fentanyl, talks]\n---\nTalks talks fentanyl.\n\n{}\n",
            "tariffs ".repeat(25)
        );
        let note = crate::load::parse_note(
            "a.md".into(),
            "a.md".into(),
            text,
            &crate::config::Config::default(),
        );
        let mut postings = Postings::default();
        index_doc(&note, 7, &mut postings);
        index_doc(&note, 8, &mut postings);
        let score = |term: &str| postings[term].clone();
        // In the title, in (two) aliases, twice in the body: each part once.
        assert_eq!(score("talks"), [[7, 1502], [8, 1502]]);
        assert_eq!(score("fentanyl"), [[7, 1501], [8, 1501]]);
        assert_eq!(score("on"), [[7, 500], [8, 500]]);
        // Body occurrences count up to MAX_BODY_COUNT.
        assert_eq!(score("tariffs"), [[7, 20], [8, 20]]);
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

    #[test]
    fn shard_keys_are_the_first_two_characters_in_hex() {
        assert_eq!(shard_key("fentanyl"), "6665");
        assert_eq!(shard_key("王小"), "e78e8be5b08f");
        assert_eq!(shard_key("a"), "61");
    }
}
