//! Overwriteable media (`mmc.md` §9.7, class F): DVD+RW, DVD-RAM, BD-RE and DVD-RW
//! restricted overwrite. No sessions and no NWA: one "track" covering the formatted area.

use serde::{Deserialize, Serialize};

use crate::reply::{DiscInfo, TrackInfo};
use crate::sense::SenseCode;

/// Which overwriteable medium.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum RandomKind {
    DvdPlusRw,
    DvdRam,
    BdRe,
    /// DVD-RW in Restricted Overwrite mode (profile 0013h).
    DvdRwRestricted,
}

/// DVD+RW background format state (READ DISC INFORMATION byte 7 bits 1-0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum BgFormat {
    NotStarted,
    Suspended,
    InProgress,
    Complete,
}

impl BgFormat {
    fn bits(self) -> u8 {
        match self {
            BgFormat::NotStarted => 0,
            BgFormat::Suspended => 1,
            BgFormat::InProgress => 2,
            BgFormat::Complete => 3,
        }
    }
}

/// An overwriteable medium.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RandomMedium {
    pub kind: RandomKind,
    /// Formatted (writable) blocks; 0 = unformatted.
    pub formatted_blocks: u32,
    /// Formatted size with the default spare areas (the media type's capacity).
    pub default_blocks: u32,
    /// Largest formattable size (BD-RE without spares; otherwise `default_blocks`).
    pub max_blocks: u32,
    pub bg_format: BgFormat,
    /// DVD-RW quick-formatted / grown: needs CLOSE 010b after writing.
    #[serde(default)]
    pub intermediate: bool,
}

impl RandomMedium {
    /// Checks the invariants (see `SeqMedium::validate`).
    pub fn validate(&self) -> Result<(), String> {
        if self.max_blocks > 0x7FFF_0000
            || self.formatted_blocks > self.max_blocks
            || self.default_blocks > self.max_blocks
        {
            return Err(format!(
                "formatted {} / default {} / maximum {} blocks",
                self.formatted_blocks, self.default_blocks, self.max_blocks
            ));
        }
        Ok(())
    }

    /// READ CAPACITY: formatted blocks − 1 (0 when unformatted).
    pub fn read_capacity_last_lba(&self) -> u32 {
        self.formatted_blocks.saturating_sub(1)
    }

    pub fn write_unit(&self) -> u32 {
        match self.kind {
            RandomKind::BdRe => 32,
            _ => 16,
        }
    }

    pub fn disc_info(&self) -> DiscInfo {
        let formatted = self.formatted_blocks > 0;
        DiscInfo {
            erasable: true,
            last_session_state: 3,
            disc_status: match (self.kind, formatted) {
                (RandomKind::DvdRam, _) => 3,
                (_, false) => 0,
                (_, true) => 2,
            },
            sessions: 1,
            first_track_last_session: 1,
            last_track_last_session: 1,
            bg_format_status: if self.kind == RandomKind::DvdPlusRw {
                self.bg_format.bits()
            } else {
                0
            },
            lead_in: [0xFF; 4],
            lead_out: [0xFF; 4],
            ..DiscInfo::default()
        }
    }

    /// READ TRACK INFORMATION: track 1 (or LBA inside it, or session 1).
    pub fn read_track_info(&self, addr_type: u8, value: u32) -> Result<TrackInfo, SenseCode> {
        let ok = match addr_type {
            0 => value < self.formatted_blocks.max(1),
            1 | 2 => value == 1,
            _ => false,
        };
        if !ok {
            return Err(SenseCode::INVALID_FIELD_IN_CDB);
        }
        let ro = self.kind == RandomKind::DvdRwRestricted;
        Ok(TrackInfo {
            number: 1,
            session: 1,
            track_mode: if ro { 5 } else { 4 },
            packet: ro,
            fp: ro,
            data_mode: 1,
            nwa: None,
            lra: None,
            start: 0,
            free: 0,
            blocking_factor: self.write_unit(),
            size: self.formatted_blocks,
            ..TrackInfo::default()
        })
    }

    /// Checks a WRITE of `n` blocks at `lba` (`mmc.md` §9.7).
    pub fn check_write(&self, lba: u32, n: u32, strict: bool) -> Result<(), SenseCode> {
        if self.formatted_blocks == 0 {
            return Err(SenseCode::MEDIUM_NOT_FORMATTED);
        }
        if u64::from(lba) + u64::from(n) > u64::from(self.formatted_blocks) {
            return Err(SenseCode::LBA_OUT_OF_RANGE);
        }
        let unit = self.write_unit();
        if self.kind == RandomKind::DvdRwRestricted && !lba.is_multiple_of(unit) {
            return Err(SenseCode::INVALID_ADDRESS_FOR_WRITE);
        }
        if strict && (!lba.is_multiple_of(unit) || !n.is_multiple_of(unit)) {
            return Err(SenseCode::INVALID_ADDRESS_FOR_WRITE);
        }
        Ok(())
    }

    /// Checks a READ of `n` blocks at `lba`.
    pub fn check_read(&self, lba: u32, n: u32) -> Result<(), SenseCode> {
        if self.formatted_blocks == 0 {
            return Err(SenseCode::MEDIUM_NOT_FORMATTED);
        }
        if u64::from(lba) + u64::from(n) > u64::from(self.formatted_blocks) {
            return Err(SenseCode::LBA_OUT_OF_RANGE);
        }
        Ok(())
    }

    /// READ FORMAT CAPACITIES descriptors after the header: the Current/Maximum
    /// Capacity Descriptor then the Formattable Capacity Descriptors (`mmc.md` §5.10).
    pub fn format_capacities(&self) -> Vec<[u8; 8]> {
        let formatted = self.formatted_blocks > 0;
        let desc = |blocks: u32, b4: u8, tdp: u32| -> [u8; 8] {
            let mut d = [0u8; 8];
            d[0..4].copy_from_slice(&blocks.to_be_bytes());
            d[4] = b4;
            d[5..8].copy_from_slice(&tdp.to_be_bytes()[1..]);
            d
        };
        let mut v = Vec::new();
        if formatted {
            v.push(desc(self.formatted_blocks, 0b10, 2048));
        } else {
            v.push(desc(self.max_blocks, 0b01, 2048));
        }
        match self.kind {
            RandomKind::DvdPlusRw => v.push(desc(self.default_blocks, 0x26 << 2, 0)),
            RandomKind::DvdRam => v.push(desc(self.default_blocks, 0x00, 2048)),
            RandomKind::BdRe => {
                let spare_clusters = (self.max_blocks - self.default_blocks) / 32;
                v.push(desc(self.default_blocks, 0x00, spare_clusters));
                v.push(desc(self.default_blocks, 0x30 << 2, spare_clusters));
                v.push(desc(self.max_blocks, 0x31 << 2, 2048));
            }
            RandomKind::DvdRwRestricted => {
                v.push(desc(self.default_blocks, 0x10 << 2, 16));
                if self.intermediate {
                    v.push(desc(
                        self.default_blocks - self.formatted_blocks.min(self.default_blocks),
                        0x13 << 2,
                        16,
                    ));
                }
                v.push(desc(self.default_blocks, 0x15 << 2, 16));
            }
        }
        v
    }

    /// FORMAT UNIT with descriptor Format Type `ftype`, Sub-type `subtype`, Number of
    /// Blocks `blocks`, Type Dependent Parameter `tdp`.
    pub fn format(&mut self, ftype: u8, blocks: u32, tdp: u32) -> Result<(), SenseCode> {
        match (self.kind, ftype) {
            (RandomKind::DvdPlusRw, 0x26) => {
                let restart = tdp & 1 != 0;
                if restart && self.bg_format != BgFormat::Suspended {
                    return Err(SenseCode::INVALID_FIELD_IN_PARAMETER_LIST);
                }
                self.formatted_blocks = self.default_blocks;
                self.bg_format = BgFormat::InProgress;
                Ok(())
            }
            (RandomKind::BdRe, 0x31) => {
                self.formatted_blocks = self.max_blocks;
                Ok(())
            }
            (RandomKind::BdRe, 0x00 | 0x30) => {
                let b = if blocks == 0 || blocks == u32::MAX {
                    self.default_blocks
                } else {
                    blocks
                };
                if !b.is_multiple_of(32) || b > self.max_blocks || b < self.max_blocks / 2 {
                    return Err(SenseCode::INVALID_FIELD_IN_PARAMETER_LIST);
                }
                self.formatted_blocks = b;
                Ok(())
            }
            (RandomKind::DvdRam, 0x00 | 0x01) => Ok(()),
            (RandomKind::DvdRwRestricted, 0x00 | 0x10) => {
                self.formatted_blocks = self.default_blocks;
                self.intermediate = false;
                Ok(())
            }
            (RandomKind::DvdRwRestricted, 0x13 | 0x15) => {
                self.formatted_blocks = self.default_blocks;
                self.intermediate = true;
                Ok(())
            }
            _ => Err(SenseCode::INVALID_FIELD_IN_PARAMETER_LIST),
        }
    }

    /// CLOSE TRACK/SESSION (`mmc.md` §5.6, §9.7).
    pub fn close(&mut self, function: u8) -> Result<bool, SenseCode> {
        match (self.kind, function) {
            (RandomKind::DvdPlusRw, 0b000) => {
                if self.bg_format == BgFormat::InProgress {
                    self.bg_format = BgFormat::Suspended;
                    return Ok(true);
                }
                Ok(false)
            }
            (RandomKind::DvdPlusRw, 0b010 | 0b011) => {
                if self.formatted_blocks > 0 && self.bg_format != BgFormat::Complete {
                    self.bg_format = BgFormat::Complete;
                    return Ok(true);
                }
                Ok(false)
            }
            (RandomKind::DvdRwRestricted, 0b010 | 0b011) => {
                let changed = self.intermediate;
                self.intermediate = false;
                Ok(changed)
            }
            _ => Err(SenseCode::INVALID_FIELD_IN_CDB),
        }
    }
}
