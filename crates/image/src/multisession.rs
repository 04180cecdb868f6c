//! The multisession mechanisms as the file-system image sees them (IMAPI2 IMultisession,
//! IMultisessionSequential(2), IMultisessionRandomWrite; IFileSystemImage::
//! put_MultisessionInterfaces), and the result prepared for random-write media.
//!
//! The traits are defined here, below the data writer, so that the image stays a pure
//! layout over a [`SectorSource`]: the data writer (crate `discburn-writer`) implements
//! them for the mechanisms a medium offers, and a new mechanism (BD-R Pseudo-Overwrite,
//! a test double) implements them too, without any change to the image (MS-18).
//!
//! The image supports a mechanism when it can say where and how a session is placed
//! with it: [`Multisession::session_placement`]. Any mechanism that does not describe a
//! [`SessionPlacement`] is refused with IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE, never
//! taken down another path.

use std::any::Any;
use std::fmt::Debug;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Arc;

use discburn_reader::SectorSource;

use crate::emit::RANDOM_WRITE_HEAD_BLOCKS;
use crate::{ImageError, ImageResult};

/// An error of a multisession mechanism's getter, with the IMAPI2 HRESULT it stands for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MultisessionError {
    /// The media cannot take a session in its state, e.g. a closed disc has no next
    /// writable address (E_IMAPI_DF2DATA_INVALID_MEDIA_STATE 0xC0AA0402).
    #[error("{device}: {reason} (E_IMAPI_DF2DATA_INVALID_MEDIA_STATE)")]
    InvalidMediaState {
        /// The recorder's unique ID (its path).
        device: String,
        /// Why, in plain words.
        reason: String,
    },
    /// The drive cannot report the value (E_NOTIMPL 0x80004001), e.g.
    /// IMultisessionRandomWrite::get_LastWrittenAddress without LRA_V (MMC-6 6.27).
    #[error("{device}: {reason} (E_NOTIMPL)")]
    NotImplemented {
        /// The recorder's unique ID.
        device: String,
        /// What cannot be reported.
        reason: String,
    },
    /// A device or recorder error while opening or reading the import recorder.
    #[error("{message} ({imapi_name})")]
    Device {
        /// The IMAPI2 name of the error, e.g. "E_IMAPI_RECORDER_MEDIA_NO_MEDIA".
        imapi_name: &'static str,
        /// Its HRESULT.
        hresult: u32,
        /// The cause.
        message: String,
    },
}

impl MultisessionError {
    /// The HRESULT this error stands for.
    pub fn hresult(&self) -> u32 {
        match self {
            MultisessionError::InvalidMediaState { .. } => 0xC0AA_0402,
            MultisessionError::NotImplemented { .. } => 0x8000_4001,
            MultisessionError::Device { hresult, .. } => *hresult,
        }
    }

    /// The IMAPI2 name of the error.
    pub fn imapi_name(&self) -> &'static str {
        match self {
            MultisessionError::InvalidMediaState { .. } => "E_IMAPI_DF2DATA_INVALID_MEDIA_STATE",
            MultisessionError::NotImplemented { .. } => "E_NOTIMPL",
            MultisessionError::Device { imapi_name, .. } => imapi_name,
        }
    }
}

/// How a session is placed on the medium with a mechanism: what the file-system image
/// needs to lay out the session and what the data writer does with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionPlacement {
    /// Physical sessions recorded one after the other (IMultisessionSequential): the new
    /// session starts at `next_writable_address`, no block before it is written again,
    /// and the Volume Space Size counts from LBA 0 ([`crate::VolumeSpaceSize::Absolute`];
    /// ECMA-119 8.4.8 read with absolute extents, as Linux isofs checks them).
    Sequential {
        /// IMultisessionSequential::get_NextWritableAddress (LBA; 0 on blank media).
        next_writable_address: u32,
        /// IMultisessionSequential::get_FreeSectorsOnMedia (sectors).
        free_sectors: u32,
    },
    /// Logical sessions on overwritable media (IMultisessionRandomWrite; BD-R
    /// Pseudo-Overwrite): the new session follows the last recorded one (rounded up to
    /// 32 blocks; LBA 32 on blank media), then the 32-block head at LBA 0 is written
    /// again with the new volume descriptors; each session's Volume Space Size is
    /// session-local ([`crate::VolumeSpaceSize::SessionLocal`]).
    Overwrite {
        /// Sectors the medium holds (IMultisessionRandomWrite::get_TotalSectorsOnMedia).
        total_sectors: u32,
        /// The drive's last recorded address when it reports one (bounds the scan for
        /// recorded sessions; IMultisessionRandomWrite::get_LastWrittenAddress).
        last_written_address: Option<u32>,
        /// BD-R Pseudo-Overwrite (MMC-6 4.5.3.5): the next writable address of the open
        /// track (LBA), `None` on truly overwritable media. The head's rewrite is
        /// recorded as a replacement cluster at the NWA, so the session starts at the
        /// NWA (LBA 32 when it is 0) and its Volume Space Size covers, after its data
        /// rounded up to 32 blocks, the 32-block cluster that will hold the head's
        /// replacement: the session chain then leads from one session to the next.
        next_writable_address: Option<u32>,
        /// BD-R Pseudo-Overwrite: the start (LBA) of the newest session when it was
        /// recorded with the Sequential mechanism after the session chain (the head
        /// does not show it); the image imports it instead of the chain's last
        /// session. `None` otherwise.
        previous_session: Option<u32>,
    },
}

/// IMAPI2 IMultisession: one way of appending to the media in the recorder, as
/// returned by IDiscFormat2Data::get_MultisessionInterfaces. Objects are shared
/// (`Arc`): marking one in use through any handle is seen through every handle, as with
/// IMAPI2's COM objects.
pub trait Multisession: Debug + Send + Sync + Any {
    /// IMultisession::get_IsSupportedOnCurrentMediaState: this mechanism can append to
    /// the media in its current state (FALSE on closed media, on blank sequential media,
    /// on unformatted overwritable media).
    fn is_supported_on_current_media_state(&self) -> bool;

    /// IMultisession::get_InUse: marked as the mechanism the next operation uses.
    /// FALSE until set (MS-12).
    fn in_use(&self) -> bool;

    /// IMultisession::put_InUse.
    fn set_in_use(&self, in_use: bool);

    /// IMultisession::get_ImportRecorder: the unique ID (path) of the recorder the
    /// previous sessions are read from (MS-13).
    fn import_recorder(&self) -> &str;

    /// The IMAPI2 class name of the mechanism, e.g. `MsftMultisessionSequential`.
    fn class_name(&self) -> &str;

    /// For downcasting to concrete mechanisms.
    fn as_any(&self) -> &dyn Any;

    /// The IMultisessionSequential(2) view, when this is that mechanism.
    fn as_sequential(&self) -> Option<&dyn MultisessionSequential> {
        None
    }

    /// The IMultisessionRandomWrite view, when this is that mechanism.
    fn as_random_write(&self) -> Option<&dyn MultisessionRandomWrite> {
        None
    }

    /// Where and how a session is placed with this mechanism; `None` when the mechanism
    /// has no placement a file-system image knows, and the image then refuses it
    /// (IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE). The default describes the Sequential
    /// and RandomWrite views; a sequential mechanism without a next writable address
    /// (closed media) has none.
    fn session_placement(&self) -> Option<SessionPlacement> {
        if let Some(s) = self.as_sequential() {
            let nwa = u32::try_from(s.next_writable_address().ok()?).ok()?;
            return Some(SessionPlacement::Sequential {
                next_writable_address: nwa,
                free_sectors: u32::try_from(s.free_sectors_on_media()).unwrap_or(0),
            });
        }
        let r = self.as_random_write()?;
        Some(SessionPlacement::Overwrite {
            total_sectors: u32::try_from(r.total_sectors_on_media()).unwrap_or(0),
            last_written_address: r
                .last_written_address()
                .ok()
                .and_then(|l| u32::try_from(l).ok()),
            next_writable_address: None,
            previous_session: None,
        })
    }

    /// The signature of the media and its sessions when this object was made
    /// (IFileSystemImage::CalculateDiscIdentifier reads it); `None` when the mechanism
    /// cannot give one.
    fn disc_identifier(&self) -> Option<&str> {
        None
    }

    /// Opens the media of the ImportRecorder for reading (READ(10), MMC-6 6.15), for
    /// IFileSystemImage::IdentifyFileSystemsOnDisc with a NULL recorder.
    ///
    /// # Errors
    /// [`MultisessionError::Device`] when the recorder cannot be opened or read;
    /// [`MultisessionError::NotImplemented`] (the default) when the mechanism has no
    /// import recorder to open.
    fn open_import_media(&self) -> Result<Box<dyn SectorSource>, MultisessionError> {
        Err(MultisessionError::NotImplemented {
            device: self.import_recorder().to_string(),
            reason: "this mechanism cannot open its import recorder".into(),
        })
    }
}

/// IMAPI2 IMultisessionSequential + IMultisessionSequential2: physical sessions appended
/// sequentially (CD-R/RW, DVD±R, DVD±R DL, DVD-RW sequential, BD-R).
pub trait MultisessionSequential: Multisession {
    /// IsFirstDataSession: the session about to be written is the first data session
    /// (TRUE on blank media and on a CD holding only audio; MS-10).
    fn is_first_data_session(&self) -> bool;
    /// StartAddressOfPreviousSession: LBA of the first sector of the last complete
    /// session; −1 when there is none (MS-07).
    fn start_address_of_previous_session(&self) -> i32;
    /// LastWrittenAddressOfPreviousSession: LBA of the last sector of that session; −1
    /// when there is none.
    fn last_written_address_of_previous_session(&self) -> i32;
    /// NextWritableAddress: LBA where the new session starts (0 on blank media, MS-08).
    ///
    /// # Errors
    /// [`MultisessionError::InvalidMediaState`] on media that cannot be written (closed).
    fn next_writable_address(&self) -> Result<i32, MultisessionError>;
    /// FreeSectorsOnMedia: sectors available for the new session (session overhead such
    /// as the CD post-gap excluded).
    fn free_sectors_on_media(&self) -> i32;
    /// IMultisessionSequential2::get_WriteUnitSize: write unit in sectors (CD 1, DVD 16,
    /// BD 32; MS-14).
    fn write_unit_size(&self) -> i32;
}

/// IMAPI2 IMultisessionRandomWrite: randomly writable media without physical sessions
/// (DVD+RW, DVD-RAM, BD-RE, DVD-RW restricted overwrite, image files and block devices).
pub trait MultisessionRandomWrite: Multisession {
    /// WriteUnitSize: every write starts at a multiple of it and has a length that is a
    /// multiple of it (sectors; MS-15).
    fn write_unit_size(&self) -> i32;
    /// LastWrittenAddress: the drive's last recorded address (LBA).
    ///
    /// # Errors
    /// [`MultisessionError::NotImplemented`] (E_NOTIMPL) when the drive cannot report it
    /// (no LRA_V in READ TRACK INFORMATION, MMC-6 6.27; MS-16).
    fn last_written_address(&self) -> Result<i32, MultisessionError>;
    /// TotalSectorsOnMedia: formatted capacity in sectors (MS-17).
    fn total_sectors_on_media(&self) -> i32;
}

/// The mechanism chosen from a list by IMAPI2's rules for put_MultisessionInterfaces
/// (I-03 … I-06): the one in use if exactly one is, else the first that is supported on
/// the current media and by the image. "Supported by the image" means it has a
/// [`SessionPlacement`].
///
/// # Errors
/// [`ImageError::IncompatibleMultisessionType`] when more than one is in use (I-05);
/// [`ImageError::NoCompatibleMultisessionType`] when none is usable, or the one in use is
/// not supported on the media or by the image (I-06).
pub(crate) fn choose(list: &[Arc<dyn Multisession>]) -> Result<usize, ImageError> {
    let usable = |m: &Arc<dyn Multisession>| {
        m.is_supported_on_current_media_state() && m.session_placement().is_some()
    };
    let in_use: Vec<usize> = (0..list.len()).filter(|&i| list[i].in_use()).collect();
    match in_use.as_slice() {
        [] => list
            .iter()
            .position(usable)
            .ok_or(ImageError::NoCompatibleMultisessionType {
                reason: "no mechanism is supported on the current media and by the file-system image",
            }),
        [i] if !list[*i].is_supported_on_current_media_state() => {
            Err(ImageError::NoCompatibleMultisessionType {
                reason: "the mechanism in use is not supported on the current media",
            })
        }
        [i] if list[*i].session_placement().is_none() => {
            Err(ImageError::NoCompatibleMultisessionType {
                reason: "the mechanism in use is not supported by the file-system image",
            })
        }
        [i] => Ok(*i),
        _ => Err(ImageError::IncompatibleMultisessionType {
            in_use: in_use.len(),
        }),
    }
}

/// A result prepared for random-write media (IFileSystemImageResult2 with
/// ModifiedBlocks, O-24): an image of the medium in LBA space whose block ranges are the
/// session, then the head at LBA 0–31 (written last). Give it to
/// `DiscFormat2Data::write`, which writes exactly those ranges.
#[derive(Debug)]
pub struct RandomWriteStream {
    result: ImageResult,
    head: Vec<u8>,
    /// Position inside the head while serving it; `None` while serving the session.
    head_pos: Option<usize>,
    /// The UDF anchor block at LBA 256 ([`ImageResult::random_write_anchor`]) and the
    /// position inside it while serving it.
    anchor: Option<Vec<u8>>,
    anchor_pos: Option<usize>,
}

impl ImageResult {
    /// IFileSystemImageResult::DiscId: the identifier
    /// ([`crate::FileSystemImage::calculate_disc_identifier`]) of the disc the image was
    /// built against; `None` when the image had no multisession interfaces. The data
    /// writer refuses to record the result on another disc (IMAPI_E_DISC_MISMATCH,
    /// I-28).
    pub fn disc_id(&self) -> Option<&str> {
        self.disc_id.as_deref()
    }

    /// This result as a [`RandomWriteStream`] for random-write media.
    ///
    /// # Errors
    /// See [`ImageResult::random_write_head`].
    pub fn into_random_write_stream(self) -> Result<RandomWriteStream, ImageError> {
        let head = self.random_write_head()?;
        let anchor = self.random_write_anchor()?;
        Ok(RandomWriteStream {
            result: self,
            head,
            head_pos: None,
            anchor,
            anchor_pos: None,
        })
    }
}

impl RandomWriteStream {
    /// IFileSystemImageResult2::ModifiedBlocks: inclusive ranges in write order.
    pub fn modified_blocks(&self) -> Vec<(u32, u32)> {
        self.result.random_write_modified_blocks()
    }
}

impl Read for RandomWriteStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let (Some(p), Some(a)) = (self.anchor_pos, &self.anchor) {
            let n = buf.len().min(a.len() - p);
            buf[..n].copy_from_slice(&a[p..p + n]);
            self.anchor_pos = Some(p + n);
            return Ok(n);
        }
        match self.head_pos {
            Some(p) => {
                let n = buf.len().min(self.head.len() - p);
                buf[..n].copy_from_slice(&self.head[p..p + n]);
                self.head_pos = Some(p + n);
                Ok(n)
            }
            None => self.result.read(buf),
        }
    }
}

impl RandomWriteStream {
    /// The stream's length in blocks: the image of the medium from LBA 0 to the end of
    /// the session.
    pub fn end_block(&self) -> u64 {
        self.result.layout().end_block()
    }

    /// IFileSystemImage::SessionStartBlock of the session.
    pub fn session_start_block(&self) -> u32 {
        self.result.session_start_block()
    }

    /// IFileSystemImageResult::DiscId of the result (see [`ImageResult::disc_id`]).
    pub fn disc_id(&self) -> Option<&str> {
        self.result.disc_id()
    }

    /// Positions the stream at medium block `block`, which must lie in the head (LBA
    /// 0–31) or in the session.
    ///
    /// # Errors
    /// `InvalidInput` for a block between the head and the session; seek errors of the
    /// result.
    pub fn seek_block(&mut self, block: u64) -> io::Result<()> {
        let start = u64::from(self.result.session_start_block());
        self.anchor_pos = None;
        if block == 256 && self.anchor.is_some() {
            self.head_pos = None;
            self.anchor_pos = Some(0);
            Ok(())
        } else if block < u64::from(RANDOM_WRITE_HEAD_BLOCKS) {
            self.head_pos = Some(block as usize * 2048);
            Ok(())
        } else if block >= start {
            self.head_pos = None;
            self.result
                .seek(SeekFrom::Start((block - start) * 2048))
                .map(|_| ())
        } else {
            Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("block {block} is neither in the head nor in the session"),
            ))
        }
    }
}
