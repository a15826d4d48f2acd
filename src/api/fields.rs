//! `--field-names`: custom field keys (40-character hashes) become field names, option ids become
//! labels, from the type's fields endpoint, fetched once per run.
//!
//! v2 records keep custom fields under `custom_fields`; v1 records (notes, leads) carry them at the top
//! level. Two fields with the same name get distinct, stable columns: the name followed by the
//! start of its key, which does not change when fields are added or reordered.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;

use crate::api::client::ApiClient;
use crate::api::pages::{self, ListPlan};
use crate::api::resources::{self, Resource};
use crate::error::{Error, Result};
use crate::printer;
use crate::terminal_text::json_error;
use crate::token::{has_scope, require_scope};

#[derive(Debug, Clone)]
struct Field {
    name: String,
    options: HashMap<String, String>,
}

#[derive(Debug, Clone, Default)]
pub struct FieldMap {
    fields: HashMap<String, Field>,
    /// Whether custom fields sit under `custom_fields` (v2) or at the top level (v1).
    nested: bool,
}

/// A field definition in either API version's shape.
#[derive(Deserialize)]
struct RawField {
    #[serde(alias = "key")]
    field_code: Option<String>,
    #[serde(alias = "name")]
    field_name: Option<String>,
    #[serde(default)]
    is_custom_field: Option<bool>,
    #[serde(default)]
    edit_flag: Option<bool>,
    #[serde(default)]
    options: Option<Vec<RawOption>>,
}

#[derive(Deserialize)]
struct RawOption {
    id: Value,
    #[serde(default)]
    label: Option<String>,
}

/// The field definitions that name `resource`'s custom fields, if it has any.
fn definitions(scopes: Option<&[String]>, resource: &Resource) -> Option<&'static Resource> {
    let fields = resources::resource(resource.fields?)?;
    // v2 activityFields needs `admin`; v1 accepts the scopes that export activities anyway.
    if fields.name == "activity-fields" && !has_scope(scopes, "admin") {
        return Some(&resources::ACTIVITY_FIELDS_V1);
    }
    Some(fields)
}

impl FieldMap {
    /// The map for `resource`, or `None` when it has no custom fields or the token lacks the
    /// scope to read their definitions (a warning: that is stable from run to run). Any other
    /// failure to read them fails the export: quietly falling back to raw keys would change a
    /// nightly CSV's columns under whoever loads it.
    /// `scopes` are the token's grants (`None` for a personal API token).
    pub(crate) async fn fetch(
        client: &Arc<ApiClient>,
        scopes: Option<&[String]>,
        resource: &Resource,
    ) -> Result<Option<FieldMap>> {
        match Self::try_fetch(client, scopes, resource).await {
            // The API's own 403: the app or user may not read the definitions.
            Err(Error::Scope(e)) => {
                printer::warn(&format!(
                    "keeping raw custom field keys: cannot read field names ({e})"
                ));
                Ok(None)
            }
            // A missing definitions endpoint is no "pipeline or stage not found" (exit 6).
            Err(Error::NotFound(e)) => Err(Error::Other(format!(
                "cannot read the field names of {} ({e}); --raw-keys exports without them",
                resource.name
            ))),
            Err(e) => Err(e),
            ok => ok,
        }
    }

    async fn try_fetch(
        client: &Arc<ApiClient>,
        scopes: Option<&[String]>,
        resource: &Resource,
    ) -> Result<Option<FieldMap>> {
        let Some(defs) = definitions(scopes, resource) else {
            return Ok(None);
        };
        let path = defs.path;
        if let Err(e) = require_scope(scopes, defs.scopes, "reading field names") {
            printer::warn(&format!("keeping raw custom field keys: {e}"));
            return Ok(None);
        }
        let plan = ListPlan {
            path,
            paging: defs.paging,
            limit: defs.max_limit,
            filters: Vec::new(),
            concurrency: 1,
            max: None,
        };
        let mut raw = Vec::new();
        let mut rx = pages::stream(client.clone(), plan);
        while let Some(page) = rx.recv().await {
            for rec in page?.records() {
                let field: RawField = serde_json::from_str(rec).map_err(|e| {
                    Error::Other(format!(
                        "GET {path}: a field definition is malformed ({}), so field names \
                         cannot be given; --raw-keys exports without them",
                        json_error(&e)
                    ))
                })?;
                raw.push(field);
            }
        }
        // v1 records (notes, leads) keep custom fields at the top level; v2 records under
        // `custom_fields`, whichever endpoint defined them.
        let nested = !resource.is_v1();
        Ok(Some(FieldMap::build(raw, nested)))
    }

    /// The map from field definitions as the fields endpoint sends them, one JSON object each
    /// (benchmarks build one without a session).
    pub fn from_definitions<'a>(
        defs: impl IntoIterator<Item = &'a str>,
        nested: bool,
    ) -> Result<FieldMap> {
        let raw = defs
            .into_iter()
            .map(serde_json::from_str)
            .collect::<serde_json::Result<Vec<RawField>>>()
            .map_err(|e| Error::Other(format!("a field definition is malformed ({e})")))?;
        Ok(FieldMap::build(raw, nested))
    }

    fn build(raw: Vec<RawField>, nested: bool) -> FieldMap {
        let (custom, builtin): (Vec<RawField>, Vec<RawField>) = raw.into_iter().partition(|f| {
            let code = f.field_code.as_deref().unwrap_or_default();
            f.is_custom_field.unwrap_or(false)
                || (f.is_custom_field.is_none() && is_hash(code))
                || (f.edit_flag == Some(true) && is_hash(code))
        });
        let base = |f: &RawField, code: &str| {
            f.field_name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| code.to_string())
        };
        let custom: Vec<(String, String, RawField)> = custom
            .into_iter()
            .filter_map(|f| Some((f.field_code.clone()?, f)))
            .map(|(code, f)| (base(&f, &code), code, f))
            .collect();
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for (name, _, _) in &custom {
            *counts.entry(name).or_default() += 1;
        }
        // In v1 records custom fields sit beside the built-in ones: a custom field named like a
        // built-in key would overwrite its value, so it gets a distinct name as a repeated name
        // does. (v2 ones sit apart, under `custom_fields`.)
        let builtin: HashSet<String> = if nested {
            HashSet::new()
        } else {
            builtin.into_iter().filter_map(|f| f.field_code).collect()
        };
        let plain = |name: &str| counts[name] == 1 && !builtin.contains(name);
        // Every name in use, so that no distinct name lands on one of them (a field a user
        // named "Region (afd3880e)" beside two fields named "Region").
        let mut taken = builtin.clone();
        taken.extend(
            custom
                .iter()
                .filter(|(name, _, _)| plain(name))
                .map(|(name, _, _)| name.clone()),
        );
        let names: Vec<String> = custom
            .iter()
            .map(|(name, code, _)| {
                if plain(name) {
                    name.clone()
                } else {
                    distinct(name, code, &custom, &taken)
                }
            })
            .collect();
        let mut fields = HashMap::new();
        for ((_, code, f), name) in custom.into_iter().zip(names) {
            let options = f
                .options
                .unwrap_or_default()
                .into_iter()
                .filter_map(|o| Some((id_text(&o.id)?, o.label?)))
                .collect();
            fields.insert(code, Field { name, options });
        }
        FieldMap { fields, nested }
    }

    /// Renames custom field keys and replaces option ids by labels, in place: the unit tests'
    /// reference for the renaming the CSV sink does as it walks a record's text.
    #[cfg(test)]
    pub(crate) fn apply(&self, record: &mut Value) {
        let target = if self.nested {
            record.get_mut("custom_fields")
        } else {
            Some(record)
        };
        let Some(Value::Object(map)) = target else {
            return;
        };
        if !map.keys().any(|k| self.fields.contains_key(k)) {
            return;
        }
        let old = std::mem::take(map);
        for (key, value) in old {
            match self.fields.get(&key) {
                Some(field) => {
                    map.insert(field.name.clone(), field.label(value));
                }
                None => match self.subfield(&key) {
                    Some(name) => {
                        map.insert(name, value);
                    }
                    None => {
                        map.insert(key, value);
                    }
                },
            }
        }
    }

    /// v1 records (notes, leads) spell the parts of a composite field `<key>_<part>` (a money
    /// field's `_currency`, an address's `_locality`...): they follow the field's name.
    fn subfield(&self, key: &str) -> Option<String> {
        let (base, part) = (key.get(..40)?, key.get(40..)?.strip_prefix('_')?);
        let field = self.fields.get(base).filter(|_| !part.is_empty())?;
        Some(format!("{}_{part}", field.name))
    }
}

/// What the output sinks ask while they write (CSV renames as it walks a record's text).
impl FieldMap {
    /// Whether custom fields sit under `custom_fields` (v2 records) or at the top level (v1).
    pub(crate) fn nested(&self) -> bool {
        self.nested
    }

    /// The readable name of custom field `key` (or of a part of a composite v1 field), and
    /// whether its values are option ids: the renaming `apply` does, one key at a time.
    pub(crate) fn field(&self, key: &str) -> Option<(Cow<'_, str>, bool)> {
        match self.fields.get(key) {
            Some(f) => Some((Cow::Borrowed(f.name.as_str()), !f.options.is_empty())),
            None => self.subfield(key).map(|name| (Cow::Owned(name), false)),
        }
    }

    /// The value of field `key` with option ids replaced by their labels.
    pub(crate) fn label(&self, key: &str, value: Value) -> Value {
        match self.fields.get(key) {
            Some(f) => f.label(value),
            None => value,
        }
    }
}

impl Field {
    fn label(&self, value: Value) -> Value {
        if self.options.is_empty() {
            return value;
        }
        let one = |v: &Value| id_text(v).and_then(|id| self.options.get(&id).cloned());
        match &value {
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| one(v).map(Value::String).unwrap_or_else(|| v.clone()))
                    .collect(),
            ),
            // v1 sets come as "1,2".
            Value::String(s) if s.contains(',') => {
                let labels: Vec<String> = s
                    .split(',')
                    .map(|p| {
                        self.options
                            .get(p.trim())
                            .cloned()
                            .unwrap_or_else(|| p.trim().to_string())
                    })
                    .collect();
                Value::String(labels.join(", "))
            }
            v => one(v).map(Value::String).unwrap_or(value),
        }
    }
}

/// The name of a field whose name is not its own alone: the name and the start of its key,
/// as short as still tells it apart (8 characters unless two keys begin alike). It depends
/// only on the fields' names and keys, not on their order, so columns stay put when fields are
/// added or reordered.
fn distinct(
    name: &str,
    code: &str,
    fields: &[(String, String, RawField)],
    taken: &HashSet<String>,
) -> String {
    let prefix = |c: &str, w: usize| c.chars().take(w).collect::<String>();
    let len = code.chars().count();
    for w in (8..len).step_by(4).chain([len]) {
        let mine = prefix(code, w);
        let shared = fields
            .iter()
            .any(|(n, c, _)| n == name && c != code && prefix(c, w) == mine);
        let candidate = format!("{name} ({mine})");
        if !shared && !taken.contains(&candidate) {
            return candidate;
        }
    }
    // Even the whole key is spelled out by another field's name: count on until free.
    (2..)
        .map(|n| format!("{name} ({code}) ({n})"))
        .find(|c| !taken.contains(c))
        .unwrap_or_default()
}

fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

fn is_hash(code: &str) -> bool {
    code.len() == 40 && code.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const H1: &str = "1111111111111111111111111111111111111111";
    const H2: &str = "2222222222222222222222222222222222222222";
    const H3: &str = "3333333333333333333333333333333333333333";

    fn map() -> FieldMap {
        let raw: Vec<RawField> = serde_json::from_value(json!([
            {"field_code": "title", "field_name": "Title", "is_custom_field": false},
            {"field_code": H1, "field_name": "Priority", "is_custom_field": true,
             "options": [{"id": 1, "label": "Low"}, {"id": 2, "label": "High"}]},
            {"field_code": H2, "field_name": "Region", "is_custom_field": true},
            {"field_code": H3, "field_name": "Region", "is_custom_field": true}
        ]))
        .unwrap();
        FieldMap::build(raw, true)
    }

    #[test]
    fn custom_keys_become_names_and_ids_labels() {
        let mut rec = json!({"id": 1, "title": "x", "custom_fields": {H1: 2, "other": 5}});
        map().apply(&mut rec);
        assert_eq!(rec["custom_fields"]["Priority"], "High");
        assert_eq!(rec["custom_fields"]["other"], 5);
        assert_eq!(rec["title"], "x");
    }

    #[test]
    fn same_names_get_distinct_stable_columns() {
        let mut rec = json!({"custom_fields": {H2: "north", H3: "south"}});
        map().apply(&mut rec);
        assert_eq!(rec["custom_fields"]["Region (22222222)"], "north");
        assert_eq!(rec["custom_fields"]["Region (33333333)"], "south");
    }

    #[test]
    fn parts_of_composite_v1_fields_follow_the_name() {
        let raw: Vec<RawField> =
            serde_json::from_value(json!([{"key": H1, "name": "Contract value"}])).unwrap();
        let mut rec = json!({H1: 5, format!("{H1}_currency"): "EUR", format!("{H2}_x"): 1});
        FieldMap::build(raw, false).apply(&mut rec);
        assert_eq!(rec["Contract value"], 5);
        assert_eq!(rec["Contract value_currency"], "EUR");
        assert_eq!(rec[format!("{H2}_x")], 1);
    }

    #[test]
    fn a_v1_custom_field_named_like_a_built_in_key_keeps_both_values() {
        let raw: Vec<RawField> = serde_json::from_value(json!([
            {"key": "content", "name": "Content", "edit_flag": false},
            {"key": H1, "name": "content", "edit_flag": true},
            {"key": H2, "name": "Region", "edit_flag": true},
        ]))
        .unwrap();
        let mut rec = json!({"content": "the note", H1: "custom", H2: "north"});
        FieldMap::build(raw, false).apply(&mut rec);
        assert_eq!(rec["content"], "the note");
        assert_eq!(rec["content (11111111)"], "custom");
        assert_eq!(rec["Region"], "north");
    }

    #[test]
    fn a_field_named_like_a_distinct_name_keeps_its_name_and_every_value() {
        let raw: Vec<RawField> = serde_json::from_value(json!([
            {"key": H2, "name": "Region", "is_custom_field": true},
            {"key": H3, "name": "Region", "is_custom_field": true},
            {"key": H1, "name": "Region (22222222)", "is_custom_field": true},
        ]))
        .unwrap();
        let map = FieldMap::build(raw, true);
        let mut rec = json!({"custom_fields": {H2: "north", H3: "south", H1: "east"}});
        map.apply(&mut rec);
        let got = rec["custom_fields"].as_object().unwrap();
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got["Region (22222222)"], "east");
        assert_eq!(got["Region (222222222222)"], "north");
        assert_eq!(got["Region (33333333)"], "south");
    }

    #[test]
    fn keys_that_begin_alike_are_told_apart_by_a_longer_start() {
        let (a, b) = (
            format!("abcdef12{}", "0".repeat(32)),
            format!("abcdef12{}", "1".repeat(32)),
        );
        let raw: Vec<RawField> = serde_json::from_value(json!([
            {"key": a, "name": "Tier", "is_custom_field": true},
            {"key": b, "name": "Tier", "is_custom_field": true},
        ]))
        .unwrap();
        let map = FieldMap::build(raw, true);
        assert_eq!(map.fields[&a].name, "Tier (abcdef120000)");
        assert_eq!(map.fields[&b].name, "Tier (abcdef121111)");
    }

    #[test]
    fn sets_map_every_id() {
        let mut rec = json!({"custom_fields": {H1: [1, 2, 9]}});
        map().apply(&mut rec);
        assert_eq!(rec["custom_fields"]["Priority"], json!(["Low", "High", 9]));
    }
}
