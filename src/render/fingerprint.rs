//! The preview's page fingerprints: a hash of what a page shows, so a
//! rebuild re-renders only the pages whose inputs changed.

use super::*;

/// Feeds serialized bytes into a hasher.
pub(super) struct HashWriter(pub(super) std::collections::hash_map::DefaultHasher);

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> Renderer<'a> {
    /// A hash of everything that goes into `page`: equal fingerprints mean
    /// byte-identical output, so a preview rebuild can skip the page.
    pub fn fingerprint(&self, page: &Page) -> u64 {
        match page {
            Page::Note(id) => return self.note_fingerprint(*id),
            Page::Kind(_) | Page::Tag(_) => return self.list_fingerprint(page),
            Page::Graph => {
                // Titles, URLs and kinds of every note, and the edges between them.
                let lib = self.library;
                let mut h = std::collections::hash_map::DefaultHasher::new();
                (self.seed, "graph", lib.graph_hash()).hash(&mut h);
                for id in self.published() {
                    let note = &lib.notes[id];
                    (&note.title, &note.url, &note.kind).hash(&mut h);
                }
                return h.finish();
            }
            Page::Tags | Page::Timeline | Page::Home | Page::NotFound => {}
        }
        let prepared = self.prepare(page);
        let mut hasher = HashWriter(std::collections::hash_map::DefaultHasher::new());
        self.seed.hash(&mut hasher.0);
        prepared.template.hash(&mut hasher.0);
        prepared.url.hash(&mut hasher.0);
        prepared.title.hash(&mut hasher.0);
        // Template maps keep their keys in insertion order, so equal data
        // serializes equal. Serializing cannot fail; a failure would only
        // cost a re-render.
        let _ = serde_json::to_writer(&mut hasher, &prepared.data);
        hasher.0.finish()
    }

    /// [`Renderer::fingerprint`] of a note page, from its inputs rather than its
    /// view: the note's own text covers everything taken from it; other notes
    /// count through what the page shows of them ([`Renderer::ref_key`]).
    pub(super) fn note_fingerprint(&self, id: NoteId) -> u64 {
        let lib = self.library;
        let note = &lib.notes[id];
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        let h = &mut hasher;
        self.seed.hash(h);
        note.path.hash(h);
        note.url.hash(h);
        self.content_key(id, h);
        for resolved in &lib.links[id] {
            if let Resolved::Note { id: target, .. } = resolved {
                self.ref_key(*target, h); // shown in the note's timeline
            }
        }
        for part in lib.fields[id].iter().flatten().flatten() {
            if let Part::Link { target, .. } = part {
                self.resolved_key(target, h);
            }
        }
        for tag in &note.tags {
            if let Some(tag) = lib.tags.get(&tag.to_lowercase()) {
                (&tag.name, &tag.url, tag.notes.len()).hash(h);
            }
        }
        lib.mentions[id].len().hash(h);
        for mention in lib.mentions[id].iter().take(MENTIONS_SHOWN) {
            self.ref_key(mention.source, h);
            mention.context.hash(h);
        }
        for backlink in &lib.backlinks[id] {
            self.ref_key(backlink.source, h);
            lib.notes[backlink.source].source_hash.hash(h);
            backlink.links.hash(h);
        }
        for list in [&lib.relations[id], &lib.inverse_relations[id]] {
            list.len().hash(h);
            for (name, ids) in list {
                name.hash(h);
                ids.len().hash(h);
                for &other in ids {
                    self.ref_key(other, h);
                }
            }
        }
        hasher.finish()
    }

    /// [`Renderer::fingerprint`] of a kind or tag page: the list's heading and
    /// what it shows of each note.
    pub(super) fn list_fingerprint(&self, page: &Page) -> u64 {
        let lib = self.library;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        let h = &mut hasher;
        self.seed.hash(h);
        page.hash(h);
        let ids: Vec<NoteId> = match page {
            Page::Kind(k) => self.notes_of_kind(*k),
            Page::Tag(key) => match lib.tags.get(key) {
                Some(tag) => {
                    (&tag.name, &tag.url).hash(h);
                    tag.notes.clone()
                }
                None => Vec::new(),
            },
            _ => Vec::new(),
        };
        ids.len().hash(h);
        for id in ids {
            self.ref_key(id, h);
        }
        hasher.finish()
    }

    /// Hashes what lists show of a note ([`Renderer::note_ref`]).
    pub(super) fn ref_key(&self, id: NoteId, h: &mut impl Hasher) {
        let note = &self.library.notes[id];
        (
            &note.title,
            &note.url,
            &note.kind,
            &note.date,
            &note.description,
        )
            .hash(h);
    }

    pub(super) fn resolved_key(&self, resolved: &Resolved, h: &mut impl Hasher) {
        let lib = self.library;
        match resolved {
            Resolved::Note { id, anchor } => (1u8, &lib.notes[*id].url, anchor).hash(h),
            Resolved::SameNote { anchor } => (2u8, anchor).hash(h),
            Resolved::Attachment(i) => (3u8, &lib.attachments[*i].path).hash(h),
            Resolved::Missing(why) => (4u8, why).hash(h),
            Resolved::Unpublished => 5u8.hash(h),
        }
    }

    /// Hashes what a note's body HTML depends on: its text and where each of
    /// its links goes, and the same for every note it embeds, directly or
    /// not. Each embedded note is hashed once (breadth first, at most
    /// [`crate::link::MAX_EMBEDS_PER_PAGE`] of them): a note embedding
    /// another ten times, which embeds another ten times, costs three notes,
    /// not a hundred and eleven.
    pub(super) fn content_key(&self, id: NoteId, hasher: &mut impl Hasher) {
        let lib = self.library;
        let mut seen = vec![id];
        let mut next = 0;
        while let Some(&id) = seen.get(next) {
            next += 1;
            let note = &lib.notes[id];
            note.source_hash.hash(hasher);
            for (link, resolved) in note.scan.links.iter().zip(&lib.links[id]) {
                self.resolved_key(resolved, hasher);
                if let Resolved::Note { id: target, .. } = resolved {
                    if link.syntax == LinkSyntax::WikiEmbed {
                        lib.notes[*target].title.hash(hasher);
                        if seen.len() <= crate::link::MAX_EMBEDS_PER_PAGE && !seen.contains(target)
                        {
                            seen.push(*target);
                        }
                    }
                }
            }
        }
    }
}
