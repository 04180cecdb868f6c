//! Write speeds (imapi2.md §5.3, §7.1): GET PERFORMANCE type 03h, SET STREAMING (SET CD
//! SPEED as fallback), mode page 2Ah for the speed in effect (mmc.md §5.11).
//!
//! Units: IMAPI speaks sectors per second; MMC speaks kB/s (1000 bytes/s). The
//! conversion keeps IMAPI's 1x values exact: CD 176.4 kB/s = 75 sectors/s, DVD
//! 1385 kB/s = 680, BD 4495.5 kB/s = 2195.

use discburn_mmc::Profile;
use discburn_recorder::PhysicalMediaType;

/// IMAPI2 IWriteSpeedDescriptor (class MsftWriteSpeedDescriptor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteSpeedDescriptor {
    /// MediaType: the physical media type the speed applies to.
    pub media_type: PhysicalMediaType,
    /// RotationTypeIsPureCAV: WRC = 01b (CAV) in the GET PERFORMANCE descriptor.
    pub rotation_type_is_pure_cav: bool,
    /// WriteSpeed in sectors per second.
    pub write_speed: i32,
    /// The drive's value in kB/s (MMC), kept to send it back exactly.
    pub write_speed_kbps: u32,
    /// The descriptor's End LBA (for SET STREAMING).
    pub end_lba: u32,
}

/// The success outcome of [`crate::DiscFormat2Data::set_write_speed`]: S_OK or one of
/// the S_IMAPI_*ADJUSTED success codes (D-20).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteSpeedStatus {
    /// S_OK: exactly as requested (or the fastest speed for −1).
    Ok,
    /// S_IMAPI_SPEEDADJUSTED (0x00AA0004): the nearest supported speed was used.
    SpeedAdjusted,
    /// S_IMAPI_ROTATIONADJUSTED (0x00AA0005): the rotation type was changed.
    RotationAdjusted,
    /// S_IMAPI_BOTHADJUSTED (0x00AA0006).
    BothAdjusted,
}

impl WriteSpeedStatus {
    /// The HRESULT (a success code).
    pub const fn hresult(self) -> u32 {
        match self {
            WriteSpeedStatus::Ok => 0,
            WriteSpeedStatus::SpeedAdjusted => 0x00AA_0004,
            WriteSpeedStatus::RotationAdjusted => 0x00AA_0005,
            WriteSpeedStatus::BothAdjusted => 0x00AA_0006,
        }
    }

    /// The IMAPI2 constant name.
    pub const fn imapi_name(self) -> &'static str {
        match self {
            WriteSpeedStatus::Ok => "S_OK",
            WriteSpeedStatus::SpeedAdjusted => "S_IMAPI_SPEEDADJUSTED",
            WriteSpeedStatus::RotationAdjusted => "S_IMAPI_ROTATIONADJUSTED",
            WriteSpeedStatus::BothAdjusted => "S_IMAPI_BOTHADJUSTED",
        }
    }
}

/// (sectors per second at 1x, tenths of kB/s at 1x) for the profile's family.
fn one_x(p: Profile) -> (u64, u64) {
    if p.is_cd() {
        (75, 1764)
    } else if p.is_bd() {
        (2195, 44955)
    } else {
        (680, 13850)
    }
}

/// kB/s → sectors/s for media of profile `p`.
pub(crate) fn kbps_to_sps(kbps: u32, p: Profile) -> i32 {
    let (sps, tenths) = one_x(p);
    let v = (u64::from(kbps) * 10 * sps + tenths / 2) / tenths;
    v.min(i32::MAX as u64) as i32
}

/// sectors/s → kB/s for media of profile `p`.
#[cfg(test)]
pub(crate) fn sps_to_kbps(sps_value: i32, p: Profile) -> u32 {
    let (sps, tenths) = one_x(p);
    let v = (sps_value.max(0) as u64 * tenths + 5 * sps) / (10 * sps);
    v.min(u64::from(u32::MAX)) as u32
}

/// Picks the descriptor for a request: −1 → the fastest (of the requested rotation
/// type when there is one); otherwise the nearest speed, preferring the requested
/// rotation type.
pub(crate) fn choose(
    descriptors: &[WriteSpeedDescriptor],
    requested: i32,
    pure_cav: bool,
) -> Option<(WriteSpeedDescriptor, WriteSpeedStatus)> {
    let same_rotation: Vec<&WriteSpeedDescriptor> = descriptors
        .iter()
        .filter(|d| d.rotation_type_is_pure_cav == pure_cav)
        .collect();
    let pool: Vec<&WriteSpeedDescriptor> = if same_rotation.is_empty() {
        descriptors.iter().collect()
    } else {
        same_rotation
    };
    let chosen = if requested == -1 {
        pool.iter().max_by_key(|d| d.write_speed).copied()
    } else {
        pool.iter()
            .min_by_key(|d| {
                (
                    (d.write_speed as i64 - requested as i64).abs(),
                    -(d.write_speed as i64),
                )
            })
            .copied()
    }?;
    let speed_adj = requested != -1 && chosen.write_speed != requested;
    let rot_adj = chosen.rotation_type_is_pure_cav != pure_cav;
    let status = match (speed_adj, rot_adj) {
        (false, false) => WriteSpeedStatus::Ok,
        (true, false) => WriteSpeedStatus::SpeedAdjusted,
        (false, true) => WriteSpeedStatus::RotationAdjusted,
        (true, true) => WriteSpeedStatus::BothAdjusted,
    };
    Some((*chosen, status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_06_unit_conversion_keeps_imapi_1x() {
        assert_eq!(kbps_to_sps(1764, Profile::CdR), 750);
        assert_eq!(kbps_to_sps(22160, Profile::DvdPlusR), 10880);
        assert_eq!(kbps_to_sps(8990, Profile::BdRSequential), 4390);
        assert_eq!(sps_to_kbps(750, Profile::CdR), 1764);
        assert_eq!(sps_to_kbps(10880, Profile::DvdPlusR), 22160);
        assert_eq!(sps_to_kbps(2195, Profile::BdRe), 4496);
    }

    #[test]
    fn d_20_nearest_and_adjusted() {
        let d = |s, cav| WriteSpeedDescriptor {
            media_type: PhysicalMediaType::CdR,
            rotation_type_is_pure_cav: cav,
            write_speed: s,
            write_speed_kbps: 0,
            end_lba: 0,
        };
        let v = [d(1200, false), d(900, false), d(600, false)];
        assert_eq!(choose(&v, -1, false).unwrap().0.write_speed, 1200);
        assert_eq!(choose(&v, -1, false).unwrap().1, WriteSpeedStatus::Ok);
        let (c, s) = choose(&v, 1000, false).unwrap();
        assert_eq!((c.write_speed, s), (900, WriteSpeedStatus::SpeedAdjusted));
        let (c, s) = choose(&v, 900, true).unwrap();
        assert_eq!(
            (c.write_speed, s),
            (900, WriteSpeedStatus::RotationAdjusted)
        );
        let (_, s) = choose(&v, 1, true).unwrap();
        assert_eq!(s, WriteSpeedStatus::BothAdjusted);
        assert_eq!(s.hresult(), 0x00AA0006);
        assert!(choose(&[], -1, false).is_none());
    }
}
