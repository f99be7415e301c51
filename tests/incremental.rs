//! The preview's incremental rebuilds produce exactly what a clean build does.

mod common;

use common::{snapshot, TestSite};
use dossier::serve::{Change, Preview};
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

/// Compares the preview's files with a fresh `dossier build` of the same files.
fn assert_matches_clean_build(preview: &Preview, site: &TestSite, step: &str) {
    assert!(
        !preview.diagnostics().iter().any(|d| d.is_error()),
        "{step}: unexpected errors {:?}",
        preview.diagnostics()
    );
    let out = tempfile::tempdir().unwrap();
    let output = out.path().join("site");
    dossier::build(&dossier::BuildOptions {
        output: Some(output.clone()),
        ..dossier::BuildOptions::new(site.root())
    })
    .unwrap_or_else(|e| panic!("{step}: clean build failed: {e}"));
    let mut built = snapshot(&output);
    built.remove(&PathBuf::from(dossier::write::MARKER));
    let served: BTreeMap<PathBuf, Vec<u8>> = preview
        .files()
        .iter()
        .map(|(path, body)| (PathBuf::from(path), body.read().unwrap()))
        .collect();
    let built_paths: Vec<_> = built.keys().collect();
    let served_paths: Vec<_> = served.keys().collect();
    assert_eq!(served_paths, built_paths, "{step}: different files");
    for (path, bytes) in &built {
        if served[path] != *bytes {
            panic!(
                "{step}: {} differs from a clean build\n--- served\n{}\n--- built\n{}",
                path.display(),
                String::from_utf8_lossy(&served[path]),
                String::from_utf8_lossy(bytes)
            );
        }
    }
}

/// Makes an edit, applies it to the preview, and checks the result.
fn step(
    preview: &mut Preview,
    site: &TestSite,
    name: &str,
    change: Change,
    edit: impl FnOnce(),
) -> usize {
    edit();
    preview.apply(&change).unwrap();
    assert_matches_clean_build(preview, site, name);
    preview.rendered()
}

fn content_change(site: &TestSite, paths: &[&str]) -> Change {
    Change {
        content: paths
            .iter()
            .map(|p| site.root().join("content").join(p))
            .collect::<HashSet<_>>(),
        ..Change::default()
    }
}

#[test]
fn every_edit_leaves_the_same_output_as_a_clean_build() {
    let site = TestSite::new();
    site.file("site.toml", "title = \"KB\"\nbase_url = \"https://example.org/\"\n")
        .note("actors/Wang Xiaohong.md", "---\ntitle: Wang Xiaohong\naliases: [Minister Wang]\ntags: [people]\naffiliation: \"[[Ministry]]\"\n---\nWang leads the [[Ministry]].\n\n## Role\n\nHe sought clarity. ^clarity\n")
        .note("actors/Ministry.md", "---\ntags: [orgs]\n---\nThe ministry, headed by [[Minister Wang]].\n")
        .note("topics/Fentanyl.md", "---\ntitle: Fentanyl\ndate: 2025-03-04\n---\nA drug. Quote:\n\n![[Wang Xiaohong#^clarity]]\n\nSection:\n\n![[Wang Xiaohong#Role]]\n")
        .note("topics/Lonely.md", "Nobody links here.\n");
    let mut preview = Preview::new(site.root(), false).unwrap();
    assert_matches_clean_build(&preview, &site, "initial");

    let rendered = step(
        &mut preview,
        &site,
        "edit body text",
        content_change(&site, &["topics/Lonely.md"]),
        || {
            site.note(
                "topics/Lonely.md",
                "Still nobody links here, but the text changed.\n",
            );
        },
    );
    assert_eq!(rendered, 1, "only the edited page is rendered again");

    step(
        &mut preview,
        &site,
        "edit an embedded block",
        content_change(&site, &["actors/Wang Xiaohong.md"]),
        || {
            site.note("actors/Wang Xiaohong.md", "---\ntitle: Wang Xiaohong\naliases: [Minister Wang]\ntags: [people]\naffiliation: \"[[Ministry]]\"\n---\nWang leads the [[Ministry]].\n\n## Role\n\nHe sought clarity from Washington. ^clarity\n");
        },
    );
    step(
        &mut preview,
        &site,
        "add a link",
        content_change(&site, &["topics/Lonely.md"]),
        || {
            site.note(
                "topics/Lonely.md",
                "Now linking [[Fentanyl]] and [[Ministry]].\n",
            );
        },
    );
    step(
        &mut preview,
        &site,
        "change a title",
        content_change(&site, &["actors/Ministry.md"]),
        || {
            site.note("actors/Ministry.md", "---\ntitle: Ministry of Public Security\naliases: [Ministry]\ntags: [orgs, china]\n---\nThe ministry, headed by [[Minister Wang]].\n");
        },
    );
    step(
        &mut preview,
        &site,
        "rename a file",
        content_change(&site, &["topics/Lonely.md", "topics/Not lonely.md"]),
        || {
            std::fs::rename(
                site.root().join("content/topics/Lonely.md"),
                site.root().join("content/topics/Not lonely.md"),
            )
            .unwrap();
        },
    );
    step(
        &mut preview,
        &site,
        "new note in a new folder",
        content_change(&site, &["events/2025/Tariff.md"]),
        || {
            site.note("events/2025/Tariff.md", "---\ndate: 2025-04-01\ntags: [trade/tariffs]\n---\nAbout [[Fentanyl]] and [[Minister Wang]].\n");
        },
    );
    step(
        &mut preview,
        &site,
        "delete a note",
        content_change(&site, &["topics/Not lonely.md"]),
        || {
            std::fs::remove_file(site.root().join("content/topics/Not lonely.md")).unwrap();
        },
    );
    step(
        &mut preview,
        &site,
        "add an attachment",
        content_change(&site, &["actors/photo.png"]),
        || {
            site.file("content/actors/photo.png", "PNG");
            site.note("actors/Ministry.md", "---\ntitle: Ministry of Public Security\naliases: [Ministry]\n---\n![[photo.png]]\n");
        },
    );

    // A broken save keeps the last good files; the fix brings the site back.
    let before = preview.files();
    site.note("topics/Fentanyl.md", "Broken: [[Nobody]].\n");
    preview
        .apply(&content_change(&site, &["topics/Fentanyl.md"]))
        .unwrap();
    assert!(preview
        .diagnostics()
        .iter()
        .any(|d| d.is_error() && d.message.contains("[[Nobody]]")));
    assert_eq!(*preview.files(), *before, "errors keep the last good build");
    step(
        &mut preview,
        &site,
        "fix the broken link",
        content_change(&site, &["topics/Fentanyl.md"]),
        || {
            site.note(
                "topics/Fentanyl.md",
                "---\ntitle: Fentanyl\n---\nFixed, see [[Wang Xiaohong#Role]].\n",
            );
        },
    );

    step(
        &mut preview,
        &site,
        "override a template",
        Change {
            templates: true,
            ..Change::default()
        },
        || {
            site.file("templates/kind.html", "{% extends \"base.html\" %}{% block content %}KIND {{ kind.label }}{% endblock content %}");
        },
    );
    step(
        &mut preview,
        &site,
        "change site.toml",
        Change {
            settings: true,
            ..Change::default()
        },
        || {
            site.file("site.toml", "title = \"Renamed KB\"\n");
        },
    );
    step(
        &mut preview,
        &site,
        "add a static file",
        Change {
            statics: true,
            ..Change::default()
        },
        || {
            site.file("static/extra.css", "body{}");
        },
    );
}
