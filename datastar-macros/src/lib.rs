//! The macros of `datastar-runtime`. Use them through `datastar_runtime`, which re-exports them.
