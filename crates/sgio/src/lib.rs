//! Linux SG_IO transport for optical drives (/dev/srN) and drive enumeration.
//! The only crate with `unsafe` code: the one ioctl call.
#![deny(unsafe_code)]
#![deny(missing_docs)]
