//! `docs/cookbook.md` runs: every ```http block, in order, against a fresh demo server, must
//! get the status it says — so the recipes frontends copy never lie.

use std::collections::HashMap;

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{on_postgres, spawn_with};

const COOKBOOK: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/cookbook.md"));

/// One recipe block: the request, and the status it expects.
struct Recipe {
    method: Method,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
    status: u16,
}

fn recipes(text: &str) -> Vec<Recipe> {
    // Every fence tagged http (any case, any info after it) must be read as a recipe.
    let fences = text
        .lines()
        .filter(|l| l.trim_start().to_lowercase().starts_with("```http"))
        .count();
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("```http\n") {
        let block = &rest[start + 8..];
        let end = block.find("```").expect("a closed block");
        let lines: Vec<&str> = block[..end].lines().collect();
        rest = &block[end + 3..];
        let status_line = lines
            .iter()
            .rposition(|l| l.starts_with("HTTP/1.1 "))
            .expect("each block ends with the status it gets");
        assert!(
            lines[status_line + 1..].iter().all(|l| l.trim().is_empty()),
            "nothing may follow the status line: {lines:?}"
        );
        let status = lines[status_line]["HTTP/1.1 ".len()..]
            .trim()
            .parse()
            .unwrap();
        let (method, path) = lines[0].split_once(' ').expect("METHOD /path");
        let mut headers = Vec::new();
        let mut i = 1;
        while i < status_line && !lines[i].is_empty() {
            let (name, value) = lines[i].split_once(": ").expect("Name: value");
            headers.push((name.to_string(), value.to_string()));
            i += 1;
        }
        let body = lines[i..status_line].join("\n").trim().to_string();
        found.push(Recipe {
            method: method.parse().unwrap(),
            path: path.to_string(),
            headers,
            body: (!body.is_empty()).then_some(body),
            status,
        });
    }
    assert_eq!(
        found.len(),
        fences,
        "a ```http block was not read as a recipe"
    );
    found
}

fn fill(text: &str, values: &HashMap<&'static str, String>) -> String {
    let mut out = text.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{{{name}}}}}"), value);
    }
    assert!(!out.contains("{{"), "a value no earlier answer gave: {out}");
    out
}

#[actix_web::test]
async fn every_recipe_of_the_cookbook_gets_the_status_it_shows() {
    // On PostgreSQL the generated password's file is data/admin-password under the working
    // folder, which every demo app of this process rewrites: the password is configured.
    const CONFIGURED: &str = "Cấu hình 2023!";
    let app = spawn_with(|a| {
        a.demo = true;
        if on_postgres() {
            a.admin_password = Some(CONFIGURED.into());
        }
    })
    .await;
    let password = if on_postgres() {
        CONFIGURED.to_string()
    } else {
        std::fs::read_to_string(
            app.db_path
                .parent()
                .unwrap()
                .join(doan_api::demo::ADMIN_PASSWORD_FILE),
        )
        .expect("the demo admin's password file")
    };
    let mut values: HashMap<&'static str, String> = HashMap::new();
    values.insert("password", password.trim().to_string());
    let recipes = recipes(COOKBOOK);
    assert!(recipes.len() >= 10, "{} recipes", recipes.len());
    for recipe in recipes {
        let path = fill(&recipe.path, &values);
        let mut request = app.client.request(recipe.method.clone(), app.url(&path));
        for (name, value) in &recipe.headers {
            request = request.header(name.as_str(), fill(value, &values));
        }
        if let Some(body) = &recipe.body {
            request = request.body(fill(body, &values));
        }
        let res = request.send().await.unwrap();
        let status = res.status().as_u16();
        if let Some(etag) = crate::helpers::header(&res, "etag") {
            values.insert("etag", etag);
        }
        let is_json = crate::helpers::header(&res, "content-type")
            .is_some_and(|t| t.starts_with("application/json"));
        let text = res.text().await.unwrap();
        assert_eq!(
            status, recipe.status,
            "{} {path} answered {status}: {text}",
            recipe.method
        );
        if status == 200 {
            assert!(!text.is_empty(), "{path}: an empty 200");
        }
        if is_json {
            let json: Value = serde_json::from_str(&text).unwrap();
            if let Some(token) = json["access_token"].as_str() {
                values.insert("token", token.to_string());
            }
            if let Some(id) = json["id"].as_i64() {
                values.insert("id", id.to_string());
            }
            if let Some(cursor) = json["meta"]["next_cursor"].as_str() {
                values.insert("next_cursor", cursor.to_string());
            }
        }
    }
}
