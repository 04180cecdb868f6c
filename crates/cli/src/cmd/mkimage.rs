//! `discburn mkimage`: build an ISO 9660 (+ Joliet + Rock Ridge) image file from host
//! files and directories (IMAPI2 IFileSystemImage → IFileSystemImageResult).
//!
//! The image is written to a temporary file in the output's directory and renamed over
//! the output only when complete: on any failure no output (and no temporary file) is
//! left behind.
//!
//! Timestamps: `SOURCE_DATE_EPOCH` (seconds since the Unix epoch, UTC) when set, else the
//! current time with the local UTC offset. The library itself reads no clock.

use std::fs;
use std::io::IsTerminal as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow, bail};
use discburn::image::{FileSystemImage, FileSystems, IsoLevel, Progress};

use super::common::{add_graft, progress_bar, timestamp};

/// A file system to create (`--fs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Fs {
    /// ECMA-119 / ISO 9660 (always needed: Joliet and Rock Ridge extend it).
    Iso9660,
    /// Joliet (UCS-2 names up to 64 characters, read by Windows).
    Joliet,
    /// Rock Ridge (POSIX names, modes, symlinks, deep trees; read by Linux).
    Rockridge,
    /// UDF (ECMA-167 / OSTA UDF, revision from --udf-revision): alone, or with the
    /// others as a bridge whose trees share the file data.
    Udf,
}

/// The FileSystemsToCreate mask of a `--fs` list.
pub fn file_systems(list: &[Fs]) -> FileSystems {
    list.iter().fold(FileSystems::empty(), |set, f| {
        set | match f {
            Fs::Iso9660 => FileSystems::ISO9660,
            Fs::Joliet => FileSystems::JOLIET,
            Fs::Rockridge => FileSystems::ROCK_RIDGE,
            Fs::Udf => FileSystems::UDF,
        }
    })
}

/// `--fs`, shared by `mkimage` and `burn`.
#[derive(Debug, clap::Args)]
pub struct FsArgs {
    /// File systems to create, comma-separated.
    #[arg(
        long = "fs",
        value_enum,
        value_delimiter = ',',
        value_name = "FS,...",
        default_value = "iso9660,joliet,rockridge"
    )]
    pub file_systems: Vec<Fs>,

    /// Record MD5 checksums as libisofs does (xorriso -md5 on): session, superblock and
    /// tree tags, and one MD5 per file, so `discburn verify` and `xorriso -md5 on
    /// -check_md5` can check the session later. Every byte is hashed while writing. On
    /// by default, except with `--fs ...,udf` (7-Zip's UDF reader reports a headers
    /// error when the checksum blocks follow the UDF volume), where it turns them on.
    #[arg(long, overrides_with = "no_md5")]
    pub md5: bool,

    /// Record no MD5 checksums (the session then holds no tags, no checksum array and no
    /// `isofs.ca`/`isofs.cx` attributes).
    #[arg(long, overrides_with = "md5")]
    pub no_md5: bool,

    /// UDF revision written with `--fs ...,udf` (IMAPI2 UDFRevision): 1.02 and 1.50 use
    /// ECMA-167 2nd edition structures, 2.00 and later the 3rd edition, 2.50 and 2.60
    /// add the metadata partition.
    #[arg(long, value_name = "1.02|1.50|2.00|2.01|2.50|2.60", default_value = "1.02",
          value_parser = parse_udf_revision)]
    pub udf_revision: u32,

    /// UDF 2.50/2.60: record the metadata mirror file as a separate copy (IMAPI2
    /// CreateRedundantUdfMetadataFiles).
    #[arg(long)]
    pub udf_redundant_metadata: bool,

    /// With Rock Ridge, directories deeper than ECMA-119's 8 levels: `relocate` into
    /// rr_moved (RRIP CL/PL/RE), or keep `in-place` (as xorriso). Default: relocate in a
    /// first session, in place in an appended one (bsdtar misnames the old files of a
    /// relocated directory after an append).
    #[arg(long, value_enum, value_name = "HOW")]
    pub deep_directories: Option<DeepDirectories>,
}

/// Parses `1.02` … `2.60` into IMAPI2's 0x0102 … 0x0260.
pub fn parse_udf_revision(s: &str) -> Result<u32, String> {
    match s {
        "1.02" => Ok(0x102),
        "1.50" => Ok(0x150),
        "2.00" => Ok(0x200),
        "2.01" => Ok(0x201),
        "2.50" => Ok(0x250),
        "2.60" => Ok(0x260),
        _ => Err(format!(
            "{s:?}: not a UDF revision (1.02, 1.50, 2.00, 2.01, 2.50, 2.60)"
        )),
    }
}

/// Applies `--fs`, `--md5`, the UDF options and `--deep-directories` to `image`.
///
/// # Errors
/// An unsupported UDF revision (not reachable through the parser).
pub fn apply_fs_args(image: &mut FileSystemImage, fs: &FsArgs) -> anyhow::Result<()> {
    image.set_file_systems_to_create(file_systems(&fs.file_systems));
    let udf = fs.file_systems.contains(&Fs::Udf);
    image.set_record_md5(!fs.no_md5 && (fs.md5 || !udf));
    image.set_udf_revision(fs.udf_revision)?;
    image.set_create_redundant_udf_metadata_files(fs.udf_redundant_metadata);
    image.set_relocate_deep_directories(fs.relocate_deep_directories());
    Ok(())
}

/// `--deep-directories`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DeepDirectories {
    /// Into rr_moved (RRIP 4.1.5).
    Relocate,
    /// Where they are.
    InPlace,
}

impl FsArgs {
    /// The FileSystemImage relocation setting `--deep-directories` asks for.
    pub fn relocate_deep_directories(&self) -> Option<bool> {
        self.deep_directories
            .map(|d| d == DeepDirectories::Relocate)
    }
}

/// A `SRC[=DEST]` operand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graft {
    /// Host path.
    pub src: PathBuf,
    /// Image path, when given.
    pub dest: Option<String>,
}

/// Parses `SRC[=DEST]`: the first `=` not preceded by a backslash separates the host path
/// from the image path; `\=` stands for `=` and `\\` for `\` in both.
pub fn parse_graft(s: &str) -> Result<Graft, String> {
    let mut src = String::new();
    let mut dest: Option<String> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '=' && dest.is_none() {
            dest = Some(String::new());
            continue;
        }
        let part = dest.as_mut().unwrap_or(&mut src);
        match c {
            '\\' => match chars.next() {
                Some(n @ ('=' | '\\')) => part.push(n),
                Some(n) => {
                    part.push('\\');
                    part.push(n);
                }
                None => part.push('\\'),
            },
            c => part.push(c),
        }
    }
    if src.is_empty() {
        return Err(format!("{s:?}: empty source path"));
    }
    let dest = match dest {
        None => None,
        Some(d) if d.is_empty() => return Err(format!("{s:?}: empty image path after '='")),
        Some(d) if d.starts_with('/') => Some(d),
        Some(d) => Some(format!("/{d}")),
    };
    Ok(Graft {
        src: PathBuf::from(src),
        dest,
    })
}

/// Arguments of `discburn mkimage`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Each SRC directory's contents go at DEST (default: the image root); a SRC \
file goes at DEST (default: /BASENAME; a DEST ending in '/' means DEST/BASENAME). Symbolic \
links inside directories are recorded as links (Rock Ridge); a SRC that is a link to a \
directory is followed. Write '\\=' for a '=' that belongs to a path.\n\n\
Timestamps come from SOURCE_DATE_EPOCH when set (reproducible images), else from the clock.\n\n\
Exit status: 0 success, 1 failure (one line on stderr naming the file and the reason; no \
OUT is left behind), 2 usage error."
)]
pub struct Args {
    /// Output image file (written beside it under a temporary name, renamed when complete).
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: PathBuf,

    /// Volume name, up to 32 characters (ECMA-119 records it upper-cased in d-characters,
    /// Joliet its first 16 characters). Default: the timestamp as YYYYMMDD_HHMMSS.
    #[arg(long, value_name = "NAME")]
    pub volume_name: Option<String>,

    #[command(flatten)]
    pub fs: FsArgs,

    /// ECMA-119 interchange level: 1 (8.3 names), 2 (30-character names), 3 (as 2, plus
    /// files of 4 GiB or more in several extents).
    #[arg(long, value_name = "1|2|3", default_value_t = 2,
          value_parser = clap::value_parser!(u8).range(1..=3))]
    pub iso_level: u8,

    /// Refuse names that the interchange level cannot hold unchanged (and trees deeper than
    /// 8 levels without Rock Ridge) instead of mapping them (IMAPI2
    /// StrictFileSystemCompliance).
    #[arg(long)]
    pub strict: bool,

    /// LBA the image will be written at on the disc: every address in it is absolute from
    /// there (IMAPI2 SessionStartBlock; mkisofs -C ...,N).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub session_start_block: u32,

    /// mkisofs -C START,NWA: START is the first block of the session to import (with
    /// -M), NWA the block the new session will be written at (sets the session start
    /// block). The output holds only the new session's blocks.
    #[arg(short = 'C', value_name = "START,NWA", value_parser = parse_msinfo,
          conflicts_with = "session_start_block")]
    pub msinfo: Option<(u64, u32)>,

    /// mkisofs -M: the image file or drive (block device) holding the previous session,
    /// whose tree (Rock Ridge names if present, else Joliet, else ISO 9660) is imported
    /// from block START of -C. New sources replace imported items at the same paths.
    #[arg(short = 'M', value_name = "IMAGE_OR_DRIVE", requires = "msinfo")]
    pub previous: Option<PathBuf>,

    #[command(flatten)]
    pub boot: super::boot::BootArgs,

    /// Host files and directories to put in the image, each optionally grafted at DEST.
    #[arg(required = true, value_name = "SRC[=DEST]", value_parser = parse_graft)]
    pub sources: Vec<Graft>,
}

/// Parses mkisofs's `-C START,NWA`.
pub fn parse_msinfo(s: &str) -> Result<(u64, u32), String> {
    let (a, b) = s
        .split_once(',')
        .ok_or_else(|| format!("{s:?}: expected START,NWA (two block numbers)"))?;
    let start = a
        .trim()
        .parse()
        .map_err(|_| format!("{a:?}: not a block number"))?;
    let nwa = b
        .trim()
        .parse()
        .map_err(|_| format!("{b:?}: not a block number"))?;
    Ok((start, nwa))
}

/// Runs `discburn mkimage`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let out = &args.output;
    if out.is_dir() {
        bail!("{}: is a directory", out.display());
    }
    let mut image = FileSystemImage::new();
    apply_fs_args(&mut image, &args.fs)?;
    image.set_iso_level(match args.iso_level {
        1 => IsoLevel::Level1,
        2 => IsoLevel::Level2,
        _ => IsoLevel::Level3,
    });
    image.set_strict_file_system_compliance(args.strict);
    image.set_timestamp(timestamp()?);
    image.set_clamp_times(super::common::clamp_times());
    image.set_session_start_block(args.session_start_block);
    if let Some(name) = &args.volume_name {
        image.set_volume_name(name)?;
    }
    if let Some((start, nwa)) = args.msinfo {
        image.set_session_start_block(nwa);
        if let Some(prev) = &args.previous {
            let mut src = discburn::reader::FileSource::open(prev)
                .with_context(|| format!("{}: cannot open the previous session", prev.display()))?;
            image
                .import_file_system_from(&mut src, start)
                .with_context(|| {
                    format!("{}: importing the session at block {start}", prev.display())
                })?;
        }
    }
    for g in &args.sources {
        add_graft(&mut image, g)?;
    }
    super::boot::apply(&args.boot, &mut image)?;

    let mut result = image.create_result_image()?;
    let total_bytes = result.total_blocks() * u64::from(result.block_size());
    let bar = std::io::stderr()
        .is_terminal()
        .then(|| progress_bar(total_bytes));
    if let Some(bar) = &bar {
        let bar = bar.clone();
        let block = u64::from(result.block_size());
        result.set_progress_callback(Box::new(move |p: &Progress| {
            bar.set_position(p.blocks_done * block);
            if let Some(f) = &p.current_file {
                bar.set_message(f.clone());
            }
        }));
    }

    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".discburn-mkimage-")
        .suffix(".tmp")
        .permissions(fs::Permissions::from_mode(0o666))
        .tempfile_in(&dir)
        .with_context(|| format!("{}: cannot create a temporary file", dir.display()))?;
    let written = result.write_to(tmp.as_file_mut());
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    written.with_context(|| format!("writing {}", out.display()))?;
    persist(tmp, out)?;
    Ok(())
}

fn persist(tmp: tempfile::NamedTempFile, out: &Path) -> anyhow::Result<()> {
    tmp.persist(out).map_err(|e| {
        anyhow!(
            "{}: cannot rename the finished image into place: {}",
            out.display(),
            e.error
        )
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graft_operands() {
        let g = |s| parse_graft(s).unwrap();
        assert_eq!(
            g("a/b"),
            Graft {
                src: "a/b".into(),
                dest: None
            }
        );
        assert_eq!(
            g("a/b=/x/y"),
            Graft {
                src: "a/b".into(),
                dest: Some("/x/y".into())
            }
        );
        assert_eq!(
            g("a=x"),
            Graft {
                src: "a".into(),
                dest: Some("/x".into())
            }
        );
        assert_eq!(
            g(r"a\=b=c=d"),
            Graft {
                src: "a=b".into(),
                dest: Some("/c=d".into())
            }
        );
        assert_eq!(
            g(r"a\\=b"),
            Graft {
                src: r"a\".into(),
                dest: Some("/b".into())
            }
        );
        assert_eq!(
            g(r"a\b"),
            Graft {
                src: r"a\b".into(),
                dest: None
            }
        );
        assert!(parse_graft("=x").is_err());
        assert!(parse_graft("a=").is_err());
    }
}
