//! The data writer (IMAPI2 IDiscFormat2Data) and the multisession mechanisms
//! (IMultisession, IMultisessionSequential, IMultisessionRandomWrite): media state from MMC
//! replies, writing a 2048-byte-sector stream as a new session or as block ranges, the
//! closing rules, progress events and cancellation.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
