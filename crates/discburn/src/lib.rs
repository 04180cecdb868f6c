//! discburn: master and record multisession data discs on Linux, with an API shaped like
//! Windows IMAPI2 (IDiscMaster2, IDiscRecorder2, IDiscFormat2Data, IMultisession,
//! IFileSystemImage). This crate holds the library operations, one per job ([`append`]
//! a session, read a [`disc`]), and re-exports the layers.
//!
//! | layer | crate | IMAPI2 counterpart |
//! |---|---|---|
//! | [`format`](mod@format) | raw ECMA-119 / Joliet / SUSP / RRIP structures | — |
//! | [`reader`] | hostile-input-safe reader of one session, session discovery | (import side of IFileSystemImage) |
//! | [`image`] | tree, import, layout, streamed result | IFileSystemImage, IFsiDirectoryItem, IFileSystemImageResult |
//! | [`mmc`] | CDB builders, reply parsers, sense, `Transport`, `Drive` | (IDiscRecorder2Ex raw commands) |
//! | [`sgio`] | Linux SG_IO transport | — |
//! | [`emu`] | emulated recorder (every media class), image files as media | — |
//! | [`recorder`] | recorders | IDiscMaster2, IDiscRecorder2, IDiscRecorder2Ex |
//! | [`writer`] | data writer, multisession mechanisms | IDiscFormat2Data, IMultisession* |
//!
//! # The IMAPI2 multisession flow (imapi2.md §16.1)
//!
//! Two sessions on an emulated BD-R; the second imports the first and keeps its files.
//!
//! ```
//! use discburn::emu::{create_disc, MediaType};
//! use discburn::image::{FileSystemImage, Timestamp};
//! use discburn::recorder::DiscRecorder;
//! use discburn::writer::DiscFormat2Data;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let disc = dir.path().join("disc.bdr");
//! create_disc(&disc, MediaType::BdR, None)?;
//! for session in 1..=2 {
//!     let recorder = DiscRecorder::open(&disc)?; // IDiscRecorder2::InitializeDiscRecorder
//!     let writer = DiscFormat2Data::new(); // MsftDiscFormat2Data
//!     writer.set_client_name("example")?;
//!     writer.set_recorder(recorder)?;
//!     let mut image = FileSystemImage::new(); // MsftFileSystemImage
//!     image.set_timestamp(Timestamp { unix_seconds: 1_700_000_000, utc_offset_minutes: 0 });
//!     if !writer.media_heuristically_blank()? {
//!         // put_MultisessionInterfaces + ImportFileSystem: SessionStartBlock = NWA
//!         image.set_multisession_interfaces(writer.multisession_interfaces()?)?;
//!         image.import_file_system(&mut *writer.media_source()?)?;
//!     }
//!     image.add_bytes(&format!("/session{session}.txt"), b"hello".to_vec())?;
//!     let mut result = image.create_result_image()?; // IFileSystemImageResult
//!     writer.write(&mut result)?; // IDiscFormat2Data::Write: a new session at the NWA
//! }
//! // The last session (read from the disc's sector image) lists both files.
//! let writer = DiscFormat2Data::new();
//! writer.set_recorder(DiscRecorder::open(&disc)?)?;
//! let start = writer.start_address_of_previous_session()?;
//! assert!(start > 0);
//! let mut src = discburn::reader::FileSource::open(&disc)?;
//! let volume = discburn::reader::Volume::open(&mut src, start as u64, &Default::default())?;
//! let tree = volume.read_tree(&mut src, discburn::reader::View::Joliet)?;
//! assert!(tree.find("/session1.txt").is_some() && tree.find("/session2.txt").is_some());
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod append;
pub mod disc;
pub mod dump;
mod error;
pub mod rollback;
mod vat_fallback;
pub mod verify;

pub use append::{AppendOptions, AppendReport, AppendSession};
pub use disc::{Disc, SessionBoot, SessionInfo};
pub use dump::DumpReport;
pub use error::Error;
pub use rollback::RollbackReport;
pub use verify::{BurnVerificationLevel, FileProblem, TagCheck, VerifyReport};

pub use discburn_emu as emu;
pub use discburn_format as format;
pub use discburn_image as image;
pub use discburn_mmc as mmc;
pub use discburn_reader as reader;
pub use discburn_recorder as recorder;
pub use discburn_sgio as sgio;
pub use discburn_writer as writer;
