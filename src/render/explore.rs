//! Data for exploring the knowledge base: `graph.json` and the timeline.

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

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
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

/// `graph.json`: every published note as a node and every link between two
/// of them as an edge, typed `link`, `embed`, or the relation's name.
pub fn graph(lib: &Library, config: &Config) -> OutputFile {
    let published = |id: NoteId| lib.published[id];
    let mut edges: Vec<GraphEdge> = Vec::new();
    let mut degree = vec![0usize; lib.notes.len()];
    for (source, note) in lib.notes.iter().enumerate() {
        if !published(source) {
            continue;
        }
        let from = node_id(&note.url);
        for (link, resolved) in note.scan.links.iter().zip(&lib.links[source]) {
            if let Resolved::Note { id, .. } = *resolved {
                if id != source && published(id) {
                    let kind = if link.syntax == LinkSyntax::WikiEmbed {
                        "embed"
                    } else {
                        "link"
                    };
                    edges.push(GraphEdge {
                        source: from,
                        target: node_id(&lib.notes[id].url),
                        kind,
                    });
                }
            }
        }
        for (name, targets) in &lib.relations[source] {
            for &id in targets {
                if id != source && published(id) {
                    edges.push(GraphEdge {
                        source: from,
                        target: node_id(&lib.notes[id].url),
                        kind: name,
                    });
                }
            }
        }
    }
    edges.sort();
    edges.dedup();
    let index: std::collections::HashMap<&str, NoteId> = (0..lib.notes.len())
        .filter(|&id| published(id))
        .map(|id| (node_id(&lib.notes[id].url), id))
        .collect();
    let mut neighbours: Vec<(NoteId, NoteId)> = edges
        .iter()
        .filter_map(|e| Some((*index.get(e.source)?, *index.get(e.target)?)))
        .flat_map(|(a, b)| [(a.min(b), a.max(b))])
        .collect();
    neighbours.sort_unstable();
    neighbours.dedup();
    for (a, b) in neighbours {
        degree[a] += 1;
        degree[b] += 1;
    }
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
    let json = serde_json::to_vec(&Graph { nodes, edges }).unwrap_or_default();
    OutputFile::Bytes {
        path: "graph.json".into(),
        contents: json,
    }
}

/// The neighbourhood of one note for its local graph: the note, every note it
/// links to or relates to and every note linking or relating to it, with the
/// edges between the note and them. JSON, safe inside a `<script>` element.
pub fn local_graph(lib: &Library, config: &Config, id: NoteId) -> String {
    let note = &lib.notes[id];
    let me = node_id(&note.url);
    let mut edges: Vec<GraphEdge> = Vec::new();
    for (link, resolved) in note.scan.links.iter().zip(&lib.links[id]) {
        if let Resolved::Note { id: target, .. } = *resolved {
            if target != id && lib.published[target] {
                let kind = if link.syntax == LinkSyntax::WikiEmbed {
                    "embed"
                } else {
                    "link"
                };
                edges.push(GraphEdge {
                    source: me,
                    target: node_id(&lib.notes[target].url),
                    kind,
                });
            }
        }
    }
    for backlink in &lib.backlinks[id] {
        let source = &lib.notes[backlink.source];
        let embeds = backlink
            .links
            .iter()
            .any(|&i| source.scan.links[i].syntax == LinkSyntax::WikiEmbed);
        edges.push(GraphEdge {
            source: node_id(&source.url),
            target: me,
            kind: if embeds { "embed" } else { "link" },
        });
    }
    for (name, targets) in &lib.relations[id] {
        for &target in targets {
            edges.push(GraphEdge {
                source: me,
                target: node_id(&lib.notes[target].url),
                kind: name,
            });
        }
    }
    for (name, sources) in &lib.inverse_relations[id] {
        for &source in sources {
            edges.push(GraphEdge {
                source: node_id(&lib.notes[source].url),
                target: me,
                kind: name,
            });
        }
    }
    edges.sort();
    edges.dedup();
    let mut ids: Vec<NoteId> = vec![id];
    ids.extend(lib.links[id].iter().filter_map(|r| match r {
        Resolved::Note { id: t, .. } if lib.published[*t] => Some(*t),
        _ => None,
    }));
    ids.extend(lib.backlinks[id].iter().map(|b| b.source));
    ids.extend(
        lib.relations[id]
            .iter()
            .chain(&lib.inverse_relations[id])
            .flat_map(|(_, ids)| ids.iter().copied()),
    );
    let mut seen = std::collections::HashSet::new();
    ids.retain(|i| seen.insert(*i));
    let nodes: Vec<GraphNode> = ids
        .iter()
        .map(|&i| {
            let n = &lib.notes[i];
            GraphNode {
                id: node_id(&n.url),
                title: &n.title,
                kind: n.kind.as_deref(),
                tags: &[],
                url: page_link(config, &n.url),
                links: 0,
            }
        })
        .collect();
    #[derive(Serialize)]
    struct Local<'a> {
        id: &'a str,
        nodes: Vec<GraphNode<'a>>,
        edges: Vec<GraphEdge<'a>>,
    }
    let json = serde_json::to_string(&Local {
        id: me,
        nodes,
        edges,
    })
    .unwrap_or_default();
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
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
            let mut edges: Vec<(&str, String, &str)> = Vec::new();
            for (link, resolved) in note.scan.links.iter().zip(&lib.links[id]) {
                if let Resolved::Note { id: t, .. } = *resolved {
                    if t != id && lib.published[t] {
                        let kind = if link.syntax == LinkSyntax::WikiEmbed {
                            "embed"
                        } else {
                            "link"
                        };
                        edges.push((
                            &lib.notes[t].title,
                            page_link(config, &lib.notes[t].url),
                            kind,
                        ));
                    }
                }
            }
            for (name, targets) in &lib.relations[id] {
                for &t in targets {
                    edges.push((
                        &lib.notes[t].title,
                        page_link(config, &lib.notes[t].url),
                        name,
                    ));
                }
            }
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
