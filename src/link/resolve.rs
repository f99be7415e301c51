//! Resolving each link of a note, in the body and in frontmatter fields,
//! with a diagnostic for every link that does not resolve.

use super::*;

/// Where a link was written, turned into a file position only when a problem
/// is reported (most links resolve, and positions cost a scan of the file).
#[derive(Clone, Copy)]
pub(super) enum LinkSite<'s> {
    /// In the body, at this byte offset.
    Body { offset: usize, syntax: LinkSyntax },
    /// In the frontmatter value of the key on `line`, written as `[[dest]]`.
    Field { line: usize, dest: &'s str },
}

impl LinkSite<'_> {
    /// (line, column) in the file.
    pub(super) fn position(self, note: &Note) -> (usize, usize) {
        match self {
            LinkSite::Body { offset, .. } => note.body_position(offset),
            LinkSite::Field { line, dest } => field_link_position(note, line, dest),
        }
    }

    /// The link as the author wrote it, for messages.
    pub(super) fn written(self, note: &Note) -> String {
        match self {
            LinkSite::Body { offset, syntax } => {
                let text = &note.body()[offset..];
                let closing = match syntax {
                    LinkSyntax::Wiki | LinkSyntax::WikiEmbed => text.find("]]").map(|e| e + 2),
                    LinkSyntax::Markdown | LinkSyntax::MarkdownImage => {
                        text.find(')').map(|e| e + 1)
                    }
                };
                let end = closing.unwrap_or(text.len());
                let end = text[..end].find('\n').unwrap_or(end);
                text[..end].to_string()
            }
            LinkSite::Field { dest, .. } => format!("[[{dest}]]"),
        }
    }
}

/// Resolves links against the index and records what went wrong. Shared by
/// all threads; each note collects its own diagnostics.
pub(super) struct Resolver<'a> {
    pub(super) index: &'a Index,
    pub(super) notes: &'a [Note],
    pub(super) attachments: &'a [Attachment],
    pub(super) published: &'a [bool],
    pub(super) policy: BrokenLinks,
    pub(super) suggester: &'a suggest::Suggester<'a>,
}

impl Resolver<'_> {
    pub(super) fn report(
        &self,
        diagnostics: &mut Vec<Diagnostic>,
        note: &Note,
        site: LinkSite,
        message: impl FnOnce(&str) -> String,
        help: Option<String>,
    ) {
        let (line, column) = site.position(note);
        let mut d = Diagnostic::error(
            note.display_path.clone(),
            line,
            column,
            message(&site.written(note)),
        );
        d.help = help;
        if self.policy == BrokenLinks::Warn {
            d = d.into_warning();
        }
        diagnostics.push(d);
    }

    /// The note a wikilink names. Notes sharing the name at the same depth
    /// (none in the linking note's folder): Obsidian still opens one of
    /// them, and so does Dossier (the first by path), with a warning.
    fn note_named(
        &self,
        target: &str,
        from: NoteId,
        site: LinkSite,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Result<Resolved, Failure> {
        let id = match self.index.note(self.notes, target, from) {
            Err(Failure::Ambiguous(ids)) => {
                let note = &self.notes[from];
                let list: Vec<&str> = ids.iter().map(|&i| self.notes[i].path.as_str()).collect();
                let forms: Vec<String> = list
                    .iter()
                    .map(|c| format!("[[{}]]", without_md(c)))
                    .collect();
                let (line, column) = site.position(note);
                diagnostics.push(
                    Diagnostic::error(
                        note.display_path.clone(),
                        line,
                        column,
                        format!(
                            "ambiguous link {}: it matches {}; it goes to {}, as Obsidian's would",
                            site.written(note),
                            list.join(", "),
                            list[0]
                        ),
                    )
                    .with_help(format!(
                        "write the path to pick one: {}",
                        forms.join(" or ")
                    ))
                    .into_warning(),
                );
                ids[0]
            }
            other => other?,
        };
        Ok(Resolved::Note { id, anchor: None })
    }

    /// Resolves one link from note `from`, written at `site`.
    pub(super) fn resolve(
        &self,
        from: NoteId,
        target: &str,
        fragment: Option<&str>,
        site: LinkSite,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Resolved {
        let notes = self.notes;
        let note = &notes[from];
        if target.is_empty() {
            let Some(f) = fragment else {
                return Resolved::Missing("empty link".into());
            };
            return match self.heading(from, f) {
                Some(anchor) => Resolved::SameNote { anchor },
                None => {
                    let help = self.heading_hint(from, f);
                    let message = |w: &str| {
                        format!(
                            "unknown {} in link {w}: this note has no {}",
                            what_fragment(f),
                            named_fragment(f)
                        )
                    };
                    self.report(diagnostics, note, site, message, help);
                    Resolved::Missing(format!("no {}", named_fragment(f)))
                }
            };
        }

        let markdown = matches!(
            site,
            LinkSite::Body {
                syntax: LinkSyntax::Markdown | LinkSyntax::MarkdownImage,
                ..
            }
        );
        let found = if markdown {
            self.markdown_target(from, target)
        } else if has_extension(target) {
            // `[[mailbox.org]]` is a note when no attachment has that name.
            match self.index.attachment(target) {
                Err(Failure::NotFound) => self.note_named(target, from, site, diagnostics),
                found => found.map(Resolved::Attachment),
            }
        } else {
            self.note_named(target, from, site, diagnostics)
        };
        match found {
            Ok(Resolved::Note { id, .. }) if !self.published[id] => Resolved::Unpublished,
            Ok(Resolved::Note { id, .. }) => {
                let anchor = fragment.and_then(|f| {
                    let anchor = self.heading(id, f);
                    if anchor.is_none() {
                        let help = self.heading_hint(id, f);
                        let other = notes[id].display_path.display();
                        let message = |w: &str| {
                            format!(
                                "unknown {} in link {w}: {other} has no {}",
                                what_fragment(f),
                                named_fragment(f)
                            )
                        };
                        self.report(diagnostics, note, site, message, help);
                    }
                    anchor
                });
                Resolved::Note { id, anchor }
            }
            Ok(other) => other,
            Err(Failure::Ambiguous(ids)) => {
                let is_attachment = has_extension(target) && !markdown;
                let candidates: Vec<&str> = if is_attachment {
                    ids.iter()
                        .map(|&i| self.attachments[i].path.as_str())
                        .collect()
                } else {
                    ids.iter().map(|&i| notes[i].path.as_str()).collect()
                };
                let forms: Vec<String> = candidates
                    .iter()
                    .map(|c| format!("[[{}]]", if is_attachment { c } else { without_md(c) }))
                    .collect();
                let list = candidates.join(", ");
                let help = Some(format!(
                    "write the path to pick one: {}",
                    forms.join(" or ")
                ));
                self.report(
                    diagnostics,
                    note,
                    site,
                    |w| format!("ambiguous link {w}: it matches {list}"),
                    help,
                );
                Resolved::Missing(format!("ambiguous: {list}"))
            }
            Err(Failure::NotFound) => {
                let (what, help) = if has_extension(target) && is_attachment_name(target) {
                    ("unknown attachment", None)
                } else {
                    let name = target.rsplit('/').next().unwrap_or(target);
                    ("unknown link", self.suggester.suggest(without_md(name)))
                };
                self.report(diagnostics, note, site, |w| format!("{what} {w}"), help);
                Resolved::Missing(format!("missing: {target}"))
            }
        }
    }

    pub(super) fn markdown_target(&self, from: NoteId, target: &str) -> Result<Resolved, Failure> {
        let note = &self.notes[from];
        let joined = join_relative(&note.path, target);
        // A path that climbs past the vault (`../../images/x.png`, written
        // for a site one folder up) falls back, as in Obsidian, to the end of
        // the path: `images/x.png` from the root, then the file name.
        let climbed = || {
            let rest = target.trim_start_matches("./");
            let mut rest = rest;
            while let Some(r) = rest.strip_prefix("../") {
                rest = r;
            }
            (rest != target).then_some(rest)
        };
        if has_extension(target) {
            let from_note = joined.as_deref().map(|p| self.index.attachment(p));
            return match from_note {
                Some(Ok(i)) => Ok(Resolved::Attachment(i)),
                _ => match (self.index.attachment(target), climbed()) {
                    (Err(Failure::NotFound), Some(rest)) => {
                        let name = rest.rsplit('/').next().unwrap_or(rest);
                        self.index
                            .attachment(rest)
                            .or_else(|_| self.index.attachment(name))
                            .map(Resolved::Attachment)
                    }
                    (found, _) => found.map(Resolved::Attachment),
                },
            };
        }
        // Relative to the note, then from the vault root (Obsidian's absolute form).
        let full = |path: &str| {
            self.index
                .by_full_path
                .get(&name_key(without_md(path)))
                .copied()
        };
        if let Some(id) = joined
            .as_deref()
            .and_then(full)
            .or_else(|| full(target.trim_start_matches('/')))
        {
            return Ok(Resolved::Note { id, anchor: None });
        }
        if !target.contains('/') {
            return self
                .index
                .note(self.notes, target, from)
                .map(|id| Resolved::Note { id, anchor: None });
        }
        Err(Failure::NotFound)
    }

    /// The anchor in note `id` that `fragment` names: a heading's id, or `^id`
    /// for a block. In nested fragments (`A#B`) each part is looked for among
    /// the headings under the previous one, as in Obsidian.
    pub(super) fn heading(&self, id: NoteId, fragment: &str) -> Option<String> {
        let note = &self.notes[id];
        let parts: Vec<&str> = fragment
            .split('#')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        if let Some(block) = parts.last()?.strip_prefix('^') {
            let found = note
                .scan
                .block_ids
                .iter()
                .find(|b| b.id == block)
                .or_else(|| {
                    note.scan
                        .block_ids
                        .iter()
                        .find(|b| b.id.eq_ignore_ascii_case(block))
                })?;
            return Some(format!("^{}", found.id));
        }
        let headings = &note.scan.headings;
        let (mut start, mut end, mut found) = (0, headings.len(), None);
        for part in parts {
            let i = start
                + headings[start..end]
                    .iter()
                    .position(|h| same_heading(&h.text, part) || h.id == part)?;
            let level = headings[i].level;
            end = headings[i + 1..end]
                .iter()
                .position(|h| h.level <= level)
                .map_or(end, |p| i + 1 + p);
            start = i + 1;
            found = Some(i);
        }
        found.map(|i| headings[i].id.clone())
    }

    pub(super) fn heading_hint(&self, id: NoteId, fragment: &str) -> Option<String> {
        let wanted = fragment.to_lowercase();
        self.notes[id]
            .scan
            .headings
            .iter()
            .map(|h| {
                (
                    strsim::jaro_winkler(&wanted, &h.text.to_lowercase()),
                    &h.text,
                )
            })
            .filter(|(score, _)| *score >= 0.7)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, text)| format!("did you mean #{text}?"))
    }
}

/// "heading" or "block", for messages about a link's fragment.
pub(super) fn what_fragment(fragment: &str) -> &'static str {
    if fragment
        .rsplit('#')
        .next()
        .unwrap_or(fragment)
        .trim()
        .starts_with('^')
    {
        "block"
    } else {
        "heading"
    }
}

/// "heading `Role`" or "block `^claim`".
pub(super) fn named_fragment(fragment: &str) -> String {
    format!(
        "{} `{}`",
        what_fragment(fragment),
        fragment.rsplit('#').next().unwrap_or(fragment).trim()
    )
}

/// Splits a frontmatter value into text and `[[wikilinks]]`, with the byte
/// offset of each link in the value.
pub(super) fn wikilinks_in(value: &str) -> Vec<(std::ops::Range<usize>, &str, Option<&str>)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(open) = value[pos..].find("[[") {
        let start = pos + open;
        let Some(close) = value[start + 2..].find("]]") else {
            break;
        };
        let inner = &value[start + 2..start + 2 + close];
        let (dest, label) = match inner.split_once('|') {
            Some((d, l)) => (d, Some(l.trim())),
            None => (inner, None),
        };
        pos = start + 2 + close + 2;
        out.push((start..pos, dest, label));
    }
    out
}

/// Line and column in the file of the `[[` of a link in a frontmatter value.
pub(super) fn field_link_position(note: &Note, key_line: usize, dest: &str) -> (usize, usize) {
    let needle = format!("[[{dest}");
    for (i, line) in note
        .source
        .lines()
        .enumerate()
        .skip(key_line.saturating_sub(1))
    {
        if let Some(col) = line.find(&needle) {
            return (i + 1, line[..col].chars().count() + 1);
        }
        if i + 1 > key_line && line.starts_with(|c: char| !c.is_whitespace() && c != '-') {
            break; // reached the next key
        }
    }
    (key_line, 1)
}

/// One note's links as [`resolve_note`] resolves them.
pub(super) struct NoteLinks {
    /// Each link of the body.
    pub(super) links: Vec<Resolved>,
    /// Each frontmatter value, split into text and links.
    pub(super) fields: Vec<Vec<Vec<Part>>>,
    pub(super) diagnostics: Vec<Diagnostic>,
    /// See [`Library::embeds`].
    pub(super) embeds: bool,
}

/// Resolves the body and frontmatter links of one note.
pub(super) fn resolve_note(resolver: &Resolver, id: NoteId) -> NoteLinks {
    let note = &resolver.notes[id];
    let mut diagnostics = Vec::new();
    if !resolver.published[id] {
        return NoteLinks {
            links: vec![Resolved::Unpublished; note.scan.links.len()],
            fields: field_parts(note, |_, _| Resolved::Unpublished),
            diagnostics,
            embeds: false,
        };
    }
    let links: Vec<Resolved> = note
        .scan
        .links
        .iter()
        .map(|link| {
            let site = LinkSite::Body {
                offset: link.offset,
                syntax: link.syntax,
            };
            resolver.resolve(
                id,
                &link.target,
                link.fragment.as_deref(),
                site,
                &mut diagnostics,
            )
        })
        .collect();
    let fields = field_parts(note, |line, dest| {
        let (target, fragment) = crate::markdown::split_wiki_target(dest);
        resolver.resolve(
            id,
            &target,
            fragment.as_deref(),
            LinkSite::Field { line, dest },
            &mut diagnostics,
        )
    });
    // Read here, while the note's links are in the cache.
    let embeds = embeds_a_note(note, &links);
    NoteLinks {
        links,
        fields,
        diagnostics,
        embeds,
    }
}

/// Splits every frontmatter value of `note` into text and links, resolving
/// each `[[dest]]` found on the key's `line` with `resolve(line, dest)`.
pub(super) fn field_parts(
    note: &Note,
    mut resolve: impl FnMut(usize, &str) -> Resolved,
) -> Vec<Vec<Vec<Part>>> {
    note.fields
        .iter()
        .map(|field| {
            field
                .values
                .iter()
                .map(|value| {
                    let mut parts = Vec::new();
                    let mut last = 0;
                    for (range, dest, label) in wikilinks_in(value) {
                        if range.start > last {
                            parts.push(Part::Text(value[last..range.start].to_string()));
                        }
                        let target = resolve(field.line, dest);
                        let label =
                            label.map_or_else(|| crate::markdown::wiki_label(dest), str::to_string);
                        parts.push(Part::Link { label, target });
                        last = range.end;
                    }
                    if last < value.len() {
                        parts.push(Part::Text(value[last..].to_string()));
                    }
                    parts
                })
                .collect()
        })
        .collect()
}
