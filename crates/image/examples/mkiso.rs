//! Builds an ISO 9660 + Joliet + Rock Ridge image of a host directory:
//! `mkiso SRC_DIR OUT.iso [SESSION_START_BLOCK] [LEVEL]`.
use std::path::Path;

use discburn_image::{FileSystemImage, FileSystems, IsoLevel, Timestamp};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: mkiso SRC_DIR OUT.iso [SESSION_START_BLOCK] [LEVEL]");
        std::process::exit(2);
    }
    let mut image = FileSystemImage::new();
    image.set_file_systems_to_create(
        FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::ROCK_RIDGE,
    );
    image.set_iso_level(match args.get(4).map(String::as_str) {
        Some("1") => IsoLevel::Level1,
        Some("2") => IsoLevel::Level2,
        _ => IsoLevel::Level3,
    });
    image.set_volume_name("MKISO")?;
    image.set_timestamp(Timestamp {
        unix_seconds: 1_700_000_000,
        utc_offset_minutes: 0,
    });
    if let Some(s) = args.get(3) {
        image.set_session_start_block(s.parse()?);
    }
    let t_add = std::time::Instant::now();
    // SRC may be a comma-separated list: each directory goes under /<basename>.
    let srcs: Vec<&str> = args[1].split(',').collect();
    if srcs.len() == 1 {
        image.add_tree(Path::new(srcs[0]), "/")?;
    } else {
        for (i, s) in srcs.iter().enumerate() {
            let p = Path::new(s);
            let base = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            image.add_tree(p, &format!("/{i}_{base}"))?;
        }
    }
    let t0 = std::time::Instant::now();
    let mut result = image.create_result_image()?;
    let t_plan = t0.elapsed();
    let mut out = std::fs::File::create(&args[2])?;
    let n = result.write_to(&mut out)?;
    eprintln!(
        "{} blocks, {} bytes; add {:.2?}, plan {:.2?}, write {:.2?}",
        result.total_blocks(),
        n,
        t_add.elapsed() - t0.elapsed(),
        t_plan,
        t0.elapsed() - t_plan
    );
    Ok(())
}
