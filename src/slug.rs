//! Turning names into URL parts and comparison keys.

/// Lowercases `text`, keeps Unicode letters and digits, and turns every run of
/// anything else (spaces, punctuation, emoji) into a single `-`.
///
/// Unicode letters are kept rather than transliterated, so `Zoë` and `Zoe` stay
/// different pages; browsers and static hosts serve such paths fine.
pub fn slugify(text: &str) -> String {
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
    }
    slug
}

/// Key for tolerant matching of headings: lowercase letters and digits only, so
/// `[[Note#What next?]]` finds `## What next` and `` ## `code` heading `` finds
/// `[[Note#code heading]]`, as in Obsidian.
pub fn match_key(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
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
    fn match_key_ignores_case_and_punctuation() {
        assert_eq!(match_key("What next?"), match_key("what next"));
        assert_eq!(match_key("`code` heading"), match_key("Code Heading"));
    }
}
