//! Raw on-disc structures of the data-disc file systems, each in a module named after
//! its standard: ECMA-119 (ISO 9660), Joliet, SUSP/RRIP (Rock Ridge), El Torito and
//! ECMA-167/UDF. Fixed-size descriptors are `#[repr(C)]` zerocopy structs; variable-length
//! records go through a cursor codec. No I/O.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
