//! The shape of a crate's source, checked from its files: which module imports which (a module
//! graph read from `crate::` and `super::` paths), the circles in that graph, and the files
//! that grew too long. One check for every crate, so each crate's test is one line:
//!
//! ```ignore
//! test_support::architecture::assert_one_way(env!("CARGO_MANIFEST_DIR"));
//! ```
//!
//! A module is a file under `src/` (`a.rs` or `a/mod.rs` is `a`, `a/b.rs` is `a::b`); the crate
//! root (`lib.rs`, or `main.rs` when there is no `lib.rs`) is left out, as is `src/bin/`. An edge
//! A → B is any path in A's code that names B or something in it; a parent and its descendants
//! are not edges (declaring and re-exporting a child, or a child using its parent's items, is
//! the module tree, not an import circle). A file's `#[cfg(test)] mod` and what follows it are
//! its tests and are left out. The reading is textual (comments and string literals removed), which
//! is enough for the paths Rust code writes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The most lines a file under `src/` may have.
pub const MAX_FILE_LINES: usize = 450;

/// The circles of `crate_dir`'s module graph (each as the modules on it, sorted) and the files
/// under its `src/` longer than [`MAX_FILE_LINES`] (path relative to `crate_dir`, lines).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Shape {
    /// Each circle of imports, as the modules on it.
    pub circles: Vec<Vec<String>>,
    /// Each file over [`MAX_FILE_LINES`]: its path from the crate's folder, its lines.
    pub long_files: Vec<(String, usize)>,
}

/// Reads `crate_dir/src` and returns its [`Shape`].
pub fn shape(crate_dir: impl AsRef<Path>) -> Shape {
    let crate_dir = crate_dir.as_ref();
    let src = crate_dir.join("src");
    let mut files = Vec::new();
    collect_rs(&src, &mut files);
    files.sort();
    let mut long_files = Vec::new();
    let mut modules: BTreeMap<String, String> = BTreeMap::new();
    for file in &files {
        let text = std::fs::read_to_string(file)
            .unwrap_or_else(|e| panic!("read {}: {e}", file.display()));
        let lines = text.lines().count();
        let shown = file
            .strip_prefix(crate_dir)
            .unwrap_or(file)
            .display()
            .to_string();
        if lines > MAX_FILE_LINES {
            long_files.push((shown, lines));
        }
        if let Some(module) = module_of(&src, file) {
            modules.insert(module, text);
        }
    }
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, text) in &modules {
        let code = strip_tests(&strip_comments_and_strings(text));
        let targets = edges.entry(module.clone()).or_default();
        for path in referenced_paths(&code, module) {
            if let Some(target) = longest_module(&names, &path)
                && !related(module, &target)
            {
                targets.insert(target);
            }
        }
    }
    Shape {
        circles: circles(&edges),
        long_files,
    }
}

/// Fails naming every circle and every long file of the crate at `crate_dir`.
pub fn assert_one_way(crate_dir: impl AsRef<Path>) {
    let shape = shape(crate_dir.as_ref());
    let mut problems = Vec::new();
    for circle in &shape.circles {
        problems.push(format!("import circle: {}", circle.join(" <-> ")));
    }
    for (file, lines) in &shape.long_files {
        problems.push(format!(
            "{file} has {lines} lines (at most {MAX_FILE_LINES}): split it along what it does"
        ));
    }
    assert!(
        problems.is_empty(),
        "{}:\n  {}",
        crate_dir.as_ref().display(),
        problems.join("\n  ")
    );
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `a/b.rs` → `a::b`, `a/mod.rs` → `a`; `None` for the crate root and `src/bin/`.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if parts.first().is_some_and(|p| p == "bin") {
        return None;
    }
    let last = parts.pop()?;
    let stem = last.strip_suffix(".rs")?.to_owned();
    // The crate root; a `main.rs` beside a `lib.rs` is a crate of its own that uses the
    // library by name.
    if parts.is_empty() && (stem == "lib" || stem == "main") {
        return None;
    }
    if stem != "mod" {
        parts.push(stem);
    }
    Some(parts.join("::"))
}

/// The code with comments, string and character literals blanked (lines kept).
fn strip_comments_and_strings(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        out.push('\n');
                    }
                    i += 1;
                }
            }
        } else if c == '"' || (c == 'r' && matches!(next, Some('"') | Some('#'))) {
            i = skip_string(&chars, i, &mut out);
        } else if c == '\'' && is_char_literal(&chars, i) {
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Skips a (raw) string literal starting at `i`; returns the index after it.
fn skip_string(chars: &[char], mut i: usize, out: &mut String) -> usize {
    let mut hashes = 0;
    let raw = chars[i] == 'r';
    if raw {
        let mut j = i + 1;
        while chars.get(j) == Some(&'#') {
            hashes += 1;
            j += 1;
        }
        if chars.get(j) != Some(&'"') {
            // An identifier starting with r (or r#ident), not a string.
            out.push(chars[i]);
            return i + 1;
        }
        i = j;
    }
    i += 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if !raw => i += 2,
            '"' => {
                let closing = (1..=hashes).all(|k| chars.get(i + k) == Some(&'#'));
                if closing {
                    out.push_str("\"\"");
                    return i + 1 + hashes;
                }
                i += 1;
            }
            '\n' => {
                out.push('\n');
                i += 1;
            }
            _ => i += 1,
        }
    }
    i
}

/// A `'` that opens a character literal, not a lifetime.
fn is_char_literal(chars: &[char], i: usize) -> bool {
    matches!(
        (chars.get(i + 1), chars.get(i + 2)),
        (Some('\\'), _) | (Some(_), Some('\''))
    )
}

/// The code before the file's test module (`#[cfg(test)]` followed by `mod`).
fn strip_tests(code: &str) -> String {
    let mut from = 0;
    while let Some(found) = code[from..].find("#[cfg(test)]") {
        let at = from + found;
        let after = code[at + "#[cfg(test)]".len()..].trim_start();
        if after.starts_with("mod ") || after.starts_with("pub mod ") {
            return code[..at].to_owned();
        }
        from = at + 1;
    }
    code.to_owned()
}

/// Every module path named by a `crate::` or `super::` path in `code` of module `module`
/// (`use crate::{a::b, c}` gives `a::b` and `c`), as absolute segment lists.
fn referenced_paths(code: &str, module: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let boundary = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if boundary && starts_with(&chars, i, "crate::") {
            parse_tree(&chars, i + "crate::".len(), Vec::new(), &mut out);
            i += "crate::".len();
        } else if boundary && starts_with(&chars, i, "super::") {
            let mut base: Vec<String> = module.split("::").map(str::to_owned).collect();
            let mut j = i;
            while starts_with(&chars, j, "super::") {
                base.pop();
                j += "super::".len();
            }
            parse_tree(&chars, j, base, &mut out);
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

fn starts_with(chars: &[char], i: usize, s: &str) -> bool {
    s.chars()
        .enumerate()
        .all(|(k, c)| chars.get(i + k) == Some(&c))
}

/// Parses a use tree (`a::b::{c, d::e}` or a plain path) at `i`, appending each full path.
fn parse_tree(
    chars: &[char],
    mut i: usize,
    prefix: Vec<String>,
    out: &mut Vec<Vec<String>>,
) -> usize {
    let mut path = prefix;
    loop {
        while chars.get(i).is_some_and(|c| c.is_whitespace()) {
            i += 1;
        }
        if chars.get(i) == Some(&'{') {
            i += 1;
            loop {
                while chars.get(i).is_some_and(|c| c.is_whitespace() || *c == ',') {
                    i += 1;
                }
                match chars.get(i) {
                    None => return i,
                    Some('}') => return i + 1,
                    _ => {
                        let before = i;
                        i = parse_tree(chars, i, path.clone(), out);
                        if i == before {
                            i += 1;
                        }
                    }
                }
            }
        }
        let start = i;
        while chars
            .get(i)
            .is_some_and(|c| c.is_alphanumeric() || *c == '_')
        {
            i += 1;
        }
        if i == start {
            out.push(path);
            return i;
        }
        path.push(chars[start..i].iter().collect());
        if starts_with(chars, i, "::") {
            i += 2;
        } else {
            out.push(path);
            return i;
        }
    }
}

/// The longest prefix of `path` that is a module of the crate.
fn longest_module(names: &BTreeSet<String>, path: &[String]) -> Option<String> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|candidate| names.contains(candidate))
}

/// A module and its own ancestor or descendant (or itself).
fn related(a: &str, b: &str) -> bool {
    let within =
        |inner: &str, outer: &str| inner == outer || inner.starts_with(&format!("{outer}::"));
    within(a, b) || within(b, a)
}

/// The strongly connected components with more than one module (Tarjan), sorted.
fn circles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            if let Some(targets) = self.edges.get(v) {
                for w in targets {
                    let w = w.as_str();
                    if !self.index.contains_key(w) {
                        self.visit(w);
                        let low = self.low[v].min(self.low[w]);
                        self.low.insert(v, low);
                    } else if self.on_stack.contains(w) {
                        let low = self.low[v].min(self.index[w]);
                        self.low.insert(v, low);
                    }
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    component.push(w.to_owned());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !walk.index.contains_key(v.as_str()) {
            walk.visit(v);
        }
    }
    walk.found.sort();
    walk.found
}
