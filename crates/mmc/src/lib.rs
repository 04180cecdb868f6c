//! MMC command layer for discburn: pure CDB builders ([`cdb`]) and reply parsers
//! ([`reply`]) (sans-I/O), decoded sense data ([`sense`]), the [`Transport`] trait that
//! is the only door to I/O, the [`Drive`] layer above it that owns retries, timeouts and
//! polling, and, with the `recording` Cargo feature, transport wrappers (`Recording`
//! transcripts, `Replay`, `Faulty` fault injection) for tests and bug reports.
//!
//! Source: MMC-6 (T10/1836-D), SPC-4; the byte layouts used here are collected in
//! `shared/reference/mmc.md`.
//!
//! | Command | CDB builder | Reply | Drive helper |
//! |---|---|---|---|
//! | TEST UNIT READY 00h | [`cdb::test_unit_ready`] | – | [`Drive::test_unit_ready`] |
//! | REQUEST SENSE 03h | [`cdb::request_sense`] | [`Sense`] | [`Drive::request_sense`] |
//! | FORMAT UNIT 04h | [`cdb::format_unit`] | [`reply::FormatUnitParameters`] (out) | [`Drive::format_unit`] |
//! | INQUIRY 12h | [`cdb::inquiry`] | [`reply::InquiryData`] | [`Drive::inquiry`] |
//! | START STOP UNIT 1Bh | [`cdb::start_stop_unit`] | – | [`Drive::start_stop_unit`] |
//! | PREVENT ALLOW MEDIUM REMOVAL 1Eh | [`cdb::prevent_allow_medium_removal`] | – | [`Drive::prevent_allow_medium_removal`] |
//! | READ FORMAT CAPACITIES 23h | [`cdb::read_format_capacities`] | [`reply::FormatCapacities`] | [`Drive::read_format_capacities`] |
//! | READ CAPACITY 25h | [`cdb::read_capacity`] | [`reply::ReadCapacity`] | [`Drive::read_capacity`] |
//! | READ(10) 28h / WRITE(10) 2Ah | [`cdb::read10`] / [`cdb::write10`] | data | [`Drive::read10`] / [`Drive::write10`] |
//! | SYNCHRONIZE CACHE 35h | [`cdb::synchronize_cache`] | – | [`Drive::synchronize_cache`] |
//! | READ TOC/PMA/ATIP 43h | [`cdb::read_toc`] | [`reply::Toc`], [`reply::SessionInfo`], [`reply::FullToc`], [`reply::Atip`] | [`Drive::read_toc`], [`Drive::read_session_info`], ... |
//! | GET CONFIGURATION 46h | [`cdb::get_configuration`] | [`reply::Configuration`] | [`Drive::get_configuration`], [`Drive::current_profile`] |
//! | GET EVENT STATUS NOTIFICATION 4Ah | [`cdb::get_event_status_notification`] | [`reply::MediaEventStatus`] | [`Drive::media_event_status`] |
//! | READ DISC INFORMATION 51h | [`cdb::read_disc_information`] | [`reply::DiscInformation`] | [`Drive::disc_information`] |
//! | READ TRACK INFORMATION 52h | [`cdb::read_track_information`] | [`reply::TrackInformation`] | [`Drive::track_information`] |
//! | RESERVE TRACK 53h | [`cdb::reserve_track`] | – | [`Drive::reserve_track`] |
//! | MODE SELECT(10) 55h / MODE SENSE(10) 5Ah | [`cdb::mode_select10`] / [`cdb::mode_sense10`] | [`reply::ModeSense`], [`reply::WriteParameters`] | [`Drive::mode_sense`], [`Drive::mode_select`], [`Drive::write_parameters`] |
//! | CLOSE TRACK/SESSION 5Bh | [`cdb::close_track_session`] | – | [`Drive::close_track_session`] |
//! | READ BUFFER CAPACITY 5Ch | [`cdb::read_buffer_capacity`] | [`reply::BufferCapacity`] | [`Drive::read_buffer_capacity`] |
//! | BLANK A1h | [`cdb::blank`] | – | [`Drive::blank`] |
//! | GET PERFORMANCE ACh (03h) | [`cdb::get_performance_write_speeds`] | [`reply::WriteSpeedDescriptor`] | [`Drive::write_speeds`] |
//! | GET PERFORMANCE ACh (00h) | [`cdb::get_performance`] | [`reply::NominalPerformance`] | – |
//! | SET STREAMING B6h | [`cdb::set_streaming`] | [`reply::PerformanceDescriptor`] (out) | [`Drive::set_streaming`] |
//! | SET CD SPEED BBh | [`cdb::set_cd_speed`] | – | [`Drive::set_cd_speed`] |
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cdb;
pub mod drive;
pub mod error;
pub mod lock;
pub mod profile;
#[cfg(feature = "recording")]
pub mod recording;
pub mod reply;
pub mod sense;
pub mod transport;

pub use cdb::{Cdb, TrackAddress};
pub use drive::{
    Drive, NoSleep, ProgressObserver, RetryPolicy, SECTOR_SIZE, Sleeper, StdSleeper,
    next_track_address,
};
pub use error::{MmcError, ReplyError};
pub use profile::{FeatureCode, MediaClass, Profile};
#[cfg(feature = "recording")]
pub use recording::{Fault, FaultEffect, FaultWhen, Faulty, Recording, Replay, TranscriptRecord};
pub use sense::{Sense, SenseKey};
pub use transport::{Completion, Data, DataDirection, Transport, TransportError};
