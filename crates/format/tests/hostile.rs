//! Hostile input: every decoder returns an error or a value for arbitrary bytes, and
//! never panics (these decoders are reused by the reader/import).

use discburn_format::codec::Reader;
use discburn_format::iso9660::{self, DirectoryRecord, PathTableRecord, PathTableType};
use discburn_format::joliet;
use discburn_format::rrip::{
    AlternateName, ChildLink, DeviceNumber, ParentLink, PosixFileAttributes, SymbolicLink,
    TimeStamps, join_symlink,
};
use discburn_format::susp::{
    ContinuationArea, ExtensionsReference, SharingProtocolIndicator, SuspEntries,
};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn directory_records_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut r = Reader::new(&bytes, "fuzz");
        while r.remaining() > 0 {
            match DirectoryRecord::decode(&mut r) {
                Ok(rec) => {
                    prop_assert!(rec.file_identifier.len() + rec.system_use.len() <= 255);
                    let _ = rec.recording_date_and_time.to_unix();
                }
                Err(_) => break,
            }
        }
        for ty in [PathTableType::L, PathTableType::M] {
            let mut r = Reader::new(&bytes, "fuzz");
            while r.remaining() > 0 && PathTableRecord::decode(ty, &mut r).is_ok() {}
        }
        let _ = iso9660::volume_descriptor_type(&bytes);
        let _ = joliet::decode_name(&bytes);
    }

    #[test]
    fn susp_and_rrip_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400), skip in 0usize..10) {
        let mut comps = Vec::new();
        for e in SuspEntries::new(&bytes, skip).take(200) {
            let Ok(e) = e else { break };
            let _ = SharingProtocolIndicator::decode(&e);
            let _ = ContinuationArea::decode(&e);
            let _ = ExtensionsReference::decode(&e);
            let _ = PosixFileAttributes::decode(&e);
            let _ = DeviceNumber::decode(&e);
            let _ = AlternateName::decode(&e);
            let _ = TimeStamps::decode(&e);
            let _ = ChildLink::decode(&e);
            let _ = ParentLink::decode(&e);
            if let Ok(sl) = SymbolicLink::decode(&e) {
                comps.extend(sl.components);
            }
        }
        let _ = join_symlink(comps);
    }
}
