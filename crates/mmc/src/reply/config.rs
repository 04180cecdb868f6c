//! GET CONFIGURATION reply (MMC-6 6.6.2): feature header and feature descriptors
//! (mmc.md §1.1, §1.3).

use super::{be16, be32, bounded};
use crate::error::{ReplyError, need};
use crate::profile::{FeatureCode, Profile};

/// A decoded GET CONFIGURATION reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Configuration {
    /// Header bytes 0-3 Data Length (bytes after byte 3) as announced by the drive; may
    /// exceed what was transferred when the allocation length was smaller.
    pub data_length: u32,
    /// Header bytes 6-7 Current Profile (0000h = no medium).
    pub current_profile: Profile,
    /// Feature descriptors in the order received (ascending by code).
    pub features: Vec<FeatureDescriptor>,
}

/// One feature descriptor (MMC-6 5.2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureDescriptor {
    /// Bytes 0-1 Feature Code.
    pub code: FeatureCode,
    /// Byte 2 bits 5-2 Version.
    pub version: u8,
    /// Byte 2 bit 1 Persistent.
    pub persistent: bool,
    /// Byte 2 bit 0 Current.
    pub current: bool,
    /// The feature-dependent data after the 4-byte header (Additional Length bytes).
    pub data: Vec<u8>,
}

/// One profile descriptor of feature 0000h (MMC-6 5.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileDescriptor {
    /// Bytes 0-1 Profile Number.
    pub profile: Profile,
    /// Byte 2 bit 0 CurrentP.
    pub current_p: bool,
}

/// Iterator over the profile descriptors of a Profile List feature.
#[derive(Debug, Clone)]
pub struct ProfileListIter<'a> {
    data: &'a [u8],
}

impl Iterator for ProfileListIter<'_> {
    type Item = ProfileDescriptor;
    fn next(&mut self) -> Option<ProfileDescriptor> {
        if self.data.len() < 4 {
            return None;
        }
        let d = ProfileDescriptor {
            profile: Profile::from_number(be16(self.data, 0)),
            current_p: self.data[2] & 1 != 0,
        };
        self.data = &self.data[4..];
        Some(d)
    }
}

/// Typed content of the features the writer uses (mmc.md §1.3).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Feature {
    /// 0000h Profile List.
    ProfileList(Vec<ProfileDescriptor>),
    /// 0001h Core: bytes 4-7 Physical Interface Standard (1 SCSI, 2 ATAPI, 7 SATA, 8 USB).
    Core {
        /// Physical Interface Standard.
        physical_interface_standard: u32,
    },
    /// 0003h Removable Medium: byte 4 bits 7-5 Loading Mechanism Type, bit 3 Eject,
    /// bit 2 Pvnt Jmpr, bit 0 Lock.
    RemovableMedium {
        /// Loading Mechanism Type (000b caddy/slot, 001b tray, 010b pop-up, 100b/101b changer).
        loading_mechanism_type: u8,
        /// Eject: the medium can be ejected by START STOP UNIT.
        eject: bool,
        /// Lock: PREVENT ALLOW MEDIUM REMOVAL can lock the medium.
        lock: bool,
    },
    /// 0021h Incremental Streaming Writable.
    IncrementalStreamingWritable {
        /// Bytes 4-5 Data Block Types Supported (bit n = type n).
        data_block_types_supported: u16,
        /// Byte 6 bit 1 TRIO (track resources information supported).
        trio: bool,
        /// Byte 6 bit 0 BUF (buffer underrun protection).
        buf: bool,
        /// Bytes 8.. Link Sizes (byte 7 Number of Link Sizes), bounded by the data.
        link_sizes: Vec<u8>,
    },
    /// 002Dh CD Track at Once: byte 4 bits BUF(6), R-W Raw(4), R-W Pack(3), Test
    /// Write(2), CD-RW(1), R-W Subcode(0); bytes 6-7 Data Type Supported.
    CdTrackAtOnce {
        /// BUF.
        buf: bool,
        /// Test Write.
        test_write: bool,
        /// CD-RW.
        cd_rw: bool,
        /// Data Type Supported.
        data_type_supported: u16,
    },
    /// 002Fh DVD-R/-RW Write: byte 4 bit 6 BUF, bit 3 RDL, bit 2 Test Write, bit 1 DVD-RW SL.
    DvdDashWrite {
        /// BUF.
        buf: bool,
        /// RDL (dual layer).
        rdl: bool,
        /// Test Write.
        test_write: bool,
        /// DVD-RW SL.
        dvd_rw: bool,
    },
    /// 0038h BD-R Pseudo-Overwrite (no payload); current ⇔ BD-R formatted for POW.
    BdPseudoOverwrite,
    /// 0107h Real Time Streaming: byte 4 bit 3 SCS, bit 2 MP2A, bit 1 WSPD, bit 0 SW.
    RealTimeStreaming {
        /// SET CD SPEED supported.
        scs: bool,
        /// Mode page 2Ah speed fields.
        mp2a: bool,
        /// Write speed descriptors in GET PERFORMANCE (Type 03h).
        wspd: bool,
        /// Streaming write.
        sw: bool,
    },
    /// Any other feature (payload in [`FeatureDescriptor::data`]).
    Other,
}

impl FeatureDescriptor {
    /// A descriptor with the given fields (version 0).
    pub fn new(code: FeatureCode, current: bool, data: Vec<u8>) -> FeatureDescriptor {
        FeatureDescriptor {
            code,
            version: 0,
            persistent: false,
            current,
            data,
        }
    }

    /// The profile descriptors of a Profile List feature (empty for other features).
    pub fn profiles(&self) -> ProfileListIter<'_> {
        let data = if self.code == FeatureCode::PROFILE_LIST {
            &self.data[..]
        } else {
            &[][..]
        };
        ProfileListIter { data }
    }

    /// Decodes the payload of the features listed in [`Feature`]; a payload too short
    /// for its fixed part is an error.
    ///
    /// # Errors
    /// [`ReplyError::Short`] naming the feature.
    pub fn typed(&self) -> Result<Feature, ReplyError> {
        let d = &self.data[..];
        Ok(match self.code.0 {
            0x0000 => Feature::ProfileList(self.profiles().collect()),
            0x0001 => {
                need("feature 0001h Core", d, 4)?;
                Feature::Core {
                    physical_interface_standard: be32(d, 0),
                }
            }
            0x0003 => {
                need("feature 0003h Removable Medium", d, 1)?;
                Feature::RemovableMedium {
                    loading_mechanism_type: d[0] >> 5,
                    eject: d[0] & 0x08 != 0,
                    lock: d[0] & 0x01 != 0,
                }
            }
            0x0021 => {
                need("feature 0021h Incremental Streaming Writable", d, 4)?;
                let n = d[3] as usize;
                let end = (4 + n).min(d.len());
                Feature::IncrementalStreamingWritable {
                    data_block_types_supported: be16(d, 0),
                    trio: d[2] & 0x02 != 0,
                    buf: d[2] & 0x01 != 0,
                    link_sizes: d[4..end].to_vec(),
                }
            }
            0x002D => {
                need("feature 002Dh CD Track at Once", d, 4)?;
                Feature::CdTrackAtOnce {
                    buf: d[0] & 0x40 != 0,
                    test_write: d[0] & 0x04 != 0,
                    cd_rw: d[0] & 0x02 != 0,
                    data_type_supported: be16(d, 2),
                }
            }
            0x002F => {
                need("feature 002Fh DVD-R/-RW Write", d, 1)?;
                Feature::DvdDashWrite {
                    buf: d[0] & 0x40 != 0,
                    rdl: d[0] & 0x08 != 0,
                    test_write: d[0] & 0x04 != 0,
                    dvd_rw: d[0] & 0x02 != 0,
                }
            }
            0x0038 => Feature::BdPseudoOverwrite,
            0x0107 => {
                need("feature 0107h Real Time Streaming", d, 1)?;
                Feature::RealTimeStreaming {
                    scs: d[0] & 0x08 != 0,
                    mp2a: d[0] & 0x04 != 0,
                    wspd: d[0] & 0x02 != 0,
                    sw: d[0] & 0x01 != 0,
                }
            }
            _ => Feature::Other,
        })
    }

    /// Encodes the descriptor (4-byte header + data). Data is padded with zeros to a
    /// multiple of 4 as MMC requires of Additional Length.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let len = self.data.len().div_ceil(4) * 4;
        out.extend_from_slice(&self.code.0.to_be_bytes());
        out.push(
            ((self.version & 0x0F) << 2) | ((self.persistent as u8) << 1) | self.current as u8,
        );
        out.push(len.min(0xFC) as u8);
        out.extend_from_slice(&self.data);
        out.resize(out.len() + (len - self.data.len()), 0);
    }

    /// A Profile List descriptor (persistent, current) for these profiles.
    pub fn profile_list(profiles: &[ProfileDescriptor]) -> FeatureDescriptor {
        let mut data = Vec::with_capacity(profiles.len() * 4);
        for p in profiles {
            data.extend_from_slice(&p.profile.number().to_be_bytes());
            data.push(p.current_p as u8);
            data.push(0);
        }
        FeatureDescriptor {
            code: FeatureCode::PROFILE_LIST,
            version: 0,
            persistent: true,
            current: true,
            data,
        }
    }
}

impl Configuration {
    const S: &'static str = "GET CONFIGURATION reply";

    /// Parses a GET CONFIGURATION reply. Needs the 8-byte header; descriptors are read
    /// up to `min(4 + Data Length, buf.len())`. A descriptor cut by the end of the buffer
    /// (allocation length smaller than Data Length) ends the list; one that overruns the
    /// announced Data Length is an error.
    ///
    /// # Errors
    /// [`ReplyError::Short`] for fewer than 8 bytes, [`ReplyError::Invalid`] for a
    /// descriptor that overruns Data Length.
    pub fn parse(b: &[u8]) -> Result<Configuration, ReplyError> {
        need(Self::S, b, 8)?;
        let data_length = be32(b, 0);
        let announced_end = 4usize.saturating_add(data_length as usize);
        let end = bounded(b, data_length as usize, 4);
        let mut features = Vec::new();
        let mut pos = 8;
        while pos + 4 <= end {
            let len = b[pos + 3] as usize;
            let dend = pos + 4 + len;
            if dend > end {
                if dend > announced_end {
                    return Err(ReplyError::invalid(
                        Self::S,
                        format!(
                            "feature {:04X}h at byte {pos} with Additional Length {len} \
                             overruns Data Length {data_length}",
                            be16(b, pos)
                        ),
                    ));
                }
                break;
            }
            features.push(FeatureDescriptor {
                code: FeatureCode(be16(b, pos)),
                version: (b[pos + 2] >> 2) & 0x0F,
                persistent: b[pos + 2] & 0x02 != 0,
                current: b[pos + 2] & 0x01 != 0,
                data: b[pos + 4..dend].to_vec(),
            });
            pos = dend;
        }
        Ok(Configuration {
            data_length,
            current_profile: Profile::from_number(be16(b, 6)),
            features,
        })
    }

    /// Encodes header + descriptors (Data Length = total − 4).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![0u8; 8];
        for f in &self.features {
            f.encode(&mut out);
        }
        let len = (out.len() - 4) as u32;
        out[0..4].copy_from_slice(&len.to_be_bytes());
        out[6..8].copy_from_slice(&self.current_profile.number().to_be_bytes());
        out
    }

    /// The descriptor of feature `code`, if present.
    pub fn feature(&self, code: FeatureCode) -> Option<&FeatureDescriptor> {
        self.features.iter().find(|f| f.code == code)
    }

    /// True when feature `code` is present with its Current bit set.
    pub fn is_current(&self, code: FeatureCode) -> bool {
        self.feature(code).is_some_and(|f| f.current)
    }

    /// The profiles of the Profile List feature (empty when absent).
    pub fn profiles(&self) -> Vec<ProfileDescriptor> {
        self.feature(FeatureCode::PROFILE_LIST)
            .map(|f| f.profiles().collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Configuration {
        Configuration {
            data_length: 0,
            current_profile: Profile::DvdMinusRSequential,
            features: vec![
                FeatureDescriptor::profile_list(&[
                    ProfileDescriptor {
                        profile: Profile::DvdMinusRSequential,
                        current_p: true,
                    },
                    ProfileDescriptor {
                        profile: Profile::DvdPlusR,
                        current_p: false,
                    },
                    ProfileDescriptor {
                        profile: Profile::CdR,
                        current_p: false,
                    },
                ]),
                FeatureDescriptor::new(FeatureCode::CORE, true, vec![0, 0, 0, 2]),
                FeatureDescriptor::new(
                    FeatureCode::INCREMENTAL_STREAMING_WRITABLE,
                    true,
                    vec![0x01, 0x00, 0x01, 1, 16],
                ),
                FeatureDescriptor::new(FeatureCode::BD_PSEUDO_OVERWRITE, false, vec![]),
                FeatureDescriptor::new(FeatureCode::REAL_TIME_STREAMING, true, vec![0x0B]),
            ],
        }
    }

    #[test]
    fn roundtrip_and_typed() {
        let bytes = sample().encode();
        // header: length = total - 4; profile 0011h
        assert_eq!(be32(&bytes, 0) as usize, bytes.len() - 4);
        assert_eq!(&bytes[6..8], &[0x00, 0x11]);
        // profile list descriptor: 0000h, 03h, length 12
        assert_eq!(&bytes[8..12], &[0, 0, 0x03, 12]);
        let c = Configuration::parse(&bytes).unwrap();
        assert_eq!(c.current_profile, Profile::DvdMinusRSequential);
        assert_eq!(c.features.len(), 5);
        let profiles = c.profiles();
        assert_eq!(profiles.len(), 3);
        assert!(profiles[0].current_p);
        assert_eq!(profiles[2].profile, Profile::CdR);
        assert!(c.is_current(FeatureCode::INCREMENTAL_STREAMING_WRITABLE));
        assert!(!c.is_current(FeatureCode::BD_PSEUDO_OVERWRITE));
        assert!(!c.is_current(FeatureCode::RANDOM_WRITABLE));
        match c
            .feature(FeatureCode::INCREMENTAL_STREAMING_WRITABLE)
            .unwrap()
            .typed()
            .unwrap()
        {
            Feature::IncrementalStreamingWritable {
                link_sizes,
                buf,
                trio,
                data_block_types_supported,
            } => {
                assert_eq!(link_sizes, vec![16]);
                assert!(buf && !trio);
                assert_eq!(data_block_types_supported, 0x0100);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            c.feature(FeatureCode::REAL_TIME_STREAMING)
                .unwrap()
                .typed()
                .unwrap(),
            Feature::RealTimeStreaming {
                scs: true,
                mp2a: false,
                wspd: true,
                sw: true
            }
        );
        assert_eq!(
            c.feature(FeatureCode::CORE).unwrap().typed().unwrap(),
            Feature::Core {
                physical_interface_standard: 2
            }
        );
    }

    #[test]
    fn single_feature_query_pow_current() {
        // RT=10b for 0038h: header + descriptor, Data Length 8 (≥ 12 total), byte 10 bit 0.
        let b = [0, 0, 0, 8, 0, 0, 0x00, 0x41, 0x00, 0x38, 0x01, 0x00];
        let c = Configuration::parse(&b).unwrap();
        assert_eq!(c.current_profile, Profile::BdRSequential);
        assert!(c.is_current(FeatureCode::BD_PSEUDO_OVERWRITE));
        // Feature absent: header only, Data Length 4.
        let c = Configuration::parse(&[0, 0, 0, 4, 0, 0, 0, 0x41]).unwrap();
        assert!(c.features.is_empty());
    }

    #[test]
    fn truncated_by_allocation_and_bad_length() {
        let bytes = sample().encode();
        // Allocation cut in the middle of the 2nd descriptor: 1 feature, no error.
        let c = Configuration::parse(&bytes[..8 + 16 + 5]).unwrap();
        assert_eq!(c.features.len(), 1);
        assert_eq!(c.data_length as usize, bytes.len() - 4);
        // Header only.
        assert!(Configuration::parse(&bytes[..7]).is_err());
        // Data Length too small for a descriptor that is present.
        let mut bad = bytes.clone();
        bad[0..4].copy_from_slice(&10u32.to_be_bytes());
        assert!(matches!(
            Configuration::parse(&bad),
            Err(ReplyError::Invalid { .. })
        ));
        // Short typed payload.
        let f = FeatureDescriptor::new(FeatureCode::CORE, true, vec![0, 0]);
        assert!(f.typed().is_err());
    }
}
