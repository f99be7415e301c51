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
    // Attachments are published (and can clash) when a note uses them.
    site.note(
        "A.md",
        "Alpha. [[index.html]] [[graph.json]] [[search/index.json]] [[photo.png]]",
    )
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
    // Read beside the wait: a full pipe would stop the child.
    let mut pipe = child.stderr.take().expect("stderr is piped");
    let reader = std::thread::spawn(move || {
        let mut err = String::new();
        let _ = pipe.read_to_string(&mut err);
        err
    });
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let err = reader.join().ok()?;
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

/// Sends `raw` as the whole request and returns the status and the body.
fn raw_request(server: &common::ServeProcess, raw: &[u8]) -> (u16, Vec<u8>) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(server.addr).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    // Written beside the read: the server may answer before it has all of it.
    let mut writer = stream.try_clone().unwrap();
    let raw = raw.to_vec();
    let sender = std::thread::spawn(move || {
        let _ = writer.write_all(&raw);
    });
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    drop(stream);
    let _ = sender.join();
    let text = String::from_utf8_lossy(&reply);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {text:?}"));
    let body = reply
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(Vec::new(), |i| reply[i + 4..].to_vec());
    (status, body)
}

fn serve_site() -> (TestSite, common::ServeProcess) {
    let site = TestSite::new();
    site.note("A.md", "Alpha text, private. [[movie.mp4]]");
    let movie: Vec<u8> = (0..30 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    std::fs::write(site.root().join("content/movie.mp4"), movie).unwrap();
    let server = common::ServeProcess::start(site.root(), &[]);
    (site, server)
}

#[test]
fn the_preview_refuses_foreign_hosts_huge_heads_and_bad_ranges() {
    let (_site, server) = serve_site();
    let port = server.addr.port();
    let get = |host: &str| {
        raw_request(
            &server,
            format!("GET /a/ HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes(),
        )
    };
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        "localhost".into(),
    ] {
        let (status, body) = get(&host);
        assert_eq!(status, 200, "{host}");
        assert!(String::from_utf8_lossy(&body).contains("Alpha text"));
    }
    for host in [
        "attacker.example",
        &format!("attacker.example:{port}"),
        "localhost:1",
    ] {
        let (status, body) = get(host);
        assert_eq!(status, 421, "{host}");
        assert!(!String::from_utf8_lossy(&body).contains("Alpha"));
    }
    assert_eq!(
        raw_request(&server, b"GET /a/ HTTP/1.1\r\n\r\n").0,
        421,
        "no Host"
    );

    // A 64 MiB header line: refused after the first 16 KiB, not buffered.
    let mut huge = b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: ".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 64 << 20));
    assert_eq!(raw_request(&server, &huge).0, 431);
    assert_eq!(
        raw_request(&server, b"POST / HTTP/1.1\r\nHost: localhost\r\n\r\n").0,
        405
    );
    assert_eq!(raw_request(&server, b"\x00\x01garbage\r\n\r\n").0, 400);

    let range = |spec: &str| {
        raw_request(
            &server,
            format!("GET /movie.mp4 HTTP/1.1\r\nHost: localhost\r\nRange: {spec}\r\n\r\n")
                .as_bytes(),
        )
    };
    let (status, body) = range("bytes=1000-1009");
    assert_eq!(status, 206);
    let expected: Vec<u8> = (1000..1010).map(|i| (i % 251) as u8).collect();
    assert_eq!(body, expected);
    assert_eq!(range("bytes=-5").1.len(), 5);
    assert_eq!(range("bytes=999999999-").0, 416);
    let (status, body) = raw_request(
        &server,
        b"GET /movie.mp4 HTTP/1.1\r\nHost: localhost\r\n\r\n",
    );
    assert_eq!((status, body.len()), (200, 30 << 20));
    assert!(server
        .stderr
        .lock()
        .unwrap()
        .iter()
        .all(|l| !l.contains("panicked")));
}

#[test]
fn stalled_readers_of_a_large_attachment_do_not_starve_other_requests() {
    use std::io::Write;
    let (_site, server) = serve_site();
    // Eight clients ask for 30 MB each and never read a byte.
    let stalled: Vec<std::net::TcpStream> = (0..8)
        .map(|_| {
            let mut s = std::net::TcpStream::connect(server.addr).unwrap();
            s.write_all(b"GET /movie.mp4 HTTP/1.1\r\nHost: localhost\r\n\r\n")
                .unwrap();
            s
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(300));
    for _ in 0..5 {
        let (status, page) = server.get("/a/");
        assert_eq!(status, 200);
        assert!(page.contains("Alpha text"));
    }
    drop(stalled);
}

#[test]
fn replacing_the_content_folder_while_serving_serves_the_new_notes() {
    let site = TestSite::new();
    site.note("Old.md", "Old note.");
    let server = common::ServeProcess::start(site.root(), &[]);
    assert_eq!(server.get("/old/").0, 200);
    // What `git checkout` and sync tools do: build the new folder aside, swap it in.
    let content = site.root().join("content");
    let fresh = site.root().join("content.new");
    std::fs::create_dir_all(&fresh).unwrap();
    std::fs::write(fresh.join("New.md"), "New note.").unwrap();
    std::fs::rename(&content, site.root().join("content.old")).unwrap();
    std::fs::rename(&fresh, &content).unwrap();
    let page = wait_for_page(&server, "/new/", "New note.");
    assert!(page.contains("New note."), "{page}");
    assert_eq!(server.get("/old/").0, 404);
    // And again, deleting and recreating it: the new folder is watched too.
    std::fs::remove_dir_all(&content).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    std::fs::create_dir_all(&content).unwrap();
    std::fs::write(content.join("Third.md"), "Third note.").unwrap();
    let page = wait_for_page(&server, "/third/", "Third note.");
    assert!(page.contains("Third note."), "{page}");
    std::fs::write(content.join("Fourth.md"), "Fourth note.").unwrap();
    let page = wait_for_page(&server, "/fourth/", "Fourth note.");
    assert!(page.contains("Fourth note."), "{page}");
}

#[test]
fn embed_fan_out_is_capped_per_page_with_a_warning_naming_the_chain() {
    let site = TestSite::new();
    for i in 0..10 {
        site.note(
            &format!("N{i}.md"),
            &format!("Note {i}. {}", format!("![[N{}]] ", i + 1).repeat(10)),
        );
    }
    site.note("N10.md", "Leaf text.");
    let limit = std::time::Duration::from_secs(60);
    let (code, err) =
        run_with_limit(&site, &["build"], limit).expect("the fan-out build did not finish");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("content/N0.md:1:9: warning: embeds expand to more than 100 notes")
            && err.contains("(N0.md embeds N1.md embeds N2.md"),
        "{err}"
    );
    let page = site.page("n0/index.html");
    assert_eq!(
        page.matches("class=\"embed\"").count(),
        100,
        "exactly the cap is embedded"
    );
    assert!(
        page.len() < 1 << 20,
        "the page stays small: {} bytes",
        page.len()
    );
    assert!(
        page.contains("class=\"embed-link\">N1</a>"),
        "the rest are links"
    );
    assert!(!page.contains("embed cycle"), "nesting is not a cycle");
}

#[test]
fn control_characters_and_old_mac_line_endings_are_cleaned_with_a_warning() {
    let site = TestSite::new();
    site.file("site.toml", "base_url = \"https://example.org/\"\n")
        .note("Evil.md", "---\ntitle: \"Bell\\a and \\e]0;pwned\\a escape\"\ndate: 2024-01-02\n---\nNUL \u{0} here and ESC \u{1b}[31m red.\n")
        .note("Mac.md", "---\rtitle: Old Mac\r---\rBody [[Evil]].\r");
    let (code, err) = run_clean(&site, &["build"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        !err.contains('\u{1b}') && !err.contains('\u{7}'),
        "raw escapes reach the terminal: {err:?}"
    );
    assert!(
        err.contains("content/Evil.md:5:5: warning: control character U+0000"),
        "{err}"
    );
    let page = site.page("evil/index.html");
    assert!(!page.contains('\u{0}') && !page.contains('\u{1b}') && !page.contains('\u{7}'));
    let atom = site.page("atom.xml");
    assert!(
        !atom.contains('\u{1b}') && !atom.contains('\u{7}'),
        "{atom:?}"
    );
    common::assert_well_formed_xml(&atom, "atom.xml");
    assert!(
        site.page("mac/index.html").contains("<title>Old Mac"),
        "the frontmatter is read"
    );
}

#[test]
fn long_names_dotted_names_and_bad_bytes_get_clear_answers() {
    let site = TestSite::new();
    let long = "Very long name ".repeat(30);
    site.note(
        "A.md",
        &format!("---\naliases: [\"{long}alias\"]\ntags: [\"{}\"]\n---\nSee [[a..b]] and [[mailbox.org]] and [[{long}]].\n", "t".repeat(300)),
    )
    .note("a..b.md", "Dotted.")
    .note("mailbox.org.md", "A mail host.")
    .note("Long.md", &format!("---\ntitle: \"{long}\"\n---\nLong title."));
    let (code, err) = run_clean(&site, &["build"]);
    assert_eq!(code, 0, "{err}");
    let a = site.page("a/index.html");
    assert!(
        a.contains("href=\"../a-b/") || a.contains("href=\"../a-b/index.html\""),
        "{a}"
    );
    assert!(a.contains("../mailbox-org/"), "{a}");
    for entry in walkdir::WalkDir::new(site.root().join("public")) {
        let entry = entry.unwrap();
        assert!(entry.file_name().len() <= 255, "{}", entry.path().display());
    }

    site.note("B.md", "ok\n")
        .note("Bad.md", "line one\nline two \u{fffd}");
    let mut bytes = b"line one\nline two ".to_vec();
    bytes.push(0xff);
    std::fs::write(site.root().join("content/Bad.md"), bytes).unwrap();
    let (code, err) = run_clean(&site, &["check"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("content/Bad.md:2:10: error: not valid UTF-8"),
        "{err}"
    );
}

#[test]
fn thousands_of_placeholder_links_still_get_checked_and_suggested() {
    let site = TestSite::new();
    site.file("site.toml", "broken_links = \"warn\"\n");
    for i in 0..2000 {
        site.note(
            &format!("topics/Note {i}.md"),
            &format!(
                "---\ntitle: Topic number {i}\n---\n[[Placeholder {i}]] and [[Topic numbr {i}]].\n"
            ),
        );
    }
    let limit = std::time::Duration::from_secs(120);
    let (code, err) = run_with_limit(&site, &["check"], limit).expect("check did not finish");
    assert_eq!(code, 0, "{err}");
    assert_eq!(err.matches("warning: unknown link").count(), 4000);
    assert!(
        err.contains("content/topics/Note 17.md:4:24: warning: unknown link [[Topic numbr 17]]; did you mean [[Topic number 17]]?"),
        "{}",
        &err[..2000.min(err.len())]
    );
}

#[test]
fn a_new_content_dir_in_site_toml_is_watched() {
    let site = TestSite::new();
    site.note("A.md", "In content.")
        .file("notes/B.md", "In notes.");
    let server = common::ServeProcess::start(site.root(), &[]);
    assert_eq!(server.get("/a/").0, 200);
    site.file("site.toml", "content_dir = \"notes\"\n");
    let page = wait_for_page(&server, "/b/", "In notes.");
    assert!(page.contains("In notes."), "{page}");
    site.file("notes/C.md", "Added later.");
    let page = wait_for_page(&server, "/c/", "Added later.");
    assert!(
        page.contains("Added later."),
        "the new folder is watched: {page}"
    );
}

#[test]
fn check_with_mentions_fails_where_check_fails() {
    let site = TestSite::new();
    site.note("A.md", "Alpha mentions Beta.")
        .note("Beta.md", "Beta.")
        .file("templates/note.html", "{% if %}");
    let (plain, _) = run_clean(&site, &["check"]);
    let (mentions, err) = run_clean(&site, &["check", "--mentions"]);
    assert_eq!((plain, mentions), (2, 2), "{err}");
    std::fs::remove_file(site.root().join("templates/note.html")).unwrap();
    let out = site.run(&["check", "--mentions"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        common::stdout(&out)
            .contains("content/A.md:1:16: note: mentions [[Beta]] without linking it"),
        "{}",
        common::stdout(&out)
    );
}

#[test]
fn connections_past_the_cap_get_503_and_the_server_recovers() {
    let (_site, server) = serve_site();
    // Idle connections that never send a request hold their places.
    let idle: Vec<std::net::TcpStream> = (0..128)
        .map(|_| std::net::TcpStream::connect(server.addr).unwrap())
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let (status, body) = raw_request(&server, b"GET /a/ HTTP/1.1\r\nHost: localhost\r\n\r\n");
    assert_eq!(status, 503);
    assert_eq!(
        String::from_utf8_lossy(&body),
        "too many connections; try again\n"
    );
    drop(idle);
    let page = wait_for_page(&server, "/a/", "Alpha text");
    assert!(page.contains("Alpha text"), "{page}");
}
