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
    /// byte-identical output, so a preview rebuild can skip the page. It is
    /// the data the page's view serializes, so whatever a view shows is in
    /// it, plus, for a note page, the inputs of its body (which the view
    /// gets only when the page is written).
    pub fn fingerprint(&self, page: &Page) -> u64 {
        let prepared = self.prepare(page);
        let mut hasher = HashWriter(std::collections::hash_map::DefaultHasher::new());
        self.seed.hash(&mut hasher.0);
        prepared.template.hash(&mut hasher.0);
        prepared.url.hash(&mut hasher.0);
        prepared.title.hash(&mut hasher.0);
        if let Page::Note(id) = page {
            self.content_key(*id, &mut hasher.0);
        }
        // Template maps keep their keys in insertion order, so equal data
        // serializes equal. Serializing cannot fail; a failure would only
        // cost a re-render.
        let _ = serde_json::to_writer(&mut hasher, &prepared.data);
        hasher.0.finish()
    }

    /// Hashes where a resolved link goes.
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
