//! End-to-end tests of `dossier build` and `dossier check` on fixture sites.

mod common;

use common::{assert_internal_links_resolve, snapshot, stderr, TestSite};
use std::path::Path;

/// A small knowledge base exercising links, relations and tags.
fn fixture() -> TestSite {
    let site = TestSite::new();
    site.note(
        "actors/Wang Xiaohong.md",
        "---\ntitle: Wang Xiaohong\naliases: [Minister Wang]\ntags: [people, china/government]\naffiliation: \"[[Ministry of Public Security]]\"\n---\n\nWang leads the ministry.\n\n## Role in the talks\n\nHe sought clarity.\n",
    )
    .note("actors/Ministry of Public Security.md", "---\ntags: [china/government]\n---\n\n# Ministry of Public Security\n\nHeaded by [[Minister Wang]].\n")
    .note(
        "topics/Fentanyl.md",
        "---\ntitle: Fentanyl\ntags: [drugs]\n---\n\nA synthetic opioid. Talks with [[Wang Xiaohong|the minister]] may advance soon. Unrelated sentence.\n\n## What next?\n\nSee [[Wang Xiaohong#role in the talks]] and [the ministry](../actors/Ministry%20of%20Public%20Security.md).\n\n| who | link |\n|---|---|\n| minister | [[Wang Xiaohong\\|Wang]] |\n\nCode: `[[Not A Note]]`.\n\n```\n[[Also not a note]]\n```\n\n<!-- [[Hidden note]] -->\n",
    )
    .note("events/Tariff.md", "---\ntitle: Additional tariff\ndate: 2025-03-04\ntopics: [\"[[Fentanyl]]\"]\n---\n\nSee [[Fentanyl#What next]].\n");
    site
}

/// Builds the example site in `content/` into a temporary folder: the folder
/// (kept alive), the output inside it and the build's report.
fn build_example_site() -> (tempfile::TempDir, std::path::PathBuf, dossier::BuildReport) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    let output = out.path().join("site");
    let report = dossier::build(&dossier::BuildOptions {
        output: Some(output.clone()),
        ..dossier::BuildOptions::new(root)
    })
    .unwrap_or_else(|e| panic!("example site failed to build:\n{e}"));
    (out, output, report)
}

#[test]
fn example_site_builds_and_every_internal_link_resolves() {
    let (_out, output, report) = build_example_site();
    assert!(report.notes >= 18, "only {} notes", report.notes);
    for page in [
        "index.html",
        "404.html",
        "actors/wang-xiaohong/index.html",
        "topics/fentanyl/index.html",
        "tags/index.html",
        "actors/index.html",
    ] {
        assert!(output.join(page).is_file(), "missing {page}");
    }
    let checked = assert_internal_links_resolve(&output);
    assert!(checked > 200, "only {checked} links checked");
}

/// Regression guard against wasted work, counted rather than timed: a full
/// build makes every output file exactly once (no page rendered or written
/// twice), and what it reports is what is on disk.
#[test]
fn a_full_build_writes_each_output_file_once() {
    let (_out, output, report) = build_example_site();
    let on_disk = snapshot(&output);
    let written = on_disk
        .keys()
        .filter(|p| p.as_path() != Path::new(".dossier-output"))
        .count();
    assert_eq!(report.files, written, "files made vs files in the output");
    // One page per note beside the alias redirects in the kind folders.
    let note_pages = on_disk
        .iter()
        .filter(|(path, _)| {
            ["actors", "topics", "events", "sources"]
                .iter()
                .any(|kind| path.starts_with(kind))
                && path.components().count() == 3
        })
        .filter(|(_, bytes)| !String::from_utf8_lossy(bytes).contains("http-equiv=\"refresh\""))
        .count();
    assert_eq!(note_pages, report.notes, "one page per note");
}

#[test]
fn fixture_links_resolve_including_headings_tables_and_markdown_links() {
    let site = fixture();
    site.build_ok();
    assert_internal_links_resolve(&site.root().join("public"));
    let fentanyl = site.page("topics/fentanyl/index.html");
    assert!(
        fentanyl.contains(r#"<a href="../../actors/wang-xiaohong/index.html">the minister</a>"#),
        "{fentanyl}"
    );
    assert!(fentanyl.contains(r#"href="../../actors/wang-xiaohong/index.html#role-in-the-talks">Wang Xiaohong &gt; role in the talks</a>"#), "{fentanyl}");
    assert!(
        fentanyl.contains(
            r#"<a href="../../actors/ministry-of-public-security/index.html">the ministry</a>"#
        ),
        "{fentanyl}"
    );
    assert!(
        fentanyl.contains(r#"<a href="../../actors/wang-xiaohong/index.html">Wang</a></td>"#),
        "table link: {fentanyl}"
    );
    let tariff = site.page("events/tariff/index.html");
    assert!(
        tariff.contains(r#"href="../../topics/fentanyl/index.html#what-next">"#),
        "heading link without '?': {tariff}"
    );
}

#[test]
fn wikilinks_in_code_and_comments_stay_literal() {
    let site = fixture();
    site.build_ok();
    let html = site.page("topics/fentanyl/index.html");
    assert!(html.contains("<code>[[Not A Note]]</code>"));
    assert!(html.contains("[[Also not a note]]"));
    assert!(html.contains("<!-- [[Hidden note]] -->"));
}

#[test]
fn backlinks_show_the_sentence_around_the_link() {
    let site = fixture();
    site.build_ok();
    let wang = site.page("actors/wang-xiaohong/index.html");
    let backlinks = &wang[wang.find("class=\"backlinks\"").expect("backlinks section")..];
    assert!(
        backlinks.contains(r#"<a href="../../topics/fentanyl/index.html">Fentanyl</a>"#),
        "{backlinks}"
    );
    assert!(
        backlinks.contains("Talks with <mark>the minister</mark> may advance soon."),
        "{backlinks}"
    );
    assert!(
        !backlinks.contains("Unrelated sentence"),
        "snippet is one sentence: {backlinks}"
    );
    // An alias link counts as a backlink too.
    assert!(
        backlinks.contains("Headed by <mark>Minister Wang</mark>."),
        "{backlinks}"
    );
}

#[test]
fn relations_show_in_both_directions() {
    let site = fixture();
    site.build_ok();
    let wang = site.page("actors/wang-xiaohong/index.html");
    assert!(wang.contains("<dt>affiliation</dt>"));
    assert!(wang.contains(r#"<a href="../../actors/ministry-of-public-security/index.html">Ministry of Public Security</a>"#));
    let ministry = site.page("actors/ministry-of-public-security/index.html");
    let inverse = &ministry[ministry
        .find("class=\"relations inverse\"")
        .expect("inverse relations")..];
    assert!(inverse.contains("affiliation of"), "{inverse}");
    assert!(
        inverse.contains(r#"<a href="../../actors/wang-xiaohong/index.html">Wang Xiaohong</a>"#),
        "{inverse}"
    );
    let fentanyl = site.page("topics/fentanyl/index.html");
    assert!(
        fentanyl.contains("topics of"),
        "event's topics relation shows on the topic"
    );
}

#[test]
fn tag_kind_and_home_pages_list_notes() {
    let site = fixture();
    site.build_ok();
    let tag = site.page("tags/china/government/index.html");
    assert!(
        tag.contains("Wang Xiaohong") && tag.contains("Ministry of Public Security"),
        "{tag}"
    );
    let parent = site.page("tags/china/index.html");
    assert!(
        parent.contains("Wang Xiaohong"),
        "nested tag counts under its parent"
    );
    let tags = site.page("tags/index.html");
    assert!(
        tags.contains(r##"href="../tags/drugs/index.html">#drugs</a>"##),
        "{tags}"
    );
    let actors = site.page("actors/index.html");
    assert!(
        actors.contains(r#"href="../actors/wang-xiaohong/index.html">Wang Xiaohong</a>"#),
        "{actors}"
    );
    assert!(!actors.contains("Fentanyl"), "topics are not actors");
    let home = site.page("index.html");
    assert!(
        home.contains(
            r#"<time>2025-03-04</time> <a href="./events/tariff/index.html">Additional tariff</a>"#
        ),
        "{home}"
    );
    assert!(
        home.contains("Actors") && home.contains("<span class=\"count\">2</span>"),
        "{home}"
    );
}

#[test]
fn title_from_h1_is_not_repeated_in_the_body() {
    let site = fixture();
    site.build_ok();
    let ministry = site.page("actors/ministry-of-public-security/index.html");
    assert_eq!(ministry.matches("<h1").count(), 1, "{ministry}");
}

#[test]
fn broken_links_are_all_reported_with_position_and_suggestion() {
    let site = fixture();
    site.note(
        "topics/Tariffs.md",
        "---\ntitle: Tariffs\n---\n\nImposed by\n    and [[Wang Xiahong]] too.\n",
    )
    .note(
        "topics/Other.md",
        "Links to [[Nobody At All]] and [[Fentanyl#No such heading]].\n",
    );
    let out = site.run(&["build"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("content/topics/Tariffs.md:6:9: error: unknown link [[Wang Xiahong]]; did you mean [[Wang Xiaohong]]?"),
        "{err}"
    );
    assert!(
        err.contains("content/topics/Other.md:1:10: error: unknown link [[Nobody At All]]"),
        "{err}"
    );
    assert!(err.contains("content/topics/Other.md:1:32: error: unknown heading in link [[Fentanyl#No such heading]]"), "{err}");
    assert!(err.contains("3 errors"), "{err}");
    assert!(
        !site.root().join("public").exists(),
        "a failed first build writes nothing"
    );

    let check = site.run(&["check"]);
    assert_eq!(check.status.code(), Some(1));
    assert_eq!(
        stderr(&check).matches("error:").count(),
        3,
        "{}",
        stderr(&check)
    );
}

#[test]
fn a_note_at_the_url_of_a_site_page_fails_the_build_naming_both() {
    let site = fixture();
    site.note("actors/Wang-Xiaohong.md", "Same URL as Wang Xiaohong.\n")
        .note("Timeline.md", "Same URL as the timeline page.\n");
    let out = site.run(&["build"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    // Two notes get two URLs (a warning); a note cannot take a generated page's.
    assert!(
        err.contains("warning: content/actors/Wang Xiaohong.md and content/actors/Wang-Xiaohong.md would both be published at /actors/wang-xiaohong/; this note is published at /actors/wang-xiaohong-2/"),
        "{err}"
    );
    assert!(
        err.contains(
            "error: content/Timeline.md and the timeline would both be published at /timeline/"
        ),
        "{err}"
    );
    assert!(
        err.contains("/timeline/; rename or move one of them"),
        "{err}"
    );
    assert!(!site.root().join("public").exists(), "{err}");
}

#[test]
fn broken_links_in_frontmatter_point_at_their_line() {
    let site = fixture();
    site.note("actors/Yun Sun.md", "---\ntitle: Yun Sun\nrole: director\naffiliation:\n  - \"[[Stimson Centre]]\"\n---\nBody.\n")
        .note("actors/Stimson Center.md", "The think tank.\n");
    let err = stderr(&site.run(&["check"]));
    assert!(
        err.contains("content/actors/Yun Sun.md:5:6: error: unknown link [[Stimson Centre]]; did you mean [[Stimson Center]]?"),
        "{err}"
    );
}

#[test]
fn warn_policy_builds_and_marks_missing_links() {
    let site = fixture();
    site.file("site.toml", "broken_links = \"warn\"\n")
        .note("topics/Other.md", "Links to [[Nobody At All]].\n");
    let out = site.build_ok();
    assert!(
        stderr(&out)
            .contains("content/topics/Other.md:1:10: warning: unknown link [[Nobody At All]]"),
        "{}",
        stderr(&out)
    );
    let html = site.page("topics/other/index.html");
    assert!(
        html.contains(
            r#"<span class="missing-link" title="missing: Nobody At All">Nobody At All</span>"#
        ),
        "{html}"
    );
}

#[test]
fn shared_names_resolve_as_obsidian_does_and_ties_are_warned() {
    let site = TestSite::new();
    site.note("actors/Notes.md", "A\n")
        .note("topics/Notes.md", "B\n")
        .note("topics/deep/Plan.md", "Deep plan.\n")
        .note("Plan.md", "Shallow plan.\n")
        .note("topics/Ideas.md", "Local: [[Notes]].\n")
        .note(
            "Index.md",
            "See [[Notes]], [[actors/Notes]] and [[Plan]].\n",
        );
    let out = site.run(&["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    // Same depth, neither in the linking folder: the first by path, with a warning.
    assert!(
        err.contains("content/Index.md:1:5: warning: ambiguous link [[Notes]]: it matches actors/Notes.md, topics/Notes.md; it goes to actors/Notes.md, as Obsidian's would; write the path to pick one: [[actors/Notes]] or [[topics/Notes]]"),
        "{err}"
    );
    assert_eq!(err.matches("warning:").count(), 1, "{err}");
    let index = site.page("index/index.html");
    assert!(
        index.contains(r#"href="../actors/notes/index.html">Notes</a>"#),
        "{index}"
    );
    // The shortest path wins without a word; the linking folder wins first.
    assert!(
        index.contains(r#"href="../plan/index.html">Plan</a>"#),
        "{index}"
    );
    let ideas = site.page("topics/ideas/index.html");
    assert!(
        ideas.contains(r#"href="../../topics/notes/index.html""#),
        "{ideas}"
    );
}

#[test]
fn invalid_yaml_is_reported_with_the_file_line_and_other_notes_still_check() {
    let site = fixture();
    site.note(
        "topics/Bad.md",
        "---\ntitle: Bad\ntags: [unclosed\naliases: x\n---\nBody [[Nobody]].\n",
    );
    let out = site.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let line = err
        .lines()
        .find(|l| l.contains("invalid YAML"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(line.starts_with("content/topics/Bad.md:"), "{line}");
    let lineno: usize = line.split(':').nth(1).unwrap().parse().unwrap();
    assert!(
        (3..=5).contains(&lineno),
        "line {lineno} should be inside the file's frontmatter, not the block: {line}"
    );
    assert!(
        err.contains("content/topics/Bad.md:6:6: error: unknown link [[Nobody]]"),
        "body still checked: {err}"
    );
}

#[test]
fn a_failed_build_leaves_the_previous_output_byte_identical() {
    let site = fixture();
    site.build_ok();
    let out = site.root().join("public");
    let before = snapshot(&out);
    site.note("topics/Fentanyl.md", "Now broken: [[Nobody]].\n");
    let failed = site.run(&["build"]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(stderr(&failed).contains("previous output is unchanged"));
    assert_eq!(snapshot(&out), before);
    let leftovers: Vec<_> = std::fs::read_dir(site.root())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".public"))
        .collect();
    assert!(leftovers.is_empty(), "no staging folders left behind");
}

#[test]
fn folders_left_by_a_killed_build_are_cleared_but_nothing_else() {
    let site = fixture();
    let abandoned = site.root().join(".public.staging-4000000000");
    std::fs::create_dir_all(abandoned.join("actors")).unwrap();
    let not_ours = site.root().join(".public.staging-notes");
    std::fs::create_dir_all(&not_ours).unwrap();
    site.build_ok();
    assert!(
        !abandoned.exists(),
        "the staging folder of a dead build is removed"
    );
    assert!(
        not_ours.exists(),
        "a folder that only looks similar is kept"
    );
}

#[test]
fn a_rebuild_replaces_stale_pages() {
    let site = fixture();
    site.build_ok();
    std::fs::remove_file(site.root().join("content/events/Tariff.md")).unwrap();
    site.build_ok();
    assert!(!site.root().join("public/events/tariff").exists());
}

#[test]
fn dangerous_output_folders_are_refused_and_nothing_is_deleted() {
    let site = fixture();
    let parent = site.root().parent().unwrap().to_str().unwrap().to_string();
    let root = site.root().to_str().unwrap().to_string();
    for output in [
        ".",
        "content",
        "..",
        "/",
        root.as_str(),
        parent.as_str(),
        "content/public",
    ] {
        let out = site.run(&["build", "--output", output]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "--output {output}: {}",
            stderr(&out)
        );
        assert!(
            stderr(&out).contains("refusing to write the site"),
            "{}",
            stderr(&out)
        );
    }
    site.file("mine/keep.txt", "precious");
    let out = site.run(&["build", "--output", "mine"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not write"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(site.root().join("mine/keep.txt")).unwrap(),
        "precious"
    );
    assert!(site.root().join("content/topics/Fentanyl.md").is_file());
}

#[test]
fn text_from_notes_is_escaped() {
    let site = TestSite::new();
    site.note(
        "actors/Evil.md",
        "---\ntitle: \"<script>alert(1)</script>\"\naliases: [\"<b>bold</b>\"]\nrole: \"<img src=x onerror=alert(2)>\"\ntags: [\"<i>\"]\n---\n\nBody.\n",
    )
    .note("Linker.md", "Link [[Evil]] here.\n");
    site.build_ok();
    let html = site.page("actors/evil/index.html");
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<img src=x"), "{html}");
    assert!(!html.contains("<b>bold</b>"), "{html}");
    let actors = site.page("actors/index.html");
    assert!(!actors.contains("<script>alert"), "{actors}");
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let site = fixture();
    site.note("topics/Secret.md", "---\ndraft: true\n---\nSecret.\n")
        .note("topics/Public.md", "Mentions [[Secret]].\n");
    site.build_ok();
    assert!(!site.root().join("public/topics/secret").exists());
    let public = site.page("topics/public/index.html");
    assert!(
        public.contains(r#"<span class="unpublished-link">Secret</span>"#),
        "{public}"
    );
    let out = site.run(&["build", "--drafts"]);
    assert!(out.status.success());
    assert!(site
        .root()
        .join("public/topics/secret/index.html")
        .is_file());
}

#[test]
fn publish_false_keeps_a_note_private_and_explicit_mode_publishes_only_publish_true() {
    let site = TestSite::new();
    site.file("site.toml", "broken_links = \"warn\"\n")
        .note("Private Diary.md", "---\npublish: false\naliases: [Diary]\ntags: [secret-tag]\n---\nUnpublishedWord inside.\n")
        .note("Open Letter.md", "---\npublish: true\n---\nSee [[Private Diary]] and [[Shared Page]].\n")
        .note("Shared Page.md", "Plain note, no publish key. Mentions Private Diary.\n");
    site.build_ok();
    let out = site.root().join("public");
    assert!(!out.join("private-diary").exists());
    // Nothing of the private note reaches any file: title, alias, tag, text.
    for (path, bytes) in snapshot(&out) {
        let text = String::from_utf8_lossy(&bytes);
        for secret in ["UnpublishedWord", "secret-tag", "private-diary"] {
            assert!(!text.contains(secret), "{secret} in {}", path.display());
        }
    }
    // `publish: true` is a switch, not a property to show.
    let letter = site.page("open-letter/index.html");
    assert!(!letter.contains(">publish<"), "{letter}");
    assert!(out.join("shared-page/index.html").is_file());

    // Explicit mode: only `publish: true` notes go out.
    site.file(
        "site.toml",
        "broken_links = \"warn\"\npublish = \"explicit\"\n",
    );
    site.build_ok();
    assert!(out.join("open-letter/index.html").is_file());
    assert!(!out.join("shared-page").exists());
    assert!(!out.join("private-diary").exists());
}

#[test]
fn two_notes_with_one_url_get_two_urls_and_a_warning_naming_both() {
    let site = TestSite::new();
    site.note("topics/Trade Talks.md", "A\n")
        .note("topics/trade-talks.md", "B\n")
        .note("Index.md", "[[Trade Talks]] and [[trade-talks]].\n");
    let out = site.run(&["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("content/topics/trade-talks.md: warning: content/topics/Trade Talks.md and content/topics/trade-talks.md would both be published at /topics/trade-talks/; this note is published at /topics/trade-talks-2/"),
        "{err}"
    );
    // Sorted by path, "Trade Talks.md" comes first and keeps the URL.
    assert!(site
        .page("topics/trade-talks/index.html")
        .contains("<p>A</p>"));
    assert!(site
        .page("topics/trade-talks-2/index.html")
        .contains("<p>B</p>"));
    let index = site.page("index/index.html");
    assert!(index.contains("topics/trade-talks-2/index.html"), "{index}");
    assert_internal_links_resolve(&site.root().join("public"));
}

#[test]
fn attachments_are_copied_and_embedded_images_resolve() {
    let site = TestSite::new();
    site.note(
        "actors/Person.md",
        "![[photo of wang.png]]\n\n![map](../maps/map.png)\n\n[[report.pdf]]\n",
    )
    .file("content/actors/photo of wang.png", "PNG")
    .file("content/maps/map.png", "PNG2")
    .file("content/files/report.pdf", "PDF");
    site.build_ok();
    let html = site.page("actors/person/index.html");
    assert!(
        html.contains(
            r#"<img src="../../actors/photo%20of%20wang.png" alt="photo of wang.png" loading="lazy">"#
        ),
        "{html}"
    );
    assert!(
        html.contains(r#"<img src="../../maps/map.png" alt="map" loading="lazy">"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<a href="../../files/report.pdf">report.pdf</a>"#),
        "{html}"
    );
    assert_internal_links_resolve(&site.root().join("public"));
}

#[test]
fn site_templates_override_the_theme() {
    let site = fixture();
    site.file("templates/kind.html", "{% extends \"base.html\" %}{% block content %}CUSTOM {{ kind.label }} {{ notes | length }}{% endblock content %}");
    site.build_ok();
    assert!(site.page("actors/index.html").contains("CUSTOM Actors 2"));
}

#[test]
fn a_template_looping_over_a_note_ref_sees_its_keys_in_the_documented_order() {
    let site = fixture();
    site.file(
        "templates/kind.html",
        "{% for n in notes %}[{% for key, value in n %}{{ key }} {% endfor %}]{% endfor %}",
    );
    site.build_ok();
    let keys = "[title url kind kind_label date description ]";
    let html = site.page("actors/index.html");
    assert_eq!(html, keys.repeat(2));
}

#[test]
fn dossier_markup_is_printed_as_is_with_or_without_a_safe_filter() {
    let site = fixture();
    // A theme written the Zola way, with `| safe`, and one without it.
    site.file(
        "templates/note.html",
        "<main>{{ note.content | safe }}</main><pre>{{ note.content }}</pre><script>{{ note.local_graph | safe }}</script><script>{{ note.local_graph }}</script><script>{{ note.json_ld }}</script><h1>{{ note.title }}</h1>",
    );
    site.note(
        "topics/Odd.md",
        "---\ntitle: \"<b>Odd</b>\"\n---\nSee [[Fentanyl]].\n",
    );
    site.build_ok();
    let html = site.page("topics/odd/index.html");
    let link = r#"<a href="../../topics/fentanyl/index.html">Fentanyl</a>"#;
    assert_eq!(html.matches(link).count(), 2, "{html}");
    assert_eq!(html.matches(r#"{"id":"topics/odd""#).count(), 2, "{html}");
    assert!(html.contains(r#"<script>{"@context""#), "{html}");
    // Text from the note is still escaped.
    assert!(html.contains("<h1>&lt;b&gt;Odd&lt;/b&gt;</h1>"), "{html}");
}

#[test]
fn template_errors_exit_with_code_2() {
    let site = fixture();
    site.file("templates/note.html", "{% if %}");
    let out = site.run(&["build"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("note.html"), "{}", stderr(&out));
}

#[test]
fn clean_urls_can_be_chosen() {
    let site = fixture();
    site.file("site.toml", "index_links = false\n");
    site.build_ok();
    let html = site.page("topics/fentanyl/index.html");
    assert!(
        html.contains(r#"href="../../actors/wang-xiaohong/">the minister</a>"#),
        "{html}"
    );
}

#[test]
fn canonical_urls_use_base_url() {
    let site = fixture();
    site.file("site.toml", "base_url = \"https://example.org/kb/\"\n");
    site.build_ok();
    let html = site.page("topics/fentanyl/index.html");
    assert!(
        html.contains(r#"<link rel="canonical" href="https://example.org/kb/topics/fentanyl/">"#),
        "{html}"
    );
    assert!(
        html.contains(r#"href="../../style.css""#),
        "internal links stay relative"
    );
}

#[test]
fn bad_site_toml_is_a_config_error() {
    let site = fixture();
    site.file("site.toml", "title = \"x\"\nbroken_link = \"warn\"\n");
    let out = site.run(&["build"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("site.toml: 2:1:"), "{}", stderr(&out));
}

#[test]
fn a_renamed_kind_keeps_its_schema_type_timeline_and_colour_from_site_toml() {
    let site = TestSite::new();
    site.file(
        "site.toml",
        "[[kinds]]\nname = \"person\"\nfolder = \"people\"\nlabel = \"People\"\nschema_type = \"Person\"\ntimeline = true\ncolor = \"#123456\"\n\n[[kinds]]\nname = \"meeting\"\nfolder = \"meetings\"\nlabel = \"Meetings\"\nschema_type = \"Event\"\n",
    )
    .note("people/Ada.md", "Ada met people.\n")
    .note("meetings/Talks.md", "---\ndate: 2025-03-04\n---\nThe talks with [[Ada]].\n");
    site.build_ok();
    let ada = site.page("people/ada/index.html");
    assert!(ada.contains("\"@type\":\"Person\""), "{ada}");
    assert!(ada.contains("class=\"note-timeline\""), "a timeline: {ada}");
    assert!(ada.contains("data-kind-colors=\"{&quot;meeting&quot;:&quot;#8a8f98&quot;,&quot;person&quot;:&quot;#123456&quot;}\""), "{ada}");
    let talks = site.page("meetings/talks/index.html");
    assert!(talks.contains("\"@type\":\"Event\""), "{talks}");
    let graph = site.page("graph/index.html");
    assert!(
        graph.contains("<i style=\"background:#123456\"></i>person"),
        "{graph}"
    );

    site.file("site.toml", "[[kinds]]\nname = \"person\"\nfolder = \"people\"\nlabel = \"People\"\ncolor = \"red; x\"\n");
    let out = site.run(&["build"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("kind `person`: color must be written #rgb or #rrggbb"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_date_that_is_not_one_is_an_error_at_its_line() {
    let site = TestSite::new();
    site.note("A.md", "---\ntitle: A\ndate: 2025-03-04Tgarbage\n---\nx\n")
        .note("B.md", "---\ndate: 2025-02-30\n---\nx\n")
        .note("C.md", "---\ndate: 2025-03-04T10:30+08:00\n---\nx\n");
    // By default one bad value is a warning and the note goes out without it.
    let out = site.run(&["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let warned = stderr(&out);
    assert!(
        warned.contains("content/A.md:3:1: warning: frontmatter `date` must be a date like 2025-03-04; the note is published without `date`"),
        "{warned}"
    );
    assert!(site.page("a/index.html").contains("<title>A"));
    // `--strict` makes it an error, and so does `strict = true`.
    let strict = site.run(&["check", "--strict"]);
    assert_eq!(strict.status.code(), Some(1), "{}", stderr(&strict));
    assert!(stderr(&strict).contains("content/A.md:3:1: error: frontmatter `date`"));
    site.file("site.toml", "strict = true\n");
    let out = site.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("content/A.md:3:1: error: frontmatter `date` must be a date like 2025-03-04"),
        "{err}"
    );
    assert!(
        err.contains("content/B.md:2:1: error: frontmatter `date`"),
        "{err}"
    );
    assert!(!err.contains("C.md"), "{err}");
}

#[test]
fn a_plain_obsidian_vault_builds_with_no_settings() {
    let vault = tempfile::tempdir().unwrap();
    let root = vault.path().join("My Research");
    std::fs::create_dir_all(root.join(".obsidian")).unwrap();
    std::fs::create_dir_all(root.join("People")).unwrap();
    std::fs::write(root.join(".obsidian/app.json"), "{}").unwrap();
    std::fs::write(
        root.join("People/Ada Example.md"),
        "# This note in GitHub\n\nAda works with [[Grace]] and on [[Nothing Yet]].\n",
    )
    .unwrap();
    std::fs::write(root.join("Grace.md"), "Grace knows [[Ada Example]].\n").unwrap();
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_dossier"))
            .args(["build", "--root", root.to_str().unwrap()])
            .output()
            .unwrap()
    };
    let out = run();
    let text = stderr(&out);
    assert!(out.status.success(), "{text}");
    // An unresolved link is left as Obsidian leaves it: a warning.
    assert!(
        text.contains("warning") && text.contains("Nothing Yet"),
        "{text}"
    );
    let site = root.join(".dossier/site");
    assert!(text.contains(".dossier/site"), "{text}");
    let ada = std::fs::read_to_string(site.join("people/ada-example/index.html")).unwrap();
    // Titled by its file name, the site by its folder; the H1 stays in the body.
    assert!(
        ada.contains("<title>Ada Example · My Research</title>"),
        "{ada}"
    );
    assert!(ada.contains("This note in GitHub</h1>"), "{ada}");
    // The output inside the vault is not read back as notes.
    let again = run();
    assert!(
        stderr(&again).contains("built 2 notes"),
        "{}",
        stderr(&again)
    );
    assert!(stderr(&again).contains("0 written"), "{}", stderr(&again));
    // `init --vault` spells the same choices out; the output stays the same
    // and the settings file is not published.
    let init = std::process::Command::new(env!("CARGO_BIN_EXE_dossier"))
        .args(["init", "--vault", root.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(init.status.success(), "{}", stderr(&init));
    let settings = std::fs::read_to_string(root.join("site.toml")).unwrap();
    assert!(settings.contains("title = \"My Research\""), "{settings}");
    let third = run();
    assert!(stderr(&third).contains("0 written, "), "{}", stderr(&third));
    assert!(!site.join("site.toml").exists());
}

#[test]
fn a_relative_image_path_that_climbs_past_the_vault_falls_back_to_its_end() {
    let site = TestSite::new();
    site.note(
        "guides/deep/Styling.md",
        "![shot](../../../images/shot.png)\n",
    )
    .file("content/images/shot.png", "PNG");
    let out = site.build_ok();
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    let page = site.page("guides/deep/styling/index.html");
    assert!(page.contains(r#"src="../../../images/shot.png""#), "{page}");
    assert!(site.root().join("public/images/shot.png").is_file());
}

#[test]
fn navigation_shows_only_kinds_that_have_notes() {
    let site = TestSite::new();
    site.note("actors/Ada.md", "Ada.\n");
    site.build_ok();
    let page = site.page("actors/ada/index.html");
    let nav = page
        .split("aria-label=\"Sections\"")
        .nth(1)
        .unwrap()
        .split("</nav>")
        .next()
        .unwrap();
    assert!(nav.contains(">Actors</a>"), "{nav}");
    assert!(
        !nav.contains(">Topics</a>") && !nav.contains(">Events</a>"),
        "{nav}"
    );
}

#[test]
fn a_link_to_the_heading_that_became_the_title_lands_on_the_title() {
    let site = TestSite::new();
    site.note(
        "Ministry.md",
        "# Ministry of Public Security\n\nHeaded by a minister.\n",
    )
    .note(
        "Index.md",
        "See [[Ministry#Ministry of Public Security]].\n",
    );
    let out = site.build_ok();
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    let ministry = site.page("ministry/index.html");
    assert!(
        ministry
            .contains(r#"<h1 id="ministry-of-public-security">Ministry of Public Security</h1>"#),
        "{ministry}"
    );
    let index = site.page("index/index.html");
    assert!(
        index.contains("ministry/index.html#ministry-of-public-security"),
        "{index}"
    );
    assert_internal_links_resolve(&site.root().join("public"));
}

#[test]
fn names_match_across_unicode_forms_and_repeated_spaces() {
    let site = TestSite::new();
    // The file name in NFD (e + combining acute), as macOS writes it.
    site.note("Cafe\u{301} Society.md", "A café.\n")
        .note("Two  Spaces.md", "Two spaces in the name.\n")
        .note(
            "Index.md",
            "See [[Caf\u{e9} Society]], [[café society]] and [[Two  Spaces]] and [[Two Spaces]].\n",
        );
    let out = site.build_ok();
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    let index = site.page("index/index.html");
    assert_eq!(
        index.matches("caf\u{e9}-society/index.html").count(),
        2,
        "{index}"
    );
    assert_eq!(index.matches("two-spaces/index.html").count(), 2, "{index}");
    assert_internal_links_resolve(&site.root().join("public"));
}

#[test]
fn only_attachments_a_published_note_uses_are_published() {
    let site = TestSite::new();
    site.note("Private.md", "---\npublish: false\n---\n![[private.png]]\n")
        .note(
            "Public.md",
            "---\nphoto: \"[[portrait.png]]\"\n---\n![[public.png]]\n",
        )
        .file("content/private.png", "PNG")
        .file("content/public.png", "PNG")
        .file("content/portrait.png", "PNG")
        .file("content/orphan.pdf", "PDF");
    site.build_ok();
    let out = site.root().join("public");
    assert!(out.join("public.png").is_file());
    assert!(
        out.join("portrait.png").is_file(),
        "linked from frontmatter"
    );
    assert!(
        !out.join("private.png").exists(),
        "used only by a private note"
    );
    assert!(!out.join("orphan.pdf").exists(), "used by no note");
    // Publishing the note publishes its image, and the next build adds it.
    site.note("Private.md", "![[private.png]]\n");
    site.build_ok();
    assert!(out.join("private.png").is_file());
}
