//! The one place Dossier's Markdown dialect is defined.
//!
//! The load stage [`scan`]s a note body for its headings and links; the render
//! stage turns the same body into HTML with [`render_html`]. Both run the parser
//! with [`options`], so the byte offsets the scan records identify the same link
//! events the renderer sees.

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Tag, TagEnd};
use std::collections::HashSet;

use crate::diag::floor_char_boundary;
use crate::slug::slugify;

pub mod dialect;
pub mod highlight;
mod html;
mod scan;
mod snippet;

pub use html::{escape_html, push_escaped, render_html, BodyHtml, LinkHtml};
pub use scan::{percent_decode, scan, split_wiki_target, wiki_label, Prose, Scan};
pub use snippet::Snippet;

/// Parser options shared by every stage.
pub fn options() -> Options {
    Options::ENABLE_WIKILINKS
        | Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// How a link was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkSyntax {
    /// `[[Target]]`, `[[Target|label]]`, `[[Target#Heading]]`.
    Wiki,
    /// `![[Target]]`.
    WikiEmbed,
    /// `[label](relative/path.md)`.
    Markdown,
    /// `![alt](relative/image.png)`.
    MarkdownImage,
}

impl LinkSyntax {
    /// Whether the link was written as an embed (`![[..]]` or `![..](..)`).
    pub fn is_embed(self) -> bool {
        matches!(self, LinkSyntax::WikiEmbed | LinkSyntax::MarkdownImage)
    }
}

/// A link found in a note body, before resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRef {
    /// How it was written.
    pub syntax: LinkSyntax,
    /// What it points at: a note name or path, or an attachment path. Empty for
    /// `[[#Heading]]`, which points into the same note.
    pub target: String,
    /// The part after `#`, if any.
    pub fragment: Option<String>,
    /// Byte offset of the link in the body; identifies the link when rendering.
    pub offset: usize,
    /// The sentence around the link, for backlinks.
    pub context: Snippet,
    /// Whether the author gave the link its own text (`[[a|text]]`, `[text](a)`,
    /// `![[img.png|300]]`); that text is `context.label()`.
    pub labelled: bool,
}

/// A heading with the id it gets in the HTML.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    /// Plain text of the heading.
    pub text: String,
    /// Unique id within the page: an explicit `{#id}` or the slug of the text.
    pub id: String,
    /// Byte offset of the heading in the body, where its section starts.
    #[serde(skip)]
    pub offset: usize,
}

#[cfg(test)]
mod tests {
    use super::scan::{add_link_text, collapse_whitespace};
    use super::*;

    #[test]
    fn a_link_label_running_past_its_block_gets_a_snippet_not_a_panic() {
        for body in [
            "# A\n\n> [!note] Title [[Note|\n> label]]\n",
            ">[!e]c[[>|\n]]",
            "> [!tip] [[a|é\n> ü]] after",
        ] {
            let scan = scan(body);
            assert_eq!(scan.links.len(), 1, "{body:?}");
            assert!(scan.links[0].context.text().len() <= body.len(), "{body:?}");
        }
    }

    #[test]
    fn prose_is_the_plain_text_kept_mostly_as_ranges_of_the_body() {
        let body = "# Talks\n\nWang met [[Eurasia Group#Role]] and [[B|the bureau]] &amp; *others*\nlater.\n\n```\ncode\n```\n\n- one\n- two\n";
        let s = scan(body);
        let text = s.prose.text(body);
        assert_eq!(
            text,
            "Talks\nWang met Eurasia Group > Role and the bureau & others later.\none\ntwo\n"
        );
        assert_eq!(s.prose.len(), text.len());
        let labels: Vec<&str> = s.prose_links.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(labels, ["Eurasia Group > Role", "the bureau"]);
        // Only what is not in the body verbatim is copied.
        assert!(s.prose.extra.len() < 40, "{:?}", s.prose.extra);
    }

    #[test]
    fn link_text_ranges_stay_in_order_and_apart() {
        // Ranges arrive as links end: an inner link before the outer one.
        let mut ranges = Vec::new();
        for range in [5..9, 2..12, 14..16, 15..20] {
            add_link_text(&mut ranges, range);
        }
        assert_eq!(ranges, [2..12, 14..20]);
        // An image inside a link's text is part of the link's text.
        let body = "See [![logo](a.png) the bureau](b.md) and [[C]].\n";
        let s = scan(body);
        let text = s.prose.text(body);
        let labels: Vec<&str> = s.prose_links.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(labels.len(), 2, "{labels:?} in {text:?}");
        assert!(labels[0].ends_with("the bureau"), "{labels:?}");
        assert_eq!(labels[1], "C");
    }

    #[test]
    fn scan_finds_wikilinks_with_fragments_and_table_escapes() {
        let s = scan("See [[Wang Xiaohong#Role|the minister]].\n\n| a |\n|---|\n| [[X\\|y]] |\n");
        assert_eq!(s.links.len(), 2);
        assert_eq!(s.links[0].target, "Wang Xiaohong");
        assert_eq!(s.links[0].fragment.as_deref(), Some("Role"));
        assert_eq!(s.links[1].target, "X");
    }

    #[test]
    fn code_and_comments_hold_no_links() {
        let s = scan("`[[a]]` <!-- [[b]] -->\n\n```\n[[c]]\n```\n\n<!--\n[[d]]\n-->\n");
        assert!(s.links.is_empty(), "{:?}", s.links);
    }

    #[test]
    fn external_links_are_not_collected_but_relative_ones_are() {
        let s = scan("[a](https://x.org/a.md) [b](mailto:x@y) [c](#top) [d](../topics/fentanyl.md#History) [e](my%20note)");
        let targets: Vec<_> = s.links.iter().map(|l| l.target.as_str()).collect();
        assert_eq!(targets, ["../topics/fentanyl.md", "my note"]);
        assert_eq!(s.links[0].fragment.as_deref(), Some("History"));
    }

    #[test]
    fn snippet_is_the_sentence_around_the_link() {
        let s = scan("First sentence. Talks with [[Wang Xiaohong|Wang]] may advance. Last one.");
        let c = &s.links[0].context;
        assert_eq!(
            (c.before(), c.label(), c.after()),
            ("Talks with ", "Wang", " may advance.")
        );
    }

    #[test]
    fn heading_ids_are_unique_and_respect_explicit_ids() {
        let s = scan("# Title\n\n## Notes\n\n## Notes\n\n## Other {#custom}\n");
        let ids: Vec<_> = s.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["title", "notes", "notes-1", "custom"]);
        assert_eq!(s.first_h1.as_deref(), Some("Title"));
    }

    #[test]
    fn wiki_labels_collapse_whitespace_and_show_fragments() {
        assert_eq!(wiki_label("Wang Xiaohong"), "Wang Xiaohong");
        assert_eq!(
            wiki_label(" Wang \t Xiaohong\n#Role#Early years"),
            "Wang Xiaohong > Role > Early years"
        );
        assert_eq!(wiki_label("#Role"), "Role");
        assert_eq!(wiki_label("Wang\u{a0}\u{a0}Xiaohong"), "Wang Xiaohong");
        assert_eq!(wiki_label("Wang  Xiaohong\\"), "Wang Xiaohong");
        for (messy, tidy) in [
            ("Wang ", "Wang"),
            (" ", ""),
            ("", ""),
            ("a\u{b}b", "a b"),
            ("a b c", "a b c"),
            ("a  b", "a b"),
        ] {
            assert_eq!(collapse_whitespace(messy), tidy, "{messy:?}");
        }
    }

    #[test]
    fn escaping_covers_markup_and_quotes_only() {
        assert_eq!(
            escape_html("<a href=\"x\">Tom & 'Jerry'</a> – ok"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt; – ok"
        );
    }

    #[test]
    fn percent_decoding_keeps_malformed_escapes() {
        assert_eq!(percent_decode("a%20b%zz%"), "a b%zz%");
        assert_eq!(percent_decode("%E2%80%93"), "–");
    }
}
