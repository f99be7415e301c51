//! Helpers shared by the integration tests: temporary sites, running the
//! binary, and checking the links of a built site.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A site in a temporary folder.
pub struct TestSite {
    pub dir: tempfile::TempDir,
}

impl TestSite {
    /// An empty site (no site.toml: all defaults).
    pub fn new() -> Self {
        TestSite {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file under the site root, creating folders.
    pub fn file(&self, rel: &str, text: &str) -> &Self {
        let path = self.root().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self
    }

    /// Writes a note under content/.
    pub fn note(&self, rel: &str, text: &str) -> &Self {
        self.file(&format!("content/{rel}"), text)
    }

    /// Runs the `dossier` binary in the site root.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_dossier"))
            .args(args)
            .current_dir(self.root())
            .output()
            .expect("run dossier")
    }

    /// Runs `dossier build` and panics with its output unless it succeeds.
    pub fn build_ok(&self) -> Output {
        let out = self.run(&["build"]);
        assert!(out.status.success(), "build failed:\n{}", stderr(&out));
        out
    }

    /// Reads a file of the output folder.
    pub fn page(&self, rel: &str) -> String {
        let path = self.root().join("public").join(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every file under `dir` with its bytes, for byte-for-byte comparisons.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Values of every `attr="..."` in `html`.
pub fn attr_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!(" {attr}=\"");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&needle) {
        rest = &rest[i + needle.len()..];
        if let Some(end) = rest.find('"') {
            out.push(&rest[..end]);
            rest = &rest[end..];
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

fn unescape(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

/// Checks that every internal `href` and `src` in every HTML file under `out`
/// points at an existing file and, for `#fragment`s, at an existing id.
/// Returns the number of links checked.
pub fn assert_internal_links_resolve(out: &Path) -> usize {
    let mut checked = 0;
    let mut problems = Vec::new();
    for entry in walkdir::WalkDir::new(out)
        .into_iter()
        .filter_map(Result::ok)
    {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "html")
            || path.file_name().is_some_and(|n| n == "404.html")
        {
            continue;
        }
        let html = std::fs::read_to_string(path).unwrap();
        let mut urls = attr_values(&html, "href");
        urls.extend(attr_values(&html, "src"));
        for raw in urls {
            let url = unescape(raw);
            if url.contains("://") || url.starts_with("mailto:") || url.starts_with("data:") {
                continue;
            }
            checked += 1;
            let (file_part, fragment) = match url.split_once('#') {
                Some((f, frag)) => (f.to_string(), Some(frag.to_string())),
                None => (url.clone(), None),
            };
            let mut target = if file_part.is_empty() {
                path.to_path_buf()
            } else {
                path.parent().unwrap().join(percent_decode(&file_part))
            };
            if file_part.ends_with('/') || target.is_dir() {
                target = target.join("index.html");
            }
            let Ok(canonical) = target.canonicalize() else {
                problems.push(format!(
                    "{}: {url} -> missing {}",
                    path.display(),
                    target.display()
                ));
                continue;
            };
            if !canonical.starts_with(out.canonicalize().unwrap()) {
                problems.push(format!(
                    "{}: {url} leaves the output folder",
                    path.display()
                ));
                continue;
            }
            if let Some(fragment) = fragment {
                let target_html = std::fs::read_to_string(&canonical).unwrap_or_default();
                let id = percent_decode(&fragment);
                if !target_html.contains(&format!(" id=\"{id}\"")) {
                    problems.push(format!(
                        "{}: {url} -> no id {id:?} in {}",
                        path.display(),
                        canonical.display()
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "broken internal links:\n{}",
        problems.join("\n")
    );
    checked
}

/// A running `dossier serve` on an ephemeral port; killed when dropped.
pub struct ServeProcess {
    child: std::process::Child,
    /// Address it listens on.
    pub addr: std::net::SocketAddr,
    /// Lines it printed to stderr so far.
    pub stderr: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    /// The URL line it printed.
    pub banner: String,
}

impl ServeProcess {
    /// Starts `dossier serve --port 0` (plus `extra` arguments) on the site at `root`.
    pub fn start(root: &Path, extra: &[&str]) -> ServeProcess {
        use std::io::BufRead;
        let mut child = Command::new(env!("CARGO_BIN_EXE_dossier"))
            .args(["serve", "--port", "0"])
            .args(extra)
            .arg("--root")
            .arg(root)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start dossier serve");
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let err_pipe = child.stderr.take().unwrap();
        let sink = std::sync::Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(err_pipe)
                .lines()
                .map_while(Result::ok)
            {
                sink.lock().unwrap().push(line);
            }
        });
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let banner = loop {
            match lines.next() {
                Some(Ok(line)) if line.contains("http://") => break line,
                Some(Ok(_)) => continue,
                _ => {
                    let _ = child.kill();
                    panic!(
                        "serve did not print its URL; stderr: {:?}",
                        stderr.lock().unwrap()
                    );
                }
            }
        };
        std::thread::spawn(move || for _ in lines {});
        let url = banner
            .split("http://")
            .nth(1)
            .unwrap()
            .trim_end_matches('/');
        let addr = url
            .parse()
            .unwrap_or_else(|e| panic!("bad address in {banner:?}: {e}"));
        ServeProcess {
            child,
            addr,
            stderr,
            banner,
        }
    }

    /// Sends a raw request line for `path` (not normalised or encoded) and
    /// returns status, headers (lowercase names) and body.
    pub fn request(&self, method: &str, path: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(self.addr).expect("connect");
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no response to {method} {path}: {raw:?}"));
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.lines();
        let status = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
            .collect();
        (status, headers, raw[split + 4..].to_vec())
    }

    /// `GET path` and the body as text.
    pub fn get(&self, path: &str) -> (u16, String) {
        let (status, _, body) = self.request("GET", path);
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    /// Opens the live-reload event stream.
    pub fn events(&self) -> EventStream {
        use std::io::Write;
        let mut stream = std::net::TcpStream::connect(self.addr).expect("connect");
        write!(
            stream,
            "GET /__dossier/events HTTP/1.1\r\nHost: localhost\r\n\r\n"
        )
        .unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_millis(200)))
            .unwrap();
        EventStream {
            reader: std::io::BufReader::new(stream),
        }
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client of the live-reload event stream.
pub struct EventStream {
    reader: std::io::BufReader<std::net::TcpStream>,
}

impl EventStream {
    /// Waits up to `timeout` for `event: name`; true if it came.
    pub fn wait_for(&mut self, name: &str, timeout: std::time::Duration) -> bool {
        use std::io::BufRead;
        let deadline = std::time::Instant::now() + timeout;
        let wanted = format!("event: {name}");
        let mut line = String::new();
        while std::time::Instant::now() < deadline {
            line.clear();
            match self.reader.read_line(&mut line) {
                Ok(0) => return false,
                Ok(_) if line.trim_end() == wanted => return true,
                _ => {}
            }
        }
        false
    }
}

/// Replaces a file the way editors do: write a hidden temporary file, then rename it over.
pub fn atomic_save(path: &Path, text: &str) {
    let tmp = path.with_file_name(format!(
        ".{}.tmp",
        path.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// A proptest runner with a fixed seed, so a pass is repeatable: `cases`
/// and `seed` unless `PROPTEST_CASES` or `PROPTEST_RNG_SEED` say otherwise.
/// Returns the seed used, for the test to print.
pub fn seeded_runner(cases: u32, seed: u64) -> (proptest::test_runner::TestRunner, u64) {
    use proptest::test_runner::{Config, RngSeed, TestRunner};
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse().ok());
    let seed = env("PROPTEST_RNG_SEED").unwrap_or(seed);
    let config = Config {
        cases: env("PROPTEST_CASES").map_or(cases, |c| c as u32),
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        ..Config::default()
    };
    (TestRunner::new(config), seed)
}

/// Parses `xml` to the end, panicking with `what` on the first error.
pub fn assert_well_formed_xml(xml: &str, what: &str) {
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("{what} is ill-formed: {e}\n{xml}"),
        }
    }
}
