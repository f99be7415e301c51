//! `dossier init` and `dossier new`: create sites and notes, never overwriting a file.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::config::{Config, ConfigError};
use crate::slug::slugify;

/// Why `init` or `new` made nothing (or stopped part way).
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// The file is there already.
    #[error("{} already exists; Dossier never overwrites a file", .0.display())]
    Exists(PathBuf),
    /// Creating or writing a file failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// `create` or `write`.
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// `site.toml` could not be read.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// `dossier new` named no kind of `site.toml`.
    #[error("unknown kind `{kind}`; known kinds: {known}")]
    UnknownKind {
        /// What was asked for.
        kind: String,
        /// The kinds there are, comma-separated.
        known: String,
    },
    /// The title has nothing a file name can be made of.
    #[error("cannot make a file name from the title {0:?}; use letters or digits")]
    NoFileName(String),
}

/// Creates `path` with `contents`, failing if it already exists.
fn create_new(path: &Path, contents: &str) -> Result<(), ScaffoldError> {
    fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> ScaffoldError {
        let path = path.to_path_buf();
        move |source| ScaffoldError::Io {
            action,
            path,
            source,
        }
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io("create", parent))?;
    }
    let mut file = match OpenOptions::new().write(true).create_new(true).open(path) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(ScaffoldError::Exists(path.to_path_buf()))
        }
        other => other.map_err(io("create", path))?,
    };
    file.write_all(contents.as_bytes())
        .map_err(io("write", path))
}

/// A YAML scalar for `text`, quoted when needed.
fn yaml_string(text: &str) -> String {
    serde_yaml::to_string(text)
        .map(|s| s.trim_end().to_string())
        .unwrap_or_else(|_| format!("{text:?}"))
}

const SITE_TOML: &str = r#"# Dossier site settings. Every key is optional; see README for the full list.
title = "My knowledge base"
description = "Research notes on actors, topics, events and sources."
# base_url = "https://example.org/notes/"   # only needed for canonical URLs
# broken_links = "warn"                     # default "error" fails the build

[[kinds]]
name = "actor"
folder = "actors"
label = "Actors"

[[kinds]]
name = "topic"
folder = "topics"
label = "Topics"

[[kinds]]
name = "event"
folder = "events"
label = "Events"

[[kinds]]
name = "source"
folder = "sources"
label = "Sources"
"#;

const SAMPLE_NOTES: [(&str, &str); 4] = [
    (
        "actors/Ada Example.md",
        "---\ntitle: Ada Example\naliases: [Ada]\ntags: [people]\naffiliation: \"[[Example Institute]]\"\n---\n\nAda Example studies [[Example Topic|the example topic]]. She spoke at [[Example Conference]].\n",
    ),
    (
        "actors/Example Institute.md",
        "---\ntitle: Example Institute\ntags: [organisations]\n---\n\nA research institute. See [[Ada Example#Background]] once that section exists.\n",
    ),
    (
        "topics/Example Topic.md",
        "---\ntitle: Example Topic\ntags: [themes]\n---\n\n## Overview\n\nWhat [[Ada]] works on. Sources: [[Example Source]].\n",
    ),
    (
        "events/Example Conference.md",
        "---\ntitle: Example Conference\ndate: 2025-01-15\ntopics: [\"[[Example Topic]]\"]\n---\n\n[[Ada Example]] presented there.\n",
    ),
];

const SAMPLE_SOURCE: &str = "---\ntitle: Example Source\nkind: source\nurl: https://example.org/article\n---\n\nWhere the facts in [[Example Topic]] come from.\n";

/// Creates a new site in `dir`: `site.toml`, `.gitignore` and a few linked sample notes.
pub fn init(dir: &Path) -> Result<Vec<PathBuf>, ScaffoldError> {
    for taken in [dir.join("site.toml"), dir.join("content")] {
        if taken.exists() {
            return Err(ScaffoldError::Exists(taken));
        }
    }
    let mut created = Vec::new();
    let mut add = |rel: &str, text: &str| -> Result<(), ScaffoldError> {
        let path = dir.join(rel);
        create_new(&path, text)?;
        created.push(path);
        Ok(())
    };
    add("site.toml", SITE_TOML)?;
    if !dir.join(".gitignore").exists() {
        add(".gitignore", "/public\n")?;
    }
    for (rel, text) in SAMPLE_NOTES {
        add(
            &format!("content/{rel}"),
            &text.replace(
                "See [[Ada Example#Background]] once that section exists.",
                "Home of [[Ada Example]].",
            ),
        )?;
    }
    add("content/sources/Example Source.md", SAMPLE_SOURCE)?;
    Ok(created)
}

/// Writes `site.toml` into the Obsidian vault `dir`, spelling out the
/// settings Dossier uses for a vault without one ([`Config::vault`]).
pub fn init_vault(dir: &Path) -> Result<Vec<PathBuf>, ScaffoldError> {
    let defaults = Config::vault(dir);
    let text = format!(
        "# Dossier settings for this Obsidian vault; see README for every key.\n\
         title = {title}\n\
         # The vault itself is the content.\n\
         content_dir = \".\"\n\
         # A hidden folder, which neither Obsidian nor Dossier reads as notes.\n\
         output_dir = \"{output}\"\n\
         # Unresolved links stay in the text, as in Obsidian.\n\
         broken_links = \"warn\"\n\
         # A note without `title:` is titled by its file name, as in Obsidian.\n\
         title_from_heading = false\n\
         # `publish = \"explicit\"` would publish only notes with `publish: true`.\n\
         publish = \"all\"\n\
         # No kinds: add [[kinds]] entries to give folders a kind.\n\
         kinds = []\n",
        title = toml_string(&defaults.title),
        output = crate::config::VAULT_OUTPUT,
    );
    let path = dir.join("site.toml");
    create_new(&path, &text)?;
    Ok(vec![path])
}

/// A TOML basic string for `text`.
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// Creates `content/<kind folder>/<slug>.md` for a new note titled `title`.
pub fn new_note(root: &Path, kind: &str, title: &str) -> Result<PathBuf, ScaffoldError> {
    let config = Config::load(root)?;
    let Some(kind) = config.kinds.iter().find(|k| {
        k.name.eq_ignore_ascii_case(kind)
            || k.folder.eq_ignore_ascii_case(kind)
            || k.label.eq_ignore_ascii_case(kind)
    }) else {
        let known: Vec<_> = config.kinds.iter().map(|k| k.name.as_str()).collect();
        return Err(ScaffoldError::UnknownKind {
            kind: kind.to_string(),
            known: known.join(", "),
        });
    };
    let title = title.trim();
    let slug = slugify(title);
    if slug.is_empty() {
        return Err(ScaffoldError::NoFileName(title.to_string()));
    }
    let content = if config.content_dir.is_absolute() {
        config.content_dir.clone()
    } else {
        root.join(&config.content_dir)
    };
    let path = content.join(&kind.folder).join(format!("{slug}.md"));
    let date = if kind.name == "event" { "date: \n" } else { "" };
    let text = format!(
        "---\ntitle: {}\naliases: []\ntags: []\n{date}---\n\n",
        yaml_string(title)
    );
    create_new(&path, &text)?;
    Ok(path)
}
