//! Characters a note may hold that a web page or a feed cannot: control
//! characters become U+FFFD (with a warning), CR-only line endings line
//! feeds, in the text and in what YAML escapes produce.

use super::*;

/// The text of a note as Dossier reads it: old Mac line endings (a CR
/// alone) become line feeds, so the frontmatter is found and lines are
/// counted; control characters that HTML and XML cannot carry (NUL, ESC,
/// BEL, ...) become U+FFFD, with a warning at the first one. Both keep
/// every line and column where it was.
pub(super) fn sanitize(source: String, display_path: &Path, diags: &mut Vec<Diagnostic>) -> String {
    let lone_cr = |text: &str| {
        text.match_indices('\r')
            .any(|(i, _)| text.as_bytes().get(i + 1) != Some(&b'\n'))
    };
    let has_forbidden = source
        .bytes()
        .any(|b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f || b == 0xef)
        && source.chars().any(cannot_carry);
    let has_lone_cr = source.contains('\r') && lone_cr(&source);
    if !has_forbidden && !has_lone_cr {
        return source;
    }
    let mut clean = String::with_capacity(source.len());
    let mut chars = source.char_indices().peekable();
    let mut first = None;
    let mut count = 0;
    while let Some((at, c)) = chars.next() {
        if c == '\r' && chars.peek().is_none_or(|&(_, next)| next != '\n') {
            clean.push('\n');
        } else if cannot_carry(c) {
            first.get_or_insert((at, c));
            count += 1;
            clean.push('\u{fffd}');
        } else {
            clean.push(c);
        }
    }
    if let Some((at, c)) = first {
        let (line, column) = line_col(&clean, at.min(clean.len()));
        let more = if count > 1 {
            format!(" (and {} more)", count - 1)
        } else {
            String::new()
        };
        diags.push(
            Diagnostic::error(
                display_path,
                line,
                column,
                format!(
                    "control character U+{:04X}{more} replaced with U+FFFD",
                    c as u32
                ),
            )
            .with_help("delete it; web pages and feeds cannot carry it")
            .into_warning(),
        );
    }
    clean
}

/// Whether XML 1.0 (so a feed) cannot carry `c`: the C0 controls but tab,
/// line feed and carriage return, DEL, and the non-characters U+FFFE and
/// U+FFFF.
fn cannot_carry(c: char) -> bool {
    (c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(c, '\u{fffe}' | '\u{ffff}')
}

/// Replaces what [`sanitize`] replaces in the file's own text in the
/// strings YAML escapes make (`"\e"`, `"\0"`).
pub(super) fn scrub_controls(value: &mut Value) {
    match value {
        Value::String(s) if s.contains(cannot_carry) => {
            *s = s
                .chars()
                .map(|c| if cannot_carry(c) { '\u{fffd}' } else { c })
                .collect();
        }
        Value::Sequence(items) => items.iter_mut().for_each(scrub_controls),
        Value::Mapping(m) => m.values_mut().for_each(scrub_controls),
        Value::Tagged(t) => scrub_controls(&mut t.value),
        _ => {}
    }
}
