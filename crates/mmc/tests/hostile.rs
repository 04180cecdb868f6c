//! Reply parsers never panic on hostile bytes, and encode → parse round-trips hold for
//! generated values.

use discburn_mmc::Sense;
use discburn_mmc::reply::*;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parsers_never_panic(b in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = Sense::parse(&b);
        let _ = InquiryData::parse(&b);
        let _ = Configuration::parse(&b);
        let _ = DiscInformation::parse(&b);
        let _ = TrackInformation::parse(&b);
        let _ = Toc::parse(&b);
        let _ = SessionInfo::parse(&b);
        let _ = FullToc::parse(&b);
        let _ = Atip::parse(&b);
        let _ = ReadCapacity::parse(&b);
        let _ = FormatCapacities::parse(&b);
        let _ = FormatUnitParameters::parse(&b);
        let _ = BufferCapacity::parse(&b);
        let _ = ModeSense::parse(&b);
        let _ = WriteParameters::parse(&b);
        let _ = parse_write_speeds(&b);
        let _ = PerformanceDescriptor::parse(&b);
        let _ = MediaEventStatus::parse(&b);
        if let Ok(c) = Configuration::parse(&b) {
            for f in &c.features {
                let _ = f.typed();
                let _ = f.profiles().count();
            }
        }
    }

    #[test]
    fn track_information_roundtrip(
        track in any::<u16>(), session in any::<u16>(), mode in 0u8..16, dm in 0u8..16,
        flags in any::<u8>(), start in any::<u32>(), nwa in proptest::option::of(any::<u32>()),
        free in any::<u32>(), size in any::<u32>(), lra in proptest::option::of(any::<u32>()),
    ) {
        let t = TrackInformation {
            track_number: track,
            session_number: session,
            track_mode: mode,
            data_mode: dm,
            damage: flags & 1 != 0,
            copy: flags & 2 != 0,
            reserved_track: flags & 4 != 0,
            blank: flags & 8 != 0,
            packet_inc: flags & 16 != 0,
            fixed_packet: flags & 32 != 0,
            ljrs: flags >> 6,
            track_start_address: start,
            next_writable_address: nwa,
            free_blocks: free,
            fixed_packet_size: 16,
            track_size: size,
            last_recorded_address: lra,
            read_compatibility_lba: Some(0),
            next_layer_jump_address: Some(0),
            last_layer_jump_address: Some(0),
            ..TrackInformation::empty()
        };
        prop_assert_eq!(TrackInformation::parse(&t.encode()).unwrap(), t);
    }

    #[test]
    fn sense_fixed_roundtrip(key in 0u8..16, asc in any::<u8>(), ascq in any::<u8>(),
                             info in proptest::option::of(any::<u32>()),
                             progress in proptest::option::of(any::<u16>())) {
        let mut s = Sense::new(discburn_mmc::SenseKey::from_nibble(key), asc, ascq);
        if let Some(i) = info { s = s.with_information(i as u64); }
        // Progress is only reported with key 0 or 2 (SPC-4 4.5.2.4.4).
        if let Some(p) = progress.filter(|_| key == 0 || key == 2) { s = s.with_progress(p); }
        prop_assert_eq!(Sense::parse(&s.to_fixed()).unwrap(), s);
    }
}
