//! Property test over the whole pipeline: generated vaults of Markdown,
//! frontmatter and wikilink soup are loaded, linked and rendered, and must
//! never panic (a caught panic shows as an "internal error" diagnostic)
//! nor produce pages that grow faster than their input.
//!
//! `cargo test --test fuzz` runs a short pass with a fixed seed (CI).
//! `bash bench/fuzz.sh MINUTES` runs it for longer with fresh seeds;
//! `PROPTEST_CASES` and `PROPTEST_RNG_SEED` choose the cases and the seed.

use proptest::prelude::*;
mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

/// Pieces notes are made of: the constructs Dossier reads, their broken
/// halves, and characters that have bitten parsers before.
const PIECES: &[&str] = &[
    "[[",
    "]]",
    "![[",
    "|",
    "#",
    "#^",
    "^",
    "^abc",
    "\n",
    "\n\n",
    " ",
    "> ",
    "> [!note] ",
    "> [!tip]- ",
    ">[!e]",
    "[[N0]]",
    "[[N1|label]]",
    "![[N2]]",
    "![[N3#Head]]",
    "[[N4#^abc]]",
    "[[#Head]]",
    "# Head",
    "## Sub {#id}",
    "- [ ] ",
    "- [x] ",
    "1. ",
    "```",
    "```rust\n",
    "`",
    "$",
    "$$",
    "\\",
    "*",
    "**",
    "~~",
    "==",
    "%%",
    "<!--",
    "-->",
    "<div>",
    "</div>",
    "<script>",
    "| a | b |\n|---|---|\n| [[N0\\|x]] | y |\n",
    "[^1]",
    "[^1]: note",
    "^[inline]",
    "#tag",
    "#a/b",
    "[x](N1.md)",
    "[y](../N2.md#Head)",
    "![i](img.png)",
    "![[img.png|300]]",
    "é",
    "名前",
    "🔥",
    "\u{0}",
    "\u{1b}",
    "\u{7}",
    "\r",
    "\r\n",
    "\u{feff}",
    "\u{200b}",
    "a..b",
    "mailbox.org",
    "&amp;",
    "&",
    "<",
    "\"",
    "'",
    "N0",
    "N1",
    "N5",
];

/// Frontmatter lines, good and bad.
const FRONT: &[&str] = &[
    "title: T",
    "title: [[N1]]",
    "title: \"\\e]0;x\\a\"",
    "aliases: [N9, \"a: b\"]",
    "aliases:\n  - @x",
    "aliases:\n  - Opener: New",
    "tags: [a, b]",
    "tags: a, b",
    "date: 2024-01-02",
    "date: soon",
    "draft: true",
    "publish: false",
    "kind: actor",
    "related: \"[[N2]]\"",
    "source: [[N3]]",
    "{{date}}",
    "key: <% tp.date %>",
    ": :",
    "- a",
    "title: |\n  multi\n  line",
];

/// A link or embed, well or badly formed, whose label may run over lines.
fn link() -> impl Strategy<Value = String> {
    let open = proptest::sample::select(&["[[", "![[", "[", "!["][..]);
    let target = proptest::sample::select(
        &[
            "N0",
            "N1",
            "N2",
            "actors/N3",
            "N4.md",
            "img.png",
            "",
            "a..b",
            "#Head",
            "N5#^abc",
            "N1#Head#Sub",
            "🔥",
        ][..],
    );
    let label = proptest::option::of(proptest::collection::vec(
        proptest::sample::select(PIECES),
        0..4,
    ));
    let close =
        proptest::sample::select(&["]]", "]", "](N1.md)", "](../x.md#h)", "", "\\|x]]"][..]);
    (open, target, label, close).prop_map(|(open, target, label, close)| {
        let mut text = format!("{open}{target}");
        if let Some(label) = label {
            text.push('|');
            text.extend(label);
        }
        text.push_str(close);
        text
    })
}

/// A run of inline text: words, links and the odd piece.
fn inline() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => proptest::sample::select(&["word", "two words", "N1", "Head", "é", "名前", " "][..]).prop_map(String::from),
        3 => link(),
        2 => proptest::sample::select(PIECES).prop_map(String::from),
    ];
    proptest::collection::vec(piece, 0..8).prop_map(|v| v.concat())
}

/// A block: paragraph, heading, callout, list, quote, table, code, math.
fn block() -> impl Strategy<Value = String> {
    let prefix = proptest::sample::select(
        &[
            "",
            "# ",
            "## ",
            "> ",
            "> [!note] ",
            "> [!tip]- Title ",
            ">[!e]",
            "- ",
            "- [ ] ",
            "1. ",
            "| ",
            "$$\n",
            "```\n",
            "    ",
        ][..],
    );
    (
        prefix,
        inline(),
        proptest::option::of(inline()),
        proptest::sample::select(&["", " ^abc", " {#id}", "\n> more", "\n|---|"][..]),
    )
        .prop_map(|(prefix, first, second, suffix)| {
            let mut text = format!("{prefix}{first}");
            if let Some(second) = second {
                text.push('\n');
                if prefix.starts_with('>') {
                    text.push_str("> ");
                }
                text.push_str(&second);
            }
            text.push_str(suffix);
            text.push_str("\n\n");
            text
        })
}

fn note_text() -> impl Strategy<Value = String> {
    let body = proptest::collection::vec(block(), 0..8);
    let front = proptest::option::of(proptest::collection::vec(
        proptest::sample::select(FRONT),
        0..5,
    ));
    (front, body).prop_map(|(front, body)| {
        let mut text = String::new();
        if let Some(lines) = front {
            text.push_str("---\n");
            for line in lines {
                text.push_str(line);
                text.push('\n');
            }
            text.push_str("---\n");
        }
        text.extend(body);
        text
    })
}

fn vault() -> impl Strategy<Value = Vec<(usize, String)>> {
    proptest::collection::vec((0usize..6, note_text()), 1..7)
}

/// Loads, links and renders the vault in `root`; returns the largest page
/// and every internal error.
fn run_pipeline(root: &std::path::Path) -> (usize, Vec<String>) {
    let mut internal = Vec::new();
    let site = match dossier::site::Site::load(root, false) {
        Ok(site) => site,
        Err(e) => return (0, vec![format!("load failed: {e}")]),
    };
    for d in site.diagnostics() {
        if d.message.contains("internal error") {
            internal.push(d.to_string());
        }
    }
    let largest = AtomicUsize::new(0);
    let sink = |file: dossier::render::OutputFile| {
        if let dossier::render::OutputFile::Bytes { contents, .. } = &file {
            largest.fetch_max(contents.len(), Ordering::Relaxed);
        }
        Ok(())
    };
    if let Err(e) = site.renderer().render_all(&sink) {
        internal.push(format!("render failed: {e:?}"));
    }
    (largest.into_inner(), internal)
}

#[test]
fn generated_vaults_never_panic_and_pages_stay_bounded() {
    let (mut runner, seed) = common::seeded_runner(48, 16);
    let tried = AtomicUsize::new(0);
    let result = runner.run(&vault(), |notes| {
        tried.fetch_add(1, Ordering::Relaxed);
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("content");
        std::fs::create_dir_all(content.join("actors")).unwrap();
        let mut input = 0;
        for (n, text) in &notes {
            let folder = if n % 2 == 0 { "" } else { "actors/" };
            std::fs::write(content.join(format!("{folder}N{n}.md")), text).unwrap();
            input += text.len();
        }
        std::fs::write(content.join("img.png"), b"PNG").unwrap();
        let outcome = std::panic::catch_unwind(|| run_pipeline(dir.path()));
        let (largest, internal) =
            outcome.map_err(|_| TestCaseError::fail("the pipeline panicked"))?;
        prop_assert!(internal.is_empty(), "{internal:?}");
        // Embeds may repeat notes up to the page's cap, never beyond.
        let bound = 256 * 1024 + 128 * input;
        prop_assert!(
            largest <= bound,
            "a page of {largest} bytes from {input} bytes of notes"
        );
        Ok(())
    });
    eprintln!("fuzz: {} cases, seed {seed}", tried.into_inner());
    if let Err(e) = result {
        panic!("{e}");
    }
}
