//! `dossier serve` over real sockets on 127.0.0.1.

mod common;

use common::{atomic_save, ServeProcess, TestSite};
use std::time::{Duration, Instant};

fn site() -> TestSite {
    let site = TestSite::new();
    site.note(
        "actors/Wang Xiaohong.md",
        "---\ntitle: Wang Xiaohong\n---\nMinister. Original text.\n",
    )
    .note(
        "topics/Fentanyl.md",
        "Links to [[Wang Xiaohong]]. ![[photo of wang.png]]\n",
    )
    .file("content/actors/photo of wang.png", "PNGDATA")
    .file("secret.txt", "TOPSECRET outside the site\n");
    site
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn serves_pages_with_types_redirects_404_and_head() {
    let site = site();
    let server = ServeProcess::start(site.root(), &[]);
    assert!(
        server.banner.contains("http://127.0.0.1:"),
        "binds 127.0.0.1 by default: {}",
        server.banner
    );

    let (status, headers, body) = server.request("GET", "/");
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(header(&headers, "cache-control"), Some("no-store"));
    assert!(
        String::from_utf8_lossy(&body).contains("/__dossier/events"),
        "live reload is injected"
    );

    let (status, page) = server.get("/actors/wang-xiaohong/");
    assert_eq!(status, 200);
    assert!(page.contains("Original text."));
    let (status, headers, _) = server.request("GET", "/actors/wang-xiaohong?x=1");
    assert_eq!(status, 301);
    assert_eq!(
        header(&headers, "location"),
        Some("/actors/wang-xiaohong/?x=1")
    );

    for (path, mime) in [
        ("/style.css", "text/css; charset=utf-8"),
        ("/atom.xml", "text/xml; charset=utf-8"),
        ("/robots.txt", "text/plain; charset=utf-8"),
        ("/actors/photo%20of%20wang.png", "image/png"),
    ] {
        let (status, headers, _) = server.request("GET", path);
        assert_eq!(
            (status, header(&headers, "content-type")),
            (200, Some(mime)),
            "{path}"
        );
    }
    let (status, _, body) = server.request("GET", "/actors/photo%20of%20wang.png");
    assert_eq!((status, body.as_slice()), (200, &b"PNGDATA"[..]));

    let (status, page) = server.get("/no/such/page/");
    assert_eq!(status, 404);
    assert!(
        page.contains("Page not found"),
        "the site's 404 page: {page}"
    );

    let (status, headers, body) = server.request("HEAD", "/actors/wang-xiaohong/");
    assert_eq!(status, 200);
    assert!(body.is_empty());
    assert!(header(&headers, "content-length").is_some_and(|l| l.parse::<usize>().unwrap() > 100));
    assert_eq!(server.request("POST", "/").0, 405);

    assert!(
        !site.root().join("public").exists(),
        "serve never writes the build output"
    );
}

#[test]
fn no_request_reads_a_file_outside_the_site() {
    let site = site();
    let server = ServeProcess::start(site.root(), &[]);
    let payloads = [
        "/../secret.txt",
        "/../../../../etc/passwd",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/..%5csecret.txt",
        "/%2e%2e%5csecret.txt",
        "/actors/../../secret.txt",
        "/actors/%2e%2e/%2e%2e/secret.txt",
        "/%252e%252e/secret.txt",
        "/%252e%252e%252fsecret.txt",
        "/..%252fsecret.txt",
        "//etc/passwd",
        "/etc/passwd",
        "/secret.txt",
        "/content/actors/Wang%20Xiaohong.md",
        "/site.toml",
        "/%2fetc%2fpasswd",
        "/%5cetc%5cpasswd",
        "/..\\secret.txt",
        "/.\\..\\secret.txt",
        "/%00../secret.txt",
        "/index.html%00.png",
        "/secret.txt%00",
        "/%c0%ae%c0%ae/secret.txt",
        "/%e0%80%ae%e0%80%ae/secret.txt",
        "/.%2e/secret.txt",
        "/%2e./secret.txt",
        "/./../secret.txt",
        "/file:///etc/passwd",
        "/C:/Windows/win.ini",
        "http://127.0.0.1/../secret.txt",
        "../secret.txt",
        "/actors/wang-xiaohong/../../../secret.txt",
        "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/proc/self/environ",
    ];
    assert!(payloads.len() >= 30);
    for payload in payloads {
        let (status, _, body) = server.request("GET", payload);
        let body = String::from_utf8_lossy(&body);
        assert!(
            !body.contains("TOPSECRET"),
            "{payload} returned the secret ({status})"
        );
        assert!(
            !body.contains("root:x:0:0"),
            "{payload} returned /etc/passwd ({status})"
        );
        assert!(
            !body.contains("[[Wang Xiaohong]]"),
            "{payload} returned a source note ({status})"
        );
        assert_ne!(status, 200, "{payload} answered 200");
    }
    // The server still works afterwards.
    assert_eq!(server.get("/").0, 200);
}

#[test]
fn a_save_sends_a_reload_event_and_the_new_page_is_served() {
    let site = site();
    let server = ServeProcess::start(site.root(), &[]);
    let mut events = server.events();
    assert!(
        events.wait_for("hello", Duration::from_secs(10)),
        "event stream opens"
    );
    let note = site.root().join("content/actors/Wang Xiaohong.md");
    let saved = Instant::now();
    atomic_save(
        &note,
        "---\ntitle: Wang Xiaohong\n---\nMinister. Edited text.\n",
    );
    assert!(
        events.wait_for("reload", Duration::from_secs(10)),
        "reload event after an atomic save"
    );
    println!(
        "save-to-reload-event latency: {} ms",
        saved.elapsed().as_millis()
    );
    let (status, page) = server.get("/actors/wang-xiaohong/");
    assert_eq!(status, 200);
    assert!(
        page.contains("Edited text.") && !page.contains("Original text."),
        "{page}"
    );

    // A new note appears, a deleted one disappears.
    atomic_save(
        &site.root().join("content/topics/Tariffs.md"),
        "New note linking [[Fentanyl]].\n",
    );
    assert!(events.wait_for("reload", Duration::from_secs(10)));
    assert_eq!(server.get("/topics/tariffs/").0, 200);
    std::fs::remove_file(site.root().join("content/topics/Tariffs.md")).unwrap();
    assert!(events.wait_for("reload", Duration::from_secs(10)));
    assert_eq!(server.get("/topics/tariffs/").0, 404);
}

#[test]
fn a_broken_save_shows_the_errors_over_the_last_good_page() {
    let site = site();
    let server = ServeProcess::start(site.root(), &[]);
    let mut events = server.events();
    assert!(events.wait_for("hello", Duration::from_secs(10)));
    atomic_save(
        &site.root().join("content/topics/Fentanyl.md"),
        "Now broken: [[Nobody Here]].\n",
    );
    assert!(events.wait_for("reload", Duration::from_secs(10)));
    let (status, page) = server.get("/topics/fentanyl/");
    assert_eq!(status, 200);
    assert!(page.contains("id=\"dossier-errors\""), "overlay: {page}");
    assert!(
        page.contains("content/topics/Fentanyl.md:1:13: error: unknown link [[Nobody Here]]"),
        "{page}"
    );
    assert!(
        page.contains("Links to"),
        "the last good page stays: {page}"
    );
    let (_, other) = server.get("/actors/wang-xiaohong/");
    assert!(
        other.contains("dossier-errors"),
        "the overlay is on every page"
    );

    atomic_save(
        &site.root().join("content/topics/Fentanyl.md"),
        "Fixed: [[Wang Xiaohong]].\n",
    );
    assert!(events.wait_for("reload", Duration::from_secs(10)));
    let (_, page) = server.get("/topics/fentanyl/");
    assert!(
        page.contains("Fixed:") && !page.contains("dossier-errors"),
        "{page}"
    );
    let stderr = server.stderr.lock().unwrap().join("\n");
    assert_eq!(
        stderr.matches("unknown link [[Nobody Here]]").count(),
        1,
        "one report per rebuild: {stderr}"
    );
}

#[test]
fn a_taken_port_moves_to_the_next_one() {
    let site = site();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dossier"))
        .args(["serve", "--port", &port.to_string(), "--root"])
        .arg(site.root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("port {port} is in use; serving on port")),
        "{stderr}"
    );
    drop(taken);
}
