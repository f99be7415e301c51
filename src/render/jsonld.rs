//! schema.org JSON-LD for note pages, so search engines and other tools can
//! tell people from organisations, events from sources.

use super::absolute_url;
use crate::config::Config;
use crate::link::{Library, NoteId};
use serde_json::Value;

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
    object.insert("@context".into(), string("https://schema.org"));
    object.insert("@type".into(), string(schema_type));
    object.insert("name".into(), string(&note.title));
    if let Some(url) = absolute_url(config, &note.url) {
        object.insert("url".into(), string(&url));
    }
    if !note.aliases.is_empty() {
        object.insert(
            "alternateName".into(),
            array(note.aliases.iter().map(|a| string(a))),
        );
    }
    if let Some(description) = &note.description {
        object.insert("description".into(), string(description));
    }
    if !note.tags.is_empty() {
        object.insert("keywords".into(), string(&note.tags.join(", ")));
    }
    if let (Some(date), "Event") = (&note.date, schema_type) {
        object.insert("startDate".into(), string(date));
    } else if let (Some(date), "CreativeWork") = (&note.date, schema_type) {
        object.insert("datePublished".into(), string(date));
    }
    if schema_type == "Person" {
        if let Some(role) = first_value("role") {
            object.insert("jobTitle".into(), string(role));
        }
    }
    let same_as: Vec<Value> = note
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
        object.insert("sameAs".into(), array(same_as.into_iter()));
    }
    if schema_type == "CreativeWork" {
        if let Some(url) = first_value("url").filter(|u| u.starts_with("http")) {
            object.insert("url".into(), string(url));
        }
    }
    // Typed relations: affiliation for people, the rest as `about`/`mentions`.
    let mut mentions = Vec::new();
    for (name, targets) in &lib.relations[id] {
        let things = targets.iter().map(|&t| {
            let target = &lib.notes[t];
            let mut thing = Object::default();
            thing.insert("name".into(), string(&target.title));
            if let Some(url) = absolute_url(config, &links[t]) {
                thing.insert("url".into(), string(&url));
            }
            Value::Object(thing)
        });
        match (name.as_str(), schema_type) {
            ("affiliation", "Person") => {
                object.insert("affiliation".into(), array(things));
            }
            ("topics" | "topic", _) => {
                object.insert("about".into(), array(things));
            }
            _ => mentions.extend(things),
        }
    }
    if !mentions.is_empty() {
        object.insert("mentions".into(), array(mentions.into_iter()));
    }
    script_safe(&object)
}

/// A JSON-LD object: a map with its keys in byte order (serde_json's
/// default map), members set by key, the last value winning.
type Object = serde_json::Map<String, Value>;

/// Serializes `object` so it is safe inside a script element ([`json`]).
fn script_safe(object: &Object) -> String {
    super::json::to_string(object)
}

fn string(s: &str) -> Value {
    Value::String(s.to_string())
}

fn array(items: impl Iterator<Item = Value>) -> Value {
    Value::Array(items.collect())
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
