//! Each note's URL: its path slugged, and two notes that slug alike kept apart.

use super::Note;
use crate::diag::Diagnostic;
use crate::slug::slugify;

/// Notes (sorted by path) whose paths slug to one URL (`Trade Talks.md`
/// and `trade-talks.md`): the first keeps it, each other one gets the first
/// free of `-2`, `-3`, ... after its last segment, with a warning naming
/// both, as Obsidian shows both notes.
pub(crate) fn separate_urls(notes: &mut [Note], diagnostics: &mut Vec<Diagnostic>) {
    // Reused notes may carry a suffix from an earlier load: start afresh.
    for note in notes.iter_mut() {
        note.url = url_for(&note.path, &note.stem);
    }
    let mut owner: rustc_hash::FxHashMap<String, usize> = Default::default();
    let mut clashing = Vec::new();
    for (id, note) in notes.iter().enumerate() {
        if owner.contains_key(&note.url) {
            clashing.push(id);
        } else {
            owner.insert(note.url.clone(), id);
        }
    }
    for id in clashing {
        let url = notes[id].url.clone();
        let first = owner[&url];
        let base = url.trim_end_matches('/');
        let Some(free) = (2..)
            .map(|n| format!("{base}-{n}/"))
            .find(|candidate| !owner.contains_key(candidate))
        else {
            continue;
        };
        owner.insert(free.clone(), id);
        diagnostics.push(
            Diagnostic::error(
                notes[id].display_path.clone(),
                0,
                0,
                format!(
                    "{} and {} would both be published at /{url}; this note is published at /{free}",
                    notes[first].display_path.display(),
                    notes[id].display_path.display(),
                ),
            )
            .with_help("rename one of them to choose its URL")
            .into_warning(),
        );
        notes[id].url = free;
    }
}

pub(super) fn url_for(path: &str, stem: &str) -> String {
    let mut url = String::new();
    let mut parts: Vec<&str> = path.split('/').collect();
    parts.pop();
    for dir in parts {
        let slug = slugify(dir);
        url.push_str(if slug.is_empty() { "untitled" } else { &slug });
        url.push('/');
    }
    let slug = slugify(stem);
    url.push_str(if slug.is_empty() { "untitled" } else { &slug });
    url.push('/');
    url
}
