//! The documents name files and tests that exist: every repository path
//! in the README, `docs/`, BENCHMARKS.md and SECURITY.md (in backticks, as
//! a link, or in a command), and in the code's comments, manifests and
//! scripts, is there; and every test the documents cite by name
//! (`schemes::keys::tests::previous_keys_serve_until_their_grace_period_ends`)
//! is a test of that name in a file of that module. So code moved or
//! renamed can't leave a reader looking for it.

use std::path::{Path, PathBuf};

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

/// Folders no document points into.
const NOT_READ: [&str; 7] = [
    "target",
    "node_modules",
    "corpus",
    "artifacts",
    ".venv",
    ".local",
    ".aws-sam",
];

/// What the scripts make, which a fresh clone doesn't have yet: named,
/// not checked.
const MADE_BY_SCRIPTS: [&str; 4] = [
    "fuzz/corpus",
    "fuzz/artifacts",
    "fuzz/target",
    "tests/signers/node_modules",
];

/// The documents a reader follows: the README, BENCHMARKS.md, SECURITY.md
/// and `docs/`.
fn documents() -> Vec<PathBuf> {
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

/// Every file under the workspace's folders whose name ends in one of
/// `endings`.
fn files_ending(endings: &[&str]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack: Vec<PathBuf> = ROOTS.iter().map(|root| workspace_dir().join(root)).collect();
    stack.push(workspace_dir().join("Cargo.toml"));
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).unwrap() {
                let entry = entry.unwrap().path();
                let name = entry.file_name().unwrap().to_string_lossy().into_owned();
                if !NOT_READ.contains(&name.as_str()) {
                    stack.push(entry);
                }
            }
        } else {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if endings.iter().any(|ending| name.ends_with(ending)) {
                files.push(path);
            }
        }
    }
    files
}

/// What a document names: backticked tokens, link targets, and the lines
/// of its fenced code blocks (commands).
fn named(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut prose = String::new();
    let mut in_block = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
        } else if in_block {
            names.push(line.to_owned());
        } else {
            prose.push_str(line);
            prose.push('\n');
        }
    }
    for (at, piece) in prose.split('`').enumerate() {
        if at % 2 == 1 {
            names.push(piece.to_owned());
        }
    }
    for piece in prose.split("](").skip(1) {
        if let Some(target) = piece.split(')').next() {
            names.push(target.split('#').next().unwrap_or_default().to_owned());
        }
    }
    names
}

/// A word as a path to check, from the workspace root: `None` when it is
/// no repository path (a URL, a pattern with placeholders).
fn as_path(word: &str, document_dir: &Path) -> Option<PathBuf> {
    let word = word.trim_start_matches(|c: char| "`'\"(".contains(c));
    let word = word.strip_suffix("'s").unwrap_or(word);
    let word = word.trim_end_matches(|c: char| "`'\"(),;:.".contains(c));
    if word.is_empty() || word.contains(['<', '*', '…', '{', '$', '=']) || word.contains("://") {
        return None;
    }
    let word = word.trim_start_matches("./");
    if MADE_BY_SCRIPTS.iter().any(|made| word.starts_with(made)) {
        return None;
    }
    if ROOTS.iter().any(|root| word.starts_with(root)) {
        return Some(workspace_dir().join(word));
    }
    if word.starts_with("../") || word.ends_with(".md") {
        return Some(document_dir.join(word));
    }
    None
}

/// The paths `names` holds that aren't there, each word of a command
/// apart.
fn missing_in(names: &[String], dir: &Path, shown: &str, checked: &mut usize) -> Vec<String> {
    let mut missing = Vec::new();
    for name in names {
        for word in name.split_whitespace() {
            let Some(path) = as_path(word, dir) else { continue };
            *checked += 1;
            if !path.exists() {
                missing.push(format!("{shown}: {word}"));
            }
        }
    }
    missing
}

#[test]
fn every_path_the_documents_name_exists() {
    let root = workspace_dir();
    let mut missing = Vec::new();
    let mut checked = 0;
    for document in &documents() {
        let names = named(&std::fs::read_to_string(document).unwrap());
        let shown = document.strip_prefix(&root).unwrap().display().to_string();
        missing.extend(missing_in(&names, document.parent().unwrap(), &shown, &mut checked));
    }
    assert!(missing.is_empty(), "named but not there: {missing:#?}");
    assert!(checked > 100, "only {checked} paths checked");
}

#[test]
fn every_path_the_code_the_manifests_and_the_scripts_name_exists() {
    let root = workspace_dir();
    let mut missing = Vec::new();
    let mut checked = 0;
    let mut files = files_ending(&[".rs", "Cargo.toml", ".py", ".txt", ".yaml"]);
    // The scripts without an ending (the `.py` ones are listed already).
    files.extend(
        std::fs::read_dir(root.join("scripts"))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_none()),
    );
    files.push(root.join(".ci/run"));
    for file in files.iter().filter(|file| file.is_file()) {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        // What a comment says, and the commands a script runs.
        let comments: Vec<String> = text
            .lines()
            .filter_map(|line| {
                let line = line.trim();
                let comment = line.split_once("//").map(|(_, comment)| comment);
                let hashed = line.strip_prefix('#').filter(|rest| !rest.starts_with('['));
                comment.or(hashed).map(str::to_owned)
            })
            .collect();
        let shown = file.strip_prefix(&root).unwrap().display().to_string();
        missing.extend(missing_in(&comments, &root, &shown, &mut checked));
    }
    assert!(missing.is_empty(), "named in a comment but not there: {missing:#?}");
    assert!(checked > 30, "only {checked} paths checked");
}

/// A Rust file's place: its crate's name (as Cargo names it) and the
/// modules down to it (`shared/src/schemes/keys.rs` is
/// `webhook_receiver::schemes::keys`; a file of its own crate, as
/// `tests/integration/keys.rs` under `main.rs`, is its modules alone).
fn module_path(file: &Path) -> Vec<String> {
    let mut root = file.parent().unwrap();
    while !root.join("lib.rs").exists()
        && !root.join("main.rs").exists()
        && root.file_name().is_some_and(|name| name != "tests")
    {
        match root.parent() {
            Some(parent) if parent.starts_with(workspace_dir()) => root = parent,
            _ => break,
        }
    }
    let mut path = Vec::new();
    if root.file_name().is_some_and(|name| name == "src") {
        let manifest = std::fs::read_to_string(root.parent().unwrap().join("Cargo.toml")).unwrap_or_default();
        let name = manifest
            .lines()
            .find_map(|line| line.strip_prefix("name = \""))
            .and_then(|rest| rest.strip_suffix('"'))
            .unwrap_or_default();
        path.push(name.replace('-', "_"));
    }
    let relative = file.strip_prefix(root).unwrap_or(file).with_extension("");
    for part in relative.components() {
        let part = part.as_os_str().to_string_lossy();
        if !["mod", "lib", "main"].contains(&part.as_ref()) {
            path.push(part.into_owned());
        }
    }
    path
}

/// A cited test as the modules it names and the function's name: `None`
/// for a name that is no test's (`lambda::event::read`, `max_total_time`).
/// A test's name is a sentence: four words at least, or three under a
/// module path.
fn cited_test(name: &str) -> Option<(Vec<String>, String)> {
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
    let modules = segments[..segments.len() - 1]
        .iter()
        .filter(|segment| **segment != "tests")
        .map(|segment| (*segment).to_owned())
        .collect();
    Some((modules, function.to_owned()))
}

/// Whether `text` defines a test called `function`.
fn defines_test(text: &str, function: &str) -> bool {
    let defined = format!("fn {function}(");
    text.match_indices(&defined).any(|(at, _)| {
        let before = &text[..at];
        let attributes = before.rsplit_once("\n\n").map_or(before, |(_, last)| last);
        attributes.contains("test]") || attributes.contains("test(")
    })
}

#[test]
fn every_test_the_documents_cite_is_there_where_they_say() {
    let files: Vec<(Vec<String>, String)> = files_ending(&[".rs"])
        .into_iter()
        .map(|file| (module_path(&file), std::fs::read_to_string(&file).unwrap()))
        .collect();
    let root = workspace_dir();
    let mut missing = Vec::new();
    let mut checked = 0;
    for document in &documents() {
        for name in named(&std::fs::read_to_string(document).unwrap()) {
            let Some((modules, function)) = cited_test(name.trim()) else {
                continue;
            };
            checked += 1;
            let found = files
                .iter()
                .any(|(path, text)| path.ends_with(&modules) && defines_test(text, &function));
            if !found {
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
    let names = named(
        "see `shared/src/settings.rs` and [keys](keys.md#rotation), `cargo test`, `fuzz/corpus/`\n```sh\nscripts/fuzz 20\nscripts/nowhere --check\n```\n",
    );
    let mut checked = 0;
    let missing = missing_in(&names, &dir, "doc", &mut checked);
    assert_eq!(checked, 4);
    assert_eq!(missing, ["doc: scripts/nowhere", "doc: shared/src/settings.rs"]);
    assert_eq!(
        cited_test("tls_roots::tests::the_built_in_roots_are_exactly_amazons_published_ones"),
        Some((
            vec!["tls_roots".to_owned()],
            "the_built_in_roots_are_exactly_amazons_published_ones".to_owned()
        ))
    );
    assert_eq!(cited_test("lambda::event::read"), None);
    let keys = workspace_dir().join("shared/src/schemes/keys.rs");
    assert_eq!(module_path(&keys), ["webhook_receiver", "schemes", "keys"]);
    let integration = workspace_dir().join("tests/integration/keys.rs");
    assert_eq!(module_path(&integration), ["keys"]);
    let text = std::fs::read_to_string(&keys).unwrap();
    assert!(defines_test(&text, "plain_secret_is_one_unnamed_key_trimmed"));
    assert!(!defines_test(&text, "split_secret"), "a function, not a test");
}
