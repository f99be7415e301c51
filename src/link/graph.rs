//! What the resolved links add up to: backlinks, typed relations and
//! their inverses, tags, unlinked mentions.
//!
//! Each is a sum of per-note contributions: `add_*` puts one note's part
//! into the lists of the notes it points at, `retract_*` takes it out again.
//! The full build adds every note's part; the preview's relink retracts and
//! re-adds the parts of the notes that changed, with the same functions, and
//! both finish with [`sort_by_rank`] on the lists they touched.

use super::*;

/// A hash of a note's part of the graph: where its links go (and whether
/// they embed), its typed relations, and its kind (the node's colour).
pub(super) fn edge_hash(
    note: &Note,
    links: &[Resolved],
    relations: &[(String, Vec<NoteId>)],
) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut edges: Vec<(NoteId, bool)> = note
        .scan
        .links
        .iter()
        .zip(links)
        .filter_map(|(link, r)| match r {
            Resolved::Note { id, .. } => Some((*id, link.syntax == LinkSyntax::WikiEmbed)),
            _ => None,
        })
        .collect();
    edges.sort_unstable();
    edges.dedup();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (edges, relations, &note.kind).hash(&mut h);
    h.finish()
}

/// The notes a note's frontmatter relates it to.
pub(super) fn related(relations: &[(String, Vec<NoteId>)]) -> Vec<NoteId> {
    relations
        .iter()
        .flat_map(|(_, ids)| ids.iter().copied())
        .collect()
}

/// The distinct notes (other than `source`) that a note's resolved links point at.
pub(super) fn note_targets(links: &[Resolved], source: NoteId) -> Vec<NoteId> {
    let mut targets: Vec<NoteId> = links
        .iter()
        .filter_map(|r| match r {
            Resolved::Note { id, .. } if *id != source => Some(*id),
            _ => None,
        })
        .collect();
    targets.sort_unstable();
    targets.dedup();
    targets
}

/// Puts `source`'s links into the backlink lists of the notes they point
/// at. Returns nothing: the touched lists are those of [`note_targets`].
pub(super) fn add_backlinks(backlinks: &mut [Vec<Backlink>], source: NoteId, links: &[Resolved]) {
    for (index, resolved) in links.iter().enumerate() {
        if let Resolved::Note { id, .. } = *resolved {
            if id == source {
                continue;
            }
            // A source's links to one target are added together, so its
            // entry, if any, is the last one.
            let list = &mut backlinks[id];
            match list.last_mut() {
                Some(b) if b.source == source => b.links.push(index),
                _ => list.push(Backlink {
                    source,
                    links: vec![index],
                }),
            }
        }
    }
}

/// Takes `source` out of the backlink lists its (old) `links` put it in.
pub(super) fn retract_backlinks(
    backlinks: &mut [Vec<Backlink>],
    source: NoteId,
    links: &[Resolved],
) {
    for target in note_targets(links, source) {
        backlinks[target].retain(|b| b.source != source);
    }
}

/// Relation lists per note: (frontmatter key, notes), sorted by key.
pub(super) type RelationLists = Vec<Vec<(String, Vec<NoteId>)>>;

/// Puts `source` into the incoming-relation lists of the notes its
/// `relations` point at, under each relation's key.
pub(super) fn add_inverse_relations(
    inverse: &mut [Vec<(String, Vec<NoteId>)>],
    source: NoteId,
    relations: &[(String, Vec<NoteId>)],
) {
    for (key, targets) in relations {
        for &target in targets {
            let lists = &mut inverse[target];
            let pos = match lists.binary_search_by(|(k, _)| k.as_str().cmp(key)) {
                Ok(pos) => pos,
                Err(pos) => {
                    lists.insert(pos, (key.clone(), Vec::new()));
                    pos
                }
            };
            if lists[pos].1.last() != Some(&source) {
                lists[pos].1.push(source);
            }
        }
    }
}

/// Takes `source` out of the incoming-relation lists its (old) `relations`
/// put it in, dropping keys left empty.
pub(super) fn retract_inverse_relations(
    inverse: &mut [Vec<(String, Vec<NoteId>)>],
    source: NoteId,
    relations: &[(String, Vec<NoteId>)],
) {
    for (key, targets) in relations {
        for &target in targets {
            let lists = &mut inverse[target];
            if let Ok(pos) = lists.binary_search_by(|(k, _)| k.as_str().cmp(key)) {
                lists[pos].1.retain(|&s| s != source);
                if lists[pos].1.is_empty() {
                    lists.remove(pos);
                }
            }
        }
    }
}

/// Puts the mentions found in `source` into the lists of the notes they name.
pub(super) fn add_mentions(
    mentions: &mut [Vec<Mention>],
    source: NoteId,
    found: Vec<(NoteId, Snippet)>,
) {
    for (target, context) in found {
        mentions[target].push(Mention { source, context });
    }
}

/// Takes `source` out of the mention lists of the notes it named (`targets`).
pub(super) fn retract_mentions(mentions: &mut [Vec<Mention>], source: NoteId, targets: &[NoteId]) {
    for &target in targets {
        mentions[target].retain(|m| m.source != source);
    }
}

/// Each tag a tag counts under: `a/b/c` → `a`, `a/b`, `a/b/c`.
fn tag_and_parents(tag: &str) -> impl Iterator<Item = &str> {
    tag.match_indices('/')
        .map(move |(end, _)| &tag[..end])
        .chain(std::iter::once(tag))
}

/// Puts note `id` into the lists of its tags (and their parents). A tag is
/// spelled as the note with the lowest id writes it.
pub(super) fn add_tags(tags: &mut BTreeMap<String, Tag>, id: NoteId, note_tags: &[String]) {
    for tag in note_tags {
        for name in tag_and_parents(tag) {
            let entry = tags.entry(name.to_lowercase()).or_insert_with(|| Tag {
                name: name.to_string(),
                notes: Vec::new(),
                spelled_by: id,
            });
            if id < entry.spelled_by {
                entry.name = name.to_string();
                entry.spelled_by = id;
            }
            if entry.notes.last() != Some(&id) {
                entry.notes.push(id);
            }
        }
    }
}

/// Takes note `id` out of the lists of its (old) tags, dropping tags left
/// with no note and spelling again those it spelled, from the notes left
/// (so retract every changed note before adding any back).
pub(super) fn retract_tags(
    tags: &mut BTreeMap<String, Tag>,
    notes: &[Note],
    id: NoteId,
    old_tags: &[String],
) {
    for tag in old_tags {
        for name in tag_and_parents(tag) {
            let key = name.to_lowercase();
            let Some(entry) = tags.get_mut(&key) else {
                continue;
            };
            entry.notes.retain(|&n| n != id);
            let Some(&first) = entry.notes.iter().min() else {
                tags.remove(&key);
                continue;
            };
            if entry.spelled_by == id {
                let spelling = notes[first]
                    .tags
                    .iter()
                    .flat_map(|t| tag_and_parents(t))
                    .find(|n| n.to_lowercase() == key);
                if let Some(spelling) = spelling {
                    entry.name = spelling.to_string();
                }
                entry.spelled_by = first;
            }
        }
    }
}

/// Sorts lists by their notes' title ranks, the order every list on the site uses.
pub(super) fn sort_by_rank<T>(list: &mut [T], ranks: &[usize], note: impl Fn(&T) -> NoteId) {
    list.sort_by_key(|item| ranks[note(item)]);
}

/// The notes' contributions added up for the whole site: backlinks,
/// outgoing and incoming relations, and tags.
pub(super) struct Contributions {
    pub(super) backlinks: Vec<Vec<Backlink>>,
    pub(super) relations: RelationLists,
    pub(super) inverse_relations: RelationLists,
    pub(super) tags: BTreeMap<String, Tag>,
}

impl Contributions {
    /// Adds up every published note's part.
    pub(super) fn of_all(
        notes: &[Note],
        published: &[bool],
        links: &[Vec<Resolved>],
        fields: &[Vec<Vec<Vec<Part>>>],
        ranks: &[usize],
    ) -> Contributions {
        let n = notes.len();
        let mut backlinks = vec![Vec::new(); n];
        let mut relations: RelationLists = vec![Vec::new(); n];
        let mut inverse_relations: RelationLists = vec![Vec::new(); n];
        let mut tags = BTreeMap::new();
        for id in (0..n).filter(|&id| published[id]) {
            add_backlinks(&mut backlinks, id, &links[id]);
            relations[id] = outgoing_relations(&notes[id], &fields[id]);
            add_inverse_relations(&mut inverse_relations, id, &relations[id]);
            add_tags(&mut tags, id, &notes[id].tags);
        }
        for list in &mut backlinks {
            sort_by_rank(list, ranks, |b: &Backlink| b.source);
        }
        for lists in &mut inverse_relations {
            for (_, sources) in lists {
                sort_by_rank(sources, ranks, |&s| s);
            }
        }
        for tag in tags.values_mut() {
            sort_by_rank(&mut tag.notes, ranks, |&s| s);
        }
        Contributions {
            backlinks,
            relations,
            inverse_relations,
            tags,
        }
    }
}

/// The typed relations of one note: each frontmatter key with the notes its links resolve to.
pub(super) fn outgoing_relations(
    note: &Note,
    fields: &[Vec<Vec<Part>>],
) -> Vec<(String, Vec<NoteId>)> {
    let mut outgoing = Vec::new();
    for (field, values) in note.fields.iter().zip(fields) {
        let mut targets = Vec::new();
        for part in values.iter().flatten() {
            if let Part::Link {
                target: Resolved::Note { id, .. },
                ..
            } = part
            {
                if !targets.contains(id) {
                    targets.push(*id);
                }
            }
        }
        if !targets.is_empty() {
            outgoing.push((field.key.clone(), targets));
        }
    }
    outgoing
}
