//! The theme: templates (the built-in default theme, then the theme's
//! folder, then the site's `templates/`) and static assets.

use super::*;

/// The default theme, built into the binary so `dossier init` sites need no copy of it.
pub(super) const BUILTIN_TEMPLATES: [(&str, &str); 9] = [
    (
        "graph.html",
        include_str!("../../themes/default/templates/graph.html"),
    ),
    (
        "timeline.html",
        include_str!("../../themes/default/templates/timeline.html"),
    ),
    (
        "base.html",
        include_str!("../../themes/default/templates/base.html"),
    ),
    (
        "index.html",
        include_str!("../../themes/default/templates/index.html"),
    ),
    (
        "note.html",
        include_str!("../../themes/default/templates/note.html"),
    ),
    (
        "kind.html",
        include_str!("../../themes/default/templates/kind.html"),
    ),
    (
        "tag.html",
        include_str!("../../themes/default/templates/tag.html"),
    ),
    (
        "tags.html",
        include_str!("../../themes/default/templates/tags.html"),
    ),
    (
        "404.html",
        include_str!("../../themes/default/templates/404.html"),
    ),
];

/// Static assets of the built-in default theme.
pub const BUILTIN_STATIC: [(&str, &[u8]); 2] = [
    (
        "style.css",
        include_bytes!("../../themes/default/static/style.css"),
    ),
    (
        "dossier.js",
        include_bytes!("../../themes/default/static/dossier.js"),
    ),
];

/// The loaded templates and a hash of their sources.
pub struct Theme {
    /// The compiled templates.
    pub tera: tera::Tera,
    /// Changes whenever any template's text changes.
    pub fingerprint: u64,
}

/// Loads templates: the built-in default theme, then `themes/<theme>/templates/`,
/// then the site's own `templates/`, each overriding files of the same name.
pub fn load_templates(root: &Path, config: &Config) -> Result<Theme, TemplateError> {
    let theme_dir = root.join("themes").join(&config.theme);
    if config.theme != "default" && !theme_dir.is_dir() {
        return Err(TemplateError::MissingTheme {
            theme: config.theme.clone(),
            folder: theme_dir,
        });
    }
    let mut sources: Vec<(String, String)> = BUILTIN_TEMPLATES
        .iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect();
    for dir in [theme_dir.join("templates"), root.join("templates")] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if !(name.ends_with(".html") || name.ends_with(".xml")) {
                continue;
            }
            // Opening a FIFO or a device would wait for a writer forever.
            if !std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
                return Err(TemplateError::NotAFile { path });
            }
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(source) => return Err(TemplateError::Read { path, source }),
            };
            match sources.iter_mut().find(|(n, _)| n == name) {
                Some(slot) => slot.1 = text,
                None => sources.push((name.to_string(), text)),
            }
        }
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    sources.hash(&mut hasher);
    let mut tera = tera::Tera::new();
    tera.add_raw_templates(sources)
        .map_err(|source| TemplateError::Parse { source })?;
    Ok(Theme {
        tera,
        fingerprint: hasher.finish(),
    })
}

/// An error and its causes, `: `-separated: Tera's own message is often
/// only "Failed to render", with the reason in its sources.
pub(super) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Static assets: the built-in theme's, then `themes/<theme>/static/`, then the
/// site's own `static/`; later ones replace earlier files of the same path.
pub fn static_files(root: &Path, config: &Config) -> Vec<OutputFile> {
    let mut files: Vec<OutputFile> = BUILTIN_STATIC
        .iter()
        .map(|(path, bytes)| OutputFile::Bytes {
            path: path.to_string(),
            contents: bytes.to_vec(),
        })
        .collect();
    files.push(OutputFile::Bytes {
        path: "syntax.css".into(),
        contents: markdown::highlight::stylesheet().into_bytes(),
    });
    for dir in [
        root.join("themes").join(&config.theme).join("static"),
        root.join("static"),
    ] {
        for entry in walkdir::WalkDir::new(&dir)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
        {
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(rel) = entry.path().strip_prefix(&dir) else {
                continue;
            };
            let Some(rel) = rel.to_str().map(|s| s.replace('\\', "/")) else {
                continue;
            };
            files.retain(|f| f.path() != rel);
            files.push(OutputFile::Copy {
                path: rel,
                source: entry.into_path(),
            });
        }
    }
    files
}
