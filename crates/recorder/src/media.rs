//! IMAPI_MEDIA_PHYSICAL_TYPE (imapi2.md §1.3) from the MMC current profile.

use discburn_mmc::Profile;

/// IMAPI_MEDIA_PHYSICAL_TYPE: the kind of medium in the recorder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
#[non_exhaustive]
pub enum PhysicalMediaType {
    /// IMAPI_MEDIA_TYPE_UNKNOWN 0 (also: no medium).
    Unknown = 0,
    /// IMAPI_MEDIA_TYPE_CDROM 1.
    CdRom = 1,
    /// IMAPI_MEDIA_TYPE_CDR 2.
    CdR = 2,
    /// IMAPI_MEDIA_TYPE_CDRW 3.
    CdRw = 3,
    /// IMAPI_MEDIA_TYPE_DVDROM 4.
    DvdRom = 4,
    /// IMAPI_MEDIA_TYPE_DVDRAM 5.
    DvdRam = 5,
    /// IMAPI_MEDIA_TYPE_DVDPLUSR 6.
    DvdPlusR = 6,
    /// IMAPI_MEDIA_TYPE_DVDPLUSRW 7.
    DvdPlusRw = 7,
    /// IMAPI_MEDIA_TYPE_DVDPLUSR_DUALLAYER 8.
    DvdPlusRDualLayer = 8,
    /// IMAPI_MEDIA_TYPE_DVDDASHR 9.
    DvdDashR = 9,
    /// IMAPI_MEDIA_TYPE_DVDDASHRW 10.
    DvdDashRw = 10,
    /// IMAPI_MEDIA_TYPE_DVDDASHR_DUALLAYER 11.
    DvdDashRDualLayer = 11,
    /// IMAPI_MEDIA_TYPE_DISK 12 (randomly writable disk, e.g. a stdio file).
    Disk = 12,
    /// IMAPI_MEDIA_TYPE_DVDPLUSRW_DUALLAYER 13.
    DvdPlusRwDualLayer = 13,
    /// IMAPI_MEDIA_TYPE_HDDVDROM 14.
    HdDvdRom = 14,
    /// IMAPI_MEDIA_TYPE_HDDVDR 15.
    HdDvdR = 15,
    /// IMAPI_MEDIA_TYPE_HDDVDRAM 16.
    HdDvdRam = 16,
    /// IMAPI_MEDIA_TYPE_BDROM 17.
    BdRom = 17,
    /// IMAPI_MEDIA_TYPE_BDR 18.
    BdR = 18,
    /// IMAPI_MEDIA_TYPE_BDRE 19.
    BdRe = 19,
}

impl PhysicalMediaType {
    /// The physical media type of an MMC profile.
    pub fn from_profile(p: Profile) -> PhysicalMediaType {
        use PhysicalMediaType as T;
        match p {
            Profile::CdRom => T::CdRom,
            Profile::CdR => T::CdR,
            Profile::CdRw => T::CdRw,
            Profile::DvdRom => T::DvdRom,
            Profile::DvdRam => T::DvdRam,
            Profile::DvdPlusR => T::DvdPlusR,
            Profile::DvdPlusRw => T::DvdPlusRw,
            Profile::DvdPlusRDl => T::DvdPlusRDualLayer,
            Profile::DvdMinusRSequential => T::DvdDashR,
            Profile::DvdMinusRwRestrictedOverwrite | Profile::DvdMinusRwSequential => T::DvdDashRw,
            Profile::DvdMinusRDlSequential | Profile::DvdMinusRDlLayerJump => T::DvdDashRDualLayer,
            Profile::DvdPlusRwDl => T::DvdPlusRwDualLayer,
            Profile::NonRemovableDisk
            | Profile::RemovableDisk
            | Profile::MoErasable
            | Profile::MoWriteOnce
            | Profile::AsMo => T::Disk,
            Profile::HdDvdRom => T::HdDvdRom,
            Profile::HdDvdR => T::HdDvdR,
            Profile::HdDvdRam => T::HdDvdRam,
            Profile::BdRom => T::BdRom,
            Profile::BdRSequential | Profile::BdRRandom => T::BdR,
            Profile::BdRe => T::BdRe,
            _ => T::Unknown,
        }
    }

    /// The IMAPI constant value.
    pub fn value(self) -> u32 {
        self as u32
    }

    /// The IMAPI constant name ("IMAPI_MEDIA_TYPE_DVDPLUSR").
    pub fn imapi_name(self) -> &'static str {
        use PhysicalMediaType as T;
        match self {
            T::Unknown => "IMAPI_MEDIA_TYPE_UNKNOWN",
            T::CdRom => "IMAPI_MEDIA_TYPE_CDROM",
            T::CdR => "IMAPI_MEDIA_TYPE_CDR",
            T::CdRw => "IMAPI_MEDIA_TYPE_CDRW",
            T::DvdRom => "IMAPI_MEDIA_TYPE_DVDROM",
            T::DvdRam => "IMAPI_MEDIA_TYPE_DVDRAM",
            T::DvdPlusR => "IMAPI_MEDIA_TYPE_DVDPLUSR",
            T::DvdPlusRw => "IMAPI_MEDIA_TYPE_DVDPLUSRW",
            T::DvdPlusRDualLayer => "IMAPI_MEDIA_TYPE_DVDPLUSR_DUALLAYER",
            T::DvdDashR => "IMAPI_MEDIA_TYPE_DVDDASHR",
            T::DvdDashRw => "IMAPI_MEDIA_TYPE_DVDDASHRW",
            T::DvdDashRDualLayer => "IMAPI_MEDIA_TYPE_DVDDASHR_DUALLAYER",
            T::Disk => "IMAPI_MEDIA_TYPE_DISK",
            T::DvdPlusRwDualLayer => "IMAPI_MEDIA_TYPE_DVDPLUSRW_DUALLAYER",
            T::HdDvdRom => "IMAPI_MEDIA_TYPE_HDDVDROM",
            T::HdDvdR => "IMAPI_MEDIA_TYPE_HDDVDR",
            T::HdDvdRam => "IMAPI_MEDIA_TYPE_HDDVDRAM",
            T::BdRom => "IMAPI_MEDIA_TYPE_BDROM",
            T::BdR => "IMAPI_MEDIA_TYPE_BDR",
            T::BdRe => "IMAPI_MEDIA_TYPE_BDRE",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping() {
        assert_eq!(PhysicalMediaType::from_profile(Profile::CdR).value(), 2);
        assert_eq!(
            PhysicalMediaType::from_profile(Profile::DvdPlusRDl).value(),
            8
        );
        assert_eq!(
            PhysicalMediaType::from_profile(Profile::DvdMinusRwRestrictedOverwrite).value(),
            10
        );
        assert_eq!(
            PhysicalMediaType::from_profile(Profile::RemovableDisk).value(),
            12
        );
        assert_eq!(
            PhysicalMediaType::from_profile(Profile::BdRSequential).value(),
            18
        );
        assert_eq!(PhysicalMediaType::from_profile(Profile::BdRe).value(), 19);
        assert_eq!(PhysicalMediaType::from_profile(Profile::None).value(), 0);
        assert_eq!(
            PhysicalMediaType::from_profile(Profile::DvdPlusR).imapi_name(),
            "IMAPI_MEDIA_TYPE_DVDPLUSR"
        );
    }
}
