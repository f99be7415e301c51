//! Walking the content folder: every note read (on a thread of its own,
//! beside the parsers) and parsed, every attachment listed; and the
//! preview's reloads that reuse the notes whose files did not change.

use super::*;

/// Walks `content_dir` and loads every note and attachment. `root` is the site
/// root, used to show paths the way the user typed them.
pub fn load(root: &Path, content_dir: &Path, config: &Config) -> Result<Vault, LoadError> {
    load_reusing(root, content_dir, config, HashMap::new(), &HashSet::new())
}

/// Reads and parses one note file; `relative` is its path in the content folder.
pub(super) fn read_note(
    root: &Path,
    relative: String,
    source: &Path,
    config: &Config,
) -> Result<Note, Diagnostic> {
    parse_read(root, relative, source, read_stamped(source), config)
}

/// What reading a note file gave: its bytes and stamp, or the error.
pub(super) type ReadResult = std::io::Result<(Vec<u8>, Option<Stamp>)>;

/// Parses a note file already read ([`read_stamped`]).
pub(super) fn parse_read(
    root: &Path,
    relative: String,
    source: &Path,
    read: ReadResult,
    config: &Config,
) -> Result<Note, Diagnostic> {
    let shown = display(root, source);
    let (bytes, file_stamp) =
        read.map_err(|e| Diagnostic::error(shown.clone(), 0, 0, format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        // Where the first bad byte is, counted in the valid text before it.
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let before = std::str::from_utf8(valid).unwrap_or_default();
        let (line, column) = line_col(before, before.len());
        Diagnostic::error(
            shown.clone(),
            line,
            column,
            "not valid UTF-8; save the file as UTF-8",
        )
    })?;
    let mut note = crate::diag::guard(
        || display(root, source),
        || parse_note(relative, shown, text, config),
    )?;
    note.stamp = file_stamp;
    Ok(note)
}

/// Parses again, in place, the notes of `notes` whose files are in `changed`,
/// when every changed path is an existing note already in `notes` (an edit in
/// place, the common case while writing): no walk of the content folder.
/// Returns `false`, changing nothing, when files came or went.
pub fn reparse_in_place(
    root: &Path,
    content_dir: &Path,
    config: &Config,
    notes: &mut [Note],
    changed: &HashSet<PathBuf>,
) -> bool {
    let mut targets = Vec::with_capacity(changed.len());
    for path in changed {
        let Some(relative) = path.strip_prefix(content_dir).ok().and_then(|r| r.to_str()) else {
            return false;
        };
        let relative = relative.replace('\\', "/");
        let Ok(index) = notes.binary_search_by(|n| n.path.as_str().cmp(&relative)) else {
            return false;
        };
        if !path.is_file() {
            return false;
        }
        targets.push((index, path));
    }
    let fresh: Vec<(usize, Note)> = targets
        .par_iter()
        .filter_map(|&(index, path)| {
            Some((
                index,
                read_note(root, notes[index].path.clone(), path, config).ok()?,
            ))
        })
        .collect();
    if fresh.len() != targets.len() {
        return false; // unreadable now: let a full load report it
    }
    for (index, note) in fresh {
        notes[index] = note;
    }
    true
}

/// Like [`load`], but takes notes from `previous` (by content path) instead of
/// parsing their files again, unless the file is in `changed` or its size or
/// modification time differ. This is how the preview server reloads a site.
pub fn load_reusing(
    root: &Path,
    content_dir: &Path,
    config: &Config,
    mut previous: HashMap<String, Note>,
    changed: &HashSet<PathBuf>,
) -> Result<Vault, LoadError> {
    if !content_dir.is_dir() {
        return Err(LoadError::NoContentFolder(content_dir.to_path_buf()));
    }
    // Checked when site.toml was read; an error here means it changed since.
    let ignore = crate::ignore::Ignore::new(&config.ignore_globs()).map_err(LoadError::Ignore)?;
    // The walk reads each note's file as soon as it finds it and hands it to
    // the parsers. It runs on a thread of its own, beside the thread pool:
    // a file that is not in the page cache then stalls only the walk, while
    // the pool's threads parse the files read before it.
    let (to_parse, read) = std::sync::mpsc::channel::<(String, PathBuf, ReadResult)>();
    let ((reused, attachments, mut diagnostics), loaded) = std::thread::scope(|scope| {
        let walker =
            scope.spawn(move || walk(root, content_dir, &ignore, &mut previous, changed, to_parse));
        // Boxed until sorted: a note is hundreds of bytes, and collecting
        // from the pool moves each result several times.
        let loaded: Vec<Result<Box<Note>, Diagnostic>> = read
            .into_iter()
            .par_bridge()
            .map(|(relative, source, read)| {
                parse_read(root, relative, &source, read, config).map(Box::new)
            })
            .collect();
        let walked = walker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (walked, loaded)
    });

    let mut found: Vec<Box<Note>> = Vec::with_capacity(reused.len() + loaded.len());
    found.extend(reused.into_iter().map(Box::new));
    for note in loaded {
        match note {
            Ok(note) => found.push(note),
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    found.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    // Sized exactly: a vector grown by doubling keeps up to half its room
    // unused for the whole build (megabytes at 10k notes).
    let mut notes = Vec::with_capacity(found.len());
    notes.extend(found.into_iter().map(|note| *note));
    super::separate_urls(&mut notes, &mut diagnostics);
    Ok(Vault {
        notes,
        attachments,
        diagnostics,
    })
}

/// Walks `content_dir`: notes unchanged since `previous` are taken from it,
/// the other notes are read and sent to `to_parse`; returns the reused
/// notes, the attachments and the problems met.
pub(super) fn walk(
    root: &Path,
    content_dir: &Path,
    ignore: &crate::ignore::Ignore,
    previous: &mut HashMap<String, Note>,
    changed: &HashSet<PathBuf>,
    to_parse: std::sync::mpsc::Sender<(String, PathBuf, ReadResult)>,
) -> (Vec<Note>, Vec<Attachment>, Vec<Diagnostic>) {
    let mut reused = Vec::new();
    let mut attachments = Vec::new();
    let mut diagnostics = Vec::new();
    // Unsorted: entries stream as the directory lists them, and notes and
    // attachments are sorted by path afterwards.
    // Symbolic links are followed, as Obsidian follows them; a loop or a
    // dangling link is reported and skipped.
    let walker = walkdir::WalkDir::new(content_dir)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || e.path()
                    .strip_prefix(content_dir)
                    .is_ok_and(|relative| !ignore.is_ignored(relative))
        });
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| content_dir.to_path_buf());
                let shown = display(root, &path);
                let link_problem = if e.loop_ancestor().is_some() {
                    Some("symbolic link loop; skipped")
                } else if path.symlink_metadata().is_ok_and(|m| m.is_symlink()) {
                    Some("symbolic link to a missing file; skipped")
                } else {
                    None
                };
                diagnostics.push(match link_problem {
                    Some(message) => Diagnostic::error(shown, 0, 0, message)
                        .with_help("fix or remove the link")
                        .into_warning(),
                    None => Diagnostic::error(shown, 0, 0, format!("cannot read: {e}")),
                });
                continue;
            }
        };
        if !entry.file_type().is_file() {
            if !entry.file_type().is_dir() {
                diagnostics.push(
                    Diagnostic::error(
                        display(root, entry.path()),
                        0,
                        0,
                        "not a regular file (a FIFO, socket or device); skipped",
                    )
                    .into_warning(),
                );
            }
            continue;
        }
        let Ok(relative) = entry.path().strip_prefix(content_dir) else {
            continue;
        };
        let Some(relative) = relative.to_str().map(|s| s.replace('\\', "/")) else {
            diagnostics.push(Diagnostic::error(
                display(root, entry.path()),
                0,
                0,
                "file name is not valid UTF-8; rename the file",
            ));
            continue;
        };
        let is_markdown = entry
            .path()
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("md"));
        if is_markdown {
            let source = entry.into_path();
            match previous.remove(&relative) {
                Some(note)
                    if !changed.contains(&source)
                        && note.stamp.is_some()
                        && note.stamp == stamp(&source) =>
                {
                    reused.push(note)
                }
                // The parsers stop only when this sender is dropped.
                _ => {
                    let read = read_stamped(&source);
                    let _ = to_parse.send((relative, source, read));
                }
            }
        } else {
            attachments.push(Attachment {
                path: relative,
                display_path: display(root, entry.path()),
                source: entry.into_path(),
            });
        }
    }
    attachments.sort_by(|a, b| a.path.cmp(&b.path));
    (reused, attachments, diagnostics)
}

/// Path relative to the site root if possible, for messages.
pub(super) fn display(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

/// Size and modification time of a file, to notice edits between loads.
pub(super) fn stamp(path: &Path) -> Option<Stamp> {
    stamp_of(&std::fs::metadata(path).ok()?)
}

pub(super) fn stamp_of(meta: &std::fs::Metadata) -> Option<Stamp> {
    Some((meta.modified().ok()?, meta.len()))
}

/// A file's bytes and its [`stamp`], from one `stat` of the open file and,
/// for a file that does not grow meanwhile, one `read`: `std::fs::read` plus
/// a separate stamp cost two `stat`s and two `read`s.
pub(super) fn read_stamped(path: &Path) -> std::io::Result<(Vec<u8>, Option<Stamp>)> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    // One byte more than the size: a read that does not fill the buffer
    // has reached the end of a regular file.
    let size = usize::try_from(meta.len()).unwrap_or(0);
    let mut bytes = vec![0; size.saturating_add(1)];
    let mut filled = 0;
    loop {
        match file.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => {
                filled += n;
                if filled < bytes.len() {
                    break;
                }
                // The file grew: read the rest the ordinary way.
                file.read_to_end(&mut bytes)?;
                filled = bytes.len();
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    bytes.truncate(filled);
    Ok((bytes, stamp_of(&meta)))
}
