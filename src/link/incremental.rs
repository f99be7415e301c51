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
            // Take this note's old part out of other notes' lists, put the new one in.
            retract_backlinks(&mut lib.backlinks, id, &lib.links[id]);
            add_backlinks(&mut lib.backlinks, id, &new_links);
            for target in note_targets(&new_links, id) {
                sort_by_rank(&mut lib.backlinks[target], &lib.title_rank, |b| b.source);
            }
            retract_inverse_relations(&mut lib.inverse_relations, id, &lib.relations[id]);
            lib.relations[id] = outgoing_relations(&notes[id], &new_fields);
            add_inverse_relations(&mut lib.inverse_relations, id, &lib.relations[id]);
            for (key, targets) in &lib.relations[id] {
                for &target in targets {
                    for (_, sources) in lib.inverse_relations[target]
                        .iter_mut()
                        .filter(|(k, _)| k == key)
                    {
                        sort_by_rank(sources, &lib.title_rank, |&s| s);
                    }
                    touched.push(target);
                }
            }
        }
        // Unlinked mentions: the same, for the notes this one names.
        retract_mentions(&mut lib.mentions, id, &lib.cache.mention_targets[id]);
        touched.extend(&lib.cache.mention_targets[id]);
        let found = if lib.published[id] {
            lib.cache
                .finder
                .find(&notes, id, &new_links, &related(&lib.relations[id]))
        } else {
            Vec::new()
        };
        lib.cache.mention_targets[id] = found.iter().map(|(t, _)| *t).collect();
        add_mentions(&mut lib.mentions, id, found);
        for &target in &lib.cache.mention_targets[id] {
            sort_by_rank(&mut lib.mentions[target], &lib.title_rank, |m| m.source);
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
        // Every changed note's tags out first, so a tag spelled by one is
        // spelled again from the notes that keep it.
        let published: Vec<NoteId> = stale
            .iter()
            .copied()
            .filter(|&id| lib.published[id])
            .collect();
        for &id in &published {
            retract_tags(&mut lib.tags, &notes, id, &lib.cache.notes.tag_lists[id]);
        }
        for &id in &published {
            add_tags(&mut lib.tags, id, &notes[id].tags);
        }
        for tag in lib.tags.values_mut() {
            sort_by_rank(&mut tag.notes, &lib.title_rank, |&n| n);
        }
        for &id in &stale {
            lib.cache.notes.tag_lists[id] = notes[id].tags.clone();
        }
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
    lib.attachment_used =
        used_attachments(&lib.published, &lib.links, &lib.fields, attachments.len());
    lib.notes = notes;
    lib.attachments = attachments;
    lib.touched = touched;
    lib.edges_changed = edges_changed;
    lib.collect_diagnostics();
    lib
}
