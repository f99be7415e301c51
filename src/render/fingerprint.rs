//! The preview's page fingerprints: a hash of what a page shows, so a
//! rebuild re-renders only the pages whose inputs changed.

use super::*;

impl<'a> Renderer<'a> {
    /// A hash of everything that goes into `page`: equal fingerprints mean
    /// byte-identical output, so a preview rebuild can skip the page. It is
    /// the data the page's view serializes, so whatever a view shows is in
    /// it, plus, for a note page, the inputs of its body (which the view
    /// gets only when the page is written).
    pub fn fingerprint(&self, page: &Page) -> u64 {
        self.fingerprint_prepared(page, &self.prepare(page))
    }

    /// [`Renderer::fingerprint`] of a page already prepared.
    pub(super) fn fingerprint_prepared(&self, page: &Page, prepared: &Prepared) -> u64 {
        // xxh3: views are large, and every page of every build is fingerprinted.
        let mut hasher = hash_ser::Gathered::default();
        self.seed.hash(&mut hasher);
        prepared.template.hash(&mut hasher);
        prepared.url.hash(&mut hasher);
        prepared.title.hash(&mut hasher);
        if let Page::Note(id) = page {
            self.content_key(*id, &mut hasher);
        }
        // Template maps keep their keys in insertion order, so equal data
        // hashes equal.
        hash_ser::hash_into(&prepared.data, &mut hasher);
        hasher.finish()
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
