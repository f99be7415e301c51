//! Link stage: index notes once, resolve every link, and derive backlinks,
//! typed relations and tags.
//!
//! Resolution follows Obsidian, case-insensitively: exact vault path, then a
//! unique file name, then a title, then an alias. Every lookup is a hash-map
//! probe (`index`); a failed one asks `suggest` for the closest name.
//!
//! `resolve` resolves each note's links, `graph` adds them up into
//! backlinks, relations and tags, `checks` looks at the whole site, and
//! `incremental` is the preview's relink of notes whose text changed.

mod checks;
mod graph;
mod incremental;
mod index;
pub mod mentions;
mod resolve;
mod suggest;
pub mod terms;
mod words;

use checks::*;
pub use checks::{MAX_EMBEDDED_BYTES, MAX_EMBEDS_PER_PAGE};
use graph::*;
use incremental::*;
use index::*;
use resolve::*;

use rayon::prelude::*;
use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use crate::config::{BrokenLinks, Config};
use crate::diag::Diagnostic;
use crate::load::{Attachment, Note, Vault};
use crate::markdown::{LinkSyntax, Snippet};
use crate::slug::same_heading;
use mentions::{Mention, MentionFinder};
use terms::{Postings, SearchTerms};

/// Index of a note in [`Library::notes`].
pub type NoteId = usize;

/// What a link points at after resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A published note, optionally at a heading id.
    Note { id: NoteId, anchor: Option<String> },
    /// A heading of the note the link is in.
    SameNote { anchor: String },
    /// An attachment, by index in [`Library::attachments`].
    Attachment(usize),
    /// A note left out of this build (a draft): shown as plain text.
    Unpublished,
    /// Nothing matched; the text explains why (a diagnostic was recorded too).
    Missing(String),
}

/// A piece of a frontmatter value: text, or a link written as `[[...]]`.
#[derive(Debug, Clone)]
pub enum Part {
    /// Literal text.
    Text(String),
    /// A wikilink with its visible label.
    Link { label: String, target: Resolved },
}

/// One source note linking to a note, with the sentence around each link.
#[derive(Debug, Clone)]
pub struct Backlink {
    /// The note that links here.
    pub source: NoteId,
    /// Indices (into the source's `scan.links`) of its links to this note;
    /// each carries the sentence around it.
    pub links: Vec<usize>,
}

/// Notes carrying a tag (or one of its nested tags).
#[derive(Debug, Clone, Default)]
pub struct Tag {
    /// The tag as first written, e.g. `Trade/Tariffs`.
    pub name: String,
    /// Notes, sorted by title.
    pub notes: Vec<NoteId>,
    /// The note whose spelling `name` is: the lowest id carrying the tag.
    spelled_by: NoteId,
}

/// The linked knowledge base: notes with every link resolved, ready to render.
#[derive(Debug, Default)]
pub struct Library {
    /// All loaded notes, drafts included.
    pub notes: Vec<Note>,
    /// Whether each note is written to the output.
    pub published: Vec<bool>,
    /// Attachments in the content folder.
    pub attachments: Vec<Attachment>,
    /// Per attachment, whether a published note links to or embeds it: only
    /// those are copied to the output, so an image only a private note
    /// uses stays private.
    pub attachment_used: Vec<bool>,
    /// Per note, the resolution of each link in `note.scan.links`.
    pub links: Vec<Vec<Resolved>>,
    /// Per note, whether it embeds another note (`![[Note]]`). Most do not,
    /// and then each of their links to a note is a plain `link` edge: graphs
    /// and checks need not read the link's syntax, which on a large site
    /// means reading every link again from memory the caches no longer hold.
    pub embeds: Vec<bool>,
    /// Per note, per field, per value: the value split into text and links.
    pub fields: Vec<Vec<Vec<Vec<Part>>>>,
    /// Per note, the notes linking to it, sorted by their titles.
    pub backlinks: Vec<Vec<Backlink>>,
    /// Per note, outgoing typed relations: (frontmatter key, targets).
    pub relations: Vec<Vec<(String, Vec<NoteId>)>>,
    /// Per note, incoming typed relations: (key, sources), e.g. ("affiliation", [Amanda Hsiao]).
    pub inverse_relations: Vec<Vec<(String, Vec<NoteId>)>>,
    /// Each note's position in title order; see [`Library::sort_by_title`].
    pub title_rank: Vec<usize>,
    /// Per note, the notes that name it without linking it, by title.
    pub mentions: Vec<Vec<Mention>>,
    /// The search terms of the published notes, gathered with the mentions;
    /// `None` after an incremental [`relink`] changed texts (the render stage
    /// then reads them again with [`terms::build`]).
    pub search_terms: Option<SearchTerms>,
    /// Tags by lowercase name, nested tags also counted under their parents.
    pub tags: BTreeMap<String, Tag>,
    /// Broken links, ambiguous links, unknown headings, embed cycles.
    pub diagnostics: Vec<Diagnostic>,
    /// The notes whose pages may show something new after the last
    /// [`relink`], or `None` when anything may have changed.
    pub touched: Option<Vec<NoteId>>,
    /// Whether the last [`relink`] changed any link or relation between notes,
    /// or a note's kind: what `graph.json` and the graph page show.
    pub edges_changed: bool,
    /// What [`relink`] can reuse.
    cache: LinkCache,
}

/// Each note's position in title order (case-insensitive, ties by path), the
/// order every list on the site uses. Computed once, so sorting a list costs no
/// string work.
fn title_ranks(notes: &[Note]) -> Vec<usize> {
    let mut order: Vec<NoteId> = (0..notes.len()).collect();
    order.sort_by_cached_key(|&id| (notes[id].title.to_lowercase(), id));
    let mut ranks = vec![0; notes.len()];
    for (rank, id) in order.into_iter().enumerate() {
        ranks[id] = rank;
    }
    ranks
}

impl Library {
    /// Whether link `index` of note `source` (in `note.scan.links`) embeds
    /// a note: its edge in the graphs is `embed`, not `link`.
    pub fn is_embed_link(&self, source: NoteId, index: usize) -> bool {
        is_embed_link(&self.notes, &self.embeds, source, index)
    }

    /// Sorts note ids by title, the order every list on the site uses.
    pub fn sort_by_title(&self, ids: &mut [NoteId]) {
        ids.sort_by_key(|&id| self.title_rank[id]);
    }
}

/// What the link stage keeps between runs, so a preview rebuild can skip work.
#[derive(Debug, Default)]
struct LinkCache {
    /// What each note was when last linked.
    notes: NoteCopies,
    /// Per note, a hash of its links and relations to other notes (graph edges).
    edge_hashes: Vec<u64>,
    /// Finds names in text; depends only on names, so kept while they stay.
    finder: MentionFinder,
    /// Per note, the notes its text mentions without linking.
    mention_targets: Vec<Vec<NoteId>>,
    attachments: Vec<String>,
    published: Vec<bool>,
    policy: BrokenLinks,
    index: Index,
    /// Link problems of each note.
    note_diagnostics: Vec<Vec<Diagnostic>>,
    cycle_diagnostics: Vec<Diagnostic>,
}

/// Runs the link stage over everything the load stage read.
pub fn link(vault: Vault, config: &Config, include_drafts: bool) -> Library {
    relink(vault, config, include_drafts, None)
}

/// Like [`link`], but reuses the work of `previous` where it still holds: when
/// no note or attachment came or went and no note's names, headings or block
/// ids changed, only the notes whose text changed are resolved again, and
/// backlinks, relations and tags are updated for them alone.
pub fn relink(
    vault: Vault,
    config: &Config,
    include_drafts: bool,
    previous: Option<Library>,
) -> Library {
    let Vault {
        notes,
        attachments,
        diagnostics: _,
    } = vault;
    let published: Vec<bool> = notes.iter().map(|n| include_drafts || !n.draft).collect();
    let same_layout = |p: &Library| {
        p.cache.policy == config.broken_links
            && p.cache.published == published
            && p.cache.notes.signatures.len() == notes.len()
            && notes
                .iter()
                .zip(&p.cache.notes.signatures)
                .all(|(n, &s)| n.signature == s)
            && p.cache.notes.paths.iter().eq(notes.iter().map(|n| &n.path))
            && p.cache
                .attachments
                .iter()
                .eq(attachments.iter().map(|a| &a.path))
    };
    match previous.filter(same_layout) {
        Some(previous) => relink_in_place(previous, notes, attachments, config),
        None => link_all(notes, attachments, published, config),
    }
}

fn link_all(
    notes: Vec<Note>,
    attachments: Vec<Attachment>,
    published: Vec<bool>,
    config: &Config,
) -> Library {
    // Independent steps run side by side throughout: on two cores the
    // serial ones otherwise leave a core idle.
    let (index, (finder, title_rank)) = rayon::join(
        || Index::new(&notes, &attachments),
        || {
            rayon::join(
                || MentionFinder::new(&notes, &published),
                || title_ranks(&notes),
            )
        },
    );
    let suggester = suggest::Suggester::new(&notes);
    let resolver = Resolver {
        index: &index,
        notes: &notes,
        attachments: &attachments,
        published: &published,
        policy: config.broken_links,
        suggester: &suggester,
    };
    let mut links = Vec::with_capacity(notes.len());
    let mut fields = Vec::with_capacity(notes.len());
    let mut note_diagnostics = Vec::with_capacity(notes.len());
    let mut embeds = Vec::with_capacity(notes.len());
    let resolved: Vec<NoteLinks> = (0..notes.len())
        .into_par_iter()
        .map(|id| resolve_note(&resolver, id))
        .collect();
    for note in resolved {
        links.push(note.links);
        fields.push(note.fields);
        note_diagnostics.push(note.diagnostics);
        embeds.push(note.embeds);
    }
    let Contributions {
        backlinks,
        relations,
        inverse_relations,
        tags,
    } = Contributions::of_all(&notes, &published, &links, &fields, &title_rank);
    // Mentions and search terms come from the same pass over each note's
    // words: both need every word found and hashed.
    let docs = terms::doc_numbers(&published);
    let find_mentions = || -> (Vec<Vec<(NoteId, Snippet)>>, Postings) {
        (0..notes.len())
            .into_par_iter()
            .with_min_len(terms::notes_per_table(notes.len()))
            .fold(
                || (Vec::new(), Postings::default()),
                |(mut found, mut postings), id| {
                    if published[id] {
                        let prose = notes[id].prose();
                        let tokens = mentions::tokenize(&prose);
                        let related = related(&relations[id]);
                        found.push(
                            finder.find_in(&notes, id, &prose, &tokens, &links[id], &related),
                        );
                        postings.add_note(docs[id], &notes[id], prose, &tokens);
                    } else {
                        found.push(Vec::new());
                    }
                    (found, postings)
                },
            )
            .reduce(
                || (Vec::new(), Postings::default()),
                |(mut found, postings), (more, other)| {
                    found.extend(more);
                    (found, postings.merge(other))
                },
            )
    };
    // Short next to the mention search, so one task beside it is enough:
    // the checks, and what the cache copies from the notes.
    let check = || {
        let edge_hashes: Vec<u64> = (0..notes.len())
            .into_par_iter()
            .map(|id| edge_hash(&notes[id], &links[id], &relations[id]))
            .collect();
        let copies = NoteCopies::of(&notes);
        (
            check_embed_cycles(&notes, &links, &embeds, config.broken_links),
            edge_hashes,
            copies,
        )
    };
    let ((found, postings), (cycle_diagnostics, edge_hashes, copies)) =
        rayon::join(find_mentions, check);
    // The terms are sorted beside the rest of this function's serial work.
    let (search_terms, (mentions, mention_targets)) =
        rayon::join(|| postings.finish(), || gather_mentions(found, &title_rank));
    let cache = LinkCache {
        notes: copies,
        finder,
        mention_targets,
        edge_hashes,
        attachments: attachments.iter().map(|a| a.path.clone()).collect(),
        published: published.clone(),
        policy: config.broken_links,
        index,
        note_diagnostics,
        cycle_diagnostics,
    };
    let attachment_used = used_attachments(&published, &links, &fields, attachments.len());
    let mut library = Library {
        notes,
        published,
        attachment_used,
        attachments,
        links,
        embeds,
        fields,
        backlinks,
        relations,
        inverse_relations,
        title_rank,
        mentions,
        search_terms: Some(search_terms),
        tags,
        diagnostics: Vec::new(),
        touched: None,
        edges_changed: true,
        cache,
    };
    library.collect_diagnostics();
    library
}

/// Which attachments the published notes link to or embed, in their text
/// or their frontmatter.
fn used_attachments(
    published: &[bool],
    links: &[Vec<Resolved>],
    fields: &[Vec<Vec<Vec<Part>>>],
    count: usize,
) -> Vec<bool> {
    let mut used = vec![false; count];
    for id in (0..links.len()).filter(|&id| published[id]) {
        let in_fields = fields[id]
            .iter()
            .flatten()
            .flatten()
            .filter_map(|p| match p {
                Part::Link { target, .. } => Some(target),
                Part::Text(_) => None,
            });
        for resolved in links[id].iter().chain(in_fields) {
            if let Resolved::Attachment(i) = resolved {
                used[*i] = true;
            }
        }
    }
    used
}

/// What [`LinkCache`] keeps of each note, to tell later what changed.
#[derive(Debug, Default)]
struct NoteCopies {
    paths: Vec<String>,
    /// Per note: what other notes' links resolve against (names, headings, block ids).
    signatures: Vec<u64>,
    source_hashes: Vec<u64>,
    /// Per note, its tags when last linked.
    tag_lists: Vec<Vec<String>>,
}

impl NoteCopies {
    fn of(notes: &[Note]) -> NoteCopies {
        NoteCopies {
            paths: notes.iter().map(|n| n.path.clone()).collect(),
            signatures: notes.iter().map(|n| n.signature).collect(),
            source_hashes: notes.iter().map(|n| n.source_hash).collect(),
            tag_lists: notes.iter().map(|n| n.tags.clone()).collect(),
        }
    }
}

/// The mentions found in each note (by source) turned around: per note, the
/// notes mentioning it, by title; and per note, the notes it mentions.
fn gather_mentions(
    found: Vec<Vec<(NoteId, Snippet)>>,
    title_rank: &[usize],
) -> (Vec<Vec<Mention>>, Vec<Vec<NoteId>>) {
    let mut mentions: Vec<Vec<Mention>> = vec![Vec::new(); found.len()];
    let mut mention_targets = Vec::with_capacity(found.len());
    for (source, list) in found.into_iter().enumerate() {
        mention_targets.push(list.iter().map(|(t, _)| *t).collect());
        add_mentions(&mut mentions, source, list);
    }
    for list in &mut mentions {
        sort_by_rank(list, title_rank, |m: &Mention| m.source);
    }
    (mentions, mention_targets)
}

/// Whether link `index` of note `source` embeds a note (`![[Note]]`). The
/// link's syntax is read only when the note embeds notes at all (`embeds`,
/// [`Library::embeds`]).
fn is_embed_link(notes: &[Note], embeds: &[bool], source: NoteId, index: usize) -> bool {
    embeds[source]
        && notes[source]
            .scan
            .links
            .get(index)
            .is_some_and(|l| l.syntax == LinkSyntax::WikiEmbed)
}

/// Whether a note embeds another note (`![[Note]]`).
fn embeds_a_note(note: &Note, links: &[Resolved]) -> bool {
    note.scan
        .links
        .iter()
        .zip(links)
        .any(|(l, r)| l.syntax == LinkSyntax::WikiEmbed && matches!(r, Resolved::Note { .. }))
}

impl Library {
    /// A hash of the whole graph's edges and kinds (see `edges_changed`).
    pub fn graph_hash(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.cache.edge_hashes.hash(&mut h);
        h.finish()
    }

    /// Gathers every link problem into `diagnostics`.
    fn collect_diagnostics(&mut self) {
        let cache = &self.cache;
        self.diagnostics = cache
            .note_diagnostics
            .iter()
            .flatten()
            .chain(&cache.cycle_diagnostics)
            .cloned()
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_the_root_lose_leading_dot_slashes_and_slashes() {
        assert_eq!(from_root("././actors/Wang.md"), "actors/Wang.md");
        assert_eq!(from_root("/actors/Wang"), "actors/Wang");
        assert_eq!(from_root("./"), "");
        assert_eq!(from_root("actors/./Wang"), "actors/./Wang");
        assert_eq!(from_root(".hidden"), ".hidden");
    }

    #[test]
    fn frontmatter_wikilinks_are_found_with_labels() {
        let v = wikilinks_in("Minister at [[Ministry of Public Security|MPS]] and [[X]]");
        assert_eq!(
            v,
            vec![
                (12..47, "Ministry of Public Security", Some("MPS")),
                (52..57, "X", None)
            ]
        );
    }

    #[test]
    fn relative_paths_join_and_refuse_escaping_the_vault() {
        assert_eq!(
            join_relative("topics/a.md", "../actors/b.md").as_deref(),
            Some("actors/b.md")
        );
        assert_eq!(join_relative("a.md", "../../x.md"), None);
    }

    #[test]
    fn extensions_mark_attachments_but_not_dotted_names() {
        assert!(has_extension("photo.png") && has_extension("docs/report.pdf"));
        assert!(
            !has_extension("note.md")
                && !has_extension("Wang Xiaohong")
                && !has_extension("Dr. Sun Yat-sen and friends")
        );
    }
}
