//! Benchmarks of `datastar-runtime`; the code is in `benches/` (run `cargo bench -p datastar-bench`).
//! See `BENCHMARKS.md` at the root of the workspace for the results and how they were obtained.
