//! Runs the browser tests in `tests/browser/` (Node's test runner with
//! playwright-core driving Debian's Chromium) against `dossier serve`.
//!
//! A missing Chromium, Node.js or playwright-core fails the test with what
//! to install (`.ci/run` installs them).

use std::path::Path;
use std::process::Command;

#[test]
fn browser_tests() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let playwright = manifest.join("tests/browser/node_modules/playwright-core");
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let missing: Vec<&str> = [
        (!Path::new(&chromium).exists()).then_some("Chromium (apt-get install chromium)"),
        (!playwright.exists()).then_some("playwright-core (npm ci --prefix tests/browser)"),
        (!node).then_some("Node.js"),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(
        missing.is_empty(),
        "browser tests cannot run: missing {}",
        missing.join(", ")
    );
    // Serve a copy of the example site, so the edit test cannot touch the real one.
    let site = tempfile::tempdir().unwrap();
    copy_dir(&manifest.join("content"), &site.path().join("content"));
    std::fs::copy(manifest.join("site.toml"), site.path().join("site.toml")).unwrap();
    let screenshots = manifest.join("target/screenshots");
    let status = Command::new("node")
        .args(["--test", "--test-reporter=spec"])
        .arg(manifest.join("tests/browser/explore.test.mjs"))
        .current_dir(manifest.join("tests/browser"))
        .env("DOSSIER_BIN", env!("CARGO_BIN_EXE_dossier"))
        .env("SITE_ROOT", site.path())
        .env("SCREENSHOTS", &screenshots)
        .env("CHROMIUM", &chromium)
        .status()
        .expect("run node --test");
    assert!(
        status.success(),
        "browser tests failed; screenshots in {}",
        screenshots.display()
    );
    eprintln!("screenshots in {}", screenshots.display());
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
