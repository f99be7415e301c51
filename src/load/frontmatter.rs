//! Frontmatter: finding the YAML between the `---` lines, parsing it (a fast
//! path for the simple `key: value` lines most notes have), and reading
//! values as text, lists and dates.

use super::*;

/// Where the frontmatter YAML and the body are in a file.
pub(super) struct Split<'a> {
    pub(super) yaml: Option<&'a str>,
    /// Byte offset of the YAML text in the file.
    pub(super) yaml_start: usize,
    pub(super) body_start: usize,
}

/// Finds a `---` fenced frontmatter block at the very start of `text`.
pub(super) fn split_frontmatter(text: &str) -> Result<Split<'_>, (usize, String)> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let no_frontmatter = Split {
        yaml: None,
        yaml_start: 0,
        body_start: start,
    };
    let rest = &text[start..];
    let Some(first_line_end) = rest.find('\n') else {
        return Ok(no_frontmatter);
    };
    if rest[..first_line_end].trim_end() != "---" {
        return Ok(no_frontmatter);
    }
    let yaml_start = start + first_line_end + 1;
    let mut pos = yaml_start;
    while pos <= text.len() {
        let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let line = text[pos..line_end].trim_end();
        if line == "---" || line == "..." {
            let body_start = (line_end + 1).min(text.len());
            return Ok(Split {
                yaml: Some(&text[yaml_start..pos]),
                yaml_start,
                body_start,
            });
        }
        if line_end == text.len() {
            break;
        }
        pos = line_end + 1;
    }
    Err((
        start,
        "frontmatter opened with `---` on line 1 is never closed; add a `---` line after it".into(),
    ))
}

pub(super) struct YamlError {
    /// (line, column) inside the YAML text, 1-based; (0, 0) if unknown.
    pub(super) location: (usize, usize),
    pub(super) reason: String,
}

/// Parses the frontmatter YAML. `first_line` is the file line the YAML starts
/// on, so line numbers inside the parser's message match the file.
pub(super) fn parse_yaml(yaml: &str, first_line: usize) -> Result<serde_yaml::Mapping, YamlError> {
    if yaml.trim().is_empty() {
        return Ok(serde_yaml::Mapping::new());
    }
    if let Some(mapping) = simple_yaml(yaml) {
        return Ok(mapping);
    }
    match serde_yaml::from_str::<Value>(yaml) {
        Ok(Value::Mapping(mut m)) => {
            m.values_mut().for_each(scrub_controls);
            Ok(m)
        }
        Ok(Value::Null) => Ok(serde_yaml::Mapping::new()),
        Ok(_) => Err(YamlError {
            location: (1, 1),
            reason: "frontmatter must be `key: value` lines".into(),
        }),
        Err(e) => {
            let location = e.location().map_or((0, 0), |l| (l.line(), l.column()));
            // The first " at line N column M" is the location we report ourselves;
            // later ones ("while parsing a flow sequence at line 2 column 7") are
            // shifted to file lines.
            let message = e.to_string();
            let message = match message.split_once(" at line ") {
                Some((what, rest)) => match rest.split_once(", ") {
                    Some((_, context)) => format!("{what}, {context}"),
                    None => what.to_string(),
                },
                None => message,
            };
            Err(YamlError {
                location,
                reason: shift_line_numbers(&message, first_line - 1),
            })
        }
    }
}

/// Frontmatter in the plain form most notes use, read without the YAML
/// parser (which costs more than the rest of reading a note): `key: value`
/// lines whose values are double-quoted strings without escapes, plain words,
/// or flow lists of those. Anything else (numbers, dates, booleans, nulls,
/// block lists, comments, escapes, nested lists, repeated keys) gives `None`
/// and goes to the YAML parser, so the result is always what it would give.
pub(super) fn simple_yaml(yaml: &str) -> Option<serde_yaml::Mapping> {
    let mut mapping = serde_yaml::Mapping::new();
    for line in yaml.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            continue;
        }
        let (key, value) = line.split_once(": ")?;
        let mut key_chars = key.chars();
        if !key_chars.next()?.is_ascii_alphabetic()
            || !key_chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            || is_yaml_keyword(key)
        {
            return None;
        }
        let value = value.trim_start();
        let value = if let Some(items) = value.strip_prefix('[') {
            Value::Sequence(simple_list(items.strip_suffix(']')?)?)
        } else if is_simple_date(value) || is_simple_url(value) {
            Value::String(value.to_string())
        } else {
            simple_scalar(value)?
        };
        if mapping
            .insert(Value::String(key.to_string()), value)
            .is_some()
        {
            return None;
        }
    }
    Some(mapping)
}

/// The items of a flow list (without its brackets), each a [`simple_scalar`].
pub(super) fn simple_list(items: &str) -> Option<Vec<Value>> {
    let mut list = Vec::new();
    let mut rest = items.trim();
    while !rest.is_empty() {
        let end = if let Some(quoted) = rest.strip_prefix('"') {
            quoted.find('"')? + 2
        } else {
            rest.find(',').unwrap_or(rest.len())
        };
        list.push(simple_scalar(rest[..end].trim_end())?);
        rest = rest[end..].trim_start();
        if let Some(after) = rest.strip_prefix(',') {
            rest = after.trim_start();
            if rest.is_empty() {
                return None; // a trailing comma
            }
        } else if !rest.is_empty() {
            return None;
        }
    }
    Some(list)
}

/// A double-quoted string without escapes or inner quotes, or a plain word
/// scalar: starting with a letter, made of letters, digits, spaces and
/// `- _ . / '`, and not a word YAML reads as a boolean or null.
pub(super) fn simple_scalar(text: &str) -> Option<Value> {
    if let Some(inner) = text.strip_prefix('"') {
        let inner = inner.strip_suffix('"')?;
        return (!inner.contains(['"', '\\'])).then(|| Value::String(inner.to_string()));
    }
    let mut chars = text.chars();
    let plain = chars.next()?.is_ascii_alphabetic()
        && chars.all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | '/' | '\''));
    (plain && !is_yaml_keyword(text)).then(|| Value::String(text.to_string()))
}

/// `YYYY-MM-DD`, which YAML (as read here) leaves a string.
pub(super) fn is_simple_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// `http://` or `https://` followed by URL characters other than spaces,
/// quotes and brackets, which YAML reads as a plain string.
pub(super) fn is_simple_url(text: &str) -> bool {
    let Some(rest) = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
    else {
        return false;
    };
    !rest.is_empty()
        && rest
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-._~/?=&%+:@!$()*;".contains(&c))
}

/// Words some YAML readers take for booleans or null (a superset, to be safe).
pub(super) fn is_yaml_keyword(word: &str) -> bool {
    ["y", "n", "yes", "no", "on", "off", "true", "false", "null"]
        .iter()
        .any(|w| word.eq_ignore_ascii_case(w))
}

/// Adds `offset` to every "line N" in a parser message.
pub(super) fn shift_line_numbers(message: &str, offset: usize) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find("line ") {
        out.push_str(&rest[..i + 5]);
        rest = &rest[i + 5..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + offset).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// 0-based line of a top-level `key:` inside the YAML text.
pub(super) fn key_line(yaml: &str, key: &str) -> Option<usize> {
    yaml.lines().position(|line| {
        let line = line.trim_end();
        let unquoted = line.strip_prefix(key).or_else(|| {
            line.strip_prefix('"')
                .and_then(|l| l.strip_prefix(key))
                .and_then(|l| l.strip_prefix('"'))
        });
        unquoted.is_some_and(|rest| rest.trim_start().starts_with(':'))
    })
}

/// A scalar as text: strings, numbers and booleans (YAML reads `2025` as a number).
pub(super) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Tagged(t) => scalar_text(&t.value),
        _ => None,
    }
}

/// A text or list of texts; empty list items are dropped. With `split`, a single
/// text is split on commas and spaces (`tags: a, b`).
pub(super) fn string_list(value: &Value, split: bool) -> Option<Vec<String>> {
    match value {
        Value::Null => Some(Vec::new()),
        Value::Sequence(items) => {
            let mut out = Vec::new();
            for item in items {
                match item {
                    Value::Null => {}
                    other => out.push(scalar_text(other)?.trim().to_string()),
                }
            }
            out.retain(|s| !s.is_empty());
            Some(out)
        }
        other => {
            let text = scalar_text(other)?;
            if split {
                Some(
                    text.split([',', ' '])
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect(),
                )
            } else {
                Some(vec![text.trim().to_string()])
                    .map(|v| v.into_iter().filter(|s| !s.is_empty()).collect())
            }
        }
    }
}

/// Display values of an uninterpreted field: scalars as text, lists item by item,
/// nested mappings as `key: value`.
pub(super) fn field_values(value: &Value) -> Vec<String> {
    match value {
        Value::Null => Vec::new(),
        // An unquoted `key: [[Note]]` is YAML for a list holding a list; read it
        // as the wikilink the author meant.
        Value::Sequence(items) => match items.as_slice() {
            [Value::Sequence(inner)] if matches!(inner.as_slice(), [Value::String(_)]) => inner
                .iter()
                .filter_map(scalar_text)
                .map(|t| format!("[[{t}]]"))
                .collect(),
            _ => items.iter().flat_map(field_values).collect(),
        },
        Value::Mapping(map) => map
            .iter()
            .map(|(k, v)| {
                let k = scalar_text(k).unwrap_or_default();
                format!("{k}: {}", field_values(v).join(", "))
            })
            .collect(),
        other => scalar_text(other).into_iter().collect(),
    }
}
