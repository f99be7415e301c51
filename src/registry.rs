//! Every path Dossier writes into the output folder, and who owns it.
//!
//! The renderer takes the names of the files it generates from here, and
//! [`clashes`] checks every note, attachment and generated page against the
//! same list, so a note named `graph.md` or a file `content/index.html` is an
//! error naming both owners instead of silently replacing a generated file.

use rustc_hash::FxHashMap;

use crate::diag::Diagnostic;
use crate::load::{Attachment, Note};

/// The home page.
pub const HOME: &str = "index.html";
/// The page for unknown URLs.
pub const NOT_FOUND: &str = "404.html";
/// The graph page.
pub const GRAPH_PAGE: &str = "graph/index.html";
/// The tag index.
pub const TAGS_PAGE: &str = "tags/index.html";
/// The timeline.
pub const TIMELINE_PAGE: &str = "timeline/index.html";
/// The Atom feed.
pub const ATOM: &str = "atom.xml";
/// The sitemap.
pub const SITEMAP: &str = "sitemap.xml";
/// robots.txt.
pub const ROBOTS: &str = "robots.txt";
/// The site's graph data, fetched once by every page's graph.
pub const GRAPH_DATA: &str = "graph.json";
/// The folder of the search index's files.
pub const SEARCH_DIR: &str = "search/";

/// The file a page at `url` (`actors/wang/`, `tags/x/`) is written to.
pub fn page_file(url: &str) -> String {
    format!("{url}index.html")
}

/// Generated files at fixed paths, with what a message calls them. Theme
/// assets (`style.css`, ...) are not here: a site's `static/` folder may
/// replace them on purpose.
pub const FIXED: [(&str, &str); 9] = [
    (HOME, "the home page"),
    (NOT_FOUND, "the 404 page"),
    (GRAPH_PAGE, "the graph page"),
    (TAGS_PAGE, "the tag index"),
    (TIMELINE_PAGE, "the timeline"),
    (ATOM, "the Atom feed"),
    (SITEMAP, "the sitemap"),
    (ROBOTS, "robots.txt"),
    (GRAPH_DATA, "the graph data"),
];

/// What an output path belongs to; described only when two claim it.
enum Owner<'a> {
    Generated(&'a str),
    Note(usize),
    Attachment(usize),
}

/// Published notes, attachments and generated pages (`pages`: each page's
/// output path and what it is) that would be written to the same path: one
/// error per clash, on the user's file, naming both owners.
pub fn clashes(
    notes: &[Note],
    published: &[bool],
    attachments: &[Attachment],
    pages: &[(String, String)],
) -> Vec<Diagnostic> {
    let mut owners: FxHashMap<String, Owner> = FxHashMap::with_capacity_and_hasher(
        notes.len() + attachments.len() + pages.len() + FIXED.len(),
        Default::default(),
    );
    for (path, what) in FIXED {
        owners.insert(path.to_string(), Owner::Generated(what));
    }
    for (path, what) in pages {
        owners.entry(path.clone()).or_insert(Owner::Generated(what));
    }
    let describe = |owner: &Owner| match owner {
        Owner::Generated(what) => what.to_string(),
        Owner::Note(id) => notes[*id].display_path.display().to_string(),
        Owner::Attachment(i) => attachments[*i].display_path.display().to_string(),
    };
    let notes_claims = notes
        .iter()
        .enumerate()
        .filter(|&(id, _)| published[id])
        .map(|(id, note)| (page_file(&note.url), Owner::Note(id), &note.display_path));
    let attachment_claims = attachments
        .iter()
        .enumerate()
        .map(|(i, a)| (a.path.clone(), Owner::Attachment(i), &a.display_path));
    let mut diagnostics = Vec::new();
    for (path, owner, shown) in notes_claims.chain(attachment_claims) {
        let previous = match owners.get(&path) {
            Some(previous) => describe(previous),
            None if path.starts_with(SEARCH_DIR) => "the search index".to_string(),
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
