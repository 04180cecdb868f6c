//! [`DiscRecorder`]: IMAPI2 IDiscRecorder2 and IDiscRecorder2Ex in snake_case
//! (imapi2.md §9, §10), over a real drive, an emulated disc or a stdio target.

use std::path::Path;
use std::time::Duration;

use discburn_mmc::cdb::{self, PageControl, RequestType, StartStop};
use discburn_mmc::reply::{
    DiscInformation, Feature, FeatureDescriptor, InquiryData, ReadCapacity, TrackInformation,
};
use discburn_mmc::{
    Completion, Data, Drive, FeatureCode, MmcError, NoSleep, Profile, Sense, StdSleeper,
    TrackAddress, TransportError,
};

use crate::backend::{BackendKind, RecorderTransport};
use crate::error::{RecorderError, S_IMAPI_COMMAND_HAS_SENSE_DATA};
use crate::media::PhysicalMediaType;
use crate::stdio::StdioDrive;

/// The drive type a [`DiscRecorder`] owns (for the data writer).
pub type RecorderDrive = Drive<Box<dyn RecorderTransport>>;

/// Outcome of an IDiscRecorder2Ex SendCommand* call that reached the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandStatus {
    /// S_OK: GOOD status.
    Ok,
    /// S_IMAPI_COMMAND_HAS_SENSE_DATA (0x00AA0200): CHECK CONDITION; the sense buffer
    /// is filled. A *success* code (imapi2.md §10, X-04).
    HasSenseData,
}

impl CommandStatus {
    /// The HRESULT: 0 or 0x00AA0200.
    pub fn hresult(self) -> u32 {
        match self {
            CommandStatus::Ok => 0,
            CommandStatus::HasSenseData => S_IMAPI_COMMAND_HAS_SENSE_DATA,
        }
    }
}

/// True when `name` is a valid exclusive-access client name: 1 to 63 characters from
/// ASCII letters, digits, space and `- _ . , ( ) + : '` (our reading of the Windows
/// owner-id rules, imapi2.md §5.1 ClientName, inferred).
pub fn is_valid_client_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " -_.,()+:'".contains(c))
}

/// True when `path` names a real optical drive: an `srN`/`scdN` name that is a block
/// device or lies under `/dev` (a regular file called `sr0` elsewhere is a stdio target).
pub fn is_real_drive_path(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    is_sr_device(path)
        && (path.starts_with("/dev")
            || std::fs::metadata(path).is_ok_and(|m| m.file_type().is_block_device()))
}

#[cfg(feature = "sgio")]
use discburn_sgio::is_sr_device;

/// True when `path` names an SCSI CD-ROM node (`…/srN`, or `…/scdN`); without the `sgio`
/// feature the name rule of `discburn_sgio::is_sr_device` is applied here, so such paths
/// are still refused rather than opened as image files.
#[cfg(not(feature = "sgio"))]
fn is_sr_device(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
        ["sr", "scd"]
            .iter()
            .any(|p| n.strip_prefix(p).is_some_and(|d| d.parse::<u32>().is_ok()))
    })
}

/// Mount points of `device` in a `/proc/self/mounts` text (octal escapes decoded).
pub fn mount_points_of(device: &str, mounts: &str) -> Vec<String> {
    fn unescape(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'\\'
                && i + 3 < b.len()
                && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
            {
                out.push((b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0'));
                i += 4;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    mounts
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let src = unescape(f.next()?);
            let dst = unescape(f.next()?);
            (src == device).then_some(dst)
        })
        .collect()
}

/// A recorder (IMAPI2 MsftDiscRecorder2 + IDiscRecorder2Ex).
///
/// Exclusive access is counted per object: the first
/// [`DiscRecorder::acquire_exclusive_access`] takes the backend lock, later ones with
/// the same client name increase the count, [`DiscRecorder::release_exclusive_access`]
/// decreases it and releases the lock at zero. Dropping the object releases the lock
/// the OS releases file locks when a process dies).
pub struct DiscRecorder {
    id: String,
    drive: RecorderDrive,
    inquiry: Option<InquiryData>,
    exclusive_count: u32,
    exclusive_owner: Option<String>,
    mcn_disabled: u32,
}

impl std::fmt::Debug for DiscRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscRecorder")
            .field("id", &self.id)
            .field("exclusive_count", &self.exclusive_count)
            .field("exclusive_owner", &self.exclusive_owner)
            .finish_non_exhaustive()
    }
}

impl DiscRecorder {
    /// Opens the recorder named by `path` (IDiscRecorder2::InitializeDiscRecorder):
    /// SG_IO for `/dev/srN` ([`is_real_drive_path`]; opened shared; the exclusive open happens at
    /// [`DiscRecorder::acquire_exclusive_access`], so this succeeds while another
    /// client holds the drive, R-03); an emulated disc when
    /// `discburn_emu::is_emulated_disc(path)`; otherwise a stdio target ([`StdioDrive`]:
    /// regular file, block device, or a path that does not exist yet).
    ///
    /// # Errors
    /// [`RecorderError::DeviceNotExist`], [`RecorderError::AccessDenied`], the
    /// emulator's open error as [`RecorderError::Fail`], or
    /// [`RecorderError::BackendNotBuilt`] for a real drive or an emulated disc when the
    /// crate was built without its `sgio` or `emu` Cargo feature.
    pub fn open(path: impl AsRef<Path>) -> Result<DiscRecorder, RecorderError> {
        let path = path.as_ref();
        let id = path.display().to_string();
        if is_real_drive_path(path) {
            #[cfg(feature = "sgio")]
            {
                let t = crate::backend::RealDrive::open(path)?;
                return Ok(Self::from_transport(id, Box::new(t)));
            }
            #[cfg(not(feature = "sgio"))]
            return Err(RecorderError::BackendNotBuilt {
                device: id,
                backend: BackendKind::Sgio,
                feature: "sgio",
            });
        }
        #[cfg(feature = "emu")]
        if let Some(t) = crate::emu_backend::open(path)? {
            return Ok(Self::from_transport(id, t));
        }
        #[cfg(not(feature = "emu"))]
        if crate::stdio::sibling(path, ".state.json").exists() {
            return Err(RecorderError::BackendNotBuilt {
                device: id,
                backend: BackendKind::Emulated,
                feature: "emu",
            });
        }
        let t = StdioDrive::open(path, None)?;
        Ok(Self::from_transport(id, Box::new(t)))
    }

    /// Opens `path` as a stdio target ([`StdioDrive`], random-writable media, profile
    /// 0002h): a regular file, a block device, or a path that does not exist yet, even
    /// when it is an emulated disc's sector image. A regular file's capacity is the free
    /// space of its file system, capped at `max_capacity_sectors` (2048-byte sectors)
    /// when given — a fixed capacity that does not move while other programs use the
    /// disk.
    ///
    /// # Errors
    /// As [`StdioDrive::open`].
    pub fn open_stdio(
        path: impl AsRef<Path>,
        max_capacity_sectors: Option<u32>,
    ) -> Result<DiscRecorder, RecorderError> {
        let path = path.as_ref();
        let t = StdioDrive::open(path, max_capacity_sectors)?;
        Ok(Self::from_transport(
            path.display().to_string(),
            Box::new(t),
        ))
    }

    /// A recorder over any [`RecorderTransport`] (tests, wrappers such as a transcript
    /// recorder). Real drives sleep for real between retries; other kinds do not.
    pub fn from_transport(id: String, t: Box<dyn RecorderTransport>) -> DiscRecorder {
        let drive = if t.kind() == BackendKind::Sgio {
            Drive::with_sleeper(t, Box::new(StdSleeper))
        } else {
            Drive::with_sleeper(t, Box::new(NoSleep))
        };
        DiscRecorder {
            id,
            drive,
            inquiry: None,
            exclusive_count: 0,
            exclusive_owner: None,
            mcn_disabled: 0,
        }
    }

    fn map(&self, e: MmcError) -> RecorderError {
        RecorderError::from_mmc(&self.id, e)
    }

    /// The drive layer, for the data writer and for commands not wrapped here.
    pub fn drive(&mut self) -> &mut RecorderDrive {
        &mut self.drive
    }

    /// The kind of target.
    pub fn backend_kind(&self) -> BackendKind {
        self.drive.transport().kind()
    }

    // ----- IDiscRecorder2 -----

    /// ActiveDiscRecorder: the unique ID (path) this recorder was opened with.
    pub fn active_disc_recorder(&self) -> &str {
        &self.id
    }

    /// INQUIRY data (cached after the first call).
    ///
    /// # Errors
    /// STD-DEV errors.
    pub fn inquiry(&mut self) -> Result<InquiryData, RecorderError> {
        if let Some(i) = &self.inquiry {
            return Ok(i.clone());
        }
        let i = self.drive.inquiry().map_err(|e| self.map(e))?;
        self.inquiry = Some(i.clone());
        Ok(i)
    }

    /// VendorId: INQUIRY bytes 8-15, trailing spaces trimmed.
    ///
    /// # Errors
    /// STD-DEV errors.
    pub fn vendor_id(&mut self) -> Result<String, RecorderError> {
        Ok(self.inquiry()?.vendor_identification)
    }

    /// ProductId: INQUIRY bytes 16-31, trimmed.
    ///
    /// # Errors
    /// STD-DEV errors.
    pub fn product_id(&mut self) -> Result<String, RecorderError> {
        Ok(self.inquiry()?.product_identification)
    }

    /// ProductRevision: INQUIRY bytes 32-35, trimmed.
    ///
    /// # Errors
    /// STD-DEV errors.
    pub fn product_revision(&mut self) -> Result<String, RecorderError> {
        Ok(self.inquiry()?.product_revision_level)
    }

    /// VolumeName: on Linux the device path.
    pub fn volume_name(&self) -> String {
        self.id.clone()
    }

    /// VolumePathNames: mount points of the device from `/proc/self/mounts` (R-12;
    /// empty for emulated discs and when nothing is mounted).
    pub fn volume_path_names(&self) -> Vec<String> {
        match std::fs::read_to_string("/proc/self/mounts") {
            Ok(m) => mount_points_of(&self.id, &m),
            Err(_) => Vec::new(),
        }
    }

    /// LegacyDeviceNumber: N of `/dev/srN`, 0 for other targets (not stable, R-13).
    pub fn legacy_device_number(&self) -> i32 {
        Path::new(&self.id)
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("sr"))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }

    /// DeviceCanLoadMedia: feature 0003h Loading Mechanism Type is tray (001b) or
    /// changer (100b/101b). Advisory.
    ///
    /// # Errors
    /// STD-DEV errors.
    pub fn device_can_load_media(&mut self) -> Result<bool, RecorderError> {
        let f = self
            .drive
            .feature(FeatureCode::REMOVABLE_MEDIUM)
            .map_err(|e| self.map(e))?;
        Ok(match f.map(|f| f.typed()) {
            Some(Ok(Feature::RemovableMedium {
                loading_mechanism_type,
                ..
            })) => matches!(loading_mechanism_type, 1 | 4 | 5),
            _ => false,
        })
    }

    fn features(&mut self, current_only: bool) -> Result<Vec<FeatureDescriptor>, RecorderError> {
        let rt = if current_only {
            RequestType::Current
        } else {
            RequestType::All
        };
        let c = self
            .drive
            .get_configuration(rt, 0)
            .map_err(|e| self.map(e))?;
        Ok(c.features
            .into_iter()
            .filter(|f| !current_only || f.current)
            .collect())
    }

    /// SupportedFeaturePages: every feature code the drive reports (RT = 0).
    ///
    /// # Errors
    /// STD-EX errors.
    pub fn supported_feature_pages(&mut self) -> Result<Vec<FeatureCode>, RecorderError> {
        self.get_supported_feature_pages(false)
    }

    /// CurrentFeaturePages: feature codes with the Current bit (R-11: a subset of the
    /// supported ones).
    ///
    /// # Errors
    /// STD-EX errors.
    pub fn current_feature_pages(&mut self) -> Result<Vec<FeatureCode>, RecorderError> {
        self.get_supported_feature_pages(true)
    }

    /// SupportedProfiles: the Profile List.
    ///
    /// # Errors
    /// STD-EX errors.
    pub fn supported_profiles(&mut self) -> Result<Vec<Profile>, RecorderError> {
        self.get_supported_profiles(false)
    }

    /// CurrentProfiles: profiles with CurrentP (empty without medium).
    ///
    /// # Errors
    /// STD-EX errors.
    pub fn current_profiles(&mut self) -> Result<Vec<Profile>, RecorderError> {
        self.get_supported_profiles(true)
    }

    /// SupportedModePages: page codes of MODE SENSE page 3Fh (current values).
    ///
    /// # Errors
    /// STD-DEV errors.
    pub fn supported_mode_pages(&mut self) -> Result<Vec<u8>, RecorderError> {
        self.get_supported_mode_pages(PageControl::Current)
    }

    /// The Current Profile (GET CONFIGURATION header; 0000h without medium).
    ///
    /// # Errors
    /// STD-EX errors.
    pub fn current_profile(&mut self) -> Result<Profile, RecorderError> {
        self.drive.current_profile().map_err(|e| self.map(e))
    }

    /// The IMAPI physical media type of the current profile.
    ///
    /// # Errors
    /// STD-EX errors.
    pub fn current_physical_media_type(&mut self) -> Result<PhysicalMediaType, RecorderError> {
        Ok(PhysicalMediaType::from_profile(self.current_profile()?))
    }

    /// True when a medium is present (TEST UNIT READY GOOD); false for `2/3A/xx`.
    ///
    /// # Errors
    /// Other STD-DEV errors.
    pub fn media_present(&mut self) -> Result<bool, RecorderError> {
        match self.drive.test_unit_ready() {
            Ok(()) => Ok(true),
            Err(e) => match self.map(e) {
                RecorderError::NoMedia { .. } => Ok(false),
                other => Err(other),
            },
        }
    }

    /// READ DISC INFORMATION, decoded.
    ///
    /// # Errors
    /// STD-DEV errors.
    pub fn disc_information(&mut self) -> Result<DiscInformation, RecorderError> {
        self.drive.disc_information().map_err(|e| self.map(e))
    }

    /// READ TRACK INFORMATION, decoded.
    ///
    /// # Errors
    /// STD-DEV errors.
    pub fn track_information(
        &mut self,
        address: TrackAddress,
    ) -> Result<TrackInformation, RecorderError> {
        self.drive
            .track_information(address)
            .map_err(|e| self.map(e))
    }

    /// READ CAPACITY.
    ///
    /// # Errors
    /// STD-DEV errors.
    pub fn read_capacity(&mut self) -> Result<ReadCapacity, RecorderError> {
        self.drive.read_capacity().map_err(|e| self.map(e))
    }

    /// AcquireExclusiveAccess(force, clientName). Counted. A second client gets
    /// [`RecorderError::Locked`] carrying the owner's name. `force` is accepted
    /// but this port does not unmount file systems: a mounted real drive fails with
    /// [`RecorderError::AccessDenied`] naming the mount points (R-07 partially).
    ///
    /// # Errors
    /// [`RecorderError::ClientNameNotValid`], [`RecorderError::Locked`],
    /// [`RecorderError::AccessDenied`], backend errors.
    pub fn acquire_exclusive_access(
        &mut self,
        force: bool,
        client_name: &str,
    ) -> Result<(), RecorderError> {
        let _ = force;
        if !is_valid_client_name(client_name) {
            return Err(RecorderError::ClientNameNotValid(client_name.to_string()));
        }
        if self.exclusive_count > 0 {
            let owner = self.exclusive_owner.clone().unwrap_or_default();
            if owner != client_name {
                return Err(RecorderError::Locked {
                    device: self.id.clone(),
                    owner,
                    pid: Some(std::process::id()),
                });
            }
            self.exclusive_count += 1;
            return Ok(());
        }
        match self.drive.transport_mut().lock_exclusive(client_name) {
            Ok(()) => {
                self.exclusive_count = 1;
                self.exclusive_owner = Some(client_name.to_string());
                Ok(())
            }
            Err(RecorderError::Locked { device, owner, pid }) if owner.is_empty() => {
                let mounts = self.volume_path_names();
                if mounts.is_empty() {
                    Err(RecorderError::Locked { device, owner, pid })
                } else {
                    Err(RecorderError::AccessDenied {
                        device,
                        source: std::io::Error::other(format!(
                            "mounted at {}; unmount it first",
                            mounts.join(", ")
                        )),
                    })
                }
            }
            Err(e) => Err(e),
        }
    }

    /// ReleaseExclusiveAccess: decrements the count; the lock goes at zero.
    ///
    /// # Errors
    /// [`RecorderError::Fail`] when not acquired; backend errors.
    pub fn release_exclusive_access(&mut self) -> Result<(), RecorderError> {
        if self.exclusive_count == 0 {
            return Err(RecorderError::Fail(format!(
                "{}: release_exclusive_access without acquire",
                self.id
            )));
        }
        self.exclusive_count -= 1;
        if self.exclusive_count == 0 {
            self.exclusive_owner = None;
            self.drive.transport_mut().unlock()?;
        }
        Ok(())
    }

    /// The exclusive-access count held by this object.
    pub fn exclusive_access_count(&self) -> u32 {
        self.exclusive_count
    }

    /// ExclusiveAccessOwner: our client name while we hold the lock, otherwise the
    /// holder the backend reports (empty when free or unknown).
    pub fn exclusive_access_owner(&mut self) -> String {
        if let Some(o) = &self.exclusive_owner {
            return o.clone();
        }
        self.drive.transport_mut().lock_owner().unwrap_or_default()
    }

    /// DisableMcn: counted; media change notification is not filtered on Linux, so this
    /// only counts (documented no-op, R-09).
    pub fn disable_mcn(&mut self) {
        self.mcn_disabled += 1;
    }

    /// EnableMcn: counted no-op (see [`DiscRecorder::disable_mcn`]).
    pub fn enable_mcn(&mut self) {
        self.mcn_disabled = self.mcn_disabled.saturating_sub(1);
    }

    /// The MCN disable count.
    pub fn mcn_disable_count(&self) -> u32 {
        self.mcn_disabled
    }

    /// EjectMedia: PREVENT ALLOW MEDIUM REMOVAL (allow), then START STOP UNIT LoEj=1
    /// Start=0.
    ///
    /// # Errors
    /// STD-DEV errors.
    pub fn eject_media(&mut self) -> Result<(), RecorderError> {
        self.drive
            .prevent_allow_medium_removal(false)
            .map_err(|e| self.map(e))?;
        self.drive
            .start_stop_unit(false, StartStop::Eject)
            .map_err(|e| self.map(e))
    }

    /// CloseTray: START STOP UNIT LoEj=1 Start=1.
    ///
    /// # Errors
    /// STD-DEV errors (a slot loader answers with sense, R-10).
    pub fn close_tray(&mut self) -> Result<(), RecorderError> {
        self.drive
            .start_stop_unit(false, StartStop::Load)
            .map_err(|e| self.map(e))
    }

    // ----- IDiscRecorder2Ex -----

    fn check_cdb(cdb: &[u8]) -> Result<(), RecorderError> {
        if !(6..=16).contains(&cdb.len()) {
            return Err(RecorderError::InvalidArgument(format!(
                "CDB of {} bytes (6..16 allowed)",
                cdb.len()
            )));
        }
        match cdb::required_cdb_len(cdb[0]) {
            Err(()) => Err(RecorderError::InvalidArgument(format!(
                "operation code {:02X}h is in the reserved group 60h-7Fh",
                cdb[0]
            ))),
            Ok(Some(n)) if n != cdb.len() => Err(RecorderError::InvalidArgument(format!(
                "operation code {:02X}h needs a {n}-byte CDB, got {}",
                cdb[0],
                cdb.len()
            ))),
            Ok(_) => Ok(()),
        }
    }

    fn raw(
        &mut self,
        cdb: &[u8],
        sense: &mut [u8; 18],
        timeout_seconds: u32,
        data: Data<'_>,
    ) -> Result<(CommandStatus, u32), RecorderError> {
        Self::check_cdb(cdb)?;
        let len = data.len();
        let c: Completion = match self.drive.execute_raw(
            cdb,
            data,
            Duration::from_secs(timeout_seconds.max(1) as u64),
        ) {
            Ok(c) => c,
            Err(MmcError::Transport(t @ TransportError::Timeout { .. })) => {
                return Err(RecorderError::CommandTimeout(t));
            }
            Err(e) => return Err(self.map(e)),
        };
        sense.fill(0);
        let transferred = (len as u32).saturating_sub(c.residual);
        match c.status {
            Completion::GOOD => Ok((CommandStatus::Ok, transferred)),
            Completion::CHECK_CONDITION => {
                let n = c.sense.len().min(18);
                sense[..n].copy_from_slice(&c.sense[..n]);
                Ok((CommandStatus::HasSenseData, transferred))
            }
            status => Err(self.map(MmcError::Status {
                opcode: cdb[0],
                status,
            })),
        }
    }

    /// SendCommandNoData (X-01..X-04): the CDB length is checked against the opcode
    /// group; CHECK CONDITION returns [`CommandStatus::HasSenseData`] with `sense`
    /// filled.
    ///
    /// # Errors
    /// [`RecorderError::InvalidArgument`] (CDB), [`RecorderError::CommandTimeout`],
    /// transport errors.
    pub fn send_command_no_data(
        &mut self,
        cdb: &[u8],
        sense: &mut [u8; 18],
        timeout_seconds: u32,
    ) -> Result<CommandStatus, RecorderError> {
        self.raw(cdb, sense, timeout_seconds, Data::None)
            .map(|(s, _)| s)
    }

    /// SendCommandSendDataToDevice: as [`DiscRecorder::send_command_no_data`] with a
    /// data-out phase (`buffer` non-empty).
    ///
    /// # Errors
    /// As [`DiscRecorder::send_command_no_data`]; empty buffer is E_INVALIDARG.
    pub fn send_command_send_data_to_device(
        &mut self,
        cdb: &[u8],
        sense: &mut [u8; 18],
        timeout_seconds: u32,
        buffer: &[u8],
    ) -> Result<CommandStatus, RecorderError> {
        if buffer.is_empty() {
            return Err(RecorderError::InvalidArgument("empty data buffer".into()));
        }
        self.raw(cdb, sense, timeout_seconds, Data::Out(buffer))
            .map(|(s, _)| s)
    }

    /// SendCommandGetDataFromDevice: data-in; returns the status and the bytes fetched.
    ///
    /// # Errors
    /// As [`DiscRecorder::send_command_no_data`]; empty buffer is E_INVALIDARG.
    pub fn send_command_get_data_from_device(
        &mut self,
        cdb: &[u8],
        sense: &mut [u8; 18],
        timeout_seconds: u32,
        buffer: &mut [u8],
    ) -> Result<(CommandStatus, u32), RecorderError> {
        if buffer.is_empty() {
            return Err(RecorderError::InvalidArgument("empty data buffer".into()));
        }
        self.raw(cdb, sense, timeout_seconds, Data::In(buffer))
    }

    /// GetDiscInformation: the raw READ DISC INFORMATION reply, header included.
    ///
    /// # Errors
    /// STD-EX errors.
    pub fn get_disc_information(&mut self) -> Result<Vec<u8>, RecorderError> {
        self.drive.disc_information_raw(0).map_err(|e| self.map(e))
    }

    /// GetTrackInformation(address, addressType): raw READ TRACK INFORMATION reply;
    /// address type 0 LBA, 1 track, 2 session.
    ///
    /// # Errors
    /// [`RecorderError::InvalidArgument`] for address type 3; STD-EX errors.
    pub fn get_track_information(
        &mut self,
        address: u32,
        address_type: u8,
    ) -> Result<Vec<u8>, RecorderError> {
        let a = TrackAddress::from_parts(address_type, address).ok_or_else(|| {
            RecorderError::InvalidArgument(format!("address type {address_type} (0..2)"))
        })?;
        if address_type > 2 {
            return Err(RecorderError::InvalidArgument(format!(
                "address type {address_type} (0..2)"
            )));
        }
        self.drive.track_information_raw(a).map_err(|e| self.map(e))
    }

    /// GetFeaturePage(feature, currentFeatureOnly): the feature descriptor (its 4-byte
    /// header + data) without the GET CONFIGURATION header.
    ///
    /// # Errors
    /// [`RecorderError::NoSuchFeature`], [`RecorderError::FeatureNotCurrent`],
    /// [`RecorderError::GetConfigurationNotSupported`], STD-DEV errors.
    pub fn get_feature_page(
        &mut self,
        feature: FeatureCode,
        current_feature_only: bool,
    ) -> Result<Vec<u8>, RecorderError> {
        let f = self
            .drive
            .feature(feature)
            .map_err(|e| self.map(e))?
            .ok_or_else(|| RecorderError::NoSuchFeature {
                device: self.id.clone(),
                feature: feature.0,
            })?;
        if current_feature_only && !f.current {
            return Err(RecorderError::FeatureNotCurrent {
                device: self.id.clone(),
                feature: feature.0,
            });
        }
        let mut out = Vec::new();
        f.encode(&mut out);
        Ok(out)
    }

    /// GetModePage(page, requestType): the page (with its 2-byte page header) without
    /// the mode parameter header and block descriptors.
    ///
    /// # Errors
    /// [`RecorderError::NoSuchModePage`] when the drive rejects or lacks the page;
    /// STD-DEV errors.
    pub fn get_mode_page(
        &mut self,
        page: u8,
        request_type: PageControl,
    ) -> Result<Vec<u8>, RecorderError> {
        let no_page = || RecorderError::NoSuchModePage {
            device: self.id.clone(),
            page,
        };
        match self.drive.mode_page(request_type, page) {
            Ok(Some(p)) => Ok(p.bytes),
            Ok(None) => Err(no_page()),
            Err(e) if e.is_sense(&Sense::INVALID_FIELD_IN_CDB) => Err(no_page()),
            Err(e) => Err(self.map(e)),
        }
    }

    /// SetModePage(requestType, data): MODE SELECT(10) of `data` (a page with its page
    /// header, no mode header; the header is prepended here, X-08). Only current values
    /// can be set.
    ///
    /// # Errors
    /// [`RecorderError::InvalidArgument`] for a malformed page or a request type other
    /// than current; [`RecorderError::InvalidModeParameters`]; STD-DEV errors.
    pub fn set_mode_page(
        &mut self,
        request_type: PageControl,
        data: &[u8],
    ) -> Result<(), RecorderError> {
        if request_type != PageControl::Current {
            return Err(RecorderError::InvalidArgument(format!(
                "set_mode_page request type {request_type:?} (only current values)"
            )));
        }
        if data.len() < 2 || data[1] as usize + 2 != data.len() {
            return Err(RecorderError::InvalidArgument(format!(
                "mode page of {} bytes does not match its Page Length",
                data.len()
            )));
        }
        self.drive.mode_select(data).map_err(|e| self.map(e))
    }

    /// ReadDvdStructure(format, address, layer, agid): READ DISC STRUCTURE for DVD
    /// (media type 0) with the 4-byte header stripped; only the low 8 bits of `format`
    /// are used.
    ///
    /// # Errors
    /// [`RecorderError::DvdStructureNotPresent`] when the drive answers `5/24/00` or
    /// `5/30/xx`; STD-EX errors.
    pub fn read_dvd_structure(
        &mut self,
        format: u32,
        address: u32,
        layer: u32,
        agid: u32,
    ) -> Result<Vec<u8>, RecorderError> {
        let format = format as u8;
        match self
            .drive
            .read_disc_structure(0, address, layer as u8, format, agid as u8)
        {
            Ok(b) => Ok(b.get(4..).map(<[u8]>::to_vec).unwrap_or_default()),
            Err(e)
                if e.is_sense(&Sense::INVALID_FIELD_IN_CDB)
                    || e.sense().is_some_and(|s| {
                        s.key == discburn_mmc::SenseKey::IllegalRequest && s.asc == 0x30
                    }) =>
            {
                Err(RecorderError::DvdStructureNotPresent {
                    device: self.id.clone(),
                    format,
                })
            }
            Err(e) => Err(self.map(e)),
        }
    }

    /// GetSupportedFeaturePages(currentFeatureOnly).
    ///
    /// # Errors
    /// STD-EX errors.
    pub fn get_supported_feature_pages(
        &mut self,
        current_feature_only: bool,
    ) -> Result<Vec<FeatureCode>, RecorderError> {
        Ok(self
            .features(current_feature_only)?
            .into_iter()
            .map(|f| f.code)
            .collect())
    }

    /// GetSupportedProfiles(currentOnly): the Profile List (filtered by CurrentP).
    ///
    /// # Errors
    /// STD-EX errors.
    pub fn get_supported_profiles(
        &mut self,
        current_only: bool,
    ) -> Result<Vec<Profile>, RecorderError> {
        let c = self
            .drive
            .get_configuration(RequestType::One, FeatureCode::PROFILE_LIST.0)
            .map_err(|e| self.map(e))?;
        Ok(c.profiles()
            .into_iter()
            .filter(|p| !current_only || p.current_p)
            .map(|p| p.profile)
            .collect())
    }

    /// GetSupportedModePages(requestType): page codes of MODE SENSE page 3Fh.
    ///
    /// # Errors
    /// STD-DEV errors.
    pub fn get_supported_mode_pages(
        &mut self,
        request_type: PageControl,
    ) -> Result<Vec<u8>, RecorderError> {
        let m = self
            .drive
            .mode_sense(request_type, 0x3F, 0)
            .map_err(|e| self.map(e))?;
        let mut v: Vec<u8> = m.pages.iter().map(|p| p.page_code).collect();
        v.dedup();
        Ok(v)
    }

    /// GetByteAlignmentMask: the buffer alignment as a power of two. SG_IO copies
    /// through kernel buffers, so any alignment works: 1.
    pub fn get_byte_alignment_mask(&self) -> u32 {
        1
    }

    /// GetMaximumNonPageAlignedTransferSize: the transport's maximum transfer (bytes).
    pub fn get_maximum_non_page_aligned_transfer_size(&self) -> u32 {
        self.drive.max_transfer().min(u32::MAX as usize) as u32
    }

    /// GetMaximumPageAlignedTransferSize: the transport's maximum transfer (bytes;
    /// Linux `max_hw_sectors_kb`).
    pub fn get_maximum_page_aligned_transfer_size(&self) -> u32 {
        self.get_maximum_non_page_aligned_transfer_size()
    }
}

impl Drop for DiscRecorder {
    fn drop(&mut self) {
        if self.exclusive_count > 0 {
            self.exclusive_count = 0;
            let _ = self.drive.transport_mut().unlock();
        }
    }
}
