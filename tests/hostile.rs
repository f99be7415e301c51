//! Hostile input, one case per class: odd notes, odd files, odd requests.
//! Each case asserts what the user sees: an exit code, a `file:line:col`
//! message, the files written, or an HTTP status. None may panic or hang.

mod common;

use common::{stderr, TestSite};

/// Runs `args` and asserts the process ended by itself (no panic, no abort).
fn run_clean(site: &TestSite, args: &[&str]) -> (i32, String) {
    let out = site.run(args);
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{args:?} panicked:\n{err}");
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("{args:?} was killed:\n{err}"));
    (code, err)
}

#[test]
fn a_link_label_that_runs_past_a_callout_title_is_an_error_not_a_crash() {
    let site = TestSite::new();
    site.note("A.md", "# A\n\n> [!note] Title [[Note|\n> label]]\n")
        .note("B.md", ">[!e]c[[>|\n]]")
        .note("Note.md", "target");
    for command in ["check", "build"] {
        let (code, err) = run_clean(&site, &[command]);
        assert_eq!(code, 1, "{command}: {err}");
        assert!(
            err.contains("content/B.md:1:7: error: unknown link"),
            "{err}"
        );
    }
}

/// Polls `path` until its body contains `needle` (the preview rebuilds on its own time).
fn wait_for_page(server: &common::ServeProcess, path: &str, needle: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (_, page) = server.get(path);
        if page.contains(needle) || std::time::Instant::now() > deadline {
            return page;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn a_broken_site_toml_or_template_while_serving_shows_in_the_overlay_and_the_last_good_site_stays() {
    let site = TestSite::new();
    site.note("A.md", "Alpha text.").file("site.toml", "title = \"Ok\"\n");
    let server = common::ServeProcess::start(site.root(), &[]);
    assert!(server.get("/a/").1.contains("Alpha text."));

    site.file("site.toml", "title = [unclosed\n");
    let page = wait_for_page(&server, "/a/", "dossier-errors");
    assert!(page.contains("Alpha text."), "the last good page: {page}");
    assert!(page.contains("site.toml"), "the overlay names the file: {page}");

    site.file("site.toml", "title = \"Ok again\"\n");
    let page = wait_for_page(&server, "/a/", "Ok again");
    assert!(!page.contains("dossier-errors"), "{page}");

    site.file("templates/note.html", "{% if %}");
    let page = wait_for_page(&server, "/a/", "dossier-errors");
    assert!(page.contains("note.html"), "the overlay names the template: {page}");
}
