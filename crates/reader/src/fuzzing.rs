//! The logic of the fuzz targets in `fuzz/fuzz_targets/`, as normal functions so that
//! `tests/fuzz_corpus.rs` runs them over the seed corpus and deterministic mutations in
//! every `cargo test`. Each function accepts any bytes and must neither panic nor
//! allocate without bound; errors are expected and ignored. Each also checks the
//! invariants of what it read (extents inside the media, tree links consistent).
//!
//! Each returns the number of tree nodes it read (0 when the input was refused), so
//! tests can check that the seeds reach the directory walk.
//!
//! Input layouts:
//! - [`volume_descriptors`]: sectors from LBA 16 on (the system area is implied zeros);
//! - [`directory_records`], [`joliet`], [`path_table`]: sectors from LBA 16 on, with the
//!   descriptor headers at 16 (PVD) and 17 (Joliet SVD) forced valid so mutations reach
//!   the directory records, SUSP/Rock Ridge entries, Joliet names and path tables;
//! - [`whole_image`]: a whole image from LBA 0;
//! - [`udf`]: a whole UDF image from LBA 0 (anchor at 256, N or N − 256).
//! - [`el_torito`]: boot catalog sectors from LBA 0.

use discburn_format::iso9660::PathTableType;

use crate::pathtable::parse_path_table;
use crate::sessions;
use crate::source::{SECTOR_SIZE, SectorSource};
use crate::tree::{NodeKind, Tree, View};
use crate::volume::{ReadOptions, Volume, identify};
use crate::{ReadError, validate_path_table};

/// Small limits so that each fuzz input runs in milliseconds.
pub fn fuzz_options() -> ReadOptions {
    ReadOptions {
        max_entries: 20_000,
        max_depth: 64,
        max_directory_bytes: 1 << 20,
        max_name_bytes: 1024,
        max_symlink_bytes: 4096,
        max_continuation_areas: 16,
        max_continuation_bytes: 1 << 20,
        max_volume_descriptors: 32,
        max_extents_per_file: 1024,
    }
}

fn image_from_16(data: &[u8]) -> Vec<u8> {
    let mut img = vec![0u8; 16 * SECTOR_SIZE];
    img.extend_from_slice(data);
    img
}

fn force_header(img: &mut [u8], lba: usize, ty: u8) {
    let o = lba * SECTOR_SIZE;
    if img.len() >= o + SECTOR_SIZE {
        img[o] = ty;
        img[o + 1..o + 6].copy_from_slice(b"CD001");
        img[o + 6] = 1;
        img[o + 128..o + 132].copy_from_slice(&[0, 8, 8, 0]);
    }
}

/// Checks the invariants of a tree read from `total` sectors.
fn check_tree(tree: &Tree, total: u64) {
    let mut seen_children = 0usize;
    for n in tree.iter() {
        for e in n.extents() {
            if e.length > 0 {
                assert!(
                    u64::from(e.lba) + e.sectors() <= total,
                    "extent {e:?} past the media"
                );
            }
        }
        let sum: u64 = n.data_pieces().iter().map(|p| p.len()).sum();
        if n.kind() == NodeKind::File {
            assert_eq!(sum, n.size());
        }
        if n.has_irregular_data() {
            assert!(n.extents().is_empty());
        }
        for c in n.children() {
            assert_eq!(c.parent().map(|p| p.id()), Some(n.id()));
            assert!(!c.name_bytes().is_empty());
            assert!(!c.name_bytes().contains(&b'/'));
            seen_children += 1;
        }
        if n.kind() != NodeKind::Directory {
            assert_eq!(n.child_count(), 0);
        }
        if n.kind() == NodeKind::Symlink {
            assert!(n.symlink_target().is_some());
        }
    }
    assert_eq!(
        seen_children + 1,
        tree.len(),
        "every node but the root has a parent"
    );
    let walked = tree.walk();
    assert_eq!(walked.len(), tree.len());
    let _ = tree.hard_link_groups();
    for (path, node) in walked.iter().take(64) {
        // Paths are lossy for non-UTF-8 names; only exact ones can be looked up.
        if path.contains(char::REPLACEMENT_CHARACTER) {
            continue;
        }
        if let Some(found) = tree.find(path) {
            // Duplicate names may resolve to an earlier sibling.
            assert_eq!(found.name_bytes(), node.name_bytes());
        }
    }
}

fn nodes(trees: &[Result<Tree, ReadError>]) -> usize {
    trees.iter().flatten().map(Tree::len).sum()
}

fn read_views(src: &mut &[u8], vol: &Volume, views: &[View]) -> Vec<Result<Tree, ReadError>> {
    let total = src.total_sectors();
    views
        .iter()
        .map(|&v| {
            let t = vol.read_tree(src, v);
            if let Ok(t) = &t {
                check_tree(t, total);
            }
            t
        })
        .collect()
}

/// A UDF image from LBA 0: the volume (anchors, both sequences, partitions, VAT,
/// metadata file, integrity), its tree through [`crate::udf::UdfVolume`] and through a
/// bridge's [`Volume::read_tree`], and the data of the first files (at most 4 MiB in all).
pub fn udf(data: &[u8]) -> usize {
    let mut src: &[u8] = data;
    let opts = fuzz_options();
    let total = src.total_sectors();
    let _ = identify(&mut src, 0);
    let mut n = 0;
    if let Ok(vol) = crate::udf::UdfVolume::open(&mut src, 0, &opts) {
        assert!(vol.anchor_lba < total);
        assert!(!vol.partitions.is_empty());
        let _ = vol.revision_string();
        n += 1;
        if let Ok(tree) = vol.read_tree(&mut src) {
            check_tree(&tree, total);
            n += tree.len();
            let mut budget = 4u64 << 20;
            for node in tree.iter().filter(|x| x.kind() == NodeKind::File) {
                if node.size() > budget {
                    continue;
                }
                budget -= node.size();
                let mut out = Vec::new();
                if let Ok(len) = node.copy_data(&mut src, &mut out) {
                    assert_eq!(len, node.size());
                    assert_eq!(out.len() as u64, len);
                }
            }
        }
    }
    if let Ok(vol) = Volume::open(&mut src, 0, &opts)
        && vol.udf.is_some()
    {
        n += nodes(&read_views(&mut src, &vol, &[View::Udf]));
    }
    n
}

/// Volume descriptor set: `data` is the sectors from LBA 16 on.
pub fn volume_descriptors(data: &[u8]) -> usize {
    let img = image_from_16(data);
    let mut src: &[u8] = &img;
    let opts = fuzz_options();
    let _ = identify(&mut src, 0);
    if let Ok(vol) = Volume::open(&mut src, 0, &opts) {
        assert!(vol.file_systems().contains(crate::FileSystems::ISO9660));
        // 1 for the volume (its tree usually lies past the sectors given).
        return 1 + nodes(&read_views(&mut src, &vol, &[vol.default_view()]));
    }
    0
}

/// Directory records with SUSP/Rock Ridge: sectors from LBA 16 on, PVD header forced.
pub fn directory_records(data: &[u8]) -> usize {
    let mut img = image_from_16(data);
    force_header(&mut img, 16, 1);
    let mut src: &[u8] = &img;
    if let Ok(vol) = Volume::open(&mut src, 0, &fuzz_options()) {
        return nodes(&read_views(
            &mut src,
            &vol,
            &[View::RockRidge, View::Iso9660],
        ));
    }
    0
}

/// Joliet: sectors from LBA 16 on, PVD header at 16 and Joliet SVD header at 17 forced.
pub fn joliet(data: &[u8]) -> usize {
    let mut img = image_from_16(data);
    force_header(&mut img, 16, 1);
    force_header(&mut img, 17, 2);
    let o = 17 * SECTOR_SIZE + 88;
    if img.len() >= o + 3 {
        img[o..o + 3].copy_from_slice(b"%/E");
    }
    let mut src: &[u8] = &img;
    if let Ok(vol) = Volume::open(&mut src, 0, &fuzz_options()) {
        return nodes(&read_views(&mut src, &vol, &[View::Joliet]));
    }
    0
}

/// Path tables: `data` is parsed as a path table of each byte order, then as sectors from
/// LBA 16 on (PVD header forced) whose path tables are checked against the trees.
pub fn path_table(data: &[u8]) -> usize {
    for ty in [PathTableType::L, PathTableType::M] {
        let _ = parse_path_table(data, 0, ty);
    }
    let mut img = image_from_16(data);
    force_header(&mut img, 16, 1);
    let mut src: &[u8] = &img;
    let mut n = 0;
    if let Ok(vol) = Volume::open(&mut src, 0, &fuzz_options()) {
        for t in read_views(&mut src, &vol, &[View::Iso9660, View::Joliet])
            .into_iter()
            .flatten()
        {
            if validate_path_table(&mut src, &vol, &t).is_ok() {
                n += t.len();
            }
        }
    }
    n
}

/// A whole image: identification, every view of the session at 0, path tables, session
/// discovery, the superblock scan and the data-after check; every listed session opened.
pub fn whole_image(data: &[u8]) -> usize {
    let mut src: &[u8] = data;
    let mut n = 0;
    let opts = fuzz_options();
    let total = src.total_sectors();
    let _ = identify(&mut src, 0);
    if let Ok(vol) = Volume::open(&mut src, 0, &opts) {
        if let Ok(Some(c)) = vol.read_boot_catalog(&mut src) {
            assert!(u64::from(c.catalog_lba) < total);
        }
        for t in read_views(
            &mut src,
            &vol,
            &[View::RockRidge, View::Joliet, View::Iso9660],
        )
        .into_iter()
        .flatten()
        {
            let _ = validate_path_table(&mut src, &vol, &t);
        }
    }
    if let Ok(list) = sessions::list_sessions(&mut src) {
        for s in list.sessions.iter().take(4) {
            assert!(s.start < total);
            if let Ok(vol) = Volume::open(&mut src, s.start, &opts) {
                n += nodes(&read_views(&mut src, &vol, &[vol.default_view()]));
            }
        }
    }
    if let Ok(found) = sessions::scan_sessions(&mut src, 0, total) {
        for w in found.windows(2) {
            assert!(w[0].start < w[1].start);
        }
    }
    if let Ok(Some(f)) = sessions::find_data_at_or_after(&mut src, 0) {
        assert!(f.descriptor_lba < total);
    }
    n
}

/// El Torito boot catalog: `data` is read as catalog sectors at LBA 0, and each of its
/// sectors decoded as a boot record volume descriptor. Returns the number of boot
/// entries decoded.
pub fn el_torito(data: &[u8]) -> usize {
    for s in data.chunks(SECTOR_SIZE) {
        let _ = discburn_format::eltorito::BootRecordVolumeDescriptor::decode(s);
    }
    let mut src: &[u8] = data;
    let Ok(c) = crate::boot::read_boot_catalog(&mut src, 0) else {
        return 0;
    };
    let entries = c.entries();
    assert!(entries.len() <= discburn_format::eltorito::MAX_CATALOG_ENTRIES);
    // What decodes encodes to the same entries (extensions are not kept).
    if let Ok(b) = c.catalog.encode() {
        let d = discburn_format::eltorito::BootCatalog::decode(&b).expect("own encoding decodes");
        assert_eq!(d.entries().count(), entries.len());
    }
    entries.len()
}
