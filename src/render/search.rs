//! The search index: split into small shards the browser fetches only when a
//! query needs them, so the first search stays small however large the site.
//!
//! Layout under `search/`:
//! - `index.json`: `{"version":1,"chunk":50,"docs":N,"shards":["6661",…]}`
//! - `<shard>.json`: terms whose first two characters (UTF-8, hex) name the
//!   shard, each with its best postings `[doc, score]`;
//! - `docs-<n>.json`: documents `n*chunk ..`, each `{"t":title,"u":url,"k":kind,"s":snippet}`.
//!
//! The terms and their postings come from [`crate::link::terms`].

use crate::registry;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::OutputFile;
use crate::link::{Library, NoteId};

/// Documents per `docs-<n>.json` file.
const DOC_CHUNK: usize = 50;
/// Characters of prose in a result's snippet.
const SNIPPET_CHARS: usize = 180;

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
    u: &'a str,
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

/// Every file of the search index.
/// `links[id]` is note `id`'s link from the site root, as the renderer keeps it.
pub fn index(lib: &Library, links: &[String]) -> Vec<OutputFile> {
    // Document `n` is the `n`th published note, the numbering of `terms::doc_numbers`.
    let docs: Vec<NoteId> = (0..lib.notes.len())
        .filter(|&id| lib.published[id])
        .collect();
    let built;
    let terms = match &lib.search_terms {
        Some(terms) => terms,
        None => {
            built = crate::link::terms::build(&lib.notes, &lib.published);
            &built
        }
    };
    let mut shards: BTreeMap<String, BTreeMap<&str, &[[u32; 2]]>> = BTreeMap::new();
    for (term, list) in &terms.terms {
        shards
            .entry(shard_key(term))
            .or_default()
            .insert(term, list);
    }
    let mut files = Vec::with_capacity(shards.len() + docs.len() / DOC_CHUNK + 2);
    let manifest = Manifest {
        version: 1,
        chunk: DOC_CHUNK,
        docs: docs.len(),
        shards: shards.keys().cloned().collect(),
    };
    files.push(OutputFile::Bytes {
        path: format!("{}index.json", registry::SEARCH_DIR),
        contents: serde_json::to_vec(&manifest).unwrap_or_default(),
    });
    for (key, terms) in shards {
        files.push(OutputFile::Bytes {
            path: format!("{}{key}.json", registry::SEARCH_DIR),
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
                    u: &links[id],
                    k: note.kind.as_deref(),
                    s: snippet(lib, id),
                }
            })
            .collect();
        files.push(OutputFile::Bytes {
            path: format!("{}docs-{n}.json", registry::SEARCH_DIR),
            contents: serde_json::to_vec(&list).unwrap_or_default(),
        });
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_keys_are_the_first_two_characters_in_hex() {
        assert_eq!(shard_key("fentanyl"), "6665");
        assert_eq!(shard_key("王小"), "e78e8be5b08f");
        assert_eq!(shard_key("a"), "61");
    }
}
