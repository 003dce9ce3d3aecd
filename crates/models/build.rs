//! Build script: only does anything with the `tch` feature.
//!
//! torch-sys links libtorch dynamically but leaves no rpath in binaries, and rustc's default
//! `--as-needed` drops `libtorch_cuda.so` (no Rust symbol refers to it), which silently disables
//! CUDA. For this package's own tests, benches and examples we add the rpath and force
//! `libtorch_cuda.so` in. Set `AAITI_TORCH_NO_CUDA=1` to skip the CUDA library (saves ~400 MB
//! RSS on CPU-only deployments). `cargo:rustc-link-arg` does not pass on to dependents: every
//! package that builds an executable linking torch needs the same lines (see docs/tch.md).
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=AAITI_TORCH_NO_CUDA");
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    if let Ok(dir) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
        let no_cuda = std::env::var("AAITI_TORCH_NO_CUDA").is_ok_and(|v| v == "1");
        if !no_cuda && std::path::Path::new(&dir).join("libtorch_cuda.so").exists() {
            println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
        }
    }
}
