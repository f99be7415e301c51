//! Generates a realistic synthetic knowledge base for benchmarks.
//!
//! `cargo run --release --example gen_corpus -- --notes 10000 --out DIR`
//!
//! Writes `DIR/site.toml` and `DIR/content/{actors,topics,events,sources}/`:
//! notes of 300-800 words with 5-15 wikilinks each (titles, aliases, headings,
//! labels), tags (some nested), frontmatter relations, and some tables and code
//! blocks. The same arguments always give the same corpus.
//!
//! With `--hugo DIR` it also writes the same notes as a Hugo site (for the
//! side-by-side benchmark in `bench/run.sh`): same prose, tags and link
//! graph, with wikilinks turned into plain Markdown links (or, with
//! `--hugo-links ref`, links through Hugo's `ref` shortcode, which Hugo
//! resolves and checks as Dossier does wikilinks), aliases into Hugo alias
//! redirects, and minimal templates.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Small deterministic PRNG (xorshift64*), so the corpus needs no extra crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

const FIRST: [&str; 40] = [
    "Amanda", "Wang", "Yun", "Li", "Maria", "Jonas", "Priya", "Omar", "Elena", "Kenji", "Fatima",
    "Lucas", "Aiko", "Mateo", "Sofia", "Daniel", "Mei", "Ivan", "Chloe", "Rahul", "Nadia", "Tomas",
    "Hana", "Samuel", "Leila", "Victor", "Ines", "Felix", "Zara", "Hugo", "Anya", "Diego", "Lena",
    "Kofi", "Sara", "Marco", "Yara", "Emil", "Nora", "Jin",
];
const LAST: [&str; 40] = [
    "Hsiao",
    "Xiaohong",
    "Sun",
    "Chen",
    "Garcia",
    "Berg",
    "Patel",
    "Haddad",
    "Petrova",
    "Tanaka",
    "Okafor",
    "Silva",
    "Mori",
    "Rossi",
    "Novak",
    "Kim",
    "Zhang",
    "Ivanov",
    "Dubois",
    "Singh",
    "Karimi",
    "Horvat",
    "Sato",
    "Mensah",
    "Farah",
    "Lindqvist",
    "Moreau",
    "Weber",
    "Ali",
    "Costa",
    "Kowalski",
    "Nakamura",
    "Osei",
    "Larsen",
    "Haas",
    "Romero",
    "Vogel",
    "Yilmaz",
    "Park",
    "Aziz",
];
const ORG_A: [&str; 20] = [
    "Eurasia", "Stimson", "Atlantic", "Pacific", "Northern", "Global", "Civic", "Harbor",
    "Meridian", "Summit", "Keystone", "Beacon", "Crescent", "Liberty", "Horizon", "Granite",
    "Orchid", "Sterling", "Aurora", "Cobalt",
];
const ORG_B: [&str; 10] = [
    "Group",
    "Center",
    "Institute",
    "Ministry",
    "Council",
    "Foundation",
    "Agency",
    "Journal",
    "Forum",
    "Bureau",
];
const TOPIC_A: [&str; 25] = [
    "fentanyl",
    "tariff",
    "trade",
    "precursor",
    "export",
    "sanctions",
    "shipping",
    "customs",
    "currency",
    "semiconductor",
    "rare earth",
    "steel",
    "soybean",
    "port",
    "visa",
    "data",
    "energy",
    "fisheries",
    "aviation",
    "pharmaceutical",
    "banking",
    "telecom",
    "mining",
    "grain",
    "textile",
];
const TOPIC_B: [&str; 12] = [
    "policy",
    "talks",
    "controls",
    "enforcement",
    "dispute",
    "negotiations",
    "supply chains",
    "regulation",
    "cooperation",
    "crisis",
    "agreement",
    "review",
];
const EVENT_A: [&str; 12] = [
    "Summit on",
    "Announcement of",
    "Review of",
    "Talks on",
    "Sanctions on",
    "Hearing on",
    "Agreement on",
    "Raid on",
    "Report on",
    "Visit on",
    "Dispute over",
    "Deadline for",
];
const SECTIONS: [&str; 8] = [
    "Background",
    "Role in the talks",
    "Positions",
    "Timeline",
    "Analysis",
    "Open questions",
    "Key statements",
    "Context",
];
const TAGS: [&str; 16] = [
    "china",
    "united-states",
    "trade",
    "trade/tariffs",
    "trade/exports",
    "drugs",
    "drugs/fentanyl",
    "diplomacy",
    "people",
    "organisations",
    "think-tanks",
    "media",
    "government",
    "government/ministries",
    "security",
    "economy",
];
const WORDS: [&str; 96] = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "is",
    "that",
    "for",
    "on",
    "with",
    "as",
    "by",
    "was",
    "officials",
    "said",
    "according",
    "report",
    "government",
    "trade",
    "talks",
    "negotiations",
    "tariffs",
    "cooperation",
    "pressure",
    "announced",
    "reportedly",
    "sought",
    "clarity",
    "expectations",
    "willingness",
    "progress",
    "meeting",
    "proposal",
    "ministry",
    "analysts",
    "concerns",
    "flow",
    "imports",
    "exports",
    "measures",
    "review",
    "policy",
    "crisis",
    "gesture",
    "goodwill",
    "stability",
    "relationship",
    "dialogue",
    "pretext",
    "economic",
    "diplomatic",
    "signals",
    "framework",
    "enforcement",
    "shipment",
    "regulators",
    "customs",
    "agreement",
    "deadline",
    "partners",
    "sources",
    "statement",
    "briefing",
    "delegation",
    "senior",
    "agency",
    "evidence",
    "investigation",
    "supply",
    "chemical",
    "industry",
    "markets",
    "investors",
    "pledge",
    "commitment",
    "decision",
    "response",
    "strategy",
    "tension",
    "framework",
    "quarter",
    "summit",
    "neutral",
    "location",
    "representatives",
    "initiative",
    "occasions",
    "information",
    "parties",
    "director",
    "program",
    "center",
    "consultancy",
    "risk",
    "political",
];

struct Note {
    kind: &'static str,
    folder: &'static str,
    title: String,
    alias: String,
    sections: Vec<&'static str>,
}

fn unique(name: String, seen: &mut HashSet<String>) -> String {
    if seen.insert(name.to_lowercase()) {
        return name;
    }
    (2..)
        .map(|n| format!("{name} {n}"))
        .find(|candidate| seen.insert(candidate.to_lowercase()))
        .unwrap_or(name)
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn main() {
    let mut notes_wanted = 1000usize;
    let mut out = PathBuf::from("bench/corpus/1k");
    let mut seed = 42u64;
    let mut hugo: Option<PathBuf> = None;
    let mut hugo_ref_links = false;
    let mut unhappy = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--notes" => {
                notes_wanted = args.next().and_then(|v| v.parse().ok()).expect("--notes N")
            }
            "--out" => out = args.next().map(PathBuf::from).expect("--out DIR"),
            "--seed" => seed = args.next().and_then(|v| v.parse().ok()).expect("--seed N"),
            "--hugo" => hugo = args.next().map(PathBuf::from),
            "--hugo-links" => hugo_ref_links = args.next().as_deref() == Some("ref"),
            // The unhappy paths: three unresolved links per note, three hub
            // notes that every note links to (thousands of backlinks each at
            // 10k notes), and a note embedded in every tenth note.
            "--unhappy" => unhappy = true,
            "--help" | "-h" => {
                println!("gen_corpus --notes N --out DIR [--seed N] [--unhappy] [--hugo DIR [--hugo-links plain|ref]]");
                return;
            }
            other => {
                panic!("unknown argument {other}; usage: gen_corpus --notes N --out DIR [--seed N]")
            }
        }
    }
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut seen = HashSet::new();
    let mut notes = Vec::with_capacity(notes_wanted);
    for i in 0..notes_wanted {
        let (kind, folder, title) = match i % 20 {
            0..=7 => {
                let title = if rng.below(3) == 0 {
                    format!("{} {}", rng.pick(&ORG_A), rng.pick(&ORG_B))
                } else {
                    format!("{} {}", rng.pick(&FIRST), rng.pick(&LAST))
                };
                ("actor", "actors", title)
            }
            8..=12 => (
                "topic",
                "topics",
                capitalize(&format!("{} {}", rng.pick(&TOPIC_A), rng.pick(&TOPIC_B))),
            ),
            13..=17 => (
                "event",
                "events",
                format!(
                    "{} {} {}",
                    rng.pick(&EVENT_A),
                    rng.pick(&TOPIC_A),
                    rng.pick(&TOPIC_B)
                ),
            ),
            _ => (
                "source",
                "sources",
                format!("Report on {} {}", rng.pick(&TOPIC_A), rng.pick(&TOPIC_B)),
            ),
        };
        let title = unique(title, &mut seen);
        let alias = unique(
            format!(
                "{}-{i}",
                title
                    .split(' ')
                    .map(|w| &w[..1])
                    .collect::<String>()
                    .to_uppercase()
            ),
            &mut seen,
        );
        let mut sections: Vec<&str> = SECTIONS.to_vec();
        for j in (1..sections.len()).rev() {
            sections.swap(j, rng.below(j + 1));
        }
        sections.truncate(rng.range(3, 5));
        notes.push(Note {
            kind,
            folder,
            title,
            alias,
            sections,
        });
    }

    let content = out.join("content");
    for folder in ["actors", "topics", "events", "sources"] {
        std::fs::create_dir_all(content.join(folder)).expect("create corpus folders");
    }
    let settings = if unhappy {
        // Unresolved links are the point of this corpus: warnings, not errors.
        "title = \"Generated corpus\"\nbroken_links = \"warn\"\n"
    } else {
        "title = \"Generated corpus\"\n"
    };
    std::fs::write(out.join("site.toml"), settings).expect("write site.toml");
    let of_kind = |kind: &str| -> Vec<usize> {
        notes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.kind == kind)
            .map(|(i, _)| i)
            .collect()
    };
    let (actors, topics) = (of_kind("actor"), of_kind("topic"));
    let hugo_site = hugo.map(|dir| HugoSite::create(dir, &notes, hugo_ref_links));

    for (i, note) in notes.iter().enumerate() {
        let mut text = String::with_capacity(6000);
        let _ = writeln!(
            text,
            "---\ntitle: \"{}\"\nkind: {}\naliases: [\"{}\"]",
            note.title, note.kind, note.alias
        );
        let tags: Vec<&str> = (0..rng.range(1, 3)).map(|_| rng.pick(&TAGS)).collect();
        let _ = writeln!(text, "tags: [{}]", tags.join(", "));
        match note.kind {
            "actor" => {
                let org = notes[rng.pick(&actors)].title.as_str();
                let role = rng.pick(&WORDS);
                let _ = writeln!(
                    text,
                    "affiliation: \"[[{org}]]\"\nrole: {}",
                    capitalize(role)
                );
            }
            "event" => {
                let _ = writeln!(
                    text,
                    "date: {}-{:02}-{:02}",
                    rng.range(2018, 2025),
                    rng.range(1, 12),
                    rng.range(1, 28)
                );
                let _ = writeln!(text, "actor: \"[[{}]]\"", notes[rng.pick(&actors)].title);
            }
            "source" => {
                let _ = writeln!(text, "url: https://example.org/news/{i}");
            }
            _ => {}
        }
        let t1 = &notes[rng.pick(&topics)].title;
        let t2 = &notes[rng.pick(&topics)].title;
        let _ = writeln!(text, "topics: [\"[[{t1}]]\", \"[[{t2}]]\"]\n---\n");

        let words_target = rng.range(300, 800);
        let links_target = rng.range(5, 15);
        let total_sentences = words_target / 12;
        let mut links_done = 0;
        let mut sentence = 0;
        for (s, section) in note.sections.iter().enumerate() {
            let _ = writeln!(text, "## {section}\n");
            let sentences_here = total_sentences / note.sections.len();
            let mut in_paragraph = 0;
            for _ in 0..sentences_here {
                sentence += 1;
                let len = rng.range(8, 16);
                for w in 0..len {
                    let word = rng.pick(&WORDS);
                    if w == 0 {
                        text.push_str(&capitalize(word));
                    } else {
                        text.push(' ');
                        text.push_str(word);
                    }
                    // Spread the links evenly through the body.
                    if w == len / 2
                        && links_done < links_target
                        && sentence * links_target >= (links_done + 1) * total_sentences.max(1)
                    {
                        let target = &notes[rng.below(notes.len())];
                        text.push(' ');
                        match rng.below(4) {
                            0 => {
                                let _ = write!(text, "[[{}]]", target.title);
                            }
                            1 => {
                                let _ = write!(text, "[[{}|{}]]", target.title, rng.pick(&WORDS));
                            }
                            2 => {
                                let _ = write!(text, "[[{}]]", target.alias);
                            }
                            _ => {
                                let _ = write!(text, "[[{}#{}]]", target.title, target.sections[0]);
                            }
                        }
                        links_done += 1;
                    }
                }
                text.push_str(". ");
                in_paragraph += 1;
                if in_paragraph >= 4 {
                    text.push_str("\n\n");
                    in_paragraph = 0;
                }
            }
            text.push_str("\n\n");
            if s == 0 && i % 5 == 0 {
                let target = &notes[rng.below(notes.len())];
                let _ = writeln!(text, "| Item | Value | Related |\n| --- | --- | --- |");
                for r in 0..3 {
                    let _ = writeln!(
                        text,
                        "| {} | {} | [[{}\\|see]] |",
                        rng.pick(&WORDS),
                        r * 10,
                        target.title
                    );
                }
                text.push('\n');
            }
            if s == 1 && i % 10 == 0 {
                let _ = writeln!(text, "```json\n{{\"id\": {i}, \"kind\": \"{}\", \"note\": \"[[not a link]]\"}}\n```\n", note.kind);
            }
        }
        if unhappy {
            for k in 0..3 {
                let _ = writeln!(text, "Unresolved: [[Missing note {i}-{k}]].\n");
            }
            let hub = &notes[i % 3];
            if hub.title != note.title {
                let _ = writeln!(text, "Everything leads to [[{}]] in the end.\n", hub.title);
            }
            if i % 10 == 5 {
                let _ = writeln!(text, "![[{}]]\n", notes[(i + 1) % notes.len()].title);
            }
        }
        while links_done < links_target {
            let target = &notes[rng.below(notes.len())];
            let _ = writeln!(text, "See also [[{}]].\n", target.title);
            links_done += 1;
        }
        let path = content.join(note.folder).join(format!("{}.md", note.title));
        if let Some(site) = &hugo_site {
            site.write_note(note, &text);
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }
    println!("wrote {} notes to {}", notes.len(), content.display());
}

/// The Hugo twin of the corpus: one page per note at `/<folder>/<slug>/`.
struct HugoSite {
    content: PathBuf,
    /// Lower-cased title or alias → URL path of the note.
    urls: HashMap<String, String>,
    /// Body links through `{{< ref >}}` instead of plain URLs.
    ref_links: bool,
}

/// Hugo's default URL and heading-id form: lower case, runs of other
/// characters turned into one hyphen.
fn hugo_slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

impl HugoSite {
    fn create(dir: PathBuf, notes: &[Note], ref_links: bool) -> HugoSite {
        let layouts = dir.join("layouts");
        std::fs::create_dir_all(&layouts).expect("create hugo layouts");
        let files = [
            (
                "hugo.toml",
                // One feed of the latest 50 pages, as Dossier writes.
                "baseURL = \"https://example.org/\"\ntitle = \"Generated corpus\"\n\
                 [taxonomies]\n  tag = \"tags\"\n[services.rss]\n  limit = 50\n\
                 [outputs]\n  home = [\"html\", \"rss\"]\n  section = [\"html\"]\n\
                 taxonomy = [\"html\"]\n  term = [\"html\"]\n",
            ),
            (
                "layouts/baseof.html",
                "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
                 <title>{{ .Title }} · {{ site.Title }}</title></head><body>\
                 <nav><a href=\"{{ site.Home.RelPermalink }}\">{{ site.Title }}</a></nav>\
                 <main>{{ block \"main\" . }}{{ end }}</main></body></html>\n",
            ),
            (
                "layouts/single.html",
                "{{ define \"main\" }}<article><h1>{{ .Title }}</h1>\
                 <p>{{ .Params.note_kind }}{{ with .Date }} · {{ .Format \"2006-01-02\" }}{{ end }}</p>\
                 <ul>{{ range .GetTerms \"tags\" }}<li><a href=\"{{ .RelPermalink }}\">\
                 {{ .LinkTitle }}</a></li>{{ end }}</ul>{{ .Content }}</article>{{ end }}\n",
            ),
            (
                "layouts/list.html",
                "{{ define \"main\" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}\
                 <li><a href=\"{{ .RelPermalink }}\">{{ .LinkTitle }}</a></li>{{ end }}</ul>{{ end }}\n",
            ),
        ];
        for (name, text) in files {
            std::fs::write(dir.join(name), text).expect("write hugo site file");
        }
        let content = dir.join("content");
        for folder in ["actors", "topics", "events", "sources"] {
            std::fs::create_dir_all(content.join(folder)).expect("create hugo folders");
        }
        let mut urls = HashMap::new();
        for note in notes {
            let url = format!("/{}/{}/", note.folder, hugo_slug(&note.title));
            urls.insert(note.alias.to_lowercase(), url.clone());
            urls.insert(note.title.to_lowercase(), url);
        }
        HugoSite {
            content,
            urls,
            ref_links,
        }
    }

    /// Converts one Dossier note to Hugo: frontmatter links become URL
    /// strings, aliases become redirect paths, body wikilinks become
    /// `[label](/folder/slug/#heading)`. Unknown targets (the sample
    /// wikilink inside a code block) stay as they are.
    fn write_note(&self, note: &Note, text: &str) {
        let (front, body) = text[4..]
            .split_once("\n---\n")
            .expect("generated frontmatter");
        let mut out = String::with_capacity(text.len() + 1024);
        out.push_str("---\n");
        for line in front.lines() {
            if line.starts_with("aliases:") {
                let _ = writeln!(out, "aliases: [\"/{}/\"]", hugo_slug(&note.alias));
            } else if let Some(rest) = line.strip_prefix("url:").or(line.strip_prefix("kind:")) {
                // Both are reserved words in Hugo's front matter.
                let key = if line.starts_with("url") {
                    "source_url"
                } else {
                    "note_kind"
                };
                let _ = writeln!(out, "{key}:{rest}");
            } else {
                out.push_str(&self.replace_links(line, true));
                out.push('\n');
            }
        }
        out.push_str("---\n");
        out.push_str(&self.replace_links(body, false));
        let path = self
            .content
            .join(note.folder)
            .join(format!("{}.md", hugo_slug(&note.title)));
        std::fs::write(&path, out).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    fn replace_links(&self, text: &str, bare: bool) -> String {
        let mut out = String::with_capacity(text.len() + 512);
        let mut rest = text;
        while let Some(start) = rest.find("[[") {
            let Some(len) = rest[start..].find("]]") else {
                break;
            };
            let inner = &rest[start + 2..start + len];
            let (target, label) = match inner.split_once('|') {
                Some((t, l)) => (t.trim_end_matches('\\'), Some(l)),
                None => (inner, None),
            };
            let (name, heading) = match target.split_once('#') {
                Some((n, h)) => (n, Some(h)),
                None => (target, None),
            };
            out.push_str(&rest[..start]);
            match self.urls.get(&name.to_lowercase()) {
                Some(url) if bare => out.push_str(url),
                Some(url) => {
                    let anchor = heading
                        .map(|h| format!("#{}", hugo_slug(h)))
                        .unwrap_or_default();
                    let label = label.unwrap_or(name);
                    if self.ref_links {
                        let page = url.trim_end_matches('/');
                        let _ = write!(out, "[{label}]({{{{< ref \"{page}.md{anchor}\" >}}}})");
                    } else {
                        let _ = write!(out, "[{label}]({url}{anchor})");
                    }
                }
                None => out.push_str(&rest[start..start + len + 2]),
            }
            rest = &rest[start + len + 2..];
        }
        out.push_str(rest);
        out
    }
}
