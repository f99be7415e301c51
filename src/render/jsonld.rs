//! schema.org JSON-LD for note pages, so search engines and other tools can
//! tell people from organisations, events from sources.

use super::absolute_url;
use super::explore::push_json_str;
use crate::config::Config;
use crate::link::{Library, NoteId};

/// The schema.org type of an actor, from its `type:` field.
fn actor_type(kind: Option<&str>) -> &'static str {
    match kind.map(|k| k.trim().to_lowercase()).as_deref() {
        Some("person" | "people" | "individual" | "human") => "Person",
        Some(
            "organization" | "organisation" | "org" | "company" | "agency" | "ministry"
            | "government" | "institution" | "think tank" | "think-tank" | "consultancy" | "media"
            | "newspaper" | "ngo" | "party",
        ) => "Organization",
        _ => "Thing",
    }
}

/// Keys whose plain URL values say what else the thing is known as.
const SAME_AS_KEYS: [&str; 5] = ["sameas", "same_as", "wikipedia", "wikidata", "website"];

/// The `<script type="application/ld+json">` body for note `id`, safe to put
/// inside a script element (`<`, `>` and `&` are `\u` escapes). `links[t]`
/// is note `t`'s link from the site root, as the renderer keeps it.
pub fn note_json_ld(lib: &Library, config: &Config, links: &[String], id: NoteId) -> String {
    let note = &lib.notes[id];
    let field = |key: &str| note.fields.iter().find(|f| f.key.eq_ignore_ascii_case(key));
    let first_value = |key: &str| {
        field(key)
            .and_then(|f| f.values.first())
            .map(String::as_str)
    };
    let kind = note.kind.as_deref().and_then(|k| config.kind_named(k));
    let schema_type = match kind.and_then(|k| k.schema_type()) {
        Some(t) => t,
        None if kind.is_some() => actor_type(first_value("type")),
        None => "Thing",
    };
    let mut object = Object::default();
    object.set("@context", string("https://schema.org"));
    object.set("@type", string(schema_type));
    object.set("name", string(&note.title));
    if let Some(url) = absolute_url(config, &note.url) {
        object.set("url", string(&url));
    }
    if !note.aliases.is_empty() {
        object.set(
            "alternateName",
            array(note.aliases.iter().map(|a| string(a))),
        );
    }
    if let Some(description) = &note.description {
        object.set("description", string(description));
    }
    if !note.tags.is_empty() {
        object.set("keywords", string(&note.tags.join(", ")));
    }
    if let (Some(date), "Event") = (&note.date, schema_type) {
        object.set("startDate", string(date));
    } else if let (Some(date), "CreativeWork") = (&note.date, schema_type) {
        object.set("datePublished", string(date));
    }
    if schema_type == "Person" {
        if let Some(role) = first_value("role") {
            object.set("jobTitle", string(role));
        }
    }
    let same_as: Vec<String> = note
        .fields
        .iter()
        .filter(|f| {
            SAME_AS_KEYS.contains(&f.key.to_lowercase().as_str())
                || (f.key == "url" && schema_type != "CreativeWork")
        })
        .flat_map(|f| f.values.iter())
        .filter(|v| v.starts_with("http://") || v.starts_with("https://"))
        .map(|v| string(v))
        .collect();
    if !same_as.is_empty() {
        object.set("sameAs", array(same_as.into_iter()));
    }
    if schema_type == "CreativeWork" {
        if let Some(url) = first_value("url").filter(|u| u.starts_with("http")) {
            object.set("url", string(url));
        }
    }
    // Typed relations: affiliation for people, the rest as `about`/`mentions`.
    let mut mentions = Vec::new();
    for (name, targets) in &lib.relations[id] {
        let things = targets.iter().map(|&t| {
            let target = &lib.notes[t];
            let mut thing = Object::default();
            thing.set("name", string(&target.title));
            if let Some(url) = absolute_url(config, &links[t]) {
                thing.set("url", string(&url));
            }
            thing.into_json()
        });
        match (name.as_str(), schema_type) {
            ("affiliation", "Person") => object.set("affiliation", array(things)),
            ("topics" | "topic", _) => object.set("about", array(things)),
            _ => mentions.extend(things),
        }
    }
    if !mentions.is_empty() {
        object.set("mentions", array(mentions.into_iter()));
    }
    object.into_json()
}

/// A JSON object being put together: members by key, each value already
/// written as JSON. Written with its keys in byte order, as a sorted map
/// would write them; a key set twice keeps its last value.
#[derive(Default)]
struct Object {
    members: Vec<(&'static str, String)>,
}

impl Object {
    fn set(&mut self, key: &'static str, value: String) {
        match self.members.iter_mut().find(|(k, _)| *k == key) {
            Some(member) => member.1 = value,
            None => self.members.push((key, value)),
        }
    }

    fn into_json(mut self) -> String {
        self.members.sort_unstable_by_key(|(key, _)| *key);
        let size: usize = self
            .members
            .iter()
            .map(|(k, v)| k.len() + v.len() + 4)
            .sum();
        let mut out = String::with_capacity(size + 2);
        out.push('{');
        for (i, (key, value)) in self.members.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            // Keys are this module's own names: nothing in them needs escaping.
            out.push('"');
            out.push_str(key);
            out.push_str("\":");
            out.push_str(value);
        }
        out.push('}');
        out
    }
}

/// `s` as a JSON string safe inside a script element.
fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_json_str(&mut out, s);
    out
}

/// A JSON array of values already written as JSON.
fn array(items: impl Iterator<Item = String>) -> String {
    let mut out = String::from("[");
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&item);
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actor_types_from_the_type_field() {
        assert_eq!(actor_type(Some("Person")), "Person");
        assert_eq!(actor_type(Some("organisation")), "Organization");
        assert_eq!(actor_type(None), "Thing");
    }
}
