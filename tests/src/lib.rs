//! Helpers shared by the workspace-level tests: spawning servers on real sockets, reading SSE.
