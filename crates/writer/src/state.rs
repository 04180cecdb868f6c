//! IMAPI2 enumerations of the data writer with their header values: media state flags
//! (IMAPI_FORMAT2_DATA_MEDIA_STATE, imapi2.md §1.2), write-protect flags
//! (IMAPI_MEDIA_WRITE_PROTECT_STATE, §1.4), write actions
//! (IMAPI_FORMAT2_DATA_WRITE_ACTION, §1.5) and the sector/speed constants (§1.1).

use std::fmt;
use std::ops::{BitOr, BitOrAssign};

/// IMAPI_SECTOR_SIZE: bytes per logical sector.
pub const IMAPI_SECTOR_SIZE: u32 = discburn_format::SECTOR_SIZE as u32;
/// IMAPI_SECTORS_PER_SECOND_AT_1X_CD.
pub const IMAPI_SECTORS_PER_SECOND_AT_1X_CD: u32 = 75;
/// IMAPI_SECTORS_PER_SECOND_AT_1X_DVD.
pub const IMAPI_SECTORS_PER_SECOND_AT_1X_DVD: u32 = 680;
/// IMAPI_SECTORS_PER_SECOND_AT_1X_BD.
pub const IMAPI_SECTORS_PER_SECOND_AT_1X_BD: u32 = 2195;
/// IMAPI_SECTORS_PER_SECOND_AT_1X_HD_DVD.
pub const IMAPI_SECTORS_PER_SECOND_AT_1X_HD_DVD: u32 = 4568;

/// The members IMAPI's bit-mask types share: `bits`, `contains`, `names` (from the
/// type's `NAMES` table), `|`, `|=`, and Debug / Display as `NAME|NAME` (`$empty` when
/// no bit is set).
macro_rules! imapi_flag_set {
    ($ty:ident, $empty:literal) => {
        impl $ty {
            /// The raw value.
            pub const fn bits(self) -> u32 {
                self.0
            }

            /// True when every bit of `other` is set.
            pub const fn contains(self, other: $ty) -> bool {
                self.0 & other.0 == other.0
            }

            /// The names of the bits set (the IMAPI constant names without the prefix).
            pub fn names(self) -> Vec<&'static str> {
                Self::NAMES
                    .iter()
                    .filter(|(b, _)| self.0 & b != 0)
                    .map(|(_, n)| *n)
                    .collect()
            }
        }

        impl BitOr for $ty {
            type Output = $ty;
            fn bitor(self, rhs: $ty) -> $ty {
                $ty(self.0 | rhs.0)
            }
        }

        impl BitOrAssign for $ty {
            fn bitor_assign(&mut self, rhs: $ty) {
                self.0 |= rhs.0;
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($ty), "({:#06X} {})"), self.0, self)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let n = self.names();
                if n.is_empty() {
                    f.write_str($empty)
                } else {
                    f.write_str(&n.join("|"))
                }
            }
        }
    };
}

imapi_flag_set!(MediaState, "UNKNOWN");
imapi_flag_set!(WriteProtectState, "NONE");

/// IMAPI_FORMAT2_DATA_MEDIA_STATE: a bit mask; several bits can be set at once. The
/// media is writable by the data writer iff `(state & UNSUPPORTED_MASK) == 0` (D-06).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MediaState(pub u32);

impl MediaState {
    /// IMAPI_FORMAT2_DATA_MEDIA_STATE_UNKNOWN.
    pub const UNKNOWN: MediaState = MediaState(0x0000);
    /// INFORMATIONAL_MASK: the non-error bits.
    pub const INFORMATIONAL_MASK: MediaState = MediaState(0x000F);
    /// UNSUPPORTED_MASK: the "cannot use this media" bits.
    pub const UNSUPPORTED_MASK: MediaState = MediaState(0xFC00);
    /// OVERWRITE_ONLY: random-writable media with a single physical session.
    pub const OVERWRITE_ONLY: MediaState = MediaState(0x0001);
    /// RANDOMLY_WRITABLE: deprecated alias of OVERWRITE_ONLY.
    pub const RANDOMLY_WRITABLE: MediaState = MediaState(0x0001);
    /// BLANK: never used or erased.
    pub const BLANK: MediaState = MediaState(0x0002);
    /// APPENDABLE: sessions can be added.
    pub const APPENDABLE: MediaState = MediaState(0x0004);
    /// FINAL_SESSION: only one more session can be added.
    pub const FINAL_SESSION: MediaState = MediaState(0x0008);
    /// DAMAGED: unusable by this interface.
    pub const DAMAGED: MediaState = MediaState(0x0400);
    /// ERASE_REQUIRED: must be erased before use.
    pub const ERASE_REQUIRED: MediaState = MediaState(0x0800);
    /// NON_EMPTY_SESSION: the last session is open/incomplete.
    pub const NON_EMPTY_SESSION: MediaState = MediaState(0x1000);
    /// WRITE_PROTECTED: media or drive write-protected.
    pub const WRITE_PROTECTED: MediaState = MediaState(0x2000);
    /// FINALIZED: closed; cannot be written.
    pub const FINALIZED: MediaState = MediaState(0x4000);
    /// UNSUPPORTED_MEDIA: not supported by this format.
    pub const UNSUPPORTED_MEDIA: MediaState = MediaState(0x8000);

    const NAMES: [(u32, &'static str); 10] = [
        (0x0001, "OVERWRITE_ONLY"),
        (0x0002, "BLANK"),
        (0x0004, "APPENDABLE"),
        (0x0008, "FINAL_SESSION"),
        (0x0400, "DAMAGED"),
        (0x0800, "ERASE_REQUIRED"),
        (0x1000, "NON_EMPTY_SESSION"),
        (0x2000, "WRITE_PROTECTED"),
        (0x4000, "FINALIZED"),
        (0x8000, "UNSUPPORTED_MEDIA"),
    ];

    /// True when any bit of `other` is set.
    pub const fn intersects(self, other: MediaState) -> bool {
        self.0 & other.0 != 0
    }

    /// True when the data writer can use the media: no bit of UNSUPPORTED_MASK set.
    pub const fn is_usable(self) -> bool {
        !self.intersects(Self::UNSUPPORTED_MASK)
    }
}

/// IMAPI_MEDIA_WRITE_PROTECT_STATE: a bit mask; 0 = not write-protected.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct WriteProtectState(pub u32);

impl WriteProtectState {
    /// Not write-protected.
    pub const NONE: WriteProtectState = WriteProtectState(0);
    /// UNTIL_POWERDOWN: the drive is write-protected until power cycle.
    pub const UNTIL_POWERDOWN: WriteProtectState = WriteProtectState(0x1);
    /// BY_CARTRIDGE: cartridge tab.
    pub const BY_CARTRIDGE: WriteProtectState = WriteProtectState(0x2);
    /// MEDIA_SPECIFIC: media-specific protection.
    pub const MEDIA_SPECIFIC: WriteProtectState = WriteProtectState(0x4);
    /// SOFTWARE: software write protect.
    pub const SOFTWARE: WriteProtectState = WriteProtectState(0x8);
    /// DISC_CONTROL_BLOCK: a disc control block write-protects the media.
    pub const DISC_CONTROL_BLOCK: WriteProtectState = WriteProtectState(0x10);
    /// READ_ONLY_MEDIA: read-only (pressed ROM) media.
    pub const READ_ONLY_MEDIA: WriteProtectState = WriteProtectState(0x4000);

    const NAMES: [(u32, &'static str); 6] = [
        (0x1, "UNTIL_POWERDOWN"),
        (0x2, "BY_CARTRIDGE"),
        (0x4, "MEDIA_SPECIFIC"),
        (0x8, "SOFTWARE"),
        (0x10, "DISC_CONTROL_BLOCK"),
        (0x4000, "READ_ONLY_MEDIA"),
    ];
}

/// IMAPI_FORMAT2_DATA_WRITE_ACTION: the phase reported in progress events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum WriteAction {
    /// VALIDATING_MEDIA 0.
    ValidatingMedia = 0,
    /// FORMATTING_MEDIA 1.
    FormattingMedia = 1,
    /// INITIALIZING_HARDWARE 2.
    InitializingHardware = 2,
    /// CALIBRATING_POWER 3.
    CalibratingPower = 3,
    /// WRITING_DATA 4.
    WritingData = 4,
    /// FINALIZATION 5.
    Finalization = 5,
    /// COMPLETED 6.
    Completed = 6,
    /// VERIFYING 7.
    Verifying = 7,
}

impl WriteAction {
    /// The IMAPI constant value.
    pub const fn value(self) -> u32 {
        self as u32
    }

    /// The IMAPI constant name.
    pub const fn imapi_name(self) -> &'static str {
        match self {
            WriteAction::ValidatingMedia => "IMAPI_FORMAT2_DATA_WRITE_ACTION_VALIDATING_MEDIA",
            WriteAction::FormattingMedia => "IMAPI_FORMAT2_DATA_WRITE_ACTION_FORMATTING_MEDIA",
            WriteAction::InitializingHardware => {
                "IMAPI_FORMAT2_DATA_WRITE_ACTION_INITIALIZING_HARDWARE"
            }
            WriteAction::CalibratingPower => "IMAPI_FORMAT2_DATA_WRITE_ACTION_CALIBRATING_POWER",
            WriteAction::WritingData => "IMAPI_FORMAT2_DATA_WRITE_ACTION_WRITING_DATA",
            WriteAction::Finalization => "IMAPI_FORMAT2_DATA_WRITE_ACTION_FINALIZATION",
            WriteAction::Completed => "IMAPI_FORMAT2_DATA_WRITE_ACTION_COMPLETED",
            WriteAction::Verifying => "IMAPI_FORMAT2_DATA_WRITE_ACTION_VERIFYING",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_02_media_state_values() {
        assert_eq!(MediaState::UNSUPPORTED_MASK.bits(), 0xFC00);
        assert_eq!(MediaState::INFORMATIONAL_MASK.bits(), 0x000F);
        assert_eq!(MediaState::RANDOMLY_WRITABLE, MediaState::OVERWRITE_ONLY);
        assert_eq!(MediaState::OVERWRITE_ONLY.bits(), 1);
        assert_eq!(MediaState::BLANK.bits(), 2);
        assert_eq!(MediaState::APPENDABLE.bits(), 4);
        assert_eq!(MediaState::FINAL_SESSION.bits(), 8);
        assert_eq!(MediaState::DAMAGED.bits(), 0x400);
        assert_eq!(MediaState::ERASE_REQUIRED.bits(), 0x800);
        assert_eq!(MediaState::NON_EMPTY_SESSION.bits(), 0x1000);
        assert_eq!(MediaState::WRITE_PROTECTED.bits(), 0x2000);
        assert_eq!(MediaState::FINALIZED.bits(), 0x4000);
        assert_eq!(MediaState::UNSUPPORTED_MEDIA.bits(), 0x8000);
        let s = MediaState::APPENDABLE | MediaState::FINAL_SESSION;
        assert!(s.is_usable());
        assert_eq!(s.to_string(), "APPENDABLE|FINAL_SESSION");
        assert!(!(s | MediaState::FINALIZED).is_usable());
        assert_eq!(WriteProtectState::READ_ONLY_MEDIA.bits(), 0x4000);
        assert_eq!(WriteProtectState::DISC_CONTROL_BLOCK.bits(), 0x10);
    }

    #[test]
    fn c_04_write_actions() {
        let v: Vec<u32> = [
            WriteAction::ValidatingMedia,
            WriteAction::FormattingMedia,
            WriteAction::InitializingHardware,
            WriteAction::CalibratingPower,
            WriteAction::WritingData,
            WriteAction::Finalization,
            WriteAction::Completed,
            WriteAction::Verifying,
        ]
        .iter()
        .map(|a| a.value())
        .collect();
        assert_eq!(v, (0..8).collect::<Vec<_>>());
    }

    #[test]
    fn c_06_speed_units() {
        assert_eq!(IMAPI_SECTOR_SIZE, 2048);
        assert_eq!(IMAPI_SECTORS_PER_SECOND_AT_1X_CD, 75);
        assert_eq!(IMAPI_SECTORS_PER_SECOND_AT_1X_DVD, 680);
        assert_eq!(IMAPI_SECTORS_PER_SECOND_AT_1X_BD, 2195);
        assert_eq!(IMAPI_SECTORS_PER_SECOND_AT_1X_HD_DVD, 4568);
    }
}
