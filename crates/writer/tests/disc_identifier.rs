//! The disc identifier (CalculateDiscIdentifier's format, ours) and the
//! IMAPI_E_DISC_MISMATCH check of Write (imapi2.md §19.9 I-27, I-28) against the
//! emulated recorder.

mod common;

use std::io::{self, Cursor, Read};

use common::*;
use discburn_emu::{DiscOptions, MediaType};
use discburn_writer::{
    DISC_IDENTIFIER_PREFIX, DiscFormat2Data, SessionStream, WriterError, disc_identifier,
};

/// A stream of `data` that claims to be built against `id`; counts the bytes read.
struct Tagged {
    data: Cursor<Vec<u8>>,
    id: Option<String>,
}

impl Read for Tagged {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.data.read(buf)
    }
}

impl SessionStream for Tagged {
    fn len_bytes(&self) -> u64 {
        self.data.get_ref().len() as u64
    }
    fn disc_identifier(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

fn id_of(w: &DiscFormat2Data) -> String {
    disc_identifier(&mut w.recorder().unwrap()).unwrap()
}

#[test]
fn i27_identifier_stable_for_a_state_and_new_after_each_write() {
    for (m, formatted) in [
        (MediaType::CdR, false),
        (MediaType::DvdMinusR, false),
        (MediaType::DvdPlusR, false),
        (MediaType::BdR, false),
        (MediaType::BdRe, true),
    ] {
        let mut o = DiscOptions::new(m);
        o.formatted = formatted;
        let d = disc_opts(o);
        let w = writer(&d.path);
        w.set_disable_consumer_dvd_compatibility_mode(true).unwrap();
        let blank = id_of(&w);
        assert!(blank.starts_with(DISC_IDENTIFIER_PREFIX), "{blank}");
        assert_eq!(id_of(&w), blank, "{m}");
        // Another handle on the same disc sees the same identifier.
        assert_eq!(id_of(&writer(&d.path)), blank, "{m}");
        let mut ids = vec![blank];
        for seed in 1..=2u8 {
            let mut data = pattern(64, seed);
            // Sector 16 as an ECMA-119 descriptor, so the hash takes in the set.
            data[16 * 2048] = 1;
            data[16 * 2048 + 1..16 * 2048 + 6].copy_from_slice(b"CD001");
            data[16 * 2048 + 6] = seed;
            data[17 * 2048] = 255;
            data[17 * 2048 + 1..17 * 2048 + 6].copy_from_slice(b"CD001");
            if formatted {
                w.set_force_overwrite(true).unwrap();
            }
            write(&w, &data).unwrap();
            let id = id_of(&w);
            assert!(!ids.contains(&id), "{m}: write {seed} changed nothing");
            assert_eq!(id_of(&w), id, "{m}");
            ids.push(id);
        }
    }
}

#[test]
fn i28_disc_mismatch_before_any_write_command() {
    let a = disc(MediaType::DvdMinusR);
    let b = disc(MediaType::DvdMinusR);
    write(&writer(&b.path), &pattern(32, 9)).unwrap();
    let id_a = id_of(&writer(&a.path));

    let (rec, log) = Logged::open(&b.path);
    let w = DiscFormat2Data::with_recorder(rec).unwrap();
    w.set_client_name(CLIENT).unwrap();
    let before = read_image(&b.path, 0, 64);
    let mut s = Tagged {
        data: Cursor::new(pattern(32, 1)),
        id: Some(id_a.clone()),
    };
    let err = w.write(&mut s).unwrap_err();
    match &err {
        WriterError::DiscMismatch {
            expected, current, ..
        } => {
            assert_eq!(expected, &id_a);
            assert_eq!(current, &id_of(&w));
        }
        e => panic!("{e}"),
    }
    assert_eq!(err.hresult(), 0xC0AA_B158);
    assert_eq!(err.imapi_name(), "IMAPI_E_DISC_MISMATCH");
    assert!(writes(&log).is_empty(), "no WRITE was sent");
    assert_eq!(s.data.position(), 0, "the stream was not read");
    assert_eq!(read_image(&b.path, 0, 64), before);
    assert_eq!(
        w.recorder().unwrap().exclusive_access_count(),
        0,
        "released"
    );

    // The right identifier, or none, writes.
    let id_b = id_of(&w);
    let mut s = Tagged {
        data: Cursor::new(pattern(32, 2)),
        id: Some(id_b),
    };
    w.write(&mut s).unwrap();
    let mut s = Tagged {
        data: Cursor::new(pattern(32, 3)),
        id: None,
    };
    w.write(&mut s).unwrap();
    assert!(!writes(&log).is_empty());
}
