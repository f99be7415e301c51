//! Measures `dossier serve`'s save-to-reload latency: the time from an atomic
//! save of one note to the live-reload event reaching a browser-like client.
//!
//! `cargo run --release --example serve_latency -- --root bench/corpus/10000 [--edits 20]`
//!
//! Starts `target/release/dossier serve` on the corpus, edits one note
//! `--edits` times (atomic write + rename, as editors save), and prints the
//! median, fastest and slowest latency.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let mut root = PathBuf::from("bench/corpus/1000");
    let mut edits = 20usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--root" => root = args.next().map(PathBuf::from).expect("--root DIR"),
            "--edits" => edits = args.next().and_then(|v| v.parse().ok()).expect("--edits N"),
            other => {
                panic!("unknown argument {other}; usage: serve_latency --root DIR [--edits N]")
            }
        }
    }
    let binary = std::env::current_exe()
        .ok()
        .and_then(|p| Some(p.parent()?.parent()?.join("dossier")))
        .filter(|p| p.exists())
        .expect("build the binary first: cargo build --release");
    let note = walkdir::WalkDir::new(root.join("content"))
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.into_path())
        .expect("a note in the corpus");
    let original = std::fs::read_to_string(&note).expect("read note");

    let started = Instant::now();
    let mut child = Command::new(binary)
        .args(["serve", "--port", "0", "--root"])
        .arg(&root)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start dossier serve");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let banner = lines
        .find_map(|l| l.ok().filter(|l| l.contains("http://")))
        .expect("serve URL");
    let addr = banner
        .split("http://")
        .nth(1)
        .expect("url")
        .trim_end_matches('/')
        .to_string();
    println!(
        "{}: serving after {} ms",
        root.display(),
        started.elapsed().as_millis()
    );

    let mut stream = TcpStream::connect(&addr).expect("connect");
    write!(
        stream,
        "GET /__dossier/events HTTP/1.1\r\nHost: localhost\r\n\r\n"
    )
    .expect("request");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut events = BufReader::new(stream);
    let mut wait_for = |name: &str| {
        let mut line = String::new();
        loop {
            line.clear();
            match events.read_line(&mut line) {
                Ok(0) | Err(_) => panic!("event stream closed while waiting for {name}"),
                Ok(_) if line.trim_end() == format!("event: {name}") => return,
                Ok(_) => {}
            }
        }
    };
    wait_for("hello");

    let tmp = note.with_file_name(".latency-edit.tmp");
    let mut latencies = Vec::with_capacity(edits);
    for i in 0..edits {
        std::thread::sleep(Duration::from_millis(150));
        std::fs::write(&tmp, format!("{original}\nEdit number {i}.\n")).expect("write");
        let saved = Instant::now();
        std::fs::rename(&tmp, &note).expect("rename");
        wait_for("reload");
        latencies.push(saved.elapsed());
    }
    std::fs::write(&note, &original).expect("restore note");
    let _ = child.kill();
    let _ = child.wait();

    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{} edits of {}: median {:.1} ms, fastest {:.1} ms, slowest {:.1} ms",
        edits,
        note.display(),
        ms(latencies[latencies.len() / 2]),
        ms(latencies[0]),
        ms(latencies[latencies.len() - 1])
    );
}
