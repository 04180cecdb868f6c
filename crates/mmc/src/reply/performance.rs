//! GET PERFORMANCE Type 03h write speed descriptors and the SET STREAMING performance
//! descriptor (mmc.md §5.11).

use super::{be32, bounded};
use crate::error::{ReplyError, need};

/// A write speed descriptor (GET PERFORMANCE Type 03h, 16 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteSpeedDescriptor {
    /// Byte 0 bits 4-3 WRC (00b default, 01b CAV).
    pub wrc: u8,
    /// Byte 0 bit 2 RDD.
    pub rdd: bool,
    /// Byte 0 bit 1 Exact.
    pub exact: bool,
    /// Byte 0 bit 0 MRW.
    pub mrw: bool,
    /// Bytes 4-7 End LBA.
    pub end_lba: u32,
    /// Bytes 8-11 Read Speed (kB/s, 1000 bytes/s).
    pub read_speed: u32,
    /// Bytes 12-15 Write Speed (kB/s).
    pub write_speed: u32,
}

impl WriteSpeedDescriptor {
    /// Encodes 16 bytes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(
            ((self.wrc & 3) << 3)
                | ((self.rdd as u8) << 2)
                | ((self.exact as u8) << 1)
                | self.mrw as u8,
        );
        out.extend_from_slice(&[0, 0, 0]);
        out.extend_from_slice(&self.end_lba.to_be_bytes());
        out.extend_from_slice(&self.read_speed.to_be_bytes());
        out.extend_from_slice(&self.write_speed.to_be_bytes());
    }

    /// Encodes a whole GET PERFORMANCE Type 03h reply (8-byte header + descriptors).
    pub fn encode_reply(descriptors: &[WriteSpeedDescriptor]) -> Vec<u8> {
        let mut b = vec![0u8; 8];
        for d in descriptors {
            d.encode(&mut b);
        }
        let len = (b.len() - 4) as u32;
        b[0..4].copy_from_slice(&len.to_be_bytes());
        b
    }
}

/// Parses a GET PERFORMANCE Type 03h reply: 8-byte header (bytes 0-3 Performance Data
/// Length = bytes after byte 3), then 16-byte descriptors bounded by that length and
/// the buffer.
///
/// # Errors
/// [`ReplyError::Short`] for fewer than 8 bytes.
pub fn parse_write_speeds(b: &[u8]) -> Result<Vec<WriteSpeedDescriptor>, ReplyError> {
    need("GET PERFORMANCE (write speed) reply", b, 8)?;
    let end = bounded(b, be32(b, 0) as usize, 4);
    Ok(b[8..end.max(8)]
        .chunks_exact(16)
        .map(|d| WriteSpeedDescriptor {
            wrc: (d[0] >> 3) & 3,
            rdd: d[0] & 0x04 != 0,
            exact: d[0] & 0x02 != 0,
            mrw: d[0] & 0x01 != 0,
            end_lba: be32(d, 4),
            read_speed: be32(d, 8),
            write_speed: be32(d, 12),
        })
        .collect())
}

/// A GET PERFORMANCE Type 00h reply: nominal performance (MMC-6 6.8.2.2). Speeds are
/// in kB/s (1000 bytes per second).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NominalPerformance {
    /// Header byte 4 bit 1 Write: the descriptors are write (not read) performance.
    pub write: bool,
    /// Header byte 4 bit 0 Except: the descriptors list exceptions (CDB Except field
    /// non-zero).
    pub except: bool,
    /// The performance descriptors (16 bytes each).
    pub descriptors: Vec<NominalPerformanceDescriptor>,
}

/// One Type 00h performance descriptor (MMC-6 Table 6.8.2.2.2-1, 16 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NominalPerformanceDescriptor {
    /// Bytes 0-3 Start LBA.
    pub start_lba: u32,
    /// Bytes 4-7 Start Performance (kB/s).
    pub start_performance: u32,
    /// Bytes 8-11 End LBA.
    pub end_lba: u32,
    /// Bytes 12-15 End Performance (kB/s).
    pub end_performance: u32,
}

impl NominalPerformance {
    /// Parses the 8-byte header (bytes 0-3 Performance Data Length = bytes after
    /// byte 3) and the 16-byte descriptors bounded by that length and the buffer.
    ///
    /// # Errors
    /// [`ReplyError::Short`] for fewer than 8 bytes.
    pub fn parse(b: &[u8]) -> Result<NominalPerformance, ReplyError> {
        need("GET PERFORMANCE (nominal performance) reply", b, 8)?;
        let end = bounded(b, be32(b, 0) as usize, 4);
        Ok(NominalPerformance {
            write: b[4] & 0x02 != 0,
            except: b[4] & 0x01 != 0,
            descriptors: b[8..end.max(8)]
                .chunks_exact(16)
                .map(|d| NominalPerformanceDescriptor {
                    start_lba: be32(d, 0),
                    start_performance: be32(d, 4),
                    end_lba: be32(d, 8),
                    end_performance: be32(d, 12),
                })
                .collect(),
        })
    }

    /// Encodes the header (Performance Data Length = total − 4) and the descriptors.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; 8];
        b[4] = ((self.write as u8) << 1) | self.except as u8;
        for d in &self.descriptors {
            for v in [
                d.start_lba,
                d.start_performance,
                d.end_lba,
                d.end_performance,
            ] {
                b.extend_from_slice(&v.to_be_bytes());
            }
        }
        let len = (b.len() - 4) as u32;
        b[0..4].copy_from_slice(&len.to_be_bytes());
        b
    }
}

/// SET STREAMING performance descriptor (Type 00h, 28 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PerformanceDescriptor {
    /// Byte 0 bits 4-3 WRC.
    pub wrc: u8,
    /// Byte 0 bit 2 RDD (restore drive defaults).
    pub rdd: bool,
    /// Byte 0 bit 1 Exact.
    pub exact: bool,
    /// Byte 0 bit 0 RA (random access).
    pub ra: bool,
    /// Bytes 4-7 Start LBA.
    pub start_lba: u32,
    /// Bytes 8-11 End LBA.
    pub end_lba: u32,
    /// Bytes 12-15 Read Size (kB).
    pub read_size: u32,
    /// Bytes 16-19 Read Time (ms).
    pub read_time: u32,
    /// Bytes 20-23 Write Size (kB).
    pub write_size: u32,
    /// Bytes 24-27 Write Time (ms).
    pub write_time: u32,
}

impl PerformanceDescriptor {
    /// A descriptor asking for `read_kbps`/`write_kbps` over `0..=end_lba` (size =
    /// speed, time = 1000 ms, as libburn does).
    pub fn speeds(end_lba: u32, read_kbps: u32, write_kbps: u32) -> PerformanceDescriptor {
        PerformanceDescriptor {
            wrc: 0,
            rdd: false,
            exact: false,
            ra: false,
            start_lba: 0,
            end_lba,
            read_size: read_kbps,
            read_time: 1000,
            write_size: write_kbps,
            write_time: 1000,
        }
    }

    /// Encodes 28 bytes.
    pub fn encode(&self) -> [u8; 28] {
        let mut b = [0u8; 28];
        b[0] = ((self.wrc & 3) << 3)
            | ((self.rdd as u8) << 2)
            | ((self.exact as u8) << 1)
            | self.ra as u8;
        for (at, v) in [
            (4, self.start_lba),
            (8, self.end_lba),
            (12, self.read_size),
            (16, self.read_time),
            (20, self.write_size),
            (24, self.write_time),
        ] {
            b[at..at + 4].copy_from_slice(&v.to_be_bytes());
        }
        b
    }

    /// Parses 28 bytes.
    ///
    /// # Errors
    /// [`ReplyError::Short`].
    pub fn parse(b: &[u8]) -> Result<PerformanceDescriptor, ReplyError> {
        need("SET STREAMING performance descriptor", b, 28)?;
        Ok(PerformanceDescriptor {
            wrc: (b[0] >> 3) & 3,
            rdd: b[0] & 0x04 != 0,
            exact: b[0] & 0x02 != 0,
            ra: b[0] & 0x01 != 0,
            start_lba: be32(b, 4),
            end_lba: be32(b, 8),
            read_size: be32(b, 12),
            read_time: be32(b, 16),
            write_size: be32(b, 20),
            write_time: be32(b, 24),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_speeds_roundtrip_and_bounds() {
        let ds = [
            WriteSpeedDescriptor {
                wrc: 0,
                rdd: false,
                exact: true,
                mrw: false,
                end_lba: 2295103,
                read_speed: 22160,
                write_speed: 22160,
            },
            WriteSpeedDescriptor {
                wrc: 1,
                rdd: false,
                exact: false,
                mrw: false,
                end_lba: 2295103,
                read_speed: 11080,
                write_speed: 5540,
            },
        ];
        let b = WriteSpeedDescriptor::encode_reply(&ds);
        assert_eq!(&b[0..4], &[0, 0, 0, 36]);
        assert_eq!(parse_write_speeds(&b).unwrap(), ds.to_vec());
        assert_eq!(parse_write_speeds(&b[..30]).unwrap().len(), 1);
        assert!(parse_write_speeds(&b[..7]).is_err());
    }

    #[test]
    fn performance_descriptor() {
        let p = PerformanceDescriptor::speeds(2295103, 0xFFFF_FFFF, 5540);
        let b = p.encode();
        assert_eq!(&b[20..28], &[0, 0, 0x15, 0xA4, 0, 0, 0x03, 0xE8]);
        assert_eq!(PerformanceDescriptor::parse(&b).unwrap(), p);
    }

    #[test]
    fn nominal_performance_roundtrip_mmc6_6_8_2_2() {
        let p = NominalPerformance {
            write: true,
            except: false,
            descriptors: vec![NominalPerformanceDescriptor {
                start_lba: 0,
                start_performance: 22_160,
                end_lba: 999,
                end_performance: 22_160,
            }],
        };
        let b = p.encode();
        assert_eq!(b.len(), 24);
        assert_eq!(&b[..8], &[0, 0, 0, 20, 0x02, 0, 0, 0]);
        assert_eq!(&b[8..12], &[0, 0, 0, 0]);
        assert_eq!(&b[16..20], &999u32.to_be_bytes());
        assert_eq!(NominalPerformance::parse(&b).unwrap(), p);
        assert!(NominalPerformance::parse(&b[..7]).is_err());
    }
}
