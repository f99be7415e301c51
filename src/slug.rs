//! Turning names into URL parts and comparison keys.

/// Lowercases `text`, keeps Unicode letters and digits, and turns every run of
/// anything else (spaces, punctuation, emoji) into a single `-`.
///
/// Text is put in Unicode NFC first, so a name typed on macOS (NFD) and
/// elsewhere slugs the same. Unicode letters are kept rather than transliterated, so `Zoë` and `Zoe` stay
/// different pages; browsers and static hosts serve such paths fine.
pub fn slugify(text: &str) -> String {
    // NFC first: a combining accent (`e` + U+0301, as macOS stores names)
    // is not a letter and would become a dash.
    let composed: String;
    let text = if text.is_ascii() {
        text
    } else {
        use unicode_normalization::UnicodeNormalization;
        composed = text.nfc().collect();
        &composed
    };
    let mut slug = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            slug.extend(c.to_lowercase());
        } else if c != '\'' && c != '\u{2019}' {
            // Apostrophes vanish ("China's" -> "chinas"), like most slug rules.
            pending_dash = true;
        }
        if slug.len() >= MAX_SLUG {
            // A file name has at most 255 bytes; cut at a character.
            let mut end = MAX_SLUG;
            while !slug.is_char_boundary(end) {
                end -= 1;
            }
            slug.truncate(end);
            break;
        }
    }
    slug.truncate(slug.trim_end_matches('-').len());
    slug
}

/// Longest slug in bytes: an output file name (`<slug>.html` for a
/// redirect, a folder for a page) stays under the 255 bytes file systems
/// allow. Two names cut to the same slug are a URL clash, reported.
pub const MAX_SLUG: usize = 200;

/// Whether two headings match tolerantly: the same letters and digits, in any
/// case, whatever else is between them. So `[[Note#What next?]]` finds
/// `## What next` and `` ## `code` heading `` finds `[[Note#code heading]]`,
/// as in Obsidian. Compared in place: a link's heading is looked for among
/// every heading of the note it points to.
pub fn same_heading(a: &str, b: &str) -> bool {
    fn key(s: &str) -> impl Iterator<Item = char> + '_ {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
    }
    key(a).eq(key(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_dashed_and_keep_unicode() {
        assert_eq!(slugify("Wang Xiaohong"), "wang-xiaohong");
        assert_eq!(slugify("US–China trade talks"), "us-china-trade-talks");
        assert_eq!(
            slugify("  China's Ministry of Commerce! "),
            "chinas-ministry-of-commerce"
        );
        assert_eq!(slugify("145% tariffs"), "145-tariffs");
        assert_eq!(slugify("Zoë 王小洪"), "zoë-王小洪");
        assert_eq!(slugify("🔥"), "");
    }

    #[test]
    fn headings_match_ignoring_case_and_punctuation() {
        assert!(same_heading("What next?", "what next"));
        assert!(same_heading("`code` heading", "Code Heading"));
        assert!(same_heading("Zoë's plan", "ZOËS PLAN"));
        assert!(!same_heading("What next", "What now"));
        assert!(!same_heading("What next", "What next 2"));
        assert!(!same_heading("Zoë", "Zoe"));
    }
}
