//! The site's files: every template page rendered into a [`Target`], and
//! the files the registry lists besides pages (feeds, graph data, redirects,
//! attachments, search index).

use super::*;

impl<'a> Renderer<'a> {
    /// The files of `file` (one file, or a set such as the attachments),
    /// each handed to `emit` as soon as it is made: on a large site graph.json
    /// and the redirect pages are megabytes, and a build need not hold them
    /// all at once.
    pub fn each_file(
        &self,
        file: registry::File,
        emit: &mut dyn FnMut(OutputFile) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        use registry::File;
        let lib = self.library;
        match file {
            File::Atom => emit(self.atom()),
            File::GraphData => emit(self.graph()),
            File::Sitemap => emit(feeds::sitemap(self.config, &self.page_urls())),
            File::Robots => emit(feeds::robots(self.config)),
            File::Redirects => {
                let published: Vec<NoteId> = self.published().collect();
                feeds::alias_redirects(
                    lib,
                    self.config,
                    &self.note_links,
                    &published,
                    &self.page_urls(),
                    emit,
                )
            }
            File::Attachments => lib
                .attachments
                .iter()
                .zip(&lib.attachment_used)
                .filter(|(_, &used)| used)
                .try_for_each(|(a, _)| {
                    emit(OutputFile::Copy {
                        path: a.path.clone(),
                        source: a.source.clone(),
                    })
                }),
            File::Search => self.search_files().into_iter().try_for_each(emit),
        }
    }

    /// The files of `file`, collected.
    pub fn files(&self, file: registry::File) -> Vec<OutputFile> {
        let mut files = Vec::new();
        // Collecting cannot fail.
        let _ = self.each_file(file, &mut |f| {
            files.push(f);
            Ok(())
        });
        files
    }

    /// The URL of every page that has one, in [`registry::pages`] order.
    fn page_urls(&self) -> Vec<String> {
        self.pages()
            .iter()
            .filter_map(|p| p.url(self.library, self.config))
            .map(String::from)
            .collect()
    }

    /// Renders every page of the site in parallel into `target`, and makes
    /// the other files. Returns the number of files.
    pub fn render_all(&self, target: &dyn Target) -> Result<usize, RenderError> {
        let pages = self.pages();
        self.make_note_refs();
        // Pages and the other files (feeds, graph, search index) are
        // independent; the other files go to the target as soon as they are
        // made, so one is freed before the next is built.
        let (rendered, others) = rayon::join(
            || {
                pages
                    .par_iter()
                    .try_for_each(|page| self.render_into(page, target))
            },
            || -> Result<usize, RenderError> {
                let mut count = 0;
                for file in registry::File::ALL {
                    self.each_file(file, &mut |file| {
                        count += 1;
                        target.put(file, None)
                    })?;
                }
                Ok(count)
            },
        );
        rendered?;
        Ok(pages.len() + others?)
    }
}

/// Where a build's files go: the write stage, or nowhere (`dossier check`).
pub trait Target: Sync {
    /// Whether the file at `path` already holds the page whose fingerprint
    /// is `fingerprint`, so rendering it can be skipped.
    fn is_current(&self, path: &str, fingerprint: u64) -> bool;
    /// Takes a made file; `fingerprint` is set for template pages.
    fn put(&self, file: OutputFile, fingerprint: Option<u64>) -> std::io::Result<()>;
}

/// Any function taking files is a [`Target`] that renders every page.
impl<F: Fn(OutputFile) -> std::io::Result<()> + Sync> Target for F {
    fn is_current(&self, _: &str, _: u64) -> bool {
        false
    }

    fn put(&self, file: OutputFile, _: Option<u64>) -> std::io::Result<()> {
        self(file)
    }
}
