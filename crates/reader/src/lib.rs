//! Readers of the file systems of one session, at any start block (sbsector): ECMA-119,
//! Joliet and SUSP/Rock Ridge. Every length and extent is checked against the media size;
//! directory cycles are detected; depth, entry counts and memory are bounded.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
