//! Hostile input, one case per class: odd notes, odd files, odd requests.
//! Each case asserts what the user sees: an exit code, a `file:line:col`
//! message, the files written, or an HTTP status. None may panic or hang.

mod common;

use common::{stderr, TestSite};

/// Runs `args` and asserts the process ended by itself (no panic, no abort).
fn run_clean(site: &TestSite, args: &[&str]) -> (i32, String) {
    let out = site.run(args);
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{args:?} panicked:\n{err}");
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("{args:?} was killed:\n{err}"));
    (code, err)
}

#[test]
fn a_link_label_that_runs_past_a_callout_title_is_an_error_not_a_crash() {
    let site = TestSite::new();
    site.note("A.md", "# A\n\n> [!note] Title [[Note|\n> label]]\n")
        .note("B.md", ">[!e]c[[>|\n]]")
        .note("Note.md", "target");
    for command in ["check", "build"] {
        let (code, err) = run_clean(&site, &[command]);
        assert_eq!(code, 1, "{command}: {err}");
        assert!(
            err.contains("content/B.md:1:7: error: unknown link"),
            "{err}"
        );
    }
}
