//! "Did you mean [[...]]?" for unknown links, in time about linear in the
//! number of broken links.
//!
//! Comparing every broken link with every name is quadratic: 3,000 notes
//! with 6,000 placeholder links (links to notes not written yet, a normal
//! habit) took 20 s. Instead the names are indexed by their trigrams once,
//! on the first broken link; a query counts shared trigrams over its rarest
//! trigrams' lists only, and scores the few best candidates.

use rustc_hash::FxHashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use crate::load::Note;

/// Most names a query touches through its trigram lists.
const MAX_TOUCHED: usize = 4096;
/// Candidates scored in full per query.
const SCORED: usize = 32;
/// Most suggestions one build computes; later broken links get none.
pub const MAX_SUGGESTIONS: usize = 10_000;
/// The lowest similarity worth suggesting.
const MIN_SCORE: f64 = 0.8;

/// Suggests note names for unknown links; shared by the resolving threads.
pub struct Suggester<'a> {
    notes: &'a [Note],
    index: OnceLock<Names>,
    left: AtomicUsize,
}

/// Every name (title, file name, aliases) of every note, by trigram.
struct Names {
    /// Each name in lowercase, with its note and which of its names it is
    /// (0 the title, 1 the file name, 2 and on the aliases).
    names: Vec<(String, u32, u32)>,
    /// Trigram → the names containing it, each once.
    by_trigram: FxHashMap<[char; 3], Vec<u32>>,
}

impl<'a> Suggester<'a> {
    /// A suggester over `notes`; nothing is indexed until it is asked.
    pub fn new(notes: &'a [Note]) -> Self {
        Suggester {
            notes,
            index: OnceLock::new(),
            left: AtomicUsize::new(MAX_SUGGESTIONS),
        }
    }

    /// "did you mean [[Name]]?" for the name closest to `target`, if any is
    /// close enough and differs from it.
    pub fn suggest(&self, target: &str) -> Option<String> {
        if self
            .left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_err()
        {
            return None;
        }
        let names = self.index.get_or_init(|| Names::of(self.notes));
        let wanted = target.to_lowercase();
        let name = names.closest(&wanted)?;
        let name = self.name(names, name);
        // The same name, spaced or cased otherwise, failed to resolve for
        // another reason: suggesting it back would not help.
        let same = |a: &str, b: &str| {
            a.split_whitespace()
                .map(str::to_lowercase)
                .eq(b.split_whitespace().map(str::to_lowercase))
        };
        (!same(name, target)).then(|| format!("did you mean [[{name}]]?"))
    }

    /// The name at position `i` of the index, as written in its note.
    fn name(&self, names: &Names, i: usize) -> &'a str {
        let (_, note, which) = names.names[i];
        let note = &self.notes[note as usize];
        match which {
            0 => &note.title,
            1 => &note.stem,
            n => note.aliases.get(n as usize - 2).map_or("", String::as_str),
        }
    }
}

impl Names {
    fn of(notes: &[Note]) -> Names {
        Names::index(notes.iter().enumerate().flat_map(|(note, n)| {
            let written = std::iter::once(&n.title)
                .chain(std::iter::once(&n.stem))
                .chain(&n.aliases);
            written
                .enumerate()
                .map(move |(which, name)| (name.as_str(), note as u32, which as u32))
        }))
    }

    /// Indexes names given as (name, note, which of the note's names).
    fn index<'n>(written: impl Iterator<Item = (&'n str, u32, u32)>) -> Names {
        let mut names = Vec::new();
        let mut by_trigram: FxHashMap<[char; 3], Vec<u32>> = FxHashMap::default();
        for (name, note, which) in written {
            let id = names.len() as u32;
            let lower = name.to_lowercase();
            for trigram in trigrams(&lower) {
                let list = by_trigram.entry(trigram).or_default();
                if list.last() != Some(&id) {
                    list.push(id);
                }
            }
            names.push((lower, note, which));
        }
        Names { names, by_trigram }
    }

    /// The index of the name most like `wanted` (lowercase), if any is
    /// like enough.
    fn closest(&self, wanted: &str) -> Option<usize> {
        let mut lists: Vec<&Vec<u32>> = trigrams(wanted)
            .filter_map(|t| self.by_trigram.get(&t))
            .collect();
        lists.sort_unstable_by_key(|l| l.len());
        lists.dedup_by(|a, b| std::ptr::eq(*a, *b));
        let mut shared: FxHashMap<u32, u32> = FxHashMap::default();
        let mut touched = 0;
        for list in lists {
            if touched + list.len() > MAX_TOUCHED && !shared.is_empty() {
                break;
            }
            touched += list.len();
            for &id in list.iter().take(MAX_TOUCHED) {
                *shared.entry(id).or_default() += 1;
            }
        }
        let mut candidates: Vec<(u32, u32)> = shared.into_iter().collect();
        candidates.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        candidates.truncate(SCORED);
        // Names of one to three letters (`[[m]]`, an alias `EU`) are close to
        // many misspellings by chance: suggested only when nothing else is.
        let mut best: [Option<(f64, usize)>; 2] = [None, None];
        for (id, _) in candidates {
            let id = id as usize;
            let name = &self.names[id].0;
            let score = similarity(wanted, name);
            let slot = &mut best[usize::from(name.chars().count() <= 3)];
            if score >= MIN_SCORE && slot.is_none_or(|(s, b)| score > s || (score == s && id < b)) {
                *slot = Some((score, id));
            }
        }
        best[0].or(best[1]).map(|(_, id)| id)
    }
}

/// How alike two lowercase names are, 0 to 1: Jaro-Winkler, raised to 0.9
/// when one contains the other and the shorter has at least four letters
/// (`[[m]]` is in every name; it suggests nothing).
fn similarity(wanted: &str, name: &str) -> f64 {
    let score = strsim::jaro_winkler(wanted, name);
    let (short, long) = if wanted.len() <= name.len() {
        (wanted, name)
    } else {
        (name, wanted)
    };
    if short.chars().count() >= 4 && long.contains(short) {
        score.max(0.9)
    } else {
        score
    }
}

/// The trigrams of ` name ` (padded, so short names have some).
fn trigrams(name: &str) -> impl Iterator<Item = [char; 3]> + '_ {
    let chars: Vec<char> = std::iter::once(' ')
        .chain(name.chars())
        .chain(std::iter::once(' '))
        .collect();
    (0..chars.len().saturating_sub(2)).map(move |i| [chars[i], chars[i + 1], chars[i + 2]])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Names {
        Names::index(
            list.iter()
                .enumerate()
                .map(|(i, name)| (*name, i as u32, 0)),
        )
    }

    #[test]
    fn close_names_are_found_and_short_ones_are_not_suggested_for_containment() {
        let index = names(&["Wang Xiaohong", "Eurasia Group", "m", "Fentanyl"]);
        assert_eq!(index.closest("wang xiahong"), Some(0));
        assert_eq!(index.closest("eurasia"), Some(1));
        assert_eq!(index.closest("fentanil"), Some(3));
        assert_eq!(index.closest("my missing note"), None);
    }

    #[test]
    fn names_of_three_letters_or_fewer_come_last() {
        // "eux" is closer to "eu" (0.91) than to "eu xx" (0.89); the longer name wins.
        let index = names(&["eu", "eu xx"]);
        assert_eq!(index.closest("eux"), Some(1));
        // Alone, a short name is still suggested.
        let index = names(&["eu"]);
        assert_eq!(index.closest("eu."), Some(0));
    }
}
