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
