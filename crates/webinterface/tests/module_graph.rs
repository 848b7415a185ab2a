//! The crate's modules import one way: a graph of which module file names which (`crate::…`,
//! `super::…`, and the crate root's own `module::…` paths) has no cycle, and every source file
//! is in a map: the crate doc lists every top-level module (lowest first), and each
//! directory's `mod.rs` doc lists the modules in it. Run with `--nocapture` to print the edge
//! list.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// `src/auth/mod.rs` → `auth`, `src/auth/login.rs` → `auth::login`, `src/lib.rs` → `crate`.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file
        .strip_prefix(src)
        .expect("under src")
        .with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    if parts.is_empty() {
        "crate".into()
    } else {
        parts.join("::")
    }
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The identifier paths starting at `at` in `line` (`a::b::c`).
fn path_at(line: &str, at: usize) -> Vec<String> {
    let rest = &line[at..];
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(rest.len());
    rest[..end]
        .split("::")
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The longest known module that `segments` (absolute, without `crate`) starts with.
fn resolve(modules: &BTreeSet<String>, segments: &[String]) -> Option<String> {
    (1..=segments.len())
        .rev()
        .map(|n| segments[..n].join("::"))
        .find(|m| modules.contains(m))
}

/// Also the items of grouped imports: `use super::{a, b::c}`.
fn grouped(line: &str, at: usize) -> Vec<Vec<String>> {
    let base = path_at(line, at);
    let after = &line[at..];
    let Some(open) = after.find("::{") else {
        return vec![base];
    };
    let inner = &after[open + 3..after.rfind('}').unwrap_or(after.len())];
    inner
        .split(',')
        .map(|item| {
            let mut p = base.clone();
            p.extend(
                item.trim()
                    .split("::")
                    .map(|s| s.trim_matches(|c: char| !(c.is_alphanumeric() || c == '_')))
                    .filter(|s| !s.is_empty() && *s != "self")
                    .map(str::to_owned),
            );
            p
        })
        .collect()
}

fn graph() -> (BTreeSet<String>, BTreeMap<String, BTreeSet<String>>) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let modules: BTreeSet<String> = all.iter().map(|f| module_of(&src, f)).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &all {
        let me = module_of(&src, file);
        if me == "main" {
            continue;
        }
        let mine: Vec<String> = if me == "crate" {
            Vec::new()
        } else {
            me.split("::").map(str::to_owned).collect()
        };
        // `super` is the enclosing module.
        let mut parent = mine.clone();
        parent.pop();
        // This module's own children, named by relative paths (`sessions::Authed`).
        let children: Vec<String> = modules
            .iter()
            .filter_map(|m| {
                let rest = if me == "crate" {
                    Some(m.as_str())
                } else {
                    m.strip_prefix(&format!("{me}::"))
                }?;
                (!rest.contains("::") && rest != "crate" && rest != "main").then(|| rest.to_owned())
            })
            .collect();
        let text = std::fs::read_to_string(file).expect("read");
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for line in code.lines() {
            let t = line.trim_start();
            if t.starts_with("//") || t.starts_with("pub mod ") || t.starts_with("mod ") {
                continue;
            }
            let mut targets = Vec::new();
            for (at, _) in line.match_indices("crate::") {
                for p in grouped(line, at + "crate::".len()) {
                    targets.push(p);
                }
            }
            for (at, _) in line.match_indices("super::") {
                for p in grouped(line, at + "super::".len()) {
                    let mut abs = parent.clone();
                    abs.extend(p);
                    targets.push(abs);
                }
            }
            for c in &children {
                for (at, _) in line.match_indices(&format!("{c}::")) {
                    let before = line[..at].chars().last();
                    if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                        continue;
                    }
                    for p in grouped(line, at) {
                        let mut abs = mine.clone();
                        abs.extend(p);
                        targets.push(abs);
                    }
                }
            }
            for t in targets {
                if let Some(to) = resolve(&modules, &t)
                    && to != me
                {
                    edges.entry(me.clone()).or_default().insert(to);
                }
            }
        }
    }
    (modules, edges)
}

fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_owned(), 1);
        stack.push(n.to_owned());
        for next in edges.get(n).into_iter().flatten() {
            match state.get(next.as_str()) {
                Some(1) => {
                    let from = stack.iter().position(|s| s == next).unwrap_or(0);
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(next, edges, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(n.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in edges.keys() {
        if !state.contains_key(n.as_str())
            && let Some(c) = visit(n, edges, &mut state, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

#[test]
fn the_module_graph_has_no_cycle() {
    let (modules, edges) = graph();
    for (from, to) in &edges {
        for t in to {
            println!("{from} -> {t}");
        }
    }
    assert!(modules.len() > 20, "{modules:?}");
    // The error type knows only the messages (its texts are keys of the translations), and
    // the translations know nothing of the crate.
    let words_only = |m: &str| {
        edges
            .get(m)
            .is_none_or(|to| to.iter().all(|t| t == "i18n" || t.starts_with("i18n::")))
    };
    assert!(
        words_only("error"),
        "error may import only i18n: {:?}",
        edges.get("error")
    );
    for (from, to) in edges.iter().filter(|(f, _)| f.starts_with("i18n")) {
        assert!(words_only(from), "{from} imports outside i18n: {to:?}");
    }
    if let Some(cycle) = find_cycle(&edges) {
        panic!("the modules import in a circle: {}", cycle.join(" -> "));
    }
    // Folded to the top-level modules (a directory is one node), still no cycle.
    let mut folded: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to) in &edges {
        let f = from.split("::").next().unwrap_or(from).to_owned();
        for t in to {
            let t = t.split("::").next().unwrap_or(t).to_owned();
            if t != f {
                folded.entry(f.clone()).or_default().insert(t);
            }
        }
    }
    if let Some(cycle) = find_cycle(&folded) {
        panic!(
            "the top-level modules import in a circle: {}",
            cycle.join(" -> ")
        );
    }
}

#[test]
fn the_crate_doc_maps_every_top_level_module_lowest_first() {
    let (modules, edges) = graph();
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs"))
        .expect("lib.rs");
    let doc: String = lib
        .lines()
        .filter(|l| l.starts_with("//!"))
        .collect::<Vec<_>>()
        .join("\n");
    for m in modules
        .iter()
        .filter(|m| !m.contains("::") && *m != "crate" && *m != "main")
    {
        assert!(
            doc.contains(&format!("[`{m}`]")),
            "the crate doc misses {m}"
        );
    }
    // The map lists the modules lowest first: each imports only modules listed above it.
    let order: Vec<String> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("//! - [`"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_owned)
        .collect();
    let rank = |m: &str| {
        order
            .iter()
            .position(|o| o == m.split("::").next().unwrap_or(m))
    };
    for (from, to) in &edges {
        let Some(f) = rank(from) else { continue };
        for t in to {
            if let Some(r) = rank(t)
                && r != f
            {
                assert!(
                    r < f,
                    "{from} imports {t}, which the crate doc lists below it"
                );
            }
        }
    }
}

#[test]
fn each_directory_doc_maps_its_modules() {
    let (modules, _) = graph();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut directories = 0;
    for parent in modules.iter().filter(|m| *m != "crate" && *m != "main") {
        let children: Vec<&str> = modules
            .iter()
            .filter_map(|m| m.strip_prefix(&format!("{parent}::")))
            .filter(|rest| !rest.contains("::"))
            .collect();
        if children.is_empty() {
            continue;
        }
        directories += 1;
        let file = src.join(parent.replace("::", "/")).join("mod.rs");
        let text = std::fs::read_to_string(&file).expect("a directory module is a mod.rs");
        let doc: String = text
            .lines()
            .filter(|l| l.starts_with("//!"))
            .collect::<Vec<_>>()
            .join("\n");
        for child in children {
            assert!(
                doc.contains(&format!("[`{child}`]")),
                "the doc of {} misses {child}",
                file.display()
            );
        }
    }
    assert!(directories >= 7, "only {directories} directories found");
}
