//! What the preview watches, and what each reported path means for a rebuild.
//!
//! A watch on a folder dies with the folder, and `site.toml` can move the
//! content folder or switch the theme. So the site root is watched on its
//! own (not recursively): it reports folders being created, deleted or
//! renamed, and [`Watches::follow`] then watches the site's folders again.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache};

use super::preview::Change;
use crate::config::Config;
use crate::ignore::{is_editor_file, is_hidden, Ignore};
use crate::site::under;

type Watcher = notify_debouncer_full::notify::RecommendedWatcher;

/// The folders of one site being watched.
pub struct Watches {
    debouncer: Debouncer<Watcher, RecommendedCache>,
    /// What is watched now, recursively or not.
    watched: Vec<(PathBuf, RecursiveMode)>,
    /// The folders the changes are sorted by.
    layout: Layout,
}

/// Where a site keeps what the preview reads.
struct Layout {
    root: PathBuf,
    content_dir: PathBuf,
    theme_dir: PathBuf,
    ignore: Ignore,
}

impl Layout {
    fn of(root: &Path, config: &Config) -> Layout {
        Layout {
            root: root.to_path_buf(),
            content_dir: normalize(&under(root, &config.content_dir)),
            theme_dir: root.join("themes").join(&config.theme),
            // site.toml was validated when it was read.
            ignore: Ignore::new(&config.ignore_globs()).unwrap_or_default(),
        }
    }
}

impl Watches {
    /// Starts watching the site at `root` (an absolute path); batches of
    /// changes arrive on `events`.
    pub fn new(
        root: &Path,
        config: &Config,
        events: mpsc::Sender<DebounceEventResult>,
    ) -> Result<Watches, String> {
        let debouncer =
            notify_debouncer_full::new_debouncer(Duration::from_millis(30), None, events)
                .map_err(|e| format!("cannot watch for changes: {e}"))?;
        let mut watches = Watches {
            debouncer,
            watched: Vec::new(),
            layout: Layout::of(root, config),
        };
        watches.follow(config);
        Ok(watches)
    }

    /// Watches the folders `config` names, anew: the ones that moved, and
    /// the ones that were deleted and created again since they were watched.
    pub fn follow(&mut self, config: &Config) {
        for (path, _) in std::mem::take(&mut self.watched) {
            let _ = self.debouncer.unwatch(&path);
        }
        self.layout = Layout::of(&self.layout.root, config);
        let layout = &self.layout;
        let mut wanted = vec![(layout.root.clone(), RecursiveMode::NonRecursive)];
        for dir in [
            layout.content_dir.clone(),
            layout.root.join("templates"),
            layout.root.join("static"),
            layout.theme_dir.clone(),
        ] {
            wanted.push((dir, RecursiveMode::Recursive));
        }
        // A content folder deeper down (`content_dir = "notes/vault"`): watch
        // its parent too, to hear of it being replaced.
        if let Some(parent) = layout.content_dir.parent() {
            if parent != layout.root && parent.starts_with(&layout.root) {
                wanted.push((parent.to_path_buf(), RecursiveMode::NonRecursive));
            }
        }
        for (path, mode) in wanted {
            if !path.is_dir() {
                continue; // the root watch reports it when it appears
            }
            match self.debouncer.watch(&path, mode) {
                Ok(()) => self.watched.push((path, mode)),
                Err(e) => eprintln!("warning: cannot watch {}: {e}", path.display()),
            }
        }
    }

    /// Sorts a batch of reported paths into what a rebuild must do.
    pub fn classify(&self, result: DebounceEventResult) -> Change {
        let mut change = Change::default();
        let Ok(events) = result else {
            // The watcher lost track (queue overflow): read everything again.
            change.rescan = true;
            return change;
        };
        let paths = events
            .into_iter()
            .filter(|e| !matches!(e.event.kind, EventKind::Access(_)))
            .flat_map(|e| e.event.paths);
        for path in paths {
            self.layout.classify(&normalize(&path), &mut change);
        }
        change
    }

    /// Whether a change may have created, deleted or moved a watched folder.
    pub fn needs_follow(change: &Change) -> bool {
        change.settings || change.rescan || change.folders
    }
}

impl Layout {
    fn classify(&self, path: &Path, change: &mut Change) {
        let root = &self.root;
        let in_folder = |folder: &Path| path.starts_with(folder);
        let noise = || {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_none_or(|name| is_hidden(name) || is_editor_file(name))
        };
        // A watched folder itself (or a parent) came, went or moved.
        let folders = [
            root.join("templates"),
            root.join("static"),
            root.join("themes"),
            self.theme_dir.clone(),
            self.theme_dir.join("templates"),
            self.theme_dir.join("static"),
        ];
        change.folders |= folders.iter().any(|folder| path == folder);
        if path == self.content_dir || (self.content_dir.starts_with(path) && path != root) {
            change.rescan = true;
        } else if let Ok(relative) = path.strip_prefix(&self.content_dir) {
            if !self.ignore.is_ignored(relative) {
                change.content.insert(path.to_path_buf());
            }
        } else if path == root.join("site.toml") {
            change.settings = true;
        } else if in_folder(&root.join("templates")) || in_folder(&self.theme_dir.join("templates"))
        {
            change.templates |= !noise() || change.folders;
        } else if in_folder(&root.join("static")) || in_folder(&self.theme_dir.join("static")) {
            change.statics |= !noise() || change.folders;
        } else if path == self.theme_dir || path == root.join("themes") {
            change.templates = true;
            change.statics = true;
        }
    }
}

/// `/site/./content/x.md` as `/site/content/x.md`: watchers report paths
/// as they were asked for, and the site compares them with its own.
fn normalize(path: &Path) -> PathBuf {
    path.components().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(path: &str) -> Change {
        let layout = Layout::of(Path::new("/site"), &Config::default());
        let mut change = Change::default();
        layout.classify(Path::new(path), &mut change);
        change
    }

    #[test]
    fn paths_are_sorted_by_what_they_change() {
        assert!(classify("/site/content/a.md").content.len() == 1);
        assert!(
            classify("/site/content").rescan,
            "the content folder was replaced"
        );
        assert!(classify("/site/site.toml").settings);
        assert!(classify("/site/templates/note.html").templates);
        assert!(
            classify("/site/templates").templates,
            "the templates folder appeared"
        );
        assert!(
            classify("/site/templates").folders,
            "so it is watched again"
        );
        assert!(
            !classify("/site/templates/note.html").folders,
            "a template is not"
        );
        assert!(classify("/site/static/x.css").statics);
        assert!(classify("/site/themes/default/templates/base.html").templates);
        assert!(classify("/site/public/index.html").is_empty());
        for noise in [
            "/site/content/.a.md.swp",
            "/site/content/a.md~",
            "/site/content/4913",
            "/site/content/.obsidian/workspace.json",
            "/site/templates/.note.html.swp",
        ] {
            assert!(classify(noise).is_empty(), "{noise}");
        }
    }
}
