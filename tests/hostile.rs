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
fn a_broken_site_toml_or_template_while_serving_shows_in_the_overlay_and_the_last_good_site_stays()
{
    let site = TestSite::new();
    site.note("A.md", "Alpha text.")
        .file("site.toml", "title = \"Ok\"\n");
    let server = common::ServeProcess::start(site.root(), &[]);
    assert!(server.get("/a/").1.contains("Alpha text."));

    site.file("site.toml", "title = [unclosed\n");
    let page = wait_for_page(&server, "/a/", "dossier-errors");
    assert!(page.contains("Alpha text."), "the last good page: {page}");
    assert!(
        page.contains("site.toml"),
        "the overlay names the file: {page}"
    );

    site.file("site.toml", "title = \"Ok again\"\n");
    let page = wait_for_page(&server, "/a/", "Ok again");
    assert!(!page.contains("dossier-errors"), "{page}");

    site.file("templates/note.html", "{% if %}");
    let page = wait_for_page(&server, "/a/", "dossier-errors");
    assert!(
        page.contains("note.html"),
        "the overlay names the template: {page}"
    );
}

#[test]
fn a_file_or_note_at_a_generated_path_is_an_error_naming_both_and_nothing_is_written() {
    let site = TestSite::new();
    site.note("A.md", "Alpha.")
        .note("graph.md", "A note about graphs.")
        .file("content/index.html", "<p>mine</p>")
        .file("content/graph.json", "{}")
        .file("content/search/index.json", "{}")
        .file("content/photo.png", "PNG");
    let (code, err) = run_clean(&site, &["build"]);
    assert_eq!(code, 1, "{err}");
    for expected in [
        "content/graph.md: error: content/graph.md and the graph page would both be published at /graph/",
        "content/index.html: error: content/index.html and the home page would both be published at /",
        "content/graph.json: error: content/graph.json and the graph data would both be published at /graph.json",
        "content/search/index.json: error: content/search/index.json and the search index would both be published at /search/index.json",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    assert!(
        !site.root().join("public").exists(),
        "a failed build writes nothing"
    );
}

/// Runs `dossier args` in `site`, killing it after `limit`; `None` if it had to be killed.
fn run_with_limit(
    site: &TestSite,
    args: &[&str],
    limit: std::time::Duration,
) -> Option<(i32, String)> {
    use std::io::Read;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dossier"))
        .args(args)
        .current_dir(site.root())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run dossier");
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut err = String::new();
            child.stderr.take()?.read_to_string(&mut err).ok()?;
            return Some((status.code()?, err));
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn a_fifo_among_templates_or_notes_is_reported_not_waited_on() {
    let site = TestSite::new();
    site.note("A.md", "Alpha.").file("templates/.keep", "");
    for fifo in ["templates/note.html", "content/B.md", "content/pipe.png"] {
        let made = std::process::Command::new("mkfifo")
            .arg(site.root().join(fifo))
            .status()
            .expect("mkfifo");
        assert!(made.success());
    }
    let limit = std::time::Duration::from_secs(20);
    let (code, err) = run_with_limit(&site, &["build"], limit).expect("build hung on a FIFO");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("templates/note.html is not a regular file"),
        "{err}"
    );
    std::fs::remove_file(site.root().join("templates/note.html")).unwrap();
    let (code, err) = run_with_limit(&site, &["build"], limit).expect("build hung on a FIFO");
    assert_eq!(code, 0, "{err}");
}

#[test]
fn editor_backups_and_ignored_globs_are_not_published_and_symlinks_are_followed_or_reported() {
    let site = TestSite::new();
    let ignored = [
        "A.md~",
        "#A.md#",
        "A.md.orig",
        "A.md.tmp",
        ".A.md.swp",
        "4913",
        "private/Secret.md",
        "x.draft.md",
    ];
    site.note("A.md", "Alpha links [[Shared]].")
        .file("site.toml", "ignore = [\"private\", \"*.draft.md\"]\n")
        .file("elsewhere/Shared.md", "Shared through a link.");
    for (i, name) in ignored.iter().enumerate() {
        site.note(name, &format!("LEAKED{i}"));
    }
    let content = site.root().join("content");
    std::os::unix::fs::symlink(
        site.root().join("elsewhere/Shared.md"),
        content.join("Shared.md"),
    )
    .unwrap();
    std::os::unix::fs::symlink(content.join("Gone.md"), content.join("Dangling.md")).unwrap();
    let (code, err) = run_clean(&site, &["build"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("content/Dangling.md: warning: symbolic link to a missing file"),
        "{err}"
    );
    let public = site.root().join("public");
    for (path, bytes) in common::snapshot(&public) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("LEAKED"),
            "{} holds an ignored file's text",
            path.display()
        );
        let path = path.display().to_string();
        assert!(
            !ignored
                .iter()
                .any(|name| path.contains(name) || path.contains("secret")),
            "{path} was published"
        );
    }
    assert!(site
        .page("shared/index.html")
        .contains("Shared through a link."));
}
