//! Recorders (IMAPI2 IDiscMaster2, IDiscRecorder2, IDiscRecorder2Ex): enumeration of real
//! and emulated recorders, identity, profiles and features, media, exclusive access.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
