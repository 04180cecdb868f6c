//! imapi2.md §19.6 Write / CancelWrite / events (W-01…W-12, E-01…E-06), plus an injected
//! power cut: each error has its IMAPI code and earlier sessions stay byte-identical.

mod common;

use std::io::Cursor;
use std::ops::ControlFlow;
use std::sync::mpsc;
use std::time::Duration;

use common::*;
use discburn_emu::{FaultPlan, MediaType, set_disc_faults};
use discburn_recorder::DiscRecorder;
use discburn_writer::{
    DiscFormat2Data, DiscFormat2DataEventArgs, ManualClock, MediaState, WriteAction,
};

/// A writer whose clock advances 0.6 s per reading, so every chunk gets an event.
fn timed_writer(d: &Disc) -> DiscFormat2Data {
    let mut w = writer(&d.path);
    w.set_clock(Box::new(ManualClock::new(Duration::from_millis(600))));
    w
}

/// A disc with one session of 200 sectors (seed 1); returns it and the session's data.
fn one_session(m: MediaType) -> (Disc, Vec<u8>) {
    let d = disc(m);
    let w = writer(&d.path);
    w.set_disable_consumer_dvd_compatibility_mode(true).unwrap();
    let s1 = pattern(200, 1);
    write(&w, &s1).unwrap();
    (d, s1)
}

fn assert_session1_intact(path: &std::path::Path, s1: &[u8]) {
    let w = writer(path);
    assert!(read_drive(&w, 0, 200) == s1, "session 1 through READ(10)");
    assert!(
        read_image(path, 0, 200) == s1,
        "session 1 in the image file"
    );
}

#[test]
fn w_01_unaligned_stream_refused_and_nothing_written() {
    let d = disc(MediaType::BdR);
    let (rec, log) = Logged::open(&d.path);
    let w = DiscFormat2Data::with_recorder(rec).unwrap();
    w.set_client_name(CLIENT).unwrap();
    for len in [2049usize, 1, 4095] {
        let e = w.write(&mut Cursor::new(vec![1u8; len])).unwrap_err();
        assert_eq!(e.hresult(), 0xC0AA0403, "{len}: {e}");
        assert_eq!(e.imapi_name(), "E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED");
    }
    assert!(writes(&log).is_empty());
    assert_eq!(w.current_media_status().unwrap(), MediaState::BLANK);
}

#[test]
fn w_02_write_without_client_name() {
    let d = disc(MediaType::CdR);
    let w = DiscFormat2Data::with_recorder(DiscRecorder::open(&d.path).unwrap()).unwrap();
    let e = w.write(&mut Cursor::new(pattern(10, 1))).unwrap_err();
    assert_eq!(e.hresult(), 0xC0AA0408);
    assert!(w.media_physically_blank().unwrap());
}

#[test]
fn w_03_e_01_synchronous_with_one_event_per_phase() {
    let d = disc(MediaType::BdR);
    let w = timed_writer(&d);
    let mut events: Vec<DiscFormat2DataEventArgs> = Vec::new();
    w.write_with_progress(&mut Cursor::new(pattern(2000, 1)), |e| {
        events.push(*e);
        ControlFlow::Continue(())
    })
    .unwrap();
    // W-03: returns after COMPLETED; the session is there.
    assert_eq!(
        events.last().unwrap().current_action,
        WriteAction::Completed
    );
    assert!(!w.is_writing());
    assert!(
        w.current_media_status()
            .unwrap()
            .contains(MediaState::APPENDABLE)
    );
    let count = |a| events.iter().filter(|e| e.current_action == a).count();
    assert_eq!(count(WriteAction::InitializingHardware), 1);
    assert_eq!(count(WriteAction::CalibratingPower), 1);
    assert_eq!(
        count(WriteAction::FormattingMedia),
        0,
        "BD-R needs no format"
    );
    assert_eq!(count(WriteAction::Completed), 1);
    assert_eq!(count(WriteAction::Finalization), 1);
    assert!(count(WriteAction::WritingData) >= 2);
    // Phases in order.
    let order: Vec<WriteAction> = events.iter().map(|e| e.current_action).collect();
    let pos = |a| order.iter().position(|x| *x == a).unwrap();
    assert!(pos(WriteAction::InitializingHardware) < pos(WriteAction::CalibratingPower));
    assert!(pos(WriteAction::CalibratingPower) < pos(WriteAction::WritingData));
    assert!(pos(WriteAction::WritingData) < pos(WriteAction::Finalization));

    // Unformatted BD-RE: exactly one FORMATTING_MEDIA event.
    let d = disc(MediaType::BdRe);
    let w = timed_writer(&d);
    let mut formatting = 0;
    w.write_with_progress(&mut Cursor::new(pattern(64, 1)), |e| {
        formatting += usize::from(e.current_action == WriteAction::FormattingMedia);
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(formatting, 1);
}

#[test]
fn e_01_writing_events_about_every_half_second() {
    // A clock advancing 0.1 s per reading: events only every fifth reading or so, but
    // at least the first and the last of the data phase.
    let d = disc(MediaType::BdR);
    let mut w = writer(&d.path);
    w.set_clock(Box::new(ManualClock::new(Duration::from_millis(100))));
    let mut writing = Vec::new();
    w.write_with_progress(&mut Cursor::new(pattern(4096, 1)), |e| {
        if e.current_action == WriteAction::WritingData {
            writing.push(e.last_written_lba);
        }
        ControlFlow::Continue(())
    })
    .unwrap();
    // 4096 sectors in chunks of 128: 32 WRITEs, 63 clock readings → well below 32 events.
    assert!(
        writing.len() >= 2 && writing.len() < 32,
        "{}",
        writing.len()
    );
    assert_eq!(*writing.last().unwrap(), 4095);
}

#[test]
fn e_02_e_03_e_04_e_05_event_fields() {
    let (d, _) = one_session(MediaType::CdR);
    let w = timed_writer(&d);
    let nwa = w.next_writable_address().unwrap();
    let n = 700;
    let mut events = Vec::new();
    w.write_with_progress(&mut Cursor::new(pattern(n, 2)), |e| {
        events.push(*e);
        ControlFlow::Continue(())
    })
    .unwrap();
    let mut last_elapsed = 0;
    for e in &events {
        // E-02
        assert_eq!(
            e.free_system_buffer,
            e.total_system_buffer - e.used_system_buffer
        );
        assert!(
            e.used_system_buffer >= 0 && e.total_system_buffer > 0,
            "{e:?}"
        );
        // E-03
        assert_eq!(e.total_time, e.elapsed_time + e.remaining_time, "{e:?}");
        assert!(e.remaining_time >= 0);
        assert!(e.elapsed_time >= last_elapsed);
        last_elapsed = e.elapsed_time;
        // E-04: the write operation is the session: data + 150 post-gap sectors.
        assert_eq!(e.start_lba, nwa);
        assert_eq!(e.sector_count, n as i32 + 150);
        // E-05
        if e.current_action == WriteAction::WritingData {
            assert!(e.start_lba <= e.last_written_lba, "{e:?}");
            assert!(e.last_written_lba <= e.last_read_lba, "{e:?}");
            assert!(e.last_read_lba < e.start_lba + e.sector_count, "{e:?}");
        }
    }
    let done = events.last().unwrap();
    assert_eq!(done.current_action, WriteAction::Completed);
    assert_eq!(done.remaining_time, 0);
    assert_eq!(done.last_written_lba, nwa + n as i32 + 150 - 1);
    // Some event while writing had data read ahead of the device.
    assert!(events.iter().any(|e| e.used_system_buffer > 0));
}

#[test]
fn e_06_callback_continue_is_ignored() {
    let d = disc(MediaType::DvdPlusR);
    let w = timed_writer(&d);
    let mut n = 0;
    w.write_with_progress(&mut Cursor::new(pattern(300, 1)), |_| {
        n += 1;
        ControlFlow::Continue(())
    })
    .unwrap();
    assert!(n > 3);
}

#[test]
fn w_04_second_write_during_a_write() {
    let (d, s1) = one_session(MediaType::BdR);
    let w = timed_writer(&d);
    let mut inner = None;
    let mut other = None;
    w.write_with_progress(&mut Cursor::new(pattern(1000, 2)), |e| {
        if e.current_action == WriteAction::WritingData && inner.is_none() {
            // The same object: E_IMAPI_DF2DATA_WRITE_IN_PROGRESS.
            inner = Some(
                w.write(&mut Cursor::new(pattern(32, 3)))
                    .unwrap_err()
                    .hresult(),
            );
            // Another writer on the same drive: the recorder is locked.
            let w2 = writer(&d.path);
            other = Some(
                w2.write(&mut Cursor::new(pattern(32, 3)))
                    .unwrap_err()
                    .hresult(),
            );
        }
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(inner, Some(0xC0AA0400));
    assert_eq!(other, Some(0xC0AA0210));
    assert_session1_intact(&d.path, &s1);
    let w = writer(&d.path);
    assert!(read_drive(&w, 224, 1000) == pattern(1000, 2));
}

#[test]
fn w_05_session_written_at_next_writable_address() {
    let (d, _) = one_session(MediaType::DvdPlusR);
    let (rec, log) = Logged::open(&d.path);
    let w = DiscFormat2Data::with_recorder(rec).unwrap();
    w.set_client_name(CLIENT).unwrap();
    w.set_disable_consumer_dvd_compatibility_mode(true).unwrap();
    let nwa = w.next_writable_address().unwrap() as u32;
    write(&w, &pattern(100, 2)).unwrap();
    let ws = writes(&log);
    assert_eq!(ws[0].0, nwa);
    // Contiguous, in 16-block units.
    let mut next = nwa;
    for (lba, n) in ws {
        assert_eq!(lba, next);
        assert_eq!(n % 16, 0);
        next += n;
    }
    assert_eq!(next, nwa + 112);
}

#[test]
fn w_08_exclusive_access_under_client_name_for_the_write() {
    let d = disc(MediaType::CdR);
    let w = writer(&d.path);
    let mut owner = None;
    w.write_with_progress(&mut Cursor::new(pattern(300, 1)), |e| {
        if e.current_action == WriteAction::WritingData && owner.is_none() {
            owner = Some(
                DiscRecorder::open(&d.path)
                    .unwrap()
                    .exclusive_access_owner(),
            );
        }
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(owner.as_deref(), Some(CLIENT));
    assert_eq!(
        DiscRecorder::open(&d.path)
            .unwrap()
            .exclusive_access_owner(),
        ""
    );
    assert_eq!(w.recorder().unwrap().exclusive_access_count(), 0);
    // Released after an error too.
    let e = write(&w, &pattern(400_000, 2)).unwrap_err();
    assert_eq!(e.hresult(), 0xC0AA0404);
    assert_eq!(w.recorder().unwrap().exclusive_access_count(), 0);
    assert_eq!(
        DiscRecorder::open(&d.path)
            .unwrap()
            .exclusive_access_owner(),
        ""
    );
}

#[test]
fn w_09_too_large_refused_before_touching_the_media() {
    for m in [
        MediaType::BdR,
        MediaType::CdR,
        MediaType::DvdPlusR,
        MediaType::DvdRam,
    ] {
        let d = disc_capacity(m, 6400);
        let (rec, log) = Logged::open(&d.path);
        let w = DiscFormat2Data::with_recorder(rec).unwrap();
        w.set_client_name(CLIENT).unwrap();
        let free = w.free_sectors_on_media().unwrap() as u32;
        let status = w.current_media_status().unwrap();
        let e = write(&w, &pattern(free + 1, 1)).unwrap_err();
        assert_eq!(e.hresult(), 0xC0AA0404, "{m}: {e}");
        assert_eq!(
            e.imapi_name(),
            "E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA"
        );
        assert!(writes(&log).is_empty(), "{m}");
        assert!(
            !log.lock()
                .unwrap()
                .iter()
                .any(|c| matches!(c[0], 0x55 | 0x5B | 0x53 | 0x04)),
            "{m}: nothing but queries"
        );
        assert_eq!(w.current_media_status().unwrap(), status, "{m}");
        // Exactly the free space fits (CD: the post-gap is extra).
        write(&w, &pattern(free, 1)).unwrap();
    }
}

#[test]
fn w_10_finalized_and_unsupported_media() {
    let d = disc(MediaType::BdR);
    let w = writer(&d.path);
    w.set_force_media_to_be_closed(true).unwrap();
    let s1 = pattern(200, 1);
    write(&w, &s1).unwrap();
    let e = write(&w, &pattern(32, 2)).unwrap_err();
    assert_eq!(e.hresult(), 0xC0AA0402);
    assert_eq!(e.imapi_name(), "E_IMAPI_DF2DATA_INVALID_MEDIA_STATE");
    assert!(read_drive(&w, 0, 200) == s1);

    let w = DiscFormat2Data::new();
    w.set_recorder(rom_recorder(&[0x0008, 0x0009], 0x0008))
        .unwrap();
    w.set_client_name(CLIENT).unwrap();
    let e = write(&w, &pattern(10, 1)).unwrap_err();
    assert_eq!(e.hresult(), 0xC0AA0406);
}

#[test]
fn w_11_cancel_write_when_not_writing() {
    let w = DiscFormat2Data::new();
    assert_eq!(w.cancel_write().unwrap_err().hresult(), 0xC0AA0401);
    assert_eq!(
        w.control().cancel_write().unwrap_err().hresult(),
        0xC0AA0401
    );
}

/// After a cancelled or interrupted second session: session 1 intact, the media shows
/// the open session as the drive reports it, and a new write is refused.
fn after_interruption(path: &std::path::Path, s1: &[u8]) {
    assert_session1_intact(path, s1);
    let w = writer(path);
    let s = w.current_media_status().unwrap();
    assert!(s.contains(MediaState::NON_EMPTY_SESSION), "{s}");
    assert!(!s.is_usable());
    assert_eq!(w.start_address_of_previous_session().unwrap(), 0);
    let e = write(&w, &pattern(32, 9)).unwrap_err();
    assert_eq!(e.hresult(), 0xC0AA0402, "{e}");
    assert_session1_intact(path, s1);
}

#[test]
fn w_12_cancel_from_the_callback() {
    for m in [
        MediaType::BdR,
        MediaType::CdR,
        MediaType::DvdPlusR,
        MediaType::DvdMinusR,
    ] {
        let (d, s1) = one_session(m);
        let (rec, log) = Logged::open(&d.path);
        let mut w = DiscFormat2Data::with_recorder(rec).unwrap();
        w.set_client_name(CLIENT).unwrap();
        w.set_disable_consumer_dvd_compatibility_mode(true).unwrap();
        w.set_clock(Box::new(ManualClock::new(Duration::from_millis(600))));
        let mut writing_events = 0;
        let e = w
            .write_with_progress(&mut Cursor::new(pattern(2000, 2)), |e| {
                if e.current_action == WriteAction::WritingData {
                    writing_events += 1;
                    if writing_events == 2 {
                        return ControlFlow::Break(());
                    }
                }
                ControlFlow::Continue(())
            })
            .unwrap_err();
        assert_eq!(e.hresult(), 0xC0AA0002, "{m}: {e}");
        assert_eq!(e.imapi_name(), "E_IMAPI_REQUEST_CANCELLED");
        // It stopped early, flushed, and did not close anything.
        let ws = writes(&log);
        let written: u32 = ws.iter().map(|w| w.1).sum();
        assert!(written > 0 && written < 2000, "{m}: {written}");
        let l = log.lock().unwrap().clone();
        let last_write = l.iter().rposition(|c| c[0] == 0x2A).unwrap();
        assert!(
            l[last_write..].iter().any(|c| c[0] == 0x35),
            "{m}: SYNCHRONIZE CACHE"
        );
        assert!(!l.iter().any(|c| c[0] == 0x5B), "{m}: no CLOSE");
        assert!(!w.is_writing());
        assert_eq!(w.cancel_write().unwrap_err().hresult(), 0xC0AA0401);
        drop(w);
        after_interruption(&d.path, &s1);
    }
}

#[test]
fn w_12_cancel_from_another_thread() {
    let (d, s1) = one_session(MediaType::BdR);
    let w = timed_writer(&d);
    let ctl = w.control();
    let (to_thread, from_writer) = mpsc::channel::<()>();
    let (to_writer, from_thread) = mpsc::channel::<bool>();
    let t = std::thread::spawn(move || {
        from_writer.recv().unwrap();
        let r = ctl.cancel_write();
        to_writer.send(r.is_ok()).unwrap();
    });
    let mut asked = false;
    let mut cancelled_ok = None;
    let e = w
        .write_with_progress(&mut Cursor::new(pattern(2000, 2)), |e| {
            if e.current_action == WriteAction::WritingData && !asked {
                asked = true;
                to_thread.send(()).unwrap();
                cancelled_ok = Some(from_thread.recv().unwrap());
            }
            ControlFlow::Continue(())
        })
        .unwrap_err();
    t.join().unwrap();
    assert_eq!(cancelled_ok, Some(true));
    assert_eq!(e.hresult(), 0xC0AA0002);
    drop(w);
    after_interruption(&d.path, &s1);
}

#[test]
fn power_cut_mid_write_keeps_earlier_sessions() {
    for m in [MediaType::BdR, MediaType::CdR, MediaType::DvdPlusR] {
        let (d, s1) = one_session(m);
        let mut plan = FaultPlan::default();
        plan.power_cut_after_sectors = Some(300);
        set_disc_faults(&d.path, plan).unwrap();
        let w = writer(&d.path);
        w.set_disable_consumer_dvd_compatibility_mode(true).unwrap();
        let e = write(&w, &pattern(1000, 2)).unwrap_err();
        // The device vanished mid-command: an unexpected device response (or the
        // recorder's mapping of a lost device).
        assert!(
            matches!(e.hresult(), 0xC0AA0301 | 0x80070037),
            "{m}: {e} ({:#X})",
            e.hresult()
        );
        drop(w);
        after_interruption(&d.path, &s1);
        // The part written before the cut is readable as the drive recovered it.
        let w = writer(&d.path);
        let nwa1 = {
            let mut r = w.recorder().unwrap();
            let di = r.disc_information().unwrap();
            let t = r
                .track_information(discburn_mmc::TrackAddress::Track(u32::from(
                    di.last_track_in_last_session,
                )))
                .unwrap();
            t.track_start_address
        };
        assert!(
            read_drive(&w, nwa1, 100) == pattern(1000, 2)[..100 * 2048],
            "{m}"
        );
    }
}

#[test]
fn write_protected_media_fails_with_recorder_code() {
    let mut o = discburn_emu::DiscOptions::new(MediaType::BdR);
    o.write_protected = true;
    let d = disc_opts(o);
    let w = writer(&d.path);
    let e = write(&w, &pattern(32, 1)).unwrap_err();
    assert_eq!(e.hresult(), 0xC0AA0209, "{e}");
    assert_eq!(e.imapi_name(), "E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED");
    assert_eq!(w.recorder().unwrap().exclusive_access_count(), 0);
}

#[test]
fn overwriting_non_blank_media_from_lba_0_needs_force_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("image.iso");
    let w = writer(&path);
    let s1 = pattern(40, 1);
    write(&w, &s1).unwrap();
    let e = write(&w, &pattern(40, 2)).unwrap_err();
    assert_eq!(e.hresult(), 0xC0AA0405);
    assert_eq!(e.imapi_name(), "E_IMAPI_DF2DATA_MEDIA_NOT_BLANK");
    assert!(read_drive(&w, 0, 40) == s1);
    w.set_force_overwrite(true).unwrap();
    write(&w, &pattern(40, 2)).unwrap();
    assert!(read_image(&path, 0, 40) == pattern(40, 2));
}

#[test]
fn dvd_minus_rw_without_incremental_writes_one_disc_at_once_session() {
    let d = disc(MediaType::DvdMinusRw);
    {
        // A minimal BLANK leaves feature 0021h (incremental) not current (mmc.md §5.8).
        let mut r = DiscRecorder::open(&d.path).unwrap();
        r.drive()
            .blank(discburn_mmc::cdb::BlankingType::Minimal, 0, false)
            .unwrap();
    }
    let (rec, log) = Logged::open(&d.path);
    let w = DiscFormat2Data::with_recorder(rec).unwrap();
    w.set_client_name(CLIENT).unwrap();
    let s1 = pattern(100, 1);
    write(&w, &s1).unwrap();
    let l = log.lock().unwrap().clone();
    assert!(l.iter().any(|c| c[0] == 0x53), "RESERVE TRACK");
    assert!(
        !l.iter().any(|c| c[0] == 0x5B),
        "DAO completes at SYNCHRONIZE CACHE"
    );
    assert!(
        w.current_media_status()
            .unwrap()
            .contains(MediaState::FINALIZED)
    );
    assert!(read_drive(&w, 0, 100) == s1);
}

/// A session image that says which start block it was built for.
struct Built {
    data: Cursor<Vec<u8>>,
    start: u32,
}

impl std::io::Read for Built {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.data.read(buf)
    }
}

impl discburn_writer::SessionStream for Built {
    fn len_bytes(&self) -> u64 {
        self.data.get_ref().len() as u64
    }
    fn session_start_block(&self) -> Option<u32> {
        Some(self.start)
    }
}

#[test]
fn image_built_for_another_start_block_is_refused() {
    let (d, s1) = one_session(MediaType::BdR);
    let w = writer(&d.path);
    let nwa = w.next_writable_address().unwrap() as u32;
    let mut wrong = Built {
        data: Cursor::new(pattern(64, 2)),
        start: nwa + 32,
    };
    let e = w.write(&mut wrong).unwrap_err();
    assert_eq!(e.hresult(), 0xC0AA0403, "{e}");
    assert_eq!(w.next_writable_address().unwrap() as u32, nwa);
    let mut right = Built {
        data: Cursor::new(pattern(64, 2)),
        start: nwa,
    };
    w.write(&mut right).unwrap();
    assert!(read_drive(&w, nwa, 64) == pattern(64, 2));
    assert_session1_intact(&d.path, &s1);

    // Overwritable media: a session image for LBA 700 without block ranges.
    let dir = tempfile::tempdir().unwrap();
    let w = writer(&dir.path().join("f.iso"));
    let mut s = Built {
        data: Cursor::new(pattern(64, 3)),
        start: 700,
    };
    assert_eq!(w.write(&mut s).unwrap_err().hresult(), 0xC0AA0403);
}
