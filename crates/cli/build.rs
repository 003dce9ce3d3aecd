//! Build script: only does anything with the `tch` feature.
//!
//! The `aaiti` binary links libtorch when built with `--features tch`. torch-sys leaves no rpath
//! and rustc's `--as-needed` drops `libtorch_cuda.so` (no Rust symbol refers to it), so without
//! these lines the binary needs `LD_LIBRARY_PATH` to start and never sees a GPU. Same fix as
//! `crates/models/build.rs` (link args do not pass on to dependents); see docs/tch.md.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=AAITI_TORCH_NO_CUDA");
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    let Ok(dir) = std::env::var("DEP_TCH_LIBTORCH_LIB") else {
        return;
    };
    println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    let no_cuda = std::env::var("AAITI_TORCH_NO_CUDA").is_ok_and(|v| v == "1");
    if !no_cuda && std::path::Path::new(&dir).join("libtorch_cuda.so").exists() {
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
    }
}
