//! The loaded and linked site, kept in memory. `dossier build` makes one and
//! renders it once; `dossier serve` keeps one and reloads what changed.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::link::{self, Library};
use crate::load;
use crate::registry;
use crate::render::{self, Renderer, Theme};
use crate::BuildError;

/// A site between the link and render stages.
pub struct Site {
    /// The site root.
    pub root: PathBuf,
    /// Whether drafts are published.
    pub drafts: bool,
    /// `--strict`: frontmatter problems are errors whatever `site.toml` says.
    strict: bool,
    /// `site.toml`.
    pub config: Config,
    /// Templates.
    pub theme: Theme,
    /// The linked notes.
    pub library: Library,
    /// Problems met while walking the content folder (unreadable files).
    walk_diagnostics: Vec<Diagnostic>,
    /// Notes and attachments published at the same path as something else.
    clash_diagnostics: Vec<Diagnostic>,
}

/// Resolves a path from the command line or `site.toml` against the root.
pub(crate) fn under(root: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        root.join(path)
    }
}

impl Site {
    /// Reads settings and templates, loads every note and links them. Content
    /// problems do not fail this; they are in [`Site::diagnostics`].
    pub fn load(root: &Path, drafts: bool) -> Result<Site, BuildError> {
        Site::load_with(root, drafts, false)
    }

    /// [`Site::load`], with `strict` forcing `strict = true`.
    pub fn load_with(root: &Path, drafts: bool, strict: bool) -> Result<Site, BuildError> {
        let mut config = Config::load(root)?;
        config.strict |= strict;
        let theme = render::load_templates(root, &config)?;
        let mut site = Site {
            root: root.to_path_buf(),
            drafts,
            strict,
            config,
            theme,
            library: Library::default(),
            walk_diagnostics: Vec::new(),
            clash_diagnostics: Vec::new(),
        };
        site.reload_content(&HashSet::new(), false)?;
        Ok(site)
    }

    /// The content folder.
    pub fn content_dir(&self) -> PathBuf {
        under(&self.root, &self.config.content_dir)
    }

    /// Loads the content again, parsing only the notes whose files are in
    /// `changed` or look modified (all of them with `reparse_all`), and links
    /// everything again.
    pub fn reload_content(
        &mut self,
        changed: &HashSet<PathBuf>,
        reparse_all: bool,
    ) -> Result<(), BuildError> {
        let mut old = std::mem::take(&mut self.library);
        let content_dir = self.content_dir();
        if !reparse_all
            && !changed.is_empty()
            && load::reparse_in_place(
                &self.root,
                &content_dir,
                &self.config,
                &mut old.notes,
                changed,
            )
        {
            // Edits in place: no walk, same attachments.
            let vault = load::Vault {
                notes: std::mem::take(&mut old.notes),
                attachments: std::mem::take(&mut old.attachments),
                diagnostics: Vec::new(),
            };
            let library = link::relink(vault, &self.config, self.drafts, Some(old));
            self.linked(library);
            return Ok(());
        }
        let previous: HashMap<String, load::Note> = if reparse_all {
            HashMap::new()
        } else {
            std::mem::take(&mut old.notes)
                .into_iter()
                .map(|n| (n.path.clone(), n))
                .collect()
        };
        let mut vault = load::load_reusing(
            &self.root,
            &self.content_dir(),
            &self.config,
            previous,
            changed,
        )?;
        self.walk_diagnostics = std::mem::take(&mut vault.diagnostics);
        let library = link::relink(
            vault,
            &self.config,
            self.drafts,
            (!reparse_all).then_some(old),
        );
        self.linked(library);
        Ok(())
    }

    /// Takes a newly linked library and checks its output paths again (an
    /// edit can change which attachments are published).
    fn linked(&mut self, library: Library) {
        self.library = library;
        self.clash_diagnostics = registry::clashes(&self.library, &self.config);
    }

    /// Reads `site.toml` and the templates again. Notes are parsed again only
    /// when the kinds or the content folder changed (a note's kind comes from them).
    pub fn reload_settings(&mut self) -> Result<(), BuildError> {
        let mut config = Config::load(&self.root)?;
        config.strict |= self.strict;
        // Notes depend on the settings only through their kinds and folder.
        let reparse =
            config.kinds != self.config.kinds || config.content_dir != self.config.content_dir;
        self.config = config;
        self.reload_templates()?;
        self.reload_content(&HashSet::new(), reparse)?;
        // Kinds' folders and labels are page paths and names too.
        self.clash_diagnostics = registry::clashes(&self.library, &self.config);
        Ok(())
    }

    /// Reads the templates again.
    pub fn reload_templates(&mut self) -> Result<(), BuildError> {
        self.theme = render::load_templates(&self.root, &self.config)?;
        Ok(())
    }

    /// Every problem, errors and warnings, sorted by file and position.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut all: Vec<Diagnostic> = self.walk_diagnostics.clone();
        all.extend(
            self.library
                .notes
                .iter()
                .flat_map(|n| n.diagnostics.iter().cloned()),
        );
        all.extend(self.library.diagnostics.iter().cloned());
        all.extend(self.clash_diagnostics.iter().cloned());
        all.sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
        all
    }

    /// A renderer over the current state.
    pub fn renderer(&self) -> Renderer<'_> {
        Renderer::new(&self.library, &self.config, &self.theme)
    }

    /// Number of notes written to the output.
    pub fn published_count(&self) -> usize {
        self.library.published.iter().filter(|p| **p).count()
    }
}
