//! MMC command layer for discburn: pure CDB builders and reply parsers (sans-I/O),
//! decoded sense data, the [`Transport`] trait that is the only door to I/O, and the
//! drive layer above it that owns retries and timeouts.
//!
//! Source: MMC-6 (T10/1836-D), SPC-4; the byte layouts used here are collected in
//! `shared/reference/mmc.md`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod transport;

pub use transport::{Completion, Data, DataDirection, Transport, TransportError};
