//! The module graph points one way, in one declared order (ARCHITECTURE.md, CONTRIBUTING.md):
//! every module of `src/` is on a floor, and names only modules of lower floors — never one of
//! its own floor, never one above — so the graph has no circle. What a lower module needs from
//! above is passed in (a hook, a closure, `db::after_commit`). Unit tests (`#[cfg(test)]`, at the
//! end of a file) may use fixtures from anywhere.

use std::path::{Path, PathBuf};

/// The floors, lowest first (each name a file or folder of `src/`).
const LAYERS: &[&[&str]] = &[
    // Plain data and rules: no database, no HTTP.
    &["text", "error", "context", "cli"],
    &["db"],
    &["metrics"],
    &["auth"],
    &["http"],
    &["vocab"],
    &["audit"],
    &["webhooks"],
    &["organizations", "users"],
    &["media"],
    &["clusters"],
    &["activities"],
    &["demo"],
    &[
        "stats",
        "feeds",
        "transfer",
        "backup",
        "seed",
        "health",
        "telemetry",
    ],
    &["openapi"],
    &["startup"],
];

/// Every module with the modules it must never name: those of its own floor and above.
fn rules() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut out = Vec::new();
    for (level, layer) in LAYERS.iter().enumerate() {
        for module in *layer {
            let mut banned: Vec<&str> = LAYERS[level + 1..]
                .iter()
                .flat_map(|l| l.iter().copied())
                .collect();
            banned.extend(layer.iter().copied().filter(|m| m != module));
            out.push((*module, banned));
        }
    }
    out
}

fn sources(module: &str) -> Vec<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let file = src.join(format!("{module}.rs"));
    if file.is_file() {
        out.push(file);
    }
    let mut dirs = vec![src.join(module)];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out
}

/// The top-level modules a source names through `crate::…` (also in `use crate::{a, b::c}`,
/// over several lines), with the line of each.
fn named(text: &str) -> Vec<(usize, String)> {
    let path = regex::Regex::new(r"crate::(\w+)").unwrap();
    let group = regex::Regex::new(r"crate::\{([^}]*)").unwrap();
    let line_of = |offset: usize| text[..offset].lines().count().max(1);
    let mut out: Vec<(usize, String)> = path
        .captures_iter(text)
        .map(|c| (line_of(c.get(0).unwrap().start()), c[1].to_string()))
        .collect();
    for c in group.captures_iter(text) {
        let line = line_of(c.get(0).unwrap().start());
        out.extend(
            c[1].split(',')
                .filter_map(|item| item.trim().split("::").next())
                .filter(|s| !s.is_empty())
                .map(|s| (line, s.to_string())),
        );
    }
    out
}

#[test]
fn no_module_names_one_above_it() {
    let mut violations = Vec::new();
    for (module, above) in rules() {
        let files = sources(module);
        assert!(!files.is_empty(), "no sources for {module}");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            // Unit tests at the end of a file may use any module's fixtures.
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (line, name) in named(code) {
                if above.contains(&name.as_str()) {
                    violations.push(format!("{}:{line}: {module} names {name}", file.display()));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "lower modules name higher ones:\n{}",
        violations.join("\n")
    );
}

#[test]
fn every_module_of_src_is_on_a_floor() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let declared: Vec<&str> = LAYERS.iter().flat_map(|l| l.iter().copied()).collect();
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&src).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let module = name.trim_end_matches(".rs").to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        if !declared.contains(&module.as_str()) {
            missing.push(module);
        }
    }
    assert!(
        missing.is_empty(),
        "modules on no floor of LAYERS (add each where it belongs): {missing:?}"
    );
}

/// Repositories (`src/*/repo.rs`, `src/*/repo/`) and `db` return data — paths from the root
/// (`/media/{name}`), ids, slugs — and never read where the API is reached: the edge makes URLs
/// absolute on the reader's `Site` (a handler from its request), and a write that keeps or
/// sends URLs (revisions, webhook payloads) is given its writer's `Site` by its caller.
#[test]
fn repositories_and_db_never_read_the_base_url() {
    const BANNED: &[&str] = &[
        "base_url",
        "activity_url_template",
        "Site::current",
        "ActivityUrls",
        "links::base",
        "links::site",
        "links::absolute",
    ];
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = sources("db");
    for entry in std::fs::read_dir(&src).unwrap().flatten() {
        let module = entry.path();
        if !module.is_dir() {
            continue;
        }
        let repo = module.join("repo.rs");
        if repo.is_file() {
            files.push(repo);
        }
        let name = module.file_name().unwrap().to_string_lossy().to_string();
        files.extend(
            sources(&name)
                .into_iter()
                .filter(|f| f.starts_with(module.join("repo"))),
        );
    }
    assert!(
        files
            .iter()
            .filter(|f| !f.starts_with(src.join("db")))
            .count()
            >= 10,
        "too few repositories found: {files:?}"
    );
    let mut violations = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (i, line) in code.lines().enumerate() {
            for name in BANNED.iter().filter(|name| line.contains(*name)) {
                violations.push(format!("{}:{}: {name}", file.display(), i + 1));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "repositories and db read the base URL (return paths and ids; the edge makes URLs):\n{}",
        violations.join("\n")
    );
}
