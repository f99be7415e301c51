//! Data for exploring the knowledge base: `graph.json` and the timeline.

use crate::registry;

use rayon::prelude::*;
use serde::Serialize;

use super::{json, OutputFile};
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

/// A node of `graph.json`.
#[derive(Serialize)]
struct Node<'a> {
    id: &'a str,
    title: &'a str,
    kind: Option<&'a str>,
    tags: &'a [String],
    url: &'a str,
    /// How many distinct notes it is connected to, either way.
    links: usize,
}

/// An edge of `graph.json`.
#[derive(Serialize)]
struct Edge<'a> {
    source: &'a str,
    target: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
}

/// `graph.json`: every published note as a node and every link between two
/// of them as an edge, typed `link`, `embed`, or the relation's name:
/// `{"nodes":[{"id","title","kind","tags","url","links"},…],"edges":[{"source","target","type"},…]}`.
/// `links[id]` is note `id`'s link from the site root, as the renderer keeps it.
pub fn graph(lib: &Library, links: &[String]) -> OutputFile {
    #[derive(Serialize)]
    #[serde(bound = "")]
    struct Graph<'a, E: Fn() -> I, I: Iterator<Item = Edge<'a>>> {
        nodes: Vec<Node<'a>>,
        /// Many more than nodes: written as they are made, never all held.
        edges: json::Streamed<E>,
    }
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
    let graph = Graph {
        nodes: published
            .iter()
            .zip(&per_note)
            .map(|(&id, (near, _))| {
                let note = &lib.notes[id];
                Node {
                    id: node_id(&note.url),
                    title: &note.title,
                    kind: note.kind.as_deref(),
                    tags: &note.tags,
                    url: &links[id],
                    links: *near,
                }
            })
            .collect(),
        edges: json::Streamed(|| {
            published
                .iter()
                .zip(&per_note)
                .flat_map(|(&source, (_, edges))| {
                    edges.iter().map(move |&(target, kind)| Edge {
                        source: node_id(&lib.notes[source].url),
                        target: node_id(&lib.notes[target].url),
                        kind,
                    })
                })
        }),
    };
    let edge_count: usize = per_note.iter().map(|(_, edges)| edges.len()).sum();
    let mut contents = Vec::with_capacity(64 + graph.nodes.len() * 192 + edge_count * 112);
    json::write(&mut contents, &graph);
    OutputFile::Bytes {
        path: registry::File::GraphData.path().unwrap_or_default().into(),
        contents,
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
    let mut more = 0;
    for n in std::iter::once(id).chain(neighbours) {
        if index.contains_key(&n) {
            continue;
        }
        if ids.len() == MAX_LOCAL_NODES {
            more += 1;
            continue;
        }
        index.insert(n, ids.len());
        ids.push(n);
    }
    // Beyond the cap, neighbours are counted, not drawn: a hub note's page
    // stays small, and its full neighbourhood is in graph.json.
    pairs.retain(|(s, t, _)| index.contains_key(s) && index.contains_key(t));
    let position = |n: NoteId| index.get(&n).copied().unwrap_or(0);

    // Nodes are made once per note and spliced in as they are.
    let mut out = Vec::with_capacity(64 + ids.len() * 48 + pairs.len() * 12);
    out.extend_from_slice(b"{\"id\":");
    json::write(&mut out, node_id(&lib.notes[id].url));
    out.extend_from_slice(b",\"link\":");
    json::write(&mut out, if config.index_links { "index.html" } else { "" });
    out.extend_from_slice(b",\"nodes\":[");
    for (n, &i) in ids.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(node(i).as_bytes());
    }
    out.extend_from_slice(b"],");
    if more > 0 {
        out.extend_from_slice(format!("\"more\":{more},").as_bytes());
    }
    out.extend_from_slice(b"\"edges\":");
    let edges: Vec<(usize, usize, &str)> = pairs
        .iter()
        .map(|&(s, t, kind)| (position(s), position(t), kind))
        .collect();
    json::write(&mut out, &edges);
    out.push(b'}');
    // Made of UTF-8 strings and ASCII.
    String::from_utf8(out).unwrap_or_default()
}

/// Notes drawn in a local graph at most, the note itself included.
const MAX_LOCAL_NODES: usize = 200;

/// A note as a node of a local graph, `[id,title,kind]` in JSON. The
/// renderer keeps each once made: a note is a neighbour on many pages.
pub fn graph_node(note: &crate::load::Note) -> String {
    json::to_string(&(node_id(&note.url), &note.title, note.kind.as_deref()))
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
const TEXT_EDGES_LIMIT: usize = 200;

/// Notes the graph page's text version lists at most: the most connected.
const TEXT_NOTES_LIMIT: usize = 1000;

/// The graph as text, for the graph page without JavaScript: at most
/// [`TEXT_NOTES_LIMIT`] notes (the most connected, in title order), so the
/// page does not grow with the site. `links` as for [`graph`].
pub fn listing<'a>(lib: &'a Library, links: &'a [String]) -> Vec<GraphListing<'a>> {
    let mut order: Vec<NoteId> = (0..lib.notes.len())
        .filter(|&id| lib.published[id])
        .collect();
    let with_edges = order.len() <= TEXT_EDGES_LIMIT;
    if order.len() > TEXT_NOTES_LIMIT {
        let degree = |id: NoteId| lib.backlinks[id].len() + lib.links[id].len();
        order.sort_by_key(|&id| (std::cmp::Reverse(degree(id)), lib.title_rank[id]));
        order.truncate(TEXT_NOTES_LIMIT);
    }
    lib.sort_by_title(&mut order);
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
