//! Readers of the file systems of one session, at any start block (sbsector): ECMA-119,
//! Joliet and SUSP/Rock Ridge; session discovery on image files and random-write media.
//! Every length and extent is checked against the media size; directory cycles are
//! detected; depth, entry counts and memory are bounded.
//!
//! | part | standard | coverage |
//! |---|---|---|
//! | [`SectorSource`] | – | 2048-byte sectors from memory, files, any `Read + Seek`; [`Displaced`] slices |
//! | [`Volume::open`] | ECMA-119 8, Joliet, El Torito 2.0, ECMA-167 2/9 | PVD, Joliet SVD (escape sequences), boot record, terminator; UDF recognition sequence + anchor detected, not read |
//! | [`Volume::read_tree`] | ECMA-119 6.8, 9.1, 6.5.1 | directory hierarchy, multi-extent files, hidden/associated flags, extended attribute records skipped; interleaved files refused |
//! | Rock Ridge | SUSP 1.12, RRIP 1.10/1.12 | SP (LEN_SKP), CE (bounded, loops detected), ER, NM and SL continuation, PX (1.10/1.12), PN, TF (short and long form), CL/PL/RE (relocation undone) |
//! | [`read_boot_catalog`] | El Torito 1.0 2.0–2.5 | boot catalog: validation entry (checksum), initial/default entry, sections, extensions skipped; bounded to 32 sectors |
//! | [`read_path_table`] | ECMA-119 9.4 | type L and M, checked against the directory tree |
//! | [`sessions`] | xorriso/growisofs emulated TOC, superblock scan | session list, find data past a block |
//! | [`udf::UdfVolume`] | ECMA-167 3rd ed. parts 3/4, OSTA UDF 1.02–2.60 | anchors, both VDS copies, type 1, virtual (VAT 1.50/2.00) and metadata partitions, FE/EFE, short/long/embedded allocation and continuation, 8/16-bit names, symlinks, POSIX attributes, hard links |
//! | [`identify_medium`] | ECMA-119 8, ECMA-167 2/8.3, format magic numbers | blank, ISO 9660 sessions, or foreign data (bounded reads) |
//!
//! Reading a session:
//! ```no_run
//! use discburn_reader::{FileSource, ReadOptions, Volume};
//! let mut src = FileSource::open("disc.iso")?;
//! let vol = Volume::open(&mut src, 0, &ReadOptions::default())?;
//! let tree = vol.read_tree(&mut src, vol.default_view())?;
//! for (path, node) in tree.walk() {
//!     println!("{path} {:?} {} bytes", node.kind(), node.size());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod boot;
mod error;
pub mod fuzzing;
pub mod identify;
mod pathtable;
mod record;
mod rr;
pub mod sessions;
mod source;
mod tree;
pub mod udf;
mod volume;
mod walk;

pub use boot::{BootCatalogEntry, ElTorito, read_boot_catalog};
pub use error::{Limit, Place, ReadError};
pub use identify::{Foreign, MediumContent, identify_medium};
pub use pathtable::{PathTableEntry, read_path_table, validate_path_table};
pub use source::{Displaced, FileSource, ReadSeekSource, SECTOR_SIZE, SectorSource};
pub use tree::{
    DataPiece, Extent, Md5Area, Node, NodeId, NodeKind, RockRidge, RrTimes, Tree, UdfIcb, View,
};
pub use udf::{UdfGeneration, UdfVolume, VirtualAllocationTable};
pub use volume::{FileSystems, ReadOptions, RockRidgeInfo, UdfInfo, Volume, VolumeInfo, identify};
