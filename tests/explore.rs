//! Data for exploring: graph.json and the timeline.

mod common;

use common::{assert_internal_links_resolve, TestSite};

fn site() -> TestSite {
    let site = TestSite::new();
    site.note("actors/Wang Xiaohong.md", "---\ntags: [people]\naffiliation: \"[[Ministry]]\"\n---\nMinister. See [[Fentanyl]].\n")
        .note("actors/Ministry.md", "The ministry. ![[Fentanyl]]\n")
        .note("topics/Fentanyl.md", "---\ntags: [drugs]\n---\nA drug.\n")
        .note("events/Tariff.md", "---\ndate: 2025-03-04\ntags: [trade/tariffs]\n---\nAbout [[Fentanyl]] and [[Wang Xiaohong]].\n")
        .note("events/Talks.md", "---\ndate: 2025-04\n---\n[[Wang Xiaohong]] talks.\n")
        .note("events/Old.md", "---\ndate: 2019\n---\nLong ago, [[Fentanyl]].\n")
        .note("Draft.md", "---\ndraft: true\ndate: 2025-01-01\n---\n[[Fentanyl]]\n");
    site
}

#[test]
fn graph_json_lists_notes_and_typed_edges() {
    let site = site();
    site.build_ok();
    let graph: serde_json::Value = serde_json::from_str(&site.page("graph.json")).unwrap();
    let nodes = graph["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 6, "drafts are left out");
    let wang = nodes
        .iter()
        .find(|n| n["id"] == "actors/wang-xiaohong")
        .unwrap();
    assert_eq!(wang["title"], "Wang Xiaohong");
    assert_eq!(wang["kind"], "actor");
    assert_eq!(wang["tags"], serde_json::json!(["people"]));
    assert_eq!(wang["url"], "actors/wang-xiaohong/index.html");
    assert_eq!(wang["links"], 4, "ministry, fentanyl, tariff, talks");
    let edges = graph["edges"].as_array().unwrap();
    let has = |s: &str, t: &str, kind: &str| {
        edges
            .iter()
            .any(|e| e["source"] == s && e["target"] == t && e["type"] == kind)
    };
    assert!(has("actors/wang-xiaohong", "topics/fentanyl", "link"));
    assert!(has("actors/ministry", "topics/fentanyl", "embed"));
    assert!(has(
        "actors/wang-xiaohong",
        "actors/ministry",
        "affiliation"
    ));
    assert!(
        !edges.iter().any(|e| e["source"] == "draft"),
        "no edges from drafts"
    );
}

#[test]
fn timeline_groups_dated_notes_by_year_and_month() {
    let site = site();
    site.build_ok();
    let page = site.page("timeline/index.html");
    let pos = |needle: &str| {
        page.find(needle)
            .unwrap_or_else(|| panic!("{needle} missing in {page}"))
    };
    assert!(pos("<h2>2019</h2>") < pos("<h2>2025</h2>"), "oldest first");
    assert!(pos("<h3>March</h3>") < pos("<h3>April</h3>"));
    assert!(pos(">Tariff</a>") < pos(">Talks</a>"));
    assert!(page.contains(r#"<li data-kind="event" data-tags="trade/tariffs "><time>2025-03-04</time> <a href="../events/tariff/index.html">Tariff</a>"#), "{page}");
    assert!(!page.contains("Draft"), "drafts stay out");
    assert!(site
        .page("index.html")
        .contains(r#"href="./timeline/index.html">Timeline</a>"#));
    assert_internal_links_resolve(&site.root().join("public"));
}

#[test]
fn actors_and_topics_have_their_own_timeline() {
    let site = site();
    site.build_ok();
    let wang = site.page("actors/wang-xiaohong/index.html");
    let timeline = &wang[wang
        .find("class=\"note-timeline\"")
        .expect("timeline on an actor page")..];
    let tariff = timeline.find("Tariff").unwrap();
    let talks = timeline.find("Talks").unwrap();
    assert!(tariff < talks, "{timeline}");
    let fentanyl = site.page("topics/fentanyl/index.html");
    assert!(
        fentanyl.contains("class=\"note-timeline\"") && fentanyl.contains("<time>2019</time>"),
        "{fentanyl}"
    );
    let event = site.page("events/tariff/index.html");
    assert!(
        !event.contains("class=\"note-timeline\""),
        "events have none"
    );
}

#[test]
fn unlinked_mentions_find_names_in_text_but_not_in_code_links_or_words() {
    let site = TestSite::new();
    site.note("actors/Wang Xiaohong.md", "---\naliases: [Minister Wang]\n---\nThe minister.\n")
        .note("a/Names him.md", "Talks with wang xiaohong went well. Later more.\n")
        .note("a/Alias.md", "The Minister Wang said so.\n")
        .note("a/Linked.md", "Wang Xiaohong, see [[Wang Xiaohong]].\n")
        .note("a/Code.md", "Only `Wang Xiaohong` in code and [Wang Xiaohong](https://example.org).\n\n```\nWang Xiaohong\n```\n")
        .note("a/Partial.md", "Wang Xiaohongs is not a whole word.\n");
    site.build_ok();
    let page = site.page("actors/wang-xiaohong/index.html");
    let mentions = &page[page.find("Unlinked mentions").expect("mentions section")..];
    assert!(
        mentions.contains("Talks with <mark>wang xiaohong</mark> went well."),
        "{mentions}"
    );
    assert!(
        mentions.contains("The <mark>Minister Wang</mark> said so."),
        "{mentions}"
    );
    for quiet in ["Linked", "Code", "Partial"] {
        assert!(
            !mentions.contains(&format!(">{quiet}</a>")),
            "{quiet} must not be listed: {mentions}"
        );
    }
    let out = site.run(&["check", "--mentions"]);
    assert!(out.status.success());
    let listed = common::stdout(&out);
    assert!(
        listed.contains("content/a/Names him.md:1:12: note: mentions [[Wang Xiaohong]] without linking it: “Talks with wang xiaohong went well.”"),
        "{listed}"
    );
    assert_eq!(listed.lines().count(), 2, "{listed}");
}
