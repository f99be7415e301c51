//! What the resolved links add up to: backlinks, typed relations and
//! their inverses, tags.

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

pub(super) fn collect_backlinks(
    published: &[bool],
    links: &[Vec<Resolved>],
    ranks: &[usize],
) -> Vec<Vec<Backlink>> {
    let mut backlinks: Vec<Vec<Backlink>> = vec![Vec::new(); links.len()];
    for source in 0..links.len() {
        if !published[source] {
            continue;
        }
        for (index, resolved) in links[source].iter().enumerate() {
            if let Resolved::Note { id, .. } = *resolved {
                if id == source {
                    continue;
                }
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
    for list in &mut backlinks {
        list.sort_by_key(|b| ranks[b.source]);
    }
    backlinks
}

pub(super) type RelationLists = Vec<Vec<(String, Vec<NoteId>)>>;

pub(super) fn collect_relations(
    notes: &[Note],
    published: &[bool],
    fields: &[Vec<Vec<Vec<Part>>>],
    ranks: &[usize],
) -> (RelationLists, RelationLists) {
    let mut outgoing: RelationLists = vec![Vec::new(); notes.len()];
    let mut incoming: Vec<BTreeMap<String, Vec<NoteId>>> = vec![BTreeMap::new(); notes.len()];
    for (source, note) in notes.iter().enumerate() {
        if !published[source] {
            continue;
        }
        outgoing[source] = outgoing_relations(note, &fields[source]);
        for (key, targets) in &outgoing[source] {
            for &target in targets {
                let sources = incoming[target].entry(key.clone()).or_default();
                if !sources.contains(&source) {
                    sources.push(source);
                }
            }
        }
    }
    let incoming = incoming
        .into_iter()
        .map(|map| {
            map.into_iter()
                .map(|(key, mut ids)| {
                    ids.sort_by_key(|&id| ranks[id]);
                    (key, ids)
                })
                .collect()
        })
        .collect();
    (outgoing, incoming)
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

pub(super) fn collect_tags(
    notes: &[Note],
    published: &[bool],
    ranks: &[usize],
) -> BTreeMap<String, Tag> {
    let mut tags: BTreeMap<String, Tag> = BTreeMap::new();
    for (id, note) in notes.iter().enumerate() {
        if !published[id] {
            continue;
        }
        for tag in &note.tags {
            // `trade/tariffs` also counts under `trade`.
            let mut end = 0;
            let segments: Vec<&str> = tag.split('/').collect();
            for (i, segment) in segments.iter().enumerate() {
                end += segment.len() + usize::from(i > 0);
                let name = &tag[..end];
                let entry = tags.entry(name.to_lowercase()).or_insert_with(|| Tag {
                    name: name.to_string(),
                    url: format!(
                        "tags/{}/",
                        name.split('/')
                            .map(|s| if slugify(s).is_empty() {
                                "tag".to_string()
                            } else {
                                slugify(s)
                            })
                            .collect::<Vec<_>>()
                            .join("/")
                    ),
                    notes: Vec::new(),
                });
                if entry.notes.last() != Some(&id) {
                    entry.notes.push(id);
                }
            }
        }
    }
    for tag in tags.values_mut() {
        tag.notes.sort_by_key(|&id| ranks[id]);
    }
    tags
}
