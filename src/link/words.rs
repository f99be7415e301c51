//! Finding the words of prose quickly. Unlinked mentions and the search index
//! both read every note's whole text word by word; doing it a byte at a time
//! with a branch per byte cost more than any other step of the link stage.

/// Whether `c` belongs to a word: letters and digits, in any script.
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        c.is_alphanumeric()
    }
}

const BLOCK: usize = 64;

/// Bytes of a little-endian word: each lane's high bit set where its byte is
/// an ASCII letter or digit. Every byte must be below 0x80. Each byte `v` is
/// tested against a range with one addition: `v + (0x80 - lo)` reaches the
/// high bit when `v >= lo`, `v + (0x7f - hi)` when `v > hi`; no lane carries
/// into the next, as every sum stays below 0x100.
fn ascii_alnum_lanes(word: u64) -> u64 {
    const fn lanes(b: u8) -> u64 {
        u64::from_le_bytes([b; 8])
    }
    let lower = word | lanes(0x20); // 'A'..='Z' onto 'a'..='z'; digits keep the bit
    let alpha = lower.wrapping_add(lanes(0x80 - b'a')) & !lower.wrapping_add(lanes(0x7f - b'z'));
    let digit = word.wrapping_add(lanes(0x80 - b'0')) & !word.wrapping_add(lanes(0x7f - b'9'));
    (alpha | digit) & lanes(0x80)
}

/// The high bit of each byte of `lanes` (only those bits set), packed into
/// 8 bits, byte 0 first.
fn pack_high_bits(lanes: u64) -> u64 {
    (lanes >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
}

/// Bit `i` is set when byte `start + i` of `text` is part of a word character,
/// for the block of up to 64 bytes at `start`. Out of line: it runs once per
/// 64 bytes, and keeping it apart lets [`Words::next`] inline into its callers.
#[inline(never)]
fn block_mask(text: &str, start: usize) -> u64 {
    let bytes = text.as_bytes();
    let end = (start + BLOCK).min(bytes.len());
    let mut padded = [0u8; BLOCK]; // zero bytes are not letters
    let block: &[u8] = if end - start == BLOCK {
        &bytes[start..end]
    } else {
        padded[..end - start].copy_from_slice(&bytes[start..end]);
        &padded
    };
    let mut mask = 0u64;
    let mut high = 0u64;
    // Eight bytes at a time, without a branch per byte.
    for (k, chunk) in block.chunks_exact(8).enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        high |= word;
        mask |= pack_high_bits(ascii_alnum_lanes(word)) << (8 * k);
    }
    if high & 0x8080_8080_8080_8080 == 0 {
        return mask;
    }
    // Non-ASCII in the block: decode the characters that overlap it.
    let mut from = start;
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    mask = 0;
    for (offset, c) in text[from..].char_indices() {
        let at = from + offset;
        if at >= end {
            break;
        }
        if is_word_char(c) {
            for byte in at.max(start)..(at + c.len_utf8()).min(end) {
                mask |= 1 << (byte - start);
            }
        }
    }
    mask
}

/// The byte range of each word of a text: each maximal run of letters and
/// digits, left to right. Bytes are classified 64 at a time into a bit mask,
/// and the runs read off its bits.
pub struct Words<'t> {
    text: &'t str,
    /// Start of the current block.
    base: usize,
    /// Its word bits, and how many of its bytes are in the text.
    mask: u64,
    width: u32,
    /// The next bit to look at.
    bit: u32,
}

/// The words of `text`; see [`Words`].
pub fn words(text: &str) -> Words<'_> {
    Words {
        text,
        base: 0,
        mask: if text.is_empty() {
            0
        } else {
            block_mask(text, 0)
        },
        width: text.len().min(BLOCK) as u32,
        bit: 0,
    }
}

impl Words<'_> {
    /// Moves to the next block; `false` at the end of the text.
    #[inline(always)]
    fn next_block(&mut self) -> bool {
        self.base += BLOCK;
        if self.base >= self.text.len() {
            self.bit = self.width;
            return false;
        }
        self.mask = block_mask(self.text, self.base);
        self.width = (self.text.len() - self.base).min(BLOCK) as u32;
        self.bit = 0;
        true
    }
}

impl Iterator for Words<'_> {
    type Item = (usize, usize);

    #[inline(always)]
    fn next(&mut self) -> Option<(usize, usize)> {
        let start = loop {
            let ahead = if self.bit < self.width {
                self.mask >> self.bit
            } else {
                0
            };
            if ahead != 0 {
                self.bit += ahead.trailing_zeros();
                break self.base + self.bit as usize;
            }
            if !self.next_block() {
                return None;
            }
        };
        loop {
            // Bits past the end of a short last block are 0: a run ends there at the latest.
            let ahead = if self.bit < 64 {
                !self.mask >> self.bit
            } else {
                0
            };
            if ahead != 0 {
                self.bit = (self.bit + ahead.trailing_zeros()).min(self.width);
                return Some((start, self.base + self.bit as usize));
            }
            if !self.next_block() {
                return Some((start, self.text.len()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words_of(text: &str) -> Vec<&str> {
        words(text).map(|(s, e)| &text[s..e]).collect()
    }

    /// The plain definition, one character at a time.
    fn words_slowly(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut start = None;
        for (i, c) in text.char_indices() {
            match (is_word_char(c), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    out.push(&text[s..i]);
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            out.push(&text[s..]);
        }
        out
    }

    #[test]
    fn every_ascii_byte_is_classified_like_the_standard_library() {
        for b in 0u8..0x80 {
            let lanes = ascii_alnum_lanes(u64::from_le_bytes([b' ', b, 0, b'a', b'9', b, 0x7f, b]));
            let bits = pack_high_bits(lanes);
            let expected = (u64::from(b.is_ascii_alphanumeric()) * 0b1010_0010) | 0b0001_1000;
            assert_eq!(bits, expected, "byte {b:#x}");
        }
    }

    #[test]
    fn words_are_runs_of_letters_and_digits() {
        assert_eq!(
            words_of("Wang Xiaohong, 王小洪 (minister) met Zoë's team: U.S.-China"),
            [
                "Wang",
                "Xiaohong",
                "王小洪",
                "minister",
                "met",
                "Zoë",
                "s",
                "team",
                "U",
                "S",
                "China"
            ]
        );
        assert_eq!(words_of(""), Vec::<&str>::new());
        assert_eq!(words_of("  ,. "), Vec::<&str>::new());
    }

    #[test]
    fn words_across_block_edges_match_the_plain_definition() {
        // Words and multi-byte characters placed on every side of the 64-byte edges.
        let pieces = [
            "a", "Az", "@[`{", "/09:", "bc", " ", "é", "中文", "—", "x9", ".", "Zoë", "\n", "ß",
        ];
        let mut text = String::new();
        let mut k = 0usize;
        while text.len() < 400 {
            text.push_str(pieces[k % pieces.len()]);
            k = (k * 7 + 3) % 1009;
            for cut in [text.len(), text.len().saturating_sub(1)] {
                if text.is_char_boundary(cut) {
                    assert_eq!(
                        words_of(&text[..cut]),
                        words_slowly(&text[..cut]),
                        "{:?}",
                        &text[..cut]
                    );
                }
            }
        }
        let long = "word ".repeat(40) + &"x".repeat(150);
        assert_eq!(words_of(&long), words_slowly(&long));
    }
}
