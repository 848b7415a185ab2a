//! The docs page `/docs/api`: the document rendered by our own template (no script, nothing
//! from elsewhere), every operation with its parameters, bodies, answers and least role, and
//! the schemas.

use askama::Template;
use askama_web::WebTemplate;
use serde_json::Value;

use super::document::document;
use crate::auth::Viewer;
use crate::page::Layout;

/// One operation as the page lists it.
struct OperationRow {
    method: String,
    path: String,
    anchor: String,
    summary: String,
    description: String,
    role: String,
    deprecated: bool,
    parameters: Vec<ParameterRow>,
    body: Option<String>,
    responses: Vec<ResponseRow>,
}

struct ParameterRow {
    name: String,
    place: String,
    required: bool,
    schema: String,
    description: String,
}

struct ResponseRow {
    status: String,
    description: String,
    schema: String,
}

struct SchemaRow {
    name: String,
    json: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "api_docs.html")]
pub(super) struct DocsPage {
    layout: Layout,
    title: String,
    version: String,
    intro: String,
    operations: Vec<OperationRow>,
    schemas: Vec<SchemaRow>,
}

/// A schema in one line: a reference's name, else its JSON.
fn schema_text(schema: &Value) -> String {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => r.rsplit('/').next().unwrap_or(r).to_owned(),
        None => schema.to_string(),
    }
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The members of the object `v` holds at `pointer` (none when it is not an object).
fn members<'a>(v: &'a Value, pointer: &str) -> impl Iterator<Item = (&'a String, &'a Value)> {
    v.pointer(pointer)
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
}

/// `media type: schema` for each content of a body or response.
fn contents(v: &Value) -> String {
    members(v, "/content")
        .map(|(kind, c)| {
            format!(
                "{kind}: {}",
                c.get("schema").map(schema_text).unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The operations of the document (as JSON, so every part reads the same way).
fn rows(doc: &Value) -> Vec<OperationRow> {
    let mut out = Vec::new();
    for (path, item) in members(doc, "/paths") {
        for method in ["get", "post", "patch", "put", "delete"] {
            let Some(op) = item.get(method) else { continue };
            out.push(OperationRow {
                method: method.to_ascii_uppercase(),
                path: path.clone(),
                anchor: text(op, "operationId"),
                summary: text(op, "summary"),
                description: text(op, "description"),
                role: text(op, "x-required-role"),
                deprecated: op
                    .get("deprecated")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                parameters: op
                    .get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|p| ParameterRow {
                        name: text(p, "name"),
                        place: text(p, "in"),
                        required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
                        schema: p.get("schema").map(schema_text).unwrap_or_default(),
                        description: text(p, "description"),
                    })
                    .collect(),
                body: op.get("requestBody").map(contents),
                responses: members(op, "/responses")
                    .map(|(status, r)| ResponseRow {
                        status: status.clone(),
                        description: text(r, "description"),
                        schema: contents(r),
                    })
                    .collect(),
            });
        }
    }
    out
}

pub(super) async fn page(Viewer(a): Viewer) -> DocsPage {
    let doc = serde_json::to_value(document()).unwrap_or_default();
    let schemas = members(&doc, "/components/schemas")
        .map(|(name, s)| SchemaRow {
            name: name.clone(),
            json: serde_json::to_string_pretty(s).unwrap_or_default(),
        })
        .collect();
    let info = doc.get("info").cloned().unwrap_or_default();
    DocsPage {
        layout: a.layout(),
        title: text(&info, "title"),
        version: text(&info, "version"),
        intro: text(&info, "description"),
        operations: rows(&doc),
        schemas,
    }
}
