//! Odd and hostile input never panics: every build ends with exit code 0 or 1
//! and a message, never a crash.

mod common;

use common::{stderr, TestSite};

const ODD_NOTES: &[(&str, &str)] = &[
    ("empty.md", ""),
    ("only-fence.md", "---"),
    ("only-fences.md", "---\n---"),
    ("bom.md", "\u{feff}---\ntitle: With BOM\n---\nBody"),
    ("crlf.md", "---\r\ntitle: Windows\r\ntags: [a]\r\n---\r\n# Head\r\n\r\nText [[Windows]].\r\n"),
    ("list-frontmatter.md", "---\n- a\n- b\n---\nbody"),
    ("scalar-frontmatter.md", "---\njust text\n---\nbody"),
    ("wrong-types.md", "---\ntitle: [a, b]\ntags: {a: 1}\naliases: {x: y}\ndate: yesterday\ndraft: maybe\nkind: 7\n---\n"),
    ("weird-links.md", "[[]] [[|]] [[#]] [[#^]] ![[]] [[a|b|c]] [[ ]] [[\u{0}]] [[../../etc/passwd]] [x](../../../../outside.md) [y](%ZZ.md) [z](<>)"),
    ("unclosed.md", "[[never closed and `code` and **bold [[x"),
    ("headings.md", "# \n## \n### ###\n#### [[Deep]] {#}\n"),
    ("html.md", "<script>alert(1)</script>\n\n<div>[[inside html]]</div>\n"),
    ("unicode 🔥 名前.md", "---\ntitle: 名前 🔥\naliases: ['🔥']\n---\nSee [[🔥]] and [[名前 🔥#nothing]].\n"),
    ("🔥.md", "emoji only name"),
    ("big-table.md", "| a | b |\n|---|---|\n| [[x\\|y]] | [[\\|]] |\n| ![[\\]] | |\n"),
    ("footnotes.md", "Text[^1] and [^missing].\n\n[^1]: A footnote with [[empty.md|a link]].\n"),
];

#[test]
fn odd_notes_never_crash_the_build() {
    let site = TestSite::new();
    for (name, text) in ODD_NOTES {
        site.note(name, text);
    }
    site.note("deep.md", &"> - [ ] ".repeat(200))
        .note("long-line.md", &"[[a]] ".repeat(20_000));
    std::fs::write(
        site.root().join("content/binary.md"),
        [0xff, 0xfe, 0x00, 0x80],
    )
    .unwrap();
    for broken_links in ["error", "warn"] {
        site.file("site.toml", &format!("broken_links = \"{broken_links}\"\n"));
        for command in ["check", "build"] {
            let out = site.run(&[command]);
            let code = out.status.code();
            assert!(
                matches!(code, Some(0) | Some(1)),
                "{command} ({broken_links}) crashed with {code:?}:\n{}",
                stderr(&out)
            );
            assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
            assert!(
                stderr(&out).contains("error:"),
                "problems are reported: {}",
                stderr(&out)
            );
        }
    }
}

#[test]
fn problems_in_one_note_do_not_hide_problems_in_others() {
    let site = TestSite::new();
    site.note("binary.md", "x")
        .note("a.md", "---\ntitle: [unclosed\n---\n[[Missing One]]\n")
        .note("b.md", "[[Missing Two]]\n");
    std::fs::write(site.root().join("content/binary.md"), [0xff, 0xfe]).unwrap();
    let err = stderr(&site.run(&["check"]));
    assert!(
        err.contains("content/binary.md:1:1: error: not valid UTF-8"),
        "{err}"
    );
    assert!(
        err.contains("content/a.md:3:1: warning: invalid YAML frontmatter"),
        "{err}"
    );
    assert!(
        err.contains("content/a.md:4:1: error: unknown link [[Missing One]]"),
        "{err}"
    );
    assert!(
        err.contains("content/b.md:1:1: error: unknown link [[Missing Two]]"),
        "{err}"
    );
}
