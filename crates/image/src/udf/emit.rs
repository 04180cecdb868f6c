//! The bytes of the UDF pieces placed by the layout (ECMA-167 3rd edition, UDF 2.60).

use discburn_format::SECTOR_SIZE;
use discburn_format::ecma167::{
    self as e, Descriptor, ExtentAd, LbAddr, LongAd, Regid, ShortAd, TagParams,
    encode_dstring_truncated, file_characteristics, file_type, icb_flags, identifier,
};
use discburn_format::rrip::mode as m;

use super::{LVIS, LVIS_BLOCKS, MAIN_VDS, META_UNIT, RESERVE_VDS, UdfLayout, UdfRegion};
use crate::ImageError;
use crate::layout::Layout;
use crate::tree::{FileSource, NodeId, NodeKind, ROOT, Tree};

/// The path components (ECMA-167 4/14.16.1, UDF 2.60 2.3.12) of a symbolic link target:
/// type 2 for a leading `/`, 3 for `..`, 4 for `.`, 5 for a name (OSTA Compressed
/// Unicode).
pub(crate) fn symlink_components(target: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    if target.starts_with(b"/") {
        v.extend_from_slice(&[2, 0, 0, 0]);
    }
    for c in target.split(|&b| b == b'/').filter(|c| !c.is_empty()) {
        match c {
            b"." => v.extend_from_slice(&[4, 0, 0, 0]),
            b".." => v.extend_from_slice(&[3, 0, 0, 0]),
            name => {
                let n = super::udf_name(name);
                v.push(5);
                v.push(n.len() as u8);
                v.extend_from_slice(&[0, 0]);
                v.extend_from_slice(&n);
            }
        }
    }
    v
}

fn pad_block(out: &mut Vec<u8>, start: usize, blocks: usize) {
    out.resize(start + blocks * SECTOR_SIZE, 0);
}

/// Linux dev_t halves (glibc `major`/`minor`).
fn major_minor(rdev: u64) -> (u32, u32) {
    let major = ((rdev >> 8) & 0xfff) | ((rdev >> 32) & !0xfff);
    let minor = (rdev & 0xff) | ((rdev >> 12) & !0xff);
    (major as u32, minor as u32)
}

impl Layout {
    pub(crate) fn udf(&self) -> &UdfLayout {
        self.udf.as_deref().expect("UDF planned")
    }

    fn udf_tag(&self, tag_location: u32) -> TagParams {
        TagParams {
            descriptor_version: self.udf().descriptor_version(),
            tag_serial_number: 1,
            tag_location,
        }
    }

    fn udf_time(&self, secs: i64) -> e::Timestamp {
        e::Timestamp::from_unix(secs, 0, self.options.timestamp.utc_offset_minutes)
    }

    fn udf_clamped(&self, t: Option<i64>) -> i64 {
        let t = t.unwrap_or(self.options.timestamp.unix_seconds);
        self.options.clamp_times.map_or(t, |c| t.min(c))
    }

    pub(crate) fn implementation_identifier(&self) -> Regid {
        Regid::new(
            identifier::DISCBURN,
            e::ImplementationIdentifierSuffix {
                os_class: e::os::CLASS_UNIX,
                os_identifier: e::os::IDENTIFIER_LINUX,
                implementation_use: [0; 6],
            }
            .to_bytes(),
        )
    }

    fn domain_identifier(&self) -> Regid {
        Regid::new(
            identifier::OSTA_UDF_COMPLIANT,
            e::DomainIdentifierSuffix {
                udf_revision: self.udf().revision,
                domain_flags: 0,
            }
            .to_bytes(),
        )
    }

    pub(crate) fn udf_identifier(&self, id: &[u8]) -> Regid {
        Regid::new(
            id,
            e::UdfIdentifierSuffix {
                udf_revision: self.udf().revision,
                os_class: e::os::CLASS_UNIX,
                os_identifier: e::os::IDENTIFIER_LINUX,
            }
            .to_bytes(),
        )
    }

    pub(crate) fn dstring<const N: usize>(&self, s: &str) -> [u8; N] {
        let mut a = [0u8; N];
        a.copy_from_slice(&encode_dstring_truncated(s, N));
        a
    }

    /// A long_ad to the FE of `id` in the file structure, with its Unique ID.
    fn icb_ad(&self, id: NodeId) -> LongAd {
        let u = self.udf();
        LongAd {
            extent_length: SECTOR_SIZE as u32,
            extent_location: LbAddr {
                logical_block_number: u.icb[id as usize],
                partition_reference_number: u.fs_partition(),
            },
            implementation_use: LongAd::udf_unique_id_use(u64::from(u.unique_id[id as usize])),
        }
    }

    /// Bytes of one UDF region, whole blocks.
    pub(crate) fn udf_bytes(
        &self,
        tree: &Tree,
        region: UdfRegion,
        out: &mut Vec<u8>,
    ) -> Result<(), ImageError> {
        let u = self.udf();
        let start = out.len();
        let s = u.session_start;
        match region {
            UdfRegion::VolumeRecognitionSequence => {
                let nsr = if u.revision >= 0x200 {
                    e::vsd_id::NSR03
                } else {
                    e::vsd_id::NSR02
                };
                for id in [e::vsd_id::BEA01, nsr, e::vsd_id::TEA01] {
                    out.extend_from_slice(&e::volume_structure_descriptor(id));
                }
            }
            UdfRegion::Padding { blocks } => pad_block(out, start, blocks as usize),
            UdfRegion::VolumeDescriptorSequence { reserve } => {
                let base = s + if reserve { RESERVE_VDS } else { MAIN_VDS };
                for (i, d) in self.volume_descriptors(tree).into_iter().enumerate() {
                    let mut b = d(self, self.udf_tag(base + i as u32));
                    b.resize(SECTOR_SIZE, 0);
                    out.extend_from_slice(&b);
                }
                pad_block(out, start, super::VDS_BLOCKS as usize);
            }
            UdfRegion::IntegritySequence => {
                let lvid = self.integrity_descriptor();
                let mut b = lvid.encode(self.udf_tag(s + LVIS));
                b.resize(SECTOR_SIZE, 0);
                out.extend_from_slice(&b);
                let mut t = e::TerminatingDescriptor.encode(self.udf_tag(s + LVIS + 1));
                t.resize(SECTOR_SIZE, 0);
                out.extend_from_slice(&t);
                pad_block(out, start, LVIS_BLOCKS as usize);
            }
            UdfRegion::Anchor { end, absolute } => {
                let lba = if end {
                    u.end_anchor
                } else if absolute {
                    super::ANCHOR
                } else {
                    s + super::ANCHOR
                };
                let a = e::AnchorVolumeDescriptorPointer {
                    main_volume_descriptor_sequence_extent: ExtentAd {
                        extent_length: super::VDS_BLOCKS * SECTOR_SIZE as u32,
                        extent_location: u.main_vds,
                    },
                    reserve_volume_descriptor_sequence_extent: ExtentAd {
                        extent_length: super::VDS_BLOCKS * SECTOR_SIZE as u32,
                        extent_location: u.reserve_vds,
                    },
                };
                out.extend_from_slice(&a.encode(self.udf_tag(lba)));
                pad_block(out, start, 1);
            }
            UdfRegion::MetadataFileEntry { mirror } => {
                let meta = u.meta.as_ref().expect("metadata partition planned");
                let (blk, extent, ty) = if mirror {
                    (
                        meta.mirror_fe,
                        meta.mirror_extent,
                        file_type::METADATA_MIRROR_FILE,
                    )
                } else {
                    (meta.file_fe, meta.extent, file_type::METADATA_FILE)
                };
                let len = u64::from(meta.blocks) * SECTOR_SIZE as u64;
                let mut ads = Vec::new();
                let mut done = 0u64;
                while done < len {
                    let l = (len - done).min(u64::from(e::MAX_EXTENT_LENGTH));
                    ShortAd {
                        extent_length: l as u32,
                        extent_position: extent + (done / SECTOR_SIZE as u64) as u32,
                    }
                    .encode(&mut ads);
                    done += l;
                }
                let t = self.options.timestamp.unix_seconds;
                let fe = Entry {
                    file_type: ty,
                    flags: icb_flags::AD_SHORT,
                    uid: u32::MAX,
                    gid: u32::MAX,
                    permissions: 0,
                    links: 1,
                    information_length: len,
                    blocks: u64::from(meta.blocks),
                    times: [t, t, t],
                    unique_id: 0,
                    extended_attributes: Vec::new(),
                    allocation_descriptors: ads,
                };
                out.extend_from_slice(&self.entry_bytes(fe, blk));
                pad_block(out, start, 1);
            }
            UdfRegion::FileSetDescriptor => {
                let fsd = e::FileSetDescriptor {
                    recording_date_and_time: self.udf_time(self.options.timestamp.unix_seconds),
                    interchange_level: 3,
                    maximum_interchange_level: 3,
                    character_set_list: 1,
                    maximum_character_set_list: 1,
                    file_set_number: 0,
                    file_set_descriptor_number: 0,
                    logical_volume_identifier_character_set: e::Charspec::osta_cs0(),
                    logical_volume_identifier: self.dstring(&self.options.volume_name),
                    file_set_character_set: e::Charspec::osta_cs0(),
                    file_set_identifier: self.dstring(&self.options.volume_name),
                    copyright_file_identifier: [0; 32],
                    abstract_file_identifier: [0; 32],
                    root_directory_icb: self.icb_ad(ROOT),
                    domain_identifier: self.domain_identifier(),
                    next_extent: LongAd::default(),
                    system_stream_directory_icb: LongAd::default(),
                };
                let mut b = fsd.encode(self.udf_tag(u.fs_base));
                b.resize(SECTOR_SIZE, 0);
                out.extend_from_slice(&b);
                out.extend_from_slice(
                    &e::TerminatingDescriptor.encode(self.udf_tag(u.fs_base + 1)),
                );
                pad_block(out, start, 2);
            }
            UdfRegion::Directory { index } => {
                let d = &u.dirs[index as usize];
                let stream_blocks = d.stream_len.div_ceil(SECTOR_SIZE as u64);
                out.extend_from_slice(&self.file_entry(tree, d.node)?);
                pad_block(out, start, 1);
                self.directory_stream(tree, d.node, d.stream, out);
                pad_block(out, start, 1 + stream_blocks as usize);
            }
            UdfRegion::FileEntries { index, chunk } => {
                let d = &u.dirs[index as usize];
                let first = chunk as usize * super::FE_CHUNK;
                let end = (first + super::FE_CHUNK).min(d.child_fes.len());
                for (k, &c) in d.child_fes[first..end].iter().enumerate() {
                    out.extend_from_slice(&self.file_entry(tree, c)?);
                    pad_block(out, start, 1 + k);
                }
            }
            UdfRegion::VirtualAllocationTable { blocks } => {
                self.vat_bytes(blocks, out);
                pad_block(out, start, blocks as usize);
            }
        }
        Ok(())
    }

    #[allow(clippy::type_complexity)]
    fn volume_descriptors(&self, _tree: &Tree) -> Vec<fn(&Layout, TagParams) -> Vec<u8>> {
        vec![
            |l, t| l.primary_volume_descriptor_udf().encode(t),
            |l, t| {
                e::ImplementationUseVolumeDescriptor {
                    volume_descriptor_sequence_number: 1,
                    implementation_identifier: l.udf_identifier(identifier::UDF_LV_INFO),
                    implementation_use: e::LvInformation {
                        lvi_charset: e::Charspec::osta_cs0(),
                        logical_volume_identifier: l.dstring(&l.options.volume_name),
                        lv_info1: [0; 36],
                        lv_info2: [0; 36],
                        lv_info3: [0; 36],
                        implementation_id: l.implementation_identifier(),
                        implementation_use: [0; 128],
                    }
                    .to_bytes(),
                }
                .encode(t)
            },
            |l, t| {
                let u = l.udf();
                let contents = if u.revision >= 0x200 {
                    identifier::NSR03
                } else {
                    identifier::NSR02
                };
                e::PartitionDescriptor {
                    volume_descriptor_sequence_number: 2,
                    partition_flags: 1,
                    partition_number: 0,
                    partition_contents: Regid::new(contents, [0; 8]),
                    partition_contents_use: e::PartitionHeaderDescriptor::default().to_bytes(),
                    // Write once for a virtual partition (UDF 2.60 2.2.14.2, 6.13).
                    access_type: if u.virtual_.is_some() {
                        e::access_type::WRITE_ONCE
                    } else {
                        e::access_type::READ_ONLY
                    },
                    partition_starting_location: u.partition_start,
                    partition_length: u.partition_length,
                    implementation_identifier: l.implementation_identifier(),
                    implementation_use: [0; 128],
                }
                .encode(t)
            },
            |l, t| {
                let u = l.udf();
                let mut maps = vec![e::PartitionMap::Type1 {
                    volume_sequence_number: 1,
                    partition_number: 0,
                }];
                if u.virtual_.is_some() {
                    maps.push(e::PartitionMap::Virtual {
                        identifier_suffix: l
                            .udf_identifier(e::partition_type_identifier::VIRTUAL)
                            .identifier_suffix,
                        volume_sequence_number: 1,
                        partition_number: 0,
                    });
                }
                if let Some(meta) = &u.meta {
                    maps.push(e::PartitionMap::Metadata {
                        identifier_suffix: l
                            .udf_identifier(e::partition_type_identifier::METADATA)
                            .identifier_suffix,
                        volume_sequence_number: 1,
                        partition_number: 0,
                        metadata_file_location: meta.file_fe,
                        metadata_mirror_file_location: meta.mirror_fe,
                        metadata_bitmap_file_location: u32::MAX,
                        allocation_unit_size: META_UNIT,
                        alignment_unit_size: META_UNIT as u16,
                        flags: u8::from(meta.duplicate),
                    });
                }
                e::LogicalVolumeDescriptor {
                    volume_descriptor_sequence_number: 3,
                    descriptor_character_set: e::Charspec::osta_cs0(),
                    logical_volume_identifier: l.dstring(&l.options.volume_name),
                    logical_block_size: SECTOR_SIZE as u32,
                    domain_identifier: l.domain_identifier(),
                    logical_volume_contents_use: LongAd {
                        extent_length: SECTOR_SIZE as u32,
                        extent_location: LbAddr {
                            logical_block_number: u.fs_base,
                            partition_reference_number: u.fs_partition(),
                        },
                        implementation_use: [0; 6],
                    },
                    implementation_identifier: l.implementation_identifier(),
                    implementation_use: [0; 128],
                    integrity_sequence_extent: ExtentAd {
                        extent_length: LVIS_BLOCKS * SECTOR_SIZE as u32,
                        extent_location: u.session_start + LVIS,
                    },
                    partition_maps: maps,
                }
                .encode(t)
            },
            |_, t| {
                e::UnallocatedSpaceDescriptor {
                    volume_descriptor_sequence_number: 4,
                    allocation_descriptors: Vec::new(),
                }
                .encode(t)
            },
            |_, t| e::TerminatingDescriptor.encode(t),
        ]
    }

    fn primary_volume_descriptor_udf(&self) -> e::PrimaryVolumeDescriptor {
        let t = self.options.timestamp.unix_seconds;
        let set = format!("{:016X}{}", t as u64, self.options.volume_name);
        e::PrimaryVolumeDescriptor {
            volume_descriptor_sequence_number: 0,
            primary_volume_descriptor_number: 0,
            volume_identifier: self.dstring(&self.options.volume_name),
            volume_sequence_number: 1,
            maximum_volume_sequence_number: 1,
            interchange_level: 2,
            maximum_interchange_level: 2,
            character_set_list: 1,
            maximum_character_set_list: 1,
            volume_set_identifier: self.dstring(&set),
            descriptor_character_set: e::Charspec::osta_cs0(),
            explanatory_character_set: e::Charspec::osta_cs0(),
            volume_abstract: ExtentAd::default(),
            volume_copyright_notice: ExtentAd::default(),
            application_identifier: self.implementation_identifier(),
            recording_date_and_time: self.udf_time(t),
            implementation_identifier: self.implementation_identifier(),
            implementation_use: [0; 64],
            predecessor_volume_descriptor_sequence_location: 0,
            flags: 0,
        }
    }

    fn integrity_descriptor(&self) -> e::LogicalVolumeIntegrityDescriptor {
        let u = self.udf();
        let maps = if u.fs_partition() != 0 { 2 } else { 1 };
        let mut free = vec![0u32; maps];
        let mut size = vec![u.partition_length; maps];
        if maps == 2 {
            free[1] = u32::MAX;
            size[1] = u32::MAX;
        }
        e::LogicalVolumeIntegrityDescriptor {
            recording_date_and_time: self.udf_time(self.options.timestamp.unix_seconds),
            // With a VAT the integrity descriptor is not updated by later sessions: it
            // stays Open and the VAT header carries the counts (UDF 2.60 2.2.6, 2.2.11).
            integrity_type: if u.virtual_.is_some() {
                e::integrity_type::OPEN
            } else {
                e::integrity_type::CLOSE
            },
            next_integrity_extent: ExtentAd::default(),
            unique_id: u.next_unique_id,
            free_space_table: free,
            size_table: size,
            implementation_use: e::LvidImplementationUse {
                implementation_id: self.implementation_identifier(),
                number_of_files: u.files,
                number_of_directories: u.directories,
                // UDF 2.60 adds only pseudo-overwrite features, which this volume does
                // not use: a 2.50 reader reads it (UDF 2.60 2.2.6.4).
                minimum_udf_read_revision: u.revision.min(0x250),
                minimum_udf_write_revision: u.revision,
                maximum_udf_write_revision: u.revision,
                implementation_use: Vec::new(),
            }
            .to_bytes(),
        }
    }

    /// The FIDs of directory `id`, whose first block is file-structure block `first`.
    fn directory_stream(&self, tree: &Tree, id: NodeId, first: u32, out: &mut Vec<u8>) {
        let u = self.udf();
        let base = out.len();
        let node = tree.node(id);
        let parent = if id == ROOT { ROOT } else { node.parent };
        let put = |out: &mut Vec<u8>, fid: e::FileIdentifierDescriptor| {
            let blk = first + ((out.len() - base) / SECTOR_SIZE) as u32;
            out.extend_from_slice(&fid.encode(self.udf_tag(blk)));
        };
        put(
            out,
            e::FileIdentifierDescriptor {
                file_version_number: 1,
                file_characteristics: file_characteristics::DIRECTORY
                    | file_characteristics::PARENT,
                icb: self.icb_ad(parent),
                implementation_use: Vec::new(),
                file_identifier: Vec::new(),
            },
        );
        for &c in node.children().into_iter().flat_map(|c| c.values()) {
            let dir = tree.node(c).is_dir();
            put(
                out,
                e::FileIdentifierDescriptor {
                    file_version_number: 1,
                    file_characteristics: if dir {
                        file_characteristics::DIRECTORY
                    } else {
                        0
                    },
                    icb: self.icb_ad(c),
                    implementation_use: Vec::new(),
                    file_identifier: u.names[c as usize].to_vec(),
                },
            );
        }
    }

    /// The FE (UDF < 2.00) or EFE of item `id`.
    fn file_entry(&self, tree: &Tree, id: NodeId) -> Result<Vec<u8>, ImageError> {
        let u = self.udf();
        let node = tree.node(id);
        let blk = u.icb[id as usize];
        let mode = node.mode();
        let mut flags = 0u16;
        if mode & 0o4000 != 0 {
            flags |= icb_flags::SETUID;
        }
        if mode & 0o2000 != 0 {
            flags |= icb_flags::SETGID;
        }
        if mode & 0o1000 != 0 {
            flags |= icb_flags::STICKY;
        }
        let mut ads = Vec::new();
        let mut eas = Vec::new();
        let mut blocks = 0u64;
        let (ty, len) = match &node.kind {
            NodeKind::Directory(_) => {
                let d = &u.dirs[u.dir_of[id as usize] as usize];
                blocks = d.stream_len.div_ceil(SECTOR_SIZE as u64);
                ShortAd {
                    extent_length: d.stream_len as u32,
                    extent_position: d.stream,
                }
                .encode(&mut ads);
                flags |= icb_flags::AD_SHORT;
                (file_type::DIRECTORY, d.stream_len)
            }
            NodeKind::File { source, size } => {
                let extents: Vec<(u32, u64)> = match source {
                    FileSource::Extent { lba, length } => vec![(*lba, *length)],
                    FileSource::Extents(list) => {
                        list.iter().map(|x| (x.lba, u64::from(x.length))).collect()
                    }
                    _ if *size > 0 => vec![(self.file_lba[id as usize], *size)],
                    _ => Vec::new(),
                };
                flags |= if u.data_long_ad() {
                    icb_flags::AD_LONG
                } else {
                    icb_flags::AD_SHORT
                };
                for (lba, length) in extents {
                    let mut done = 0u64;
                    while done < length {
                        let l = (length - done).min(u64::from(e::MAX_EXTENT_LENGTH));
                        let rel = lba - u.partition_start + (done / SECTOR_SIZE as u64) as u32;
                        blocks += l.div_ceil(SECTOR_SIZE as u64);
                        if u.data_long_ad() {
                            LongAd {
                                extent_length: l as u32,
                                extent_location: LbAddr {
                                    logical_block_number: rel,
                                    partition_reference_number: 0,
                                },
                                implementation_use: [0; 6],
                            }
                            .encode(&mut ads);
                        } else {
                            ShortAd {
                                extent_length: l as u32,
                                extent_position: rel,
                            }
                            .encode(&mut ads);
                        }
                        done += l;
                    }
                }
                (file_type::REGULAR, *size)
            }
            NodeKind::Symlink(target) => {
                ads = symlink_components(target);
                flags |= icb_flags::AD_IN_ICB;
                (file_type::SYMLINK, ads.len() as u64)
            }
            NodeKind::Special { mode, rdev } => {
                let ty = match mode & m::S_IFMT {
                    m::S_IFCHR => file_type::CHARACTER_DEVICE,
                    m::S_IFBLK => file_type::BLOCK_DEVICE,
                    m::S_IFIFO => file_type::FIFO,
                    _ => file_type::SOCKET,
                };
                if ty == file_type::CHARACTER_DEVICE || ty == file_type::BLOCK_DEVICE {
                    let (major, minor) = major_minor(*rdev);
                    let mut dev = Vec::new();
                    e::ExtendedAttribute::device_specification(major, minor).encode(&mut dev);
                    let end = 24 + dev.len() as u32;
                    eas = e::ExtendedAttributeHeaderDescriptor {
                        implementation_attributes_location: end,
                        application_attributes_location: end,
                    }
                    .encode(self.udf_tag(blk));
                    eas.extend_from_slice(&dev);
                }
                flags |= icb_flags::AD_SHORT;
                (ty, 0)
            }
        };
        let meta = node.meta;
        let entry = Entry {
            file_type: ty,
            flags,
            uid: meta.uid,
            gid: meta.gid,
            permissions: e::permissions::from_mode(mode & 0o777),
            links: u.links[id as usize].max(1),
            information_length: len,
            blocks,
            times: [
                self.udf_clamped(meta.modified),
                self.udf_clamped(meta.accessed),
                self.udf_clamped(meta.changed),
            ],
            unique_id: u64::from(u.unique_id[id as usize]),
            extended_attributes: eas,
            allocation_descriptors: ads,
        };
        Ok(self.entry_bytes(entry, blk))
    }

    pub(crate) fn entry_bytes(&self, f: Entry, blk: u32) -> Vec<u8> {
        let icb_tag = e::IcbTag {
            strategy_type: 4,
            maximum_number_of_entries: 1,
            file_type: f.file_type,
            flags: f.flags,
            ..Default::default()
        };
        let [mtime, atime, ctime] = f.times.map(|t| self.udf_time(t));
        let tag = self.udf_tag(blk);
        if self.udf().extended() {
            e::ExtendedFileEntry {
                icb_tag,
                uid: f.uid,
                gid: f.gid,
                permissions: f.permissions,
                file_link_count: f.links,
                information_length: f.information_length,
                object_size: f.information_length,
                logical_blocks_recorded: f.blocks,
                access_date_and_time: atime,
                modification_date_and_time: mtime,
                creation_date_and_time: mtime,
                attribute_date_and_time: ctime,
                checkpoint: 1,
                implementation_identifier: self.implementation_identifier(),
                unique_id: f.unique_id,
                extended_attributes: f.extended_attributes,
                allocation_descriptors: f.allocation_descriptors,
                ..Default::default()
            }
            .encode(tag)
        } else {
            e::FileEntry {
                icb_tag,
                uid: f.uid,
                gid: f.gid,
                permissions: f.permissions,
                file_link_count: f.links,
                information_length: f.information_length,
                logical_blocks_recorded: f.blocks,
                access_date_and_time: atime,
                modification_date_and_time: mtime,
                attribute_date_and_time: ctime,
                checkpoint: 1,
                implementation_identifier: self.implementation_identifier(),
                unique_id: f.unique_id,
                extended_attributes: f.extended_attributes,
                allocation_descriptors: f.allocation_descriptors,
                ..Default::default()
            }
            .encode(tag)
        }
    }
}

/// The fields of an FE or EFE that differ between items.
pub(crate) struct Entry {
    pub(crate) file_type: u8,
    pub(crate) flags: u16,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    pub(crate) permissions: u32,
    pub(crate) links: u16,
    pub(crate) information_length: u64,
    pub(crate) blocks: u64,
    /// Modification, access, attribute times.
    pub(crate) times: [i64; 3],
    pub(crate) unique_id: u64,
    pub(crate) extended_attributes: Vec<u8>,
    pub(crate) allocation_descriptors: Vec<u8>,
}
