//! errata finds every error text a bank's customers can see and keeps them in one catalog.
//!
//! The pipeline, one module per stage, data flowing one way:
//!
//! ```text
//! rules ─▶ discover ─▶ read ─▶ scan ─▶ extract ─▶ mask ─▶ cluster ─▶ catalog ─▶ audit ─▶ report
//! (YAML)   (walk+glob) (decode) (formats) (client text) (placeholders) (templates) (SQLite) (flags) (json, md…)
//! ```
//!
//! No stage imports a later one; docs/architecture.md lists the stages in order with their
//! imports, and `tests/architecture.rs` holds the code to it.
//!
//! [`harvest`] runs the stages for `errata scan`. Definitions (what catalogs say) and
//! observations (what logs show) are distinct types from `scan` to `report`; see [`model`].
//! The library never prints: only the CLI in the binary does.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod audit;
pub mod catalog;
pub mod charset;
pub mod check;
pub mod cluster;
pub mod discover;
pub mod extract;
pub mod harvest;
pub mod mask;
pub mod model;
pub mod read;
pub mod report;
pub mod rules;
pub mod scan;
pub mod timestamp;
pub mod tracking;
pub mod yaml;
