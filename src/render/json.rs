//! JSON for pages and data files, written by serde_json and safe inside a
//! `<script>` element: `<`, `>`, `&` and the line separators U+2028 and
//! U+2029 inside strings come out as `\u` escapes, which mean the same to a
//! JSON parser but cannot end the script or the line.

use std::io;

use serde::Serialize;

/// serde_json's compact formatter, escaping what a script element cannot hold.
struct ScriptSafe;

impl serde_json::ser::Formatter for ScriptSafe {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let bytes = fragment.as_bytes();
        let mut plain = 0; // start of the run that needs no escape
        for (i, &b) in bytes.iter().enumerate() {
            let escape = match b {
                b'<' => "\\u003c",
                b'>' => "\\u003e",
                b'&' => "\\u0026",
                // U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8.
                0xE2 => match bytes.get(i + 1..i + 3) {
                    Some([0x80, 0xA8]) => "\\u2028",
                    Some([0x80, 0xA9]) => "\\u2029",
                    _ => continue,
                },
                _ => continue,
            };
            writer.write_all(&bytes[plain..i])?;
            writer.write_all(escape.as_bytes())?;
            plain = i + if b == 0xE2 { 3 } else { 1 };
        }
        writer.write_all(&bytes[plain..])
    }
}

/// A sequence serialized from the iterator its function makes, so a long
/// one need not be collected first.
pub(super) struct Streamed<F>(pub(super) F);

impl<F, I> Serialize for Streamed<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((self.0)())
    }
}

/// Appends `value` as script-safe JSON to `out`.
pub(super) fn write<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    let mut serializer = serde_json::Serializer::with_formatter(out, ScriptSafe);
    // Serializing our own structs and strings into memory cannot fail: no
    // map has non-string keys and a Vec takes every write.
    let _ = value.serialize(&mut serializer);
}

/// `value` as script-safe JSON.
pub(super) fn to_string<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::with_capacity(128);
    write(&mut out, value);
    // serde_json writes UTF-8, and the escapes are ASCII.
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_round_trip_and_cannot_close_a_script() {
        let tricky = "Zoë \"quoted\" \\ back</script><!-- & \n\t\u{1} \u{2028}\u{2029} 王 \u{2027}";
        let out = to_string(tricky);
        assert!(!out.contains('<') && !out.contains('>') && !out.contains('&'));
        assert!(!out.contains('\u{2028}') && !out.contains('\u{2029}'));
        let parsed: String = serde_json::from_str(&out).expect("valid JSON");
        assert_eq!(parsed, tricky);
    }
}
