//! The domain crate's modules import one way (no circle) and no file under `src/` outgrows
//! the limit: the workspace's one check, `test_support::architecture`.

#[test]
fn modules_are_one_way_and_files_short() {
    test_support::architecture::assert_one_way(env!("CARGO_MANIFEST_DIR"));
}
