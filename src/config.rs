//! `site.toml`: the site's settings, with defaults for everything.

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// What to do with a link whose target does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum BrokenLinks {
    /// Report every broken link and fail the build (the default).
    #[default]
    Error,
    /// Report them as warnings, build anyway, and mark each one on its page.
    Warn,
}

/// Which notes are published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Publish {
    /// Every note but drafts and notes with `publish: false` (the default).
    #[default]
    All,
    /// Only notes with `publish: true`, as Obsidian Publish does.
    Explicit,
}

/// One kind of note (actor, topic, ...), the folder that implies it and its plural label.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindConfig {
    /// Singular name, as written in frontmatter: `kind: actor`.
    pub name: String,
    /// Top-level content folder whose notes get this kind; also the URL of the kind's index page.
    pub folder: String,
    /// Plural label shown in navigation and on the index page.
    pub label: String,
    /// The schema.org type of its notes' JSON-LD (`Event`, `Person`, ...).
    #[serde(default)]
    pub schema_type: Option<String>,
    /// Whether its notes' pages list the dated notes around them.
    #[serde(default)]
    pub timeline: Option<bool>,
    /// Its colour in graphs and their legend, as `#rrggbb`.
    #[serde(default)]
    pub color: Option<String>,
}

/// What the four default kinds do when `site.toml` does not say:
/// (name, schema.org type, timeline, colour). An actor's type comes from
/// its `type:` field (Person, Organization) when the kind names none.
const KIND_DEFAULTS: [(&str, Option<&str>, bool, &str); 4] = [
    ("actor", None, true, "#e0744f"),
    ("topic", Some("DefinedTerm"), true, "#3f8fd2"),
    ("event", Some("Event"), false, "#3aa676"),
    ("source", Some("CreativeWork"), false, "#9a6bd0"),
];

/// The graph colour of a kind that has none.
const NEUTRAL_COLOR: &str = "#8a8f98";

impl KindConfig {
    fn defaults(
        &self,
    ) -> Option<&'static (&'static str, Option<&'static str>, bool, &'static str)> {
        KIND_DEFAULTS
            .iter()
            .find(|d| d.0.eq_ignore_ascii_case(&self.name))
    }

    /// The schema.org type of this kind's notes, if it sets one (`None`: from
    /// a note's `type:` field, else `Thing`).
    pub fn schema_type(&self) -> Option<&str> {
        match &self.schema_type {
            Some(t) => Some(t),
            None => self.defaults().and_then(|d| d.1),
        }
    }

    /// Whether this kind's note pages show a timeline.
    pub fn timeline(&self) -> bool {
        self.timeline
            .unwrap_or_else(|| self.defaults().is_some_and(|d| d.2))
    }

    /// This kind's colour in graphs.
    pub fn color(&self) -> &str {
        match &self.color {
            Some(c) => c,
            None => self.defaults().map_or(NEUTRAL_COLOR, |d| d.3),
        }
    }
}

/// Whether `root` holds notes of its own: an Obsidian vault (`.obsidian/`)
/// or Markdown files within its first three levels of folders.
fn looks_like_vault(root: &Path) -> bool {
    root.join(".obsidian").is_dir()
        || walkdir::WalkDir::new(root)
            .max_depth(3)
            .into_iter()
            .filter_entry(|e| {
                !crate::ignore::is_hidden(&e.file_name().to_string_lossy()) || e.depth() == 0
            })
            .filter_map(Result::ok)
            .any(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
}

/// Where a vault's site goes, inside the vault ([`Config::vault`]).
pub const VAULT_OUTPUT: &str = ".dossier/site";

/// Settings read from `site.toml`. Every field has a default, so an empty file is valid.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Site title, shown in the header and the `<title>` of every page.
    pub title: String,
    /// One-line description for the home page and `<meta name="description">`.
    pub description: String,
    /// Absolute URL the site is published at. Used only where an absolute URL is
    /// required (canonical links); internal links are always relative.
    pub base_url: String,
    /// `lang` attribute of every page.
    pub language: String,
    /// Folder of notes, relative to the site root.
    pub content_dir: PathBuf,
    /// Folder the site is written to, relative to the site root.
    pub output_dir: PathBuf,
    /// Theme folder name under `themes/`.
    pub theme: String,
    /// `error` (default) or `warn`.
    pub broken_links: BrokenLinks,
    /// `all` (default) or `explicit`: which notes are published.
    pub publish: Publish,
    /// Whether frontmatter problems (invalid YAML, a value of the wrong
    /// type, an unknown kind) fail the build. By default they are warnings
    /// and the note is published without the bad part.
    pub strict: bool,
    /// Title a note without a `title:` field by its first `# Heading`
    /// (the default), or by its file name as Obsidian does (`false`).
    pub title_from_heading: bool,
    /// Link to `dir/index.html` rather than `dir/`, so the output also works
    /// opened from disk (`file://`). Set to false for clean URLs on a web host.
    pub index_links: bool,
    /// How many dated notes the home page lists.
    pub recent_count: usize,
    /// Kinds of notes, in navigation order.
    pub kinds: Vec<KindConfig>,
    /// Globs of files and folders under the content folder to leave out
    /// (see [`crate::ignore::Ignore::new`]).
    pub ignore: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        let kind = |name: &str, folder: &str, label: &str| KindConfig {
            name: name.into(),
            folder: folder.into(),
            label: label.into(),
            schema_type: None,
            timeline: None,
            color: None,
        };
        Config {
            title: "Dossier".into(),
            description: String::new(),
            base_url: String::new(),
            language: "en".into(),
            content_dir: "content".into(),
            output_dir: "public".into(),
            theme: "default".into(),
            broken_links: BrokenLinks::Error,
            publish: Publish::All,
            strict: false,
            title_from_heading: true,
            index_links: true,
            recent_count: 10,
            kinds: vec![
                kind("actor", "actors", "Actors"),
                kind("topic", "topics", "Topics"),
                kind("event", "events", "Events"),
                kind("source", "sources", "Sources"),
            ],
            ignore: Vec::new(),
        }
    }
}

/// A configuration problem; the CLI exits with code 2 for these.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `site.toml` exists but cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// `site.toml` is not valid TOML, or a value is not allowed.
    #[error("{}: {problem}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, with `line:col: ` where known.
        problem: String,
    },
}

impl Config {
    /// Reads `site.toml` from `root`. A missing file means all defaults,
    /// or, for a folder without a `content/` folder (a plain Obsidian
    /// vault), the settings of [`Config::vault`].
    pub fn load(root: &Path) -> Result<Config, ConfigError> {
        let path = root.join("site.toml");
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(
                    if !root.join("content").exists() && looks_like_vault(root) {
                        Config::vault(root)
                    } else {
                        Config::default()
                    },
                );
            }
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        Config::parse(&text).map_err(|problem| ConfigError::Invalid { path, problem })
    }

    /// Settings for a plain Obsidian vault at `root`, as `dossier init
    /// --vault` writes them: the folder is the content, the site is titled
    /// after it and written to `.dossier/site/` inside it (a hidden folder,
    /// which neither Obsidian nor Dossier reads as notes), no kinds, titles
    /// from file names, and unresolved links are warnings, as Obsidian
    /// leaves them.
    pub fn vault(root: &Path) -> Config {
        let name = std::fs::canonicalize(root)
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "Notes".to_string());
        Config {
            title: name,
            content_dir: ".".into(),
            output_dir: VAULT_OUTPUT.into(),
            broken_links: BrokenLinks::Warn,
            title_from_heading: false,
            kinds: Vec::new(),
            ..Config::default()
        }
    }

    /// The globs left out of the content folder: `ignore`, and `site.toml`
    /// itself when the content folder is the site root (a vault).
    pub fn ignore_globs(&self) -> Vec<String> {
        let mut globs = self.ignore.clone();
        if self.content_dir == Path::new(".") || self.content_dir.as_os_str().is_empty() {
            globs.push("/site.toml".to_string());
        }
        globs
    }

    /// Parses and validates the text of a `site.toml`.
    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let (line, col) = e
                .span()
                .map(|s| crate::diag::line_col(text, s.start))
                .unwrap_or((0, 0));
            format!("{line}:{col}: {}", e.message())
        })?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), String> {
        let mut seen_names = std::collections::HashSet::new();
        let mut seen_folders = std::collections::HashSet::new();
        for kind in &self.kinds {
            if kind.name.trim().is_empty() || kind.folder.trim().is_empty() {
                return Err("every [[kinds]] entry needs a non-empty `name` and `folder`".into());
            }
            if kind.folder.contains(['/', '\\']) || kind.folder.starts_with('.') {
                return Err(format!(
                    "kind `{}`: folder `{}` must be a single top-level folder name",
                    kind.name, kind.folder
                ));
            }
            if !seen_names.insert(kind.name.to_lowercase()) {
                return Err(format!(
                    "kind `{}` is defined twice in [[kinds]]",
                    kind.name
                ));
            }
            let is_color = |c: &str| {
                c.strip_prefix('#').is_some_and(|hex| {
                    matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit())
                })
            };
            if kind.color.as_deref().is_some_and(|c| !is_color(c)) {
                return Err(format!(
                    "kind `{}`: color must be written #rgb or #rrggbb",
                    kind.name
                ));
            }
            if kind
                .schema_type
                .as_deref()
                .is_some_and(|t| t.is_empty() || !t.chars().all(char::is_alphanumeric))
            {
                return Err(format!(
                    "kind `{}`: schema_type must be a schema.org type name such as Event or Person",
                    kind.name
                ));
            }
            if !seen_folders.insert(crate::slug::slugify(&kind.folder)) {
                return Err(format!("two kinds use the folder `{}`", kind.folder));
            }
        }
        crate::ignore::Ignore::new(&self.ignore)?;
        if !self.base_url.is_empty() && !self.base_url.contains("://") {
            return Err(format!(
                "base_url `{}` must be absolute, like \"https://example.org/notes/\"",
                self.base_url
            ));
        }
        Ok(())
    }

    /// The kind whose folder is `folder` (case-insensitive).
    pub fn kind_for_folder(&self, folder: &str) -> Option<&KindConfig> {
        self.kinds
            .iter()
            .find(|k| k.folder.eq_ignore_ascii_case(folder))
    }

    /// The kind named `name` (case-insensitive).
    pub fn kind_named(&self, name: &str) -> Option<&KindConfig> {
        self.kind_index(name).map(|i| &self.kinds[i])
    }

    /// The position in `kinds` of the kind called `name` (ignoring ASCII case).
    pub fn kind_index(&self, name: &str) -> Option<usize> {
        self.kinds
            .iter()
            .position(|k| k.name.eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_is_all_defaults() {
        let c = Config::parse("").unwrap();
        assert_eq!(c.kinds.len(), 4);
        assert_eq!(c.broken_links, BrokenLinks::Error);
    }

    #[test]
    fn unknown_key_is_reported_with_position() {
        let err = Config::parse("title = \"x\"\nbroken_link = \"warn\"\n").unwrap_err();
        assert!(err.starts_with("2:1:"), "{err}");
        assert!(err.contains("broken_link"), "{err}");
    }

    #[test]
    fn bad_policy_value_is_an_error() {
        assert!(Config::parse("broken_links = \"ignore\"").is_err());
    }
}
