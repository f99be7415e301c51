//! `dossier serve`: a local preview that rebuilds on save and reloads the browser.
//!
//! The site is rendered into memory ([`Preview`]), never to the user's output
//! folder. A rebuild parses only the notes that changed, links everything
//! again, and re-renders only the pages whose inputs changed (see
//! [`Renderer::fingerprint`](crate::render::Renderer::fingerprint)). Browsers
//! hear about it over Server-Sent Events at [`EVENTS_PATH`].
//!
//! Requests are looked up in the in-memory file map by key; no request path is
//! ever joined to a folder on disk, so no request can read a file outside the
//! site.

use std::collections::HashMap;
use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::diag::Diagnostic;
use crate::markdown::escape_html;
use crate::BuildError;

pub mod http;
mod preview;
mod watch;

pub use preview::{Body, Change, Preview};

/// How long the preview waits for another save before rebuilding the search index.
const SEARCH_DELAY: Duration = Duration::from_millis(400);

/// The reserved path of the live-reload event stream.
pub const EVENTS_PATH: &str = "/__dossier/events";

/// Options of `dossier serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Site root.
    pub root: PathBuf,
    /// Address to listen on; 127.0.0.1 unless asked otherwise.
    pub bind: IpAddr,
    /// Port; 0 picks a free one. A taken port moves on to the next free one.
    pub port: u16,
    /// Open the preview in a browser.
    pub open: bool,
    /// Include drafts.
    pub drafts: bool,
}

/// What request threads read: the current files and error overlay.
struct Snapshot {
    files: Arc<HashMap<String, Body>>,
    overlay: Option<String>,
    /// Identifies what pages show: the server session and a count of page rebuilds.
    version: String,
}

/// State shared by the server threads.
struct Shared {
    snapshot: RwLock<Arc<Snapshot>>,
    /// One sender per connected live-reload client.
    clients: Mutex<Vec<mpsc::Sender<String>>>,
    /// Changes when the server restarts, so reconnecting pages know to reload.
    session: String,
}

impl Shared {
    /// Makes the preview's files the ones served. `pages_changed` bumps the
    /// version pages carry, so a page loaded just before a rebuild but
    /// connected just after it still reloads.
    fn publish(&self, preview: &Preview, pages_changed: bool) {
        let errors: Vec<String> = preview
            .diagnostics()
            .iter()
            .filter(|d| d.is_error())
            .map(Diagnostic::to_string)
            .collect();
        let overlay = (!errors.is_empty()).then(|| overlay_html(&errors));
        self.swap(preview.files(), overlay, pages_changed);
    }

    /// Keeps serving the last good files with `errors` over every page: a
    /// rebuild failed before it had content diagnostics (`site.toml`, a
    /// template, an internal error).
    fn publish_failure(&self, errors: &[String]) {
        let files = Arc::clone(&self.current().files);
        self.swap(files, Some(overlay_html(errors)), true);
    }

    fn swap(
        &self,
        files: Arc<HashMap<String, Body>>,
        overlay: Option<String>,
        pages_changed: bool,
    ) {
        let previous = self.current();
        let count: u64 = previous
            .version
            .rsplit(':')
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let count = if pages_changed { count + 1 } else { count };
        let snapshot = Arc::new(Snapshot {
            files,
            overlay,
            version: format!("{}:{count}", self.session),
        });
        if let Ok(mut slot) = self.snapshot.write() {
            *slot = snapshot;
        }
    }

    fn broadcast(&self, message: &str) {
        if let Ok(mut clients) = self.clients.lock() {
            clients.retain(|client| client.send(message.to_string()).is_ok());
        }
    }

    fn current(&self) -> Arc<Snapshot> {
        match self.snapshot.read() {
            Ok(snapshot) => Arc::clone(&snapshot),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }
}

fn overlay_html(errors: &[String]) -> String {
    let mut html = String::from(
        "<div id=\"dossier-errors\" role=\"alert\" style=\"position:fixed;inset:auto 0 0 0;max-height:45vh;overflow:auto;\
         z-index:2147483647;margin:0;padding:1rem 1.25rem;background:#2b0d0d;color:#ffdcdc;font:14px/1.5 ui-monospace,monospace;\
         border-top:3px solid #ff5c5c\"><strong>Dossier: the last save has errors; showing the last good build.</strong><ul style=\"margin:.5rem 0 0;padding-left:1.2rem\">",
    );
    for d in errors.iter().take(OVERLAY_ERRORS) {
        html.push_str("<li>");
        html.push_str(&escape_html(d));
        html.push_str("</li>");
    }
    if errors.len() > OVERLAY_ERRORS {
        html.push_str(&format!(
            "<li>and {} more: the terminal lists them all</li>",
            errors.len() - OVERLAY_ERRORS
        ));
    }
    html.push_str("</ul></div>");
    html
}

/// Errors the overlay lists: it is added to every page served.
const OVERLAY_ERRORS: usize = 50;

/// The live-reload client: reloads on `reload`, and when the server's version
/// (sent on connecting) differs from the page's: after a restart, or after a
/// rebuild that happened before the page connected.
const RELOAD_SCRIPT: &str = "<script>(function(){var served='VERSION',source;function connect(){source=new EventSource('/__dossier/events');\
source.addEventListener('hello',function(e){if(e.data!==served){location.reload();}});\
source.addEventListener('reload',function(){location.reload();});\
source.onerror=function(){source.close();setTimeout(connect,500);};}connect();})();</script>";

/// Adds the reload script (and the error overlay) to a served HTML page.
fn inject(html: &[u8], overlay: Option<&str>, version: &str) -> Vec<u8> {
    let mut extra = RELOAD_SCRIPT.replace("VERSION", version);
    if let Some(overlay) = overlay {
        extra.push_str(overlay);
    }
    let at = html
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + extra.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(extra.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

/// The content type for a file name, with `charset=utf-8` for text (every
/// text file Dossier writes is UTF-8).
pub fn mime_type(path: &str) -> String {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let textual = mime.type_() == mime_guess::mime::TEXT
        || matches!(mime.subtype().as_str(), "javascript" | "xml" | "json");
    if textual && mime.get_param(mime_guess::mime::CHARSET).is_none() && mime.subtype() != "json" {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    }
}

/// Why a request path is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum BadPath {
    /// Malformed: bad escapes, not UTF-8, NUL, backslash, `..`, not absolute.
    Invalid,
}

/// Decodes and checks a request path, returning the key to look up (no
/// leading `/`) and whether the request named a folder (trailing `/`).
pub fn request_key(raw_url: &str) -> Result<(String, bool), BadPath> {
    let path = raw_url.split(['?', '#']).next().unwrap_or("");
    if !path.starts_with('/') {
        return Err(BadPath::Invalid);
    }
    // Every `%` must start an escape: a stray one is a malformed request,
    // not a literal to guess about.
    let bytes = path.as_bytes();
    let well_formed = memchr::memchr_iter(b'%', bytes).all(|i| {
        bytes
            .get(i + 1..i + 3)
            .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    });
    if !well_formed {
        return Err(BadPath::Invalid);
    }
    let decoded: Vec<u8> = percent_encoding::percent_decode(bytes).collect();
    let decoded = String::from_utf8(decoded).map_err(|_| BadPath::Invalid)?;
    if decoded.contains(['\0', '\\']) {
        return Err(BadPath::Invalid);
    }
    let mut parts = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" => {}
            "." | ".." => return Err(BadPath::Invalid),
            s if s.contains(':') => return Err(BadPath::Invalid),
            s => parts.push(s),
        }
    }
    Ok((parts.join("/"), decoded.ends_with('/')))
}

/// The most live-reload clients at once: each holds a connection and a
/// thread for as long as its page is open.
const MAX_EVENT_CLIENTS: usize = 64;

/// Answers one request from the current snapshot, or hands the connection
/// to the live-reload stream.
fn handle(shared: &Arc<Shared>, request: &http::Request) -> http::Handled {
    if request.target.split('?').next() == Some(EVENTS_PATH) {
        let clients = shared.clients.lock().map_or(0, |c| c.len());
        if clients >= MAX_EVENT_CLIENTS {
            return http::Handled::Reply(http::Reply::text(
                503,
                "too many open previews; close some tabs",
            ));
        }
        let shared = Arc::clone(shared);
        return http::Handled::Stream(Box::new(move |stream| stream_events(stream, &shared)));
    }
    http::Handled::Reply(answer(&shared.current(), &request.target))
}

/// The reply to `GET raw_url` from a snapshot of the site.
fn answer(snapshot: &Snapshot, raw_url: &str) -> http::Reply {
    let Ok((key, folder)) = request_key(raw_url) else {
        return http::Reply::text(400, "bad request path");
    };
    let files = &snapshot.files;
    let lookup = if key.is_empty() {
        "index.html".to_string()
    } else if folder {
        format!("{key}/index.html")
    } else {
        key.clone()
    };
    let found = files.get(&lookup).map(|body| (lookup.as_str(), body));
    let (status, name, body) = match found {
        Some((name, body)) => (200, name.to_string(), body),
        None if !folder && files.contains_key(&format!("{key}/index.html")) => {
            // The path as the client sent it (still encoded), plus a slash.
            let (path, query) = raw_url.split_at(raw_url.find('?').unwrap_or(raw_url.len()));
            return http::Reply::text(301, "moved")
                .with_header("Location", format!("{path}/{query}"));
        }
        None => match files.get("404.html") {
            Some(body) => (404, "404.html".to_string(), body),
            None => return http::Reply::text(404, "not found"),
        },
    };
    let content_type = mime_type(&name);
    let content_type = content_type.as_str();
    let body =
        match body {
            Body::Bytes(bytes) if content_type.starts_with("text/html") => http::Body::Owned(
                inject(bytes, snapshot.overlay.as_deref(), &snapshot.version),
            ),
            Body::Bytes(bytes) => http::Body::Shared(Arc::clone(bytes)),
            Body::File(path) => http::Body::File(path.clone()),
        };
    http::Reply::new(status, content_type, body)
}

/// Streams live-reload events to one browser until it goes away.
fn stream_events(mut stream: std::net::TcpStream, shared: &Shared) {
    let (sender, receiver) = mpsc::channel::<String>();
    if let Ok(mut clients) = shared.clients.lock() {
        clients.push(sender);
    }
    let hello = format!("event: hello\ndata: {}\n\n", shared.current().version);
    if http::write_stream_head(&mut stream, "text/event-stream")
        .and_then(|()| stream.write_all(hello.as_bytes()))
        .and_then(|()| stream.flush())
        .is_err()
    {
        return;
    }
    loop {
        let message = match receiver.recv_timeout(Duration::from_secs(15)) {
            Ok(event) => format!("event: {event}\ndata: {event}\n\n"),
            Err(mpsc::RecvTimeoutError::Timeout) => ": ping\n\n".to_string(),
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        if stream
            .write_all(message.as_bytes())
            .and_then(|()| stream.flush())
            .is_err()
        {
            return;
        }
    }
}

fn print_outcome(preview: &Preview, started: Instant, first: bool) {
    let errors: Vec<&Diagnostic> = preview
        .diagnostics()
        .iter()
        .filter(|d| d.is_error())
        .collect();
    if errors.is_empty() {
        for warning in preview.diagnostics() {
            eprintln!("{warning}");
        }
        let ms = started.elapsed().as_millis();
        if first {
            eprintln!(
                "built {} in {ms} ms",
                crate::diag::count(preview.site.published_count(), "note")
            );
        } else {
            eprintln!(
                "rebuilt in {ms} ms ({} changed)",
                crate::diag::count(preview.rendered(), "page")
            );
        }
    } else {
        for d in preview.diagnostics() {
            eprintln!("{d}");
        }
        eprintln!(
            "{}; still serving the last good build",
            crate::diag::count(errors.len(), "error")
        );
    }
}

/// Runs the preview server until interrupted. Returns the process exit code.
pub fn serve(mut options: ServeOptions) -> i32 {
    let started = Instant::now();
    // Watchers report absolute paths; work with an absolute root to match them.
    match options.root.canonicalize() {
        Ok(root) => options.root = root,
        Err(e) => {
            eprintln!(
                "error: cannot open the site root {}: {e}",
                options.root.display()
            );
            return 2;
        }
    }
    let mut preview = match Preview::new(&options.root, options.drafts) {
        Ok(preview) => preview,
        Err(e) => {
            eprintln!("error: {e}");
            return e.exit_code();
        }
    };
    print_outcome(&preview, started, true);
    let listener = match http::listen(options.bind, options.port) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let address = match listener.local_addr() {
        Ok(address) => address,
        Err(e) => {
            eprintln!("error: the server has no address: {e}");
            return 2;
        }
    };
    let url = format!("http://{address}/");

    let session = format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let shared = Arc::new(Shared {
        snapshot: RwLock::new(Arc::new(Snapshot {
            files: Arc::default(),
            overlay: None,
            version: String::new(),
        })),
        clients: Mutex::default(),
        session,
    });
    shared.publish(&preview, true);

    let _ = ctrlc::set_handler(|| {
        eprintln!("\nstopped; nothing was written to disk");
        std::process::exit(0);
    });

    // Watch sources; events go to the rebuild loop below.
    let (events_tx, events_rx) = mpsc::channel();
    let mut watches = match watch::Watches::new(&options.root, &preview.site.config, events_tx) {
        Ok(watches) => watches,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let handler_shared = Arc::clone(&shared);
    let handler: Arc<http::Handler> = Arc::new(move |request| handle(&handler_shared, request));
    if let Err(e) = http::run(listener, handler) {
        eprintln!("error: cannot start the server: {e}");
        return 2;
    }
    // Announce the address only once the watcher and the server run.
    println!("Serving {} at {url}", options.root.display());
    println!("Press Ctrl-C to stop.");
    let _ = std::io::stdout().flush();
    if options.open {
        open_browser(&url);
    }

    let mut poisoned = false;
    loop {
        // While the search index is behind, wait only briefly for the next
        // save: a burst of saves rebuilds pages first and the index once.
        let first = if preview.search_stale() {
            match events_rx.recv_timeout(SEARCH_DELAY) {
                Ok(event) => event,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let refreshed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        preview.refresh_search()
                    }));
                    if refreshed.is_err() {
                        poisoned = true;
                    }
                    shared.publish(&preview, false);
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        } else {
            match events_rx.recv() {
                Ok(event) => event,
                Err(_) => break,
            }
        };
        let mut change = watches.classify(first);
        // Coalesce a burst of saves into one rebuild.
        while let Ok(more) = events_rx.try_recv() {
            change.merge(watches.classify(more));
        }
        if change.is_empty() {
            continue;
        }
        let started = Instant::now();
        // A rebuild that panicked may have left the preview half changed:
        // the next one starts afresh.
        let rebuilt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            if poisoned {
                Preview::new(&options.root, options.drafts).map(|fresh| preview = fresh)
            } else {
                preview.apply_pages(&change)
            }
        }));
        poisoned = rebuilt.is_err();
        if watch::Watches::needs_follow(&change) {
            watches.follow(&preview.site.config);
        }
        let failure = match rebuilt {
            Ok(Ok(())) => {
                shared.publish(&preview, true);
                shared.broadcast("reload");
                print_outcome(&preview, started, false);
                continue;
            }
            Ok(Err(BuildError::Content(diagnostics))) => {
                diagnostics.iter().map(Diagnostic::to_string).collect()
            }
            Ok(Err(e)) => vec![format!("error: {e}")],
            Err(payload) => vec![crate::diag::internal_message(
                "while rebuilding",
                payload.as_ref(),
            )],
        };
        for line in &failure {
            eprintln!("{line}");
        }
        eprintln!("still serving the last good build");
        shared.publish_failure(&failure);
        shared.broadcast("reload");
    }
    0
}

fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    if std::process::Command::new(opener).arg(url).spawn().is_err() {
        eprintln!("could not open a browser; open {url} yourself");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_paths_are_decoded_and_checked() {
        assert_eq!(request_key("/").unwrap(), (String::new(), true));
        assert_eq!(
            request_key("/actors/wang%20x/?q=1").unwrap(),
            ("actors/wang x".into(), true)
        );
        for bad in [
            "/../etc/passwd",
            "/%2e%2e/x",
            "/a/%2E%2E/b",
            "/a\\b",
            "/a%5cb",
            "/%00",
            "/%zz",
            "/%c3%28",
            "x",
            "/c:/w",
        ] {
            assert_eq!(request_key(bad), Err(BadPath::Invalid), "{bad}");
        }
        // Double encoding decodes once to a harmless literal name.
        assert_eq!(request_key("/%252e%252e/x").unwrap().0, "%2e%2e/x");
    }

    #[test]
    fn content_types_come_from_the_extension() {
        for (name, mime) in [
            ("a/index.html", "text/html; charset=utf-8"),
            ("style.css", "text/css; charset=utf-8"),
            ("dossier.js", "text/javascript; charset=utf-8"),
            ("graph.json", "application/json"),
            ("x.bmp", "image/bmp"),
            ("x.flac", "audio/flac"),
            ("x.mov", "video/quicktime"),
            ("x.mkv", "video/x-matroska"),
            ("x.ogv", "video/ogg"),
            ("x.unknownext", "application/octet-stream"),
        ] {
            assert_eq!(mime_type(name), mime, "{name}");
        }
    }

    #[test]
    fn injection_goes_before_the_body_end() {
        let out = String::from_utf8(inject(
            b"<html><body>x</body></html>",
            Some("<div>E</div>"),
            "s:1",
        ))
        .unwrap();
        assert!(out.starts_with("<html><body>x<script>"));
        assert!(
            out.contains("var served='s:1'"),
            "the page knows the version it shows"
        );
        assert!(out.ends_with("<div>E</div></body></html>"));
    }
}
