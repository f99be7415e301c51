//! Data for exploring the knowledge base: `graph.json` and the timeline.

use std::fmt::Write as _;

use rayon::prelude::*;
use serde::Serialize;

use super::{page_link, OutputFile};
use crate::config::Config;
use crate::link::{Library, NoteId, Resolved};
use crate::markdown::LinkSyntax;

#[derive(Serialize)]
struct GraphNode<'a> {
    id: &'a str,
    title: &'a str,
    kind: Option<&'a str>,
    tags: &'a [String],
    url: String,
    links: usize,
}

#[derive(Serialize)]
struct GraphEdge<'a> {
    source: &'a str,
    target: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
}

/// A note's stable id in `graph.json`: its URL without the trailing `/`.
fn node_id(url: &str) -> &str {
    url.trim_end_matches('/')
}

/// Where a note's links and typed relations go, each with its edge type:
/// `link`, `embed`, or the relation's name. Published notes other than itself only.
fn outgoing_edges(lib: &Library, id: NoteId) -> impl Iterator<Item = (NoteId, &str)> + '_ {
    let links = lib.notes[id]
        .scan
        .links
        .iter()
        .zip(&lib.links[id])
        .filter_map(|(link, resolved)| match *resolved {
            Resolved::Note { id: target, .. } => Some((
                target,
                if link.syntax == LinkSyntax::WikiEmbed {
                    "embed"
                } else {
                    "link"
                },
            )),
            _ => None,
        });
    let relations = lib.relations[id]
        .iter()
        .flat_map(|(name, targets)| targets.iter().map(move |&t| (t, name.as_str())));
    links
        .chain(relations)
        .filter(move |&(target, _)| target != id && lib.published[target])
}

/// `graph.json`: every published note as a node and every link between two
/// of them as an edge, typed `link`, `embed`, or the relation's name.
pub fn graph(lib: &Library, config: &Config) -> OutputFile {
    let published = |id: NoteId| lib.published[id];
    let mut pairs: Vec<(NoteId, NoteId, &str)> = (0..lib.notes.len())
        .filter(|&id| published(id))
        .flat_map(|source| {
            outgoing_edges(lib, source).map(move |(target, kind)| (source, target, kind))
        })
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    // A note's `links`: the distinct notes it is connected to, either way.
    let mut neighbours: Vec<(NoteId, NoteId)> = pairs
        .iter()
        .map(|&(a, b, _)| (a.min(b), a.max(b)))
        .collect();
    neighbours.sort_unstable();
    neighbours.dedup();
    let mut degree = vec![0usize; lib.notes.len()];
    for (a, b) in neighbours {
        degree[a] += 1;
        degree[b] += 1;
    }
    let edges: Vec<GraphEdge> = pairs
        .iter()
        .map(|&(s, t, kind)| GraphEdge {
            source: node_id(&lib.notes[s].url),
            target: node_id(&lib.notes[t].url),
            kind,
        })
        .collect();
    let nodes: Vec<GraphNode> = (0..lib.notes.len())
        .filter(|&id| published(id))
        .map(|id| {
            let note = &lib.notes[id];
            GraphNode {
                id: node_id(&note.url),
                title: &note.title,
                kind: note.kind.as_deref(),
                tags: &note.tags,
                url: page_link(config, &note.url),
                links: degree[id],
            }
        })
        .collect();
    #[derive(Serialize)]
    struct Graph<'a> {
        nodes: Vec<GraphNode<'a>>,
        edges: Vec<GraphEdge<'a>>,
    }
    // Sized up front: growing a 10 MB buffer by doubling would hold up to twice that.
    let mut json = Vec::with_capacity(64 + nodes.len() * 160 + edges.len() * 96);
    if serde_json::to_writer(&mut json, &Graph { nodes, edges }).is_err() {
        json.clear();
    }
    OutputFile::Bytes {
        path: "graph.json".into(),
        contents: json,
    }
}

/// The neighbourhood of one note for its local graph: the note, every note it
/// links to or relates to and every note linking or relating to it, with the
/// edges between the note and them. Compact JSON, safe inside a `<script>`:
/// `{"id":…,"link":"index.html","nodes":[[id,title,kind],…],"edges":[[from,to,type],…]}`
/// where edges index into `nodes` and a node's URL is `id + "/" + link`.
pub fn local_graph(lib: &Library, config: &Config, nodes: &[String], id: NoteId) -> String {
    // Its own edges, and the edges into it: its backlinks and incoming
    // relations already say which links and relations of other notes point
    // here, so other notes' link lists need not be read.
    let mut pairs: Vec<(NoteId, NoteId, &str)> = outgoing_edges(lib, id)
        .map(|(t, kind)| (id, t, kind))
        .collect();
    for backlink in &lib.backlinks[id] {
        let source = &lib.notes[backlink.source];
        pairs.extend(backlink.links.iter().map(|&i| {
            let embed = source.scan.links.get(i).map(|l| l.syntax) == Some(LinkSyntax::WikiEmbed);
            (backlink.source, id, if embed { "embed" } else { "link" })
        }));
    }
    for (name, sources) in &lib.inverse_relations[id] {
        pairs.extend(sources.iter().map(|&source| (source, id, name.as_str())));
    }
    pairs.retain(|&(s, t, _)| s != t && lib.published[s] && lib.published[t]);
    pairs.sort_unstable();
    pairs.dedup();
    // The note first, then its neighbours in edge order; each note's index in
    // `nodes` is what the edges refer to.
    let mut ids: Vec<NoteId> = Vec::new();
    let mut index: rustc_hash::FxHashMap<NoteId, usize> = Default::default();
    let neighbours = pairs.iter().map(|&(s, t, _)| if s == id { t } else { s });
    for n in std::iter::once(id).chain(neighbours) {
        index.entry(n).or_insert_with(|| {
            ids.push(n);
            ids.len() - 1
        });
    }
    let position = |n: NoteId| index.get(&n).copied().unwrap_or(0);

    let mut out = String::with_capacity(64 + ids.len() * 48 + pairs.len() * 12);
    out.push_str("{\"id\":");
    push_json_str(&mut out, node_id(&lib.notes[id].url));
    out.push_str(",\"link\":");
    push_json_str(&mut out, if config.index_links { "index.html" } else { "" });
    out.push_str(",\"nodes\":[");
    for (n, &i) in ids.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str(&nodes[i]);
    }
    out.push_str("],\"edges\":[");
    let mut digits = itoa::Buffer::new();
    for (n, &(s, t, kind)) in pairs.iter().enumerate() {
        out.push_str(if n == 0 { "[" } else { ",[" });
        out.push_str(digits.format(position(s)));
        out.push(',');
        out.push_str(digits.format(position(t)));
        out.push(',');
        push_json_str(&mut out, kind);
        out.push(']');
    }
    out.push_str("]}");
    out
}

/// Each note as a node of a local graph, `[id,title,kind]` in JSON: made
/// once for all pages, as a note is a neighbour on many of them.
pub fn graph_nodes(lib: &Library) -> Vec<String> {
    lib.notes
        .par_iter()
        .map(|note| {
            let mut node = String::with_capacity(note.url.len() + note.title.len() + 16);
            node.push('[');
            push_json_str(&mut node, node_id(&note.url));
            node.push(',');
            push_json_str(&mut node, &note.title);
            node.push(',');
            match &note.kind {
                Some(kind) => push_json_str(&mut node, kind),
                None => node.push_str("null"),
            }
            node.push(']');
            node
        })
        .collect()
}

/// `ESCAPE[b]` is true for the bytes [`push_json_str`] may have to escape:
/// one table lookup per byte, as most bytes need nothing.
const ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[b'&' as usize] = true;
    table[0xE2] = true; // may start U+2028 or U+2029
    table
};

/// Appends `s` as a JSON string that is also safe inside a `<script>`
/// element: `<`, `>` and `&` are written as `\u` escapes.
fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut plain = 0; // start of the run of bytes that need no escape
    for (i, &b) in bytes.iter().enumerate() {
        if !ESCAPE[usize::from(b)] {
            continue;
        }
        // U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8.
        let separator = b == 0xE2 && matches!(bytes.get(i + 1..i + 3), Some([0x80, 0xA8 | 0xA9]));
        if b == 0xE2 && !separator {
            continue;
        }
        out.push_str(&s[plain..i]);
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0xE2 => {
                let _ = write!(
                    out,
                    "\\u202{}",
                    if bytes[i + 2] == 0xA8 { '8' } else { '9' }
                );
            }
            _ => {
                let _ = write!(out, "\\u{:04x}", b);
            }
        }
        plain = i + if separator { 3 } else { 1 };
    }
    out.push_str(&s[plain..]);
    out.push('"');
}

/// One line of the graph page's text version: a note and where it links.
#[derive(Serialize)]
pub struct GraphListing<'a> {
    title: &'a str,
    url: String,
    kind: Option<&'a str>,
    /// (target title, target url, edge type); left out on large sites.
    edges: Vec<(&'a str, String, &'a str)>,
    /// How many notes it links or relates to.
    links: usize,
}

/// Above this many notes the graph page's text version lists notes without
/// their edges (each note page has them), so the page stays a sensible size.
const TEXT_EDGES_LIMIT: usize = 1000;

/// The graph as text, for the graph page without JavaScript.
pub fn listing<'a>(lib: &'a Library, config: &Config) -> Vec<GraphListing<'a>> {
    let mut order: Vec<NoteId> = (0..lib.notes.len())
        .filter(|&id| lib.published[id])
        .collect();
    lib.sort_by_title(&mut order);
    let with_edges = order.len() <= TEXT_EDGES_LIMIT;
    order
        .into_iter()
        .map(|id| {
            let note = &lib.notes[id];
            let mut edges: Vec<(&str, String, &str)> = outgoing_edges(lib, id)
                .map(|(t, kind)| {
                    (
                        lib.notes[t].title.as_str(),
                        page_link(config, &lib.notes[t].url),
                        kind,
                    )
                })
                .collect();
            edges.sort();
            edges.dedup();
            let links = edges.len();
            if !with_edges {
                edges.clear();
            }
            GraphListing {
                title: &note.title,
                url: page_link(config, &note.url),
                kind: note.kind.as_deref(),
                edges,
                links,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::push_json_str;

    #[test]
    fn json_strings_round_trip_and_cannot_close_a_script() {
        let tricky = "Zoë \"quoted\" \\ back</script><!-- & \n\t\u{1} \u{2028} 王";
        let mut out = String::new();
        push_json_str(&mut out, tricky);
        assert!(!out.contains('<') && !out.contains('>') && !out.contains('&'));
        let parsed: String = serde_json::from_str(&out).expect("valid JSON");
        assert_eq!(parsed, tricky);
    }
}
