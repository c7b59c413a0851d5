//! Re-run the build when a migration is added, so `embed_migrations!` embeds it (STACK.md trap 1).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
