//! The name index: every note by path, file name, title and alias, and
//! every attachment by path and name, built once per link pass; a lookup
//! is a hash probe.

use super::*;

/// Hash indexes over note names, built once and kept while names stay the same.
#[derive(Debug, Default)]
pub(super) struct Index {
    pub(super) by_path: NameTable,
    pub(super) by_full_path: FxHashMap<String, NoteId>,
    pub(super) by_stem: NameTable,
    pub(super) by_title: NameTable,
    pub(super) by_alias: NameTable,
    pub(super) attachment_by_path: FxHashMap<String, usize>,
    pub(super) attachment_by_name: FxHashMap<String, Vec<usize>>,
}

/// Notes by a lowercase name or path.
pub(super) type NameTable = FxHashMap<Box<str>, Ids>;

/// The notes that answer to one name: nearly always one, kept in the
/// table itself, so that a link's lookup reads no second allocation.
#[derive(Debug)]
pub(super) enum Ids {
    One(NoteId),
    Many(Vec<NoteId>),
}

impl Ids {
    pub(super) fn as_slice(&self) -> &[NoteId] {
        match self {
            Ids::One(id) => std::slice::from_ref(id),
            Ids::Many(ids) => ids,
        }
    }

    /// Adds `id`, unless it is the last one added (a note with the same
    /// name twice is listed once).
    pub(super) fn push(&mut self, id: NoteId) {
        match self {
            Ids::One(last) if *last == id => {}
            Ids::One(first) => *self = Ids::Many(vec![*first, id]),
            Ids::Many(ids) if ids.last() == Some(&id) => {}
            Ids::Many(ids) => ids.push(id),
        }
    }
}

/// Adds `id` under `name`.
pub(super) fn add_name(table: &mut NameTable, name: &str, id: NoteId) {
    table
        .entry(name.into())
        .and_modify(|ids| ids.push(id))
        .or_insert(Ids::One(id));
}

/// Why a lookup failed.
pub(super) enum Failure {
    NotFound,
    Ambiguous(Vec<NoteId>),
}

/// Map sized for one key per note, so that filling it does not rehash it
/// again and again.
pub(super) fn sized<K, V>(notes: usize) -> FxHashMap<K, V> {
    FxHashMap::with_capacity_and_hasher(notes, Default::default())
}

/// How a name, path or link target is compared: Unicode NFC (a macOS
/// vault stores `é` as `e` and a combining accent), lowercase, and each run
/// of spaces as one space, so `[[A  B]]` finds `A  B.md` however either was
/// typed.
pub(super) fn name_key(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut key = String::with_capacity(name.len());
    let mut push = |c: char| {
        if c.is_whitespace() {
            if !key.ends_with(' ') {
                key.push(' ');
            }
        } else {
            key.extend(c.to_lowercase());
        }
    };
    if name.is_ascii()
        || unicode_normalization::is_nfc_quick(name.chars())
            == unicode_normalization::IsNormalized::Yes
    {
        name.chars().for_each(&mut push);
    } else {
        name.nfc().for_each(&mut push);
    }
    key
}

/// Notes by lowercase path without `.md` (`by_full_path`), and by every
/// suffix of it (`by_path`), so `[[actors/Wang Xiaohong]]` works wherever
/// `actors/` is.
pub(super) fn path_tables(notes: &[Note]) -> (NameTable, FxHashMap<String, NoteId>) {
    let mut by_path: NameTable = sized(notes.len() * 2);
    let mut by_full_path = sized(notes.len());
    for (id, note) in notes.iter().enumerate() {
        let path = name_key(without_md(&note.path));
        let mut suffix = path.as_str();
        loop {
            add_name(&mut by_path, suffix, id);
            match suffix.split_once('/') {
                Some((_, rest)) => suffix = rest,
                None => break,
            }
        }
        by_full_path.insert(path, id);
    }
    (by_path, by_full_path)
}

/// Notes by each of their names (lowercased), a note listed once per name.
pub(super) fn name_table<'n>(names: impl ExactSizeIterator<Item = &'n [String]>) -> NameTable {
    let mut table: NameTable = sized(names.len());
    for (id, names) in names.enumerate() {
        for name in names {
            add_name(&mut table, &name_key(name), id);
        }
    }
    table
}

/// Attachments by lowercase path and by lowercase file name.
pub(super) fn attachment_tables(
    attachments: &[Attachment],
) -> (FxHashMap<String, usize>, FxHashMap<String, Vec<usize>>) {
    let mut by_path = FxHashMap::default();
    let mut by_name: FxHashMap<String, Vec<usize>> = FxHashMap::default();
    for (i, a) in attachments.iter().enumerate() {
        let path = name_key(&a.path);
        let name = path.rsplit('/').next().unwrap_or(&path).to_string();
        by_name.entry(name).or_default().push(i);
        by_path.insert(path, i);
    }
    (by_path, by_name)
}

/// The folder part of a content path: `actors` for `actors/Wang.md`, `` for `Wang.md`.
pub(super) fn folder_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(folder, _)| folder)
}

/// `target` without leading `./` and `/`: a name looked up from the root.
pub(super) fn from_root(target: &str) -> &str {
    // Not `trim_start_matches("./")`: a substring pattern sets up a
    // searcher on every call, and this runs for every link.
    let mut rest = target;
    while let Some(shorter) = rest.strip_prefix("./") {
        rest = shorter;
    }
    rest.trim_start_matches('/')
}

pub(super) fn without_md(path: &str) -> &str {
    match path.len().checked_sub(3) {
        Some(i) if path.is_char_boundary(i) && path[i..].eq_ignore_ascii_case(".md") => &path[..i],
        _ => path,
    }
}

impl Index {
    pub(super) fn new(notes: &[Note], attachments: &[Attachment]) -> Self {
        // The tables are independent: built side by side, as the link
        // stage's first step waits for the slowest of them.
        let ((paths, stems), (titles, (aliases, attachment_tables))) = rayon::join(
            || {
                rayon::join(
                    || path_tables(notes),
                    || name_table(notes.iter().map(|n| std::slice::from_ref(&n.stem))),
                )
            },
            || {
                rayon::join(
                    || name_table(notes.iter().map(|n| std::slice::from_ref(&n.title))),
                    || {
                        (
                            name_table(notes.iter().map(|n| n.aliases.as_slice())),
                            attachment_tables(attachments),
                        )
                    },
                )
            },
        );
        let (by_path, by_full_path) = paths;
        let (attachment_by_path, attachment_by_name) = attachment_tables;
        Index {
            by_path,
            by_full_path,
            by_stem: stems,
            by_title: titles,
            by_alias: aliases,
            attachment_by_path,
            attachment_by_name,
        }
    }

    /// Resolves a note name or path as written in a wikilink in note `from`.
    pub(super) fn note(
        &self,
        notes: &[Note],
        target: &str,
        from: NoteId,
    ) -> Result<NoteId, Failure> {
        let key = name_key(without_md(from_root(target)));
        let tables: &[&NameTable] = if key.contains('/') {
            &[&self.by_path]
        } else {
            &[&self.by_stem, &self.by_title, &self.by_alias]
        };
        for table in tables {
            match table.get(key.as_str()).map(Ids::as_slice) {
                Some([id]) => return Ok(*id),
                Some(ids) if ids.len() > 1 => {
                    // As in Obsidian, a match in the linking note's own folder wins.
                    let folder = folder_of(&notes[from].path);
                    let mut local = ids
                        .iter()
                        .filter(|&&id| folder_of(&notes[id].path) == folder);
                    if let (Some(&id), None) = (local.next(), local.next()) {
                        return Ok(id);
                    }
                    // Then the shortest path, as Obsidian picks; a tie is
                    // resolved by path order and reported.
                    let mut ids = ids.to_vec();
                    let depth = |id: NoteId| notes[id].path.matches('/').count();
                    ids.sort_by(|&a, &b| {
                        (depth(a), notes[a].path.len(), &notes[a].path).cmp(&(
                            depth(b),
                            notes[b].path.len(),
                            &notes[b].path,
                        ))
                    });
                    if depth(ids[0]) < depth(ids[1]) {
                        return Ok(ids[0]);
                    }
                    return Err(Failure::Ambiguous(ids));
                }
                _ => {}
            }
        }
        Err(Failure::NotFound)
    }

    /// Resolves an attachment by exact path, then by unique file name.
    pub(super) fn attachment(&self, target: &str) -> Result<usize, Failure> {
        let key = name_key(from_root(target));
        if let Some(&i) = self.attachment_by_path.get(&key) {
            return Ok(i);
        }
        if key.contains('/') {
            return Err(Failure::NotFound);
        }
        match self.attachment_by_name.get(&key).map(Vec::as_slice) {
            Some([i]) => Ok(*i),
            Some(ids) if ids.len() > 1 => Err(Failure::Ambiguous(ids.to_vec())),
            _ => Err(Failure::NotFound),
        }
    }
}

/// Resolves a link's path relative to the folder of the note it is in, for
/// Markdown links. `None` if it climbs out of the content folder.
pub(super) fn join_relative(note_path: &str, target: &str) -> Option<String> {
    let mut parts: Vec<&str> = note_path.split('/').collect();
    parts.pop();
    for segment in target.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

pub(super) fn has_extension(target: &str) -> bool {
    // Byte searches: this runs for every link, and `/` and `.` are ASCII,
    // so the cuts fall between characters.
    let name = memchr::memrchr(b'/', target.as_bytes()).map_or(target, |i| &target[i + 1..]);
    let Some(dot) = memchr::memrchr(b'.', name.as_bytes()) else {
        return false;
    };
    let (stem, ext) = (&name[..dot], &name[dot + 1..]);
    !stem.is_empty()
        && !ext.eq_ignore_ascii_case("md")
        && (1..=5).contains(&ext.len())
        && ext.chars().all(char::is_alphanumeric)
}

/// Whether a name ends in the extension of a file type people attach
/// (images, audio, video, documents); `[[a..b]]` or `[[mailbox.org]]`
/// that resolve to nothing are unknown notes, not attachments.
pub(super) fn is_attachment_name(target: &str) -> bool {
    const TYPES: [&str; 24] = [
        "png", "jpg", "jpeg", "gif", "webp", "svg", "avif", "bmp", "pdf", "mp3", "wav", "ogg",
        "m4a", "flac", "mp4", "webm", "mov", "mkv", "canvas", "csv", "txt", "zip", "json", "base",
    ];
    target
        .rsplit_once('.')
        .is_some_and(|(_, ext)| TYPES.iter().any(|t| ext.eq_ignore_ascii_case(t)))
}
