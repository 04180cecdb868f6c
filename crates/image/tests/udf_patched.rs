//! UDF layouts no Linux tool writes with files, made by re-encoding the File Entries of a
//! genisoimage `-udf` bridge with the format crate: data embedded in the File Entry
//! (ECMA-167 4/14.6.8 type 3), long_ad allocation, allocation extent continuation
//! (4/14.5), an EFE-less 1.02 volume turned into ones the reader must refuse (a
//! directory cycle, an Indirect Entry loop, an allocation extent loop, an extent past
//! the media), a metadata partition read through its mirror file (UDF 2.60 2.2.10). The
//! readable ones are read identically by the Linux udf driver and by
//! us, and importing them (I-13, I-18) keeps every file: referenced extents stay, data
//! embedded in a File Entry is copied into the new session.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use common::*;
use discburn_format::ecma167::{
    self as e, Descriptor, DescriptorTag, FileEntry, TagParams, decode_descriptor,
};
use discburn_image::FileSystems;
use discburn_reader::udf::UdfVolume;
use discburn_reader::{DataPiece, FileSource as Src, NodeKind, ReadError, ReadOptions};

const A: &[u8] = b"embedded in its file entry\n";

fn body(n: usize, seed: u8) -> Vec<u8> {
    (0..n).map(|i| (i as u8).wrapping_mul(31) ^ seed).collect()
}

/// A genisoimage bridge with /a.txt, /b.bin (3000 bytes), /c.bin (5000), /d/e.txt.
fn bridge(dir: &Path) -> Vec<u8> {
    let src = dir.join("src");
    fs::create_dir_all(src.join("d")).unwrap();
    fs::write(src.join("a.txt"), A).unwrap();
    fs::write(src.join("b.bin"), body(3000, 1)).unwrap();
    fs::write(src.join("c.bin"), body(5000, 2)).unwrap();
    fs::write(src.join("d/e.txt"), b"e\n").unwrap();
    let img = dir.join("bridge.iso");
    run(
        "genisoimage",
        &[
            "-quiet",
            "-R",
            "-J",
            "-udf",
            "-o",
            img.to_str().unwrap(),
            src.to_str().unwrap(),
        ],
    );
    fs::read(&img).unwrap()
}

/// (File Entry LBA, partition start) of `path` in `img`.
fn fe_of(img: &[u8], path: &str) -> (u64, u64) {
    let mut s: &[u8] = img;
    let vol = UdfVolume::open(&mut s, 0, &ReadOptions::default()).unwrap();
    let tree = vol.read_tree(&mut s).unwrap();
    let n = tree.find(path).unwrap();
    (
        u64::from(n.rock_ridge().unwrap().inode.unwrap()),
        vol.partitions[0].start,
    )
}

fn sector(img: &mut [u8], lba: u64) -> &mut [u8] {
    &mut img[lba as usize * 2048..(lba as usize + 1) * 2048]
}

/// Re-encodes the File Entry at `lba` after `edit`.
fn patch_fe(img: &mut [u8], lba: u64, edit: impl FnOnce(&mut FileEntry)) {
    let s = sector(img, lba);
    let (tag, mut fe) = decode_descriptor::<FileEntry>(s, None).unwrap();
    edit(&mut fe);
    let bytes = fe.encode(params(&tag, tag.tag_location));
    s.fill(0);
    s[..bytes.len()].copy_from_slice(&bytes);
}

fn params(tag: &DescriptorTag, location: u32) -> TagParams {
    TagParams {
        descriptor_version: tag.descriptor_version,
        tag_serial_number: tag.tag_serial_number,
        tag_location: location,
    }
}

fn short_ad(len: u32, lbn: u32) -> Vec<u8> {
    let mut v = Vec::new();
    e::ShortAd {
        extent_length: len,
        extent_position: lbn,
    }
    .encode(&mut v);
    v
}

/// Where the data of the file at `lba` starts (its first short_ad's block).
fn first_block(img: &[u8], lba: u64) -> u32 {
    let s = &img[lba as usize * 2048..(lba as usize + 1) * 2048];
    let (_, fe) = decode_descriptor::<FileEntry>(s, None).unwrap();
    e::decode_short_ads(&fe.allocation_descriptors).unwrap()[0].extent_position
}

/// The bridge with: /a.txt embedded in its File Entry, /b.bin by a long_ad, /c.bin as a
/// short_ad for its first block and a continuation (type 3) to an Allocation Extent
/// Descriptor (in the block /a.txt's data left) holding the rest.
fn patched(dir: &Path) -> Vec<u8> {
    let mut img = bridge(dir);
    let (a, _) = fe_of(&img, "/a.txt");
    // a.txt's data block is free once its data is embedded: the AED goes there.
    let aed_lbn = first_block(&img, a);
    patch_fe(&mut img, a, |fe| {
        fe.icb_tag.flags = (fe.icb_tag.flags & !e::icb_flags::AD_MASK) | e::icb_flags::AD_IN_ICB;
        fe.allocation_descriptors = A.to_vec();
    });
    let (b, _) = fe_of(&img, "/b.bin");
    let b_block = first_block(&img, b);
    patch_fe(&mut img, b, |fe| {
        fe.icb_tag.flags = (fe.icb_tag.flags & !e::icb_flags::AD_MASK) | e::icb_flags::AD_LONG;
        let mut v = Vec::new();
        e::LongAd {
            extent_length: 3000,
            extent_location: e::LbAddr {
                logical_block_number: b_block,
                partition_reference_number: 0,
            },
            implementation_use: [0; 6],
        }
        .encode(&mut v);
        fe.allocation_descriptors = v;
    });
    let (c, pstart) = fe_of(&img, "/c.bin");
    let c_block = first_block(&img, c);
    let aed_lba = pstart + u64::from(aed_lbn);
    sector(&mut img, aed_lba).fill(0);
    let (tag, _) = decode_descriptor::<FileEntry>(sector(&mut img, c), None).unwrap();
    let aed = e::AllocationExtentDescriptor {
        previous_allocation_extent_location: 0,
        allocation_descriptors: short_ad(5000 - 2048, c_block + 1),
    }
    .encode(params(&tag, aed_lbn));
    sector(&mut img, aed_lba)[..aed.len()].copy_from_slice(&aed);
    patch_fe(&mut img, c, |fe| {
        let mut v = short_ad(2048, c_block);
        v.extend(short_ad((3 << 30) | 2048, aed_lbn));
        fe.allocation_descriptors = v;
    });
    img
}

/// path → (kind, size, md5) as our reader sees the UDF file set.
fn ours(img: &[u8]) -> BTreeMap<String, (char, u64, Option<String>)> {
    let mut s: &[u8] = img;
    let vol = UdfVolume::open(&mut s, 0, &ReadOptions::default()).unwrap();
    let tree = vol.read_tree(&mut s).unwrap();
    tree.walk()
        .into_iter()
        .filter(|(p, _)| p != "/")
        .map(|(p, n)| {
            let md5 = (n.kind() == NodeKind::File).then(|| {
                let mut v = Vec::new();
                n.copy_data(&mut s, &mut v).unwrap();
                md5_hex(&v)
            });
            let k = if n.is_dir() { 'd' } else { '-' };
            let size = if n.is_dir() { 0 } else { n.size() };
            (format!("./{}", &p[1..]), (k, size, md5))
        })
        .collect()
}

fn md5_hex(b: &[u8]) -> String {
    discburn_testkit::tree::Md5Digest::of(b).to_string()
}

/// The same as the Linux udf driver lists it (kernel-read `--fstype udf`).
fn kernel(img: &Path) -> BTreeMap<String, (char, u64, Option<String>)> {
    let script = discburn_testkit::oracle::kernel_read_script();
    let out = Command::new(&script)
        .args(["--fstype", "udf", "--opts", "ro"])
        .arg(img)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "kernel-read:\n{text}");
    let files = text
        .split("paths relative to the mount ---\n")
        .nth(1)
        .and_then(|r| r.split("--- md5 ---\n").next())
        .unwrap();
    let sums: BTreeMap<&str, &str> = text
        .split("--- md5 ---\n")
        .nth(1)
        .and_then(|r| r.split("--- df ---").next())
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once("  ").map(|(a, b)| (b, a)))
        .collect();
    files
        .lines()
        .filter_map(|l| {
            let mut it = l.splitn(3, ' ');
            let (m, size, p) = (it.next()?, it.next()?, it.next()?);
            (p != ".").then(|| {
                let k = m.chars().next().unwrap();
                let size = if k == 'd' { 0 } else { size.parse().unwrap() };
                (
                    p.to_owned(),
                    (k, size, sums.get(p).map(|s| (*s).to_owned())),
                )
            })
        })
        .collect()
}

#[test]
fn embedded_long_ad_and_continued_allocation_read_as_linux_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let img = patched(dir.path());
    let mut s: &[u8] = &img;
    let vol = UdfVolume::open(&mut s, 0, &ReadOptions::default()).unwrap();
    let tree = vol.read_tree(&mut s).unwrap();
    let a = tree.find("/a.txt").unwrap();
    assert_eq!(a.data_pieces(), vec![DataPiece::Embedded(A)]);
    assert!(a.extents().is_empty());
    let c = tree.find("/c.bin").unwrap();
    assert_eq!(c.extents().len(), 1, "{:?}", c.extents()); // contiguous: merged
    let mut v = Vec::new();
    c.copy_data(&mut s, &mut v).unwrap();
    assert_eq!(v, body(5000, 2));
    let path = dir.path().join("patched.iso");
    fs::write(&path, &img).unwrap();
    assert_eq!(ours(&img), kernel(&path));
}

#[test]
fn i13_i18_import_keeps_extents_and_copies_embedded_data() {
    let dir = tempfile::tempdir().unwrap();
    let img = patched(dir.path());
    let path = dir.path().join("patched.iso");
    fs::write(&path, &img).unwrap();
    let mut image = new_image("NEXT");
    let mut src = Src::open(&path).unwrap();
    assert_eq!(
        image.import_file_system_from(&mut src, 0).unwrap(),
        FileSystems::UDF
    );
    assert_eq!(image.file_count(), 4);
    // I-22: the imported volume's revision (1.02) is the image's, and fixed.
    assert_eq!(image.udf_revision(), 0x102);
    assert!(image.set_udf_revision(0x201).is_err());
    // The appended ISO session shows every file with its contents.
    let appended = append_random_write(&path, image, |im| {
        im.add_bytes("/new.txt", b"new\n".to_vec()).unwrap();
    });
    drop(appended);
    let out = dir.path().join("x");
    xorriso_extract_to(&path, "/", &out);
    assert_eq!(fs::read(out.join("a.txt")).unwrap(), A);
    assert_eq!(fs::read(out.join("b.bin")).unwrap(), body(3000, 1));
    assert_eq!(fs::read(out.join("c.bin")).unwrap(), body(5000, 2));
    assert_eq!(fs::read(out.join("d/e.txt")).unwrap(), b"e\n");
    assert_eq!(fs::read(out.join("new.txt")).unwrap(), b"new\n");
}

/// Asserts that reading the tree of `img` fails with an error naming `needle`.
fn refused(img: &[u8], needle: &str) -> ReadError {
    let mut s: &[u8] = img;
    let err = UdfVolume::open(&mut s, 0, &ReadOptions::default())
        .and_then(|v| v.read_tree(&mut s))
        .unwrap_err();
    assert!(err.to_string().contains(needle), "{err}");
    err
}

#[test]
fn hostile_udf_is_refused_with_the_descriptor_and_lba() {
    let dir = tempfile::tempdir().unwrap();
    let good = bridge(dir.path());
    let (d, _) = fe_of(&good, "/d");
    let (root_fe, pstart) = {
        let mut s: &[u8] = &good;
        let vol = UdfVolume::open(&mut s, 0, &ReadOptions::default()).unwrap();
        let t = vol.read_tree(&mut s).unwrap();
        (
            u64::from(t.root().rock_ridge().unwrap().inode.unwrap()),
            vol.partitions[0].start,
        )
    };

    // A directory whose FID for "d" points back at the root's ICB: a cycle.
    let mut img = good.clone();
    let dir_block = u64::from(first_block(&img, root_fe)) + pstart;
    {
        let s = sector(&mut img, dir_block);
        let mut pos = 0;
        loop {
            let (fid, len) = e::FileIdentifierDescriptor::decode_at(&s[pos..], None).unwrap();
            if e::decode_cs0(&fid.file_identifier).unwrap() == "d" {
                let tag = DescriptorTag::decode(&s[pos..]).unwrap();
                let mut f = fid.clone();
                f.icb.extent_location.logical_block_number = (root_fe - pstart) as u32;
                let bytes = f.encode(params(&tag, tag.tag_location));
                s[pos..pos + len].copy_from_slice(&bytes);
                break;
            }
            pos += len;
        }
    }
    let err = refused(&img, "directory cycle");
    assert!(matches!(err, ReadError::DirectoryCycle { .. }), "{err}");

    // An Indirect Entry (4/14.7) pointing at itself in place of /d's File Entry.
    let mut img = good.clone();
    {
        let lbn = (d - pstart) as u32;
        let s = sector(&mut img, d);
        let (tag, fe) = decode_descriptor::<FileEntry>(s, None).unwrap();
        let mut ie = vec![0u8; 16];
        fe.icb_tag.encode(&mut ie);
        e::LongAd {
            extent_length: 2048,
            extent_location: e::LbAddr {
                logical_block_number: lbn,
                partition_reference_number: 0,
            },
            implementation_use: [0; 6],
        }
        .encode(&mut ie);
        DescriptorTag::write(
            &mut ie,
            e::tag_id::INDIRECT_ENTRY,
            tag.descriptor_version,
            1,
            lbn,
        );
        s.fill(0);
        s[..ie.len()].copy_from_slice(&ie);
    }
    refused(&img, "indirect entries loop");

    // /c.bin's allocation continues to an Allocation Extent Descriptor that continues
    // to itself.
    let mut img = good.clone();
    let (c, _) = fe_of(&img, "/c.bin");
    let (a, _) = fe_of(&img, "/a.txt");
    let aed_lbn = first_block(&img, a);
    let (tag, _) = decode_descriptor::<FileEntry>(sector(&mut img, c), None).unwrap();
    let aed = e::AllocationExtentDescriptor {
        previous_allocation_extent_location: 0,
        allocation_descriptors: short_ad((3 << 30) | 2048, aed_lbn),
    }
    .encode(params(&tag, aed_lbn));
    sector(&mut img, pstart + u64::from(aed_lbn))[..aed.len()].copy_from_slice(&aed);
    patch_fe(&mut img, c, |fe| {
        fe.allocation_descriptors = short_ad((3 << 30) | 2048, aed_lbn);
    });
    refused(&img, "allocation extent descriptors loop");

    // /c.bin's data far past the end of the partition and the media.
    let mut img = good.clone();
    patch_fe(&mut img, c, |fe| {
        fe.allocation_descriptors = short_ad(5000, 0x0100_0000);
    });
    let err = refused(&img, &format!("file entry at LBA {c}"));
    assert!(err.to_string().contains("past the end"), "{err}");
}

/// Every FID of the directory data block at `lba` re-encoded with its ICB in partition
/// reference `part`.
fn fids_to_partition(img: &mut [u8], lba: u64, part: u16) {
    let s = sector(img, lba);
    let mut pos = 0;
    while pos + 38 <= s.len() && s[pos..pos + 16].iter().any(|&b| b != 0) {
        let tag = DescriptorTag::decode(&s[pos..]).unwrap();
        let (mut fid, len) = e::FileIdentifierDescriptor::decode_at(&s[pos..], None).unwrap();
        fid.icb.extent_location.partition_reference_number = part;
        let bytes = fid.encode(params(&tag, tag.tag_location));
        s[pos..pos + len].copy_from_slice(&bytes);
        pos += len;
    }
}

/// The bridge turned into a volume with a metadata partition (UDF 2.60 2.2.10) over its
/// whole physical partition: partition reference 1 maps through the metadata file's
/// short_ads (one extent, identity) and every ICB (FSD root, FIDs) is in reference 1, so
/// the files' short_ads go through the metadata file too. The metadata file's File
/// Entry takes /a.txt's data block (its data embedded); the main location is the FSD's
/// block (not a File Entry), so only the mirror reads.
fn metadata_volume(dir: &Path) -> Vec<u8> {
    let mut img = bridge(dir);
    let (a, pstart) = fe_of(&img, "/a.txt");
    let meta_lbn = first_block(&img, a);
    let (plen, fsd_lba, dirs) = {
        let mut s: &[u8] = &img;
        let vol = UdfVolume::open(&mut s, 0, &ReadOptions::default()).unwrap();
        let t = vol.read_tree(&mut s).unwrap();
        let dirs: Vec<u64> = t
            .iter()
            .filter(|n| n.is_dir())
            .map(|n| u64::from(n.rock_ridge().unwrap().inode.unwrap()))
            .collect();
        (vol.partitions[0].length, vol.file_set_descriptor_lba, dirs)
    };
    patch_fe(&mut img, a, |fe| {
        fe.icb_tag.flags = (fe.icb_tag.flags & !e::icb_flags::AD_MASK) | e::icb_flags::AD_IN_ICB;
        fe.allocation_descriptors = A.to_vec();
    });
    // Directory data: FIDs to reference 1 (before the FEs move nowhere: identity map).
    for d in &dirs {
        let block = pstart + u64::from(first_block(&img, *d));
        fids_to_partition(&mut img, block, 1);
    }
    // The metadata (mirror) file.
    {
        let (tag, mut fe) = decode_descriptor::<FileEntry>(sector(&mut img, a), None).unwrap();
        fe.icb_tag.file_type = e::file_type::METADATA_MIRROR_FILE;
        fe.icb_tag.flags &= !e::icb_flags::AD_MASK;
        fe.information_length = plen * 2048;
        fe.logical_blocks_recorded = plen;
        fe.allocation_descriptors = short_ad((plen * 2048) as u32, 0);
        let bytes = fe.encode(params(&tag, meta_lbn));
        let s = sector(&mut img, pstart + u64::from(meta_lbn));
        s.fill(0);
        s[..bytes.len()].copy_from_slice(&bytes);
    }
    // FSD: root ICB in reference 1.
    {
        let s = sector(&mut img, fsd_lba);
        let (tag, mut fsd) = decode_descriptor::<e::FileSetDescriptor>(s, None).unwrap();
        fsd.root_directory_icb
            .extent_location
            .partition_reference_number = 1;
        let bytes = fsd.encode(params(&tag, tag.tag_location));
        s.fill(0);
        s[..bytes.len()].copy_from_slice(&bytes);
    }
    // LVDs of both sequences: a type 1 map and the metadata map; contents in reference 1.
    for lba in 16..(img.len() / 2048) as u64 {
        let s = sector(&mut img, lba);
        let Ok((tag, mut lvd)) = decode_descriptor::<e::LogicalVolumeDescriptor>(s, None) else {
            continue;
        };
        lvd.domain_identifier.identifier_suffix[..2].copy_from_slice(&0x0250u16.to_le_bytes());
        lvd.logical_volume_contents_use
            .extent_location
            .partition_reference_number = 1;
        let suffix = lvd.domain_identifier.identifier_suffix;
        lvd.partition_maps = vec![
            e::PartitionMap::Type1 {
                volume_sequence_number: 1,
                partition_number: 0,
            },
            e::PartitionMap::Metadata {
                identifier_suffix: suffix,
                volume_sequence_number: 1,
                partition_number: 0,
                metadata_file_location: (fsd_lba - pstart) as u32,
                metadata_mirror_file_location: meta_lbn,
                metadata_bitmap_file_location: u32::MAX,
                allocation_unit_size: 32,
                alignment_unit_size: 1,
                flags: 0,
            },
        ];
        let bytes = lvd.encode(params(&tag, tag.tag_location));
        s.fill(0);
        s[..bytes.len()].copy_from_slice(&bytes);
    }
    img
}

#[test]
fn metadata_partition_read_through_its_mirror_as_linux_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let img = metadata_volume(dir.path());
    let mut s: &[u8] = &img;
    let vol = UdfVolume::open(&mut s, 0, &ReadOptions::default()).unwrap();
    assert!(
        matches!(
            vol.partitions[1].kind,
            discburn_reader::udf::PartitionKind::Metadata {
                mirror_used: true,
                ..
            }
        ),
        "{:?}",
        vol.partitions
    );
    let mine = ours(&img);
    assert_eq!(mine.len(), 5, "{mine:?}");
    assert_eq!(mine["./c.bin"].2, Some(md5_hex(&body(5000, 2))));
    let path = dir.path().join("metadata.iso");
    fs::write(&path, &img).unwrap();
    assert_eq!(mine, kernel(&path));
}
