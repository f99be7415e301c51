//! Data for exploring the knowledge base: `graph.json` and the timeline.

use crate::registry;
use std::fmt::Write as _;

use rayon::prelude::*;
use serde::Serialize;

use super::OutputFile;
use crate::config::Config;
use crate::link::{Library, NoteId, Resolved};

/// A note's stable id in `graph.json`: its URL without the trailing `/`.
fn node_id(url: &str) -> &str {
    url.trim_end_matches('/')
}

/// The type of the edge that link `index` of note `source` makes: `embed`
/// or `link`.
fn edge_type(lib: &Library, source: NoteId, index: usize) -> &'static str {
    if lib.is_embed_link(source, index) {
        "embed"
    } else {
        "link"
    }
}

/// Where a note's links and typed relations go, each with its edge type:
/// `link`, `embed`, or the relation's name. Published notes other than itself only.
fn outgoing_edges(lib: &Library, id: NoteId) -> impl Iterator<Item = (NoteId, &str)> + '_ {
    let links = lib.links[id]
        .iter()
        .enumerate()
        .filter_map(move |(i, resolved)| match *resolved {
            Resolved::Note { id: target, .. } => Some((target, edge_type(lib, id, i))),
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
/// of them as an edge, typed `link`, `embed`, or the relation's name:
/// `{"nodes":[{"id","title","kind","tags","url","links"},…],"edges":[{"source","target","type"},…]}`,
/// where a node's `links` counts the distinct notes it is connected to, either way.
///
/// Written straight into one buffer: on a large site this is the biggest
/// file, and building it as structs first held it in memory three times over.
/// `links[id]` is note `id`'s link from the site root, as the renderer keeps it.
pub fn graph(lib: &Library, links: &[String]) -> OutputFile {
    let published: Vec<NoteId> = (0..lib.notes.len())
        .filter(|&id| lib.published[id])
        .collect();
    // Per note: how many notes it is connected to, and its own edges.
    let per_note: Vec<(usize, Vec<(NoteId, &str)>)> = published
        .par_iter()
        .map(|&id| {
            let mut edges: Vec<(NoteId, &str)> = outgoing_edges(lib, id).collect();
            edges.sort_unstable();
            edges.dedup();
            let incoming = lib.backlinks[id].iter().map(|b| b.source).chain(
                lib.inverse_relations[id]
                    .iter()
                    .flat_map(|(_, sources)| sources.iter().copied()),
            );
            let mut near: Vec<NoteId> = edges.iter().map(|&(t, _)| t).chain(incoming).collect();
            near.retain(|&other| other != id && lib.published[other]);
            near.sort_unstable();
            near.dedup();
            (near.len(), edges)
        })
        .collect();
    // Each id escaped once, since a note is an end of many edges; all in one
    // buffer, since edges name their ends in no order and separate strings
    // would each be a likely cache miss on a large site.
    let mut ids = String::with_capacity(published.len() * 32);
    let mut id_spans = vec![0..0; lib.notes.len()];
    for &id in &published {
        let start = ids.len();
        push_json_str(&mut ids, node_id(&lib.notes[id].url));
        id_spans[id] = start..ids.len();
    }
    let quoted = |id: NoteId| &ids[id_spans[id].clone()];
    let edge_count: usize = per_note.iter().map(|(_, edges)| edges.len()).sum();
    let mut json = String::with_capacity(64 + published.len() * 160 + edge_count * 96);
    let mut digits = itoa::Buffer::new();
    json.push_str("{\"nodes\":[");
    for (n, (&id, (near, _))) in published.iter().zip(&per_note).enumerate() {
        let note = &lib.notes[id];
        json.push_str(if n == 0 { "{\"id\":" } else { ",{\"id\":" });
        json.push_str(quoted(id));
        json.push_str(",\"title\":");
        push_json_str(&mut json, &note.title);
        json.push_str(",\"kind\":");
        push_json_opt(&mut json, note.kind.as_deref());
        json.push_str(",\"tags\":[");
        for (t, tag) in note.tags.iter().enumerate() {
            if t > 0 {
                json.push(',');
            }
            push_json_str(&mut json, tag);
        }
        json.push_str("],\"url\":");
        push_json_str(&mut json, &links[id]);
        json.push_str(",\"links\":");
        json.push_str(digits.format(*near));
        json.push('}');
    }
    json.push_str("],\"edges\":[");
    let mut first = true;
    for (&source, (_, edges)) in published.iter().zip(&per_note) {
        for &(target, kind) in edges {
            json.push_str(if first {
                "{\"source\":"
            } else {
                ",{\"source\":"
            });
            first = false;
            json.push_str(quoted(source));
            json.push_str(",\"target\":");
            json.push_str(quoted(target));
            json.push_str(",\"type\":");
            push_json_str(&mut json, kind);
            json.push('}');
        }
    }
    json.push_str("]}");
    OutputFile::Bytes {
        path: registry::File::GraphData.path().unwrap_or_default().into(),
        contents: json.into_bytes(),
    }
}

/// The neighbourhood of one note for its local graph: the note, every note it
/// links to or relates to and every note linking or relating to it, with the
/// edges between the note and them. Compact JSON, safe inside a `<script>`:
/// `{"id":…,"link":"index.html","nodes":[[id,title,kind],…],"edges":[[from,to,type],…]}`
/// where edges index into `nodes` and a node's URL is `id + "/" + link`.
/// `node(i)` is note `i` as a node ([`graph_node`]), made once per renderer.
pub fn local_graph<'n>(
    lib: &Library,
    config: &Config,
    node: &dyn Fn(NoteId) -> &'n str,
    id: NoteId,
) -> String {
    // Its own edges, and the edges into it: its backlinks and incoming
    // relations already say which links and relations of other notes point
    // here, so other notes' link lists need not be read.
    let mut pairs: Vec<(NoteId, NoteId, &str)> = outgoing_edges(lib, id)
        .map(|(t, kind)| (id, t, kind))
        .collect();
    for backlink in &lib.backlinks[id] {
        let source = backlink.source;
        pairs.extend(
            backlink
                .links
                .iter()
                .map(|&i| (source, id, edge_type(lib, source, i))),
        );
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
        out.push_str(node(i));
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

/// A note as a node of a local graph, `[id,title,kind]` in JSON. The
/// renderer keeps each once made: a note is a neighbour on many pages.
pub fn graph_node(note: &crate::load::Note) -> String {
    let mut node = String::with_capacity(note.url.len() + note.title.len() + 16);
    node.push('[');
    push_json_str(&mut node, node_id(&note.url));
    node.push(',');
    push_json_str(&mut node, &note.title);
    node.push(',');
    push_json_opt(&mut node, note.kind.as_deref());
    node.push(']');
    node
}

/// A JSON string, or `null` for `None`.
fn push_json_opt(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => push_json_str(out, s),
        None => out.push_str("null"),
    }
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
pub(super) fn push_json_str(out: &mut String, s: &str) {
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
    url: &'a str,
    kind: Option<&'a str>,
    /// (target title, target url, edge type); left out on large sites.
    edges: Vec<(&'a str, &'a str, &'a str)>,
    /// How many notes it links or relates to.
    links: usize,
}

/// Above this many notes the graph page's text version lists notes without
/// their edges (each note page has them), so the page stays a sensible size.
const TEXT_EDGES_LIMIT: usize = 1000;

/// The graph as text, for the graph page without JavaScript.
/// `links` as for [`graph`].
pub fn listing<'a>(lib: &'a Library, links: &'a [String]) -> Vec<GraphListing<'a>> {
    let mut order: Vec<NoteId> = (0..lib.notes.len())
        .filter(|&id| lib.published[id])
        .collect();
    lib.sort_by_title(&mut order);
    let with_edges = order.len() <= TEXT_EDGES_LIMIT;
    order
        .into_iter()
        .map(|id| {
            let note = &lib.notes[id];
            // Distinct (target, type) pairs; their text only where shown.
            let mut targets: Vec<(NoteId, &str)> = outgoing_edges(lib, id).collect();
            targets.sort_unstable();
            targets.dedup();
            let mut edges: Vec<(&str, &str, &str)> = if with_edges {
                targets
                    .iter()
                    .map(|&(t, kind)| (lib.notes[t].title.as_str(), links[t].as_str(), kind))
                    .collect()
            } else {
                Vec::new()
            };
            edges.sort_unstable();
            GraphListing {
                title: &note.title,
                url: &links[id],
                kind: note.kind.as_deref(),
                edges,
                links: targets.len(),
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
