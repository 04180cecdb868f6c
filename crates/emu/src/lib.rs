//! Emulated MMC recorder: answers the same CDBs as a real drive from a per-profile state
//! machine, with the medium kept as a sparse raw image (sector LBA at byte LBA×2048) and
//! its state beside it. Also the "stdio" targets: regular files and block devices as
//! overwritable media.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
