//! The preview's relink: when only note texts changed, resolve again only
//! the links that can have changed and patch the derived data in place.

use super::*;

/// The incremental path of [`relink`]: `previous` has the same notes, names
/// and attachments; only texts changed.
pub(super) fn relink_in_place(
    mut lib: Library,
    notes: Vec<Note>,
    attachments: Vec<Attachment>,
    config: &Config,
) -> Library {
    let stale: Vec<NoteId> = (0..notes.len())
        .filter(|&id| lib.cache.notes.source_hashes[id] != notes[id].source_hash)
        .collect();
    if !stale.is_empty() {
        // Texts changed: the render stage reads the terms again when it needs them.
        lib.search_terms = None;
    }
    let suggester = suggest::Suggester::new(&notes);
    let resolver = Resolver {
        index: &lib.cache.index,
        notes: &notes,
        attachments: &attachments,
        published: &lib.published,
        policy: config.broken_links,
        suggester: &suggester,
    };
    let fresh: Vec<(NoteId, NoteLinks)> = stale
        .par_iter()
        .map(|&id| (id, resolve_note(&resolver, id)))
        .collect();
    let mut embeds_changed = false;
    let mut tags_changed = false;
    let mut edges_changed = false;
    // Pages that may change: the edited notes, what they linked or relate to
    // before and after, and what links to or relates to them.
    let mut touched: Vec<NoteId> = stale.clone();
    for (id, fresh) in fresh {
        let NoteLinks {
            links: new_links,
            fields: new_fields,
            diagnostics: new_diagnostics,
            embeds: embeds_now,
        } = fresh;
        // Embed cycles need a new look when the note embeds (or embedded) a note.
        embeds_changed |= embeds_now || lib.embeds[id];
        lib.embeds[id] = embeds_now;
        touched.extend(note_targets(&lib.links[id], id));
        touched.extend(note_targets(&new_links, id));
        touched.extend(lib.backlinks[id].iter().map(|b| b.source));
        touched.extend(
            lib.relations[id]
                .iter()
                .flat_map(|(_, targets)| targets.iter().copied()),
        );
        touched.extend(
            lib.inverse_relations[id]
                .iter()
                .flat_map(|(_, sources)| sources.iter().copied()),
        );
        if lib.published[id] {
            // Backlinks: drop this note from its old targets, add it to the new ones.
            for target in note_targets(&lib.links[id], id) {
                lib.backlinks[target].retain(|b| b.source != id);
            }
            for (index, resolved) in new_links.iter().enumerate() {
                if let Resolved::Note { id: target, .. } = *resolved {
                    if target == id {
                        continue;
                    }
                    let list = &mut lib.backlinks[target];
                    match list.iter_mut().find(|b| b.source == id) {
                        Some(b) => b.links.push(index),
                        None => list.push(Backlink {
                            source: id,
                            links: vec![index],
                        }),
                    }
                }
            }
            for target in note_targets(&new_links, id) {
                lib.backlinks[target].sort_by_key(|b| lib.title_rank[b.source]);
            }
            // Relations: same for the inverse lists.
            for (key, targets) in &lib.relations[id] {
                for &target in targets {
                    if let Some(pos) = lib.inverse_relations[target]
                        .iter()
                        .position(|(k, _)| k == key)
                    {
                        lib.inverse_relations[target][pos].1.retain(|&s| s != id);
                        if lib.inverse_relations[target][pos].1.is_empty() {
                            lib.inverse_relations[target].remove(pos);
                        }
                    }
                }
            }
            lib.relations[id] = outgoing_relations(&notes[id], &new_fields);
            touched.extend(
                lib.relations[id]
                    .iter()
                    .flat_map(|(_, targets)| targets.iter().copied()),
            );
            for (key, targets) in &lib.relations[id] {
                for &target in targets {
                    let lists = &mut lib.inverse_relations[target];
                    let pos = match lists.binary_search_by(|(k, _)| k.as_str().cmp(key)) {
                        Ok(pos) => pos,
                        Err(pos) => {
                            lists.insert(pos, (key.clone(), Vec::new()));
                            pos
                        }
                    };
                    let sources = &mut lists[pos].1;
                    if !sources.contains(&id) {
                        let at =
                            sources.partition_point(|&s| lib.title_rank[s] < lib.title_rank[id]);
                        sources.insert(at, id);
                    }
                }
            }
        }
        // Unlinked mentions: withdraw the old ones, find the new ones.
        for &target in &lib.cache.mention_targets[id] {
            lib.mentions[target].retain(|m| m.source != id);
            touched.push(target);
        }
        let found = if lib.published[id] {
            lib.cache
                .finder
                .find(&notes, id, &new_links, &related(&lib.relations[id]))
        } else {
            Vec::new()
        };
        lib.cache.mention_targets[id] = found.iter().map(|(t, _)| *t).collect();
        for (target, context) in found {
            let list = &mut lib.mentions[target];
            let at = list.partition_point(|m| lib.title_rank[m.source] < lib.title_rank[id]);
            list.insert(
                at,
                Mention {
                    source: id,
                    context,
                },
            );
            touched.push(target);
        }
        tags_changed |= lib.cache.notes.tag_lists[id] != notes[id].tags;
        let edges = edge_hash(&notes[id], &new_links, &lib.relations[id]);
        edges_changed |= edges != lib.cache.edge_hashes[id];
        lib.cache.edge_hashes[id] = edges;
        lib.links[id] = new_links;
        lib.fields[id] = new_fields;
        lib.cache.note_diagnostics[id] = new_diagnostics;
        lib.cache.notes.source_hashes[id] = notes[id].source_hash;
    }
    if tags_changed {
        lib.tags = collect_tags(&notes, &lib.published, &lib.title_rank);
        lib.cache.notes.tag_lists = notes.iter().map(|n| n.tags.clone()).collect();
        lib.cache.clash_diagnostics =
            check_url_clashes(&notes, &lib.published, &attachments, &lib.tags, config);
    }
    if embeds_changed || !lib.cache.cycle_diagnostics.is_empty() {
        lib.cache.cycle_diagnostics =
            check_embed_cycles(&notes, &lib.links, &lib.embeds, config.broken_links);
    }
    // Notes embedding a touched note show its text: follow embeds backwards.
    let mut queue = touched.clone();
    while let Some(id) = queue.pop() {
        for backlink in &lib.backlinks[id] {
            let embeds = backlink
                .links
                .iter()
                .any(|&i| is_embed_link(&notes, &lib.embeds, backlink.source, i));
            if embeds && !touched.contains(&backlink.source) {
                touched.push(backlink.source);
                queue.push(backlink.source);
            }
        }
    }
    touched.sort_unstable();
    touched.dedup();
    // Tag counts show on every page with the tag: then anything may have changed.
    let touched = (!tags_changed).then_some(touched);
    lib.notes = notes;
    lib.attachments = attachments;
    lib.touched = touched;
    lib.edges_changed = edges_changed;
    lib.collect_diagnostics();
    lib
}
