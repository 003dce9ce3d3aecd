//! Training throughput of the LSTM and MLP (see docs/benchmarks/models.md); run with
//! `cargo bench -p aaiti-models --features tch --bench throughput`.
fn main() {}
