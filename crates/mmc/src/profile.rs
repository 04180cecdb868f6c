//! MMC profiles (MMC-6 5.3.1, Table 83; IMAPI_PROFILE_TYPE) and feature codes
//! (MMC-6 5.3; IMAPI_FEATURE_PAGE_TYPE).

use std::fmt;

/// An MMC profile: the kind of medium currently loaded (GET CONFIGURATION header bytes
/// 6-7) or one the drive can handle (Profile List feature 0000h). mmc.md §1.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Profile {
    /// 0000h: no current profile (no medium).
    None,
    /// 0001h Non-removable disk.
    NonRemovableDisk,
    /// 0002h Removable disk (also "stdio" files and block devices).
    RemovableDisk,
    /// 0003h MO erasable.
    MoErasable,
    /// 0004h MO write once.
    MoWriteOnce,
    /// 0005h AS-MO.
    AsMo,
    /// 0008h CD-ROM.
    CdRom,
    /// 0009h CD-R.
    CdR,
    /// 000Ah CD-RW.
    CdRw,
    /// 0010h DVD-ROM.
    DvdRom,
    /// 0011h DVD-R Sequential recording.
    DvdMinusRSequential,
    /// 0012h DVD-RAM.
    DvdRam,
    /// 0013h DVD-RW Restricted Overwrite.
    DvdMinusRwRestrictedOverwrite,
    /// 0014h DVD-RW Sequential recording.
    DvdMinusRwSequential,
    /// 0015h DVD-R Dual Layer Sequential recording.
    DvdMinusRDlSequential,
    /// 0016h DVD-R Dual Layer Jump recording.
    DvdMinusRDlLayerJump,
    /// 0017h DVD-RW Dual Layer.
    DvdMinusRwDl,
    /// 001Ah DVD+RW.
    DvdPlusRw,
    /// 001Bh DVD+R.
    DvdPlusR,
    /// 002Ah DVD+RW Dual Layer.
    DvdPlusRwDl,
    /// 002Bh DVD+R Dual Layer.
    DvdPlusRDl,
    /// 0040h BD-ROM.
    BdRom,
    /// 0041h BD-R Sequential Recording Mode (SRM).
    BdRSequential,
    /// 0042h BD-R Random Recording Mode (RRM).
    BdRRandom,
    /// 0043h BD-RE.
    BdRe,
    /// 0050h HD DVD-ROM.
    HdDvdRom,
    /// 0051h HD DVD-R.
    HdDvdR,
    /// 0052h HD DVD-RAM.
    HdDvdRam,
    /// FFFFh non-conforming.
    NonStandard,
    /// Any other number.
    Other(u16),
}

/// Writing model of a profile (mmc.md §1.2 "classes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MediaClass {
    /// Not writable (ROM media, no medium, unknown).
    ReadOnly,
    /// Sequential: sessions and tracks, written at the next writable address.
    Sequential,
    /// Overwriteable: random 2 KiB writes (DVD-RW RO: 32 KiB aligned), no NWA.
    Overwriteable,
}

impl Profile {
    /// The profile with MMC number `n`.
    pub const fn from_number(n: u16) -> Profile {
        match n {
            0x0000 => Profile::None,
            0x0001 => Profile::NonRemovableDisk,
            0x0002 => Profile::RemovableDisk,
            0x0003 => Profile::MoErasable,
            0x0004 => Profile::MoWriteOnce,
            0x0005 => Profile::AsMo,
            0x0008 => Profile::CdRom,
            0x0009 => Profile::CdR,
            0x000A => Profile::CdRw,
            0x0010 => Profile::DvdRom,
            0x0011 => Profile::DvdMinusRSequential,
            0x0012 => Profile::DvdRam,
            0x0013 => Profile::DvdMinusRwRestrictedOverwrite,
            0x0014 => Profile::DvdMinusRwSequential,
            0x0015 => Profile::DvdMinusRDlSequential,
            0x0016 => Profile::DvdMinusRDlLayerJump,
            0x0017 => Profile::DvdMinusRwDl,
            0x001A => Profile::DvdPlusRw,
            0x001B => Profile::DvdPlusR,
            0x002A => Profile::DvdPlusRwDl,
            0x002B => Profile::DvdPlusRDl,
            0x0040 => Profile::BdRom,
            0x0041 => Profile::BdRSequential,
            0x0042 => Profile::BdRRandom,
            0x0043 => Profile::BdRe,
            0x0050 => Profile::HdDvdRom,
            0x0051 => Profile::HdDvdR,
            0x0052 => Profile::HdDvdRam,
            0xFFFF => Profile::NonStandard,
            other => Profile::Other(other),
        }
    }

    /// The MMC profile number.
    pub const fn number(self) -> u16 {
        match self {
            Profile::None => 0x0000,
            Profile::NonRemovableDisk => 0x0001,
            Profile::RemovableDisk => 0x0002,
            Profile::MoErasable => 0x0003,
            Profile::MoWriteOnce => 0x0004,
            Profile::AsMo => 0x0005,
            Profile::CdRom => 0x0008,
            Profile::CdR => 0x0009,
            Profile::CdRw => 0x000A,
            Profile::DvdRom => 0x0010,
            Profile::DvdMinusRSequential => 0x0011,
            Profile::DvdRam => 0x0012,
            Profile::DvdMinusRwRestrictedOverwrite => 0x0013,
            Profile::DvdMinusRwSequential => 0x0014,
            Profile::DvdMinusRDlSequential => 0x0015,
            Profile::DvdMinusRDlLayerJump => 0x0016,
            Profile::DvdMinusRwDl => 0x0017,
            Profile::DvdPlusRw => 0x001A,
            Profile::DvdPlusR => 0x001B,
            Profile::DvdPlusRwDl => 0x002A,
            Profile::DvdPlusRDl => 0x002B,
            Profile::BdRom => 0x0040,
            Profile::BdRSequential => 0x0041,
            Profile::BdRRandom => 0x0042,
            Profile::BdRe => 0x0043,
            Profile::HdDvdRom => 0x0050,
            Profile::HdDvdR => 0x0051,
            Profile::HdDvdRam => 0x0052,
            Profile::NonStandard => 0xFFFF,
            Profile::Other(n) => n,
        }
    }

    /// A short human name ("CD-R", "DVD+R DL", "BD-R SRM").
    pub const fn name(self) -> &'static str {
        match self {
            Profile::None => "no medium",
            Profile::NonRemovableDisk => "non-removable disk",
            Profile::RemovableDisk => "removable disk",
            Profile::MoErasable => "MO erasable",
            Profile::MoWriteOnce => "MO write once",
            Profile::AsMo => "AS-MO",
            Profile::CdRom => "CD-ROM",
            Profile::CdR => "CD-R",
            Profile::CdRw => "CD-RW",
            Profile::DvdRom => "DVD-ROM",
            Profile::DvdMinusRSequential => "DVD-R sequential",
            Profile::DvdRam => "DVD-RAM",
            Profile::DvdMinusRwRestrictedOverwrite => "DVD-RW restricted overwrite",
            Profile::DvdMinusRwSequential => "DVD-RW sequential",
            Profile::DvdMinusRDlSequential => "DVD-R DL sequential",
            Profile::DvdMinusRDlLayerJump => "DVD-R DL layer jump",
            Profile::DvdMinusRwDl => "DVD-RW DL",
            Profile::DvdPlusRw => "DVD+RW",
            Profile::DvdPlusR => "DVD+R",
            Profile::DvdPlusRwDl => "DVD+RW DL",
            Profile::DvdPlusRDl => "DVD+R DL",
            Profile::BdRom => "BD-ROM",
            Profile::BdRSequential => "BD-R SRM",
            Profile::BdRRandom => "BD-R RRM",
            Profile::BdRe => "BD-RE",
            Profile::HdDvdRom => "HD DVD-ROM",
            Profile::HdDvdR => "HD DVD-R",
            Profile::HdDvdRam => "HD DVD-RAM",
            Profile::NonStandard => "non-standard",
            Profile::Other(_) => "unknown profile",
        }
    }

    /// The writing model (mmc.md §1.2). BD-R SRM is [`MediaClass::Sequential`] even when
    /// formatted for POW (that is signalled by feature 0038h, not by the profile).
    /// CD-RW is sequential (its formatted fixed-packet mode is not distinguished here).
    pub const fn media_class(self) -> MediaClass {
        match self {
            Profile::CdR
            | Profile::CdRw
            | Profile::DvdMinusRSequential
            | Profile::DvdMinusRwSequential
            | Profile::DvdMinusRDlSequential
            | Profile::DvdPlusR
            | Profile::DvdPlusRDl
            | Profile::BdRSequential => MediaClass::Sequential,
            Profile::DvdRam
            | Profile::DvdMinusRwRestrictedOverwrite
            | Profile::DvdPlusRw
            | Profile::DvdPlusRwDl
            | Profile::BdRe
            | Profile::RemovableDisk
            | Profile::NonRemovableDisk
            | Profile::MoErasable => MediaClass::Overwriteable,
            _ => MediaClass::ReadOnly,
        }
    }

    /// True for CD profiles (0008h-000Ah).
    pub const fn is_cd(self) -> bool {
        matches!(self, Profile::CdRom | Profile::CdR | Profile::CdRw)
    }

    /// True for DVD profiles (0010h-002Bh).
    pub const fn is_dvd(self) -> bool {
        let n = self.number();
        n >= 0x0010 && n <= 0x002B
    }

    /// True for BD profiles (0040h-0043h).
    pub const fn is_bd(self) -> bool {
        matches!(
            self,
            Profile::BdRom | Profile::BdRSequential | Profile::BdRRandom | Profile::BdRe
        )
    }

    /// Whether READ TRACK INFORMATION accepts track number FFh (invisible/incomplete
    /// track) for this profile: CD and DVD+R(/DL) only (mmc.md §3, libburn
    /// `mmc_read_track_info`).
    pub const fn accepts_invisible_track_ffh(self) -> bool {
        matches!(
            self,
            Profile::CdR | Profile::CdRw | Profile::DvdPlusR | Profile::DvdPlusRDl
        )
    }
}

impl From<u16> for Profile {
    fn from(n: u16) -> Profile {
        Profile::from_number(n)
    }
}

impl From<Profile> for u16 {
    fn from(p: Profile) -> u16 {
        p.number()
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({:04X}h)", self.name(), self.number())
    }
}

/// An MMC feature code (MMC-6 5.3, IMAPI_FEATURE_PAGE_TYPE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FeatureCode(pub u16);

impl FeatureCode {
    /// 0000h Profile List.
    pub const PROFILE_LIST: FeatureCode = FeatureCode(0x0000);
    /// 0001h Core.
    pub const CORE: FeatureCode = FeatureCode(0x0001);
    /// 0002h Morphing.
    pub const MORPHING: FeatureCode = FeatureCode(0x0002);
    /// 0003h Removable Medium.
    pub const REMOVABLE_MEDIUM: FeatureCode = FeatureCode(0x0003);
    /// 0004h Write Protect.
    pub const WRITE_PROTECT: FeatureCode = FeatureCode(0x0004);
    /// 0010h Random Readable.
    pub const RANDOM_READABLE: FeatureCode = FeatureCode(0x0010);
    /// 001Dh Multi-Read.
    pub const MULTI_READ: FeatureCode = FeatureCode(0x001D);
    /// 001Eh CD Read.
    pub const CD_READ: FeatureCode = FeatureCode(0x001E);
    /// 001Fh DVD Read.
    pub const DVD_READ: FeatureCode = FeatureCode(0x001F);
    /// 0020h Random Writable.
    pub const RANDOM_WRITABLE: FeatureCode = FeatureCode(0x0020);
    /// 0021h Incremental Streaming Writable.
    pub const INCREMENTAL_STREAMING_WRITABLE: FeatureCode = FeatureCode(0x0021);
    /// 0022h Sector Erasable.
    pub const SECTOR_ERASABLE: FeatureCode = FeatureCode(0x0022);
    /// 0023h Formattable.
    pub const FORMATTABLE: FeatureCode = FeatureCode(0x0023);
    /// 0024h Hardware Defect Management.
    pub const HARDWARE_DEFECT_MANAGEMENT: FeatureCode = FeatureCode(0x0024);
    /// 0025h Write Once.
    pub const WRITE_ONCE: FeatureCode = FeatureCode(0x0025);
    /// 0026h Restricted Overwrite.
    pub const RESTRICTED_OVERWRITE: FeatureCode = FeatureCode(0x0026);
    /// 0027h CD-RW CAV Write.
    pub const CDRW_CAV_WRITE: FeatureCode = FeatureCode(0x0027);
    /// 0028h MRW.
    pub const MRW: FeatureCode = FeatureCode(0x0028);
    /// 0029h Enhanced Defect Reporting.
    pub const ENHANCED_DEFECT_REPORTING: FeatureCode = FeatureCode(0x0029);
    /// 002Ah DVD+RW.
    pub const DVD_PLUS_RW: FeatureCode = FeatureCode(0x002A);
    /// 002Bh DVD+R.
    pub const DVD_PLUS_R: FeatureCode = FeatureCode(0x002B);
    /// 002Ch Rigid Restricted Overwrite.
    pub const RIGID_RESTRICTED_OVERWRITE: FeatureCode = FeatureCode(0x002C);
    /// 002Dh CD Track at Once.
    pub const CD_TRACK_AT_ONCE: FeatureCode = FeatureCode(0x002D);
    /// 002Eh CD Mastering.
    pub const CD_MASTERING: FeatureCode = FeatureCode(0x002E);
    /// 002Fh DVD-R/-RW Write.
    pub const DVD_DASH_WRITE: FeatureCode = FeatureCode(0x002F);
    /// 0033h Layer Jump Recording.
    pub const LAYER_JUMP_RECORDING: FeatureCode = FeatureCode(0x0033);
    /// 0037h CD-RW Media Write Support.
    pub const CD_RW_MEDIA_WRITE_SUPPORT: FeatureCode = FeatureCode(0x0037);
    /// 0038h BD-R Pseudo-Overwrite (POW).
    pub const BD_PSEUDO_OVERWRITE: FeatureCode = FeatureCode(0x0038);
    /// 003Bh DVD+R Dual Layer.
    pub const DVD_PLUS_R_DUAL_LAYER: FeatureCode = FeatureCode(0x003B);
    /// 0040h BD Read.
    pub const BD_READ: FeatureCode = FeatureCode(0x0040);
    /// 0041h BD Write.
    pub const BD_WRITE: FeatureCode = FeatureCode(0x0041);
    /// 0100h Power Management.
    pub const POWER_MANAGEMENT: FeatureCode = FeatureCode(0x0100);
    /// 0105h Timeout.
    pub const TIMEOUT: FeatureCode = FeatureCode(0x0105);
    /// 0107h Real Time Streaming.
    pub const REAL_TIME_STREAMING: FeatureCode = FeatureCode(0x0107);
    /// 0108h Logical Unit Serial Number.
    pub const LOGICAL_UNIT_SERIAL_NUMBER: FeatureCode = FeatureCode(0x0108);

    /// The MMC feature name, or `None` for codes not in our table.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0x0000 => "Profile List",
            0x0001 => "Core",
            0x0002 => "Morphing",
            0x0003 => "Removable Medium",
            0x0004 => "Write Protect",
            0x0010 => "Random Readable",
            0x001D => "Multi-Read",
            0x001E => "CD Read",
            0x001F => "DVD Read",
            0x0020 => "Random Writable",
            0x0021 => "Incremental Streaming Writable",
            0x0022 => "Sector Erasable",
            0x0023 => "Formattable",
            0x0024 => "Hardware Defect Management",
            0x0025 => "Write Once",
            0x0026 => "Restricted Overwrite",
            0x0027 => "CD-RW CAV Write",
            0x0028 => "MRW",
            0x0029 => "Enhanced Defect Reporting",
            0x002A => "DVD+RW",
            0x002B => "DVD+R",
            0x002C => "Rigid Restricted Overwrite",
            0x002D => "CD Track at Once",
            0x002E => "CD Mastering",
            0x002F => "DVD-R/-RW Write",
            0x0033 => "Layer Jump Recording",
            0x0037 => "CD-RW Media Write Support",
            0x0038 => "BD-R Pseudo-Overwrite",
            0x003B => "DVD+R Dual Layer",
            0x0040 => "BD Read",
            0x0041 => "BD Write",
            0x0100 => "Power Management",
            0x0105 => "Timeout",
            0x0107 => "Real Time Streaming",
            0x0108 => "Logical Unit Serial Number",
            _ => return None,
        })
    }
}

impl fmt::Display for FeatureCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n} ({:04X}h)", self.0),
            None => write!(f, "feature {:04X}h", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_numbers_roundtrip() {
        for n in 0..=0x60u16 {
            assert_eq!(Profile::from_number(n).number(), n);
        }
        assert_eq!(Profile::from_number(0xFFFF), Profile::NonStandard);
        assert_eq!(Profile::from_number(0x0041), Profile::BdRSequential);
        assert_eq!(Profile::DvdPlusRDl.number(), 0x002B);
        assert_eq!(Profile::CdR.to_string(), "CD-R (0009h)");
    }

    #[test]
    fn profile_classes() {
        assert_eq!(Profile::CdR.media_class(), MediaClass::Sequential);
        assert_eq!(Profile::DvdPlusRw.media_class(), MediaClass::Overwriteable);
        assert_eq!(Profile::DvdRom.media_class(), MediaClass::ReadOnly);
        assert!(Profile::DvdPlusR.accepts_invisible_track_ffh());
        assert!(!Profile::DvdMinusRSequential.accepts_invisible_track_ffh());
        assert!(!Profile::BdRSequential.accepts_invisible_track_ffh());
        assert!(Profile::DvdPlusRDl.is_dvd() && Profile::BdRe.is_bd() && Profile::CdRw.is_cd());
    }
}
