//! [`DiscFormat2Data`]: IMAPI2 IDiscFormat2 + IDiscFormat2Data (class
//! MsftDiscFormat2Data) in snake_case (imapi2.md §4, §5).

use std::cell::{RefCell, RefMut};
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use discburn_mmc::cdb::PageControl;
use discburn_mmc::reply::PerformanceDescriptor;
use discburn_mmc::{Profile, SenseKey};
use discburn_recorder::{DiscRecorder, PhysicalMediaType, RecorderError, is_valid_client_name};

use crate::engine::Job;
use crate::error::WriterError;
use crate::error::mmc;
use crate::events::{Clock, DiscFormat2DataEventArgs, SystemClock};
use crate::mechanism::{self, Mechanism};
use crate::media::{self, MediaInfo};
use crate::speed::{self, WriteSpeedDescriptor, WriteSpeedStatus};
use crate::state::{MediaState, WriteProtectState};
use crate::stream::SessionStream;
use discburn_image::Multisession;

/// The configuration properties (imapi2.md §5.1) with IMAPI's defaults (D-01).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Config {
    pub client_name: Option<String>,
    pub buffer_underrun_free_disabled: bool,
    pub postgap_already_in_image: bool,
    pub force_media_to_be_closed: bool,
    pub disable_consumer_dvd_compatibility_mode: bool,
    pub force_overwrite: bool,
    pub requested_write_speed: i32,
    pub requested_rotation_type_is_pure_cav: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            client_name: None,
            buffer_underrun_free_disabled: false,
            postgap_already_in_image: false,
            force_media_to_be_closed: false,
            disable_consumer_dvd_compatibility_mode: false,
            force_overwrite: false,
            requested_write_speed: -1,
            requested_rotation_type_is_pure_cav: false,
        }
    }
}

/// State shared between the writer and its [`WriterControl`] handles.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    config: Mutex<Config>,
    pub writing: AtomicBool,
    pub cancel: AtomicBool,
    /// The mechanisms last handed out by `multisession_interfaces`.
    pub offered: Mutex<Vec<Arc<dyn Mechanism>>>,
}

impl Shared {
    fn config(&self) -> MutexGuard<'_, Config> {
        self.config.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the configuration unless a write runs (D-02). The check and the
    /// change happen under the configuration lock, which a starting write also takes.
    fn update(&self, f: impl FnOnce(&mut Config)) -> Result<(), WriterError> {
        let mut c = self.config();
        if self.writing.load(Ordering::SeqCst) {
            return Err(WriterError::WriteInProgress);
        }
        f(&mut c);
        Ok(())
    }

    fn cancel_write(&self) -> Result<(), WriterError> {
        if !self.writing.load(Ordering::SeqCst) {
            return Err(WriterError::WriteNotInProgress);
        }
        self.cancel.store(true, Ordering::SeqCst);
        Ok(())
    }
}

/// A thread-safe handle to a [`DiscFormat2Data`]: cancel a running write from another
/// thread (IMAPI2 CancelWrite), and read or set the configuration (setters fail with
/// E_IMAPI_DF2DATA_WRITE_IN_PROGRESS while a write runs, D-02).
#[derive(Debug, Clone)]
pub struct WriterControl {
    shared: Arc<Shared>,
}

macro_rules! config_props {
    ($( $(#[$doc:meta])* $get:ident / $set:ident : $ty:ty ;)*) => {
        $(
            $(#[$doc])*
            pub fn $get(&self) -> $ty {
                self.shared.config().$get
            }
            /// Setter of the property of the same name.
            ///
            /// # Errors
            /// E_IMAPI_DF2DATA_WRITE_IN_PROGRESS while a write runs.
            pub fn $set(&self, value: $ty) -> Result<(), WriterError> {
                self.shared.update(|c| c.$get = value)
            }
        )*
    };
}

macro_rules! common_props {
    () => {
        config_props! {
            /// BufferUnderrunFreeDisabled (default FALSE): turns buffer-underrun protection
            /// (page 05h BUFE) off; only CD-R/RW honour it (K-08).
            buffer_underrun_free_disabled / set_buffer_underrun_free_disabled: bool;
            /// PostgapAlreadyInImage (default FALSE): on CD the writer appends the
            /// 150-sector post-gap unless this is TRUE (K-09).
            postgap_already_in_image / set_postgap_already_in_image: bool;
            /// ForceMediaToBeClosed (default FALSE): finalize the media after the next
            /// write (K-01). The media is also closed when ≤ 2 % would stay free (K-02).
            force_media_to_be_closed / set_force_media_to_be_closed: bool;
            /// DisableConsumerDvdCompatibilityMode (default FALSE): with FALSE a DVD+R is
            /// finalized in compatible mode after every write; set TRUE (and leave
            /// ForceMediaToBeClosed FALSE) to keep a DVD+R appendable (imapi2.md §5.1.1).
            disable_consumer_dvd_compatibility_mode / set_disable_consumer_dvd_compatibility_mode: bool;
            /// ForceOverwrite (default FALSE; IMAPI2 IDiscFormat2Data::put_ForceOverwrite):
            /// allow writing a whole image from LBA 0 over non-blank overwritable media, and
            /// writing at all to overwritable media (image files, block devices, DVD+RW,
            /// DVD-RAM, BD-RE) that holds data other than ISO 9660 sessions (else
            /// E_IMAPI_DF2DATA_MEDIA_NOT_BLANK, nothing written).
            force_overwrite / set_force_overwrite: bool;
        }

        /// ClientName: the exclusive-access owner name used while writing; `None` until
        /// set.
        pub fn client_name(&self) -> Option<String> {
            self.shared.config().client_name.clone()
        }

        /// put_ClientName: 1-63 characters from letters, digits, space and
        /// `- _ . , ( ) + : '`.
        ///
        /// # Errors
        /// E_IMAPI_DF2DATA_WRITE_IN_PROGRESS while writing;
        /// E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID for an empty or invalid name (D-03).
        pub fn set_client_name(&self, name: &str) -> Result<(), WriterError> {
            if self.shared.writing.load(Ordering::SeqCst) {
                return Err(WriterError::WriteInProgress);
            }
            if !is_valid_client_name(name) {
                return Err(WriterError::ClientNameNotValid(name.to_string()));
            }
            self.shared.update(|c| c.client_name = Some(name.to_string()))
        }

        /// RequestedWriteSpeed: the value passed to the last set_write_speed, sectors per
        /// second; −1 (default) = fastest (D-19, D-21).
        pub fn requested_write_speed(&self) -> i32 {
            self.shared.config().requested_write_speed
        }

        /// RequestedRotationTypeIsPureCAV: the rotation type passed to the last
        /// set_write_speed (default FALSE).
        pub fn requested_rotation_type_is_pure_cav(&self) -> bool {
            self.shared.config().requested_rotation_type_is_pure_cav
        }

        /// CancelWrite: stops the running write after the current WRITE command;
        /// write then returns E_IMAPI_REQUEST_CANCELLED.
        ///
        /// # Errors
        /// E_IMAPI_DF2DATA_WRITE_NOT_IN_PROGRESS when no write runs (W-11).
        pub fn cancel_write(&self) -> Result<(), WriterError> {
            self.shared.cancel_write()
        }

        /// True while a write runs.
        pub fn is_writing(&self) -> bool {
            self.shared.writing.load(Ordering::SeqCst)
        }
    };
}

impl WriterControl {
    common_props!();
}

/// The data writer (IMAPI2 MsftDiscFormat2Data): media state, multisession mechanisms,
/// configuration, speeds and [`DiscFormat2Data::write`].
///
/// Every method takes `&self`, as IMAPI's COM methods do: during a write, calls on the
/// same object (from the progress callback) fail with E_IMAPI_DF2DATA_WRITE_IN_PROGRESS
/// instead of racing the write (D-02, W-04), and [`DiscFormat2Data::cancel_write`]
/// works. Other threads use a [`WriterControl`].
///
/// The media getters query the drive on every call (no cache; imapi2.md §5 general
/// rules) and fail with E_IMAPI_RECORDER_REQUIRED without a recorder (D-05).
pub struct DiscFormat2Data {
    recorder: RefCell<Option<DiscRecorder>>,
    shared: Arc<Shared>,
    clock: Box<dyn Clock>,
}

impl std::fmt::Debug for DiscFormat2Data {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscFormat2Data")
            .field("recorder", &self.recorder)
            .field("shared", &self.shared)
            .finish_non_exhaustive()
    }
}

impl Default for DiscFormat2Data {
    fn default() -> Self {
        DiscFormat2Data::new()
    }
}

/// Sends SET STREAMING (or SET CD SPEED when the drive refuses it) for the speed
/// `set_write_speed` would choose. Returns the chosen descriptor and the outcome.
pub(crate) fn send_speed(
    rec: &mut DiscRecorder,
    requested: i32,
    pure_cav: bool,
) -> Result<(WriteSpeedDescriptor, WriteSpeedStatus), WriterError> {
    let descriptors = write_speed_descriptors(rec)?;
    let (d, status) = speed::choose(&descriptors, requested, pure_cav).ok_or_else(|| {
        WriterError::Recorder(RecorderError::NotImplemented(format!(
            "{}: the drive reports no write speeds for this media",
            rec.active_disc_recorder()
        )))
    })?;
    let mut p = PerformanceDescriptor::speeds(d.end_lba, d.write_speed_kbps, d.write_speed_kbps);
    p.wrc = if d.rotation_type_is_pure_cav { 1 } else { 0 };
    if let Err(e) = rec.drive().set_streaming(&p) {
        let refused = e.sense().is_some_and(|s| s.key == SenseKey::IllegalRequest);
        if !refused {
            return Err(mmc(rec, e));
        }
        let kbps = d.write_speed_kbps.min(0xFFFE) as u16;
        rec.drive()
            .set_cd_speed(0xFFFF, kbps)
            .map_err(|e| mmc(rec, e))?;
    }
    Ok((d, status))
}

fn write_speed_descriptors(
    rec: &mut DiscRecorder,
) -> Result<Vec<WriteSpeedDescriptor>, WriterError> {
    let profile = media::current_profile(rec)?;
    let media_type = PhysicalMediaType::from_profile(profile);
    let raw = rec.drive().write_speeds().map_err(|e| mmc(rec, e))?;
    Ok(raw
        .into_iter()
        .filter(|d| d.write_speed > 0)
        .map(|d| WriteSpeedDescriptor {
            media_type,
            rotation_type_is_pure_cav: d.wrc == 1,
            write_speed: speed::kbps_to_sps(d.write_speed, profile),
            write_speed_kbps: d.write_speed,
            end_lba: d.end_lba,
        })
        .collect())
}

/// IMAPI_E_DISC_MISMATCH unless the stream has no disc identifier or it is the one of
/// the media in `rec` (I-28).
fn check_disc_identifier(
    rec: &mut DiscRecorder,
    stream: &dyn SessionStream,
) -> Result<(), WriterError> {
    let Some(expected) = stream.disc_identifier() else {
        return Ok(());
    };
    let current = crate::disc_id::disc_identifier(rec)?;
    if current == expected {
        Ok(())
    } else {
        Err(WriterError::DiscMismatch {
            device: rec.active_disc_recorder().to_string(),
            expected: expected.to_string(),
            current,
        })
    }
}

/// Clears the writing flag (and a pending cancel) when a write ends, however it ends.
struct WritingGuard<'a>(&'a Shared);

impl Drop for WritingGuard<'_> {
    fn drop(&mut self) {
        self.0.cancel.store(false, Ordering::SeqCst);
        self.0.writing.store(false, Ordering::SeqCst);
    }
}

impl DiscFormat2Data {
    /// A writer without a recorder, with IMAPI's default configuration (D-01) and the
    /// [`SystemClock`].
    pub fn new() -> DiscFormat2Data {
        DiscFormat2Data {
            recorder: RefCell::new(None),
            shared: Arc::new(Shared::default()),
            clock: Box::new(SystemClock::new()),
        }
    }

    /// A writer on `recorder` (put_Recorder).
    ///
    /// # Errors
    /// As [`DiscFormat2Data::set_recorder`].
    pub fn with_recorder(recorder: DiscRecorder) -> Result<DiscFormat2Data, WriterError> {
        let w = DiscFormat2Data::new();
        w.set_recorder(recorder)?;
        Ok(w)
    }

    /// Replaces the clock that times progress events (tests inject
    /// [`crate::ManualClock`]).
    pub fn set_clock(&mut self, clock: Box<dyn Clock>) {
        self.clock = clock;
    }

    /// A thread-safe handle for cancel_write and the configuration.
    pub fn control(&self) -> WriterControl {
        WriterControl {
            shared: Arc::clone(&self.shared),
        }
    }

    common_props!();

    // ----- recorder -----

    /// put_Recorder: the recorder to write with. A recorder that cannot write data
    /// (no writable profile in its profile list) is refused and dropped.
    ///
    /// # Errors
    /// E_IMAPI_DF2DATA_WRITE_IN_PROGRESS; E_IMAPI_DF2DATA_RECORDER_NOT_SUPPORTED (D-04);
    /// STD-DEV errors.
    pub fn set_recorder(&self, mut recorder: DiscRecorder) -> Result<(), WriterError> {
        if self.is_writing() {
            return Err(WriterError::WriteInProgress);
        }
        if !media::recorder_supported(&mut recorder)? {
            return Err(WriterError::RecorderNotSupported {
                device: recorder.active_disc_recorder().to_string(),
            });
        }
        let mut slot = self
            .recorder
            .try_borrow_mut()
            .map_err(|_| WriterError::WriteInProgress)?;
        *slot = Some(recorder);
        Ok(())
    }

    /// Gives the recorder back, leaving the writer without one.
    ///
    /// # Errors
    /// E_IMAPI_DF2DATA_WRITE_IN_PROGRESS.
    pub fn take_recorder(&self) -> Result<Option<DiscRecorder>, WriterError> {
        if self.is_writing() {
            return Err(WriterError::WriteInProgress);
        }
        let mut slot = self
            .recorder
            .try_borrow_mut()
            .map_err(|_| WriterError::WriteInProgress)?;
        Ok(slot.take())
    }

    /// get_Recorder: the recorder, borrowed (for its IDiscRecorder2 members).
    ///
    /// # Errors
    /// E_IMAPI_RECORDER_REQUIRED; E_IMAPI_DF2DATA_WRITE_IN_PROGRESS while writing.
    pub fn recorder(&self) -> Result<RefMut<'_, DiscRecorder>, WriterError> {
        let slot = self
            .recorder
            .try_borrow_mut()
            .map_err(|_| WriterError::WriteInProgress)?;
        RefMut::filter_map(slot, |r| r.as_mut()).map_err(|_| WriterError::RecorderRequired)
    }

    fn with_recorder_do<T>(
        &self,
        f: impl FnOnce(&mut DiscRecorder) -> Result<T, WriterError>,
    ) -> Result<T, WriterError> {
        let mut r = self.recorder()?;
        f(&mut r)
    }

    fn info(&self) -> Result<MediaInfo, WriterError> {
        self.with_recorder_do(media::read_media_info)
    }

    // ----- IDiscFormat2 -----

    /// IsRecorderSupported(recorder): the recorder can write data discs (a writable
    /// profile in its profile list). Does not look at the media.
    ///
    /// # Errors
    /// STD-DEV errors.
    pub fn is_recorder_supported(&self, recorder: &mut DiscRecorder) -> Result<bool, WriterError> {
        media::recorder_supported(recorder)
    }

    /// IsCurrentMediaSupported(recorder): the current media can be written by this
    /// format (its profile is sequential or overwritable); TRUE implies
    /// IsRecorderSupported (F-01).
    ///
    /// # Errors
    /// E_IMAPI_RECORDER_MEDIA_NO_MEDIA without media (F-02, Windows 7 behaviour);
    /// STD-DEV errors.
    pub fn is_current_media_supported(
        &self,
        recorder: &mut DiscRecorder,
    ) -> Result<bool, WriterError> {
        media::current_media_supported(recorder)
    }

    /// MediaPhysicallyBlank: READ DISC INFORMATION Disc Status = 00b (F-03, F-04).
    ///
    /// # Errors
    /// E_IMAPI_RECORDER_REQUIRED; STD-DEV errors.
    pub fn media_physically_blank(&self) -> Result<bool, WriterError> {
        self.with_recorder_do(|r| {
            media::current_profile(r)?;
            Ok(r.disc_information()?.disc_status == discburn_mmc::reply::DiscStatus::Empty)
        })
    }

    /// MediaHeuristicallyBlank: physically blank, or sequential media without a session,
    /// or overwritable media whose first and last 2 MB read as zeros with no ISO 9660
    /// or UDF recognition sequence (F-05…F-07).
    ///
    /// # Errors
    /// E_IMAPI_RECORDER_REQUIRED; STD-DEV errors.
    pub fn media_heuristically_blank(&self) -> Result<bool, WriterError> {
        self.with_recorder_do(|r| {
            let info = media::read_media_info(r)?;
            media::heuristically_blank(r, &info)
        })
    }

    /// SupportedMediaTypes: the physical types of the recorder's writable profiles (F-08).
    ///
    /// # Errors
    /// E_IMAPI_RECORDER_REQUIRED; STD-DEV errors.
    pub fn supported_media_types(&self) -> Result<Vec<PhysicalMediaType>, WriterError> {
        self.with_recorder_do(media::supported_media_types)
    }

    // ----- media state (imapi2.md §5.2) -----

    /// CurrentMediaStatus: the IMAPI_FORMAT2_DATA_MEDIA_STATE flags (D-06…D-11).
    ///
    /// # Errors
    /// E_IMAPI_RECORDER_REQUIRED; E_IMAPI_RECORDER_MEDIA_NO_MEDIA; STD-DEV errors.
    pub fn current_media_status(&self) -> Result<MediaState, WriterError> {
        Ok(self.info()?.status)
    }

    /// WriteProtectStatus: IMAPI_MEDIA_WRITE_PROTECT_STATE flags (feature 0004h; ROM
    /// media READ_ONLY_MEDIA).
    ///
    /// # Errors
    /// As [`DiscFormat2Data::current_media_status`].
    pub fn write_protect_status(&self) -> Result<WriteProtectState, WriterError> {
        Ok(self.info()?.write_protect)
    }

    /// CurrentPhysicalMediaType (from the current profile).
    ///
    /// # Errors
    /// E_IMAPI_RECORDER_REQUIRED; E_IMAPI_RECORDER_MEDIA_NO_MEDIA; STD-DEV errors.
    pub fn current_physical_media_type(&self) -> Result<PhysicalMediaType, WriterError> {
        self.with_recorder_do(|r| Ok(PhysicalMediaType::from_profile(media::current_profile(r)?)))
    }

    /// The current MMC profile.
    ///
    /// # Errors
    /// As [`DiscFormat2Data::current_physical_media_type`].
    pub fn current_profile(&self) -> Result<Profile, WriterError> {
        self.with_recorder_do(media::current_profile)
    }

    /// TotalSectorsOnMedia (D-17).
    ///
    /// # Errors
    /// As [`DiscFormat2Data::current_media_status`].
    pub fn total_sectors_on_media(&self) -> Result<i32, WriterError> {
        Ok(self.info()?.total)
    }

    /// FreeSectorsOnMedia: sectors available to the next write; CD post-gap excluded;
    /// the whole capacity on overwritable media (D-16, D-18); 0 on closed media.
    ///
    /// # Errors
    /// As [`DiscFormat2Data::current_media_status`].
    pub fn free_sectors_on_media(&self) -> Result<i32, WriterError> {
        Ok(self.info()?.free)
    }

    /// NextWritableAddress: where the next session starts; 0 on blank and on
    /// overwritable media (D-13).
    ///
    /// # Errors
    /// E_IMAPI_DF2DATA_INVALID_MEDIA_STATE on closed media; as
    /// [`DiscFormat2Data::current_media_status`].
    pub fn next_writable_address(&self) -> Result<i32, WriterError> {
        self.info()?.next_writable_address()
    }

    /// StartAddressOfPreviousSession: −1 on blank media and on media without physical
    /// sessions (D-14).
    ///
    /// # Errors
    /// As [`DiscFormat2Data::current_media_status`].
    pub fn start_address_of_previous_session(&self) -> Result<i32, WriterError> {
        Ok(self.info()?.start_prev)
    }

    /// LastWrittenAddressOfPreviousSession: −1 on blank media and on media without
    /// physical sessions (D-15).
    ///
    /// # Errors
    /// As [`DiscFormat2Data::current_media_status`].
    pub fn last_written_address_of_previous_session(&self) -> Result<i32, WriterError> {
        Ok(self.info()?.last_prev)
    }

    /// MultisessionInterfaces: the mechanisms for the current media; at least one
    /// element on any loaded media, blank included (MS-01, MS-02).
    ///
    /// # Errors
    /// E_IMAPI_RECORDER_REQUIRED; E_IMAPI_RECORDER_MEDIA_NO_MEDIA; STD-DEV errors.
    /// The objects are shared with the writer: the one marked in use
    /// ([`Multisession::set_in_use`], by the caller or by the file-system image that
    /// chose it) is the mechanism [`DiscFormat2Data::write`] records with; with none in
    /// use, the media's first one. Each object keeps the media's
    /// [`crate::disc_identifier`] for IFileSystemImage::CalculateDiscIdentifier.
    pub fn multisession_interfaces(&self) -> Result<Vec<Arc<dyn Multisession>>, WriterError> {
        let info = self.info()?;
        let list = self.with_recorder_do(|rec| {
            let disc_id = crate::disc_id::disc_identifier(rec).ok();
            mechanism::offered(rec, &info, disc_id)
        })?;
        let out = list
            .iter()
            .map(|m| Arc::clone(m) as Arc<dyn Multisession>)
            .collect();
        *self
            .shared
            .offered
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = list;
        Ok(out)
    }

    /// The media in the recorder as a sector source for the file-system image and the
    /// readers (IFileSystemImage::ImportFileSystem reads the ImportRecorder this way):
    /// the image file itself for an image file, else READ(10) (MMC-6 6.15). The
    /// recorder stays borrowed while the source lives.
    ///
    /// # Errors
    /// E_IMAPI_RECORDER_REQUIRED; E_IMAPI_DF2DATA_WRITE_IN_PROGRESS during a write;
    /// opening the image file; device errors of READ CAPACITY.
    pub fn media_source(&self) -> Result<Box<dyn discburn_image::SectorSource + '_>, WriterError> {
        crate::source::media_source(self.recorder()?)
    }

    /// The class name of the mechanism marked in use among those last handed out.
    fn mechanism_in_use(&self) -> Option<String> {
        self.shared
            .offered
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|m| m.in_use())
            .map(|m| m.class_name().to_string())
    }

    // ----- speeds (imapi2.md §5.3) -----

    /// SupportedWriteSpeedDescriptors: GET PERFORMANCE type 03h for the current media.
    ///
    /// # Errors
    /// E_IMAPI_RECORDER_REQUIRED; STD-DEV errors.
    pub fn supported_write_speed_descriptors(
        &self,
    ) -> Result<Vec<WriteSpeedDescriptor>, WriterError> {
        self.with_recorder_do(write_speed_descriptors)
    }

    /// SupportedWriteSpeeds: the distinct WriteSpeed values of the descriptors, in the
    /// drive's order (D-22).
    ///
    /// # Errors
    /// As [`DiscFormat2Data::supported_write_speed_descriptors`].
    pub fn supported_write_speeds(&self) -> Result<Vec<u32>, WriterError> {
        let mut v: Vec<u32> = Vec::new();
        for d in self.supported_write_speed_descriptors()? {
            let s = d.write_speed.max(0) as u32;
            if !v.contains(&s) {
                v.push(s);
            }
        }
        Ok(v)
    }

    /// SetWriteSpeed(requestedSectorsPerSecond, rotationTypeIsPureCAV): −1 = fastest.
    /// The nearest supported speed is selected with SET STREAMING (SET CD SPEED when
    /// refused); the outcome says whether it was adjusted (D-19, D-20).
    ///
    /// # Errors
    /// E_IMAPI_DF2DATA_WRITE_IN_PROGRESS; E_INVALIDARG for 0 or values below −1;
    /// E_IMAPI_RECORDER_REQUIRED; STD-DEV errors.
    pub fn set_write_speed(
        &self,
        requested_sectors_per_second: i32,
        rotation_type_is_pure_cav: bool,
    ) -> Result<WriteSpeedStatus, WriterError> {
        if self.is_writing() {
            return Err(WriterError::WriteInProgress);
        }
        if requested_sectors_per_second == 0 || requested_sectors_per_second < -1 {
            return Err(WriterError::InvalidArgument(format!(
                "write speed {requested_sectors_per_second} sectors/s (−1 or > 0)"
            )));
        }
        let (_, status) = self.with_recorder_do(|r| {
            send_speed(r, requested_sectors_per_second, rotation_type_is_pure_cav)
        })?;
        self.shared.update(|c| {
            c.requested_write_speed = requested_sectors_per_second;
            c.requested_rotation_type_is_pure_cav = rotation_type_is_pure_cav;
        })?;
        Ok(status)
    }

    fn capabilities_page(&self) -> Result<(Vec<u8>, Profile), WriterError> {
        self.with_recorder_do(|r| {
            let p = media::current_profile(r)?;
            let page = r
                .drive()
                .mode_page(PageControl::Current, 0x2A)
                .map_err(|e| mmc(r, e))?
                .ok_or_else(|| {
                    WriterError::Recorder(RecorderError::NoSuchModePage {
                        device: r.active_disc_recorder().to_string(),
                        page: 0x2A,
                    })
                })?;
            Ok((page.bytes, p))
        })
    }

    /// CurrentWriteSpeed: the speed in effect, sectors/s (mode page 2Ah bytes 28-29,
    /// Write Speed Selected, D-21).
    ///
    /// # Errors
    /// E_IMAPI_RECORDER_REQUIRED; E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE; STD-DEV errors.
    pub fn current_write_speed(&self) -> Result<i32, WriterError> {
        let (page, p) = self.capabilities_page()?;
        let kbps = page
            .get(28..30)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .unwrap_or(0);
        Ok(speed::kbps_to_sps(u32::from(kbps), p))
    }

    /// CurrentRotationTypeIsPureCAV: mode page 2Ah byte 27 bits 1-0 (Rotation Control
    /// Selected) = 01b.
    ///
    /// # Errors
    /// As [`DiscFormat2Data::current_write_speed`].
    pub fn current_rotation_type_is_pure_cav(&self) -> Result<bool, WriterError> {
        let (page, _) = self.capabilities_page()?;
        Ok(page.get(27).is_some_and(|b| b & 0x03 == 1))
    }

    // ----- Write -----

    /// Write(stream) without progress callback; see
    /// [`DiscFormat2Data::write_with_progress`].
    ///
    /// # Errors
    /// As [`DiscFormat2Data::write_with_progress`].
    pub fn write(&self, stream: &mut dyn SessionStream) -> Result<(), WriterError> {
        self.write_with_progress(stream, |_| ControlFlow::Continue(()))
    }

    /// IDiscFormat2Data::Write: records `stream` synchronously, calling `progress` with
    /// each DDiscFormat2DataEvents::Update (imapi2.md §5.5, §6). Returning
    /// `ControlFlow::Break(())` from `progress` is CancelWrite (the Rust equivalent of
    /// calling CancelWrite inside the Update handler).
    ///
    /// * Exclusive access is taken under [`DiscFormat2Data::client_name`] for the
    ///   duration and released afterwards, also on error (W-08).
    /// * Sequential media: a new session at the next writable address (W-05); CD: the
    ///   150-sector post-gap is appended unless postgap_already_in_image; the session is
    ///   closed, and the disc per the closing rules (K-01…K-06).
    /// * Overwritable media: unformatted media is formatted first (FORMATTING_MEDIA); the
    ///   stream is an image from LBA 0; with block ranges only those are written, in
    ///   order (W-07); every WRITE covers whole write units (MS-15).
    /// * Cancel: the current WRITE finishes, SYNCHRONIZE CACHE flushes, the track or
    ///   session stays open as the drive reports it, and the error is
    ///   E_IMAPI_REQUEST_CANCELLED.
    ///
    /// # Errors
    /// E_IMAPI_DF2DATA_WRITE_IN_PROGRESS (W-04); E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID
    /// without a client name (W-02); E_IMAPI_RECORDER_REQUIRED;
    /// E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED (length not a multiple of 2048 or 0, bad
    /// block ranges; W-01); E_IMAPI_RECORDER_LOCKED; E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED;
    /// E_IMAPI_DF2DATA_INVALID_MEDIA_STATE (closed or open/damaged session, W-10);
    /// E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA (before anything is written,
    /// W-09); E_IMAPI_DF2DATA_MEDIA_NOT_BLANK (also [`WriterError::ForeignData`]: before
    /// the first WRITE, overwritable media holding data that is neither blank nor
    /// ISO 9660 is refused unless force_overwrite); E_IMAPI_REQUEST_CANCELLED; E_FAIL for
    /// stream read errors; device errors.
    pub fn write_with_progress(
        &self,
        stream: &mut dyn SessionStream,
        mut progress: impl FnMut(&DiscFormat2DataEventArgs) -> ControlFlow<()>,
    ) -> Result<(), WriterError> {
        let wanted = self.mechanism_in_use();
        self.exclusive_operation(
            stream,
            |stream| {
                let len = stream.len_bytes();
                if len == 0 || !len.is_multiple_of(2048) {
                    return Err(WriterError::StreamNotSupported {
                        reason: format!(
                            "stream length {len} bytes is not a non-zero multiple of 2048"
                        ),
                    });
                }
                if len / 2048 > i32::MAX as u64 {
                    return Err(WriterError::StreamNotSupported {
                        reason: format!("stream of {len} bytes exceeds 2^31 sectors"),
                    });
                }
                Ok(())
            },
            |rec, cfg, stream| {
                crate::ownership::check_before_write(rec, cfg.force_overwrite)?;
                check_disc_identifier(rec, stream)?;
                Job::new(rec, cfg, wanted, &self.shared, &*self.clock, &mut progress).run(stream)
            },
        )
    }

    /// One operation that writes the media (Write, repair): refused while another runs
    /// (E_IMAPI_DF2DATA_WRITE_IN_PROGRESS, D-02) and without a client name or recorder;
    /// `check` validates `input` before the recorder is touched; `op` then runs under
    /// exclusive access (IDiscRecorder2::AcquireExclusiveAccess with the client name),
    /// which is released however it ends.
    fn exclusive_operation<I, T>(
        &self,
        input: I,
        check: impl FnOnce(&I) -> Result<(), WriterError>,
        op: impl FnOnce(&mut DiscRecorder, &Config, I) -> Result<T, WriterError>,
    ) -> Result<T, WriterError> {
        let cfg = {
            let c = self.shared.config();
            if self.shared.writing.swap(true, Ordering::SeqCst) {
                return Err(WriterError::WriteInProgress);
            }
            c.clone()
        };
        let _guard = WritingGuard(&self.shared);
        self.shared.cancel.store(false, Ordering::SeqCst);
        let client = cfg
            .client_name
            .clone()
            .ok_or_else(|| WriterError::ClientNameNotValid(String::new()))?;
        let mut slot = self
            .recorder
            .try_borrow_mut()
            .map_err(|_| WriterError::WriteInProgress)?;
        let rec = slot.as_mut().ok_or(WriterError::RecorderRequired)?;
        check(&input)?;
        rec.acquire_exclusive_access(false, &client)?;
        let result = op(rec, &cfg, input);
        let released = rec.release_exclusive_access();
        let value = result?;
        released?;
        Ok(value)
    }

    /// Repairs the media after an interrupted write, so that it takes sessions again
    /// (no IMAPI2 equivalent; IMAPI leaves such media unusable). Sequential media: the
    /// open tracks and session are closed (CLOSE TRACK/SESSION 001b, 010b; MMC-6 6.3),
    /// the session is kept when its ISO 9660 file system was completely recorded, else a
    /// rescue session repeating the last complete session's volume descriptors follows
    /// it. Overwritable media and image files: the volume descriptors of an interrupted
    /// session's leftovers past the last complete session are cleared. Complete sessions
    /// are never written. Exclusive access is held under the client name meanwhile. See
    /// the `repair` module documentation for the details.
    ///
    /// # Errors
    /// E_IMAPI_DF2DATA_WRITE_IN_PROGRESS; E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID
    /// without a client name; E_IMAPI_RECORDER_REQUIRED; E_IMAPI_RECORDER_LOCKED;
    /// E_IMAPI_DF2DATA_INVALID_MEDIA_STATE (finalized or write-protected media);
    /// E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED (read-only media);
    /// E_IMAPI_DF2DATA_MEDIA_NOT_BLANK ([`WriterError::ForeignData`]: overwritable
    /// media holding data that is not ISO 9660 is not touched); device errors.
    pub fn repair(&self) -> Result<crate::RepairReport, WriterError> {
        self.exclusive_operation(
            (),
            |()| Ok(()),
            |rec, cfg, ()| crate::repair::run(rec, cfg, &self.shared, &*self.clock),
        )
    }
}
