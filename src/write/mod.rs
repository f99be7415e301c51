//! Write stage: put the rendered site on disk, touching only what changed.
//!
//! `check_output_dir` refuses folders a build must not write into;
//! `writer` writes (see there for what is guaranteed when), and `manifest`
//! remembers what each build wrote. Nothing outside the output folder is
//! ever deleted, nor anything in it that Dossier did not write.

mod manifest;
mod writer;

pub use manifest::{Entry, Manifest};
pub use writer::{WriteReport, Writer};

use std::io;
use std::path::{Component, Path, PathBuf};

/// A file Dossier writes into every output folder, so it can tell its own
/// output from a folder of the user's: the manifest of what it wrote.
pub const MARKER: &str = ".dossier-output";

/// Makes `path` absolute and resolves symlinks and `..` as far as it exists.
fn absolute(path: &Path) -> io::Result<PathBuf> {
    let path = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()?.join(path)
    };
    let mut existing = path.as_path();
    let mut rest = Vec::new();
    loop {
        match existing.canonicalize() {
            Ok(canonical) => {
                let mut out = canonical;
                for part in rest.iter().rev() {
                    out.push(part);
                }
                return Ok(normalize(&out));
            }
            Err(_) => match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_os_string());
                    existing = parent;
                }
                _ => return Ok(normalize(&path)),
            },
        }
    }
}

fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Refuses output folders whose replacement would destroy the user's files:
/// An output folder Dossier will not write to (the CLI exits with code 2).
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The folder's absolute path cannot be worked out.
    #[error("cannot resolve output folder {}: {source}", path.display())]
    Resolve {
        /// The folder as given.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The folder is one a build must not replace.
    #[error("refusing to write the site to {}: {why}; choose another folder with --output or output_dir in site.toml", path.display())]
    Refused {
        /// The folder.
        path: PathBuf,
        /// Why not.
        why: &'static str,
    },
}

/// `/`, the site root, the content folder, any parent of those, anything
/// inside the content folder, and non-empty folders Dossier did not write.
pub fn check_output_dir(
    root: &Path,
    content: &Path,
    output: &Path,
) -> Result<PathBuf, OutputError> {
    let io_err = |source: io::Error| OutputError::Resolve {
        path: output.to_path_buf(),
        source,
    };
    let out = absolute(output).map_err(io_err)?;
    let root = absolute(root).map_err(io_err)?;
    let content = absolute(content).map_err(io_err)?;
    let refuse = |why: &'static str| {
        Err(OutputError::Refused {
            path: out.clone(),
            why,
        })
    };
    if out.parent().is_none() {
        return refuse("it is the filesystem root");
    }
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
        if out == normalize(&home) {
            return refuse("it is your home folder");
        }
    }
    if root.starts_with(&out) {
        return refuse("it is the site root or a folder containing it");
    }
    if content.starts_with(&out) {
        return refuse("it is the content folder or a folder containing it");
    }
    // Inside the content folder only under a hidden folder, which no walk
    // (Obsidian's or Dossier's) reads as notes: a vault's `.dossier/site`.
    let hidden = |p: &Path| {
        p.components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
    };
    if out.starts_with(&content) && !out.strip_prefix(&content).is_ok_and(hidden) {
        return refuse("it is inside the content folder, so its pages would be read as notes");
    }
    if out.exists() {
        if !out.is_dir() {
            return refuse("it exists and is not a folder");
        }
        let mut entries = std::fs::read_dir(&out).map_err(io_err)?;
        let empty = entries.next().is_none();
        if !empty && !out.join(MARKER).is_file() {
            return refuse(
                "it is a non-empty folder that Dossier did not write (no .dossier-output file)",
            );
        }
    }
    Ok(out)
}

/// A folder beside `out` named for it and this process.
pub(super) fn sibling(out: &Path, tag: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    out.with_file_name(format!(".{name}.{tag}-{}", std::process::id()))
}

/// Removes staging and previous-output folders of `out` left by builds that were
/// killed: only folders with Dossier's own names (`.public.staging-PID`,
/// `.public.previous-PID`) whose process is gone. Where processes cannot be
/// looked up (no `/proc`), nothing is removed.
pub(super) fn remove_abandoned_siblings(out: &Path) {
    let (Some(parent), Some(name)) = (out.parent(), out.file_name().and_then(|n| n.to_str()))
    else {
        return;
    };
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        let pid = [".staging-", ".previous-"]
            .iter()
            .find_map(|tag| file_name.strip_prefix(&format!(".{name}{tag}")))
            .and_then(|pid| pid.parse::<u32>().ok());
        if let Some(pid) = pid {
            let alive = Path::new("/proc").join(pid.to_string()).exists();
            if !alive && entry.path().is_dir() {
                let _ = remove_tree(&entry.path());
            }
        }
    }
}

/// `path` as a relative path that cannot leave the output folder.
pub(super) fn safe_relative(path: &str) -> Option<PathBuf> {
    let p = Path::new(path);
    p.components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then(|| p.to_path_buf())
}

/// `remove_dir_all`, with the top-level entries removed in parallel: removing
/// an output folder (one folder per note) is mostly waiting on the file
/// system, one entry at a time. Symbolic links are removed, not followed.
pub(super) fn remove_tree(dir: &Path) -> io::Result<()> {
    use rayon::prelude::*;
    let entries: Vec<_> = std::fs::read_dir(dir)?.collect::<io::Result<_>>()?;
    entries.par_iter().try_for_each(|entry| {
        if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(entry.path())
        } else {
            std::fs::remove_file(entry.path())
        }
    })?;
    std::fs::remove_dir(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_leaving_the_output_folder_are_rejected() {
        assert!(safe_relative("a/b/index.html").is_some());
        assert!(safe_relative("../x").is_none());
        assert!(safe_relative("/etc/passwd").is_none());
        assert!(safe_relative("a/./b").is_some());
    }
}
