//! Property test: after any sequence of edits, creates, renames and deletes,
//! the preview's incremental rebuild serves exactly what a clean build of
//! the same files writes.
//!
//! `cargo test --test incremental_prop` runs a seeded pass;
//! `PROPTEST_CASES` and `PROPTEST_RNG_SEED` choose more cases or another seed.

mod common;

use common::snapshot;
use dossier::serve::{Change, Preview};
use proptest::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// Where notes live: two kind folders and the root.
const PATHS: &[&str] = &[
    "actors/Wang.md",
    "actors/Ministry.md",
    "topics/Fentanyl.md",
    "topics/Tariffs.md",
    "Talks.md",
    "events/Summit.md",
];

/// Names notes are linked by: titles, file names, aliases, and a missing one.
const NAMES: &[&str] = &[
    "Wang",
    "Ministry",
    "Fentanyl",
    "Tariffs",
    "Talks",
    "Summit",
    "Minister Wang",
    "Nobody",
];

fn note_text() -> impl Strategy<Value = String> {
    let name = proptest::sample::select(NAMES);
    let piece = prop_oneof![
        name.clone().prop_map(|n| format!("See [[{n}]]. ")),
        name.clone().prop_map(|n| format!("Quote: ![[{n}]]\n\n")),
        name.clone().prop_map(|n| format!("[[{n}#Role|the role]] ")),
        name.clone().prop_map(|n| format!("![[{n}#^key]]\n\n")),
        name.prop_map(|n| format!("{n} is mentioned here. ")),
        Just("\n## Role\n\nThe role text. ^key\n\n".to_string()),
        Just("Plain words about trade. #policy ".to_string()),
        Just("#people ".to_string()),
        Just("#People #policy/Trade ".to_string()),
    ];
    let front = (
        proptest::option::of(proptest::sample::select(
            &["Minister Wang", "Trade war", "Wang"][..],
        )),
        proptest::option::of(proptest::sample::select(
            &[
                "[people]",
                "[policy, People]",
                "[]",
                "[Policy/Trade]",
                "[policy/trade/EU]",
            ][..],
        )),
        proptest::option::of(proptest::sample::select(&["2024-01-02", "2025-03-04"][..])),
        proptest::option::of(proptest::sample::select(
            &["\"[[Ministry]]\"", "\"[[Fentanyl]]\""][..],
        )),
        proptest::bool::weighted(0.15),
    );
    (front, proptest::collection::vec(piece, 0..6)).prop_map(
        |((alias, tags, date, affiliation, draft), body)| {
            let mut text = String::from("---\n");
            if let Some(alias) = alias {
                text.push_str(&format!("aliases: [{alias}]\n"));
            }
            if let Some(tags) = tags {
                text.push_str(&format!("tags: {tags}\n"));
            }
            if let Some(date) = date {
                text.push_str(&format!("date: {date}\n"));
            }
            if let Some(affiliation) = affiliation {
                text.push_str(&format!("affiliation: {affiliation}\n"));
            }
            if draft {
                text.push_str("draft: true\n");
            }
            text.push_str("---\n");
            text.extend(body);
            text
        },
    )
}

/// One thing a writer does to the vault.
#[derive(Debug, Clone)]
enum Op {
    Write(usize, String),
    Delete(usize),
    Rename(usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    let index = 0..PATHS.len();
    prop_oneof![
        4 => (index.clone(), note_text()).prop_map(|(i, t)| Op::Write(i, t)),
        1 => index.clone().prop_map(Op::Delete),
        1 => (index.clone(), index).prop_map(|(a, b)| Op::Rename(a, b)),
    ]
}

/// The files a clean build writes, or `None` if it fails (a content error).
fn clean_build(root: &Path) -> Option<BTreeMap<PathBuf, Vec<u8>>> {
    let out = tempfile::tempdir().unwrap();
    let output = out.path().join("site");
    dossier::build(&dossier::BuildOptions {
        output: Some(output.clone()),
        ..dossier::BuildOptions::new(root)
    })
    .ok()?;
    let mut built = snapshot(&output);
    built.remove(&PathBuf::from(dossier::write::MARKER));
    Some(built)
}

fn served(preview: &Preview) -> BTreeMap<PathBuf, Vec<u8>> {
    preview
        .files()
        .iter()
        .map(|(path, body)| (PathBuf::from(path), body.read().unwrap()))
        .collect()
}

/// Applies `op` on disk and returns the paths it touched.
fn apply(root: &Path, op: &Op) -> Vec<PathBuf> {
    let path = |i: usize| root.join("content").join(PATHS[i]);
    match op {
        Op::Write(i, text) => {
            std::fs::create_dir_all(path(*i).parent().unwrap()).unwrap();
            std::fs::write(path(*i), text).unwrap();
            vec![path(*i)]
        }
        Op::Delete(i) => {
            let _ = std::fs::remove_file(path(*i));
            vec![path(*i)]
        }
        Op::Rename(a, b) => {
            if a != b && path(*a).exists() {
                std::fs::create_dir_all(path(*b).parent().unwrap()).unwrap();
                std::fs::rename(path(*a), path(*b)).unwrap();
            }
            vec![path(*a), path(*b)]
        }
    }
}

#[test]
fn any_sequence_of_edits_serves_what_a_clean_build_writes() {
    let (mut runner, _) = common::seeded_runner(256, 7);
    let initial = proptest::collection::vec((0..PATHS.len(), note_text()), 1..5);
    let ops = proptest::collection::vec(op(), 1..6);
    let result = runner.run(&(initial, ops), |(initial, ops)| {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("site.toml"), "broken_links = \"warn\"\nbase_url = \"https://example.org/\"\n").unwrap();
        std::fs::create_dir_all(root.join("content")).unwrap();
        for (i, text) in &initial {
            apply(root, &Op::Write(*i, text.clone()));
        }
        let mut preview = Preview::new(root, false).unwrap();
        for (step, op) in ops.iter().enumerate() {
            let touched = apply(root, op);
            let change = Change {
                content: touched.into_iter().collect::<HashSet<_>>(),
                ..Change::default()
            };
            preview.apply(&change).unwrap();
            let has_errors = preview.diagnostics().iter().any(|d| d.is_error());
            match clean_build(root) {
                Some(built) => {
                    prop_assert!(!has_errors, "step {step} ({op:?}): the preview has errors, the build none");
                    let served = served(&preview);
                    let built_paths: Vec<_> = built.keys().collect();
                    let served_paths: Vec<_> = served.keys().collect();
                    prop_assert_eq!(served_paths, built_paths, "step {} ({:?}): different files", step, op);
                    for (path, bytes) in &built {
                        prop_assert!(
                            served[path] == *bytes,
                            "step {step} ({op:?}): {} differs from a clean build\n--- served\n{}\n--- built\n{}",
                            path.display(),
                            String::from_utf8_lossy(&served[path]),
                            String::from_utf8_lossy(bytes)
                        );
                    }
                }
                None => prop_assert!(has_errors, "step {step} ({op:?}): the build failed, the preview did not"),
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
