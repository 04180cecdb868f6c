//! Test support shared by the suites: generated trees and independent oracle readers.
//!
//! * [`generate`]: tree generators writing real directories with seeded contents, each
//!   returning the [`tree::Tree`] manifest of what it wrote.
//! * [`oracle`]: runners and output parsers for xorriso, isoinfo, iso-info / iso-read,
//!   bsdtar, 7zz and pycdlib.
//! * [`compare`]: comparison of a reader's listing with a manifest within the limits of the
//!   view (Rock Ridge, Joliet, ECMA-119).
//! * [`check`]: runs every applicable reader on an image and asserts they all agree with
//!   the manifest.
//! * [`sessions`]: every reader on every session of a multisession medium.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod check;
pub mod compare;
pub mod generate;
pub mod oracle;
pub mod sessions;
pub mod tree;
