//! El Torito through the CLI (`mkimage`/`burn --boot-*`, `burn --boot-discard`), read by
//! independent oracles: SeaBIOS booting the image in QEMU (ISOLINUX's and GRUB's
//! banners on the serial console), `xorriso -report_el_torito plain`, `isoinfo -d`.
//! An appended session keeps the boot record (imapi2.md I-26, deviation: IMAPI2 cannot
//! make a bootable multisession disc at all).

#[macro_use]
mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use discburn_testkit::oracle::{bios_boot, require as require_tool};

const ISOLINUX_BIN: &str = "/usr/lib/ISOLINUX/isolinux.bin";
const LDLINUX_C32: &str = "/usr/lib/syslinux/modules/bios/ldlinux.c32";
const GRUB_RESCUE: &str = "/usr/lib/grub-rescue/grub-rescue-cdrom.iso";
const BANNER: &str = "DISCBURN-ISOLINUX-BANNER";

fn require_file(p: &str, package: &str) {
    assert!(
        Path::new(p).exists(),
        "{p} is missing: run scripts/test.sh (it installs the oracles) or `apt-get install {package}`"
    );
}

/// The `El Torito` lines of `xorriso -indev IMG -report_el_torito plain`.
fn xorriso_el_torito(img: &Path) -> Vec<String> {
    require_tool("xorriso");
    let o = Command::new("xorriso")
        .arg("-indev")
        .arg(img)
        .args(["-report_el_torito", "plain"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| l.starts_with("El Torito"))
        .map(str::to_owned)
        .collect()
}

/// A tree with ISOLINUX whose configuration prints [`BANNER`] on the serial port.
fn isolinux_tree(dir: &Path) -> PathBuf {
    require_file(ISOLINUX_BIN, "isolinux");
    require_file(LDLINUX_C32, "syslinux-common");
    let tree = dir.join("tree");
    fs::create_dir_all(tree.join("isolinux")).unwrap();
    fs::copy(ISOLINUX_BIN, tree.join("isolinux/isolinux.bin")).unwrap();
    fs::copy(LDLINUX_C32, tree.join("isolinux/ldlinux.c32")).unwrap();
    fs::write(
        tree.join("isolinux/isolinux.cfg"),
        format!("SERIAL 0 115200\nSAY {BANNER}\nPROMPT 1\nTIMEOUT 0\n"),
    )
    .unwrap();
    tree
}

#[test]
fn isolinux_image_boots_in_seabios_fresh_and_after_two_appended_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let tree = isolinux_tree(dir.path());
    let img = dir.path().join("isolinux.iso");
    ok(args!(
        "mkimage",
        "-o",
        &img,
        &tree,
        "--boot-image",
        "/isolinux/isolinux.bin",
        "--boot-load-size",
        "4",
        "--boot-info-table",
    ));
    let before = xorriso_el_torito(&img);
    assert!(
        before.contains(&"El Torito cat path : /boot.catalog".to_string()),
        "{before:?}"
    );
    assert!(
        before.iter().any(|l| l.contains("/isolinux/isolinux.bin")),
        "{before:?}"
    );
    assert!(
        before
            .iter()
            .any(|l| l.contains("img opts") && l.contains("boot-info-table")),
        "xorriso finds the boot info table: {before:?}"
    );
    bios_boot(&img, BANNER);

    for i in 1..=2 {
        let f = dir.path().join(format!("f{i}.txt"));
        fs::write(&f, format!("session {i}\n")).unwrap();
        ok(args!("burn", "--drive", &img, &f));
    }
    let after = xorriso_el_torito(&img);
    // The first session lies at LBA 0, its catalog in the blocks the head overwrites:
    // the entries are written again with the new session (other LBAs, same entries).
    // Every line but the LBAs (the catalog line, the last column of an image line).
    let entry = |lines: &[String]| -> Vec<String> {
        lines
            .iter()
            .filter(|l| !l.starts_with("El Torito catalog "))
            .map(|l| match l.strip_prefix("El Torito boot img") {
                Some(rest) => rest
                    .trim_end()
                    .rsplit_once(' ')
                    .map_or(rest, |x| x.0)
                    .trim_end()
                    .to_owned(),
                None => l.clone(),
            })
            .collect()
    };
    assert_eq!(entry(&after), entry(&before), "{before:?}\n{after:?}");
    let sessions = ok(args!("sessions", "--drive", &img, "--json"));
    let v: serde_json::Value = serde_json::from_str(&sessions).unwrap();
    let last = v["sessions"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["session"], 3, "{sessions}");
    assert_eq!(
        last["el_torito"]["entries"][0]["platform"], "BIOS",
        "{sessions}"
    );
    assert_eq!(
        last["el_torito"]["entries"][0]["sector_count"], 4,
        "{sessions}"
    );
    bios_boot(&img, BANNER);
}

#[test]
fn grub_rescue_boots_to_grub_after_an_append_with_the_same_entries_and_mbr() {
    require_file(GRUB_RESCUE, "grub-rescue-pc");
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("grub.iso");
    fs::copy(GRUB_RESCUE, &img).unwrap();
    let before = xorriso_el_torito(&img);
    assert!(!before.is_empty());
    let f = dir.path().join("added.txt");
    fs::write(&f, "added\n").unwrap();
    ok(args!("burn", "--drive", &img, &f));
    assert_eq!(
        xorriso_el_torito(&img),
        before,
        "the same catalog and image LBAs"
    );
    // grub-mkrescue's MBR (isohybrid) in LBA 0–15 is kept by the new head.
    assert_eq!(
        range_md5(&img, 0, 16),
        range_md5(Path::new(GRUB_RESCUE), 0, 16)
    );
    let media = ok(args!("media", "--drive", &img, "--json"));
    let v: serde_json::Value = serde_json::from_str(&media).unwrap();
    assert_eq!(v["el_torito"]["catalog_lba"], 48, "{media}");
    bios_boot(&img, "GRUB");
}

#[test]
fn bios_and_efi_entries_are_read_back_by_xorriso_and_isoinfo() {
    require_tool("isoinfo");
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir_all(src.join("boot")).unwrap();
    fs::write(src.join("boot/bios.bin"), vec![0x90u8; 5000]).unwrap();
    fs::write(src.join("boot/efi.img"), vec![0xEFu8; 70_000]).unwrap();
    let img = dir.path().join("two.iso");
    ok(args!(
        "mkimage",
        "-o",
        &img,
        &src,
        "--boot-catalog",
        "/boot/boot.cat",
        "--boot-image",
        "/boot/bios.bin",
        "--boot-load-size",
        "4",
        "--boot-info-table",
        "--boot-image",
        "/boot/efi.img",
        "--boot-platform",
        "efi",
    ));
    let x = xorriso_el_torito(&img);
    assert!(
        x.contains(&"El Torito cat path : /boot/boot.cat".to_string()),
        "{x:?}"
    );
    let imgs: Vec<Vec<&str>> = x
        .iter()
        .filter(|l| l.starts_with("El Torito boot img"))
        .map(|l| l.split_whitespace().skip(5).collect())
        .collect();
    // N Pltf B Emul Ld_seg Hdpt Ldsiz LBA
    assert_eq!(imgs.len(), 2, "{x:?}");
    assert_eq!(
        imgs[0][..7],
        ["1", "BIOS", "y", "none", "0x0000", "0x00", "4"],
        "{x:?}"
    );
    assert_eq!(
        imgs[1][..7],
        ["2", "UEFI", "y", "none", "0x0000", "0x00", "137"],
        "{x:?}"
    );

    // An EFI-only image: isoinfo shows the platform of the validation entry.
    let efi = dir.path().join("efi.iso");
    ok(args!(
        "mkimage",
        "-o",
        &efi,
        &src,
        "--boot-image",
        "/boot/efi.img",
        "--boot-platform",
        "efi"
    ));
    let o = Command::new("isoinfo")
        .args(["-d", "-i"])
        .arg(&efi)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("Arch 239"), "{text}");
    assert!(text.contains("Bootid 88 (bootable)"), "{text}");
    assert!(text.contains("Boot media 0 (No Emulation Boot)"), "{text}");
    // 137 sectors of 512 bytes, in hex.
    assert!(text.contains("Nsect 89"), "{text}");
    let x = xorriso_el_torito(&efi);
    assert!(
        x.iter().any(|l| l.contains("UEFI") && l.contains("137")),
        "{x:?}"
    );
}

/// I-26 (deviation): the boot record is kept by default; a removed boot image refuses
/// the burn with nothing written; --boot-discard drops it on purpose and says so.
#[test]
fn i26_removing_the_boot_image_refuses_the_burn_unless_the_boot_record_is_discarded() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir_all(src.join("boot")).unwrap();
    fs::write(src.join("boot/boot.bin"), vec![0x90u8; 3000]).unwrap();
    let img = dir.path().join("disc.iso");
    // A first session at LBA 32 (image file, random-write layout): nothing of it lies
    // in the head, so later sessions keep its catalog where it is.
    ok(args!(
        "burn",
        "--drive",
        &img,
        &src,
        "--boot-image",
        "/boot/boot.bin",
        "--boot-info-table"
    ));
    let first = xorriso_el_torito(&img);
    assert!(
        first.iter().any(|l| l.contains("/boot/boot.bin")),
        "{first:?}"
    );
    let f = dir.path().join("f.txt");
    fs::write(&f, "f\n").unwrap();
    ok(args!("burn", "--drive", &img, &f));
    assert_eq!(
        xorriso_el_torito(&img),
        first,
        "kept: same catalog, same image"
    );

    let size = fs::metadata(&img).unwrap().len();
    let whole = range_md5(&img, 0, size / 2048);
    let o = discburn(args!("burn", "--drive", &img, "--rm", "/boot/boot.bin"));
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("IMAPI_E_BOOT_OBJECT_CONFLICT"), "{err}");
    assert!(
        err.contains("/boot/boot.bin") && err.contains("--boot-discard"),
        "{err}"
    );
    assert_eq!(range_md5(&img, 0, size / 2048), whole, "nothing written");

    let o = discburn(args!(
        "burn",
        "--drive",
        &img,
        "--rm",
        "/boot/boot.bin",
        "--boot-discard"
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("boot record is discarded"), "{err}");
    assert!(
        xorriso_el_torito(&img).is_empty(),
        "no boot record any more"
    );
}

#[test]
fn a_udf_only_image_with_boot_options_is_refused_not_written_unbootable() {
    // El Torito's Boot Record is an ISO 9660 volume descriptor: `--fs udf` alone with
    // `--boot-image` used to give an image without it, silently.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir_all(src.join("boot")).unwrap();
    fs::write(src.join("boot/boot.bin"), vec![0x90u8; 3000]).unwrap();
    let img = dir.path().join("udf.img");
    let o = discburn(args!(
        "mkimage",
        "-o",
        &img,
        "--fs",
        "udf",
        "--boot-image",
        "/boot/boot.bin",
        &src
    ));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("El Torito boot needs an ISO 9660") && err.contains("select ISO 9660 too"),
        "{err}"
    );
    assert!(!img.exists(), "no output file");
    // As a bridge it boots from the ISO 9660 side.
    ok(args!(
        "mkimage",
        "-o",
        &img,
        "--fs",
        "iso9660,udf",
        "--boot-image",
        "/boot/boot.bin",
        &src
    ));
    assert!(
        xorriso_el_torito(&img)
            .iter()
            .any(|l| l.contains("/BOOT/BOOT.BIN")),
        "{:?}",
        xorriso_el_torito(&img)
    );
}
