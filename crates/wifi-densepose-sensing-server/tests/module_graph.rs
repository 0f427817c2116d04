//! The server's module graph: no import cycle between its modules, and every import goes to
//! the same layer or a lower one (docs/architecture.md, "Server layers").
//!
//! The graph is read from the source text: every `crate::…`, `super::…` and child-module
//! path in a module file (tests included) is an edge from that file's module to the module
//! the path names. Layer `mod.rs` files only declare their children (a re-export there
//! would make every child import look like an import of the parent).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Layers from the bottom up; a module may import its own layer and the layers below.
/// Layers sharing a rank are peers that must not import each other.
const LAYERS: [(&str, u8); 8] = [
    ("messages", 0),
    ("sensing", 1),
    ("config", 2),
    ("state", 3),
    ("sources", 4),
    ("http", 4),
    ("mqtt", 4),
    ("app", 5),
];

type Module = Vec<String>;

/// One module per `.rs` file under `src/` (the library root and `main.rs` excluded).
fn modules(src: &Path) -> BTreeMap<Module, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).unwrap().with_extension("");
            let mut parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if parts.last().is_some_and(|p| p == "mod") {
                parts.pop();
            }
            if parts == ["lib"] || parts == ["main"] {
                continue;
            }
            out.insert(parts, path);
        }
    }
    out
}

/// The source without comments (string contents kept: paths do not occur in them).
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_string = false;
        let mut cut = line.len();
        let bytes = line.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' if in_string => i += 1,
                b'"' => in_string = !in_string,
                b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => {
                    cut = i;
                    break;
                }
                _ => {}
            }
            i += 1;
        }
        out.push_str(&line[..cut]);
        out.push('\n');
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The paths that follow `prefix::` at `start`, expanding one level of `{a, b::c}`.
fn paths_after(text: &str, start: usize) -> Vec<Vec<String>> {
    let rest = &text[start..];
    let trimmed = rest.trim_start();
    if let Some(group) = trimmed.strip_prefix('{') {
        let mut depth = 1;
        let mut end = group.len();
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let inner = &group[..end];
        let mut items = Vec::new();
        let mut depth = 0;
        let mut from = 0;
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(&inner[from..i]);
                    from = i + 1;
                }
                _ => {}
            }
        }
        items.push(&inner[from..]);
        return items
            .into_iter()
            .map(|item| segments(item.trim()))
            .filter(|p| !p.is_empty())
            .collect();
    }
    vec![segments(trimmed)]
}

/// `a::b::C` → `["a", "b", "C"]`, stopping at the first non-path character.
fn segments(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        let len = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
        if len == 0 {
            break;
        }
        out.push(rest[..len].to_string());
        rest = &rest[len..];
        match rest.strip_prefix("::") {
            Some(next) => rest = next,
            None => break,
        }
    }
    out
}

/// The longest prefix of `path` (relative to `base`) that names a module.
fn resolve(base: &[String], path: &[String], known: &BTreeMap<Module, PathBuf>) -> Option<Module> {
    let mut full: Vec<String> = base.to_vec();
    full.extend(path.iter().cloned());
    (base.len().max(1)..=full.len())
        .rev()
        .map(|n| full[..n].to_vec())
        .find(|m| known.contains_key(m))
}

/// Edges of one module: `crate::` paths, `super::` paths and `use child::` of a parent.
fn imports(module: &Module, text: &str, known: &BTreeMap<Module, PathBuf>) -> BTreeSet<Module> {
    let text = strip_comments(text);
    // An inline `mod tests` is a child of the file's module: its `super` is the file itself.
    let tests_from = text.find("mod tests {").unwrap_or(text.len());
    let parent: Vec<String> = module[..module.len().saturating_sub(1)].to_vec();
    let mut out = BTreeSet::new();
    for (prefix, base) in [("crate::", Vec::new()), ("super::", parent.clone())] {
        let mut from = 0;
        while let Some(found) = text[from..].find(prefix) {
            let at = from + found;
            from = at + prefix.len();
            let before = text[..at].chars().next_back();
            if before.is_some_and(|c| is_ident(c) || c == '$' || c == ':') {
                continue;
            }
            let base = if prefix == "super::" && at > tests_from {
                module.clone()
            } else {
                base.clone()
            };
            for path in paths_after(&text, from) {
                if let Some(target) = resolve(&base, &path, known) {
                    out.insert(target);
                }
            }
        }
    }
    // `use child::…` in a module with children (2018 paths).
    for line in text.lines() {
        let Some(rest) = line.trim_start().strip_prefix("use ").or_else(|| {
            line.trim_start()
                .strip_prefix("pub use ")
                .or_else(|| line.trim_start().strip_prefix("pub(crate) use "))
        }) else {
            continue;
        };
        let path = segments(rest);
        if path.len() > 1 && !["crate", "super", "self", "std"].contains(&path[0].as_str()) {
            if let Some(target) = resolve(module, &path, known) {
                out.insert(target);
            }
        }
    }
    out.remove(module);
    out
}

fn graph() -> BTreeMap<Module, BTreeSet<Module>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let known = modules(&src);
    known
        .iter()
        .map(|(module, path)| {
            let text = std::fs::read_to_string(path).unwrap();
            (module.clone(), imports(module, &text, &known))
        })
        .collect()
}

fn name(module: &Module) -> String {
    module.join("::")
}

/// A cycle of `graph` as module names, if there is one.
fn find_cycle(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Option<Vec<String>> {
    // 0 unvisited, 1 on the stack, 2 done.
    let mut state: BTreeMap<&Module, u8> = BTreeMap::new();
    fn visit<'a>(
        node: &'a Module,
        graph: &'a BTreeMap<Module, BTreeSet<Module>>,
        state: &mut BTreeMap<&'a Module, u8>,
        stack: &mut Vec<&'a Module>,
    ) -> Option<Vec<String>> {
        state.insert(node, 1);
        stack.push(node);
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next).copied().unwrap_or(0) {
                1 => {
                    let start = stack.iter().position(|m| *m == next).unwrap_or(0);
                    let mut cycle: Vec<String> = stack[start..].iter().map(|m| name(m)).collect();
                    cycle.push(name(next));
                    return Some(cycle);
                }
                0 => {
                    if let Some(cycle) = visit(next, graph, state, stack) {
                        return Some(cycle);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node, 2);
        None
    }
    let mut stack = Vec::new();
    for node in graph.keys() {
        if state.get(node).copied().unwrap_or(0) == 0 {
            if let Some(cycle) = visit(node, graph, &mut state, &mut stack) {
                return Some(cycle);
            }
        }
    }
    None
}

/// Groups of modules that import each other (directly or through others).
fn cyclic_groups(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<String>> {
    let reach = |from: &Module| {
        let mut seen: BTreeSet<&Module> = BTreeSet::new();
        let mut todo: Vec<&Module> = graph.get(from).into_iter().flatten().collect();
        while let Some(m) = todo.pop() {
            if seen.insert(m) {
                todo.extend(graph.get(m).into_iter().flatten());
            }
        }
        seen.into_iter().cloned().collect::<BTreeSet<Module>>()
    };
    let reached: BTreeMap<&Module, BTreeSet<Module>> =
        graph.keys().map(|m| (m, reach(m))).collect();
    let mut groups: BTreeSet<Vec<String>> = BTreeSet::new();
    for (m, from_m) in &reached {
        let group: Vec<String> = from_m
            .iter()
            .filter(|n| reached.get(n).is_some_and(|r| r.contains(*m)))
            .map(name)
            .collect();
        if !group.is_empty() {
            groups.insert(group);
        }
    }
    groups.into_iter().collect()
}

#[test]
fn the_module_graph_has_no_cycle() {
    let graph = graph();
    assert!(graph.len() > 10, "found only {} modules", graph.len());
    if let Some(cycle) = find_cycle(&graph) {
        let groups: Vec<String> = cyclic_groups(&graph)
            .iter()
            .map(|g| format!("{} modules: {}", g.len(), g.join(", ")))
            .collect();
        panic!(
            "import cycle: {}\nmodules that import each other:\n{}",
            cycle.join(" -> "),
            groups.join("\n")
        );
    }
}

#[test]
fn imports_go_down_the_layers() {
    let rank = |module: &Module| {
        LAYERS
            .iter()
            .find(|(layer, _)| *layer == module[0])
            .map(|&(layer, rank)| (layer, rank))
    };
    let mut wrong = Vec::new();
    for (module, targets) in graph() {
        let Some((layer, own)) = rank(&module) else {
            wrong.push(format!("{} is in no layer", name(&module)));
            continue;
        };
        for target in targets {
            let Some((target_layer, other)) = rank(&target) else {
                continue;
            };
            if target_layer != layer && other >= own {
                wrong.push(format!("{} imports {}", name(&module), name(&target)));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_graph_reader_sees_cycles_and_groups() {
    let known: BTreeMap<Module, PathBuf> = [vec!["a"], vec!["b"], vec!["b", "c"], vec!["d"]]
        .into_iter()
        .map(|m| (m.into_iter().map(String::from).collect(), PathBuf::new()))
        .collect();
    let module = |s: &str| -> Module { s.split("::").map(String::from).collect() };
    let a = imports(
        &module("a"),
        "use crate::{b::c::X, d};\n// crate::b is only mentioned\nfn f() { crate::b::g() }",
        &known,
    );
    assert_eq!(
        a,
        BTreeSet::from([module("b::c"), module("d"), module("b")])
    );
    let c = imports(
        &module("b::c"),
        "use super::Y;\nmod tests {\n use super::*;\n}",
        &known,
    );
    assert_eq!(c, BTreeSet::from([module("b")]));
    let mut graph: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    graph.insert(module("a"), BTreeSet::from([module("b")]));
    graph.insert(module("b"), BTreeSet::from([module("d")]));
    graph.insert(module("d"), BTreeSet::new());
    assert_eq!(find_cycle(&graph), None);
    graph.insert(module("d"), BTreeSet::from([module("a")]));
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".into(), "b".into(), "d".into(), "a".into()])
    );
    assert_eq!(
        cyclic_groups(&graph),
        vec![vec!["a".to_string(), "b".into(), "d".into()]]
    );
}
