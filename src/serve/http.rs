//! The preview's HTTP/1.1 server: `GET` and `HEAD`, one request per
//! connection, each connection on a thread of its own.
//!
//! Written on `std::net` with `httparse` rather than on a server crate
//! because the preview must bound what a client can cost: request heads are
//! capped ([`MAX_HEAD`], 431), connections are capped ([`MAX_CONNECTIONS`],
//! 503), reads and writes time out, a failed thread spawn refuses one
//! connection instead of ending the process, and a stalled reader holds only
//! its own thread. `Host` must name this machine (421 otherwise), so a web
//! page using DNS rebinding cannot read the preview. Files are streamed
//! from disk in chunks, with single `Range` requests (206/416) for seeking
//! in audio and video.

use std::io::{Read, Seek, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Largest request head (request line and headers) read, in bytes.
pub const MAX_HEAD: usize = 16 * 1024;
/// Most headers in a request.
const MAX_HEADERS: usize = 64;
/// Most connections served at once; more are answered 503 and closed.
pub const MAX_CONNECTIONS: usize = 128;
/// How long a client may take to send its request head.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one write to a client may block before it is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Stack of a connection thread: it parses one head and copies bytes.
const THREAD_STACK: usize = 256 * 1024;

/// A parsed request.
#[derive(Debug)]
pub struct Request {
    /// `GET` or `HEAD` (others are answered 405 before a handler sees them).
    pub head_only: bool,
    /// The request target as sent: path and query, not decoded.
    pub target: String,
    /// Headers with lowercase names.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The value of the first header called `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The body of a reply.
pub enum Body {
    /// No body.
    Empty,
    /// Bytes made for this reply.
    Owned(Vec<u8>),
    /// Bytes kept by the preview.
    Shared(Arc<[u8]>),
    /// A file, streamed from disk.
    File(PathBuf),
}

impl Body {
    /// The bytes of a body held in memory; empty for a file.
    fn bytes(&self) -> &[u8] {
        match self {
            Body::Owned(bytes) => bytes,
            Body::Shared(bytes) => bytes,
            Body::Empty | Body::File(_) => &[],
        }
    }
}

/// A reply: status, headers and body. `Content-Length`, `Connection` and,
/// for ranges, `Content-Range` are added when it is written.
pub struct Reply {
    /// HTTP status code.
    pub status: u16,
    /// Extra headers.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Body,
}

impl Reply {
    /// A reply with a content type and a body.
    pub fn new(status: u16, content_type: &str, body: Body) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type", content_type.to_string())],
            body,
        }
    }

    /// A short plain-text reply.
    pub fn text(status: u16, text: &str) -> Reply {
        Reply::new(
            status,
            "text/plain; charset=utf-8",
            Body::Owned(format!("{text}\n").into_bytes()),
        )
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }
}

/// What a handler does with a request.
pub enum Handled {
    /// Send this reply and close.
    Reply(Reply),
    /// Hand the connection over (an event stream); it is closed when the
    /// function returns.
    Stream(Box<dyn FnOnce(TcpStream) + Send>),
}

/// Answers requests; runs on the connection's thread.
pub type Handler = dyn Fn(&Request) -> Handled + Send + Sync;

/// Binds `bind:port`, moving on to the next ports when one is taken.
pub fn listen(bind: IpAddr, port: u16) -> Result<TcpListener, String> {
    let tries = if port == 0 { 1 } else { 20 };
    let mut last_error = String::new();
    for offset in 0..tries {
        let candidate = port.saturating_add(offset);
        match TcpListener::bind(SocketAddr::new(bind, candidate)) {
            Ok(listener) => {
                if offset > 0 {
                    eprintln!("port {port} is in use; serving on port {candidate} instead (choose one with --port)");
                }
                return Ok(listener);
            }
            Err(e) => last_error = e.to_string(),
        }
    }
    Err(format!(
        "cannot listen on {bind}:{port}: {last_error}; try another port with --port"
    ))
}

/// Accepts connections on `listener` forever, on a thread of its own.
pub fn run(listener: TcpListener, handler: Arc<Handler>) -> std::io::Result<()> {
    let local = listener.local_addr()?;
    let active = Arc::new(AtomicUsize::new(0));
    std::thread::Builder::new()
        .name("dossier-accept".into())
        .spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else {
                    // Out of file descriptors, most likely: let some close.
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                };
                if active.load(Ordering::Acquire) >= MAX_CONNECTIONS {
                    refuse(stream, 503, "too many connections; try again");
                    continue;
                }
                active.fetch_add(1, Ordering::AcqRel);
                let guard = Active(Arc::clone(&active));
                let handler = Arc::clone(&handler);
                let spawned = std::thread::Builder::new()
                    .name("dossier-http".into())
                    .stack_size(THREAD_STACK)
                    .spawn(move || {
                        let _guard = guard;
                        connection(stream, local, handler.as_ref());
                    });
                // The closure, with the stream and the guard, is dropped:
                // that closes the connection and frees its place.
                if let Err(e) = spawned {
                    eprintln!("warning: cannot start a thread for a request ({e}); refused it");
                }
            }
        })?;
    Ok(())
}

/// Counts a connection as active until dropped.
struct Active(Arc<AtomicUsize>);

impl Drop for Active {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Answers a connection that will not be served, without waiting on it:
/// what the socket's buffer does not take at once is dropped.
fn refuse(mut stream: TcpStream, status: u16, text: &str) {
    let _ = stream.set_nonblocking(true);
    let _ = write_reply(&mut stream, None, Reply::text(status, text));
}

/// Serves one connection: reads one request, answers it, closes.
fn connection(mut stream: TcpStream, local: SocketAddr, handler: &Handler) {
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let request = match read_request(&mut stream) {
        Ok(request) => request,
        Err(Some((status, text))) => {
            let _ = write_reply(&mut stream, None, Reply::text(status, text));
            return;
        }
        Err(None) => return, // closed or timed out
    };
    if !host_allowed(request.header("host"), local) {
        let reply = Reply::text(
            421,
            "this preview answers only requests for localhost or its own address",
        );
        let _ = write_reply(&mut stream, Some(&request), reply);
        return;
    }
    let handled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(&request)));
    match handled {
        Ok(Handled::Reply(reply)) => {
            let _ = write_reply(&mut stream, Some(&request), reply);
        }
        Ok(Handled::Stream(stream_to)) => stream_to(stream),
        Err(payload) => {
            let doing = format!("answering {}", crate::diag::Printable(&request.target));
            eprintln!(
                "{}",
                crate::diag::internal_message(&doing, payload.as_ref())
            );
            let _ = write_reply(
                &mut stream,
                Some(&request),
                Reply::text(500, "internal error"),
            );
        }
    }
}

/// Reads and parses a request head. `Err(Some(..))` is a status to answer
/// with; `Err(None)` means the client went away or was too slow.
fn read_request(stream: &mut TcpStream) -> Result<Request, Option<(u16, &'static str)>> {
    let mut buffer = Vec::with_capacity(2048);
    let mut chunk = [0u8; 2048];
    loop {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(&buffer) {
            Ok(httparse::Status::Complete(_)) => {
                let method = parsed.method.unwrap_or_default();
                if method != "GET" && method != "HEAD" {
                    return Err(Some((405, "only GET and HEAD are supported")));
                }
                return Ok(Request {
                    head_only: method == "HEAD",
                    target: parsed.path.unwrap_or_default().to_string(),
                    headers: parsed
                        .headers
                        .iter()
                        .map(|h| {
                            let value = String::from_utf8_lossy(h.value).trim().to_string();
                            (h.name.to_ascii_lowercase(), value)
                        })
                        .collect(),
                });
            }
            Ok(httparse::Status::Partial) => {}
            Err(httparse::Error::TooManyHeaders) => {
                return Err(Some((431, "request has too many headers")))
            }
            Err(_) => return Err(Some((400, "malformed request"))),
        }
        if buffer.len() >= MAX_HEAD {
            return Err(Some((431, "request head too large")));
        }
        let room = (MAX_HEAD - buffer.len()).min(chunk.len());
        match stream.read(&mut chunk[..room]) {
            Ok(0) | Err(_) => return Err(None),
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Whether a `Host` header names this machine: `localhost`, a loopback
/// address or the bound one (any IP literal when bound to all addresses),
/// with this port or none. Names other than `localhost` are refused, which
/// is what defeats DNS rebinding.
fn host_allowed(host: Option<&str>, local: SocketAddr) -> bool {
    let Some(host) = host else {
        return false;
    };
    let (name, port) = match host.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((name, after)) => (name, after.strip_prefix(':')),
            None => return false,
        },
        None => match host.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        },
    };
    if port.is_some_and(|p| p.parse::<u16>().ok() != Some(local.port())) {
        return false;
    }
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match name.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback() || ip == local.ip() || local.ip().is_unspecified(),
        Err(_) => false,
    }
}

/// A single byte range of a `Range: bytes=...` header, for a body of
/// `len` bytes: `Ok(None)` when the header is absent or not one we serve
/// (several ranges: the whole body is sent), `Err(())` when unsatisfiable.
fn byte_range(header: Option<&str>, len: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((start, end)) = spec.split_once('-') else {
        return Err(());
    };
    let (start, end) = (start.trim(), end.trim());
    let range = if start.is_empty() {
        let suffix: u64 = end.parse().map_err(|_| ())?;
        if suffix == 0 || len == 0 {
            return Err(());
        }
        (len.saturating_sub(suffix), len - 1)
    } else {
        let start: u64 = start.parse().map_err(|_| ())?;
        let end = if end.is_empty() {
            len.saturating_sub(1)
        } else {
            end.parse::<u64>()
                .map_err(|_| ())?
                .min(len.saturating_sub(1))
        };
        if start >= len || start > end {
            return Err(());
        }
        (start, end)
    };
    Ok(Some(range))
}

/// Writes `reply` (its head only for `HEAD`), honouring a `Range` header
/// on successful replies.
fn write_reply(
    stream: &mut TcpStream,
    request: Option<&Request>,
    mut reply: Reply,
) -> std::io::Result<()> {
    let head_only = request.is_some_and(|r| r.head_only);
    let range_header = request.and_then(|r| r.header("range"));
    let mut file = None;
    let len = match &reply.body {
        Body::Empty | Body::Owned(_) | Body::Shared(_) => reply.body.bytes().len() as u64,
        Body::File(path) => {
            match std::fs::File::open(path).and_then(|f| Ok((f.metadata()?.len(), f))) {
                Ok((len, f)) => {
                    file = Some(f);
                    len
                }
                Err(_) => {
                    let reply = Reply::text(404, "not found");
                    return write_reply(stream, request, reply);
                }
            }
        }
    };
    let mut range = None;
    if reply.status == 200 && matches!(reply.body, Body::File(_) | Body::Shared(_)) {
        reply.headers.push(("Accept-Ranges", "bytes".into()));
        match byte_range(range_header, len) {
            Ok(Some((start, end))) => {
                reply.status = 206;
                reply
                    .headers
                    .push(("Content-Range", format!("bytes {start}-{end}/{len}")));
                range = Some((start, end));
            }
            Ok(None) => {}
            Err(()) => {
                let reply = Reply::text(416, "range not satisfiable")
                    .with_header("Content-Range", format!("bytes */{len}"));
                return write_reply(stream, None, reply);
            }
        }
    }
    let (start, count) = range.map_or((0, len), |(start, end)| (start, end - start + 1));
    write_head(stream, &reply, Some(count))?;
    if head_only {
        return stream.flush();
    }
    match file {
        Some(mut file) => {
            file.seek(std::io::SeekFrom::Start(start))?;
            // `io::copy` from a file to a socket uses the kernel's zero-copy
            // path where it can; either way the file is never read whole.
            std::io::copy(&mut file.take(count), stream)?;
        }
        None => {
            let (from, to) = (start as usize, (start + count) as usize);
            stream.write_all(reply.body.bytes().get(from..to).unwrap_or_default())?;
        }
    }
    stream.flush()
}

/// Writes the status line and headers. `length` is the body's length, if
/// it has one (an event stream does not).
fn write_head(stream: &mut TcpStream, reply: &Reply, length: Option<u64>) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    for (name, value) in &reply.headers {
        // Our own headers; a value with a line break would split the head.
        if !value.contains(['\r', '\n']) {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    if let Some(length) = length {
        head.push_str(&format!("Content-Length: {length}\r\n"));
    }
    head.push_str(
        "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
    );
    stream.write_all(head.as_bytes())
}

/// Writes the head of an event stream (no length; it ends when the
/// connection does).
pub fn write_stream_head(stream: &mut TcpStream, content_type: &str) -> std::io::Result<()> {
    write_head(stream, &Reply::new(200, content_type, Body::Empty), None)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        301 => "Moved Permanently",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        416 => "Range Not Satisfiable",
        421 => "Misdirected Request",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_must_name_this_machine() {
        let local: SocketAddr = "127.0.0.1:1111".parse().unwrap();
        for ok in [
            "localhost:1111",
            "LOCALHOST",
            "127.0.0.1:1111",
            "127.0.0.1",
            "[::1]:1111",
        ] {
            assert!(host_allowed(Some(ok), local), "{ok}");
        }
        for bad in [
            "attacker.example",
            "attacker.example:1111",
            "localhost:80",
            "127.0.0.1:1112",
            "10.0.0.5:1111",
            "[::1",
            "localhost.attacker.example:1111",
        ] {
            assert!(!host_allowed(Some(bad), local), "{bad}");
        }
        assert!(!host_allowed(None, local));
        let any: SocketAddr = "0.0.0.0:1111".parse().unwrap();
        assert!(host_allowed(Some("192.168.1.9:1111"), any));
        assert!(!host_allowed(Some("notes.example:1111"), any));
    }

    #[test]
    fn single_byte_ranges_are_served_and_bad_ones_refused() {
        assert_eq!(byte_range(None, 10), Ok(None));
        assert_eq!(byte_range(Some("bytes=0-3"), 10), Ok(Some((0, 3))));
        assert_eq!(byte_range(Some("bytes=4-"), 10), Ok(Some((4, 9))));
        assert_eq!(byte_range(Some("bytes=-3"), 10), Ok(Some((7, 9))));
        assert_eq!(byte_range(Some("bytes=5-99"), 10), Ok(Some((5, 9))));
        assert_eq!(byte_range(Some("bytes=0-1,4-5"), 10), Ok(None));
        for bad in ["bytes=10-", "bytes=5-2", "bytes=x-", "bytes=-0", "bytes=3"] {
            assert_eq!(byte_range(Some(bad), 10), Err(()), "{bad}");
        }
    }
}
