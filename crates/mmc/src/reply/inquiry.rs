//! INQUIRY standard data (SPC-4 6.6.2).

use crate::error::{ReplyError, need};

/// Standard INQUIRY data (SPC-4 6.6.2; mmc.md §5.12).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InquiryData {
    /// Byte 0 bits 7-5 Peripheral Qualifier.
    pub peripheral_qualifier: u8,
    /// Byte 0 bits 4-0 Peripheral Device Type (05h = CD/DVD device).
    pub peripheral_device_type: u8,
    /// Byte 1 bit 7 RMB (removable medium).
    pub rmb: bool,
    /// Byte 2 Version.
    pub version: u8,
    /// Bytes 8-15 T10 Vendor Identification, trailing spaces trimmed.
    pub vendor_identification: String,
    /// Bytes 16-31 Product Identification, trailing spaces trimmed.
    pub product_identification: String,
    /// Bytes 32-35 Product Revision Level, trailing spaces trimmed.
    pub product_revision_level: String,
}

/// Peripheral device type of an MMC (CD/DVD/BD) device.
pub const PERIPHERAL_DEVICE_TYPE_MMC: u8 = 0x05;

fn ascii_field(b: &[u8]) -> String {
    b.iter()
        .map(|&c| {
            if (0x20..0x7F).contains(&c) {
                c as char
            } else {
                ' '
            }
        })
        .collect::<String>()
        .trim_end()
        .to_string()
}

impl InquiryData {
    const S: &'static str = "INQUIRY data";

    /// Parses standard INQUIRY data; needs 36 bytes (through Product Revision Level),
    /// bounded by Additional Length (byte 4) + 5 only for the text fields it covers.
    ///
    /// # Errors
    /// [`ReplyError::Short`] for fewer than 36 bytes.
    pub fn parse(b: &[u8]) -> Result<InquiryData, ReplyError> {
        need(Self::S, b, 36)?;
        Ok(InquiryData {
            peripheral_qualifier: b[0] >> 5,
            peripheral_device_type: b[0] & 0x1F,
            rmb: b[1] & 0x80 != 0,
            version: b[2],
            vendor_identification: ascii_field(&b[8..16]),
            product_identification: ascii_field(&b[16..32]),
            product_revision_level: ascii_field(&b[32..36]),
        })
    }

    /// True for an MMC device (peripheral device type 05h, qualifier 0).
    pub fn is_mmc_device(&self) -> bool {
        self.peripheral_qualifier == 0 && self.peripheral_device_type == PERIPHERAL_DEVICE_TYPE_MMC
    }

    /// Encodes 36 bytes (Additional Length 31, response data format 2), text fields
    /// space-padded and truncated to 8/16/4 bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; 36];
        b[0] = (self.peripheral_qualifier << 5) | (self.peripheral_device_type & 0x1F);
        b[1] = if self.rmb { 0x80 } else { 0 };
        b[2] = self.version;
        b[3] = 0x02;
        b[4] = 31;
        let put = |b: &mut [u8], s: &str| {
            b.fill(b' ');
            for (d, c) in b.iter_mut().zip(s.bytes()) {
                *d = c;
            }
        };
        put(&mut b[8..16], &self.vendor_identification);
        put(&mut b[16..32], &self.product_identification);
        put(&mut b[32..36], &self.product_revision_level);
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip() {
        let d = InquiryData {
            peripheral_qualifier: 0,
            peripheral_device_type: 5,
            rmb: true,
            version: 5,
            vendor_identification: "HL-DT-ST".into(),
            product_identification: "BD-RE  BH16NS40".into(),
            product_revision_level: "1.02".into(),
        };
        let b = d.encode();
        assert_eq!(&b[8..16], b"HL-DT-ST");
        assert_eq!(&b[16..32], b"BD-RE  BH16NS40 ");
        let p = InquiryData::parse(&b).unwrap();
        assert_eq!(p, d);
        assert!(p.is_mmc_device());
        assert!(InquiryData::parse(&b[..35]).is_err());
    }
}
