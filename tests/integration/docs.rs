//! The documents name files and tests that exist: every repository path
//! in the README, `docs/`, BENCHMARKS.md and SECURITY.md, in backticks or
//! as a link, is there, and every test they cite by module path
//! (`keys::tests::previous_keys_serve_until_their_grace_period_ends`) is a
//! test of that name in a file of that module, so that code moved or
//! renamed can't leave a reader looking for it.

use std::path::Path;

use integration_tests::workspace_dir;

/// The top-level folders a path in the documents starts from.
const ROOTS: [&str; 10] = [
    "shared/",
    "functions/",
    "tests/",
    "benchmarks/",
    "tools/",
    "scripts/",
    "events/",
    "docs/",
    "fuzz/",
    ".ci/",
];

/// The documents a reader follows: the README, BENCHMARKS.md, SECURITY.md
/// and `docs/`.
fn documents() -> Vec<std::path::PathBuf> {
    let root = workspace_dir();
    let mut documents = vec![
        root.join("README.md"),
        root.join("BENCHMARKS.md"),
        root.join("SECURITY.md"),
    ];
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        documents.push(entry.unwrap().path());
    }
    documents
}

/// What a document names: backticked tokens and link targets.
fn named(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (at, piece) in text.split('`').enumerate() {
        if at % 2 == 1 {
            names.push(piece.to_owned());
        }
    }
    for piece in text.split("](").skip(1) {
        if let Some(target) = piece.split(')').next() {
            names.push(target.split('#').next().unwrap_or_default().to_owned());
        }
    }
    names
}

/// A name as a path to check, from the workspace root: `None` when it is
/// no repository path (a command, a URL, a pattern with placeholders).
fn as_path(name: &str, document_dir: &Path) -> Option<std::path::PathBuf> {
    let name = name.trim();
    if name.is_empty() || name.contains(' ') || name.contains(['<', '*', '…', '{', '$']) || name.contains("://") {
        return None;
    }
    let name = name.trim_start_matches("./");
    if ROOTS.iter().any(|root| name.starts_with(root)) {
        return Some(workspace_dir().join(name));
    }
    if name.starts_with("../") || name.ends_with(".md") {
        return Some(document_dir.join(name));
    }
    None
}

#[test]
fn every_path_the_documents_name_exists() {
    let root = workspace_dir();
    let mut missing = Vec::new();
    let mut checked = 0;
    for document in &documents() {
        let text = std::fs::read_to_string(document).unwrap();
        let dir = document.parent().unwrap();
        for name in named(&text) {
            let Some(path) = as_path(&name, dir) else { continue };
            checked += 1;
            if !path.exists() {
                missing.push(format!("{}: {name}", document.strip_prefix(&root).unwrap().display()));
            }
        }
    }
    assert!(missing.is_empty(), "named but not there: {missing:#?}");
    assert!(checked > 50, "only {checked} paths checked");
}

/// Every `.rs` file of the workspace and the fuzz targets.
fn rust_files() -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut stack: Vec<_> = ["shared", "functions", "tests", "tools", "benchmarks", "fuzz"]
        .iter()
        .map(|dir| workspace_dir().join(dir))
        .collect();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy();
            if path.is_dir() && !["target", "node_modules", "corpus", "artifacts"].contains(&name.as_ref()) {
                stack.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    files
}

/// The module a file is, by its last name: its stem, its folder's for a
/// `mod.rs`, its crate's for a `lib.rs` or `main.rs` (`shared/envelope` is
/// `webhook_envelope`, as Cargo names it).
fn module_name(file: &Path) -> String {
    let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
    match stem.as_str() {
        "mod" => file
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned(),
        "lib" | "main" => {
            let manifest = file.parent().unwrap().parent().unwrap().join("Cargo.toml");
            let text = std::fs::read_to_string(&manifest).unwrap_or_default();
            let name = text
                .lines()
                .find_map(|line| line.strip_prefix("name = \""))
                .and_then(|rest| rest.strip_suffix('"'))
                .unwrap_or_default();
            name.replace('-', "_")
        }
        _ => stem,
    }
}

/// A cited test as the module its file must be (when the citation names
/// one) and the function's name: `None` for a name that is no test's
/// (`lambda::event::read`, `max_total_time`). A test's name is a sentence:
/// four words at least, or three under a module path.
fn cited_test(name: &str) -> Option<(Option<String>, String)> {
    let segments: Vec<&str> = name.split("::").collect();
    let function = *segments.last()?;
    let words_at_least = if segments.len() > 1 { 3 } else { 4 };
    let looks_like_a_test = function.matches('_').count() >= words_at_least
        && segments.iter().all(|segment| {
            segment
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        });
    if !looks_like_a_test {
        return None;
    }
    let module = segments.iter().rev().skip(1).find(|segment| **segment != "tests");
    Some((module.map(|module| (*module).to_owned()), function.to_owned()))
}

#[test]
fn every_test_the_documents_cite_is_there_where_they_say() {
    let files: Vec<(String, String)> = rust_files()
        .into_iter()
        .map(|file| (module_name(&file), std::fs::read_to_string(&file).unwrap()))
        .collect();
    let root = workspace_dir();
    let mut missing = Vec::new();
    let mut checked = 0;
    for document in &documents() {
        for name in named(&std::fs::read_to_string(document).unwrap()) {
            let Some((module, function)) = cited_test(name.trim()) else {
                continue;
            };
            checked += 1;
            let defined = format!("fn {function}(");
            let in_module = |file_module: &String| module.as_ref().is_none_or(|module| file_module == module);
            if !files
                .iter()
                .any(|(file_module, text)| in_module(file_module) && text.contains(&defined))
            {
                missing.push(format!("{}: {name}", document.strip_prefix(&root).unwrap().display()));
            }
        }
    }
    assert!(missing.is_empty(), "cited but not there: {missing:#?}");
    assert!(checked > 30, "only {checked} tests checked");
}

#[test]
fn a_moved_file_or_test_is_missed() {
    let dir = workspace_dir().join("docs");
    let names = named("see `shared/src/settings.rs` and [keys](keys.md#rotation), `cargo test`");
    let paths: Vec<bool> = names
        .iter()
        .filter_map(|name| as_path(name, &dir))
        .map(|path| path.exists())
        .collect();
    assert_eq!(paths, [false, true]);
    assert_eq!(
        cited_test("tls_roots::tests::the_built_in_roots_are_exactly_amazons_published_ones"),
        Some((
            Some("tls_roots".to_owned()),
            "the_built_in_roots_are_exactly_amazons_published_ones".to_owned()
        ))
    );
    assert_eq!(cited_test("lambda::event::read"), None);
    assert_eq!(
        cited_test("a_401_says_nothing_about_why"),
        Some((None, "a_401_says_nothing_about_why".to_owned()))
    );
    assert_eq!(
        module_name(&workspace_dir().join("shared/envelope/src/lib.rs")),
        "webhook_envelope"
    );
}
