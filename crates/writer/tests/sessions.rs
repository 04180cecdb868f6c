//! Three sessions written in turn through the data writer to emulated media: after each,
//! the multisession values follow MS-06…MS-10 and W-05/W-06, and the bytes read back
//! through the drive (READ(10)) and from the sparse image file equal what was written.

mod common;

use std::io::Cursor;

use common::*;
use discburn_emu::{DiscOptions, MediaType};
use discburn_recorder::DiscRecorder;
use discburn_writer::{BlockRange, BlockRangeStream, DiscFormat2Data, MediaState};

/// Writes three sessions of `sizes` sectors; returns the session start LBAs.
fn three_sessions(
    media: MediaType,
    sizes: [u32; 3],
    setup: impl Fn(&DiscFormat2Data),
) -> (Disc, Vec<(i32, SeqValues)>) {
    let d = disc(media);
    let w = writer(&d.path);
    setup(&w);
    let blank = seq_values(&w);
    // MS-07, MS-08, MS-10 on blank media; IsSupportedOnCurrentMediaState FALSE (nothing
    // to append to yet).
    assert_eq!(blank.start_prev, -1, "{media}");
    assert_eq!(blank.last_prev, -1, "{media}");
    assert_eq!(blank.nwa, 0, "{media}");
    assert!(blank.first_data, "{media}");
    assert!(!blank.supported, "{media}");
    assert_eq!(
        w.current_media_status().unwrap(),
        MediaState::BLANK,
        "{media}"
    );
    let mut written: Vec<(i32, Vec<u8>)> = Vec::new();
    let mut values = Vec::new();
    let mut before = blank;
    for (k, &n) in sizes.iter().enumerate() {
        let data = pattern(n, k as u8 + 1);
        write(&w, &data).unwrap();
        let after = seq_values(&w);
        // W-06: the new previous session starts at the old NWA; the NWA grows.
        assert_eq!(after.start_prev, before.nwa, "{media} session {}", k + 1);
        assert!(after.nwa > before.nwa, "{media} session {}", k + 1);
        // MS-09.
        assert!(after.start_prev <= after.last_prev, "{media} {after:?}");
        assert!(after.last_prev < after.nwa, "{media} {after:?}");
        assert!(
            after.last_prev >= after.start_prev + n as i32 - 1,
            "{media} {after:?}"
        );
        // MS-10, MS-11.
        assert!(!after.first_data, "{media}");
        assert!(after.supported, "{media}");
        let status = w.current_media_status().unwrap();
        assert!(status.contains(MediaState::APPENDABLE), "{media} {status}");
        assert!(!status.contains(MediaState::BLANK), "{media} {status}");
        written.push((before.nwa, data));
        for (start, data) in &written {
            let n = (data.len() / 2048) as u32;
            assert!(
                read_drive(&w, *start as u32, n) == *data,
                "{media}: READ(10) at {start}"
            );
            assert!(
                read_image(&d.path, *start as u32, n) == *data,
                "{media}: image at {start}"
            );
        }
        values.push((before.nwa, after));
        before = after;
    }
    drop(w);
    // A fresh recorder sees the same media.
    let w = writer(&d.path);
    assert_eq!(seq_values(&w), before);
    for (start, data) in &written {
        let n = (data.len() / 2048) as u32;
        assert!(
            read_drive(&w, *start as u32, n) == *data,
            "{media}: reopened, LBA {start}"
        );
    }
    (d, values)
}

#[test]
fn w_06_three_sessions_cd_r_gaps_11400_then_6900() {
    let sizes = [500, 120, 1000];
    let (_d, v) = three_sessions(MediaType::CdR, sizes, |_| {});
    // Session 1 at 0: track = 500 + 150 post-gap + 2 run-out; next session 11400 later.
    assert_eq!(v[0].0, 0);
    let end1 = 500 + 150 + 2;
    assert_eq!(v[1].0, end1 + 11_400);
    // Session 2: 120 + 150 = 270 user blocks, padded to the 300-block minimum.
    let end2 = v[1].0 + 300 + 2;
    assert_eq!(v[2].0, end2 + 6_900);
    let end3 = v[2].0 + 1000 + 150 + 2;
    assert_eq!(v[2].1.nwa, end3 + 6_900);
    // LastWrittenAddressOfPreviousSession: end of the last track (mmc.md §3.6 formula).
    assert_eq!(v[0].1.last_prev, end1 - 1);
    assert_eq!(v[2].1.last_prev, end3 - 1);
}

#[test]
fn w_06_three_sessions_dvd_plus_r_compatibility_off() {
    let (_d, v) = three_sessions(MediaType::DvdPlusR, [500, 33, 1000], |w| {
        w.set_disable_consumer_dvd_compatibility_mode(true).unwrap();
    });
    assert_eq!(v[0].0, 0);
    // Tracks are padded to the 16-block ECC unit; sessions start on it.
    for (start, _) in &v {
        assert_eq!(start % 16, 0);
    }
    assert!(v[1].0 >= 512);
    assert!(v[2].0 >= v[1].0 + 48);
}

#[test]
fn w_06_three_sessions_bd_r() {
    let (_d, v) = three_sessions(MediaType::BdR, [500, 33, 1000], |_| {});
    assert_eq!(v[0].0, 0);
    for (start, _) in &v {
        assert_eq!(start % 32, 0);
    }
    assert!(v[1].0 >= 512);
    assert!(v[2].0 >= v[1].0 + 64);
}

#[test]
fn w_06_three_sessions_dvd_minus_r_incremental() {
    let (_d, v) = three_sessions(MediaType::DvdMinusR, [500, 40, 700], |_| {});
    assert_eq!(v[0].0, 0);
    assert!(v[2].0 > v[1].0);
}

#[test]
fn w_06_three_sessions_cd_rw() {
    let (_d, v) = three_sessions(MediaType::CdRw, [300, 300, 300], |_| {});
    assert_eq!(v[1].0, 452 + 11_400);
}

/// An image from LBA 0 of `len` sectors: `fill` everywhere, `parts` at their LBAs.
fn image(len: u32, fill: u8, parts: &[(u32, &[u8])]) -> Vec<u8> {
    let mut v = vec![fill; len as usize * 2048];
    for (lba, data) in parts {
        let at = *lba as usize * 2048;
        v[at..at + data.len()].copy_from_slice(data);
    }
    v
}

/// Writes `session` at `start` and `head` at block 16 with one image and a
/// BlockRangeStream of those two ranges (session first, head last).
fn write_session_and_head(w: &DiscFormat2Data, start: u32, session: &[u8], head: &[u8]) {
    let (n, h) = ((session.len() / 2048) as u32, (head.len() / 2048) as u32);
    let img = image(start + n, 0xEE, &[(16, head), (start, session)]);
    let mut st = BlockRangeStream::new(
        Cursor::new(img),
        vec![
            BlockRange::new(start, start + n - 1),
            BlockRange::new(16, 16 + h - 1),
        ],
    )
    .unwrap();
    w.write(&mut st).unwrap();
}

fn align32(v: u32) -> u32 {
    v.div_ceil(32) * 32
}

/// Three logical sessions on overwritable media: session 1 as a whole image from LBA 0,
/// sessions 2 and 3 as block ranges (the new session first, then the head blocks that
/// point readers at it, W-07). Blocks of the stream outside the ranges (filled with
/// 0xEE) never reach the media.
fn three_logical_sessions(w: &DiscFormat2Data, path: &std::path::Path, unit: u32) {
    let (u0, _, total0, _) = random_values(w);
    assert_eq!(u0 as u32, unit);
    // MS-17 / D-16.
    assert_eq!(total0, w.total_sectors_on_media().unwrap());
    assert_eq!(w.free_sectors_on_media().unwrap(), total0);
    assert_eq!(w.next_writable_address().unwrap(), 0);
    assert_eq!(w.start_address_of_previous_session().unwrap(), -1);
    assert_eq!(w.last_written_address_of_previous_session().unwrap(), -1);
    assert!(w.media_heuristically_blank().unwrap());

    let s1 = pattern(700, 1);
    write(w, &s1).unwrap();
    let status = w.current_media_status().unwrap();
    assert_eq!(status, MediaState::OVERWRITE_ONLY, "{status}");
    assert!(!w.media_heuristically_blank().unwrap());
    assert!(!w.media_physically_blank().unwrap());
    let (_, _, total, supported) = random_values(w);
    assert!(supported);
    assert_eq!(total, w.total_sectors_on_media().unwrap());
    assert_eq!(w.free_sectors_on_media().unwrap(), total);
    assert!(read_drive(w, 0, 700) == s1);

    // The patterns stand in for sessions but are not ISO 9660: the ownership check
    // before each write (issue 11) would refuse them without ForceOverwrite.
    assert_eq!(
        write(w, &s1).unwrap_err().imapi_name(),
        "E_IMAPI_DF2DATA_MEDIA_NOT_BLANK"
    );
    w.set_force_overwrite(true).unwrap();

    // Session 2 after session 1, head blocks 16..31 rewritten.
    let start2 = align32(700);
    let s2 = pattern(100, 2);
    let head2 = pattern(16, 20);
    write_session_and_head(w, start2, &s2, &head2);
    assert!(read_drive(w, start2, 100) == s2);
    assert!(read_drive(w, 16, 16) == head2);
    assert!(read_drive(w, 0, 16) == s1[..16 * 2048]);
    assert!(read_drive(w, 32, 700 - 32) == s1[32 * 2048..]);
    assert!(read_image(path, start2, 100) == s2);
    assert_eq!(w.next_writable_address().unwrap(), 0);
    assert_eq!(w.start_address_of_previous_session().unwrap(), -1);

    // Session 3 with an unaligned head range 16..=20 (read-modify-write keeps 21..31).
    let start3 = align32(start2 + 100);
    let s3 = pattern(45, 3);
    let head3 = pattern(5, 30);
    write_session_and_head(w, start3, &s3, &head3);
    assert!(read_drive(w, start3, 45) == s3);
    assert!(read_drive(w, 16, 5) == head3);
    assert!(read_drive(w, 21, 11) == head2[5 * 2048..]);
    assert!(read_drive(w, start2, 100) == s2);
    assert!(read_drive(w, 32, 700 - 32) == s1[32 * 2048..]);
    assert!(read_image(path, start3, 45) == s3);
    assert!(read_image(path, 0, 16) == s1[..16 * 2048]);
}

#[test]
fn w_07_three_logical_sessions_bd_re_block_ranges() {
    let mut o = DiscOptions::new(MediaType::BdRe);
    o.settings.strict_alignment = true; // the emulator refuses WRITEs off the 32-block units
    let d = disc_opts(o);
    let (rec, log) = Logged::open(&d.path);
    let w = DiscFormat2Data::with_recorder(rec).unwrap();
    w.set_client_name(CLIENT).unwrap();
    assert_eq!(
        w.current_media_status().unwrap(),
        MediaState::OVERWRITE_ONLY | MediaState::BLANK
    );
    three_logical_sessions(&w, &d.path, 32);
    // MS-15: every WRITE starts on and spans whole write units.
    let ws = writes(&log);
    assert!(!ws.is_empty());
    for (lba, n) in ws {
        assert_eq!(lba % 32, 0, "WRITE at {lba}");
        assert_eq!(n % 32, 0, "WRITE of {n} blocks at {lba}");
    }
    // BD-RE takes no CLOSE TRACK/SESSION (mmc.md §5.6).
    assert!(closes(&log).is_empty());
}

#[test]
fn w_07_three_logical_sessions_stdio_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("image.iso");
    // A fixed capacity: an uncapped file's capacity follows the host's free space,
    // which other tests change while this one runs.
    let w = DiscFormat2Data::with_recorder(DiscRecorder::open_stdio(&path, Some(100_000)).unwrap())
        .unwrap();
    w.set_client_name(CLIENT).unwrap();
    assert_eq!(
        w.current_physical_media_type().unwrap(),
        discburn_writer::PhysicalMediaType::Disk
    );
    assert_eq!(w.total_sectors_on_media().unwrap(), 100_000);
    three_logical_sessions(&w, &path, 1);
}

#[test]
fn w_07_three_logical_sessions_dvd_plus_rw() {
    let d = disc(MediaType::DvdPlusRw);
    let (rec, log) = Logged::open(&d.path);
    let w = DiscFormat2Data::with_recorder(rec).unwrap();
    w.set_client_name(CLIENT).unwrap();
    three_logical_sessions(&w, &d.path, 16);
    for (lba, n) in writes(&log) {
        assert_eq!((lba % 16, n % 16), (0, 0), "WRITE {n} at {lba}");
    }
    // DVD+RW: CLOSE 010b after each write ends the background format (mmc.md §5.13).
    assert!(closes(&log).iter().all(|c| *c == (0b010, 0)));
    assert_eq!(closes(&log).len(), 3);
}
