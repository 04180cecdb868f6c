//! GET CONFIGURATION (MMC-6 6.6, `mmc.md` §1.1, §1.5): the feature descriptors the
//! emulated drive supports and which of them are current for the loaded medium.

use crate::cdb::{be16, put16, put32};

/// What decides the "current" bits.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FeatureCtx {
    /// Current profile (0000h = no medium).
    pub profile: u16,
    /// READ CAPACITY's last LBA (feature 0020h).
    pub last_lba: u32,
    /// BD-R formatted for Pseudo-Overwrite (feature 0038h).
    pub pow: bool,
    /// DVD-R/-RW incremental recording possible (feature 0021h).
    pub incremental: bool,
    /// Overwriteable medium formatted (feature 0020h on BD-RE).
    pub formatted: bool,
}

/// Profiles the emulated recorder lists in feature 0000h, descending.
const EMULATED_PROFILES: [u16; 12] = [
    0x0043, 0x0041, 0x0040, 0x002B, 0x001B, 0x001A, 0x0014, 0x0013, 0x0012, 0x0011, 0x000A, 0x0009,
];

struct Feature {
    code: u16,
    version: u8,
    persistent: bool,
    current: bool,
    payload: Vec<u8>,
}

fn write_unit(profile: u16) -> u16 {
    match profile {
        0x0040..=0x0043 => 32,
        0x0010..=0x002B => 16,
        _ => 1,
    }
}

fn features(ctx: &FeatureCtx) -> Vec<Feature> {
    let p = ctx.profile;
    let is = |list: &[u16]| list.contains(&p);
    let cd = is(&[0x0009, 0x000A]);
    let dvd_minus = is(&[0x0011, 0x0014]);
    let random = is(&[0x0012, 0x0013, 0x001A, 0x0043]) && (p != 0x0043 || ctx.formatted);
    let mut v = Vec::new();
    let mut f = |code: u16, version: u8, persistent: bool, current: bool, payload: Vec<u8>| {
        v.push(Feature {
            code,
            version,
            persistent,
            current,
            payload,
        })
    };
    // 0000h Profile List.
    let mut list = Vec::new();
    for &pr in &EMULATED_PROFILES {
        list.extend_from_slice(&pr.to_be_bytes());
        list.push(u8::from(pr == p));
        list.push(0);
    }
    f(0x0000, 0, true, true, list);
    // 0001h Core: physical interface 2 (ATAPI), DBE.
    f(0x0001, 2, true, true, vec![0, 0, 0, 2, 1, 0, 0, 0]);
    // 0003h Removable Medium: tray, eject, load, lock.
    f(
        0x0003,
        2,
        true,
        true,
        vec![0x20 | 0x10 | 0x08 | 0x01, 0, 0, 0],
    );
    f(0x001E, 1, false, cd, vec![0, 0, 0, 0]);
    f(
        0x001F,
        1,
        false,
        (0x0010..0x0040).contains(&p),
        vec![0, 0, 0, 0],
    );
    // 0020h Random Writable.
    let mut rw = vec![0u8; 12];
    put32(&mut rw, 0, ctx.last_lba);
    put32(&mut rw, 4, 2048);
    put16(&mut rw, 8, write_unit(p));
    rw[10] = 1;
    f(0x0020, 0, false, random, rw);
    // 0021h Incremental Streaming Writable: Mode 1 and Mode 2 Form 1, BUF, one link size.
    let link = if cd { 7 } else { 16 };
    f(
        0x0021,
        1,
        false,
        cd || (dvd_minus && ctx.incremental),
        vec![0x05, 0x00, 0x01, 1, link, 0, 0, 0],
    );
    f(
        0x0023,
        0,
        false,
        is(&[0x0012, 0x0013, 0x001A, 0x0041, 0x0043]),
        vec![0, 0, 0, 0, 0, 0, 0, 0],
    );
    f(0x0024, 0, false, is(&[0x0012, 0x0043]), vec![0x80, 0, 0, 0]);
    f(0x0026, 0, false, p == 0x0013, Vec::new());
    f(0x002A, 1, false, p == 0x001A, vec![0x01, 0x02, 0, 0]);
    f(0x002B, 0, false, is(&[0x001B, 0x002B]), vec![0x01, 0, 0, 0]);
    f(
        0x002D,
        2,
        false,
        cd,
        vec![0x40 | 0x04 | u8::from(p == 0x000A) << 1, 0, 0x05, 0x00],
    );
    f(
        0x002E,
        1,
        false,
        cd,
        vec![
            0x40 | 0x20 | 0x04 | u8::from(p == 0x000A) << 1,
            0,
            0xFF,
            0xFF,
        ],
    );
    f(
        0x002F,
        1,
        false,
        dvd_minus,
        vec![0x40 | 0x04 | u8::from(p == 0x0014) << 1, 0, 0, 0],
    );
    f(0x0037, 0, false, p == 0x000A, vec![0, 0x01, 0, 0]);
    f(0x0038, 0, false, p == 0x0041 && ctx.pow, Vec::new());
    f(0x003B, 0, false, p == 0x002B, vec![0x01, 0, 0, 0]);
    let bd = is(&[0x0041, 0x0043]);
    let mut bd_read = vec![0u8; 28];
    bd_read[5] = 0x0E; // BD-RE class 0 versions
    bd_read[13] = 0x0E; // BD-R class 0 versions
    bd_read[21] = 0x0E; // BD-ROM class 0 versions
    f(0x0040, 1, false, bd, bd_read);
    let mut bd_write = vec![0u8; 20];
    bd_write[5] = 0x0E;
    bd_write[13] = 0x0E;
    f(0x0041, 1, false, bd, bd_write);
    // 0107h Real Time Streaming: SCS, MP2A, WSPD, SW.
    f(0x0107, 4, false, true, vec![0x0F, 0, 0, 0]);
    v
}

/// The GET CONFIGURATION reply for CDB `cdb` (untruncated; the caller applies the
/// allocation length). `None` for an invalid RT field (→ 5/24/00).
pub(crate) fn get_configuration(ctx: &FeatureCtx, cdb: &[u8]) -> Option<Vec<u8>> {
    let rt = cdb[1] & 0x03;
    let start = be16(cdb, 2);
    if rt == 3 {
        return None;
    }
    let mut b = vec![0u8; 8];
    put16(&mut b, 6, ctx.profile);
    for feat in features(ctx) {
        let wanted = match rt {
            0 => feat.code >= start,
            1 => feat.code >= start && feat.current,
            _ => feat.code == start,
        };
        if !wanted {
            continue;
        }
        b.extend_from_slice(&feat.code.to_be_bytes());
        b.push((feat.version << 2) | (u8::from(feat.persistent) << 1) | u8::from(feat.current));
        b.push(feat.payload.len() as u8);
        b.extend_from_slice(&feat.payload);
    }
    let len = (b.len() - 4) as u32;
    put32(&mut b, 0, len);
    Some(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feature(reply: &[u8], code: u16) -> Option<&[u8]> {
        let mut i = 8;
        while i + 4 <= reply.len() {
            let c = be16(reply, i);
            let n = reply[i + 3] as usize;
            if c == code {
                return Some(&reply[i..i + 4 + n]);
            }
            i += 4 + n;
        }
        None
    }

    #[test]
    fn mmc_1_5_bd_r_pow_feature_0038() {
        let mut ctx = FeatureCtx {
            profile: 0x0041,
            ..FeatureCtx::default()
        };
        let cdb = [0x46, 0x02, 0x00, 0x38, 0, 0, 0, 0, 16, 0];
        let r = get_configuration(&ctx, &cdb).unwrap();
        assert_eq!(r.len(), 12);
        assert_eq!(r[10] & 1, 0);
        ctx.pow = true;
        let r = get_configuration(&ctx, &cdb).unwrap();
        assert_eq!(r[10] & 1, 1);
        assert_eq!(be16(&r, 6), 0x0041);
    }

    #[test]
    fn mmc_1_5_rt2_unknown_feature_is_header_only() {
        let ctx = FeatureCtx {
            profile: 0x0009,
            ..FeatureCtx::default()
        };
        let r = get_configuration(&ctx, &[0x46, 0x02, 0x12, 0x34, 0, 0, 0, 0, 16, 0]).unwrap();
        assert_eq!(r.len(), 8);
        assert_eq!(crate::cdb::be32(&r, 0), 4);
    }

    #[test]
    fn mmc_1_5_rt1_lists_only_current_features_ascending() {
        let ctx = FeatureCtx {
            profile: 0x001B,
            ..FeatureCtx::default()
        };
        let r = get_configuration(&ctx, &[0x46, 0x01, 0, 0, 0, 0, 0, 0x10, 0, 0]).unwrap();
        let mut codes = Vec::new();
        let mut i = 8;
        while i < r.len() {
            assert_eq!(r[i + 2] & 1, 1, "feature {:04X} not current", be16(&r, i));
            codes.push(be16(&r, i));
            i += 4 + r[i + 3] as usize;
        }
        assert_eq!(codes, vec![0x0000, 0x0001, 0x0003, 0x001F, 0x002B, 0x0107]);
        let profiles = feature(&r, 0).unwrap();
        let current: Vec<u16> = profiles[4..]
            .chunks(4)
            .filter(|d| d[2] & 1 == 1)
            .map(|d| be16(d, 0))
            .collect();
        assert_eq!(current, vec![0x001B]);
    }
}
