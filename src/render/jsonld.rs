//! schema.org JSON-LD for note pages, so search engines and other tools can
//! tell people from organisations, events from sources.

use serde_json::{json, Map, Value};

use super::{absolute_url, page_link};
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
/// inside a script element.
pub fn note_json_ld(lib: &Library, config: &Config, id: NoteId) -> String {
    let note = &lib.notes[id];
    let field = |key: &str| note.fields.iter().find(|f| f.key.eq_ignore_ascii_case(key));
    let first_value = |key: &str| {
        field(key)
            .and_then(|f| f.values.first())
            .map(String::as_str)
    };
    let schema_type = match note.kind.as_deref() {
        Some("actor") => actor_type(first_value("type")),
        Some("event") => "Event",
        Some("source") => "CreativeWork",
        Some("topic") => "DefinedTerm",
        _ => "Thing",
    };
    let mut object = Map::new();
    object.insert("@context".into(), json!("https://schema.org"));
    object.insert("@type".into(), json!(schema_type));
    object.insert("name".into(), json!(note.title));
    if let Some(url) = absolute_url(config, &note.url) {
        object.insert("url".into(), json!(url));
    }
    if !note.aliases.is_empty() {
        object.insert("alternateName".into(), json!(note.aliases));
    }
    if let Some(description) = &note.description {
        object.insert("description".into(), json!(description));
    }
    if !note.tags.is_empty() {
        object.insert("keywords".into(), json!(note.tags.join(", ")));
    }
    if let (Some(date), "Event") = (&note.date, schema_type) {
        object.insert("startDate".into(), json!(date));
    } else if let (Some(date), "CreativeWork") = (&note.date, schema_type) {
        object.insert("datePublished".into(), json!(date));
    }
    if schema_type == "Person" {
        if let Some(role) = first_value("role") {
            object.insert("jobTitle".into(), json!(role));
        }
    }
    let same_as: Vec<&str> = note
        .fields
        .iter()
        .filter(|f| {
            SAME_AS_KEYS.contains(&f.key.to_lowercase().as_str())
                || (f.key == "url" && schema_type != "CreativeWork")
        })
        .flat_map(|f| f.values.iter().map(String::as_str))
        .filter(|v| v.starts_with("http://") || v.starts_with("https://"))
        .collect();
    if !same_as.is_empty() {
        object.insert("sameAs".into(), json!(same_as));
    }
    if schema_type == "CreativeWork" {
        if let Some(url) = first_value("url").filter(|u| u.starts_with("http")) {
            object.insert("url".into(), json!(url));
        }
    }
    // Typed relations: affiliation for people, the rest as `about`/`mentions`.
    let mut mentions = Vec::new();
    for (name, targets) in &lib.relations[id] {
        let things: Vec<Value> = targets
            .iter()
            .map(|&t| {
                let target = &lib.notes[t];
                let mut thing = Map::new();
                thing.insert("name".into(), json!(target.title));
                if let Some(url) = absolute_url(config, &page_link(config, &target.url)) {
                    thing.insert("url".into(), json!(url));
                }
                Value::Object(thing)
            })
            .collect();
        match (name.as_str(), schema_type) {
            ("affiliation", "Person") => {
                object.insert("affiliation".into(), Value::Array(things));
            }
            ("topics" | "topic", _) => {
                object.insert("about".into(), Value::Array(things));
            }
            _ => mentions.extend(things),
        }
    }
    if !mentions.is_empty() {
        object.insert("mentions".into(), Value::Array(mentions));
    }
    // `<`, `>` and `&` as JSON escapes: nothing in the data can end the script element.
    serde_json::to_string(&Value::Object(object))
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
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
