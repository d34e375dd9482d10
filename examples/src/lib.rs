//! What the examples share: command-line options and serving helpers.
