//! discburn: master and record multisession data discs on Linux, with an API shaped like
//! Windows IMAPI2 (IDiscMaster2, IDiscRecorder2, IDiscFormat2Data, IMultisession,
//! IFileSystemImage). This crate re-exports the layers.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use discburn_emu as emu;
pub use discburn_format as format;
pub use discburn_image as image;
pub use discburn_mmc as mmc;
pub use discburn_reader as reader;
pub use discburn_recorder as recorder;
pub use discburn_sgio as sgio;
pub use discburn_writer as writer;
