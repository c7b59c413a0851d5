//! The module graph points one way (ARCHITECTURE.md): `text, error, db, http, auth` ← `vocab`
//! ← `organizations`, `users` ← `clusters` ← `activities` ← `stats`, `feeds`. A lower module
//! never names a higher one; what it needs from above is passed in (a hook, a closure).

use std::path::{Path, PathBuf};

/// The layers, lowest first (each a file or folder of `src/`). A module may name those of lower
/// layers; in the lowest layer (the cross-cutting plumbing) also each other, elsewhere not its
/// neighbours (stats and feeds stay independent; so do organizations and users).
const LAYERS: &[&[&str]] = &[
    &["text", "error", "db", "http", "auth"],
    &["vocab"],
    &["organizations", "users"],
    &["clusters"],
    &["activities"],
    &["stats", "feeds"],
];

/// Every module with the modules it must never name.
fn rules() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut out = Vec::new();
    for (level, layer) in LAYERS.iter().enumerate() {
        for module in *layer {
            let mut above: Vec<&str> = LAYERS[level + 1..]
                .iter()
                .flat_map(|l| l.iter().copied())
                .collect();
            if level > 0 {
                above.extend(layer.iter().copied().filter(|m| m != module));
            }
            out.push((*module, above));
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
            for (line, name) in named(&text) {
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
