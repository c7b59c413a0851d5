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
        "portal",
    ],
    // Every resource, once (the spec, the routes and deletions read the list).
    &["resources"],
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

/// Inside a module folder, the files and folders below it (its parts: `repo`, `dto`, …) name
/// each other without a circle either (`mod.rs`, which assembles them, aside): e.g. a `dto`
/// that needs a type of `repo` while `repo` reads `dto`'s is one concern split wrongly.
#[test]
fn the_parts_of_a_module_name_each_other_without_a_circle() {
    use std::collections::{BTreeMap, BTreeSet};
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let group = regex::Regex::new(r"use super::\{([^}]*)\}").unwrap();
    let mut circles = Vec::new();
    for entry in std::fs::read_dir(&src).unwrap().flatten() {
        let dir = entry.path();
        if !dir.is_dir() {
            continue;
        }
        let top = entry.file_name().to_string_lossy().to_string();
        let parts: BTreeMap<String, PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| {
                let name = e.file_name().to_string_lossy().to_string();
                (name.trim_end_matches(".rs").to_string(), e.path())
            })
            .filter(|(name, _)| name != "mod")
            .collect();
        let mut graph: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (part, path) in &parts {
            let files = if path.is_dir() {
                let rel = path
                    .strip_prefix(&src)
                    .unwrap()
                    .to_string_lossy()
                    .to_string();
                sources(&rel)
            } else {
                vec![path.clone()]
            };
            let mut names = BTreeSet::new();
            for file in files {
                let text = std::fs::read_to_string(&file).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                // `super::x` is a sibling from a part's own file, `super::super::x` from a
                // file of a part's folder.
                let from_file = file.parent() == Some(dir.as_path());
                let sibling = if from_file {
                    r"(?:^|[^:\w])super::(\w+)"
                } else {
                    r"super::super::(\w+)"
                };
                let patterns = [format!(r"crate::{top}::(\w+)"), sibling.to_string()];
                for pattern in patterns {
                    let re = regex::Regex::new(&pattern).unwrap();
                    names.extend(re.captures_iter(code).map(|c| c[1].to_string()));
                }
                if from_file {
                    for c in group.captures_iter(code) {
                        names.extend(
                            c[1].split(',').filter_map(|item| {
                                item.trim().split("::").next().map(str::to_string)
                            }),
                        );
                    }
                }
            }
            let edges = graph.entry(part.as_str()).or_default();
            for name in names {
                if let Some((other, _)) = parts.get_key_value(&name) {
                    if other != part {
                        edges.insert(other.as_str());
                    }
                }
            }
        }
        // A circle is an edge back to a part still on the walk's path.
        fn walk<'a>(
            at: &'a str,
            graph: &BTreeMap<&'a str, BTreeSet<&'a str>>,
            path: &mut Vec<&'a str>,
            done: &mut BTreeSet<&'a str>,
            found: &mut Vec<String>,
        ) {
            path.push(at);
            for next in graph.get(at).into_iter().flatten() {
                if let Some(i) = path.iter().position(|p| p == next) {
                    found.push(format!("{} → {next}", path[i..].join(" → ")));
                } else if !done.contains(next) {
                    walk(next, graph, path, done, found);
                }
            }
            path.pop();
            done.insert(at);
        }
        let mut done = BTreeSet::new();
        let mut found = Vec::new();
        for part in graph.keys() {
            if !done.contains(part) {
                walk(part, &graph, &mut Vec::new(), &mut done, &mut found);
            }
        }
        circles.extend(found.into_iter().map(|c| format!("{top}: {c}")));
    }
    assert!(
        circles.is_empty(),
        "circles inside modules:\n{}",
        circles.join("\n")
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
