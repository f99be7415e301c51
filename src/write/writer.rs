//! Writing a build's files into the output folder.
//!
//! Into a new or empty folder, everything goes into a fresh sibling folder
//! that is renamed into place at the end: one rename, and a failed build
//! leaves nothing behind. Into a folder a previous build wrote, only what
//! changed is written: files whose bytes equal the manifest's are left as
//! they are (modification time and all), pages whose fingerprint equals the
//! manifest's are not even rendered, changed files are written into a
//! staging folder inside the output and renamed over their targets only
//! once the whole build has succeeded, and files the previous build wrote
//! that this one does not are removed. Files Dossier did not write stay.

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use rayon::prelude::*;

use super::manifest::{content_hash, Entry, Manifest};
use super::{remove_abandoned_siblings, remove_tree, safe_relative, sibling, MARKER};
use crate::render::{OutputFile, Target};

/// Inside the output folder: changed files wait here, under numbers, until
/// the build has succeeded.
const STAGING: &str = ".dossier-staging";

/// What a build did to the output folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// Files written (new or changed).
    pub written: usize,
    /// Files left as they were, their bytes unchanged.
    pub unchanged: usize,
    /// Files of the previous build that this one no longer makes, removed.
    pub removed: usize,
    /// Top-level files and folders of the output that Dossier did not write
    /// and left alone (`CNAME`, `.git/`), folders with a trailing `/`.
    pub kept: Vec<String>,
}

enum Mode {
    /// A new folder, built beside the output and renamed into place.
    Fresh { dir: PathBuf },
    /// Changed files staged in [`STAGING`] inside the output.
    InPlace { staging: PathBuf },
}

/// The write stage of one build; see the module documentation.
pub struct Writer {
    out: PathBuf,
    mode: Mode,
    /// What the previous build wrote (empty for a fresh folder).
    old: Manifest,
    /// Whether `old`'s page fingerprints can be trusted.
    trust_fingerprints: bool,
    /// What this build's output holds.
    new: Mutex<HashMap<String, Entry>>,
    /// Staged files (in-place mode): (number in the staging folder, path).
    pending: Mutex<Vec<(usize, String)>>,
    next: AtomicUsize,
    unchanged: AtomicUsize,
    finished: bool,
}

impl Writer {
    /// Prepares to write into `out` (already checked by
    /// [`check_output_dir`](super::check_output_dir)).
    pub fn open(out: &Path) -> io::Result<Writer> {
        remove_abandoned_siblings(out);
        let empty = match std::fs::read_dir(out) {
            Ok(mut entries) => entries.next().is_none(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => true,
            Err(e) => return Err(e),
        };
        let (mode, old) = if empty {
            let dir = sibling(out, "staging");
            if dir.exists() {
                // Left over from a build that was killed; the name is ours alone.
                remove_tree(&dir)?;
            }
            if let Some(parent) = out.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::create_dir(&dir)?;
            (Mode::Fresh { dir }, Manifest::for_this_binary())
        } else {
            let staging = out.join(STAGING);
            if staging.exists() {
                // A build that was killed or failed left it.
                remove_tree(&staging)?;
            }
            std::fs::create_dir(&staging)?;
            // An older Dossier's plain marker: no file is known to be ours.
            let old = Manifest::read(&out.join(MARKER)).unwrap_or_else(Manifest::for_this_binary);
            (Mode::InPlace { staging }, old)
        };
        Ok(Writer {
            out: out.to_path_buf(),
            trust_fingerprints: old.same_binary(),
            mode,
            old,
            new: Mutex::new(HashMap::new()),
            pending: Mutex::new(Vec::new()),
            next: AtomicUsize::new(0),
            unchanged: AtomicUsize::new(0),
            finished: false,
        })
    }

    /// Whether the file at `path` in the output is still what `entry` says
    /// the previous build wrote (a user may have deleted or edited it).
    fn on_disk(&self, path: &str, entry: &Entry) -> bool {
        std::fs::symlink_metadata(self.out.join(path))
            .is_ok_and(|m| m.is_file() && m.len() == entry.size)
    }

    fn record(&self, path: String, entry: Entry) {
        if let Ok(mut new) = self.new.lock() {
            new.insert(path, entry);
        }
    }

    fn write_file(&self, file: &OutputFile, target: &Path) -> io::Result<()> {
        let written = match file {
            OutputFile::Bytes { contents, .. } => std::fs::write(target, contents),
            OutputFile::Copy { source, .. } => std::fs::copy(source, target).map(drop),
        };
        // Name the file: "No space left on device" alone does not say where.
        written.map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", file.path())))
    }

    /// Puts the build's files in place, removes the previous build's files
    /// that this one did not make, and writes the manifest.
    pub fn commit(mut self) -> io::Result<WriteReport> {
        self.finished = true;
        let new: std::collections::BTreeMap<String, Entry> =
            std::mem::take(self.new.get_mut().map_err(|_| poisoned())?)
                .into_iter()
                .collect();
        let pending = std::mem::take(self.pending.get_mut().map_err(|_| poisoned())?);
        let mut manifest = Manifest::for_this_binary();
        let unchanged = *self.unchanged.get_mut();
        let mut report = WriteReport {
            written: new.len() - unchanged,
            unchanged,
            ..WriteReport::default()
        };
        match &self.mode {
            Mode::Fresh { dir } => {
                manifest.files = new;
                manifest.write(&dir.join(MARKER))?;
                if self.out.exists() {
                    // Empty, checked by `open`.
                    std::fs::remove_dir(&self.out)?;
                }
                std::fs::rename(dir, &self.out).map_err(|e| mount_point_hint(&self.out, e))?;
            }
            Mode::InPlace { staging } => {
                let stale: Vec<&String> = self
                    .old
                    .files
                    .keys()
                    .filter(|path| !new.contains_key(*path))
                    .collect();
                if !pending.is_empty() || !stale.is_empty() {
                    // Until every rename is done, the files being replaced
                    // are unknown and the stale ones still ours: a build
                    // killed now is mended by the next one.
                    manifest.files = new.clone();
                    for (_, path) in &pending {
                        manifest.files.insert(path.clone(), Entry::UNKNOWN);
                    }
                    for path in &stale {
                        manifest.files.insert((*path).clone(), Entry::UNKNOWN);
                    }
                    manifest.write(&self.out.join(MARKER))?;
                }
                report.removed = remove_stale(&self.out, &stale)?;
                place(staging, &self.out, &pending)?;
                // Unchanged (same files, same binary), it stays untouched
                // like the files it lists.
                let changed = new != self.old.files || !self.trust_fingerprints;
                manifest.files = new;
                if changed {
                    manifest.write(&self.out.join(MARKER))?;
                }
                remove_tree(staging)?;
                report.kept = foreign(&self.out, &manifest)?;
            }
        }
        Ok(report)
    }
}

impl Target for Writer {
    fn is_current(&self, path: &str, fingerprint: u64) -> bool {
        if !self.trust_fingerprints {
            return false;
        }
        let Some(entry) = self.old.files.get(path) else {
            return false;
        };
        if entry.fingerprint != Some(fingerprint) || !self.on_disk(path, entry) {
            return false;
        }
        self.record(path.to_string(), *entry);
        self.unchanged.fetch_add(1, Ordering::Relaxed);
        true
    }

    fn put(&self, file: OutputFile, fingerprint: Option<u64>) -> io::Result<()> {
        let path = file.path();
        let rel = safe_relative(path).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("output path {path} leaves the output folder"),
            )
        })?;
        let (hash, size) =
            content_hash(&file).map_err(|e| io::Error::new(e.kind(), format!("{path}: {e}")))?;
        let entry = Entry {
            hash,
            size,
            fingerprint,
        };
        match &self.mode {
            Mode::Fresh { dir } => {
                let target = dir.join(rel);
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                self.write_file(&file, &target)?;
            }
            Mode::InPlace { staging } => {
                let same = self
                    .old
                    .files
                    .get(path)
                    .is_some_and(|old| old.hash == hash && old.size == size);
                if same && self.on_disk(path, &entry) {
                    self.unchanged.fetch_add(1, Ordering::Relaxed);
                } else {
                    let n = self.next.fetch_add(1, Ordering::Relaxed);
                    self.write_file(&file, &staging.join(n.to_string()))?;
                    if let Ok(mut pending) = self.pending.lock() {
                        pending.push((n, path.to_string()));
                    }
                }
            }
        }
        self.record(path.to_string(), entry);
        Ok(())
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if !self.finished {
            // The build failed: the output stays as it was.
            let _ = match &self.mode {
                Mode::Fresh { dir } => remove_tree(dir),
                Mode::InPlace { staging } => remove_tree(staging),
            };
        }
    }
}

fn poisoned() -> io::Error {
    io::Error::other("a writer thread panicked")
}

fn mount_point_hint(out: &Path, e: io::Error) -> io::Error {
    if e.kind() == io::ErrorKind::ResourceBusy {
        io::Error::new(
            e.kind(),
            format!(
                "{} cannot be replaced because it is a mount point or in use ({e}); build into a folder inside it with --output",
                out.display()
            ),
        )
    } else {
        e
    }
}

/// Renames each staged file over its target, making folders as needed.
/// Each rename is atomic: a reader (or a crash) sees the old file or the new.
fn place(staging: &Path, out: &Path, pending: &[(usize, String)]) -> io::Result<()> {
    let folders: HashSet<&Path> = pending
        .iter()
        .filter_map(|(_, path)| Path::new(path).parent())
        .filter(|p| !p.as_os_str().is_empty())
        .collect();
    for folder in folders {
        std::fs::create_dir_all(out.join(folder))?;
    }
    pending.par_iter().try_for_each(|(n, path)| {
        std::fs::rename(staging.join(n.to_string()), out.join(path))
            .map_err(|e| io::Error::new(e.kind(), format!("{path}: {e}")))
    })
}

/// Removes the previous build's files that this one did not make, and the
/// folders they leave empty. Returns how many files were removed.
fn remove_stale(out: &Path, stale: &[&String]) -> io::Result<usize> {
    let mut removed = 0;
    let mut folders: Vec<&Path> = Vec::new();
    for path in stale {
        let target = out.join(path);
        match std::fs::symlink_metadata(&target) {
            Ok(meta) if meta.is_file() => {
                std::fs::remove_file(&target)?;
                removed += 1;
            }
            // Gone already, or replaced by something that is not our file.
            _ => continue,
        }
        folders.extend(Path::new(path.as_str()).ancestors().skip(1));
    }
    // Deepest first; a folder still holding anything stays.
    folders.retain(|f| !f.as_os_str().is_empty());
    folders.sort_by_key(|f| std::cmp::Reverse(f.components().count()));
    folders.dedup();
    for folder in folders {
        let _ = std::fs::remove_dir(out.join(folder));
    }
    Ok(removed)
}

/// Top-level entries of the output that no file of this build lives under.
fn foreign(out: &Path, manifest: &Manifest) -> io::Result<Vec<String>> {
    let ours: HashSet<&str> = manifest
        .files
        .keys()
        .map(|p| p.split('/').next().unwrap_or(p))
        .collect();
    let mut kept = Vec::new();
    for entry in std::fs::read_dir(out)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == MARKER || name == STAGING || ours.contains(name.as_str()) {
            continue;
        }
        let folder = entry.file_type().is_ok_and(|t| t.is_dir());
        kept.push(if folder { format!("{name}/") } else { name });
    }
    kept.sort();
    Ok(kept)
}
