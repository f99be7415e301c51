//! Machine-readable files beside the pages: the Atom feed, the sitemap,
//! robots.txt, and redirect pages for aliases.

use crate::registry;
use std::borrow::Cow;
use std::fmt::Write as _;

use super::{absolute_url, root_from, OutputFile};
use crate::config::Config;
use crate::link::{Library, NoteId};
use crate::markdown::escape_html as escape;
use crate::slug::slugify;

/// How many dated notes the feed carries.
const FEED_ENTRIES: usize = 50;

/// A note date (`2025`, `2025-03`, `2025-03-04`, `2025-03-04 10:00`, or full
/// RFC 3339) as RFC 3339, which Atom requires.
pub fn rfc3339(date: &str) -> String {
    crate::date::NoteDate::parse(date)
        .map_or_else(|| "1970-01-01T00:00:00Z".to_string(), |d| d.rfc3339())
}

/// `atom.xml`: the most recent dated notes.
/// `links[id]` is note `id`'s link from the site root, as the renderer keeps it.
pub fn atom(lib: &Library, config: &Config, links: &[String], dated: &[NoteId]) -> OutputFile {
    let link = |url: &str| absolute_url(config, url).unwrap_or_else(|| url.to_string());
    let id_for =
        |url: &str| absolute_url(config, url).unwrap_or_else(|| format!("urn:dossier:{url}"));
    let mut xml = String::with_capacity(512 + dated.len() * 400);
    xml.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    let _ = writeln!(
        xml,
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">",
        escape(&config.language)
    );
    let _ = writeln!(xml, "  <title>{}</title>", escape(&config.title));
    if !config.description.is_empty() {
        let _ = writeln!(
            xml,
            "  <subtitle>{}</subtitle>",
            escape(&config.description)
        );
    }
    let _ = writeln!(
        xml,
        "  <link href=\"{}\" rel=\"self\" type=\"application/atom+xml\"/>",
        escape(&link("atom.xml"))
    );
    let _ = writeln!(xml, "  <link href=\"{}\"/>", escape(&link("")));
    let updated = dated
        .first()
        .and_then(|&id| lib.notes[id].date.as_deref())
        .map_or_else(|| rfc3339("1970"), rfc3339);
    let _ = writeln!(xml, "  <updated>{updated}</updated>");
    let _ = writeln!(xml, "  <id>{}</id>", escape(&id_for("")));
    let _ = writeln!(xml, "  <generator>Dossier</generator>");
    for &id in dated.iter().take(FEED_ENTRIES) {
        let note = &lib.notes[id];
        let url = &links[id];
        let _ = writeln!(xml, "  <entry>");
        let _ = writeln!(xml, "    <title>{}</title>", escape(&note.title));
        let _ = writeln!(xml, "    <link href=\"{}\"/>", escape(&link(url)));
        let _ = writeln!(xml, "    <id>{}</id>", escape(&id_for(&note.url)));
        let _ = writeln!(
            xml,
            "    <updated>{}</updated>",
            rfc3339(note.date.as_deref().unwrap_or("1970"))
        );
        if let Some(description) = &note.description {
            let _ = writeln!(xml, "    <summary>{}</summary>", escape(description));
        }
        for tag in &note.tags {
            let _ = writeln!(xml, "    <category term=\"{}\"/>", escape(tag));
        }
        let _ = writeln!(xml, "  </entry>");
    }
    xml.push_str("</feed>\n");
    OutputFile::Bytes {
        path: registry::File::Atom.path().unwrap_or_default().into(),
        contents: xml.into_bytes(),
    }
}

/// `sitemap.xml`: every page. Locations are absolute when `base_url` is set
/// (as the sitemap protocol requires), relative to the site root otherwise.
pub fn sitemap(config: &Config, pages: &[String]) -> OutputFile {
    let mut xml = String::with_capacity(128 + pages.len() * 100);
    xml.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    xml.push_str("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for url in pages {
        let loc = absolute_url(config, url).unwrap_or_else(|| url.clone());
        let _ = writeln!(xml, "  <url><loc>{}</loc></url>", escape(&loc));
    }
    xml.push_str("</urlset>\n");
    OutputFile::Bytes {
        path: registry::File::Sitemap.path().unwrap_or_default().into(),
        contents: xml.into_bytes(),
    }
}

/// `robots.txt`, pointing at the sitemap when the site's address is known.
pub fn robots(config: &Config) -> OutputFile {
    let mut text = String::from("User-agent: *\nAllow: /\n");
    if let Some(sitemap) = absolute_url(config, "sitemap.xml") {
        let _ = writeln!(text, "Sitemap: {sitemap}");
    }
    OutputFile::Bytes {
        path: registry::File::Robots.path().unwrap_or_default().into(),
        contents: text.into_bytes(),
    }
}

/// A tiny page at each alias's URL (beside the note) that sends the reader on
/// to the note, so links to old names keep working. Real pages win.
/// Each page goes to `emit` as soon as it is made.
pub fn alias_redirects(
    lib: &Library,
    config: &Config,
    links: &[String],
    published: &[NoteId],
    taken: &[String],
    emit: &mut dyn FnMut(OutputFile) -> std::io::Result<()>,
) -> std::io::Result<()> {
    // Every page's URL, and the redirects' as they are made.
    let mut taken: rustc_hash::FxHashSet<Cow<'_, str>> = taken
        .iter()
        .map(|url| Cow::Borrowed(url.as_str()))
        .collect();
    for &id in published {
        let note = &lib.notes[id];
        let folder = note
            .url
            .trim_end_matches('/')
            .rsplit_once('/')
            .map_or("", |(dir, _)| dir);
        for alias in &note.aliases {
            let slug = slugify(alias);
            if slug.is_empty() {
                continue;
            }
            let url = if folder.is_empty() {
                format!("{slug}/")
            } else {
                format!("{folder}/{slug}/")
            };
            if taken.contains(url.as_str()) {
                continue;
            }
            let target = format!("{}{}", root_from(&url), links[id]);
            let canonical = absolute_url(config, &note.url).unwrap_or_else(|| target.clone());
            let html = format!(
                "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n\
                 <link rel=\"canonical\" href=\"{canonical}\">\n<meta name=\"robots\" content=\"noindex\">\n\
                 <meta http-equiv=\"refresh\" content=\"0; url={target}\">\n</head>\n<body>\n\
                 <p>{alias} is now <a href=\"{target}\">{title}</a>.</p>\n</body>\n</html>\n",
                lang = escape(&config.language),
                title = escape(&note.title),
                canonical = escape(&canonical),
                target = escape(&target),
                alias = escape(alias),
            );
            emit(OutputFile::Bytes {
                path: format!("{url}index.html"),
                contents: html.into_bytes(),
            })?;
            taken.insert(Cow::Owned(url));
        }
    }
    Ok(())
}
