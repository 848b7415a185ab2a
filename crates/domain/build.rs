//! Rebuilds the crate when a migration changes: `sqlx::migrate!` embeds `migrations/` at
//! compile time, and without this an incremental build kept the old set.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
