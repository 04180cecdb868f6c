//! El Torito (IBootOptions, El Torito 1.0) through the library: the catalog and boot
//! record a new session gets, the boot info table patched while streaming, and the boot
//! record an import keeps, rewrites or refuses. Read back with discburn's own reader
//! here; the CLI tests read them with xorriso, isoinfo and a BIOS.

use std::io::Read as _;
use std::sync::Arc;

use discburn_format::eltorito::{BootInfoTable, Emulation, PlatformId, boot_info_checksum};
use discburn_image::{BootOptions, ElToritoPlan, FileSystemImage, ImageError};
use discburn_reader::{ReadOptions, SectorSource, Volume, read_boot_catalog};

fn bytes(n: usize, seed: u8) -> Vec<u8> {
    (0..n).map(|i| (i as u8).wrapping_mul(31) ^ seed).collect()
}

/// The session of `image` as bytes from LBA 0 (blocks before its start are zeros),
/// followed by its random-write head at LBA 0 when it starts at 32 or later.
fn write(image: &FileSystemImage, base: Vec<u8>) -> Vec<u8> {
    let mut r = image.create_result_image().unwrap();
    let start = r.session_start_block() as usize * 2048;
    let head = (start >= 32 * 2048).then(|| r.random_write_head().unwrap());
    let mut out = base;
    out.resize(start, 0);
    r.read_to_end(&mut out).unwrap();
    if let Some(h) = head {
        out[..h.len()].copy_from_slice(&h);
    }
    out
}

fn file_lba(img: &[u8], start: u64, path: &str) -> (u32, u64) {
    let mut src: &[u8] = img;
    let vol = Volume::open(&mut src, start, &ReadOptions::default()).unwrap();
    let tree = vol.read_tree(&mut src, vol.default_view()).unwrap();
    let n = tree
        .find(path)
        .unwrap_or_else(|| panic!("{path} not in the tree"));
    (n.extents()[0].lba, n.size())
}

#[test]
fn bios_and_efi_entries_in_one_catalog_with_a_patched_boot_info_table() {
    let bios = bytes(5000, 1);
    let efi = bytes(70_000, 2);
    let mut image = FileSystemImage::new();
    image.add_directory("/isolinux").unwrap();
    image
        .add_bytes("/isolinux/isolinux.bin", bios.clone())
        .unwrap();
    image.add_bytes("/efi.img", efi.clone()).unwrap();
    let mut b = BootOptions::new("/isolinux/isolinux.bin");
    b.load_size = Some(4);
    b.boot_info_table = true;
    b.manufacturer = "discburn".into();
    let mut e = BootOptions::new("/efi.img");
    e.platform_id = PlatformId::Efi;
    image.set_boot_image_options_array(vec![b, e]);
    let img = write(&image, Vec::new());

    let mut src: &[u8] = &img;
    let vol = Volume::open(&mut src, 0, &ReadOptions::default()).unwrap();
    // El Torito 2.0: the boot record is sector 17.
    assert_eq!(img[17 * 2048], 0);
    assert_eq!(
        &img[17 * 2048 + 7..17 * 2048 + 30],
        b"EL TORITO SPECIFICATION"
    );
    let cat = vol
        .read_boot_catalog(&mut src)
        .unwrap()
        .expect("a boot record");
    let (cat_lba, cat_size) = file_lba(&img, 0, "/boot.catalog");
    assert_eq!(
        cat.catalog_lba, cat_lba,
        "the catalog is the file /boot.catalog"
    );
    assert_eq!(cat_size, 4 * 32);
    assert_eq!(&cat.catalog.validation.id_string[..8], b"discburn");
    let entries = cat.entries();
    assert_eq!(entries.len(), 2);
    let (bios_lba, _) = file_lba(&img, 0, "/isolinux/isolinux.bin");
    let (efi_lba, _) = file_lba(&img, 0, "/efi.img");
    assert_eq!(entries[0].platform_id, PlatformId::X86);
    assert_eq!(
        (entries[0].entry.load_rba, entries[0].entry.sector_count),
        (bios_lba, 4)
    );
    assert_eq!(entries[1].platform_id, PlatformId::Efi);
    assert_eq!(entries[1].entry.load_rba, efi_lba);
    assert_eq!(
        entries[1].entry.sector_count,
        70_000u32.div_ceil(512) as u16
    );
    assert_eq!(entries[1].entry.emulation, Emulation::NoEmulation);

    // The boot info table: PVD 16, its own LBA, length, checksum of bytes 64.. .
    let at = bios_lba as usize * 2048;
    let recorded = &img[at..at + bios.len()];
    let t = BootInfoTable::decode(recorded).unwrap().unwrap();
    assert_eq!(
        t,
        BootInfoTable {
            pvd_lba: 16,
            file_lba: bios_lba,
            file_length: 5000,
            checksum: boot_info_checksum(&bios[64..]),
        }
    );
    assert_eq!(&recorded[64..], &bios[64..], "only bytes 8..64 change");
    assert_eq!(&recorded[..8], &bios[..8]);
    // The EFI image is unchanged.
    let at = efi_lba as usize * 2048;
    assert_eq!(&img[at..at + efi.len()], &efi[..]);
}

#[test]
fn o18_o19_boot_options_defaults_errors_and_the_entry_limit() {
    let mut image = FileSystemImage::new();
    // O-18: none by default; the later of the single entry and the array wins; an
    // empty array makes a fresh image not bootable.
    assert!(image.boot_image_options().is_empty());
    image.set_boot_image_options(BootOptions::new("/a"));
    image.set_boot_image_options_array(vec![BootOptions::new("/b"), BootOptions::new("/c")]);
    assert_eq!(image.boot_image_options().len(), 2);
    image.set_boot_image_options_array(Vec::new());
    assert_eq!(image.el_torito_plan().unwrap(), None);
    image.add_bytes("/f.img", vec![0; 1000]).unwrap();
    let mut o = BootOptions::new("/f.img");
    o.emulation = Emulation::Floppy144;
    image.set_boot_image_options(o);
    let e = image.create_result_image().unwrap_err();
    assert!(
        matches!(
            e,
            ImageError::BootEmulationImageSizeMismatch {
                size: 1000,
                expected: 1_474_560,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.imapi_name(), "IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH");
    image.set_boot_image_options(BootOptions::new("/missing.bin"));
    let e = image.create_result_image().unwrap_err();
    assert_eq!(e.imapi_name(), "IMAPI_E_BOOT_IMAGE_DATA", "{e}");
    assert!(e.to_string().contains("/missing.bin"), "{e}");
    // IMAPI2 AssignBootImage: a stream of a diskette's size gets its emulation.
    let s = BootOptions::from_stream("/floppy.img", vec![0u8; 1_228_800].into());
    assert_eq!(s.emulation, Emulation::Floppy12);
    // O-19: at most 32 entries.
    image.set_boot_image_options_array(vec![BootOptions::new("/f.img"); 33]);
    assert!(matches!(
        image.create_result_image().unwrap_err(),
        ImageError::BootEntryCount { count: 33 }
    ));
}

/// I-26 (deviation): an import keeps the boot record; a removed boot image refuses the
/// layout; discarding drops it; a replaced boot image gets a new catalog.
#[test]
fn i26_an_import_keeps_rewrites_or_refuses_the_previous_boot_record() {
    let boot = bytes(3000, 7);
    let mut first = FileSystemImage::new();
    first.set_session_start_block(32);
    first.add_directory("/boot").unwrap();
    first.add_bytes("/boot/boot.bin", boot.clone()).unwrap();
    first.add_bytes("/a.txt", b"a".to_vec()).unwrap();
    let mut o = BootOptions::new("/boot/boot.bin");
    o.boot_info_table = true;
    first.set_boot_image_options(o);
    let img1 = write(&first, Vec::new());
    let mut src: &[u8] = &img1;
    let cat1 = Volume::open(&mut src, 0, &ReadOptions::default())
        .unwrap()
        .read_boot_catalog(&mut src)
        .unwrap()
        .unwrap();

    let import = |img: &[u8]| {
        let mut image = FileSystemImage::new();
        let mut src: &[u8] = img;
        image.import_last_session_from(&mut src).unwrap();
        image
    };
    // Kept: the new session's boot record names the same catalog.
    let mut next = import(&img1);
    let kept = next.imported_boot().unwrap();
    assert_eq!(kept.catalog_lba, cat1.catalog_lba);
    assert_eq!(kept.catalog_path.as_deref(), Some("/boot.catalog"));
    assert_eq!(kept.entries.len(), 1);
    assert_eq!(kept.entries[0].path.as_deref(), Some("/boot/boot.bin"));
    assert!(kept.entries[0].boot_info_table);
    assert_eq!(
        next.el_torito_plan().unwrap(),
        Some(ElToritoPlan::Kept {
            catalog_lba: cat1.catalog_lba
        })
    );
    next.add_bytes("/b.txt", b"b".to_vec()).unwrap();
    let img2 = write(&next, img1.clone());
    let mut src: &[u8] = &img2;
    let v = Volume::open(&mut src, 0, &ReadOptions::default()).unwrap();
    let at = v.boot_catalog.expect("the head carries the boot record");
    let cat2 = read_boot_catalog(&mut src, at).unwrap();
    assert_eq!(cat2, cat1);
    assert_eq!(
        &img2[..img1.len()][32 * 2048..],
        &img1[32 * 2048..],
        "nothing rewritten"
    );

    // Removed: refused, naming the file; discarded on purpose: no boot record.
    let mut removed = import(&img2);
    removed.remove("/boot/boot.bin").unwrap();
    let e = removed.create_result_image().unwrap_err();
    assert!(
        matches!(&e, ImageError::BootImageNotKept { path, .. } if path == "/boot/boot.bin"),
        "{e}"
    );
    assert_eq!(e.imapi_name(), "IMAPI_E_BOOT_OBJECT_CONFLICT");
    removed.set_boot_discard(true);
    let img3 = write(&removed, img2.clone());
    let mut src: &[u8] = &img3;
    assert_eq!(
        Volume::open(&mut src, 0, &ReadOptions::default())
            .unwrap()
            .boot_catalog,
        None
    );

    // Replaced: a new catalog names the new file, its boot info table patched again.
    let mut replaced = import(&img2);
    let new_boot = bytes(4000, 9);
    replaced
        .add_bytes("/boot/boot.bin", new_boot.clone())
        .unwrap();
    let start = u64::from(replaced.session_start_block());
    let img4 = write(&replaced, img2.clone());
    let mut src: &[u8] = &img4;
    let vol = Volume::open(&mut src, start, &ReadOptions::default()).unwrap();
    let cat4 = vol.read_boot_catalog(&mut src).unwrap().unwrap();
    let (lba, size) = file_lba(&img4, start, "/boot/boot.bin");
    assert_eq!(size, 4000);
    assert_eq!(cat4.entries()[0].entry.load_rba, lba);
    assert_eq!(file_lba(&img4, start, "/boot.catalog").0, cat4.catalog_lba);
    let t = BootInfoTable::decode(&img4[lba as usize * 2048..])
        .unwrap()
        .unwrap();
    // An image file gets the head: the table names its PVD copy at 16, which always
    // shows the newest session.
    assert_eq!(
        (t.pvd_lba, t.file_lba, t.checksum),
        (16, lba, boot_info_checksum(&new_boot[64..]))
    );
}

#[test]
fn the_head_keeps_a_hybrid_system_area() {
    let mut first = FileSystemImage::new();
    first.set_session_start_block(32);
    first.add_bytes("/a.txt", b"a".to_vec()).unwrap();
    let mut img1 = write(&first, Vec::new());
    // An MBR as isohybrid writes it (boot signature and one partition).
    img1[446] = 0x80;
    img1[450] = 0x17;
    img1[510] = 0x55;
    img1[511] = 0xAA;
    img1[4096] = 0x42;
    let mut next = FileSystemImage::new();
    let mut src: &[u8] = &img1;
    next.import_last_session_from(&mut src).unwrap();
    next.add_bytes("/b.txt", b"b".to_vec()).unwrap();
    let img2 = write(&next, img1.clone());
    assert_eq!(&img2[..16 * 2048], &img1[..16 * 2048]);
    let total = (&img2[..]).total_sectors();
    assert!(total > 32);
}

#[test]
fn a_stream_boot_image_is_recorded_at_its_path() {
    let mut image = FileSystemImage::new();
    image.set_boot_catalog_path("/boot/cat.bin");
    image.set_boot_image_options(BootOptions::from_stream(
        "/boot/stream.img",
        Arc::from(bytes(2048, 3)),
    ));
    let img = write(&image, Vec::new());
    let (lba, size) = file_lba(&img, 0, "/boot/stream.img");
    assert_eq!(size, 2048);
    let mut src: &[u8] = &img;
    let c = Volume::open(&mut src, 0, &ReadOptions::default())
        .unwrap()
        .read_boot_catalog(&mut src)
        .unwrap()
        .unwrap();
    assert_eq!(c.catalog_lba, file_lba(&img, 0, "/boot/cat.bin").0);
    assert_eq!(c.entries()[0].entry.load_rba, lba);
}
