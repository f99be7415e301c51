//! URLs: every URL handed to templates is relative to the site root and
//! written as `{{ root }}{{ x.url }}`; these make them and the paths pages
//! are written to.

use super::*;

/// Climbs from a page at `url` (relative to the site root, ending in `/`) back to the root.
pub(super) fn root_from(url: &str) -> String {
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

/// The absolute URL of a path relative to the site root, when `base_url` is set.
pub(crate) fn absolute_url(config: &Config, url: &str) -> Option<String> {
    (!config.base_url.is_empty())
        .then(|| format!("{}/{url}", config.base_url.trim_end_matches('/')))
}

/// Percent-encodes a path for use in `href`/`src`, keeping `/`.
pub(super) fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    push_encoded_path(&mut out, path);
    out
}

/// [`encode_path`], appending to `out`.
pub(super) fn push_encoded_path(out: &mut String, path: &str) {
    /// Everything but letters, digits, `-._~` and the `/` between segments.
    const PATH: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~')
        .remove(b'/');
    out.extend(percent_encoding::utf8_percent_encode(path, PATH));
}

impl<'a> Renderer<'a> {
    pub(super) fn note_link(&self, id: NoteId) -> &str {
        &self.note_links[id]
    }

    /// The URL of note `id` (and of its `anchor`) from a page whose root is `root`.
    pub(super) fn note_url(&self, root: &str, id: NoteId, anchor: Option<&str>) -> String {
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

    /// The URL of attachment `index` from a page whose root is `root`.
    pub(super) fn attachment_url(&self, root: &str, index: usize) -> String {
        let path = &self.library.attachments[index].path;
        let mut url = String::with_capacity(root.len() + path.len());
        url.push_str(root);
        push_encoded_path(&mut url, path);
        url
    }

    /// The URL of a resolved link from a page whose root is `root` (`""` for
    /// a URL relative to the site root), or `None` when it goes nowhere.
    pub(super) fn resolved_url(&self, root: &str, resolved: &Resolved) -> Option<String> {
        match resolved {
            Resolved::Note { id, anchor } => Some(self.note_url(root, *id, anchor.as_deref())),
            Resolved::Attachment(i) => Some(self.attachment_url(root, *i)),
            Resolved::SameNote { .. } | Resolved::Unpublished | Resolved::Missing(_) => None,
        }
    }

    /// Where `page` is written, relative to the output folder.
    pub fn page_path(&self, page: &Page) -> String {
        page.path(self.library, self.config)
    }
}
