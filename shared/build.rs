//! Makes `SOURCE_DIGEST`: what the library's verification is made of, as
//! one digest ([`source_digest`]), so that a deployed change to it is
//! seen by the release function without anyone bumping a number.

#[path = "build/source_digest.rs"]
mod source_digest;

fn main() {
    let root = std::path::PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    for part in source_digest::PARTS {
        println!("cargo:rerun-if-changed={part}");
    }
    match source_digest::source_digest(&root, &source_digest::PARTS) {
        Ok(digest) => println!("cargo:rustc-env=WEBHOOK_RECEIVER_SOURCE_DIGEST={digest}"),
        Err(error) => {
            println!("cargo:warning=the source digest could not be made: {error}");
            std::process::exit(1);
        }
    }
}
