//! Criterion benches of the indicators (filled in below).
#![allow(missing_docs, reason = "bench binary")]

use criterion::{Criterion, criterion_group, criterion_main};

fn benches(_c: &mut Criterion) {}

criterion_group!(group, benches);
criterion_main!(group);
