//! Checks over the whole site: embed cycles and fan-out, and output paths
//! claimed twice.

use super::*;

/// Reports every embed that closes a cycle (`A` embeds `B` embeds `A`): the
/// renderer stops there instead of following it forever.
pub(super) fn check_embed_cycles(
    notes: &[Note],
    links: &[Vec<Resolved>],
    embeds: &[bool],
    policy: BrokenLinks,
) -> Vec<Diagnostic> {
    // Embed edges: (source, index of the link in the source, target).
    let edges: Vec<Vec<(usize, NoteId)>> = notes
        .iter()
        .zip(links)
        .zip(embeds)
        .map(|((note, resolved), &embeds)| {
            if !embeds {
                return Vec::new();
            }
            note.scan
                .links
                .iter()
                .zip(resolved)
                .enumerate()
                .filter_map(|(i, (link, r))| match r {
                    Resolved::Note { id, .. } if link.syntax == LinkSyntax::WikiEmbed => {
                        Some((i, *id))
                    }
                    _ => None,
                })
                .collect()
        })
        .collect();
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        OnPath,
        Done,
    }
    let mut state = vec![State::New; notes.len()];
    // What each note's embeds expand to, saturating past the caps: notes
    // embedded (counting repeats) and their bytes.
    let mut expanded = vec![(0usize, 0usize); notes.len()];
    let mut diagnostics = Vec::new();
    for root in 0..notes.len() {
        if state[root] != State::New || edges[root].is_empty() {
            continue;
        }
        // Iterative depth-first search: (note, next edge to follow).
        let mut path: Vec<(NoteId, usize)> = vec![(root, 0)];
        state[root] = State::OnPath;
        while let Some(&mut (node, ref mut next)) = path.last_mut() {
            let Some(&(link, target)) = edges[node].get(*next) else {
                state[node] = State::Done;
                path.pop();
                // Every target is done now, or on the path (a cycle, not counted).
                let mut total = (0usize, 0usize);
                for &(_, target) in &edges[node] {
                    if state[target] == State::Done {
                        let (count, bytes) = expanded[target];
                        total.0 = total
                            .0
                            .saturating_add(1 + count)
                            .min(MAX_EMBEDS_PER_PAGE + 1);
                        total.1 = total
                            .1
                            .saturating_add(notes[target].body().len() + bytes)
                            .min(MAX_EMBEDDED_BYTES + 1);
                    }
                }
                expanded[node] = total;
                continue;
            };
            *next += 1;
            match state[target] {
                State::New => {
                    state[target] = State::OnPath;
                    path.push((target, 0));
                }
                State::OnPath => {
                    let start = path.iter().position(|&(n, _)| n == target).unwrap_or(0);
                    let cycle: Vec<String> = path[start..]
                        .iter()
                        .map(|&(n, _)| notes[n].path.clone())
                        .chain(std::iter::once(notes[target].path.clone()))
                        .collect();
                    let note = &notes[node];
                    let (line, column) = note.body_position(note.scan.links[link].offset);
                    let mut d = Diagnostic::error(
                        note.display_path.clone(),
                        line,
                        column,
                        format!("embed cycle: {}", cycle.join(" embeds ")),
                    )
                    .with_help("replace one of these embeds with a plain link");
                    if policy == BrokenLinks::Warn {
                        d = d.into_warning();
                    }
                    diagnostics.push(d);
                }
                State::Done => {}
            }
        }
    }
    for (id, &(count, bytes)) in expanded.iter().enumerate() {
        if count > MAX_EMBEDS_PER_PAGE || bytes > MAX_EMBEDDED_BYTES {
            diagnostics.push(embed_fan_out(notes, &edges, &expanded, id));
        }
    }
    diagnostics
}

/// Most notes one page embeds, counting each time a note is embedded
/// (embeds of embeds included); the ones after are shown as links.
pub const MAX_EMBEDS_PER_PAGE: usize = 100;

/// Most bytes of Markdown one page embeds (each embedded note counted
/// whole, each time); the embeds after are shown as links.
pub const MAX_EMBEDDED_BYTES: usize = 4 << 20;

/// The warning on a note whose embeds expand past the caps, naming the
/// chain through the largest expansion.
pub(super) fn embed_fan_out(
    notes: &[Note],
    edges: &[Vec<(usize, NoteId)>],
    expanded: &[(usize, usize)],
    id: NoteId,
) -> Diagnostic {
    let mut chain = vec![notes[id].path.clone()];
    let mut at = id;
    while let Some(&(_, next)) = edges[at].iter().max_by_key(|&&(_, t)| expanded[t].0) {
        if chain.len() > MAX_EMBED_CHAIN || next == at || expanded[next].0 == 0 {
            if expanded[next].0 == 0 {
                chain.push(notes[next].path.clone());
            }
            break;
        }
        chain.push(notes[next].path.clone());
        at = next;
    }
    let note = &notes[id];
    let first = edges[id]
        .first()
        .map_or(0, |&(link, _)| note.scan.links[link].offset);
    let (line, column) = note.body_position(first);
    Diagnostic::error(
        note.display_path.clone(),
        line,
        column,
        format!(
            "embeds expand to more than {MAX_EMBEDS_PER_PAGE} notes or {} MiB on one page ({}); the page shows the first ones and links to the rest",
            MAX_EMBEDDED_BYTES >> 20,
            chain.join(" embeds ")
        ),
    )
    .with_help("embed fewer notes, or link to them instead")
    .into_warning()
}

/// Notes a fan-out warning names before it stops.
pub(super) const MAX_EMBED_CHAIN: usize = 8;
