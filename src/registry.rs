//! Every file Dossier writes into the output folder, and what it depends on.
//!
//! The renderer asks [`pages`] which template pages to render and
//! [`File::ALL`] which other files to make; the sitemap lists [`pages`];
//! [`clashes`] checks every note and attachment against the same list, so a
//! note named `graph.md` or a file `content/index.html` is an error naming
//! both owners instead of silently replacing a generated file; and the
//! preview asks [`File::changes_with`] which files an edit can change.
//! Adding a generated page is one variant of [`Page`] and one line in [`pages`].

use std::borrow::Cow;

use rustc_hash::FxHashMap;

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::link::{Library, NoteId};
use crate::slug::slugify;

/// The folder of the search index's files.
pub const SEARCH_DIR: &str = "search/";
/// Notes listed on one page of a kind index, a tag page or the timeline: a
/// list page's size never grows with the site; later pages are at `page/2/`.
pub const NOTES_PER_PAGE: usize = 200;

/// A page made from a template.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Page {
    /// A note, by id.
    Note(NoteId),
    /// The index of the kind at this position in `[[kinds]]`, and the
    /// page number (from 1).
    Kind(usize, usize),
    /// A tag page, by lowercase tag name, and the page number (from 1).
    Tag(String, usize),
    /// The tag index.
    Tags,
    /// Every dated note in order; the page number (from 1).
    Timeline(usize),
    /// The whole graph.
    Graph,
    /// The home page.
    Home,
    /// `404.html`.
    NotFound,
}

/// Every template page of the site, in a fixed order: the pages that list
/// many notes first, so that in a parallel render they overlap with the many
/// small note pages instead of leaving one thread busy at the end.
pub fn pages(lib: &Library, config: &Config) -> Vec<Page> {
    let mut pages = vec![Page::Home, Page::Tags];
    let dated = (0..lib.notes.len())
        .filter(|&id| lib.published[id] && lib.notes[id].date.is_some())
        .count();
    pages.extend((1..=page_count(dated)).map(Page::Timeline));
    pages.push(Page::Graph);
    let mut per_kind = vec![0; config.kinds.len()];
    for (id, note) in lib.notes.iter().enumerate() {
        let kind = note.kind.as_ref().filter(|_| lib.published[id]);
        if let Some(k) = kind.and_then(|kind| config.kinds.iter().position(|k| &k.name == kind)) {
            per_kind[k] += 1;
        }
    }
    for (k, count) in per_kind.into_iter().enumerate() {
        pages.extend((1..=page_count(count)).map(|n| Page::Kind(k, n)));
    }
    for (key, tag) in &lib.tags {
        pages.extend((1..=page_count(tag.notes.len())).map(|n| Page::Tag(key.clone(), n)));
    }
    pages.push(Page::NotFound);
    pages.extend(
        (0..lib.notes.len())
            .filter(|&id| lib.published[id])
            .map(Page::Note),
    );
    pages
}

/// How many pages a list of `notes` notes takes (one, even when empty).
pub fn page_count(notes: usize) -> usize {
    notes.div_ceil(NOTES_PER_PAGE).max(1)
}

/// The URL of page `n` of a list whose first page is at `base`.
pub fn paged_url(base: &str, n: usize) -> String {
    if n <= 1 {
        base.to_string()
    } else {
        format!("{base}page/{n}/")
    }
}

impl Page {
    /// The page's URL relative to the site root (`actors/wang/`, `""` for
    /// the home page); `None` for the 404 page, which has no URL of its own.
    pub fn url<'a>(&self, lib: &'a Library, config: &Config) -> Option<Cow<'a, str>> {
        Some(match self {
            Page::Note(id) => Cow::Borrowed(lib.notes[*id].url.as_str()),
            Page::Kind(k, n) => Cow::Owned(paged_url(&kind_url(&config.kinds[*k].folder), *n)),
            Page::Tag(key, n) => Cow::Owned(paged_url(
                &tag_url(lib.tags.get(key).map_or("", |t| &t.name)),
                *n,
            )),
            Page::Tags => Cow::Borrowed("tags/"),
            Page::Timeline(n) => Cow::Owned(paged_url("timeline/", *n)),
            Page::Graph => Cow::Borrowed("graph/"),
            Page::Home => Cow::Borrowed(""),
            Page::NotFound => return None,
        })
    }

    /// The file the page is written to, relative to the output folder.
    pub fn path(&self, lib: &Library, config: &Config) -> String {
        match self.url(lib, config) {
            Some(url) => page_file(&url),
            None => "404.html".to_string(),
        }
    }

    /// What a message calls the page.
    fn describe(&self, lib: &Library, config: &Config) -> String {
        match self {
            Page::Note(id) => lib.notes[*id].display_path.display().to_string(),
            Page::Kind(k, n) => format!(
                "the {} index page{}",
                config.kinds[*k].label,
                page_suffix(*n)
            ),
            Page::Tag(key, n) => format!(
                "the page of tag #{}{}",
                lib.tags.get(key).map_or("", |t| &t.name),
                page_suffix(*n)
            ),
            Page::Tags => "the tag index".into(),
            Page::Timeline(n) => format!("the timeline{}", page_suffix(*n)),
            Page::Graph => "the graph page".into(),
            Page::Home => "the home page".into(),
            Page::NotFound => "the 404 page".into(),
        }
    }
}

/// ` (page N)` after a list page's name, for pages after the first.
fn page_suffix(n: usize) -> String {
    if n > 1 {
        format!(" (page {n})")
    } else {
        String::new()
    }
}

/// A generated file (or set of files) that is not a template page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum File {
    /// `atom.xml`.
    Atom,
    /// `graph.json`, fetched once by every page's graph.
    GraphData,
    /// `sitemap.xml`.
    Sitemap,
    /// `robots.txt`.
    Robots,
    /// A redirect page at each alias's URL.
    Redirects,
    /// The attachments published notes use, copied.
    Attachments,
    /// The search index's files, under [`SEARCH_DIR`].
    Search,
}

/// What a file's bytes depend on besides settings and templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// Only which notes, names, tags and attachments the site has.
    Layout,
    /// Also the text of notes.
    Text,
    /// Also the links and relations between notes, and their kinds.
    Edges,
}

impl File {
    /// Every generated file that is not a template page, in the order they are made.
    pub const ALL: [File; 7] = [
        File::Atom,
        File::GraphData,
        File::Sitemap,
        File::Robots,
        File::Redirects,
        File::Attachments,
        File::Search,
    ];

    /// The path of a single file; `None` for a set (redirects, attachments, search).
    pub fn path(self) -> Option<&'static str> {
        match self {
            File::Atom => Some("atom.xml"),
            File::GraphData => Some("graph.json"),
            File::Sitemap => Some("sitemap.xml"),
            File::Robots => Some("robots.txt"),
            File::Redirects | File::Attachments | File::Search => None,
        }
    }

    /// What can change the file when settings and templates stay.
    pub fn changes_with(self) -> Input {
        match self {
            // Which attachments go out depends on which notes link to them.
            File::Atom | File::Search | File::Attachments => Input::Text,
            File::GraphData => Input::Edges,
            File::Sitemap | File::Robots | File::Redirects => Input::Layout,
        }
    }

    /// What a message calls the file.
    fn describe(self) -> &'static str {
        match self {
            File::Atom => "the Atom feed",
            File::GraphData => "the graph data",
            File::Sitemap => "the sitemap",
            File::Robots => "robots.txt",
            File::Redirects => "an alias redirect",
            File::Attachments => "an attachment",
            File::Search => "the search index",
        }
    }
}

/// The file a page at `url` (`actors/wang/`, `tags/x/`) is written to.
pub fn page_file(url: &str) -> String {
    let mut path = String::with_capacity(url.len() + "index.html".len());
    path.push_str(url);
    path.push_str("index.html");
    path
}

/// URL of a kind's index page.
pub fn kind_url(folder: &str) -> String {
    format!("{}/", slugify(folder))
}

/// URL of a tag's page: `Trade/Tariffs` → `tags/trade/tariffs/`.
pub fn tag_url(name: &str) -> String {
    let mut url = String::from("tags/");
    for segment in name.split('/') {
        let slug = slugify(segment);
        url.push_str(if slug.is_empty() { "tag" } else { &slug });
        url.push('/');
    }
    url
}

/// What an output path belongs to; described only when two claim it.
enum Owner {
    Generated(String),
    Note(NoteId),
    Attachment(usize),
}

/// Published notes and attachments that would be written to the same path
/// as each other or as a generated file: one error per clash, on the user's
/// file, naming both owners. Alias redirects give way to real pages, so they
/// never clash.
pub fn clashes(lib: &Library, config: &Config) -> Vec<Diagnostic> {
    let all_pages = pages(lib, config);
    let mut owners: FxHashMap<String, Owner> = FxHashMap::with_capacity_and_hasher(
        all_pages.len() + lib.attachments.len() + File::ALL.len(),
        Default::default(),
    );
    for file in File::ALL {
        if let Some(path) = file.path() {
            owners.insert(path.to_string(), Owner::Generated(file.describe().into()));
        }
    }
    for page in all_pages.iter().filter(|p| !matches!(p, Page::Note(_))) {
        owners
            .entry(page.path(lib, config))
            .or_insert_with(|| Owner::Generated(page.describe(lib, config)));
    }
    let describe = |owner: &Owner| match owner {
        Owner::Generated(what) => what.clone(),
        Owner::Note(id) => Page::Note(*id).describe(lib, config),
        Owner::Attachment(i) => lib.attachments[*i].display_path.display().to_string(),
    };
    let notes_claims = all_pages.iter().filter_map(|page| match page {
        Page::Note(id) => Some((
            page_file(&lib.notes[*id].url),
            Owner::Note(*id),
            &lib.notes[*id].display_path,
        )),
        _ => None,
    });
    let attachment_claims = lib
        .attachments
        .iter()
        .enumerate()
        .filter(|&(i, _)| lib.attachment_used[i])
        .map(|(i, a)| (a.path.clone(), Owner::Attachment(i), &a.display_path));
    let mut diagnostics = Vec::new();
    for (path, owner, shown) in notes_claims.chain(attachment_claims) {
        let previous = match owners.get(&path) {
            Some(previous) => describe(previous),
            None if path.starts_with(SEARCH_DIR) => File::Search.describe().to_string(),
            None => {
                owners.insert(path, owner);
                continue;
            }
        };
        diagnostics.push(
            Diagnostic::error(
                shown.clone(),
                0,
                0,
                format!(
                    "{} and {previous} would both be published at /{}",
                    shown.display(),
                    path.strip_suffix("index.html").unwrap_or(&path)
                ),
            )
            .with_help("rename or move one of them"),
        );
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_urls_nest_and_never_leave_an_empty_segment() {
        assert_eq!(tag_url("Trade/Tariffs"), "tags/trade/tariffs/");
        assert_eq!(tag_url("日本/!!"), "tags/日本/tag/");
    }
}
