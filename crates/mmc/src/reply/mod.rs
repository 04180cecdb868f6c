//! Pure reply parsers (and encoders, for the emulator and for round-trip tests): typed
//! structs with MMC field names. Every parser bounds its reads by the structure's own
//! length field and by the buffer, and rejects data too short for the fixed part with
//! [`ReplyError::Short`](crate::ReplyError::Short).

mod capacity;
mod config;
mod disc_info;
mod event;
mod inquiry;
mod mode;
mod performance;
mod toc;
mod track_info;

pub use capacity::{
    BufferCapacity, FormatCapacities, FormatCapacityDescriptor, FormatDescriptorType,
    FormatUnitParameters, ReadCapacity,
};
pub use config::{Configuration, Feature, FeatureDescriptor, ProfileDescriptor, ProfileListIter};
pub use disc_info::{BgFormatStatus, DiscInformation, DiscStatus, OpcTableEntry, SessionState};
pub use event::MediaEventStatus;
pub use inquiry::{InquiryData, PERIPHERAL_DEVICE_TYPE_MMC};
pub use mode::{
    MULTI_SESSION_NEXT_ALLOWED, MULTI_SESSION_NONE, ModePage, ModeSense, WriteParameters,
    WriteType, mode_select_parameter_list,
};
pub use performance::{
    NominalPerformance, NominalPerformanceDescriptor, PerformanceDescriptor, WriteSpeedDescriptor,
    parse_write_speeds,
};
pub use toc::{
    Atip, FullToc, FullTocDescriptor, LEAD_OUT_TRACK, Msf, SessionInfo, Toc, TocDescriptor,
};
pub use track_info::TrackInformation;

pub(crate) fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

pub(crate) fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The number of valid bytes of a reply whose length field at the start counts the
/// bytes after it: `min(field + field_size, buf.len())`.
pub(crate) fn bounded(buf: &[u8], announced_after_field: usize, field_size: usize) -> usize {
    (announced_after_field + field_size).min(buf.len())
}
