//! GET EVENT STATUS NOTIFICATION, media class (MMC-6 6.7; mmc.md §5.12).

use super::be16;
use crate::error::{ReplyError, need};

/// The media event status (notification class 4, "media").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaEventStatus {
    /// Header byte 2 bit 7 NEA (no event available).
    pub nea: bool,
    /// Header byte 2 bits 2-0 Notification Class.
    pub notification_class: u8,
    /// Header byte 3 Supported Event Classes.
    pub supported_event_classes: u8,
    /// Byte 4 bits 3-0 Media Event Code (0 none, 1 eject request, 2 new media,
    /// 3 media removal, 4 media changed).
    pub media_event_code: u8,
    /// Byte 5 bit 1 Media Present.
    pub media_present: bool,
    /// Byte 5 bit 0 Door or Tray Open.
    pub tray_open: bool,
}

impl MediaEventStatus {
    /// Parses the 4-byte header and, when present, the 4-byte media event descriptor.
    ///
    /// # Errors
    /// [`ReplyError::Short`] for fewer than 4 bytes, or 8 when the header announces an
    /// event descriptor (NEA = 0).
    pub fn parse(b: &[u8]) -> Result<MediaEventStatus, ReplyError> {
        const S: &str = "GET EVENT STATUS NOTIFICATION reply";
        need(S, b, 4)?;
        let nea = b[2] & 0x80 != 0;
        let end = (2 + be16(b, 0) as usize).min(b.len());
        let has = !nea && end >= 8;
        if !nea && be16(b, 0) >= 6 {
            need(S, b, 8)?;
        }
        Ok(MediaEventStatus {
            nea,
            notification_class: b[2] & 7,
            supported_event_classes: b[3],
            media_event_code: if has { b[4] & 0x0F } else { 0 },
            media_present: has && b[5] & 0x02 != 0,
            tray_open: has && b[5] & 0x01 != 0,
        })
    }

    /// Encodes 8 bytes (header + media event descriptor), or only the 4-byte header
    /// (Event Data Length 2) when NEA is set: no event descriptor follows then (MMC-6
    /// 6.7.2.1).
    pub fn encode(&self) -> Vec<u8> {
        if self.nea {
            return vec![
                0,
                2,
                0x80 | (self.notification_class & 7),
                self.supported_event_classes,
            ];
        }
        vec![
            0,
            6,
            ((self.nea as u8) << 7) | (self.notification_class & 7),
            self.supported_event_classes,
            self.media_event_code & 0x0F,
            ((self.media_present as u8) << 1) | self.tray_open as u8,
            0,
            0,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip() {
        let e = MediaEventStatus {
            nea: false,
            notification_class: 4,
            supported_event_classes: 0x10,
            media_event_code: 2,
            media_present: true,
            tray_open: false,
        };
        assert_eq!(MediaEventStatus::parse(&e.encode()).unwrap(), e);
        assert!(MediaEventStatus::parse(&e.encode()[..6]).is_err());
        let nea = MediaEventStatus::parse(&[0, 2, 0x80, 0x10]).unwrap();
        assert!(nea.nea && !nea.media_present);
        assert_eq!(nea.encode(), vec![0, 2, 0x80, 0x10]);
    }
}
