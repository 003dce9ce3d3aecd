//! End-to-end tests over the bundled real data. One binary, one module per stage.

mod data;
