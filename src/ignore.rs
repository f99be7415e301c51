//! Which files under the content folder are not part of the site: hidden
//! files and folders, editors' backups and temporary files, and the globs of
//! `ignore = [...]` in `site.toml`. `dossier build` skips them and the
//! preview does not rebuild for them: both ask [`Ignore::is_ignored`].

use std::path::Path;

/// The ignore rule of one site.
#[derive(Debug, Clone, Default)]
pub struct Ignore {
    globs: globset::GlobSet,
}

impl Ignore {
    /// Compiles the `ignore` globs of `site.toml`. A glob without `/`
    /// matches a file or folder name at any depth (`*.draft.md`, `private`);
    /// one with `/` matches a path from the content folder (`drafts/**`).
    /// A glob matching a folder ignores everything in it.
    pub fn new(patterns: &[String]) -> Result<Ignore, String> {
        let mut set = globset::GlobSetBuilder::new();
        for pattern in patterns {
            let anchored = pattern.trim_start_matches('/');
            let base = if pattern.contains('/') {
                anchored.trim_end_matches('/').to_string()
            } else {
                format!("**/{anchored}")
            };
            for glob in [base.clone(), format!("{base}/**")] {
                let glob = globset::GlobBuilder::new(&glob)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| format!("ignore: invalid glob `{pattern}`: {}", e.kind()))?;
                set.add(glob);
            }
        }
        let globs = set
            .build()
            .map_err(|e| format!("ignore: cannot use these globs: {e}"))?;
        Ok(Ignore { globs })
    }

    /// Whether `relative`, a path inside the content folder with `/`
    /// separators, is left out of the site.
    pub fn is_ignored(&self, relative: &Path) -> bool {
        let mut components = relative.components().peekable();
        while let Some(component) = components.next() {
            let Some(name) = component.as_os_str().to_str() else {
                return false; // reported elsewhere: names must be UTF-8
            };
            let is_file = components.peek().is_none();
            if is_hidden(name) || (is_file && is_editor_file(name)) {
                return true;
            }
        }
        !self.globs.is_empty() && self.globs.is_match(relative)
    }
}

/// Dot-files and dot-folders (`.obsidian`, `.git`, `.DS_Store`).
pub fn is_hidden(name: &str) -> bool {
    name.starts_with('.') && name != "." && name != ".."
}

/// Files editors and tools leave beside the ones being edited: backups
/// (`a.md~`, `a.md.bak`, `a.md.orig`), autosaves and swap files (`#a.md#`,
/// `.a.md.swp`, `a.md.tmp`), vim's write test `4913`, partial downloads and
/// the desktop's thumbnails.
pub fn is_editor_file(name: &str) -> bool {
    const SUFFIXES: [&str; 11] = [
        "~",
        ".bak",
        ".orig",
        ".rej",
        ".tmp",
        ".swp",
        ".swo",
        ".swx",
        ".crswap",
        ".part",
        ".kate-swp",
    ];
    name == "4913"
        || (name.starts_with('#') && name.ends_with('#'))
        || name.starts_with("~$")
        || name.eq_ignore_ascii_case("Thumbs.db")
        || name.eq_ignore_ascii_case("desktop.ini")
        || SUFFIXES.iter().any(|s| name.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignored(patterns: &[&str], path: &str) -> bool {
        let patterns: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
        Ignore::new(&patterns).unwrap().is_ignored(Path::new(path))
    }

    #[test]
    fn editor_files_and_hidden_paths_are_ignored() {
        for path in [
            "A.md~",
            "#A.md#",
            ".#A.md",
            "a/A.md.orig",
            "A.md.tmp",
            ".A.md.swp",
            "4913",
            ".obsidian/app.json",
            "x/.git/HEAD",
            "~$report.docx",
            "A.md.bak",
        ] {
            assert!(ignored(&[], path), "{path}");
        }
        for path in ["A.md", "notes/4913.md", "tmp/A.md", "a~b.md", "#tag.md"] {
            assert!(!ignored(&[], path), "{path}");
        }
    }

    #[test]
    fn globs_match_names_anywhere_or_paths_from_the_root() {
        assert!(ignored(&["*.draft.md"], "a/b/x.draft.md"));
        assert!(ignored(&["private"], "topics/private/secret.md"));
        assert!(ignored(&["drafts/**"], "drafts/a.md"));
        assert!(ignored(&["/drafts"], "drafts/x/a.md"));
        assert!(!ignored(&["/drafts"], "topics/drafts/a.md"));
        assert!(!ignored(&["*.draft.md"], "a/b/x.md"));
        assert!(Ignore::new(&["a[".to_string()]).is_err());
    }
}
