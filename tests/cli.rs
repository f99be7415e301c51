//! The command line: help, version, init, new and exit codes.

mod common;

use common::{stderr, stdout, TestSite};

#[test]
fn version_and_help_on_every_command() {
    let site = TestSite::new();
    let out = site.run(&["--version"]);
    assert!(out.status.success());
    assert_eq!(
        stdout(&out).trim(),
        format!("dossier {}", env!("CARGO_PKG_VERSION"))
    );
    for command in ["build", "check", "init", "new"] {
        let out = site.run(&[command, "--help"]);
        assert!(out.status.success(), "{command} --help");
        assert!(
            stdout(&out).contains("Usage: dossier"),
            "{command}: {}",
            stdout(&out)
        );
    }
    assert!(stdout(&site.run(&["build", "--help"])).contains("--drafts"));
}

#[test]
fn usage_errors_exit_with_code_2() {
    let site = TestSite::new();
    assert_eq!(site.run(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(
        site.run(&["build", "--no-such-flag"]).status.code(),
        Some(2)
    );
    assert_eq!(site.run(&[]).status.code(), Some(2));
}

#[test]
fn missing_content_folder_is_a_config_error() {
    let site = TestSite::new();
    let out = site.run(&["build"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("content folder") && stderr(&out).contains("does not exist"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn init_creates_a_site_that_builds_and_never_overwrites() {
    let site = TestSite::new();
    let out = site.run(&["init", "kb"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("created"));
    let kb = site.root().join("kb");
    assert!(kb.join("site.toml").is_file());
    let check = site.run(&["--root", "kb", "check"]);
    assert!(
        check.status.success(),
        "sample site must check clean: {}",
        stderr(&check)
    );
    let build = site.run(&["build", "--root", "kb"]);
    assert!(build.status.success(), "{}", stderr(&build));
    let person = std::fs::read_to_string(kb.join("public/actors/ada-example/index.html")).unwrap();
    assert!(person.contains("Ada Example"));
    common::assert_internal_links_resolve(&kb.join("public"));

    std::fs::write(kb.join("site.toml"), "title = \"mine\"\n").unwrap();
    let again = site.run(&["init", "kb"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("never overwrites"),
        "{}",
        stderr(&again)
    );
    assert_eq!(
        std::fs::read_to_string(kb.join("site.toml")).unwrap(),
        "title = \"mine\"\n"
    );
}

#[test]
fn new_creates_a_note_in_its_kind_folder_and_never_overwrites() {
    let site = TestSite::new();
    site.note("topics/Fentanyl.md", "A topic.\n");
    let out = site.run(&["new", "actor", "Wang Xiaohong: minister"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let path = site.root().join("content/actors/wang-xiaohong-minister.md");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("---\ntitle: 'Wang Xiaohong: minister'\n"),
        "{text}"
    );
    std::fs::write(&path, format!("{text}Links to [[Fentanyl]].\n")).unwrap();
    let build = site.run(&["build"]);
    assert!(build.status.success(), "{}", stderr(&build));
    let page = site.page("actors/wang-xiaohong-minister/index.html");
    assert!(page.contains("<h1>Wang Xiaohong: minister</h1>"), "{page}");

    let again = site.run(&["new", "actor", "Wang Xiaohong: minister"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("already exists"));
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("[[Fentanyl]]"),
        "not overwritten"
    );

    let unknown = site.run(&["new", "person", "X"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown)
            .contains("unknown kind `person`; known kinds: actor, topic, event, source"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn build_reports_what_it_wrote() {
    let site = TestSite::new();
    site.note("a.md", "Hello.\n");
    let out = site.build_ok();
    assert!(stderr(&out).contains("built 1 note ("), "{}", stderr(&out));
    let timed = site.run(&["build", "--timings"]);
    assert!(stderr(&timed).contains("ms  load"), "{}", stderr(&timed));
}
