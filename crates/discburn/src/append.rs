//! Appending a session: the IMAPI2 multisession flow ("Creating a multisession disc":
//! IDiscFormat2Data::get_MultisessionInterfaces, IFileSystemImage::
//! put_MultisessionInterfaces + ImportFileSystem, the caller's changes,
//! CreateResultImage, IDiscFormat2Data::Write) as one operation that owns the medium.
//!
//! ```no_run
//! use std::ops::ControlFlow;
//! use discburn::append::{AppendOptions, AppendSession};
//! use discburn::image::Timestamp;
//!
//! # fn main() -> Result<(), discburn::Error> {
//! let mut session = AppendSession::open("/dev/sr0")?;
//! session.image_mut().set_timestamp(Timestamp { unix_seconds: 1_700_000_000, utc_offset_minutes: 0 });
//! session.add_graft("/home/me/photos".as_ref(), Some("/photos"))?; // imports the last session first
//! session.remove("/photos/old.jpg")?;
//! let report = session.write(&AppendOptions::default(), |_| ControlFlow::Continue(()))?;
//! println!("session {} at LBA {}: {} blocks", report.session, report.start_lba, report.blocks_written);
//! # Ok(())
//! # }
//! ```
//!
//! The mechanism is one of the objects the medium offers
//! ([`AppendSession::multisession_interfaces`]): the caller may mark one in use
//! (IMultisession::put_InUse); otherwise the file-system image chooses the first it
//! supports and marks it (IMAPI2 IFileSystemImage::put_MultisessionInterfaces). A
//! mechanism the image does not support is refused
//! (IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE), never written another way.

use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;

use discburn_image::{
    FileSystemImage, FileSystems, ImageError, IsoLevel, Multisession, SessionPlacement,
};
use discburn_reader::sessions::list_sessions;
use discburn_writer::{DiscFormat2Data, DiscFormat2DataEventArgs, MediaState, WriterControl};

use crate::{Disc, Error};

/// Options of [`AppendSession::write`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct AppendOptions {
    /// Close (finalize) the disc after this session, so no more sessions can be added
    /// (IDiscFormat2Data::put_ForceMediaToBeClosed; on DVD+R also
    /// DisableConsumerDvdCompatibilityMode = FALSE). Otherwise the disc stays
    /// appendable (DVD+R: DisableConsumerDvdCompatibilityMode = TRUE). Refused on
    /// overwritable media and image files, which have no closed state.
    pub close: bool,
    /// Write even over data on an image file, block device or overwritable disc that is
    /// neither blank nor a disc image we can append to (IDiscFormat2Data::
    /// put_ForceOverwrite); that data is destroyed. Off: such a target is refused before
    /// any block is written.
    pub force_overwrite: bool,
}

impl AppendOptions {
    /// The defaults: the disc stays appendable.
    pub fn new() -> AppendOptions {
        AppendOptions::default()
    }

    /// With `close` set (see [`AppendOptions::close`]).
    pub fn close(mut self, close: bool) -> AppendOptions {
        self.close = close;
        self
    }

    /// With `force_overwrite` set (see [`AppendOptions::force_overwrite`]).
    pub fn force_overwrite(mut self, force: bool) -> AppendOptions {
        self.force_overwrite = force;
        self
    }
}

/// What an append did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AppendReport {
    /// The recorder's unique ID (its path).
    pub device: String,
    /// The number of the new session (1-based), as the session history lists it.
    pub session: u32,
    /// LBA of the first block of the session (IFileSystemImage::SessionStartBlock).
    pub start_lba: u32,
    /// Blocks (2048 bytes) of the session's image (IFileSystemImageResult::TotalBlocks);
    /// on overwritable media the 32-block head at LBA 0 is written too.
    pub blocks_written: u64,
    /// Files (non-directories) added or replaced.
    pub files_added: usize,
    /// Files of the previous session kept in the new one.
    pub files_kept: usize,
    /// Files of the previous session hidden by removals (their data stays on the disc).
    pub files_hidden: usize,
    /// Sectors free for later sessions (0 once closed).
    pub free_sectors: u64,
    /// The IMAPI2 class name of the multisession mechanism used, e.g.
    /// `MsftMultisessionSequential`.
    pub mechanism: String,
    /// The disc is closed (finalized) now.
    pub closed: bool,
    /// IDiscFormat2Data::get_CurrentMediaStatus after the write.
    pub media_status: MediaState,
    /// Set when the last session held no readable UDF VAT (a session interrupted and
    /// closed by repair, or a damaged VAT) and the new session continues the UDF volume
    /// of an earlier session instead: that session's start LBA. The files of the
    /// sessions after it are not in the new tree; their blocks stay on the disc.
    pub continued_vat_of_session_at: Option<u64>,
}

/// One session being appended to the medium in a recorder: the data writer, the
/// mechanisms the medium offers, and the file-system image of the new session.
#[derive(Debug)]
pub struct AppendSession {
    device: String,
    writer: DiscFormat2Data,
    mechanisms: Vec<Arc<dyn Multisession>>,
    image: FileSystemImage,
    blank: bool,
    prepared: bool,
    imported_files: usize,
    files_added: usize,
    files_hidden: usize,
    changed: bool,
    continued_vat_of_session_at: Option<u64>,
}

/// The client name the append takes exclusive access under (IDiscFormat2Data::
/// put_ClientName).
pub const CLIENT_NAME: &str = "discburn";

impl AppendSession {
    /// Opens the recorder at `path` (a real drive, an emulated disc, an image file or a
    /// block device; an image file that does not exist yet is created blank) and checks
    /// that a session can be appended: the recorder writes data discs
    /// (IDiscFormat2Data::IsRecorderSupported), the medium is supported
    /// (IsCurrentMediaSupported), not closed, not write-protected, has no incomplete
    /// session and needs no erase (CurrentMediaStatus). The image starts with ISO 9660 +
    /// Joliet + Rock Ridge at interchange level 3.
    ///
    /// # Errors
    /// [`Error::Recorder`] (cannot open, locked), [`Error::Writer`]
    /// (E_IMAPI_DF2DATA_RECORDER_NOT_SUPPORTED, E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED,
    /// device errors), [`Error::Finalized`], [`Error::MediaState`].
    pub fn open(path: impl AsRef<Path>) -> Result<AppendSession, Error> {
        let rec = discburn_recorder::DiscRecorder::open(path.as_ref())?;
        AppendSession::from_disc(Disc::open_recorder(rec)?)
    }

    /// As [`AppendSession::open`] on an opened [`Disc`].
    ///
    /// # Errors
    /// As [`AppendSession::open`].
    pub fn from_disc(disc: Disc) -> Result<AppendSession, Error> {
        let device = disc.device().to_string();
        let writer = disc.into_writer();
        writer.set_client_name(CLIENT_NAME)?;
        // Exclusive access for the whole append (IDiscRecorder2::AcquireExclusiveAccess;
        // the writer's own is counted inside it), so a second client learns at once that
        // the recorder is in use, and by whom. Released when the write ends or the
        // recorder is dropped.
        writer
            .recorder()?
            .acquire_exclusive_access(false, CLIENT_NAME)?;
        {
            let mut rec = writer.recorder()?;
            if !writer.is_recorder_supported(&mut rec)? {
                return Err(discburn_writer::WriterError::RecorderNotSupported { device }.into());
            }
            if !writer.is_current_media_supported(&mut rec)? {
                let profile = rec.current_profile()?;
                return Err(
                    discburn_writer::WriterError::MediaNotSupported { device, profile }.into(),
                );
            }
        }
        let state = writer.current_media_status()?;
        if state.contains(MediaState::FINALIZED) {
            return Err(Error::Finalized { device, state });
        }
        if state.intersects(MediaState::UNSUPPORTED_MASK) {
            let reason = if state.contains(MediaState::NON_EMPTY_SESSION) {
                "the last session is incomplete (an interrupted burn?); no session can be added after it until it is closed"
            } else if state.contains(MediaState::WRITE_PROTECTED) {
                "the disc is write-protected"
            } else if state.contains(MediaState::ERASE_REQUIRED) {
                "the disc must be erased first"
            } else {
                "the disc is damaged or not supported"
            };
            return Err(Error::MediaState {
                device,
                state,
                reason,
            });
        }
        let blank = writer.media_heuristically_blank()?;
        let mechanisms = writer.multisession_interfaces()?;
        let mut image = FileSystemImage::new();
        image.set_file_systems_to_create(
            FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::ROCK_RIDGE,
        );
        image.set_iso_level(IsoLevel::Level3);
        Ok(AppendSession {
            device,
            writer,
            mechanisms,
            image,
            blank,
            prepared: false,
            imported_files: 0,
            files_added: 0,
            files_hidden: 0,
            changed: false,
            continued_vat_of_session_at: None,
        })
    }

    /// The recorder's unique ID (its path).
    pub fn device(&self) -> &str {
        &self.device
    }

    /// The data writer (IDiscFormat2Data), for its configuration (write speed, …) and
    /// media getters.
    pub fn writer(&self) -> &DiscFormat2Data {
        &self.writer
    }

    /// A handle to cancel the write from another thread (IDiscFormat2Data::CancelWrite).
    pub fn control(&self) -> WriterControl {
        self.writer.control()
    }

    /// The medium holds no session yet (IDiscFormat2Data::get_MediaHeuristicallyBlank).
    pub fn is_blank(&self) -> bool {
        self.blank
    }

    /// The mechanisms the medium offers (IDiscFormat2Data::get_MultisessionInterfaces).
    /// Mark one in use ([`Multisession::set_in_use`]) before the first change to choose
    /// it; otherwise the image chooses.
    pub fn multisession_interfaces(&self) -> &[Arc<dyn Multisession>] {
        &self.mechanisms
    }

    /// The file-system image of the new session.
    pub fn image(&self) -> &FileSystemImage {
        &self.image
    }

    /// The file-system image, to set its options (timestamp, file systems, volume name,
    /// …). Options that an import fixes (file systems, session start block) must be set
    /// before the first change; items added here directly are not counted in the report.
    pub fn image_mut(&mut self) -> &mut FileSystemImage {
        &mut self.image
    }

    /// The mechanism the session is recorded with, once chosen.
    pub fn mechanism_in_use(&self) -> Option<&Arc<dyn Multisession>> {
        self.mechanisms.iter().find(|m| m.in_use())
    }

    /// Chooses the mechanism and imports the last session (once; the changes call it
    /// first). On a blank medium nothing is imported: the session is placed where the
    /// mechanism says (LBA 0 on sequential media, LBA 32 after the head on overwritable
    /// media). Otherwise the mechanisms go to the image (put_MultisessionInterfaces),
    /// which chooses and marks one, and the last session is imported from the medium
    /// (ImportFileSystem), keeping its volume name unless one was set. Returns the file
    /// system imported.
    ///
    /// # Errors
    /// [`Error::Image`]: IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE (no mechanism supported
    /// by the medium and the image, or the one in use is not),
    /// IMAPI_E_INCOMPATIBLE_MULTISESSION_TYPE (several in use), import errors;
    /// [`Error::Writer`] (device errors).
    pub fn import_last_session(&mut self) -> Result<Option<FileSystems>, Error> {
        if self.prepared {
            return Ok(None);
        }
        let used = if self.blank {
            let in_use: Vec<&Arc<dyn Multisession>> =
                self.mechanisms.iter().filter(|m| m.in_use()).collect();
            let m = match in_use.as_slice() {
                [] => &self.mechanisms[0],
                [m] => *m,
                several => {
                    return Err(ImageError::IncompatibleMultisessionType {
                        in_use: several.len(),
                    }
                    .into());
                }
            };
            let placement =
                m.session_placement()
                    .ok_or(ImageError::NoCompatibleMultisessionType {
                        reason: "the mechanism in use is not supported by the file-system image",
                    })?;
            m.set_in_use(true);
            self.image.set_session_placement(placement);
            None
        } else {
            let had_name = self.image.has_volume_name();
            self.image
                .set_multisession_interfaces(self.mechanisms.clone())?;
            let mut media = self.writer.media_source()?;
            if matches!(
                self.image.session_placement(),
                Some(SessionPlacement::Overwrite { .. })
            ) && discburn_writer::headless_first_session(&mut *media).unwrap_or(false)
            {
                return Err(Error::InterruptedFirstSession {
                    device: self.device.clone(),
                });
            }
            let mut result = self.image.import_file_system(&mut *media);
            drop(media);
            if let Err(e) = &result
                && !matches!(
                    self.image.session_placement(),
                    Some(SessionPlacement::Overwrite { .. })
                )
                && crate::vat_fallback::may_fall_back(e)
                && let Some((used, start)) =
                    crate::vat_fallback::import_previous_vat(&self.writer, &mut self.image)?
            {
                self.continued_vat_of_session_at = Some(start);
                result = Ok(used);
            }
            match result {
                Ok(used) => {
                    if !had_name
                        && let Some(name) = self.image.imported_volume_name()
                        && !name.is_empty()
                    {
                        let name = name.to_string();
                        let _ = self.image.set_volume_name(&name);
                    }
                    Some(used)
                }
                // Overwritable media (an image file, a block device) that are not blank
                // but hold no session: nothing to import, the session goes after the
                // head as on blank media. Whether the data there may be written over is
                // the data writer's ownership check, before any WRITE.
                Err(ImageError::EmptyDisc | ImageError::NoCompatibleMultisessionType { .. })
                    if matches!(
                        self.image.session_placement(),
                        Some(SessionPlacement::Overwrite { .. })
                    ) =>
                {
                    None
                }
                Err(e) => return Err(e.into()),
            }
        };
        self.prepared = true;
        self.imported_files = self.image.file_count();
        Ok(used)
    }

    /// Adds host path `host` as `mkisofs` grafts `SRC[=DEST]` (see
    /// [`FileSystemImage::add_graft`]). Returns the number of files added or replaced.
    ///
    /// # Errors
    /// Those of [`AppendSession::import_last_session`] and
    /// [`FileSystemImage::add_graft`].
    pub fn add_graft(&mut self, host: &Path, dest: Option<&str>) -> Result<usize, Error> {
        self.import_last_session()?;
        let n = self.image.add_graft(host, dest)?;
        self.files_added += n;
        self.changed = true;
        Ok(n)
    }

    /// Adds the contents of host directory `host_dir` into `dest_dir` (IFsiDirectoryItem::
    /// AddTree with includeBaseDirectory = FALSE). Returns the number of files added.
    ///
    /// # Errors
    /// Those of [`AppendSession::import_last_session`] and [`FileSystemImage::add_tree`].
    pub fn add_tree(&mut self, host_dir: &Path, dest_dir: &str) -> Result<usize, Error> {
        self.import_last_session()?;
        let n = self.image.add_tree(host_dir, dest_dir)?;
        self.files_added += n;
        self.changed = true;
        Ok(n)
    }

    /// Adds host file `host_file` at `dest_path` (IFsiDirectoryItem::AddFile).
    ///
    /// # Errors
    /// Those of [`AppendSession::import_last_session`] and [`FileSystemImage::add_file`].
    pub fn add_file(&mut self, dest_path: &str, host_file: &Path) -> Result<(), Error> {
        self.import_last_session()?;
        self.image.add_file(dest_path, host_file)?;
        self.files_added += 1;
        self.changed = true;
        Ok(())
    }

    /// Adds a file holding `bytes` at `dest_path`.
    ///
    /// # Errors
    /// Those of [`AppendSession::import_last_session`] and [`FileSystemImage::add_bytes`].
    pub fn add_bytes(&mut self, dest_path: &str, bytes: Vec<u8>) -> Result<(), Error> {
        self.import_last_session()?;
        self.image.add_bytes(dest_path, bytes)?;
        self.files_added += 1;
        self.changed = true;
        Ok(())
    }

    /// Hides `path` (a file, or a directory with everything below it) of the previous
    /// session in the new one (IFsiDirectoryItem::Remove / RemoveTree); its data stays
    /// on the disc and earlier sessions still list it. A relative path is taken from
    /// the root.
    ///
    /// # Errors
    /// Those of [`AppendSession::import_last_session`]; [`Error::Image`]
    /// (IMAPI_E_ITEM_NOT_FOUND, IMAPI_E_INVALID_PATH for the root).
    pub fn remove(&mut self, path: &str) -> Result<(), Error> {
        self.import_last_session()?;
        let path = if path.starts_with('/') {
            path.to_string()
        } else {
            format!("/{path}")
        };
        let before = self.image.file_count();
        match self.image.remove_tree(&path) {
            Ok(()) => {}
            Err(ImageError::NotADirectory { .. }) => self.image.remove(&path)?,
            Err(e) => return Err(e.into()),
        }
        self.files_hidden += before - self.image.file_count();
        self.changed = true;
        Ok(())
    }

    /// Lays the session out and records it with the mechanism in use
    /// (IFileSystemImage::CreateResultImage, IDiscFormat2Data::Write), calling
    /// `progress` with each IDiscFormat2DataEventArgs (returning `Break` cancels, as
    /// CancelWrite does; so does [`AppendSession::control`]). On sequential media the
    /// session is closed and the disc stays appendable unless `options.close`; on
    /// overwritable media the session and then the head at LBA 0 are written.
    ///
    /// # Errors
    /// [`Error::NothingToWrite`] when nothing was added or removed; [`Error::ImageTooBig`];
    /// [`Error::MediaState`] for `close` on overwritable media; [`Error::Image`] (layout
    /// and source errors); [`Error::Writer`] (E_IMAPI_REQUEST_CANCELLED, device errors,
    /// IMAPI_E_DISC_MISMATCH when the medium changed since the import,
    /// E_IMAPI_DF2DATA_MEDIA_NOT_BLANK when the target holds foreign data and
    /// `force_overwrite` is off); [`Error::SourcesChanged`] when the session was
    /// recorded but a source changed or could not be read while it was (checked
    /// before anything is written: a source that is missing, unreadable or changed
    /// since it was added is [`Error::Image`] with [`ImageError::SourceRead`],
    /// [`ImageError::SourceChangedSize`] or [`ImageError::SourceModified`], and
    /// nothing is written).
    pub fn write(
        mut self,
        options: &AppendOptions,
        progress: impl FnMut(&DiscFormat2DataEventArgs) -> ControlFlow<()>,
    ) -> Result<AppendReport, Error> {
        self.import_last_session()?;
        if !self.changed {
            return Err(Error::NothingToWrite);
        }
        let overwrite = matches!(
            self.image.session_placement(),
            Some(SessionPlacement::Overwrite { .. })
        );
        if options.close && overwrite {
            return Err(Error::MediaState {
                device: self.device.clone(),
                state: self.writer.current_media_status()?,
                reason: "overwritable media and image files cannot be closed; every later session can be added (burn without --close)",
            });
        }
        let kept = self.image.file_count().saturating_sub(self.files_added);
        self.image.set_closing_session(options.close);
        let mut result = self.image.create_result_image().map_err(|e| match e {
            ImageError::ExceedsFreeMediaBlocks { needed, free } => Error::ImageTooBig {
                needed,
                free: u64::from(free),
            },
            e => e.into(),
        })?;
        // Every source is opened and compared with what was added before the medium
        // is touched; once it is, a source that changes is recorded as read and listed
        // (the session is completed rather than left interrupted).
        result.check_sources()?;
        let source_changes = result.record_source_changes();
        let start_lba = result.session_start_block();
        let blocks = result.total_blocks();
        let mechanism = self
            .mechanism_in_use()
            .map(|m| m.class_name().to_string())
            .unwrap_or_default();

        self.writer.set_force_media_to_be_closed(options.close)?;
        // A UDF session with a VAT ends with the VAT ICB, which readers take from the
        // last recorded block (UDF 2.60 2.2.11): no CD post-gap after it.
        if self.image.options().udf_vat.is_some() {
            self.writer.set_postgap_already_in_image(true)?;
        }
        self.writer.set_force_overwrite(options.force_overwrite)?;
        // DVD+R: only the session is closed, the disc stays appendable (IMAPI2
        // IDiscFormat2Data::put_DisableConsumerDvdCompatibilityMode).
        self.writer
            .set_disable_consumer_dvd_compatibility_mode(!options.close)?;
        let written = if overwrite {
            let mut s = result.into_random_write_stream()?;
            self.writer.write_with_progress(&mut s, progress)
        } else {
            let mut r = result;
            self.writer.write_with_progress(&mut r, progress)
        };
        if let Ok(mut rec) = self.writer.recorder() {
            let _ = rec.release_exclusive_access();
        }
        written?;

        let media_status = self.writer.current_media_status()?;
        let closed = media_status.contains(MediaState::FINALIZED);
        let (session, free_sectors) = if overwrite {
            let total = u64::try_from(self.writer.total_sectors_on_media()?.max(0)).unwrap_or(0);
            let mut src = self.writer.media_source()?;
            let list = list_sessions(&mut *src)?;
            let end = list.next_session_start().max(u64::from(start_lba) + blocks);
            // The session chain is ISO 9660's; UDF volumes alone follow one another.
            let n = if list.sessions.is_empty() {
                discburn_reader::UdfVolume::generations(
                    &mut *src,
                    &discburn_reader::ReadOptions::default(),
                )?
                .len() as u32
            } else {
                list.sessions.len() as u32
            };
            let n = n.max(1);
            (n, total.saturating_sub(end))
        } else {
            let free = if closed {
                0
            } else {
                u64::try_from(self.writer.free_sectors_on_media()?.max(0)).unwrap_or(0)
            };
            let n = self
                .writer
                .recorder()?
                .disc_information()?
                .complete_sessions();
            (u32::from(n), free)
        };
        let report = AppendReport {
            device: self.device,
            session,
            start_lba,
            blocks_written: blocks,
            files_added: self.files_added,
            files_kept: kept,
            files_hidden: self.files_hidden,
            free_sectors,
            mechanism,
            closed,
            media_status,
            continued_vat_of_session_at: self.continued_vat_of_session_at,
        };
        let changes = source_changes.list();
        if !changes.is_empty() {
            return Err(Error::SourcesChanged {
                report: Box::new(report),
                changes,
            });
        }
        Ok(report)
    }
}
