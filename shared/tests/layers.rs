//! The library's architecture, held by a test: its top level shows its
//! layers, each layer leans only on the layers below it, and no module of
//! its production code imports, directly or through others, a module that
//! imports it (test modules aside). Read from the sources, so that a `use`
//! that breaks the order fails here, naming the modules.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The top-level modules, lowest first: each may use only those before it.
/// (`lib.rs`, the crate's root, re-exports from them all and is used by
/// none.)
const LAYERS: [&str; 9] = [
    "error",
    "codec",
    "config",
    "lambda",
    "schemes",
    "aws",
    "pipeline",
    "runtime",
    "internals",
];

/// The most files beside `lib.rs`: the rest live in folders named by job.
const MOST_TOP_LEVEL_FILES: usize = 8;

type Module = Vec<String>;

/// The library's modules: each module's path, its file and whether it is
/// compiled for tests only.
struct Crate {
    files: BTreeMap<Module, PathBuf>,
    test_only: BTreeSet<Module>,
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn module_of(relative: &Path) -> Module {
    let mut parts: Vec<String> = relative
        .with_extension("")
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|last| last == "mod" || last == "lib") {
        parts.pop();
    }
    parts
}

fn read_crate() -> Crate {
    let mut files = BTreeMap::new();
    let mut stack = vec![src()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.insert(module_of(path.strip_prefix(src()).unwrap()), path);
            }
        }
    }
    let mut test_only = BTreeSet::new();
    for (module, path) in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for (at, line) in lines.iter().enumerate() {
            if *line != "#[cfg(test)]" {
                continue;
            }
            let Some(next) = lines.get(at + 1) else { continue };
            let declared = next
                .strip_prefix("pub(crate) mod ")
                .or_else(|| next.strip_prefix("pub mod "))
                .or_else(|| next.strip_prefix("mod "))
                .and_then(|rest| rest.strip_suffix(';'));
            if let Some(name) = declared {
                let mut child = module.clone();
                child.push(name.to_owned());
                test_only.insert(child);
            }
        }
    }
    // A test-only module's children are test-only too.
    let all: Vec<Module> = files.keys().cloned().collect();
    for module in all {
        if test_only.iter().any(|parent| module.starts_with(parent)) {
            test_only.insert(module);
        }
    }
    Crate { files, test_only }
}

/// A file's production code: without comments, and without its
/// `#[cfg(test)] mod tests { … }` wherever it stands.
fn production_code(text: &str) -> String {
    let mut kept = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut at = 0;
    while at < lines.len() {
        let trimmed = lines[at].trim();
        let next = lines.get(at + 1).map(|next| next.trim()).unwrap_or_default();
        if trimmed == "#[cfg(test)]" && next.starts_with("mod tests") {
            // Skip to the line that closes the module's brace.
            let mut depth = 0_i32;
            at += 1;
            while at < lines.len() {
                depth += braces(lines[at]);
                at += 1;
                if depth <= 0 && lines[at - 1].contains('}') {
                    break;
                }
            }
            continue;
        }
        kept.push(without_comment(trimmed).to_owned());
        at += 1;
    }
    kept.join("\n")
}

/// The line's code before a `//` comment; a `//` inside a string (a URL)
/// is code.
fn without_comment(line: &str) -> &str {
    let mut in_string = false;
    let mut previous = ' ';
    for (at, c) in line.char_indices() {
        match c {
            '"' if previous != '\\' => in_string = !in_string,
            '/' if previous == '/' && !in_string => return &line[..at - 1],
            _ => {}
        }
        previous = c;
    }
    line
}

/// Opening braces less closing ones on a line, strings and comments aside.
fn braces(line: &str) -> i32 {
    let code = without_comment(line);
    let mut in_string = false;
    let mut previous = ' ';
    let mut depth = 0;
    for c in code.chars() {
        match c {
            '"' if previous != '\\' => in_string = !in_string,
            '{' if !in_string => depth += 1,
            '}' if !in_string => depth -= 1,
            _ => {}
        }
        previous = c;
    }
    depth
}

/// Every path a piece of code names from `crate`, `super` or `self`, and
/// every path a `use` names from a child module (`pub use store::…` in a
/// `mod.rs`), with `use` groups expanded (`a::{b, c::d}` is `a::b` and
/// `a::c::d`). A `use` of another crate reads as a path in the module
/// itself, which the graph leaves out.
fn named_paths(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut lines = code.lines();
    while let Some(line) = lines.next() {
        let line = line.trim();
        let Some(start) = ["use ", "pub use ", "pub(crate) use ", "pub(super) use "]
            .iter()
            .find_map(|start| line.strip_prefix(start))
        else {
            continue;
        };
        let mut statement = start.to_owned();
        while !statement.contains(';') {
            let Some(more) = lines.next() else { break };
            statement.push_str(more);
        }
        let tree: String = statement
            .split(';')
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        if !["crate::", "super::", "self::"]
            .iter()
            .any(|root| tree.starts_with(root))
        {
            expand(&format!("self::{tree}"), &mut paths);
        }
    }
    let bytes: Vec<char> = code.chars().collect();
    let mut at = 0;
    while at < bytes.len() {
        let rest: String = bytes[at..bytes.len().min(at + 8)].iter().collect();
        let starts_word = at == 0 || !(bytes[at - 1].is_alphanumeric() || bytes[at - 1] == '_' || bytes[at - 1] == ':');
        let root = ["crate", "super", "self"]
            .into_iter()
            .find(|root| rest.starts_with(&format!("{root}::")));
        match root {
            Some(root) if starts_word => {
                let (tree, end) = read_tree(&bytes, at);
                expand(&tree, &mut paths);
                at = end.max(at + root.len());
            }
            _ => at += 1,
        }
    }
    paths
}

/// The use tree starting at `at`, and where it ends.
fn read_tree(chars: &[char], mut at: usize) -> (String, usize) {
    let mut tree = String::new();
    let mut depth = 0_i32;
    while at < chars.len() {
        let c = chars[at];
        let in_tree =
            c.is_alphanumeric() || c == '_' || c == ':' || c == '*' || (depth > 0 && (c == ',' || c.is_whitespace()));
        if c == '{' {
            depth += 1;
        } else if c == '}' {
            if depth == 0 {
                break;
            }
            depth -= 1;
        } else if !in_tree {
            break;
        }
        tree.push(c);
        at += 1;
    }
    (tree.split_whitespace().collect::<Vec<_>>().join(""), at)
}

fn expand(tree: &str, out: &mut Vec<String>) {
    match tree.find('{') {
        None => out.push(tree.trim_end_matches("::").to_owned()),
        Some(open) => {
            let prefix = &tree[..open];
            let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            let mut depth = 0;
            let mut start = 0;
            let mut parts = Vec::new();
            for (at, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        parts.push(&inner[start..at]);
                        start = at + 1;
                    }
                    _ => {}
                }
            }
            parts.push(&inner[start..]);
            for part in parts.into_iter().filter(|part| !part.is_empty()) {
                if part == "self" {
                    out.push(prefix.trim_end_matches("::").to_owned());
                } else {
                    expand(&format!("{prefix}{part}"), out);
                }
            }
        }
    }
}

/// The module a path from `from` lands in: as deep as its segments name
/// modules.
fn resolve(krate: &Crate, from: &Module, path: &str) -> Module {
    let mut segments = path.split("::");
    let mut module: Module = match segments.next() {
        Some("crate") => Vec::new(),
        Some("self") => from.clone(),
        _ => from[..from.len().saturating_sub(1)].to_vec(),
    };
    for segment in segments {
        if segment == "super" {
            module.pop();
            continue;
        }
        let mut deeper = module.clone();
        deeper.push(segment.to_owned());
        if !krate.files.contains_key(&deeper) {
            break;
        }
        module = deeper;
    }
    module
}

/// Every production module's imports of other production modules.
fn imports(krate: &Crate) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut graph = BTreeMap::new();
    for (module, path) in &krate.files {
        if krate.test_only.contains(module) {
            continue;
        }
        let code = production_code(&std::fs::read_to_string(path).unwrap());
        let targets: BTreeSet<Module> = named_paths(&code)
            .iter()
            .map(|named| resolve(krate, module, named))
            .filter(|target| target != module && !krate.test_only.contains(target))
            .collect();
        graph.insert(module.clone(), targets);
    }
    graph
}

fn shown(module: &Module) -> String {
    if module.is_empty() {
        "crate".to_owned()
    } else {
        module.join("::")
    }
}

#[test]
fn no_module_imports_one_that_imports_it() {
    let graph = imports(&read_crate());
    // Depth-first, keeping the path: a module met again on its own path is
    // a circle.
    fn visit(
        module: &Module,
        graph: &BTreeMap<Module, BTreeSet<Module>>,
        path: &mut Vec<Module>,
        done: &mut BTreeSet<Module>,
    ) {
        if let Some(at) = path.iter().position(|on| on == module) {
            let circle: Vec<String> = path[at..].iter().chain([module]).map(shown).collect();
            panic!("an import circle: {}", circle.join(" → "));
        }
        if done.contains(module) {
            return;
        }
        path.push(module.clone());
        for next in graph.get(module).into_iter().flatten() {
            visit(next, graph, path, done);
        }
        path.pop();
        done.insert(module.clone());
    }
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        visit(module, &graph, &mut Vec::new(), &mut done);
    }
    assert!(graph.len() > 40, "read too few modules: {}", graph.len());
    // The reader sees the imports there are: a known one, and many.
    let module = |path: &str| -> Module { path.split("::").map(str::to_owned).collect() };
    let receiver_uses = &graph[&module("pipeline::receiver")];
    assert!(receiver_uses.contains(&module("aws::destination")), "{receiver_uses:?}");
    let edges: usize = graph.values().map(BTreeSet::len).sum();
    assert!(edges > 100, "read too few imports: {edges}");
}

#[test]
fn each_layer_leans_only_on_the_layers_below_it() {
    let graph = imports(&read_crate());
    let layer = |module: &Module| {
        module
            .first()
            .and_then(|top| LAYERS.iter().position(|layer| layer == top))
    };
    let mut wrong = Vec::new();
    for (module, targets) in &graph {
        if module.is_empty() {
            continue;
        }
        let Some(from) = layer(module) else {
            wrong.push(format!("{} is in no layer", shown(module)));
            continue;
        };
        for target in targets {
            match layer(target) {
                Some(to) if to < from => {}
                Some(to) if to == from => {}
                _ => wrong.push(format!("{} uses {}", shown(module), shown(target))),
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layers' order: {wrong:#?}");
}

#[test]
fn the_top_level_is_the_layers_and_at_most_eight_files() {
    let mut files = Vec::new();
    let mut folders = Vec::new();
    for entry in std::fs::read_dir(src()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            folders.push(name);
        } else if path.extension().is_some_and(|ext| ext == "rs") && name != "lib" {
            files.push(name);
        }
    }
    assert!(
        files.len() <= MOST_TOP_LEVEL_FILES,
        "{} files beside lib.rs: {files:?}",
        files.len()
    );
    let mut top: Vec<String> = files.into_iter().chain(folders).collect();
    top.sort();
    let mut layers: Vec<String> = LAYERS.iter().map(|layer| (*layer).to_owned()).collect();
    layers.sort();
    assert_eq!(
        top, layers,
        "every top-level module is a layer, and every layer is there"
    );
}

#[test]
fn the_reader_sees_grouped_and_nested_imports() {
    let mut paths = named_paths(
        "use crate::aws::{queue::OutgoingMessage, AwsClients};\npub use store::QuarantineStore;\nlet x = super::screen::screen(a);",
    );
    paths.sort();
    assert_eq!(
        paths,
        [
            "crate::aws::AwsClients",
            "crate::aws::queue::OutgoingMessage",
            "self::store::QuarantineStore",
            "super::screen::screen"
        ]
    );
    assert_eq!(
        production_code(
            "use a; // crate::x\n#[cfg(test)]\nmod tests {\n    fn f() {\n    }\n}\nuse crate::z; // after"
        ),
        "use a; \nuse crate::z; "
    );
    assert_eq!(
        without_comment(r#"let u = "https://x"; // y"#),
        r#"let u = "https://x"; "#
    );
}
