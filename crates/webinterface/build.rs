//! Embeds the translations: every `locales/<language>/*.ftl` file becomes a
//! `(language, file name, text)` entry of `$OUT_DIR/locales.rs`, which `i18n::catalog`
//! includes. A translator adds or edits `.ftl` files only; this picks them up.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files = Vec::new();
    for lang in std::fs::read_dir(&dir).expect("locales/ is readable") {
        let lang = lang.expect("locales/ entry").path();
        if !lang.is_dir() {
            continue;
        }
        println!("cargo:rerun-if-changed={}", lang.display());
        for file in std::fs::read_dir(&lang).expect("a language folder is readable") {
            let file = file.expect("language folder entry").path();
            if file.extension().is_some_and(|e| e == "ftl") {
                println!("cargo:rerun-if-changed={}", file.display());
                files.push(file);
            }
        }
    }
    files.sort();
    let mut out = String::from("/// Every translation file: (language, file name, text).\n");
    out.push_str("pub const FILES: &[(&str, &str, &str)] = &[\n");
    for file in &files {
        let lang = file.parent().and_then(Path::file_name).expect("language");
        let name = file.file_name().expect("file name");
        writeln!(
            out,
            "    ({:?}, {:?}, include_str!({:?})),",
            lang.to_string_lossy(),
            name.to_string_lossy(),
            file.display().to_string()
        )
        .expect("write to a string");
    }
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("locales.rs");
    std::fs::write(target, out).expect("write locales.rs");
}
