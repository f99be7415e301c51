//! Building again into an existing output folder: only changed files are
//! written, files Dossier did not write survive, stale pages go, and a build
//! killed at any moment leaves whole files only.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use common::*;

fn small_site() -> TestSite {
    let site = TestSite::new();
    site.note(
        "actors/Wang Xiaohong.md",
        "---\ntags: [people]\n---\n\nWang leads the ministry. See [[Fentanyl]].\n",
    )
    .note("topics/Fentanyl.md", "A synthetic opioid.\n")
    .note(
        "topics/Tariffs.md",
        "Duties on imports. See [[Fentanyl]].\n",
    );
    site
}

/// Modification time of every file in `dir`, by path relative to it.
fn mtimes(dir: &Path) -> BTreeMap<PathBuf, SystemTime> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().to_path_buf();
            (rel, e.metadata().unwrap().modified().unwrap())
        })
        .collect()
}

/// The "N written, N unchanged, N removed" figures of a build's last line.
fn figures(out: &std::process::Output) -> (usize, usize, usize) {
    let text = stderr(out);
    let line = text
        .lines()
        .find(|l| l.starts_with("built "))
        .unwrap_or_else(|| panic!("no build line in:\n{text}"));
    let number = |word: &str| -> usize {
        let end = line
            .find(word)
            .unwrap_or_else(|| panic!("{word} in {line}"));
        let start = line[..end - 1].rfind(' ').unwrap() + 1;
        line[start..end - 1].parse().unwrap()
    };
    (number("written"), number("unchanged"), number("removed"))
}

#[test]
fn a_rebuild_with_nothing_changed_writes_nothing_and_keeps_modification_times() {
    let site = small_site();
    let first = site.build_ok();
    let (written, unchanged, _) = figures(&first);
    assert!(written > 10 && unchanged == 0, "{}", stderr(&first));
    let out = site.root().join("public");
    let before = mtimes(&out);
    let snapshot_before = snapshot(&out);
    // Coarse file-system clocks would hide a rewrite made too soon.
    std::thread::sleep(Duration::from_millis(20));
    let again = site.build_ok();
    assert_eq!(figures(&again), (0, written, 0), "{}", stderr(&again));
    assert_eq!(mtimes(&out), before, "no file was touched");
    assert_eq!(snapshot(&out), snapshot_before);
}

#[test]
fn an_edit_rewrites_only_the_pages_that_show_it() {
    let site = small_site();
    site.build_ok();
    let out = site.root().join("public");
    let before = mtimes(&out);
    std::thread::sleep(Duration::from_millis(20));
    site.note(
        "topics/Tariffs.md",
        "Duties on imports, raised again. See [[Fentanyl]].\n",
    );
    let built = site.build_ok();
    let (written, _, removed) = figures(&built);
    assert_eq!(removed, 0);
    let after = mtimes(&out);
    let changed: Vec<&PathBuf> = after
        .iter()
        .filter(|(path, time)| before.get(*path) != Some(*time))
        // The manifest is Dossier's bookkeeping, not a file of the site.
        .filter(|(path, _)| *path != Path::new(".dossier-output"))
        .map(|(path, _)| path)
        .collect();
    assert_eq!(changed.len(), written, "{changed:?}");
    assert!(changed.contains(&&PathBuf::from("topics/tariffs/index.html")));
    // Wang's page shows nothing of Tariffs; the stylesheet never changes.
    assert!(!changed.contains(&&PathBuf::from("actors/wang-xiaohong/index.html")));
    assert!(!changed.contains(&&PathBuf::from("style.css")));
    // The output equals a clean build of the same content.
    let clean = site.root().join("clean");
    let out_clean = site.run(&["build", "--output", clean.to_str().unwrap()]);
    assert!(out_clean.status.success());
    assert_eq!(snapshot(&out), snapshot(&clean));
}

#[test]
fn files_dossier_did_not_write_survive_ten_builds_and_are_reported() {
    let site = small_site();
    site.build_ok();
    let out = site.root().join("public");
    std::fs::write(out.join("CNAME"), "notes.example.org\n").unwrap();
    std::fs::create_dir_all(out.join(".git/refs")).unwrap();
    std::fs::write(out.join(".git/HEAD"), "ref: refs/heads/gh-pages\n").unwrap();
    std::fs::write(out.join("topics/_headers"), "/*\n  X-Frame-Options: DENY\n").unwrap();
    for i in 0..10 {
        // Every other build changes a note, and one removes a page.
        if i % 2 == 1 {
            site.note(
                "topics/Fentanyl.md",
                &format!("A synthetic opioid, edit {i}.\n"),
            );
        }
        if i == 5 {
            std::fs::remove_file(site.root().join("content/topics/Tariffs.md")).unwrap();
        }
        let built = site.build_ok();
        let text = stderr(&built);
        assert!(
            text.contains("kept what Dossier did not write") && text.contains(".git/, CNAME"),
            "{text}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(out.join("CNAME")).unwrap(),
        "notes.example.org\n"
    );
    assert!(out.join(".git/HEAD").is_file() && out.join(".git/refs").is_dir());
    assert!(out.join("topics/_headers").is_file());
    // The removed note's page and its folder are gone; the topics folder,
    // which holds a file of the user's, stays.
    assert!(!out.join("topics/tariffs").exists());
    assert!(out.join("topics/fentanyl/index.html").is_file());
}

#[test]
fn a_deleted_note_takes_its_page_and_empty_folder_with_it() {
    let site = small_site();
    site.build_ok();
    std::fs::remove_file(site.root().join("content/topics/Tariffs.md")).unwrap();
    let built = site.build_ok();
    let (_, _, removed) = figures(&built);
    assert!(removed >= 1, "{}", stderr(&built));
    let out = site.root().join("public");
    assert!(!out.join("topics/tariffs").exists());
    assert!(!site.page("sitemap.xml").contains("tariffs"));
}

#[test]
fn a_failed_render_leaves_the_output_and_no_staging_behind() {
    let site = small_site();
    site.build_ok();
    let out = site.root().join("public");
    let before = snapshot(&out);
    site.note("topics/Fentanyl.md", "Changed text.\n");
    site.file(
        "templates/note.html",
        "{% extends \"base.html\" %}{% block content %}{{ nope.nope }}{% endblock %}",
    );
    let failed = site.run(&["build"]);
    assert!(!failed.status.success());
    assert_eq!(snapshot(&out), before, "{}", stderr(&failed));
    assert!(!out.join(".dossier-staging").exists());
}

/// Builds `site` into `out` with the binary, killed after `after`.
fn killed_build(root: &Path, out: &Path, after: Duration) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dossier"))
        .args(["build", "--output", out.to_str().unwrap()])
        .current_dir(root)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(after);
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_build_killed_at_any_moment_leaves_whole_files_and_the_next_build_mends_it() {
    // Two versions of a site where every note page differs.
    let site = TestSite::new();
    let write_version = |v: &str| {
        for i in 0..300 {
            site.note(
                &format!("notes/Note {i}.md"),
                &format!(
                    "Version {v} of note {i}, linking [[Note {}]].\n",
                    (i + 1) % 300
                ),
            );
        }
    };
    write_version("A");
    let reference_a = site.root().join("ref-a");
    assert!(site
        .run(&["build", "--output", reference_a.to_str().unwrap()])
        .status
        .success());
    write_version("B");
    let reference_b = site.root().join("ref-b");
    let built_b = site.run(&["build", "--output", reference_b.to_str().unwrap()]);
    assert!(built_b.status.success());
    let a = snapshot(&reference_a);
    let b = snapshot(&reference_b);
    let out = site.root().join("public");
    for attempt in 0..20u64 {
        // Start from version A's output, then build B and kill it.
        write_version("A");
        assert!(site
            .run(&["build", "--output", out.to_str().unwrap()])
            .status
            .success());
        write_version("B");
        // Spread the kills over a build's length (tens of milliseconds).
        killed_build(site.root(), &out, Duration::from_millis(attempt * 7 % 120));
        for (path, bytes) in snapshot(&out) {
            let name = path.to_string_lossy();
            if name.starts_with(".dossier") {
                continue;
            }
            let whole = a.get(&path) == Some(&bytes) || b.get(&path) == Some(&bytes);
            assert!(whole, "attempt {attempt}: {name} is neither version's file");
        }
        // The next build mends whatever the killed one left.
        let mended = site.run(&["build", "--output", out.to_str().unwrap()]);
        assert!(mended.status.success(), "{}", stderr(&mended));
        let mut now = snapshot(&out);
        now.retain(|p, _| !p.to_string_lossy().starts_with(".dossier"));
        let mut expected = b.clone();
        expected.retain(|p, _| !p.to_string_lossy().starts_with(".dossier"));
        assert_eq!(
            now.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>()
        );
        assert!(
            now == expected,
            "attempt {attempt}: the mended output differs from a clean build"
        );
        assert!(!out.join(".dossier-staging").exists());
    }
}

#[test]
fn long_lists_are_paged_and_hub_pages_stay_small() {
    let site = TestSite::new();
    site.file("site.toml", "broken_links = \"warn\"\n[[kinds]]\nname = \"actor\"\nfolder = \"actors\"\nlabel = \"Actors\"\n");
    site.note(
        "actors/Hub.md",
        "---\ntags: [hub]\n---\n\nEveryone links here.\n",
    );
    for i in 0..450 {
        site.note(
            &format!("actors/Person {i}.md"),
            &format!(
                "---\ntags: [crowd]\ndate: 2024-01-{:02}\n---\n\nPerson {i} once wrote a long sentence about the [[Hub]] and why it matters so much to everyone here.\n",
                i % 28 + 1
            ),
        );
    }
    site.build_ok();
    let out = site.root().join("public");
    // 451 actors: three pages of at most 200, linked both ways.
    let first = site.page("actors/index.html");
    assert!(
        first.contains("Page 1 of 3")
            && first.contains(r#"rel="next" href="../actors/page/2/index.html""#),
        "{first}"
    );
    let third = site.page("actors/page/3/index.html");
    let list = third
        .split("class=\"note-list\"")
        .nth(1)
        .unwrap()
        .split("</ul>")
        .next()
        .unwrap();
    assert_eq!(list.matches("<li>").count(), 51, "{third}");
    assert!(third.contains(r#"rel="prev""#) && !third.contains(r#"rel="next""#));
    assert!(!out.join("actors/page/4").exists());
    assert!(site
        .page("tags/crowd/page/3/index.html")
        .contains("Page 3 of 3"));
    assert!(site
        .page("timeline/page/2/index.html")
        .contains("Page 2 of 3"));
    assert!(site.page("sitemap.xml").contains("actors/page/2/"));
    // The hub: 50 backlinks with their sentence, then names, then a count.
    let hub = site.page("actors/hub/index.html");
    assert_eq!(hub.matches("<blockquote class=\"snippet\">").count(), 50);
    assert!(hub.contains("Also linked from"), "{hub}");
    let graph_data = hub
        .split("local-graph-data\">")
        .nth(1)
        .unwrap()
        .split("</script>")
        .next()
        .unwrap();
    let graph: serde_json::Value = serde_json::from_str(graph_data).unwrap();
    assert_eq!(graph["nodes"].as_array().unwrap().len(), 200);
    // The hub and 199 of its 450 neighbours are drawn.
    assert_eq!(graph["more"], 251);
    assert_internal_links_resolve(&out);
}
