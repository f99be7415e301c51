//! A note's body as HTML: its Markdown with every link written as the link
//! stage resolved it, and embeds rendered in place within the page's caps.

use super::*;

/// Embeds nested deeper than this are cut off (cycles are stopped earlier).
pub(super) const MAX_EMBED_DEPTH: usize = 8;

/// The embeds of the page being rendered: the chain of notes being
/// embedded, outermost first (to stop cycles), and what the page may
/// still embed (see [`crate::link::MAX_EMBEDS_PER_PAGE`]).
pub(super) struct Embedding {
    pub(super) chain: Vec<NoteId>,
    pub(super) embeds_left: usize,
    pub(super) bytes_left: usize,
}

impl Embedding {
    /// The embeds of note `id`'s page.
    pub(super) fn page(id: NoteId) -> Embedding {
        Embedding {
            chain: vec![id],
            embeds_left: crate::link::MAX_EMBEDS_PER_PAGE,
            bytes_left: crate::link::MAX_EMBEDDED_BYTES,
        }
    }
}

/// The byte range of the section under heading `anchor`, or of block `^id`.
pub(super) fn embed_range(note: &Note, anchor: &str) -> Option<Range<usize>> {
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

pub(super) fn heading_text<'n>(note: &'n Note, id: &'n str) -> &'n str {
    note.scan
        .headings
        .iter()
        .find(|h| h.id == id)
        .map_or(id, |h| h.text.as_str())
}

/// HTML for an embedded attachment: image (with `|300` or `|300x200` sizes),
/// audio, video, PDF; other files become links.
pub(super) fn attachment_embed(path: &str, src: String, label: Option<&str>) -> LinkHtml {
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

impl<'a> Renderer<'a> {
    /// HTML of the body of note `id`, or of the part in `range` (an embedded
    /// section or block), for a page whose way back to the site root is `root`.
    /// `embedding` lists the notes being embedded, outermost first, to stop cycles.
    pub(super) fn body_html(
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
            Some(tag) => format!("{root}{}", page_link(self.config, &tag_url(&tag.name))),
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
    pub(super) fn link_html(
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
    pub(super) fn embed_html(
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
}
