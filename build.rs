//! Links the field app's wasm with `--emit-relocs`: the linker's relocations
//! are what wasm-split-cli needs to cut the app's second module out of it
//! (see `src/components/later.rs` and `build/bin/wasm-bindgen`, which drops
//! them with the cut). Only this package's binary, and only for wasm: the
//! Command Center's wasm and the browser tests' have no split point and
//! would only carry the relocations along.
fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-bins=--emit-relocs");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
