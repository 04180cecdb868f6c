//! Reading a disc: open any recorder (a real drive, an emulated disc, an image file or a
//! block device) by path, list its sessions, read a session's tree, and the
//! multisession info a mastering front-end needs. The same entry point serves the
//! append operation ([`crate::append`]), so every target is handled in one place.

use std::path::Path;

use discburn_image::SectorSource;
use discburn_mmc::TrackAddress;
use discburn_reader::sessions::{DiscoveryMethod, list_sessions};
use discburn_reader::{FileSystems, ReadError, ReadOptions, Tree, UdfVolume, Volume};
use discburn_recorder::DiscRecorder;
use discburn_writer::{DiscFormat2Data, MediaState, RecorderSectorSource, media_source};

use crate::Error;

/// One session of a disc, as the session history lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionInfo {
    /// 1-based number.
    pub number: u32,
    /// First LBA (the `sbsector` of `mount -o sbsector=`).
    pub start: u64,
    /// Size in blocks (2048 bytes): what the session's file system occupies (its Volume
    /// Space Size, as `xorriso -toc` shows it), or its tracks' size when it has none.
    pub blocks: u64,
    /// Volume identifier of its primary volume descriptor (ECMA-119 8.4.5; "" if
    /// unreadable).
    pub volume_identifier: String,
    /// Its volume descriptors were replaced by the head of a later session (a first
    /// session mastered at LBA 0 on an image appended to in the random-write layout):
    /// listed, but its tree cannot be opened alone.
    pub descriptors_replaced: bool,
    /// The file systems recorded in the session (IMAPI2 IdentifyFileSystemsOnDisc for
    /// it; empty when unreadable). A UDF volume without ECMA-119 descriptors is listed
    /// as one session at LBA 0 with its Logical Volume Identifier.
    pub file_systems: FileSystems,
    /// The El Torito boot catalog its boot record names (El Torito 2.0), if it has one.
    pub el_torito: Option<SessionBoot>,
    /// The earlier session whose tree this one repeats (its primary volume descriptor
    /// names the same root directory extent, ECMA-119 8.4.18): a rollback record
    /// (`Disc::rollback`) or the bridge of a BD-R Pseudo-Overwrite session over an
    /// interrupted one. `None` for a session with a tree of its own.
    pub repeats: Option<u32>,
}

/// The file systems of the session at `start` (empty when nothing is readable).
fn file_systems_at(src: &mut (impl SectorSource + ?Sized), start: u64) -> FileSystems {
    discburn_reader::identify(src, start).unwrap_or_default()
}

/// The El Torito boot record of a session: the catalog's LBA and its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionBoot {
    /// LBA of the boot catalog (the boot record's Boot Catalog Pointer).
    pub catalog_lba: u32,
    /// The entries in catalog order (the first is the initial/default entry); empty
    /// when the catalog did not decode.
    pub entries: Vec<discburn_reader::BootCatalogEntry>,
    /// Why the catalog did not decode, if it did not.
    pub error: Option<String>,
}

/// The boot record of the session at `start`; `None` without one (or without readable
/// descriptors).
fn session_boot(src: &mut (impl SectorSource + ?Sized), start: u64) -> Option<SessionBoot> {
    let vol = Volume::open(src, start, &ReadOptions::default()).ok()?;
    let catalog_lba = vol.boot_catalog?;
    Some(match vol.read_boot_catalog(src) {
        Ok(Some(c)) => SessionBoot {
            catalog_lba,
            entries: c.entries(),
            error: None,
        },
        Ok(None) => return None,
        Err(e) => SessionBoot {
            catalog_lba,
            entries: Vec::new(),
            error: Some(e.to_string()),
        },
    })
}

/// A recorder opened for reading: the data writer's view of its media
/// ([`DiscFormat2Data`]) and the readers over its sectors.
#[derive(Debug)]
pub struct Disc {
    device: String,
    writer: DiscFormat2Data,
}

impl Disc {
    /// Opens the recorder at `path` (IDiscRecorder2::InitializeDiscRecorder): `/dev/srN`,
    /// an emulated disc, an image file or a block device. The path must exist.
    ///
    /// # Errors
    /// [`Error::NoSuchDrive`]; [`Error::Recorder`] (cannot open, locked, damaged
    /// emulator state).
    pub fn open(path: impl AsRef<Path>) -> Result<Disc, Error> {
        let path = path.as_ref();
        if !path.exists() {
            return Err(Error::NoSuchDrive {
                path: path.display().to_string(),
            });
        }
        Disc::open_recorder(DiscRecorder::open(path)?)
    }

    /// A disc over an already open recorder.
    ///
    /// # Errors
    /// [`Error::Writer`] when the recorder cannot be set.
    pub fn open_recorder(recorder: DiscRecorder) -> Result<Disc, Error> {
        let device = recorder.active_disc_recorder().to_string();
        let writer = DiscFormat2Data::new();
        writer.set_recorder(recorder)?;
        Ok(Disc { device, writer })
    }

    /// The recorder's unique ID (its path).
    pub fn device(&self) -> &str {
        &self.device
    }

    /// The data writer over this recorder, for the IDiscFormat2Data media getters
    /// (CurrentMediaStatus, FreeSectorsOnMedia, MultisessionInterfaces, …).
    pub fn writer(&self) -> &DiscFormat2Data {
        &self.writer
    }

    /// The data writer, taken out (for writing with it).
    pub fn into_writer(self) -> DiscFormat2Data {
        self.writer
    }

    /// True on overwritable media (IMAPI_FORMAT2_DATA_MEDIA_STATE_OVERWRITE_ONLY),
    /// image files and block devices: logical sessions, a head at LBA 0.
    ///
    /// # Errors
    /// [`Error::Writer`] (device errors).
    pub fn is_overwrite(&self) -> Result<bool, Error> {
        Ok(self
            .writer
            .current_media_status()?
            .contains(MediaState::OVERWRITE_ONLY))
    }

    /// The sessions of the disc in LBA order (the session history). Sequential media:
    /// the complete sessions of the drive's table of contents (READ DISC INFORMATION and
    /// READ TRACK INFORMATION, MMC-6 6.22, 6.27); overwritable media and image files:
    /// the ISO 9660 session chain of the head at LBA 16, or a superblock scan (xorriso's
    /// emulated TOC).
    ///
    /// # Errors
    /// [`Error::Writer`], [`Error::Recorder`] (device errors), [`Error::Read`] (a
    /// malformed session chain).
    pub fn sessions(&self) -> Result<Vec<SessionInfo>, Error> {
        let sequential_on_pow = self.sequential_on_pow()?;
        let overwrite = sequential_on_pow.is_some()
            || self
                .writer
                .current_media_status()?
                .contains(MediaState::OVERWRITE_ONLY);
        let mut rec = self.writer.recorder()?;
        if !overwrite {
            let toc = sequential_toc(&mut rec)?;
            let mut src = RecorderSectorSource::new(&mut *rec)?;
            return Ok(toc
                .into_iter()
                .map(|mut s| {
                    s.file_systems = file_systems_at(&mut src, s.start);
                    if let Ok(v) = Volume::open(&mut src, s.start, &ReadOptions::default()) {
                        s.blocks = recorded_blocks(&s, u64::from(v.primary.volume_space_size));
                        s.volume_identifier = v.primary.volume_identifier;
                    } else if let Ok(u) = UdfVolume::open_with_last_block(
                        &mut src,
                        s.start,
                        // The VAT of a UDF session is its last recorded block.
                        (s.start + s.blocks).saturating_sub(1),
                        &ReadOptions::default(),
                    ) {
                        s.volume_identifier = u.logical_volume_identifier;
                        s.file_systems |= FileSystems::UDF;
                    }
                    s.el_torito = session_boot(&mut src, s.start);
                    s
                })
                .collect());
        }
        let mut src = media_source(&mut *rec)?;
        let list = list_sessions(&mut *src)?;
        if list.sessions.is_empty() {
            // UDF volumes alone (`--fs udf`, mkudffs): each session a volume after the
            // one before, the newest named by the anchor at LBA 256.
            let generations = UdfVolume::generations(&mut *src, &ReadOptions::default())?;
            if !generations.is_empty() {
                return Ok(generations
                    .into_iter()
                    .enumerate()
                    .map(|(i, g)| SessionInfo {
                        number: i as u32 + 1,
                        start: g.start,
                        blocks: g.end - g.start,
                        volume_identifier: g.logical_volume_identifier,
                        descriptors_replaced: false,
                        file_systems: FileSystems::UDF,
                        el_torito: None,
                        repeats: None,
                    })
                    .collect());
            }
        }
        let head_over_first = list.method == DiscoveryMethod::HeadOverFirstSession;
        let mut after = Vec::new();
        for (i, q) in sequential_on_pow
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            // A session recorded with the Sequential mechanism on a POW disc, past the
            // chain: its Volume Space Size counts from LBA 0.
            let mut s = SessionInfo {
                number: list.sessions.len() as u32 + 1 + i as u32,
                start: q.start,
                blocks: q.end - q.start,
                volume_identifier: String::new(),
                descriptors_replaced: false,
                file_systems: file_systems_at(&mut *src, q.start),
                el_torito: session_boot(&mut *src, q.start),
                repeats: None,
            };
            if let Ok(v) = Volume::open(&mut *src, s.start, &ReadOptions::default()) {
                s.blocks = recorded_blocks(&s, u64::from(v.primary.volume_space_size));
                s.volume_identifier = v.primary.volume_identifier;
            }
            after.push(s);
        }
        let roots: Vec<(u32, u32)> = list
            .sessions
            .iter()
            .map(|s| (s.root_lba, s.number))
            .collect();
        Ok(list
            .sessions
            .into_iter()
            .map(|s| {
                let replaced = head_over_first && s.number == 1;
                let repeats = roots
                    .iter()
                    .find(|(root, n)| *n < s.number && *root == s.root_lba && *root != 0)
                    .map(|(_, n)| *n);
                SessionInfo {
                    repeats,
                    number: s.number,
                    start: s.start,
                    blocks: s.size,
                    volume_identifier: s.volume_identifier,
                    descriptors_replaced: replaced,
                    file_systems: if replaced {
                        FileSystems::empty()
                    } else {
                        file_systems_at(&mut *src, s.start)
                    },
                    el_torito: if replaced {
                        None
                    } else {
                        session_boot(&mut *src, s.start)
                    },
                }
            })
            .collect::<Vec<_>>()
            .into_iter()
            .chain(after)
            .collect())
    }

    /// On a BD-R formatted for Pseudo-Overwrite: the sessions recorded with the
    /// Sequential mechanism after the session chain (by their tracks, see
    /// [`discburn_writer::MsftMultisessionPseudoOverwrite::sequential_sessions`]);
    /// `None` on any other media.
    ///
    /// # Errors
    /// [`Error::Writer`] (device errors).
    pub(crate) fn sequential_on_pow(
        &self,
    ) -> Result<Option<Vec<discburn_writer::SequentialSession>>, Error> {
        if self.writer.current_physical_media_type()? != discburn_writer::PhysicalMediaType::BdR {
            return Ok(None);
        }
        Ok(self.writer.multisession_interfaces()?.iter().find_map(|m| {
            m.as_any()
                .downcast_ref::<discburn_writer::MsftMultisessionPseudoOverwrite>()
                .map(|p| p.sequential_sessions().to_vec())
        }))
    }

    /// `(START, NWA)` as `cdrecord -msinfo` prints it for `mkisofs -C START,NWA`:
    /// sequential media give the start of the last complete session (READ TOC format 1)
    /// and the next writable address; overwritable media and image files give 0 and the
    /// end of the session chain rounded up to 32 blocks (the head at LBA 0 always
    /// describes the newest session). `None` on blank media: there is no previous
    /// session to continue.
    ///
    /// # Errors
    /// [`Error::Finalized`] on closed media; device and read errors.
    pub fn msinfo(&self) -> Result<Option<(u64, u64)>, Error> {
        let status = self.writer.current_media_status()?;
        if status.contains(MediaState::FINALIZED) {
            return Err(Error::Finalized {
                device: self.device.clone(),
                state: status,
            });
        }
        if status.contains(MediaState::OVERWRITE_ONLY) {
            if self.writer.media_physically_blank()? {
                return Ok(None);
            }
            let mut src = self.writer.media_source()?;
            let list = list_sessions(&mut *src)?;
            if list.sessions.is_empty() {
                return Ok(None);
            }
            return Ok(Some((0, list.next_session_start())));
        }
        let start = self.writer.start_address_of_previous_session()?;
        if start < 0 {
            return Ok(None);
        }
        let nwa = self.writer.next_writable_address()?;
        Ok(Some((start as u64, nwa.max(0) as u64)))
    }

    /// Repairs the medium after an interrupted write so that it takes sessions again
    /// (`DiscFormat2Data::repair`; no IMAPI2 equivalent): sequential media get their
    /// open tracks and session closed (MMC-6 6.3 CLOSE TRACK/SESSION), keeping a
    /// completely recorded session or following it with a rescue session that repeats
    /// the last complete one; overwritable media and image files get the volume
    /// descriptors of the interrupted session's leftovers cleared. Complete sessions are
    /// never written. Exclusive access is held under the client name `discburn`.
    ///
    /// # Errors
    /// [`Error::Writer`]: E_IMAPI_RECORDER_LOCKED, E_IMAPI_DF2DATA_INVALID_MEDIA_STATE
    /// (finalized or write-protected media), E_IMAPI_DF2DATA_MEDIA_NOT_BLANK (the target
    /// holds data that is not ours), device errors.
    pub fn repair(self) -> Result<discburn_writer::RepairReport, Error> {
        self.writer.set_client_name(crate::append::CLIENT_NAME)?;
        Ok(self.writer.repair()?)
    }

    /// The media as an owned sector source (the image file itself, else READ(10)).
    ///
    /// # Errors
    /// [`Error::Writer`] (device errors, opening the image file).
    pub fn into_media_source(self) -> Result<Box<dyn SectorSource>, Error> {
        let rec = self
            .writer
            .take_recorder()?
            .ok_or(discburn_writer::WriterError::RecorderRequired)?;
        Ok(media_source(Box::new(rec))?)
    }

    /// The media as a sector source and the tree of session `number` (default: the
    /// last) in the preferred view: Rock Ridge names, else Joliet, else ISO 9660; the
    /// UDF file set of a session without ECMA-119 descriptors.
    ///
    /// # Errors
    /// [`Error::NoSuchSession`], [`Error::DescriptorsReplaced`], [`Error::Read`] and
    /// those of [`Disc::sessions`].
    pub fn open_tree(self, number: Option<u32>) -> Result<(Box<dyn SectorSource>, Tree), Error> {
        let sessions = self.sessions()?;
        let device = self.device.clone();
        let s = match number {
            Some(n) => sessions.iter().find(|s| s.number == n),
            None => sessions.last(),
        }
        .ok_or_else(|| Error::NoSuchSession {
            device: device.clone(),
            number,
            count: sessions.len(),
        })?;
        if s.descriptors_replaced {
            return Err(Error::DescriptorsReplaced {
                device,
                number: s.number,
            });
        }
        let (start, blocks) = (s.start, s.blocks);
        let mut src = self.into_media_source()?;
        let options = ReadOptions::default();
        let tree = match Volume::open(&mut *src, start, &options) {
            Ok(vol) => vol.read_tree(&mut *src, vol.default_view())?,
            Err(ReadError::NoVolume { .. }) if s.file_systems.contains(FileSystems::UDF) => {
                // A UDF session: its VAT, if any, is its last recorded block.
                let last = (start + blocks).saturating_sub(1);
                UdfVolume::open_with_last_block(&mut *src, start, last, &options)?
                    .read_tree(&mut *src)?
            }
            Err(e) => return Err(e.into()),
        };
        Ok((src, tree))
    }
}

/// The blocks of session `s` that its file system occupies, from its Volume Space Size
/// (ECMA-119 8.4.8): counted from LBA 0 (discburn, genisoimage and xorriso `-C` on
/// sequential media) or from the session start, whichever fits in the session's tracks;
/// the tracks' size otherwise. The tracks also hold the CD post-gap, the run-out and the
/// padding to the write unit, which the session's size leaves out (as `xorriso -toc`).
fn recorded_blocks(s: &SessionInfo, volume_space_size: u64) -> u64 {
    let tracks = s.blocks;
    if volume_space_size > s.start && volume_space_size - s.start <= tracks {
        volume_space_size - s.start
    } else if volume_space_size > 0 && volume_space_size <= tracks {
        volume_space_size
    } else {
        tracks
    }
}

/// The complete sessions of sequential media from the drive's track table.
pub(crate) fn sequential_toc(rec: &mut DiscRecorder) -> Result<Vec<SessionInfo>, Error> {
    let mut toc: Vec<SessionInfo> = Vec::new();
    let di = rec.disc_information()?;
    let complete = u32::from(di.complete_sessions());
    if complete == 0 {
        return Ok(toc);
    }
    let first = u32::from(di.first_track_number.max(1));
    let last = u32::from(di.last_track_in_last_session);
    for n in first..=last {
        let t = rec.track_information(TrackAddress::Track(n))?;
        let s = u32::from(t.session_number);
        if s == 0 || s > complete {
            continue;
        }
        let end = t
            .last_recorded_address
            .map_or(t.track_start_address + t.track_size, |l| l + 1);
        match toc.last_mut() {
            Some(last) if last.number == s => {
                last.blocks = u64::from(end).saturating_sub(last.start);
            }
            _ => toc.push(SessionInfo {
                number: s,
                start: u64::from(t.track_start_address),
                blocks: u64::from(end - t.track_start_address),
                volume_identifier: String::new(),
                descriptors_replaced: false,
                file_systems: FileSystems::empty(),
                el_torito: None,
                repeats: None,
            }),
        }
    }
    Ok(toc)
}
