//! The committed OpenAPI document is what the code generates, and it documents what it must.

use serde_json::Value;

use crate::helpers::spawn_app;

fn committed() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    std::fs::read_to_string(path).expect("openapi/openapi.json is committed")
}

#[test]
fn committed_spec_equals_what_the_binary_prints() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_doan-api"))
        .arg("openapi")
        .output()
        .expect("doan-api openapi runs");
    assert!(out.status.success());
    let generated = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(
        generated == committed(),
        "openapi/openapi.json is stale: run `cargo run -- openapi > openapi/openapi.json`"
    );
}

#[actix_web::test]
async fn served_spec_equals_the_committed_one() {
    let app = spawn_app().await;
    let served: Value = app
        .get("/api-docs/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    let committed: Value = serde_json::from_str(&committed()).unwrap();
    assert_eq!(served, committed);
}

#[test]
fn every_operation_documents_its_errors_as_problems() {
    let spec: Value = serde_json::from_str(&committed()).unwrap();
    let paths = spec["paths"].as_object().unwrap();
    assert!(paths.contains_key("/api/v1/organizations/{id}"));
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.contains_key("500") && responses.contains_key("405"),
                "{method} {path} documents 405 and 500"
            );
            if op.get("requestBody").is_some() {
                for status in ["400", "413", "415", "422"] {
                    assert!(responses.contains_key(status), "{method} {path}: {status}");
                }
            }
            if method == "patch" || method == "delete" {
                assert!(responses.contains_key("412"), "{method} {path}: 412");
            }
            assert!(
                op["operationId"].is_string() && op["summary"].is_string(),
                "{method} {path} has an operationId and a summary"
            );
        }
    }
}

fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[test]
fn every_reference_in_the_spec_resolves() {
    let spec: Value = serde_json::from_str(&committed()).unwrap();
    let mut found = Vec::new();
    refs(&spec, &mut found);
    assert!(!found.is_empty());
    for r in found {
        let pointer = r.strip_prefix('#').expect("local reference");
        assert!(spec.pointer(pointer).is_some(), "dangling $ref {r}");
    }
}

/// What the walk of the spec found: how many things it checked, and those without a
/// description (by their place in the document).
#[derive(Default)]
struct Blanks {
    checked: usize,
    missing: Vec<String>,
}

impl Blanks {
    fn said(&mut self, what: String, text: Option<&str>) {
        self.checked += 1;
        if text.is_none_or(|t| t.trim().is_empty()) {
            self.missing.push(what);
        }
    }

    /// Each value of `enum` is named (in backquotes, without a leading `-`) in `described`.
    fn enum_values(&mut self, at: &str, schema: &Value, described: &str) {
        for value in schema["enum"].as_array().into_iter().flatten() {
            let Some(code) = value.as_str() else { continue };
            self.checked += 1;
            if !described.contains(&format!("`{}`", code.trim_start_matches('-'))) {
                self.missing.push(format!("{at}: enum value {code}"));
            }
        }
    }

    /// A schema: its properties (each with a description), and the schemas inside it.
    fn schema(&mut self, at: &str, schema: &Value, outer: &str) {
        let own = schema["description"].as_str().unwrap_or_default();
        let described = format!("{outer}\n{own}");
        if schema.get("enum").is_some() {
            self.enum_values(at, schema, &described);
        }
        if let Some(properties) = schema["properties"].as_object() {
            for (name, property) in properties {
                let place = format!("{at}.{name}");
                self.said(place.clone(), property["description"].as_str());
                self.schema(
                    &place,
                    property,
                    property["description"].as_str().unwrap_or_default(),
                );
            }
        }
        for key in ["items", "additionalProperties"] {
            if schema[key].is_object() {
                self.schema(&format!("{at}[]"), &schema[key], &described);
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            for (i, part) in schema[key].as_array().into_iter().flatten().enumerate() {
                self.schema(&format!("{at}/{key}{i}"), part, &described);
            }
        }
    }

    fn operation(&mut self, at: &str, op: &Value) {
        self.said(format!("{at} summary"), op["summary"].as_str());
        self.said(format!("{at} description"), op["description"].as_str());
        for param in op["parameters"].as_array().into_iter().flatten() {
            let place = format!("{at} parameter {}", param["name"]);
            let described = param["description"].as_str();
            self.said(place.clone(), described);
            self.schema(&place, &param["schema"], described.unwrap_or_default());
        }
        for (kind, content) in op["requestBody"]["content"]
            .as_object()
            .into_iter()
            .flatten()
        {
            self.schema(&format!("{at} body {kind}"), &content["schema"], "");
        }
        for (status, response) in op["responses"].as_object().into_iter().flatten() {
            if response.get("$ref").is_some() {
                continue; // a shared response, checked among the components
            }
            self.said(
                format!("{at} response {status}"),
                response["description"].as_str(),
            );
            for (kind, content) in response["content"].as_object().into_iter().flatten() {
                self.schema(&format!("{at} {status} {kind}"), &content["schema"], "");
            }
        }
    }
}

/// No blank spots: every operation (and webhook) has a summary and a description; every
/// parameter, response, schema and property a description; every value of an enum is named
/// in its description (or its parameter's).
#[test]
fn every_operation_parameter_property_and_enum_value_is_described() {
    let spec: Value = serde_json::from_str(&committed()).unwrap();
    let mut blanks = Blanks::default();
    for group in ["paths", "webhooks"] {
        for (path, item) in spec[group].as_object().expect("paths") {
            for (method, op) in item.as_object().unwrap() {
                blanks.operation(&format!("{method} {path}"), op);
            }
        }
    }
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        blanks.said(format!("schema {name}"), schema["description"].as_str());
        blanks.schema(name, schema, "");
    }
    for (name, response) in spec["components"]["responses"].as_object().unwrap() {
        blanks.said(format!("response {name}"), response["description"].as_str());
    }
    eprintln!(
        "spec walk: {} descriptions checked, {} missing",
        blanks.checked,
        blanks.missing.len()
    );
    assert!(blanks.checked > 1000, "the walk reached the whole spec");
    assert!(
        blanks.missing.is_empty(),
        "{} without a description:\n{}",
        blanks.missing.len(),
        blanks.missing.join("\n")
    );
}

/// `sort` of every list is an array of its fields, ascending or descending (what the server
/// accepts), and a list sent in either form is read.
#[test]
fn every_list_sort_is_typed() {
    let spec: Value = serde_json::from_str(&committed()).unwrap();
    let mut lists = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let Some(sort) = params.iter().find(|p| p["name"] == "sort") else {
                continue;
            };
            let schema = &sort["schema"];
            if schema.get("$ref").is_some() {
                continue; // a single choice, an enum of its own (tags)
            }
            lists += 1;
            assert_eq!(schema["type"], "array", "{method} {path}: sort is an array");
            let values = schema["items"]["enum"]
                .as_array()
                .expect("an enum of fields");
            assert!(
                values
                    .iter()
                    .any(|v| v.as_str().is_some_and(|v| v.starts_with('-'))),
                "{method} {path}: descending fields listed"
            );
        }
    }
    assert!(lists >= 10, "{lists} lists");
}

/// Every slug a client may write has the server's rule as its pattern (not all digits
/// included), and cursors and list items are never empty.
#[test]
fn the_spec_is_as_strict_as_the_server() {
    let text = committed();
    let spec: Value = serde_json::from_str(&text).unwrap();
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let mut slugs = 0;
    for name in [
        "CreateActivity",
        "UpdateActivity",
        "CreateOrganization",
        "UpdateOrganization",
        "CreateCluster",
    ] {
        let slug = &schemas[name]["properties"]["slug"];
        let pattern = slug["pattern"]
            .as_str()
            .or(slug["oneOf"][1]["pattern"].as_str())
            .or(slug["oneOf"][0]["pattern"].as_str())
            .unwrap_or_else(|| panic!("{name}.slug has a pattern: {slug}"));
        assert_eq!(pattern, doan_api::text::SLUG_PATTERN, "{name}");
        slugs += 1;
    }
    assert_eq!(slugs, 5);
    let list = &spec["paths"]["/api/v1/activities"]["get"]["parameters"];
    for param in list.as_array().unwrap() {
        if param["name"] == "cursor" {
            assert_eq!(param["schema"]["minLength"], 1);
        }
        if param["name"] == "tag" {
            assert_eq!(param["schema"]["items"]["minLength"], 1);
        }
    }
}
