//! The module-graph check itself (`test_support::architecture`): circles found through
//! `crate::`, grouped `use` trees and `super::` paths, the module tree and tests not counted,
//! long files named; and the crates the others cannot check (test-support itself, and pgcluster,
//! which test-support depends on) checked here.

use test_support::architecture::{MAX_FILE_LINES, Shape, assert_one_way, shape};
use test_support::repo_root;

/// A crate in a temporary folder with the given files under `src/`.
fn crate_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let file = dir.path().join("src").join(path);
        std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
        std::fs::write(file, text).expect("write");
    }
    dir
}

#[test]
fn siblings_importing_each_other_are_a_circle() {
    let dir = crate_with(&[
        ("lib.rs", "mod mqtt; mod parse; mod writer;\n"),
        ("mqtt.rs", "use crate::parse::Budget;\npub struct Work;\n"),
        (
            "parse.rs",
            "use crate::{mqtt::Work, writer};\npub struct Budget;\n",
        ),
        ("writer.rs", "pub fn write() {}\n"),
    ]);
    assert_eq!(
        shape(dir.path()).circles,
        vec![vec!["mqtt".to_owned(), "parse".to_owned()]]
    );
}

#[test]
fn a_one_way_chain_and_the_module_tree_are_no_circle() {
    let dir = crate_with(&[
        (
            "lib.rs",
            "pub mod store; mod stages;\npub use store::Store;\n",
        ),
        ("stages.rs", "use crate::store::ingest::Incoming;\n"),
        (
            "store/mod.rs",
            "pub mod ingest; pub mod quarantine;\npub use ingest::Incoming;\npub struct Store;\n",
        ),
        (
            "store/ingest.rs",
            "use super::{Store, quarantine::Limits};\n// use crate::stages;\nconst S: &str = \"crate::stages\";\npub struct Incoming;\n",
        ),
        (
            "store/quarantine.rs",
            "pub struct Limits;\n#[cfg(test)]\nmod tests { use crate::store::ingest::Incoming; }\n",
        ),
    ]);
    assert_eq!(shape(dir.path()), Shape::default());
}

#[test]
fn a_circle_through_super_paths_and_three_modules_is_found() {
    let dir = crate_with(&[
        ("lib.rs", "mod store;\n"),
        ("store/mod.rs", "mod a; mod b; mod c;\n"),
        ("store/a.rs", "fn f() { super::b::g(); }\n"),
        ("store/b.rs", "use crate::store::c::h;\npub fn g() {}\n"),
        (
            "store/c.rs",
            "pub fn h() { let _ = super::super::store::a::X; }\n",
        ),
    ]);
    assert_eq!(
        shape(dir.path()).circles,
        vec![vec![
            "store::a".to_owned(),
            "store::b".to_owned(),
            "store::c".to_owned()
        ]]
    );
}

#[test]
fn files_over_the_limit_are_named_with_their_length() {
    let long = "fn f() {}\n".repeat(MAX_FILE_LINES + 1);
    let dir = crate_with(&[("lib.rs", "mod big;\n"), ("big.rs", &long)]);
    assert_eq!(
        shape(dir.path()).long_files,
        vec![("src/big.rs".to_owned(), MAX_FILE_LINES + 1)]
    );
}

#[test]
fn test_support_and_pgcluster_are_one_way_with_short_files() {
    assert_one_way(env!("CARGO_MANIFEST_DIR"));
    assert_one_way(repo_root().join("crates/pgcluster"));
}
