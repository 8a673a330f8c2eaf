//! A digest of the files verification is made of, so that the release
//! function can tell when the code that judged a kept delivery changed
//! (docs/quarantine.md). Shared by the build script, which makes the
//! digest, and the library's tests, which check it.

use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// What verification is made of, relative to the library's directory:
/// its sources, its presets, the envelope it builds, what it runs on
/// (the settings reader, the envelope's times), the manifests that choose
/// its dependencies' features and its build profile, and the locked
/// versions of everything it depends on.
pub const PARTS: [&str; 9] = [
    "src",
    "presets",
    "envelope/src",
    "function-support/src",
    "Cargo.toml",
    "envelope/Cargo.toml",
    "function-support/Cargo.toml",
    "../Cargo.toml",
    "../Cargo.lock",
];

/// Lowercase hex SHA-256 over every file under `parts` of `root` (a part
/// is a file or a directory), each as its path relative to `root` and its
/// length and bytes, in path order, so that renaming, moving or editing
/// any file changes it. A part that doesn't exist counts as empty.
pub fn source_digest(root: &Path, parts: &[&str]) -> io::Result<String> {
    let mut files = Vec::new();
    for part in parts {
        collect(&root.join(part), &mut files)?;
    }
    files.sort();
    let mut hasher = Sha256::new();
    for file in files {
        let bytes = std::fs::read(&file)?;
        let name = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .to_string_lossy()
            .replace('\\', "/");
        for field in [name.as_bytes(), &bytes] {
            hasher.update((field.len() as u64).to_le_bytes());
            hasher.update(field);
        }
    }
    Ok(hasher.finalize().iter().map(|byte| format!("{byte:02x}")).collect())
}

/// Every file at or under `path`.
fn collect(path: &Path, files: &mut Vec<PathBuf>) -> io::Result<()> {
    if path.is_dir() {
        for entry in std::fs::read_dir(path)? {
            collect(&entry?.path(), files)?;
        }
    } else if path.is_file() {
        files.push(path.to_path_buf());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_digest_is_the_digest_of_the_sources_as_they_are() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(source_digest(root, &PARTS).unwrap(), crate::SOURCE_DIGEST);
    }

    #[test]
    fn editing_adding_or_moving_any_file_changes_the_digest() {
        let root = std::env::temp_dir().join(format!("source-digest-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("src/schemes")).unwrap();
        std::fs::create_dir_all(root.join("presets")).unwrap();
        std::fs::write(root.join("src/schemes/kaunt.rs"), "fn verify() {}").unwrap();
        std::fs::write(root.join("presets/kaunt.json"), "{}").unwrap();
        let parts = ["src", "presets", "missing"];
        let digest = || source_digest(&root, &parts).unwrap();
        let before = digest();
        assert_eq!(before, digest(), "the same files, the same digest");
        std::fs::write(root.join("presets/kaunt.json"), "{ }").unwrap();
        let edited = digest();
        assert_ne!(before, edited);
        std::fs::write(root.join("src/schemes/stripe.rs"), "").unwrap();
        let added = digest();
        assert_ne!(edited, added);
        std::fs::rename(root.join("src/schemes/stripe.rs"), root.join("src/stripe.rs")).unwrap();
        assert_ne!(added, digest());
        std::fs::remove_dir_all(&root).unwrap();
    }
}
