//! Render stage: Markdown to HTML and every page through the Tera templates, in parallel.
//!
//! Every URL handed to templates is relative to the site root and is written
//! as `{{ root }}{{ x.url }}`; `root` climbs from the page to the site root
//! (`../../`), so the output works from any sub-path and from `file://`.

use rayon::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};

mod explore;
mod feeds;
mod jsonld;
mod prefetch;
pub mod search;

use crate::config::Config;
use crate::link::{kind_url, Library, NoteId, Part, Resolved};
use crate::load::Note;
use crate::markdown::highlight::Highlighter;
use crate::markdown::{self, BodyHtml, Heading, LinkHtml, LinkRef, LinkSyntax, Snippet};
use crate::registry;
use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::sync::OnceLock;

/// The default theme, built into the binary so `dossier init` sites need no copy of it.
const BUILTIN_TEMPLATES: [(&str, &str); 9] = [
    (
        "graph.html",
        include_str!("../../themes/default/templates/graph.html"),
    ),
    (
        "timeline.html",
        include_str!("../../themes/default/templates/timeline.html"),
    ),
    (
        "base.html",
        include_str!("../../themes/default/templates/base.html"),
    ),
    (
        "index.html",
        include_str!("../../themes/default/templates/index.html"),
    ),
    (
        "note.html",
        include_str!("../../themes/default/templates/note.html"),
    ),
    (
        "kind.html",
        include_str!("../../themes/default/templates/kind.html"),
    ),
    (
        "tag.html",
        include_str!("../../themes/default/templates/tag.html"),
    ),
    (
        "tags.html",
        include_str!("../../themes/default/templates/tags.html"),
    ),
    (
        "404.html",
        include_str!("../../themes/default/templates/404.html"),
    ),
];

/// Static assets of the built-in default theme.
pub const BUILTIN_STATIC: [(&str, &[u8]); 2] = [
    (
        "style.css",
        include_bytes!("../../themes/default/static/style.css"),
    ),
    (
        "dossier.js",
        include_bytes!("../../themes/default/static/dossier.js"),
    ),
];

/// How many notes of each kind the home page shows (the most linked-to ones).
const HOME_NOTES_PER_KIND: usize = 8;

/// How many unlinked mentions a note page lists (by title); the rest are counted.
const MENTIONS_SHOWN: usize = 50;

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
#[derive(Debug)]
pub struct TemplateError(pub String);

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TemplateError {}

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

/// Where rendered files go as soon as they are ready, so the whole site never
/// sits in memory at once.
pub type Sink<'s> = &'s (dyn Fn(OutputFile) -> std::io::Result<()> + Sync);

/// The loaded templates and a hash of their sources.
pub struct Theme {
    /// The compiled templates.
    pub tera: tera::Tera,
    /// Changes whenever any template's text changes.
    pub fingerprint: u64,
}

/// Loads templates: the built-in default theme, then `themes/<theme>/templates/`,
/// then the site's own `templates/`, each overriding files of the same name.
pub fn load_templates(root: &Path, config: &Config) -> Result<Theme, TemplateError> {
    let theme_dir = root.join("themes").join(&config.theme);
    if config.theme != "default" && !theme_dir.is_dir() {
        return Err(TemplateError(format!(
            "theme `{}` not found: expected the folder {}",
            config.theme,
            theme_dir.display()
        )));
    }
    let mut sources: Vec<(String, String)> = BUILTIN_TEMPLATES
        .iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect();
    for dir in [theme_dir.join("templates"), root.join("templates")] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if !(name.ends_with(".html") || name.ends_with(".xml")) {
                continue;
            }
            // Opening a FIFO or a device would wait for a writer forever.
            if !std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
                return Err(TemplateError(format!(
                    "template {} is not a regular file; replace it with a file or remove it",
                    path.display()
                )));
            }
            let text = std::fs::read_to_string(&path).map_err(|e| {
                TemplateError(format!("cannot read template {}: {e}", path.display()))
            })?;
            match sources.iter_mut().find(|(n, _)| n == name) {
                Some(slot) => slot.1 = text,
                None => sources.push((name.to_string(), text)),
            }
        }
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    sources.hash(&mut hasher);
    let mut tera = tera::Tera::new();
    tera.add_raw_templates(sources)
        .map_err(|e| TemplateError(format!("template error: {}", error_chain(&e))))?;
    Ok(Theme {
        tera,
        fingerprint: hasher.finish(),
    })
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[derive(Serialize)]
struct SiteView<'a> {
    title: &'a str,
    description: &'a str,
    base_url: &'a str,
    language: &'a str,
}

#[derive(Serialize, Clone)]
struct KindView {
    name: String,
    label: String,
    url: String,
    count: usize,
}

#[derive(Serialize)]
struct HomeKind<'a> {
    #[serde(flatten)]
    kind: KindView,
    /// The most linked-to notes of the kind.
    notes: Vec<&'a tera::Value>,
}

#[derive(Serialize)]
struct TagView<'a> {
    name: &'a str,
    url: String,
    count: usize,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

#[derive(Serialize)]
struct YearGroup<'a> {
    year: String,
    months: Vec<MonthGroup<'a>>,
}

#[derive(Serialize)]
struct MonthGroup<'a> {
    /// English month name, empty for dates with only a year.
    month: &'static str,
    notes: Vec<TimelineItem<'a>>,
}

#[derive(Serialize)]
struct TimelineItem<'a> {
    #[serde(flatten)]
    note: &'a tera::Value,
    tags: &'a [String],
}

#[derive(Serialize)]
struct PartView<'a> {
    text: &'a str,
    url: Option<String>,
    missing: bool,
}

#[derive(Serialize)]
struct FieldView<'a> {
    key: &'a str,
    values: Vec<Vec<PartView<'a>>>,
}

#[derive(Serialize)]
struct BacklinkView<'a> {
    note: &'a tera::Value,
    snippets: Vec<&'a Snippet>,
}

#[derive(Serialize)]
struct RelationView<'a> {
    name: &'a str,
    notes: Vec<&'a tera::Value>,
}

#[derive(Serialize)]
struct NoteView<'a> {
    title: &'a str,
    /// Markup and JSON made by Dossier, marked safe: printed as they are,
    /// without a `safe` filter copying them on every page.
    json_ld: tera::Value,
    cssclasses: &'a [String],
    kind: Option<&'a str>,
    kind_label: Option<&'a str>,
    kind_url: Option<&'a str>,
    aliases: &'a [String],
    tags: Vec<TagView<'a>>,
    date: Option<&'a str>,
    description: Option<&'a str>,
    fields: Vec<FieldView<'a>>,
    content: tera::Value,
    toc: Vec<&'a Heading>,
    backlinks: Vec<BacklinkView<'a>>,
    relations: Vec<RelationView<'a>>,
    inverse_relations: Vec<RelationView<'a>>,
    timeline: Vec<&'a tera::Value>,
    mentions: Vec<BacklinkView<'a>>,
    mentions_total: usize,
    local_graph: tera::Value,
    path: &'a str,
    url: &'a str,
}

impl NoteView<'_> {
    /// One [`prefetch::Step`] for everything the page shows of other notes.
    fn prefetch(&self, step: prefetch::Step) {
        let relations = self.relations.iter().chain(&self.inverse_relations);
        let refs = (self.backlinks.iter().chain(&self.mentions))
            .map(|b| b.note)
            .chain(self.timeline.iter().copied())
            .chain(relations.flat_map(|r| r.notes.iter().copied()));
        for note in refs {
            prefetch::note_ref(note, step);
        }
        for b in self.backlinks.iter().chain(&self.mentions) {
            for snippet in &b.snippets {
                prefetch::snippet(snippet, step);
            }
        }
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

/// Climbs from a page at `url` (relative to the site root, ending in `/`) back to the root.
fn root_from(url: &str) -> String {
    let depth = url.matches('/').count();
    if depth == 0 {
        "./".to_string()
    } else {
        "../".repeat(depth)
    }
}

/// Link to a page URL (`a/b/`), with `index.html` when `index_links` is on.
pub(crate) fn page_link(config: &Config, url: &str) -> String {
    if config.index_links {
        // Not `format!`: made for every link of every page, and the
        // formatting machinery costs several times a plain copy.
        let mut link = String::with_capacity(url.len() + "index.html".len());
        link.push_str(url);
        link.push_str("index.html");
        link
    } else {
        url.to_string()
    }
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

/// The absolute URL of a path relative to the site root, when `base_url` is set.
pub(crate) fn absolute_url(config: &Config, url: &str) -> Option<String> {
    (!config.base_url.is_empty())
        .then(|| format!("{}/{url}", config.base_url.trim_end_matches('/')))
}

/// Percent-encodes a path for use in `href`/`src`, keeping `/`.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    push_encoded_path(&mut out, path);
    out
}

/// [`encode_path`], appending to `out`.
fn push_encoded_path(out: &mut String, path: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xF)] as char);
        }
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
                url: page_link(config, &kind_url(&k.folder)),
                count: library
                    .notes
                    .iter()
                    .enumerate()
                    .filter(|(id, n)| library.published[*id] && n.kind.as_deref() == Some(&k.name))
                    .count(),
            })
            .collect();
        let site = SiteView {
            title: &config.title,
            description: &config.description,
            base_url: &config.base_url,
            language: &config.language,
        };
        let mut hasher = HashWriter(std::collections::hash_map::DefaultHasher::new());
        theme.fingerprint.hash(&mut hasher.0);
        format!("{config:?}").hash(&mut hasher.0);
        let _ = serde_json::to_writer(&mut hasher, &nav);
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
            note_kinds,
            dated,
            chrono_rank,
            seed: hasher.0.finish(),
        }
    }

    /// The configured kind of note `id`, if it has one.
    fn kind_of(&self, id: NoteId) -> Option<&'a crate::config::KindConfig> {
        self.note_kinds[id].map(|k| &self.config.kinds[k])
    }

    fn note_link(&self, id: NoteId) -> &str {
        &self.note_links[id]
    }

    /// The URL of note `id` (and of its `anchor`) from a page whose root is `root`.
    fn note_url(&self, root: &str, id: NoteId, anchor: Option<&str>) -> String {
        let link = self.note_link(id);
        let mut url =
            String::with_capacity(root.len() + link.len() + anchor.map_or(0, |a| a.len() + 1));
        url.push_str(root);
        url.push_str(link);
        if let Some(anchor) = anchor {
            url.push('#');
            push_encoded_path(&mut url, anchor);
        }
        url
    }

    /// What lists show of note `id` (`title`, `url`, `kind`, `kind_label`,
    /// `date`, `description`), as a template value made once: values are
    /// reference-counted, so every page listing the note shares it. Views
    /// borrow it, and serializing a page's context clones it once. Tera
    /// finds a key of a small map by scanning its entries in order, so the
    /// two that every list prints come first: a page reads less of each of
    /// the dozens of notes it links.
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
    /// random order, miss the processor's caches less (30k notes: render
    /// stage 2% faster).
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

    /// The URL of attachment `index` from a page whose root is `root`.
    fn attachment_url(&self, root: &str, index: usize) -> String {
        let path = &self.library.attachments[index].path;
        let mut url = String::with_capacity(root.len() + path.len());
        url.push_str(root);
        push_encoded_path(&mut url, path);
        url
    }

    /// The URL of a resolved link from a page whose root is `root` (`""` for
    /// a URL relative to the site root), or `None` when it goes nowhere.
    fn resolved_url(&self, root: &str, resolved: &Resolved) -> Option<String> {
        match resolved {
            Resolved::Note { id, anchor } => Some(self.note_url(root, *id, anchor.as_deref())),
            Resolved::Attachment(i) => Some(self.attachment_url(root, *i)),
            Resolved::SameNote { .. } | Resolved::Unpublished | Resolved::Missing(_) => None,
        }
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
            .map_err(|e| {
                TemplateError(format!(
                    "rendering {out_path} with {template}: {}",
                    error_chain(&e)
                ))
            })?;
        Ok(OutputFile::Bytes {
            path: out_path,
            contents: html,
        })
    }

    /// HTML of the body of note `id`, or of the part in `range` (an embedded
    /// section or block), for a page whose way back to the site root is `root`.
    /// `embedding` lists the notes being embedded, outermost first, to stop cycles.
    fn body_html(
        &self,
        id: NoteId,
        root: &str,
        range: Option<Range<usize>>,
        embedding: &mut Embedding,
    ) -> String {
        let lib = self.library;
        let note = &lib.notes[id];
        let offsets: Vec<usize> = note.scan.links.iter().map(|l| l.offset).collect();
        let links: Vec<LinkHtml> = note
            .scan
            .links
            .iter()
            .zip(&lib.links[id])
            .map(|(link, resolved)| self.link_html(link, resolved, root, embedding))
            .collect();
        let tag_href = |name: &str| match lib.tags.get(&name.to_lowercase()) {
            Some(tag) => format!("{root}{}", page_link(self.config, &tag.url)),
            None => format!("{root}{}", page_link(self.config, "tags/")),
        };
        markdown::render_html(
            note.body(),
            &BodyHtml {
                offsets: &offsets,
                links: &links,
                headings: &note.scan.headings,
                skip_h1: note.title_from_h1,
                tag_href: Some(&tag_href),
                found: Some(note.scan.found()),
                range,
                highlighter: Some(&self.highlighter),
            },
        )
    }

    /// How to write one link of a body on a page whose root is `root`.
    fn link_html(
        &self,
        link: &LinkRef,
        resolved: &Resolved,
        root: &str,
        embedding: &mut Embedding,
    ) -> LinkHtml {
        let lib = self.library;
        match resolved {
            Resolved::SameNote { anchor } => LinkHtml::Href(format!("#{}", encode_path(anchor))),
            Resolved::Attachment(i) if link.syntax.is_embed() => {
                let path = &lib.attachments[*i].path;
                let src = self.attachment_url(root, *i);
                let label = link
                    .labelled
                    .then_some(link.context.label())
                    .filter(|l| !l.is_empty());
                attachment_embed(path, src, label)
            }
            Resolved::Note { id, anchor } if link.syntax == LinkSyntax::WikiEmbed => {
                self.embed_html(*id, anchor.as_deref(), root, embedding)
            }
            Resolved::Missing(why) => LinkHtml::Missing(why.clone()),
            other => match self.resolved_url(root, other) {
                Some(url) => LinkHtml::Href(url),
                None => LinkHtml::Text,
            },
        }
    }

    /// A transcluded note, section (`anchor` = heading id) or block (`^id`),
    /// rendered in place with a link to its source.
    fn embed_html(
        &self,
        id: NoteId,
        anchor: Option<&str>,
        root: &str,
        embedding: &mut Embedding,
    ) -> LinkHtml {
        let note = &self.library.notes[id];
        let url = self.note_url(root, id, anchor);
        if embedding.chain.contains(&id) {
            // Reported by the link stage; stop here.
            return LinkHtml::Missing(format!(
                "embed cycle: {} is already embedded here",
                note.title
            ));
        }
        // Nested too deep, or past the page's caps (the link stage warns):
        // a link instead.
        let cost = note.body().len();
        if embedding.chain.len() > MAX_EMBED_DEPTH
            || embedding.embeds_left == 0
            || embedding.bytes_left < cost
        {
            return LinkHtml::Href(url);
        }
        embedding.embeds_left -= 1;
        embedding.bytes_left -= cost;
        let range = anchor.and_then(|anchor| embed_range(note, anchor));
        embedding.chain.push(id);
        let content = self.body_html(id, root, range, embedding);
        embedding.chain.pop();
        LinkHtml::Html(format!(
            "<div class=\"embed\"><div class=\"embed-title\"><a href=\"{}\">{}</a></div><div class=\"embed-content\">{content}</div></div>",
            markdown::escape_html(&url),
            markdown::escape_html(&match anchor {
                Some(a) if !a.starts_with('^') => format!("{} > {}", note.title, heading_text(note, a)),
                _ => note.title.clone(),
            }),
        ))
    }

    /// Every page made from a template, in a fixed order: the pages that list
    /// many notes first, so that in a parallel render they overlap with the
    /// many small note pages instead of leaving one thread busy at the end.
    pub fn pages(&self) -> Vec<Page> {
        let lib = self.library;
        let mut pages = vec![Page::Graph, Page::Timeline, Page::Home];
        pages.extend((0..self.config.kinds.len()).map(Page::Kind));
        pages.extend(lib.tags.keys().cloned().map(Page::Tag));
        pages.extend([Page::Tags, Page::NotFound]);
        pages.extend(
            (0..lib.notes.len())
                .filter(|&id| lib.published[id])
                .map(Page::Note),
        );
        pages
    }

    fn published(&self) -> impl Iterator<Item = NoteId> + '_ {
        (0..self.library.notes.len()).filter(|&id| self.library.published[id])
    }

    /// Published notes of the kind at `k` in `[[kinds]]`, by title.
    fn notes_of_kind(&self, k: usize) -> Vec<NoteId> {
        let lib = self.library;
        let name = &self.config.kinds[k].name;
        let mut ids: Vec<NoteId> = self
            .published()
            .filter(|&id| lib.notes[id].kind.as_ref() == Some(name))
            .collect();
        lib.sort_by_title(&mut ids);
        ids
    }

    fn tag_view(&self, tag: &'a crate::link::Tag) -> TagView<'a> {
        TagView {
            name: &tag.name,
            url: page_link(self.config, &tag.url),
            count: tag.notes.len(),
        }
    }

    /// Everything a page shows except a note's body, which is rendered only
    /// when the page must be written.
    fn prepare(&self, page: &Page) -> Prepared<'_> {
        let lib = self.library;
        match page {
            Page::Note(id) => {
                let note = &lib.notes[*id];
                Prepared {
                    template: "note.html",
                    url: note.url.clone(),
                    title: note.title.clone(),
                    data: PageData::Note(Box::new(self.note_view(*id))),
                }
            }
            Page::Kind(k) => {
                let kind = &self.config.kinds[*k];
                let ids = self.notes_of_kind(*k);
                Prepared {
                    template: "kind.html",
                    url: kind_url(&kind.folder),
                    title: kind.label.clone(),
                    data: PageData::Kind {
                        kind: self.nav[*k].clone(),
                        notes: ids.iter().map(|&id| self.note_ref(id)).collect(),
                    },
                }
            }
            Page::Tag(key) => {
                let tag = &lib.tags[key];
                Prepared {
                    template: "tag.html",
                    url: tag.url.clone(),
                    title: format!("#{}", tag.name),
                    data: PageData::Tag {
                        tag: self.tag_view(tag),
                        notes: tag.notes.iter().map(|&id| self.note_ref(id)).collect(),
                    },
                }
            }
            Page::Timeline => {
                let mut years: Vec<YearGroup> = Vec::new();
                // Oldest first, as a timeline reads.
                for &id in self.dated.iter().rev() {
                    let note = &lib.notes[id];
                    let date = note.date.as_deref().unwrap_or_default();
                    let year = date.get(..4).unwrap_or(date).to_string();
                    let month = date
                        .get(5..7)
                        .and_then(|m| m.parse::<usize>().ok())
                        .filter(|m| (1..=12).contains(m));
                    let month = month.map_or("", |m| MONTHS[m - 1]);
                    if years.last().is_none_or(|y| y.year != year) {
                        years.push(YearGroup {
                            year: year.clone(),
                            months: Vec::new(),
                        });
                    }
                    let months = &mut years.last_mut().expect("pushed above").months;
                    if months.last().is_none_or(|m| m.month != month) {
                        months.push(MonthGroup {
                            month,
                            notes: Vec::new(),
                        });
                    }
                    let item = TimelineItem {
                        note: self.note_ref(id),
                        tags: &note.tags,
                    };
                    months.last_mut().expect("pushed above").notes.push(item);
                }
                Prepared {
                    template: "timeline.html",
                    url: "timeline/".into(),
                    title: "Timeline".into(),
                    data: PageData::Timeline {
                        years,
                        tags: lib.tags.values().map(|t| self.tag_view(t)).collect(),
                    },
                }
            }
            Page::Graph => Prepared {
                template: "graph.html",
                url: "graph/".into(),
                title: "Graph".into(),
                data: PageData::Graph {
                    graph: explore::listing(lib, &self.note_links),
                },
            },
            Page::Tags => Prepared {
                template: "tags.html",
                url: "tags/".into(),
                title: "Tags".into(),
                data: PageData::Tags {
                    tags: lib.tags.values().map(|t| self.tag_view(t)).collect(),
                },
            },
            Page::Home => {
                let recent = &self.dated[..self.dated.len().min(self.config.recent_count)];
                let kinds = self
                    .config
                    .kinds
                    .iter()
                    .zip(&self.nav)
                    .map(|(kind, view)| {
                        let mut ids: Vec<NoteId> = self
                            .published()
                            .filter(|&id| lib.notes[id].kind.as_deref() == Some(&kind.name))
                            .collect();
                        ids.sort_by_cached_key(|&id| {
                            (
                                std::cmp::Reverse(lib.backlinks[id].len()),
                                lib.notes[id].title.to_lowercase(),
                            )
                        });
                        ids.truncate(HOME_NOTES_PER_KIND);
                        HomeKind {
                            kind: view.clone(),
                            notes: ids.iter().map(|&id| self.note_ref(id)).collect(),
                        }
                    })
                    .collect();
                let mut top_tags: Vec<TagView> =
                    lib.tags.values().map(|t| self.tag_view(t)).collect();
                top_tags.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(b.name)));
                top_tags.truncate(HOME_TAGS);
                Prepared {
                    template: "index.html",
                    url: String::new(),
                    title: self.config.title.clone(),
                    data: PageData::Home {
                        recent: recent.iter().map(|&id| self.note_ref(id)).collect(),
                        note_count: self.published().count(),
                        kinds,
                        top_tags,
                    },
                }
            }
            Page::NotFound => Prepared {
                template: "404.html",
                url: String::new(),
                title: "Page not found".into(),
                data: PageData::NotFound,
            },
        }
    }

    /// Starts loading what [`Renderer::note_view`] reads first of other
    /// notes: where the linking notes keep their links, the note refs and
    /// graph nodes of neighbours, and the links of the notes this one links.
    /// Their addresses are at hand, so every load starts at once; the view
    /// reads them a little later.
    fn prefetch_neighbours(&self, id: NoteId) {
        let lib = self.library;
        for b in &lib.backlinks[id] {
            prefetch::line(&lib.notes[b.source].scan.links);
            prefetch::line(b.links.as_ptr());
            prefetch::line(&self.note_refs[b.source]);
            prefetch::line(&self.graph_nodes[b.source]);
        }
        for link in &lib.links[id] {
            if let Resolved::Note { id: target, .. } = *link {
                prefetch::line(&self.graph_nodes[target]);
                prefetch::line(&self.note_links[target]);
            }
        }
    }

    fn note_view<'r>(&'r self, id: NoteId) -> NoteView<'r> {
        let lib = self.library;
        self.prefetch_neighbours(id);
        let note = &lib.notes[id];
        let kind = self.kind_of(id);
        let fields = note
            .fields
            .iter()
            .zip(&lib.fields[id])
            .map(|(field, values)| FieldView {
                key: &field.key,
                values: values
                    .iter()
                    .map(|parts| {
                        parts
                            .iter()
                            .map(|part| match part {
                                Part::Text(text) => PartView {
                                    text,
                                    url: None,
                                    missing: false,
                                },
                                Part::Link { label, target } => PartView {
                                    text: label,
                                    url: self.resolved_url("", target),
                                    missing: matches!(target, Resolved::Missing(_)),
                                },
                            })
                            .collect()
                    })
                    .collect(),
            })
            .collect();
        let relation_views = |list: &'r [(String, Vec<NoteId>)]| -> Vec<RelationView<'r>> {
            list.iter()
                .map(|(name, ids)| RelationView {
                    name,
                    notes: ids.iter().map(|&i| self.note_ref(i)).collect(),
                })
                .collect()
        };
        NoteView {
            title: &note.title,
            json_ld: tera::Value::safe_string(&jsonld::note_json_ld(
                lib,
                self.config,
                &self.note_links,
                id,
            )),
            cssclasses: &note.cssclasses,
            kind: kind.map(|k| k.name.as_str()),
            kind_label: kind.map(|k| k.label.as_str()),
            kind_url: kind
                .and_then(|k| self.nav.iter().find(|v| v.name == k.name))
                .map(|v| &*v.url),
            aliases: &note.aliases,
            tags: note
                .tags
                .iter()
                .filter_map(|t| lib.tags.get(&t.to_lowercase()))
                .map(|t| self.tag_view(t))
                .collect(),
            date: note.date.as_deref(),
            description: note.description.as_deref(),
            fields,
            content: tera::Value::safe_string(""),
            toc: note
                .scan
                .headings
                .iter()
                .filter(|h| !(note.title_from_h1 && h.level == 1 && h.text == note.title))
                .collect(),
            backlinks: lib.backlinks[id]
                .iter()
                .map(|b| BacklinkView {
                    note: self.note_ref(b.source),
                    snippets: b
                        .links
                        .iter()
                        .map(|&i| &lib.notes[b.source].scan.links[i].context)
                        .collect(),
                })
                .collect(),
            relations: relation_views(&lib.relations[id]),
            inverse_relations: relation_views(&lib.inverse_relations[id]),
            timeline: self
                .note_timeline(id)
                .into_iter()
                .map(|i| self.note_ref(i))
                .collect(),
            mentions: lib.mentions[id]
                .iter()
                .take(MENTIONS_SHOWN)
                .map(|m| BacklinkView {
                    note: self.note_ref(m.source),
                    snippets: vec![&m.context],
                })
                .collect(),
            mentions_total: lib.mentions[id].len(),
            local_graph: tera::Value::safe_string(&explore::local_graph(
                lib,
                self.config,
                &|i| self.graph_node(i),
                id,
            )),
            path: &note.path,
            url: self.note_link(id),
        }
    }

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
    fn note_fingerprint(&self, id: NoteId) -> u64 {
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
    fn list_fingerprint(&self, page: &Page) -> u64 {
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

    /// For actors and topics: the dated notes that link to this one or that it
    /// links to, oldest first.
    fn note_timeline(&self, id: NoteId) -> Vec<NoteId> {
        let lib = self.library;
        if !matches!(lib.notes[id].kind.as_deref(), Some("actor" | "topic")) {
            return Vec::new();
        }
        let mut ids: Vec<NoteId> = lib.backlinks[id].iter().map(|b| b.source).collect();
        ids.extend(lib.links[id].iter().filter_map(|r| match r {
            Resolved::Note { id, .. } => Some(*id),
            _ => None,
        }));
        ids.extend(
            lib.relations[id]
                .iter()
                .chain(&lib.inverse_relations[id])
                .flat_map(|(_, ids)| ids.iter().copied()),
        );
        ids.retain(|&other| other != id && lib.published[other] && lib.notes[other].date.is_some());
        ids.sort_unstable_by_key(|&other| self.chrono_rank[other]);
        ids.dedup();
        ids
    }

    /// Hashes what lists show of a note ([`Renderer::note_ref`]).
    fn ref_key(&self, id: NoteId, h: &mut impl Hasher) {
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

    fn resolved_key(&self, resolved: &Resolved, h: &mut impl Hasher) {
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
    fn content_key(&self, id: NoteId, hasher: &mut impl Hasher) {
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

    /// Where `page` is written, relative to the output folder.
    pub fn page_path(&self, page: &Page) -> String {
        let lib = self.library;
        match page {
            Page::Note(id) => format!("{}index.html", lib.notes[*id].url),
            Page::Kind(k) => format!("{}index.html", kind_url(&self.config.kinds[*k].folder)),
            Page::Tag(key) => format!(
                "{}index.html",
                lib.tags.get(key).map_or("tags/", |t| t.url.as_str())
            ),
            Page::Tags => registry::TAGS_PAGE.into(),
            Page::Timeline => registry::TIMELINE_PAGE.into(),
            Page::Graph => registry::GRAPH_PAGE.into(),
            Page::Home => registry::HOME.into(),
            Page::NotFound => registry::NOT_FOUND.into(),
        }
    }

    /// [`Renderer::render_page`], with a panic (a bug in Dossier) turned into
    /// an error naming the page's note or output path, so the process and
    /// the preview live on.
    pub fn render_page_guarded(&self, page: &Page) -> Result<OutputFile, RenderError> {
        let rendered =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.render_page(page)));
        match rendered {
            Ok(file) => Ok(file?),
            Err(payload) => {
                let source = match page {
                    Page::Note(id) => self.library.notes[*id].display_path.clone(),
                    _ => std::path::PathBuf::from(self.page_path(page)),
                };
                Err(RenderError::Internal(crate::diag::internal_error(
                    &source,
                    payload.as_ref(),
                )))
            }
        }
    }

    /// Renders one page.
    pub fn render_page(&self, page: &Page) -> Result<OutputFile, TemplateError> {
        let prepared = self.prepare(page);
        let mut context = self.base_context(&prepared.url, &prepared.title);
        let mut expected = 0;
        match prepared.data {
            PageData::Note(mut view) => {
                // Each step of loading what the page shows of other notes
                // overlaps with work that does not need it.
                view.prefetch(prefetch::Step::Headers);
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
                view.prefetch(prefetch::Step::Entries);
                context.insert("note", &view);
                view.prefetch(prefetch::Step::Text);
            }
            PageData::Kind { kind, notes } => {
                context.insert("kind", &kind);
                context.insert("notes", &notes);
            }
            PageData::Tag { tag, notes } => {
                context.insert("tag", &tag);
                context.insert("notes", &notes);
            }
            PageData::Tags { tags } => context.insert("tags", &tags),
            PageData::Graph { graph } => context.insert("graph", &graph),
            PageData::Timeline { years, tags } => {
                context.insert("years", &years);
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

    /// Files that are not template pages: feed, sitemap, robots.txt, alias
    /// redirects and attachments.
    pub fn other_files(&self) -> Vec<OutputFile> {
        let mut files = Vec::new();
        // Collecting cannot fail.
        let _ = self.each_other_file(&mut |file| {
            files.push(file);
            Ok(())
        });
        files
    }

    /// [`Renderer::other_files`], each handed to `emit` as soon as it is made:
    /// on a large site graph.json and the redirect pages are megabytes, and a
    /// build need not hold them all at once.
    fn each_other_file(
        &self,
        emit: &mut dyn FnMut(OutputFile) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let lib = self.library;
        let published: Vec<NoteId> = self.published().collect();
        let pages = feeds::page_urls(lib, self.config, &published);
        emit(self.atom())?;
        emit(self.graph())?;
        emit(feeds::sitemap(self.config, &pages))?;
        emit(feeds::robots(self.config))?;
        feeds::alias_redirects(lib, self.config, &self.note_links, &published, &pages, emit)?;
        for a in &lib.attachments {
            emit(OutputFile::Copy {
                path: a.path.clone(),
                source: a.source.clone(),
            })?;
        }
        Ok(())
    }

    /// Renders every page of the site in parallel, handing each file to `sink`.
    /// Returns the number of files.
    pub fn render_all(&self, sink: Sink) -> Result<usize, RenderError> {
        let pages = self.pages();
        self.make_note_refs();
        // Pages and the other files (feeds, graph, search index) are
        // independent; the other files go to the sink as soon as they are
        // made, so one is freed before the next is built.
        let (rendered, others) = rayon::join(
            || {
                pages
                    .par_iter()
                    .try_for_each(|page| -> Result<(), RenderError> {
                        Ok(sink(self.render_page_guarded(page)?)?)
                    })
            },
            || -> Result<usize, RenderError> {
                let mut count = 0;
                self.each_other_file(&mut |file| {
                    count += 1;
                    sink(file)
                })?;
                for file in self.search_files() {
                    sink(file)?;
                    count += 1;
                }
                Ok(count)
            },
        );
        rendered?;
        Ok(pages.len() + others?)
    }
}

/// A page made from a template.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Page {
    /// A note, by id.
    Note(NoteId),
    /// The index of the kind at this position in `[[kinds]]`.
    Kind(usize),
    /// A tag page, by lowercase tag name.
    Tag(String),
    /// The tag index.
    Tags,
    /// Every dated note in order.
    Timeline,
    /// The whole graph.
    Graph,
    /// The home page.
    Home,
    /// `404.html`.
    NotFound,
}

/// What a template page shows; serialized into a hash for [`Renderer::fingerprint`].
#[derive(Serialize)]
#[serde(untagged)]
enum PageData<'a> {
    Note(Box<NoteView<'a>>),
    Kind {
        kind: KindView,
        notes: Vec<&'a tera::Value>,
    },
    Tag {
        tag: TagView<'a>,
        notes: Vec<&'a tera::Value>,
    },
    Tags {
        tags: Vec<TagView<'a>>,
    },
    Timeline {
        years: Vec<YearGroup<'a>>,
        tags: Vec<TagView<'a>>,
    },
    Graph {
        graph: Vec<explore::GraphListing<'a>>,
    },
    Home {
        recent: Vec<&'a tera::Value>,
        note_count: usize,
        kinds: Vec<HomeKind<'a>>,
        top_tags: Vec<TagView<'a>>,
    },
    NotFound,
}

/// A page ready for its template: where it goes and what it shows.
struct Prepared<'a> {
    template: &'static str,
    /// URL relative to the site root (`actors/wang-xiaohong/`).
    url: String,
    title: String,
    data: PageData<'a>,
}

/// Feeds serialized bytes into a hasher.
struct HashWriter(std::collections::hash_map::DefaultHasher);

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Room reserved for a page besides its body and graph data: head,
/// navigation, backlinks and the aside of a typical note page.
const PAGE_FRAME_BYTES: usize = 12 * 1024;

/// Embeds nested deeper than this are cut off (cycles are stopped earlier).
const MAX_EMBED_DEPTH: usize = 8;

/// The embeds of the page being rendered: the chain of notes being
/// embedded, outermost first (to stop cycles), and what the page may
/// still embed (see [`crate::link::MAX_EMBEDS_PER_PAGE`]).
struct Embedding {
    chain: Vec<NoteId>,
    embeds_left: usize,
    bytes_left: usize,
}

impl Embedding {
    /// The embeds of note `id`'s page.
    fn page(id: NoteId) -> Embedding {
        Embedding {
            chain: vec![id],
            embeds_left: crate::link::MAX_EMBEDS_PER_PAGE,
            bytes_left: crate::link::MAX_EMBEDDED_BYTES,
        }
    }
}

/// The byte range of the section under heading `anchor`, or of block `^id`.
fn embed_range(note: &Note, anchor: &str) -> Option<Range<usize>> {
    if let Some(block) = anchor.strip_prefix('^') {
        return note
            .scan
            .block_ids
            .iter()
            .find(|b| b.id == block)
            .map(|b| b.range.clone());
    }
    let headings = &note.scan.headings;
    let i = headings.iter().position(|h| h.id == anchor)?;
    let end = headings[i + 1..]
        .iter()
        .find(|h| h.level <= headings[i].level)
        .map_or(note.body().len(), |h| h.offset);
    Some(headings[i].offset..end)
}

fn heading_text<'n>(note: &'n Note, id: &'n str) -> &'n str {
    note.scan
        .headings
        .iter()
        .find(|h| h.id == id)
        .map_or(id, |h| h.text.as_str())
}

/// HTML for an embedded attachment: image (with `|300` or `|300x200` sizes),
/// audio, video, PDF; other files become links.
fn attachment_embed(path: &str, src: String, label: Option<&str>) -> LinkHtml {
    let ext = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    let name = path.rsplit('/').next().unwrap_or(path);
    let size = label.and_then(|l| {
        let (w, h) = l.split_once('x').map_or((l, None), |(w, h)| (w, Some(h)));
        Some((
            w.trim().parse::<u32>().ok()?,
            h.and_then(|h| h.trim().parse::<u32>().ok()),
        ))
    });
    let attr = markdown::escape_html;
    match ext.as_str() {
        "png" | "jpg" | "jpeg" | "gif" | "webp" | "svg" | "avif" | "bmp" | "ico" => {
            LinkHtml::Image {
                src,
                alt: match (size, label) {
                    (None, Some(label)) => label.to_string(),
                    _ => name.to_string(),
                },
                width: size.map(|s| s.0),
                height: size.and_then(|s| s.1),
            }
        }
        "mp3" | "wav" | "m4a" | "ogg" | "flac" | "3gp" => LinkHtml::Html(format!(
            "<audio controls src=\"{}\" title=\"{}\"></audio>",
            attr(&src),
            attr(name)
        )),
        "mp4" | "webm" | "ogv" | "mov" | "mkv" => LinkHtml::Html(format!(
            "<video controls src=\"{}\" title=\"{}\"></video>",
            attr(&src),
            attr(name)
        )),
        "pdf" => LinkHtml::Html(format!(
            "<iframe class=\"embed-pdf\" src=\"{}\" title=\"{}\" loading=\"lazy\"></iframe>",
            attr(&src),
            attr(name)
        )),
        _ => LinkHtml::Href(src),
    }
}

/// Static assets: the built-in theme's, then `themes/<theme>/static/`, then the
/// site's own `static/`; later ones replace earlier files of the same path.
pub fn static_files(root: &Path, config: &Config) -> Vec<OutputFile> {
    let mut files: Vec<OutputFile> = BUILTIN_STATIC
        .iter()
        .map(|(path, bytes)| OutputFile::Bytes {
            path: path.to_string(),
            contents: bytes.to_vec(),
        })
        .collect();
    files.push(OutputFile::Bytes {
        path: "syntax.css".into(),
        contents: markdown::highlight::stylesheet().into_bytes(),
    });
    for dir in [
        root.join("themes").join(&config.theme).join("static"),
        root.join("static"),
    ] {
        for entry in walkdir::WalkDir::new(&dir)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
        {
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(rel) = entry.path().strip_prefix(&dir) else {
                continue;
            };
            let Some(rel) = rel.to_str().map(|s| s.replace('\\', "/")) else {
                continue;
            };
            files.retain(|f| f.path() != rel);
            files.push(OutputFile::Copy {
                path: rel,
                source: entry.into_path(),
            });
        }
    }
    files
}

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
