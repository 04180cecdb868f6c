//! Media types the emulator can load, their MMC profiles and default capacities.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::EmuError;

/// A recordable medium the emulated recorder can hold.
///
/// The CLI names (`FromStr` / `Display`) are `cd-r cd-rw dvd-r dvd-rw dvd+r dvd+r-dl dvd+rw
/// dvd-ram bd-r bd-re`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum MediaType {
    /// CD-R, profile 0009h (MMC-6 Table 84), sequential TAO multisession.
    #[serde(rename = "cd-r")]
    CdR,
    /// CD-RW, profile 000Ah, sequential; erasable with BLANK.
    #[serde(rename = "cd-rw")]
    CdRw,
    /// DVD-R, profile 0011h (DVD-R Sequential Recording), incremental or DAO.
    #[serde(rename = "dvd-r")]
    DvdMinusR,
    /// DVD-RW, profile 0014h (Sequential Recording); 0013h (Restricted Overwrite) after
    /// FORMAT UNIT.
    #[serde(rename = "dvd-rw")]
    DvdMinusRw,
    /// DVD+R, profile 001Bh, sessions of fragments in 16-block packets.
    #[serde(rename = "dvd+r")]
    DvdPlusR,
    /// DVD+R DL, profile 002Bh.
    #[serde(rename = "dvd+r-dl")]
    DvdPlusRDl,
    /// DVD+RW, profile 001Ah, overwriteable (needs FORMAT UNIT type 26h once).
    #[serde(rename = "dvd+rw")]
    DvdPlusRw,
    /// DVD-RAM, profile 0012h, overwriteable, always formatted.
    #[serde(rename = "dvd-ram")]
    DvdRam,
    /// BD-R, profile 0041h (Sequential Recording Mode); Pseudo-Overwrite when formatted
    /// with sub-type 00b (feature 0038h current).
    #[serde(rename = "bd-r")]
    BdR,
    /// BD-RE, profile 0043h, overwriteable (needs FORMAT UNIT once).
    #[serde(rename = "bd-re")]
    BdRe,
}

impl MediaType {
    /// Every media type, in CLI listing order.
    pub const ALL: [MediaType; 10] = [
        MediaType::CdR,
        MediaType::CdRw,
        MediaType::DvdMinusR,
        MediaType::DvdMinusRw,
        MediaType::DvdPlusR,
        MediaType::DvdPlusRDl,
        MediaType::DvdPlusRw,
        MediaType::DvdRam,
        MediaType::BdR,
        MediaType::BdRe,
    ];

    /// The MMC profile number of a fresh (blank) medium of this type (MMC-6 5.3.1,
    /// `mmc.md` §1.2). DVD-RW reports 0014h until formatted to restricted overwrite (0013h).
    pub fn profile(self) -> u16 {
        match self {
            MediaType::CdR => 0x0009,
            MediaType::CdRw => 0x000A,
            MediaType::DvdMinusR => 0x0011,
            MediaType::DvdMinusRw => 0x0014,
            MediaType::DvdPlusR => 0x001B,
            MediaType::DvdPlusRDl => 0x002B,
            MediaType::DvdPlusRw => 0x001A,
            MediaType::DvdRam => 0x0012,
            MediaType::BdR => 0x0041,
            MediaType::BdRe => 0x0043,
        }
    }

    /// Default capacity in 2048-byte sectors: the user blocks a blank medium offers
    /// (`mmc.md` §6.1, §9.3–§9.7):
    ///
    /// | media | sectors | note |
    /// |---|---|---|
    /// | CD-R, CD-RW | 359 847 | 80 min; ATIP last possible lead-out 79:59:74 = LBA 359 849, minus the 2 run-out blocks of a TAO track |
    /// | DVD-R, DVD-RW | 2 298 496 | single layer |
    /// | DVD+R, DVD+RW | 2 295 104 | single layer |
    /// | DVD+R DL | 4 173 824 | |
    /// | DVD-RAM | 2 236 704 | 4.7 GB |
    /// | BD-R | 12 219 392 | unformatted single layer (default-spare format: 11 826 176) |
    /// | BD-RE | 11 826 176 | formatted with the default spare areas (unformatted maximum 12 219 392) |
    pub fn default_capacity_sectors(self) -> u32 {
        match self {
            MediaType::CdR | MediaType::CdRw => 359_847,
            MediaType::DvdMinusR | MediaType::DvdMinusRw => 2_298_496,
            MediaType::DvdPlusR | MediaType::DvdPlusRw => 2_295_104,
            MediaType::DvdPlusRDl => 4_173_824,
            MediaType::DvdRam => 2_236_704,
            MediaType::BdR => 12_219_392,
            MediaType::BdRe => 11_826_176,
        }
    }

    /// The CLI name (`cd-r`, `dvd+r-dl`, ...).
    pub fn name(self) -> &'static str {
        match self {
            MediaType::CdR => "cd-r",
            MediaType::CdRw => "cd-rw",
            MediaType::DvdMinusR => "dvd-r",
            MediaType::DvdMinusRw => "dvd-rw",
            MediaType::DvdPlusR => "dvd+r",
            MediaType::DvdPlusRDl => "dvd+r-dl",
            MediaType::DvdPlusRw => "dvd+rw",
            MediaType::DvdRam => "dvd-ram",
            MediaType::BdR => "bd-r",
            MediaType::BdRe => "bd-re",
        }
    }

    /// The write unit in sectors: 1 on CD, 16 on DVD (ECC block), 32 on BD (cluster)
    /// (`mmc.md` §0 rule 8).
    pub fn write_unit(self) -> u32 {
        match self.family() {
            Family::Cd => 1,
            Family::Dvd => 16,
            Family::Bd => 32,
        }
    }

    /// True for media whose content can be erased (BLANK or overwrite).
    pub fn is_rewritable(self) -> bool {
        matches!(
            self,
            MediaType::CdRw
                | MediaType::DvdMinusRw
                | MediaType::DvdPlusRw
                | MediaType::DvdRam
                | MediaType::BdRe
        )
    }

    pub(crate) fn family(self) -> Family {
        match self {
            MediaType::CdR | MediaType::CdRw => Family::Cd,
            MediaType::BdR | MediaType::BdRe => Family::Bd,
            _ => Family::Dvd,
        }
    }

    /// Write speeds in kB/s (1000 bytes/s) reported by GET PERFORMANCE type 03h and mode
    /// page 2Ah, fastest first (1x: CD 176.4, DVD 1385, BD 4495 kB/s; `mmc.md` §5.11).
    pub(crate) fn write_speeds_kbps(self) -> &'static [u32] {
        match self {
            MediaType::CdR => &[8467, 7056, 5645, 4234, 2822, 1764],
            MediaType::CdRw => &[4234, 2822, 1764, 706],
            MediaType::DvdMinusR | MediaType::DvdPlusR => &[22160, 16620, 11080, 5540, 2770],
            MediaType::DvdMinusRw | MediaType::DvdPlusRw => &[11080, 8310, 5540, 2770],
            MediaType::DvdPlusRDl => &[11080, 5540, 3324],
            MediaType::DvdRam => &[6925, 4155, 2770],
            MediaType::BdR => &[53940, 35960, 26970, 17980, 8990],
            MediaType::BdRe => &[17980, 8990],
        }
    }

    /// Read speed in kB/s reported beside the write speeds.
    pub(crate) fn read_speed_kbps(self) -> u32 {
        match self.family() {
            Family::Cd => 8467,
            Family::Dvd => 22160,
            Family::Bd => 53940,
        }
    }
}

/// Physical family (CD / DVD / BD): decides units, address forms and which TOC formats
/// exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Cd,
    Dvd,
    Bd,
}

impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for MediaType {
    type Err = EmuError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        MediaType::ALL
            .into_iter()
            .find(|m| m.name() == lower)
            .ok_or_else(|| EmuError::UnknownMediaType {
                name: s.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for m in MediaType::ALL {
            assert_eq!(m.name().parse::<MediaType>().unwrap(), m);
            assert_eq!(m.to_string(), m.name());
        }
        assert!("dvd".parse::<MediaType>().is_err());
        assert_eq!(
            "DVD+R-DL".parse::<MediaType>().unwrap(),
            MediaType::DvdPlusRDl
        );
    }

    #[test]
    fn mmc_1_2_profiles() {
        assert_eq!(MediaType::CdR.profile(), 0x0009);
        assert_eq!(MediaType::DvdPlusRDl.profile(), 0x002B);
        assert_eq!(MediaType::BdR.profile(), 0x0041);
        assert_eq!(MediaType::BdRe.profile(), 0x0043);
    }
}
