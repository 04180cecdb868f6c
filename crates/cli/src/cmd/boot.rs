//! The El Torito options of `mkimage` and `burn` (genisoimage/xorriso `-b`, `-e`, `-c`,
//! `-no-emul-boot`, `-boot-load-size`, `-boot-info-table`): each `--boot-image` starts a
//! boot entry, and the `--boot-platform`, `--boot-emulation`, `--boot-load-size` and
//! `--boot-info-table` options after it (before the next `--boot-image`) apply to it.

use anyhow::bail;
use discburn::image::{BootOptions, Emulation, FileSystemImage, PlatformId};

/// `--boot-platform`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Platform {
    /// 80x86 BIOS (El Torito platform ID 0).
    X86,
    /// UEFI (platform ID 0xEF); the image is a FAT file system with EFI/BOOT/BOOT*.EFI.
    Efi,
    /// PowerPC (platform ID 1).
    Ppc,
    /// Mac (platform ID 2).
    Mac,
}

/// `--boot-emulation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Emul {
    /// No emulation: the image is loaded as is (ISOLINUX, GRUB, EFI images).
    None,
    /// Diskette emulation; the size of the image picks 1.2, 1.44 or 2.88 MB.
    Floppy,
    /// Hard-disk emulation (the image starts with an MBR).
    HardDisk,
}

/// The El Torito options (flattened into `mkimage` and `burn`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct BootArgs {
    /// Make the image bootable (El Torito) with PATH, a file in the image, as a boot
    /// image. Repeat for more entries (e.g. BIOS then EFI); the --boot-platform,
    /// --boot-emulation, --boot-load-size and --boot-info-table options that follow a
    /// --boot-image apply to that entry.
    #[arg(long = "boot-image", value_name = "PATH")]
    pub images: Vec<String>,

    /// Image path of the boot catalog, a file the image gets (default /boot.catalog).
    #[arg(long = "boot-catalog", value_name = "PATH", requires = "images")]
    pub catalog: Option<String>,

    /// Platform of the entry: x86 (BIOS, default), efi, ppc, mac.
    #[arg(
        long = "boot-platform",
        value_enum,
        value_name = "PLATFORM",
        requires = "images"
    )]
    pub platform: Vec<Platform>,

    /// Emulation of the entry: none (default), floppy, hard-disk.
    #[arg(
        long = "boot-emulation",
        value_enum,
        value_name = "EMULATION",
        requires = "images"
    )]
    pub emulation: Vec<Emul>,

    /// 512-byte sectors the BIOS loads (El Torito Sector Count; default: the whole
    /// image without emulation, 1 with). ISOLINUX wants 4.
    #[arg(long = "boot-load-size", value_name = "N", requires = "images")]
    pub load_size: Vec<u16>,

    /// Patch a boot info table into the boot image (PVD LBA, image LBA, length,
    /// checksum at byte 8), as ISOLINUX and GRUB's eltorito.img need.
    #[arg(long = "boot-info-table", action = clap::ArgAction::Count, requires = "images")]
    pub info_table: u8,
}

/// The entry options in command-line order, from the raw arguments: clap keeps the
/// values of each option but not how they interleave.
fn entries_from(argv: &[String], args: &BootArgs) -> anyhow::Result<Vec<BootOptions>> {
    let mut out: Vec<BootOptions> = Vec::new();
    let mut it = argv.iter().peekable();
    let (mut platforms, mut emulations, mut sizes) = (
        args.platform.iter(),
        args.emulation.iter(),
        args.load_size.iter(),
    );
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (a.as_str(), None),
        };
        let takes_value = matches!(
            name,
            "--boot-image" | "--boot-platform" | "--boot-emulation" | "--boot-load-size"
        );
        let value = if takes_value && inline.is_none() {
            it.next().cloned()
        } else {
            inline
        };
        let current = out.last_mut();
        match (name, current) {
            ("--boot-image", _) => {
                out.push(BootOptions::new(&value.unwrap_or_default()));
            }
            (
                "--boot-platform" | "--boot-emulation" | "--boot-load-size" | "--boot-info-table",
                None,
            ) => {
                bail!("{name} comes before any --boot-image: give --boot-image PATH first")
            }
            ("--boot-platform", Some(e)) => {
                e.platform_id = match platforms.next() {
                    Some(Platform::X86) | None => PlatformId::X86,
                    Some(Platform::Efi) => PlatformId::Efi,
                    Some(Platform::Ppc) => PlatformId::PowerPc,
                    Some(Platform::Mac) => PlatformId::Mac,
                }
            }
            ("--boot-emulation", Some(e)) => {
                e.emulation = match emulations.next() {
                    Some(Emul::None) | None => Emulation::NoEmulation,
                    // The size picks the diskette (checked when the image is laid out).
                    Some(Emul::Floppy) => Emulation::Floppy144,
                    Some(Emul::HardDisk) => Emulation::HardDisk,
                }
            }
            ("--boot-load-size", Some(e)) => e.load_size = sizes.next().copied(),
            ("--boot-info-table", Some(e)) => e.boot_info_table = true,
            _ => {}
        }
    }
    if out.len() != args.images.len() {
        bail!("--boot-image: could not match the boot options to their entries");
    }
    Ok(out)
}

/// Sets the boot entries of `args` on `image` (nothing without `--boot-image`). A
/// floppy entry gets the diskette of its image's size.
pub fn apply(args: &BootArgs, image: &mut FileSystemImage) -> anyhow::Result<()> {
    if args.images.is_empty() {
        return Ok(());
    }
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut entries = entries_from(&argv, args)?;
    for e in &mut entries {
        if e.emulation == Emulation::Floppy144
            && let Ok(size) = image.file_size(e.image_path())
        {
            e.emulation = [
                Emulation::Floppy12,
                Emulation::Floppy144,
                Emulation::Floppy288,
            ]
            .into_iter()
            .find(|f| f.floppy_size() == Some(size))
            .unwrap_or(Emulation::Floppy144);
        }
    }
    if let Some(c) = &args.catalog {
        image.set_boot_catalog_path(c);
    }
    image.set_boot_image_options_array(entries);
    Ok(())
}

/// The JSON of a session's boot record (`sessions --json`, `media --json`): `null`
/// without one; else the catalog LBA and the entries (platform, bootable, emulation,
/// load segment, sector count, load RBA), or the reason the catalog did not decode.
pub fn session_boot_json(b: Option<&discburn::SessionBoot>) -> serde_json::Value {
    use discburn::format::eltorito::Emulation as E;
    let Some(b) = b else {
        return serde_json::Value::Null;
    };
    let entries: Vec<_> = b
        .entries
        .iter()
        .map(|e| {
            serde_json::json!({
                "platform_id": e.platform_id.to_byte(),
                "platform": e.platform_id.name(),
                "bootable": e.entry.bootable,
                "emulation": match e.entry.emulation {
                    E::NoEmulation => "none",
                    E::Floppy12 => "floppy-1.2",
                    E::Floppy144 => "floppy-1.44",
                    E::Floppy288 => "floppy-2.88",
                    E::HardDisk => "hard-disk",
                },
                "load_segment": e.entry.load_segment,
                "sector_count": e.entry.sector_count,
                "load_rba": e.entry.load_rba,
            })
        })
        .collect();
    let mut v = serde_json::json!({ "catalog_lba": b.catalog_lba, "entries": entries });
    if let Some(err) = &b.error {
        v["error"] = serde_json::json!(err);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_after_a_boot_image_apply_to_it() {
        let argv: Vec<String> = [
            "-o",
            "x.iso",
            "--boot-image",
            "/isolinux/isolinux.bin",
            "--boot-load-size",
            "4",
            "--boot-info-table",
            "src",
            "--boot-image=/efi.img",
            "--boot-platform",
            "efi",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let args = BootArgs {
            images: vec!["/isolinux/isolinux.bin".into(), "/efi.img".into()],
            platform: vec![Platform::Efi],
            load_size: vec![4],
            info_table: 1,
            ..BootArgs::default()
        };
        let e = entries_from(&argv, &args).unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].image_path(), "/isolinux/isolinux.bin");
        assert_eq!(
            (e[0].load_size, e[0].boot_info_table, e[0].platform_id),
            (Some(4), true, PlatformId::X86)
        );
        assert_eq!(e[1].image_path(), "/efi.img");
        assert_eq!(
            (e[1].load_size, e[1].boot_info_table, e[1].platform_id),
            (None, false, PlatformId::Efi)
        );
        let early: Vec<String> = ["--boot-info-table", "--boot-image", "/a"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(entries_from(&early, &args).is_err());
    }
}
