//! Recorders (IMAPI2 IDiscMaster2, IDiscRecorder2, IDiscRecorder2Ex): enumeration of real
//! recorders, opening real drives, emulated discs and stdio targets by path, identity,
//! profiles and features, media, counted exclusive access, raw MMC commands.
//!
//! | IMAPI2 | here |
//! |---|---|
//! | IDiscMaster2 | [`DiscMaster`] (`count`, `item`, `recorders`, `is_supported_environment`) |
//! | IDiscRecorder2::InitializeDiscRecorder | [`DiscRecorder::open`] |
//! | IDiscRecorder2 properties/methods | [`DiscRecorder`] (`vendor_id`, `product_id`, `product_revision`, `volume_name`, `volume_path_names`, `device_can_load_media`, `legacy_device_number`, `supported_feature_pages`, `current_feature_pages`, `supported_profiles`, `current_profiles`, `supported_mode_pages`, `acquire_exclusive_access`, `release_exclusive_access`, `exclusive_access_owner`, `disable_mcn`, `enable_mcn`, `eject_media`, `close_tray`) |
//! | IDiscRecorder2Ex | [`DiscRecorder`] (`send_command_no_data`, `send_command_send_data_to_device`, `send_command_get_data_from_device`, `get_disc_information`, `get_track_information`, `get_feature_page`, `get_mode_page`, `set_mode_page`, `get_supported_feature_pages`, `get_supported_profiles`, `get_supported_mode_pages`, `get_byte_alignment_mask`, `get_maximum_*_transfer_size`, `read_dvd_structure`); SendDvdStructure and the adapter/device descriptors are not implemented |
//! | image files, block devices | [`StdioDrive`] (profile 0002h, random-writable), [`DiscRecorder::open_stdio`] |
//! | HRESULTs | [`RecorderError::hresult`], [`RecorderError::imapi_name`] |
//!
//! # Cargo features
//!
//! | feature | default | what |
//! |---|---|---|
//! | `sgio` | yes | real drives (`/dev/srN`) through `discburn-sgio`, and [`DiscMaster`] enumeration |
//! | `emu` | yes | emulated discs through `discburn-emu` |
//!
//! Image files and block devices ([`StdioDrive`]) need neither. Without a feature,
//! [`DiscRecorder::open`] refuses the paths it would serve with
//! [`RecorderError::BackendNotBuilt`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod backend;
#[cfg(feature = "emu")]
mod emu_backend;
mod error;
mod master;
mod media;
mod recorder;
mod stdio;

#[cfg(feature = "sgio")]
pub use backend::RealDrive;
pub use backend::{BackendKind, OWNER_FILE_DIR, RecorderTransport};
pub use error::{RecorderError, S_IMAPI_COMMAND_HAS_SENSE_DATA};
pub use master::DiscMaster;
pub use media::PhysicalMediaType;
pub use recorder::{
    CommandStatus, DiscRecorder, RecorderDrive, is_real_drive_path, is_valid_client_name,
    mount_points_of,
};
pub use stdio::StdioDrive;

#[cfg(test)]
mod tests;
