//! Render stage: Markdown to HTML and every page through the Tera templates, in parallel.
//!
//! Every URL handed to templates is relative to the site root and is written
//! as `{{ root }}{{ x.url }}`; `root` climbs from the page to the site root
//! (`../../`), so the output works from any sub-path and from `file://`.

use rayon::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};

mod body;
mod explore;
mod feeds;
mod files;
mod fingerprint;
mod hash_ser;
mod json;
mod jsonld;
pub mod search;
mod theme;
mod urls;
mod views;

pub use crate::registry::Page;
use body::*;
pub use files::Target;
use theme::*;
pub use theme::{load_templates, static_files, Theme, BUILTIN_STATIC};
use urls::*;
pub(crate) use urls::{absolute_url, page_link};
use views::*;

use crate::config::Config;
use crate::link::{Library, NoteId, Part, Resolved};
use crate::load::Note;
use crate::markdown::highlight::Highlighter;
use crate::markdown::{self, BodyHtml, Heading, LinkHtml, LinkRef, LinkSyntax, Snippet};
use crate::registry::{self, kind_url, tag_url};
use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::sync::OnceLock;

/// How many notes of each kind the home page shows (the most linked-to ones).
const HOME_NOTES_PER_KIND: usize = 8;

/// How many unlinked mentions a note page lists (by title); the rest are counted.
const MENTIONS_SHOWN: usize = 50;
/// Notes linking here shown with their sentences on a note's page.
const BACKLINK_SNIPPETS_SHOWN: usize = 50;
/// Further notes linking here shown by name only.
const MORE_BACKLINKS_SHOWN: usize = 500;

/// How many of the most used tags the home page shows.
const HOME_TAGS: usize = 16;

/// One file of the finished site.
#[derive(Debug)]
pub enum OutputFile {
    /// Generated contents at a path relative to the output folder.
    Bytes { path: String, contents: Vec<u8> },
    /// A file copied as is (attachments, theme assets).
    Copy { path: String, source: PathBuf },
}

impl OutputFile {
    /// Path relative to the output folder.
    pub fn path(&self) -> &str {
        match self {
            OutputFile::Bytes { path, .. } | OutputFile::Copy { path, .. } => path,
        }
    }
}

/// A theme or template problem; the CLI exits with code 2 for these.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// `theme` in `site.toml` names a folder that is not there.
    #[error("theme `{theme}` not found: expected the folder {}", folder.display())]
    MissingTheme {
        /// The theme's name.
        theme: String,
        /// Where it was looked for.
        folder: PathBuf,
    },
    /// A template is a FIFO, socket or device: opening it could wait forever.
    #[error("template {} is not a regular file; replace it with a file or remove it", path.display())]
    NotAFile {
        /// The template.
        path: PathBuf,
    },
    /// A template cannot be read.
    #[error("cannot read template {}: {source}", path.display())]
    Read {
        /// The template.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Tera refused the templates (syntax, a missing parent).
    #[error("template error: {}", error_chain(source))]
    Parse {
        /// Tera's error.
        #[source]
        source: tera::Error,
    },
    /// A template failed while rendering a page.
    #[error("rendering {page} with {template}: {}", error_chain(source))]
    Render {
        /// The page's output path.
        page: String,
        /// The template.
        template: String,
        /// Tera's error.
        #[source]
        source: tera::Error,
    },
}

/// Why rendering stopped.
#[derive(Debug)]
pub enum RenderError {
    /// A template failed to render (exit code 2).
    Template(TemplateError),
    /// The sink could not store a file.
    Write(std::io::Error),
    /// Rendering a page panicked (a bug in Dossier), named by its source.
    Internal(crate::Diagnostic),
}

impl From<TemplateError> for RenderError {
    fn from(e: TemplateError) -> Self {
        RenderError::Template(e)
    }
}

impl From<std::io::Error> for RenderError {
    fn from(e: std::io::Error) -> Self {
        RenderError::Write(e)
    }
}

/// Renders the whole site: one page per published note, the home page, kind
/// and tag indexes, the 404 page, plus attachments and theme assets to copy.
pub struct Renderer<'a> {
    library: &'a Library,
    config: &'a Config,
    tera: &'a tera::Tera,
    nav: Vec<KindView>,
    /// `site` and `nav` as template values, made once: every page's context
    /// shares them (tera values are reference-counted).
    site_value: tera::Value,
    nav_value: tera::Value,
    highlighter: Highlighter,
    /// Each note's link from the site root ([`page_link`] of its URL), made
    /// once: pages link to many notes.
    note_links: Vec<String>,
    /// Each note as lists show it ([`Renderer::note_ref`]), made on first
    /// use: a build needs them all, a preview rebuild only a few.
    note_refs: Vec<OnceLock<tera::Value>>,
    /// Each note as a local-graph node ([`explore::graph_node`]), made on first use.
    graph_nodes: Vec<OnceLock<String>>,
    /// Each kind's published notes by title ([`Renderer::notes_of_kind`]), made on first use.
    kind_notes: Vec<OnceLock<Vec<NoteId>>>,
    /// Each note's kind, as an index into `config.kinds`, looked up once.
    note_kinds: Vec<Option<usize>>,
    /// Published dated notes, newest first (timeline, feed, home page).
    dated: Vec<NoteId>,
    /// Each dated note's place in time, oldest first and ties by title, so
    /// a note's own timeline sorts without reading dates again.
    chrono_rank: Vec<u32>,
    /// Hash of what every page depends on: settings, templates, navigation.
    seed: u64,
}

/// Published notes with a date, in no particular order.
fn published_dated(lib: &Library) -> Vec<NoteId> {
    (0..lib.notes.len())
        .filter(|&id| lib.published[id] && lib.notes[id].date.is_some())
        .collect()
}

/// Published notes with a date, newest first, ties by title.
fn dated(lib: &Library) -> Vec<NoteId> {
    let mut dated = published_dated(lib);
    dated.sort_by_cached_key(|&id| {
        let note = &lib.notes[id];
        (
            std::cmp::Reverse(feeds::rfc3339(note.date.as_deref().unwrap_or_default())),
            note.title.to_lowercase(),
        )
    });
    dated
}

/// `Renderer::chrono_rank`: published dated notes ordered by date, oldest
/// first, then by title rank; `u32::MAX` for the rest.
fn chrono_rank(lib: &Library) -> Vec<u32> {
    let mut order = published_dated(lib);
    order.sort_by_cached_key(|&id| {
        (
            feeds::rfc3339(lib.notes[id].date.as_deref().unwrap_or_default()),
            lib.title_rank[id],
        )
    });
    let mut rank = vec![u32::MAX; lib.notes.len()];
    for (place, id) in order.into_iter().enumerate() {
        rank[id] = place as u32;
    }
    rank
}

/// A string for a template, marked safe when escaping would not change it:
/// text without `&<>"'` escapes to itself, and skipping the escaping costs
/// less than it for the short strings (titles, URLs) that pages are made of.
/// The output is the same either way.
fn text_value(s: &str) -> tera::Value {
    if s.bytes()
        .any(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\''))
    {
        tera::Value::from(s)
    } else {
        tera::Value::safe_string(s)
    }
}

impl Drop for Renderer<'_> {
    /// The caches hold a few allocations per note, tens of thousands on a
    /// large site: they are freed on the thread pool, so that the caller,
    /// about to swap in the output or to rebuild, does not wait for that.
    fn drop(&mut self) {
        let caches = (
            std::mem::take(&mut self.note_refs),
            std::mem::take(&mut self.graph_nodes),
            std::mem::take(&mut self.note_links),
        );
        rayon::spawn(move || drop(caches));
    }
}

impl<'a> Renderer<'a> {
    /// Prepares what every page shares (site settings, navigation) once.
    pub fn new(library: &'a Library, config: &'a Config, theme: &'a Theme) -> Self {
        let nav = config
            .kinds
            .iter()
            .map(|k| KindView {
                name: k.name.clone(),
                label: k.label.clone(),
                color: k.color().to_string(),
                url: page_link(config, &kind_url(&k.folder)),
                count: library
                    .notes
                    .iter()
                    .enumerate()
                    .filter(|(id, n)| library.published[*id] && n.kind.as_deref() == Some(&k.name))
                    .count(),
            })
            .collect();
        let kind_colors: serde_json::Map<String, serde_json::Value> = config
            .kinds
            .iter()
            .map(|k| (k.name.clone(), k.color().into()))
            .collect();
        let site = SiteView {
            title: &config.title,
            description: &config.description,
            base_url: &config.base_url,
            language: &config.language,
            kind_colors: serde_json::Value::Object(kind_colors).to_string(),
        };
        let mut hasher = hash_ser::Gathered::default();
        theme.fingerprint.hash(&mut hasher);
        format!("{config:?}").hash(&mut hasher);
        hash_ser::hash_into(&nav, &mut hasher);
        // Per-note tables on one side, date orders on the other: the
        // workers wait for this.
        let ((note_links, note_kinds), (dated, chrono_rank)) = rayon::join(
            || {
                let links = library
                    .notes
                    .iter()
                    .map(|n| page_link(config, &n.url))
                    .collect();
                let kinds = library
                    .notes
                    .iter()
                    .map(|n| config.kind_index(n.kind.as_deref()?))
                    .collect();
                (links, kinds)
            },
            || (dated(library), chrono_rank(library)),
        );
        Renderer {
            library,
            config,
            tera: &theme.tera,
            site_value: tera::Value::from_serializable(&site),
            nav_value: tera::Value::from_serializable(&nav),
            nav,
            highlighter: Highlighter::new(),
            note_links,
            note_refs: (0..library.notes.len()).map(|_| OnceLock::new()).collect(),
            graph_nodes: (0..library.notes.len()).map(|_| OnceLock::new()).collect(),
            kind_notes: config.kinds.iter().map(|_| OnceLock::new()).collect(),
            note_kinds,
            dated,
            chrono_rank,
            seed: hasher.finish(),
        }
    }

    /// The configured kind of note `id`, if it has one.
    fn kind_of(&self, id: NoteId) -> Option<&'a crate::config::KindConfig> {
        self.note_kinds[id].map(|k| &self.config.kinds[k])
    }

    /// What lists show of note `id` (`title`, `url`, `kind`, `kind_label`,
    /// `date`, `description`), as a template value made once: values are
    /// reference-counted, so every page listing the note shares it. Views
    /// borrow it, and serializing a page's context clones it once.
    fn note_ref(&self, id: NoteId) -> &tera::Value {
        self.note_refs[id].get_or_init(|| {
            let note = &self.library.notes[id];
            let kind = self.kind_of(id);
            let optional = |s: Option<&str>| s.map_or_else(tera::Value::none, text_value);
            let mut fields = tera::Map::with_capacity(6);
            for (key, value) in [
                ("title", text_value(&note.title)),
                ("url", text_value(self.note_link(id))),
                ("kind", optional(kind.map(|k| k.name.as_str()))),
                ("kind_label", optional(kind.map(|k| k.label.as_str()))),
                ("date", optional(note.date.as_deref())),
                ("description", optional(note.description.as_deref())),
            ] {
                fields.insert(tera::value::Key::Str(key), value);
            }
            tera::Value::from(fields)
        })
    }

    /// Makes every published note's list entry and graph node up front, in
    /// note order, for a build that renders every page. Made on first use
    /// instead, each would land among the temporaries of whichever page
    /// needed it first, scattered over the heap; made together they sit
    /// side by side, and on a large site the pages, which read them in
    /// random order, miss the processor's caches less (bench/README.md).
    fn make_note_refs(&self) {
        let published: Vec<NoteId> = self.published().collect();
        // One run of notes per thread, each made in order.
        let run = published
            .len()
            .div_ceil(rayon::current_num_threads())
            .max(1);
        published.par_chunks(run).for_each(|ids| {
            for &id in ids {
                self.note_ref(id);
                self.graph_node(id);
            }
        });
    }

    fn graph_node(&self, id: NoteId) -> &str {
        self.graph_nodes[id].get_or_init(|| explore::graph_node(&self.library.notes[id]))
    }

    fn base_context(&self, page_url: &str, title: &str) -> tera::Context {
        let mut context = tera::Context::new();
        context.insert_value("site", self.site_value.clone());
        context.insert_value("nav", self.nav_value.clone());
        context.insert_value("root", text_value(&root_from(page_url)));
        context.insert("page_title", title);
        context.insert("page_url", &page_link(self.config, page_url));
        context.insert(
            "canonical_url",
            &absolute_url(self.config, page_url).unwrap_or_default(),
        );
        context
    }

    /// Renders `template` into a buffer with room for `expected` bytes more
    /// than a page's usual frame: growing a page by doubling copies it again
    /// and again. Rendered as bytes: templates write valid UTF-8, so the
    /// check `Tera::render` makes on every page is not needed.
    fn render(
        &self,
        template: &str,
        context: &tera::Context,
        out_path: String,
        expected: usize,
    ) -> Result<OutputFile, TemplateError> {
        let mut html = Vec::with_capacity(PAGE_FRAME_BYTES + expected);
        self.tera
            .render_to(template, context, &mut html)
            .map_err(|source| TemplateError::Render {
                page: out_path.clone(),
                template: template.to_string(),
                source,
            })?;
        Ok(OutputFile::Bytes {
            path: out_path,
            contents: html,
        })
    }

    /// [`Renderer::render_page`], with a panic (a bug in Dossier) turned into
    /// an error naming the page's note or output path, so the process and
    /// the preview live on.
    pub fn render_page_guarded(&self, page: &Page) -> Result<OutputFile, RenderError> {
        let source = || match page {
            Page::Note(id) => self.library.notes[*id].display_path.clone(),
            _ => PathBuf::from(self.page_path(page)),
        };
        crate::diag::guard(source, || self.render_page(page))
            .map_err(RenderError::Internal)?
            .map_err(RenderError::Template)
    }

    /// Renders one page.
    pub fn render_page(&self, page: &Page) -> Result<OutputFile, TemplateError> {
        self.render_prepared(page, self.prepare(page))
    }

    /// Renders `page` into `target`, unless its fingerprint says the file
    /// there is already what it would render; a panic is an error naming the page.
    fn render_into(&self, page: &Page, target: &dyn Target) -> Result<(), RenderError> {
        let source = || match page {
            Page::Note(id) => self.library.notes[*id].display_path.clone(),
            _ => PathBuf::from(self.page_path(page)),
        };
        let made = crate::diag::guard(source, || {
            let prepared = self.prepare(page);
            let fingerprint = self.fingerprint_prepared(page, &prepared);
            if target.is_current(&self.page_path(page), fingerprint) {
                return Ok(None);
            }
            Ok(Some((self.render_prepared(page, prepared)?, fingerprint)))
        })
        .map_err(RenderError::Internal)?
        .map_err(RenderError::Template)?;
        match made {
            Some((file, fingerprint)) => Ok(target.put(file, Some(fingerprint))?),
            None => Ok(()),
        }
    }

    /// Renders a prepared page.
    fn render_prepared(
        &self,
        page: &Page,
        prepared: Prepared<'_>,
    ) -> Result<OutputFile, TemplateError> {
        let mut context = self.base_context(&prepared.url, &prepared.title);
        let mut expected = 0;
        match prepared.data {
            PageData::Note(mut view) => {
                if let Page::Note(id) = page {
                    let body = self.body_html(
                        *id,
                        &root_from(&prepared.url),
                        None,
                        &mut Embedding::page(*id),
                    );
                    expected = body.len() + view.local_graph.as_str().map_or(0, str::len);
                    view.content = tera::Value::safe_string(&body);
                }
                context.insert("note", &view);
            }
            PageData::Kind { kind, notes, pager } => {
                context.insert("kind", &kind);
                context.insert("notes", &notes);
                context.insert("pager", &pager);
            }
            PageData::Tag { tag, notes, pager } => {
                context.insert("tag", &tag);
                context.insert("notes", &notes);
                context.insert("pager", &pager);
            }
            PageData::Tags { tags } => context.insert("tags", &tags),
            PageData::Graph { graph, note_total } => {
                context.insert("graph", &graph);
                context.insert("note_total", &note_total);
            }
            PageData::Timeline { years, tags, pager } => {
                context.insert("years", &years);
                context.insert("pager", &pager);
                context.insert("tags", &tags);
            }
            PageData::Home {
                recent,
                note_count,
                kinds,
                top_tags,
            } => {
                context.insert("recent", &recent);
                context.insert("note_count", &note_count);
                context.insert("kinds", &kinds);
                context.insert("top_tags", &top_tags);
            }
            PageData::NotFound => {
                // Served at any depth, where relative links cannot work: use base_url when set.
                if let Some(root) = absolute_url(self.config, "") {
                    context.insert("root", &root);
                }
            }
        }
        self.render(prepared.template, &context, self.page_path(page), expected)
    }

    /// The Atom feed (it changes with dated notes' text).
    pub fn atom(&self) -> OutputFile {
        feeds::atom(self.library, self.config, &self.note_links, &self.dated)
    }

    /// The search index under `search/` (it changes with any note's text).
    pub fn search_files(&self) -> Vec<OutputFile> {
        search::index(self.library, &self.note_links)
    }

    /// `graph.json` (it changes with links and relations).
    pub fn graph(&self) -> OutputFile {
        explore::graph(self.library, &self.note_links)
    }
}

/// Room reserved for a page besides its body and graph data: head,
/// navigation, backlinks and the aside of a typical note page.
const PAGE_FRAME_BYTES: usize = 12 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_climbs_one_level_per_folder() {
        assert_eq!(root_from(""), "./");
        assert_eq!(root_from("actors/wang-xiaohong/"), "../../");
    }

    #[test]
    fn paths_are_percent_encoded_but_keep_slashes() {
        assert_eq!(encode_path("img/My photo.png"), "img/My%20photo.png");
        // Each byte of a multi-byte character, both hex digits upper case.
        assert_eq!(encode_path("é^#ÿ"), "%C3%A9%5E%23%C3%BF");
    }
}
