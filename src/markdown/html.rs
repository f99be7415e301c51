//! The render stage's writing of a body: HTML from the same events the
//! scan read, each link written as the link stage resolved it.

use super::*;

/// How the renderer writes one link found by [`scan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkHtml {
    /// A link to this (relative) URL.
    Href(String),
    /// An image with this source, alt text and size.
    Image {
        src: String,
        alt: String,
        width: Option<u32>,
        height: Option<u32>,
    },
    /// Ready-made HTML replacing the link: audio, video, PDF and note embeds.
    Html(String),
    /// A broken link, drawn as marked text with this explanation as tooltip.
    Missing(String),
    /// Plain text (e.g. a link to an unpublished draft).
    Text,
}

/// What [`render_html`] needs besides the body.
pub struct BodyHtml<'a> {
    /// Byte offsets of the links [`scan`] found, ascending.
    pub offsets: &'a [usize],
    /// How to write each of those links.
    pub links: &'a [LinkHtml],
    /// The headings [`scan`] found, for their ids.
    pub headings: &'a [Heading],
    /// Drop the first H1 (already shown as the page title).
    pub skip_h1: bool,
    /// Links for inline `#tags`.
    pub tag_href: dialect::TagHref<'a>,
    /// What [`scan`] found in the same body.
    pub found: Option<dialect::Found>,
    /// Render only the blocks within this byte range (a section or block embed).
    pub range: Option<std::ops::Range<usize>>,
    /// Syntax highlighting for fenced code.
    pub highlighter: Option<&'a highlight::Highlighter>,
}

/// Renders `body` to HTML.
pub fn render_html(body: &str, options: &BodyHtml) -> String {
    let mut html = String::with_capacity(body.len() * 3 / 2);
    let mut events = dialect::parse(body, options.tag_href, options.found).events;
    if let Some(range) = &options.range {
        events.retain(|(_, r)| r.start >= range.start && r.end <= range.end);
    }
    let mut writer = LinkWriter {
        offsets: options.offsets,
        links: options.links,
        ends: Vec::new(),
    };
    let unwrap = block_embed_paragraphs(&events, &writer);
    let mut heading_index = options
        .headings
        .partition_point(|h| h.offset < options.range.as_ref().map_or(0, |r| r.start));
    let mut skipping_h1 = false;
    let mut h1_pending = options.skip_h1;
    let mut code: Option<(String, String)> = None;

    let events = events
        .into_iter()
        .enumerate()
        .filter_map(|(index, (event, range))| {
            if skipping_h1 {
                skipping_h1 = !matches!(event, Event::End(TagEnd::Heading(_)));
                return None;
            }
            if let Some((_, text)) = code.as_mut() {
                return match event {
                    Event::Text(t) => {
                        text.push_str(&t);
                        None
                    }
                    Event::End(TagEnd::CodeBlock) => {
                        let (lang, text) = code.take().unwrap_or_default();
                        Some(Event::Html(
                            code_block(&lang, &text, options.highlighter).into(),
                        ))
                    }
                    _ => None,
                };
            }
            match event {
                Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph)
                    if unwrap.contains(&index) =>
                {
                    None
                }
                Event::Start(Tag::CodeBlock(pulldown_cmark::CodeBlockKind::Fenced(lang)))
                    if options.highlighter.is_some() =>
                {
                    code = Some((lang.to_string(), String::new()));
                    None
                }
                Event::Start(Tag::Heading {
                    level,
                    id: _,
                    classes,
                    attrs,
                }) => {
                    let id = options
                        .headings
                        .get(heading_index)
                        .map(|h| CowStr::from(h.id.clone()));
                    heading_index += 1;
                    if h1_pending && level == HeadingLevel::H1 {
                        h1_pending = false;
                        skipping_h1 = true;
                        return None;
                    }
                    Some(Event::Start(Tag::Heading {
                        level,
                        id,
                        classes,
                        attrs,
                    }))
                }
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }) => Some(writer.open(false, link_type, dest_url, title, id, range.start)),
                Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }) => Some(writer.open(true, link_type, dest_url, title, id, range.start)),
                Event::End(TagEnd::Link | TagEnd::Image) => match writer.ends.pop() {
                    Some((Some(end), _)) => Some(end),
                    _ => Some(event),
                },
                _ if writer.inside_replaced_label() => None,
                other => Some(other),
            }
        });
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

/// `<pre><code>` for a fenced block, highlighted when the language is known.
pub(super) fn code_block(
    lang: &str,
    code: &str,
    highlighter: Option<&highlight::Highlighter>,
) -> String {
    let class = lang
        .split_whitespace()
        .next()
        .map(|l| format!(" class=\"language-{}\"", escape_html(l)))
        .unwrap_or_default();
    match highlighter.and_then(|h| h.highlight(lang, code)) {
        Some(highlighted) => {
            format!("<pre class=\"highlight\"><code{class}>{highlighted}</code></pre>\n")
        }
        None => format!("<pre><code{class}>{}</code></pre>\n", escape_html(code)),
    }
}

/// Indices of `<p>` start and end events around an embed that stands alone in
/// its paragraph: the embed is a block of its own and must not sit inside `<p>`.
pub(super) fn block_embed_paragraphs(
    events: &[dialect::Spanned],
    writer: &LinkWriter,
) -> HashSet<usize> {
    let mut unwrap = HashSet::new();
    for (i, window) in events.windows(2).enumerate() {
        let (Event::Start(Tag::Paragraph), (Event::Start(Tag::Image { .. }), range)) =
            (&window[0].0, &window[1])
        else {
            continue;
        };
        if !matches!(writer.action(range.start), Some(LinkHtml::Html(html)) if html.starts_with("<div"))
        {
            continue;
        }
        let Some(end) = events[i + 1..]
            .iter()
            .position(|(e, _)| matches!(e, Event::End(TagEnd::Image)))
        else {
            continue;
        };
        if matches!(
            events.get(i + 1 + end + 1),
            Some((Event::End(TagEnd::Paragraph), _))
        ) {
            unwrap.insert(i);
            unwrap.insert(i + 1 + end + 1);
        }
    }
    unwrap
}

/// Rewrites link and image events as the link stage resolved them.
pub(super) struct LinkWriter<'a> {
    pub(super) offsets: &'a [usize],
    pub(super) links: &'a [LinkHtml],
    /// For each open link or image: the end event to emit instead of the
    /// parser's, and whether its inner text is replaced.
    pub(super) ends: Vec<(Option<Event<'static>>, bool)>,
}

impl LinkWriter<'_> {
    pub(super) fn inside_replaced_label(&self) -> bool {
        matches!(self.ends.last(), Some((_, true)))
    }

    pub(super) fn action(&self, offset: usize) -> Option<&LinkHtml> {
        self.offsets
            .binary_search(&offset)
            .ok()
            .and_then(|i| self.links.get(i))
    }

    pub(super) fn open<'e>(
        &mut self,
        is_image: bool,
        link_type: LinkType,
        dest_url: CowStr<'e>,
        title: CowStr<'e>,
        id: CowStr<'e>,
        offset: usize,
    ) -> Event<'e> {
        let (open, close) = match self.action(offset) {
            None => {
                // Not ours (an external URL): leave it to the parser's writer.
                self.ends.push((None, false));
                let tag = if is_image {
                    Tag::Image {
                        link_type,
                        dest_url,
                        title,
                        id,
                    }
                } else {
                    Tag::Link {
                        link_type,
                        dest_url,
                        title,
                        id,
                    }
                };
                return Event::Start(tag);
            }
            Some(LinkHtml::Image {
                src,
                alt,
                width,
                height,
            }) => {
                let size = |name: &str, v: &Option<u32>| {
                    v.map(|v| format!(" {name}=\"{v}\"")).unwrap_or_default()
                };
                let html = format!(
                    "<img src=\"{}\" alt=\"{}\"{}{} loading=\"lazy\">",
                    escape_html(src),
                    escape_html(alt),
                    size("width", width),
                    size("height", height)
                );
                (html, "")
            }
            Some(LinkHtml::Html(html)) => (html.clone(), ""),
            Some(LinkHtml::Href(href)) => {
                let mut html = String::with_capacity(href.len() + 64);
                html.push_str("<a href=\"");
                push_escaped(&mut html, href);
                html.push('"');
                if is_image {
                    html.push_str(" class=\"embed-link\"");
                }
                if !title.is_empty() {
                    html.push_str(" title=\"");
                    push_escaped(&mut html, &title);
                    html.push('"');
                }
                html.push('>');
                (html, "</a>")
            }
            Some(LinkHtml::Missing(why)) => (
                format!(
                    "<span class=\"missing-link\" title=\"{}\">",
                    escape_html(why)
                ),
                "</span>",
            ),
            Some(LinkHtml::Text) => ("<span class=\"unpublished-link\">".to_string(), "</span>"),
        };
        if close.is_empty() {
            // Complete HTML: drop the link's inner text.
            self.ends.push((Some(Event::InlineHtml("".into())), true));
            return Event::InlineHtml(open.into());
        }
        // Unlabelled wikilinks and embeds show our label instead of their inner text.
        let replace_inner =
            is_image || matches!(link_type, LinkType::WikiLink { has_pothole: false });
        self.ends
            .push((Some(Event::InlineHtml(close.into())), replace_inner));
        let mut open = open;
        if replace_inner {
            push_escaped(&mut open, &wiki_label(&dest_url));
        }
        Event::InlineHtml(open.into())
    }
}

/// Escapes `&`, `<`, `>`, `"` and `'`, safe for element content and quoted attributes.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    push_escaped(&mut out, s);
    out
}

/// Appends [`escape_html`] of `s` to `out`, copying the runs between
/// special characters whole.
pub fn push_escaped(out: &mut String, s: &str) {
    let mut done = 0;
    for (i, b) in s.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            // Control characters XML cannot carry (a feed would be ill-formed).
            0..=0x08 | 0x0b | 0x0c | 0x0e..=0x1f | 0x7f => "\u{fffd}",
            _ => continue,
        };
        // Special characters are ASCII, so `i` is a character boundary.
        out.push_str(&s[done..i]);
        out.push_str(entity);
        done = i + 1;
    }
    out.push_str(&s[done..]);
}
