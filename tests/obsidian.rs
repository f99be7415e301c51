//! An Obsidian vault builds with zero edits and reads right: embeds, block
//! references, callouts, comments, highlights, inline tags, media, feeds.

mod common;

use common::{assert_internal_links_resolve, stderr, TestSite};

const ESSAY: &str = "---\ndate: 2025-01-02\ndescription: An essay.\n---\n# Essay\n\nIntro paragraph.\n\n## Part One\n\nText one.\n\n### Details\n\nDetail text.\n\n## What next?\n\nMore.\n\n## `code` heading\n\nCode heading text.\n\nA key claim here. ^key-claim\n\n- listed point ^point\n- other point\n";

const HOME: &str = r#"---
tags:
  -
  - vault
aliases:
cssclasses: [wide, fancy]
rating: 5
published: true
date: 2024-05-06
---
# Home

Whole note:

![[Essay]]

A section:

![[Essay#Part One]]

A block:

![[Essay#^key-claim]]

Links: [[Essay#^key-claim|the claim]], [[Essay#^point]], [[Essay#Part One#Details]], [[Essay#What next]], [[Essay#code heading]].

Images: ![[diagram.png|300]] and ![[diagram.png|300x200]] and ![[diagram.png|A diagram]].

![[diagram.png]]^pic

Media: ![[clip.mp3]] ![[movie.mp4]] ![[paper.pdf]] and a plain link to [[paper.pdf]].

Names: [[🔥 Hot take]], [[Projects]], [[Projects/Alpha]], [[a/Notes]], [[b/Notes]].

> [!tip]- Folded tip
> Hidden until opened.

> [!warning] Custom *title*
> Outer text.
> > [!faq]
> > Nested question.

> [!mystery] Unknown type
> Body.

Hidden: %%a comment with [[Secret link]]%% done.

%%
A block comment
with [[Another secret]]
%%

Marked ==important words== here. Tagged #inline and #nested/tag, not #a6e6e3 nor #123 nor `#code`.

| what | link |
| --- | --- |
| essay | [[Essay\|essay]] |

```rust
fn main() { println!("hi"); }
```

```unknownlang
plain <text>
```
"#;

fn vault() -> TestSite {
    let site = TestSite::new();
    site.file(
        "site.toml",
        "title = \"Vault\"\nbase_url = \"https://example.org/vault/\"\n",
    )
    .note("Home.md", HOME)
    .note("Essay.md", ESSAY)
    .note("🔥 Hot take.md", "Spicy.\n")
    .note("Projects.md", "The folder note.\n")
    .note(
        "Projects/Alpha.md",
        "Inside the folder; up to [[Projects]].\n",
    )
    .note("a/Notes.md", "Notes in a.\n")
    .note("b/Notes.md", "Notes in b.\n")
    .note("a/Other.md", "Same-folder name wins: [[Notes]].\n")
    .file("content/assets/diagram.png", "PNG")
    .file("content/media/clip.mp3", "MP3")
    .file("content/media/movie.mp4", "MP4")
    .file("content/papers/paper.pdf", "PDF");
    site
}

#[test]
fn an_obsidian_vault_builds_and_every_link_resolves() {
    let site = vault();
    site.build_ok();
    assert_internal_links_resolve(&site.root().join("public"));
}

#[test]
fn embeds_transclude_notes_sections_and_blocks_with_a_link_to_the_source() {
    let site = vault();
    site.build_ok();
    let home = site.page("home/index.html");
    // Whole note: its text, not its H1 (shown as the embed title instead).
    assert!(home.contains(r#"<div class="embed"><div class="embed-title"><a href="../essay/index.html">Essay</a></div>"#), "{home}");
    let whole = &home[home.find("<div class=\"embed\">").unwrap()..];
    assert!(whole.contains("Intro paragraph.") && whole.contains("Code heading text."));
    assert!(
        !home.contains("<p><div"),
        "an embed alone in a paragraph is not wrapped in <p>"
    );
    // Section: Part One and its subsection, not the next section.
    let section_start = home
        .find(r#"<a href="../essay/index.html#part-one">Essay &gt; Part One</a>"#)
        .expect("section embed");
    let section = &home[section_start..];
    let section = &section[..section.find("A block:").unwrap()];
    assert!(
        section.contains("Text one.") && section.contains("Detail text."),
        "{section}"
    );
    assert!(!section.contains("More."), "{section}");
    // Block: just the paragraph.
    let block_start = home
        .find(r#"<a href="../essay/index.html#%5Ekey-claim">Essay</a>"#)
        .expect("block embed");
    let block = &home[block_start..];
    let block = &block[..block.find("</div></div>").unwrap()];
    assert!(
        block.contains("A key claim here.</p>")
            && !block.contains("here. ^key-claim")
            && !block.contains("Code heading text"),
        "{block}"
    );
}

#[test]
fn block_references_and_heading_links_resolve_like_obsidian() {
    let site = vault();
    site.build_ok();
    let essay = site.page("essay/index.html");
    assert!(
        essay.contains(r#"<p id="^key-claim">A key claim here.</p>"#),
        "{essay}"
    );
    assert!(
        essay.contains(r#"<li id="^point">listed point</li>"#),
        "{essay}"
    );
    assert!(
        essay.contains(r#"<h2 id="code-heading"><code>code</code> heading</h2>"#),
        "{essay}"
    );
    let home = site.page("home/index.html");
    assert!(
        home.contains(r#"<a href="../essay/index.html#%5Ekey-claim">the claim</a>"#),
        "{home}"
    );
    assert!(
        home.contains(r#"<a href="../essay/index.html#%5Epoint">Essay &gt; ^point</a>"#),
        "{home}"
    );
    assert!(
        home.contains(
            r#"<a href="../essay/index.html#details">Essay &gt; Part One &gt; Details</a>"#
        ),
        "{home}"
    );
    assert!(
        home.contains(r#"<a href="../essay/index.html#what-next">Essay &gt; What next</a>"#),
        "{home}"
    );
    assert!(
        home.contains(r#"<a href="../essay/index.html#code-heading">Essay &gt; code heading</a>"#),
        "{home}"
    );
    assert!(
        home.contains(r#"<a href="../essay/index.html">essay</a></td>"#),
        "table link: {home}"
    );
}

#[test]
fn unknown_blocks_and_nested_headings_are_errors_with_positions() {
    let site = vault();
    site.note(
        "Bad.md",
        "See [[Essay#^nope]] and [[Essay#Details#Part One]].\n",
    );
    let err = stderr(&site.run(&["check"]));
    assert!(err.contains("content/Bad.md:1:5: error: unknown block in link [[Essay#^nope]]: content/Essay.md has no block `^nope`"), "{err}");
    assert!(
        err.contains(
            "content/Bad.md:1:25: error: unknown heading in link [[Essay#Details#Part One]]"
        ),
        "Part One is not under Details: {err}"
    );
}

#[test]
fn attachments_embed_as_images_audio_video_and_pdf() {
    let site = vault();
    site.build_ok();
    let home = site.page("home/index.html");
    assert!(
        home.contains(
            r#"<img src="../assets/diagram.png" alt="diagram.png" width="300" loading="lazy">"#
        ),
        "{home}"
    );
    assert!(home.contains(r#"<img src="../assets/diagram.png" alt="diagram.png" width="300" height="200" loading="lazy">"#), "{home}");
    assert!(
        home.contains(r#"<img src="../assets/diagram.png" alt="A diagram" loading="lazy">"#),
        "{home}"
    );
    assert!(
        home.contains(
            r#"<p id="^pic"><img src="../assets/diagram.png" alt="diagram.png" loading="lazy"></p>"#
        ),
        "embed glued to a block id: {home}"
    );
    assert!(
        home.contains(r#"<audio controls src="../media/clip.mp3" title="clip.mp3"></audio>"#),
        "{home}"
    );
    assert!(
        home.contains(r#"<video controls src="../media/movie.mp4" title="movie.mp4"></video>"#),
        "{home}"
    );
    assert!(home.contains(r#"<iframe class="embed-pdf" src="../papers/paper.pdf" title="paper.pdf" loading="lazy"></iframe>"#), "{home}");
    assert!(
        home.contains(r#"<a href="../papers/paper.pdf">paper.pdf</a>"#),
        "{home}"
    );
    assert_eq!(site.page("papers/paper.pdf"), "PDF");
}

#[test]
fn odd_names_folder_notes_and_duplicate_names() {
    let site = vault();
    site.build_ok();
    let home = site.page("home/index.html");
    assert!(
        home.contains(r#"<a href="../hot-take/index.html">🔥 Hot take</a>"#),
        "{home}"
    );
    assert!(
        home.contains(r#"<a href="../projects/index.html">Projects</a>"#),
        "{home}"
    );
    assert!(
        home.contains(r#"<a href="../projects/alpha/index.html">Projects/Alpha</a>"#),
        "{home}"
    );
    assert!(
        home.contains(r#"<a href="../a/notes/index.html">a/Notes</a>"#)
            && home.contains(r#"<a href="../b/notes/index.html">b/Notes</a>"#)
    );
    let other = site.page("a/other/index.html");
    assert!(
        other.contains(r#"<a href="../../a/notes/index.html">Notes</a>"#),
        "same folder wins: {other}"
    );
}

#[test]
fn callouts_fold_without_javascript_and_nest() {
    let site = vault();
    site.build_ok();
    let home = site.page("home/index.html");
    assert!(home.contains("<details class=\"callout\" data-callout=\"tip\">\n<summary class=\"callout-title\">Folded tip</summary>"), "{home}");
    assert!(home.contains("<div class=\"callout\" data-callout=\"warning\">\n<div class=\"callout-title\">Custom <em>title</em></div>"), "{home}");
    assert!(home.contains("<div class=\"callout\" data-callout=\"question\">\n<div class=\"callout-title\">Faq</div>"), "alias and nesting: {home}");
    assert!(home.contains("<div class=\"callout\" data-callout=\"note\">\n<div class=\"callout-title\">Unknown type</div>"), "{home}");
}

#[test]
fn comments_highlights_and_inline_tags() {
    let site = vault();
    let out = site.build_ok();
    assert!(
        !stderr(&out).contains("Secret"),
        "links in comments are not checked: {}",
        stderr(&out)
    );
    let home = site.page("home/index.html");
    assert!(
        !home.contains("comment") && !home.contains("Secret") && !home.contains("Another secret"),
        "{home}"
    );
    assert!(home.contains("Hidden:  done."), "{home}");
    assert!(
        home.contains("Marked <mark>important words</mark> here."),
        "{home}"
    );
    assert!(
        home.contains(r##"<a class="tag" href="../tags/inline/index.html">#inline</a>"##),
        "{home}"
    );
    assert!(
        home.contains(r##"<a class="tag" href="../tags/nested/tag/index.html">#nested/tag</a>"##),
        "{home}"
    );
    assert!(
        home.contains("not #a6e6e3 nor #123 nor <code>#code</code>"),
        "{home}"
    );
    let tag_page = site.page("tags/inline/index.html");
    assert!(
        tag_page.contains("Home"),
        "inline tags count as tags: {tag_page}"
    );
    let backlinks = site.page("essay/index.html");
    assert!(!backlinks.contains("Secret"));
}

#[test]
fn frontmatter_as_obsidian_writes_it() {
    let site = vault();
    site.build_ok();
    let home = site.page("home/index.html");
    assert!(
        home.contains(r#"<body class="note fancy wide">"#)
            || home.contains(r#"<body class="note wide fancy">"#),
        "{home}"
    );
    assert!(
        home.contains("<dt>rating</dt>\n    <dd><span class=\"value\">5</span></dd>"),
        "{home}"
    );
    assert!(
        home.contains("<dt>published</dt>\n    <dd><span class=\"value\">true</span></dd>"),
        "{home}"
    );
    assert!(
        home.contains(r##"href="../tags/vault/index.html">#vault</a>"##),
        "empty tag item is skipped: {home}"
    );
}

#[test]
fn code_is_highlighted_with_classes_and_unknown_languages_stay_plain() {
    let site = vault();
    site.build_ok();
    let home = site.page("home/index.html");
    assert!(
        home.contains(
            r#"<pre class="highlight"><code class="language-rust"><span class="hl-source hl-rust">"#
        ),
        "{home}"
    );
    assert!(
        home.contains(
            "<pre><code class=\"language-unknownlang\">plain &lt;text&gt;\n</code></pre>"
        ),
        "{home}"
    );
    let css = site.page("syntax.css");
    assert!(css.contains(".hl-") && css.contains("prefers-color-scheme: dark"));
}

#[test]
fn embed_cycles_are_reported_not_followed() {
    let site = TestSite::new();
    site.note("Loop A.md", "A embeds ![[Loop B]].\n")
        .note("Loop B.md", "B embeds ![[Loop A]].\n");
    let out = site.run(&["build"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("content/Loop B.md:1:10: error: embed cycle: Loop A.md embeds Loop B.md embeds Loop A.md"), "{err}");
    site.file("site.toml", "broken_links = \"warn\"\n");
    site.build_ok();
    let a = site.page("loop-a/index.html");
    assert!(a.contains("B embeds") && a.contains("embed cycle"), "{a}");
}

#[test]
fn aliases_get_redirect_pages_unless_a_real_page_owns_the_url() {
    let site = TestSite::new();
    site.note(
        "people/Wang Xiaohong.md",
        "---\naliases: [Minister Wang, Other Person]\n---\nMinister.\n",
    )
    .note("people/Other Person.md", "Real page.\n");
    site.build_ok();
    let redirect = site.page("people/minister-wang/index.html");
    assert!(
        redirect.contains(
            r#"<meta http-equiv="refresh" content="0; url=../../people/wang-xiaohong/index.html">"#
        ),
        "{redirect}"
    );
    assert!(
        site.page("people/other-person/index.html")
            .contains("Real page."),
        "a real note keeps its URL"
    );
    assert_internal_links_resolve(&site.root().join("public"));
}

#[test]
fn json_ld_describes_each_note() {
    let site = TestSite::new();
    site.file("site.toml", "base_url = \"https://example.org/kb/\"\n")
        .note("actors/Amanda Hsiao.md", "---\ntype: person\nrole: China director\naffiliation: \"[[Eurasia Group]]\"\n---\nAnalyst.\n")
        .note("actors/Eurasia Group.md", "---\ntype: organization\nwebsite: https://www.eurasiagroup.net\n---\nFirm.\n")
        .note("events/Tariff.md", "---\ndate: 2025-03-04\n---\nAn event.\n")
        .note("topics/Fentanyl.md", "A topic.\n")
        .note("sources/Article.md", "---\nurl: https://example.com/a\n---\nA source.\n");
    site.build_ok();
    let json = |page: &str| -> serde_json::Value {
        let html = site.page(page);
        let start = html.find(r#"<script type="application/ld+json">"#).unwrap() + 35;
        let end = start + html[start..].find("</script>").unwrap();
        serde_json::from_str(&html[start..end]).unwrap()
    };
    let person = json("actors/amanda-hsiao/index.html");
    assert_eq!(person["@type"], "Person");
    assert_eq!(person["jobTitle"], "China director");
    assert_eq!(person["affiliation"][0]["name"], "Eurasia Group");
    assert_eq!(
        person["affiliation"][0]["url"],
        "https://example.org/kb/actors/eurasia-group/index.html"
    );
    let org = json("actors/eurasia-group/index.html");
    assert_eq!(org["@type"], "Organization");
    assert_eq!(org["sameAs"][0], "https://www.eurasiagroup.net");
    assert_eq!(json("events/tariff/index.html")["startDate"], "2025-03-04");
    assert_eq!(json("topics/fentanyl/index.html")["@type"], "DefinedTerm");
    assert_eq!(json("sources/article/index.html")["@type"], "CreativeWork");
    assert_eq!(
        json("sources/article/index.html")["url"],
        "https://example.com/a",
        "a source's own url field is its url"
    );
}

#[test]
fn json_ld_text_cannot_end_its_script_element() {
    let site = TestSite::new();
    site.note(
        "actors/Odd.md",
        "---\ntitle: \"Say \\\"</script><b>hi\\\" & go\"\ndescription: \"line one\\nline two\\ttab\"\naliases: [\"a\\\\b\"]\n---\nBody.\n",
    );
    site.build_ok();
    let html = site.page("actors/odd/index.html");
    let start = html.find(r#"<script type="application/ld+json">"#).unwrap() + 35;
    let end = start + html[start..].find("</script>").unwrap();
    let raw = &html[start..end];
    assert!(!raw.contains(['<', '>', '&']), "{raw}");
    let json: serde_json::Value = serde_json::from_str(raw).unwrap();
    assert_eq!(json["name"], "Say \"</script><b>hi\" & go");
    assert_eq!(json["description"], "line one\nline two\ttab");
    assert_eq!(json["alternateName"][0], "a\\b");
    // Members in key order, as before: pages do not change between versions.
    let at: Vec<usize> = ["@context", "@type", "alternateName", "description", "name"]
        .iter()
        .map(|key| raw.find(&format!("\"{key}\":")).unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{raw}");
}

/// Parses XML fully (failing on any syntax error) and returns the text of
/// every element named `name`.
fn xml_texts(xml: &str, name: &str) -> Vec<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut texts = Vec::new();
    let mut current: Option<String> = None;
    loop {
        match reader
            .read_event()
            .unwrap_or_else(|e| panic!("invalid XML at {}: {e}\n{xml}", reader.buffer_position()))
        {
            Event::Start(e) => current = (e.name().as_ref() == name.as_bytes()).then(String::new),
            Event::Text(t) => {
                if let Some(text) = current.as_mut() {
                    text.push_str(&t.decode().unwrap());
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().expect("valid character reference") {
                    Some(c) => c.to_string(),
                    None => match r.decode().unwrap().as_ref() {
                        "amp" => "&".into(),
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "quot" => "\"".into(),
                        "apos" => "'".into(),
                        other => panic!("undefined entity &{other}; in\n{xml}"),
                    },
                };
                if let Some(text) = current.as_mut() {
                    text.push_str(&resolved);
                }
            }
            Event::End(_) => texts.extend(current.take()),
            Event::Eof => break,
            _ => {}
        }
    }
    texts
}

#[test]
fn atom_feed_and_sitemap_are_valid_xml_with_absolute_urls() {
    let site = vault();
    site.note(
        "Esc.md",
        "---\ntitle: \"Fish & <Chips>\"\ndate: 2025-02-01\n---\nx\n",
    );
    site.build_ok();
    let atom = site.page("atom.xml");
    let titles = xml_texts(&atom, "title");
    assert_eq!(
        titles,
        ["Vault", "Fish & <Chips>", "Essay", "Home"],
        "newest first: {atom}"
    );
    let updated = xml_texts(&atom, "updated");
    assert_eq!(updated[0], "2025-02-01T00:00:00Z");
    assert_eq!(xml_texts(&atom, "summary"), ["An essay."]);
    assert!(
        atom.contains(r#"<link href="https://example.org/vault/essay/index.html"/>"#),
        "{atom}"
    );
    let sitemap = site.page("sitemap.xml");
    let locs = xml_texts(&sitemap, "loc");
    assert!(
        locs.contains(&"https://example.org/vault/essay/".to_string()),
        "{locs:?}"
    );
    assert!(
        locs.contains(&"https://example.org/vault/".to_string()),
        "{locs:?}"
    );
    assert!(locs
        .iter()
        .all(|l| l.starts_with("https://example.org/vault/")));
    let robots = site.page("robots.txt");
    assert!(
        robots.contains("Sitemap: https://example.org/vault/sitemap.xml"),
        "{robots}"
    );
    let home = site.page("home/index.html");
    assert!(home.contains(r#"<link rel="canonical" href="https://example.org/vault/home/">"#));
}
