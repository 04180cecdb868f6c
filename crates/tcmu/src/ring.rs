//! The command ring (`Documentation/target/tcmu-design.rst`, "The Command Ring"): every
//! entry between `cmd_tail` and `cmd_head` is answered in order by one
//! [`Transport::execute`] call, its status and sense written over the request, and
//! `cmd_tail` advanced past it.

use std::sync::atomic::Ordering;
use std::time::Duration;

use discburn_mmc::{Completion, Data, DataDirection, Transport};
use zerocopy::{FromBytes, FromZeros};

use crate::abi::{self, EntryHdr, Iovec, Mailbox, Req, Rsp};
use crate::region::{OutOfRegion, Region};

/// Sense of a command the transport could not carry out (SPC-4: 4/44/00 INTERNAL
/// TARGET FAILURE), in fixed format.
const INTERNAL_TARGET_FAILURE: [u8; 18] = [
    0x70, 0, 0x04, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x44, 0x00, 0, 0, 0, 0,
];
/// Sense of a bidirectional or protection-information command, which no MMC command
/// is (5/24/00 INVALID FIELD IN CDB).
const INVALID_FIELD_IN_CDB: [u8; 18] = [
    0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x24, 0x00, 0, 0, 0, 0,
];
/// Time allowed for one command (the kernel's own `cmd_time_out` is 30 s).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// A ring the handler cannot follow: the mailbox or an entry points outside the region.
#[derive(Debug, thiserror::Error)]
pub enum RingError {
    /// The mailbox is of a version this handler does not know.
    #[error(
        "TCMU mailbox version {found}, this handler speaks version {}",
        abi::MAILBOX_VERSION
    )]
    Version {
        /// `mailbox.version`.
        found: u16,
    },
    /// An offset in the mailbox or an entry lies outside the region.
    #[error("TCMU ring entry at ring offset {tail}: {source}")]
    Bounds {
        /// `cmd_tail` of the entry.
        tail: u32,
        /// The offending access.
        source: OutOfRegion,
    },
    /// An entry length of zero or not a multiple of 8 would loop forever.
    #[error("TCMU ring entry at ring offset {tail} has length {len} (ring of {size} bytes)")]
    EntryLength {
        /// `cmd_tail` of the entry.
        tail: u32,
        /// `len_op` without the opcode.
        len: u32,
        /// `cmdr_size`.
        size: u32,
    },
}

/// The mailbox, checked.
pub fn mailbox(region: &Region<'_>) -> Result<Mailbox, RingError> {
    let mut b = [0u8; size_of::<Mailbox>()];
    region
        .read(0, &mut b)
        .map_err(|source| RingError::Bounds { tail: 0, source })?;
    let mb = Mailbox::read_from_bytes(&b).expect("exact size");
    if mb.version.get() != abi::MAILBOX_VERSION {
        return Err(RingError::Version {
            found: mb.version.get(),
        });
    }
    Ok(mb)
}

/// What one pass over the ring did.
#[derive(Debug, Default)]
pub struct Processed {
    /// Entries consumed (CMD, PAD and unknown); when non-zero the caller tells the
    /// kernel with a 4-byte write to the uio device.
    pub entries: usize,
    /// Transport failures, each answered with CHECK CONDITION 4/44/00: "opcode XXh: why".
    pub failures: Vec<String>,
}

/// Answers every entry the kernel has queued.
///
/// # Errors
/// [`RingError`] when the ring itself is corrupt; a command that fails is answered with
/// CHECK CONDITION instead.
pub fn process<T: Transport + ?Sized>(
    region: &Region<'_>,
    transport: &mut T,
) -> Result<Processed, RingError> {
    let mb = mailbox(region)?;
    let cmdr_off = u64::from(mb.cmdr_off.get());
    let size = mb.cmdr_size.get();
    let read_len_cap = mb.flags.get() & abi::CAP_READ_LEN != 0;
    let mut done = Processed::default();
    loop {
        let bounds = |tail, source| RingError::Bounds { tail, source };
        let head = region
            .load_u32(12, Ordering::Acquire)
            .map_err(|e| bounds(0, e))?;
        let tail = region
            .load_u32(abi::CMD_TAIL_OFFSET, Ordering::Acquire)
            .map_err(|e| bounds(0, e))?;
        if head == tail {
            return Ok(done);
        }
        let entry = cmdr_off + u64::from(tail);
        let mut hb = [0u8; size_of::<EntryHdr>()];
        region.read(entry, &mut hb).map_err(|e| bounds(tail, e))?;
        let mut hdr = EntryHdr::read_from_bytes(&hb).expect("exact size");
        let len_op = hdr.len_op.get();
        let len = len_op & !abi::OP_MASK;
        if len == 0 || len > size {
            return Err(RingError::EntryLength { tail, len, size });
        }
        match len_op & abi::OP_MASK {
            abi::OP_PAD => {}
            abi::OP_CMD => {
                if let Some(f) =
                    command(region, entry, read_len_cap, transport).map_err(|e| bounds(tail, e))?
                {
                    done.failures.push(f);
                }
            }
            _ => {
                hdr.uflags |= abi::UFLAG_UNKNOWN_OP;
                region
                    .write(entry + 7, &[hdr.uflags])
                    .map_err(|e| bounds(tail, e))?;
            }
        }
        region
            .store_u32(abi::CMD_TAIL_OFFSET, (tail + len) % size, Ordering::Release)
            .map_err(|e| bounds(tail, e))?;
        done.entries += 1;
    }
}

/// CDB length from the operation code's group (SPC-4 4.2.5.1); vendor groups 6 and 7
/// are taken as 10 bytes, the variable-length group 3 as 16.
pub fn cdb_len(opcode: u8) -> usize {
    match opcode >> 5 {
        0 => 6,
        1 | 2 | 6 | 7 => 10,
        5 => 12,
        _ => 16,
    }
}

/// MODE SENSE(6) (SPC-4 6.11).
const MODE_SENSE_6: u8 = 0x1A;

/// MODE SENSE(6) answered with MODE SENSE(10) (SPC-4 6.12), as an ATAPI interconnect
/// does: MMC devices implement only the 10-byte mode commands (MMC-6 7.1, Table 651:
/// MODE SENSE(10)/MODE SELECT(10)), which Linux sends to ATAPI and USB drives, but to a
/// SCSI LUN such as tcm_loop's it sends the 6-byte form (sr `get_capabilities`, page
/// 2Ah). The 8-byte mode parameter header(10) becomes the 4-byte header(6)
/// (SPC-4 7.5.5); block descriptors and pages follow unchanged.
fn mode_sense_6<T: Transport + ?Sized>(
    transport: &mut T,
    cdb: &[u8],
    buf: &mut [u8],
) -> Result<Completion, discburn_mmc::TransportError> {
    let alloc6 = usize::from(cdb[4]);
    let alloc10 = alloc6 + 4;
    let cdb10 = [
        0x5A,
        cdb[1] & 0x08,
        cdb[2],
        cdb[3],
        0,
        0,
        0,
        (alloc10 >> 8) as u8,
        alloc10 as u8,
        cdb[5],
    ];
    let mut reply = vec![0u8; alloc10];
    let mut c = transport.execute(&cdb10, Data::In(&mut reply), COMMAND_TIMEOUT)?;
    let want = buf.len();
    if !c.is_good() {
        c.residual = want as u32;
        return Ok(c);
    }
    let got = alloc10.saturating_sub(c.residual as usize);
    if got < 8 {
        c.residual = want as u32;
        return Ok(c);
    }
    let data_len = usize::from(u16::from_be_bytes([reply[0], reply[1]]));
    let mut six = vec![
        data_len.saturating_sub(3).min(255) as u8,
        reply[2],
        reply[3],
        reply[7],
    ];
    six.extend_from_slice(&reply[8..got]);
    let n = six.len().min(want);
    buf[..n].copy_from_slice(&six[..n]);
    c.residual = (want - n) as u32;
    Ok(c)
}

fn data(direction: DataDirection, buf: &mut [u8]) -> Data<'_> {
    match direction {
        DataDirection::None => Data::None,
        DataDirection::FromDevice => Data::In(buf),
        DataDirection::ToDevice => Data::Out(buf),
    }
}

/// Executes `cdb`; a READ(10)/(12) or WRITE(10)/(12) whose transfer exceeds the
/// transport's [`Transport::max_transfer`] is sent as consecutive commands of at most
/// that many bytes (as an HBA with a smaller limit would make the initiator do),
/// stopping at the first that does not end GOOD; its completion is returned with the
/// residual of the whole transfer.
fn execute_split<T: Transport + ?Sized>(
    transport: &mut T,
    cdb: &[u8],
    direction: DataDirection,
    buf: &mut [u8],
) -> Result<Completion, discburn_mmc::TransportError> {
    let max = transport.max_transfer();
    let twelve = matches!(cdb[0], 0xA8 | 0xAA);
    let splittable = matches!(cdb[0], 0x28 | 0x2A | 0xA8 | 0xAA)
        && cdb.len() >= if twelve { 12 } else { 10 }
        && buf.len() > max;
    if !splittable {
        return transport.execute(cdb, data(direction, buf), COMMAND_TIMEOUT);
    }
    let blocks = if twelve {
        u32::from_be_bytes([cdb[6], cdb[7], cdb[8], cdb[9]])
    } else {
        u32::from(u16::from_be_bytes([cdb[7], cdb[8]]))
    };
    if blocks == 0 || !buf.len().is_multiple_of(blocks as usize) {
        return transport.execute(cdb, data(direction, buf), COMMAND_TIMEOUT);
    }
    let block = buf.len() / blocks as usize;
    let per = (max / block).max(1) as u32;
    let lba = u32::from_be_bytes([cdb[2], cdb[3], cdb[4], cdb[5]]);
    let mut done = 0u32;
    let mut last = Completion::good();
    while done < blocks {
        let n = per.min(blocks - done);
        let mut sub = cdb.to_vec();
        sub[2..6].copy_from_slice(&lba.wrapping_add(done).to_be_bytes());
        if twelve {
            sub[6..10].copy_from_slice(&n.to_be_bytes());
        } else {
            sub[7..9].copy_from_slice(&(n as u16).to_be_bytes());
        }
        let range = done as usize * block..(done + n) as usize * block;
        last = transport.execute(&sub, data(direction, &mut buf[range]), COMMAND_TIMEOUT)?;
        if !last.is_good() {
            last.residual += (blocks - done - n) * block as u32;
            return Ok(last);
        }
        done += n;
    }
    Ok(last)
}

/// Answers one CMD entry at region offset `entry`; `Some` describes a transport failure.
fn command<T: Transport + ?Sized>(
    region: &Region<'_>,
    entry: u64,
    read_len_cap: bool,
    transport: &mut T,
) -> Result<Option<String>, OutOfRegion> {
    let mut rb = [0u8; size_of::<Req>()];
    region.read(entry + abi::BODY_OFFSET as u64, &mut rb)?;
    let req = Req::read_from_bytes(&rb).expect("exact size");
    let mut opcode = [0u8];
    region.read(req.cdb_off.get(), &mut opcode)?;
    let mut cdb = vec![0u8; cdb_len(opcode[0])];
    region.read(req.cdb_off.get(), &mut cdb)?;

    let iov_cnt = req.iov_cnt.get() as usize;
    let mut iovs = Vec::with_capacity(iov_cnt.min(4096));
    for i in 0..iov_cnt {
        let mut ib = [0u8; size_of::<Iovec>()];
        region.read(
            entry + (abi::IOV_OFFSET + i * size_of::<Iovec>()) as u64,
            &mut ib,
        )?;
        let iov = Iovec::read_from_bytes(&ib).expect("exact size");
        // each buffer must lie inside the region before anything is copied
        let end = iov.base.get().checked_add(iov.len.get());
        if end.is_none_or(|e| e > region.size() as u64) {
            return Err(OutOfRegion {
                offset: iov.base.get(),
                len: iov.len.get(),
                size: region.size(),
            });
        }
        iovs.push((iov.base.get(), iov.len.get() as usize));
    }
    let total: usize = iovs.iter().map(|&(_, l)| l).sum();

    let mut rsp = Rsp::new_zeroed();
    let mut uflags_read_len = None;
    let mut failure = None;
    if req.iov_bidi_cnt.get() != 0 || req.iov_dif_cnt.get() != 0 {
        rsp.scsi_status = Completion::CHECK_CONDITION;
        rsp.sense_buffer[..18].copy_from_slice(&INVALID_FIELD_IN_CDB);
    } else {
        let direction = if total == 0 {
            DataDirection::None
        } else {
            match discburn_mmc::cdb::data_direction(cdb[0]) {
                DataDirection::ToDevice => DataDirection::ToDevice,
                // an operation code the table does not list but the initiator gave a
                // buffer for: a data-in command the transport answers or rejects
                _ => DataDirection::FromDevice,
            }
        };
        let mut buf = vec![0u8; total];
        if direction == DataDirection::ToDevice {
            let mut at = 0;
            for &(base, len) in &iovs {
                region.read(base, &mut buf[at..at + len])?;
                at += len;
            }
        }
        let result = if cdb[0] == MODE_SENSE_6 && cdb.len() >= 6 {
            mode_sense_6(transport, &cdb, &mut buf)
        } else {
            execute_split(transport, &cdb, direction, &mut buf)
        };
        match result {
            Ok(c) => {
                rsp.scsi_status = c.status;
                let n = c.sense.len().min(abi::SENSE_BUFFERSIZE);
                rsp.sense_buffer[..n].copy_from_slice(&c.sense[..n]);
                if direction == DataDirection::FromDevice {
                    let returned = total.saturating_sub(c.residual as usize);
                    if read_len_cap && returned > 0 && returned < total {
                        uflags_read_len = Some(returned as u32);
                    }
                    let mut at = 0;
                    for &(base, len) in &iovs {
                        region.write(base, &buf[at..at + len])?;
                        at += len;
                    }
                }
            }
            Err(e) => {
                failure = Some(format!("operation code {:02X}h: {e}", cdb[0]));
                rsp.scsi_status = Completion::CHECK_CONDITION;
                rsp.sense_buffer[..18].copy_from_slice(&INTERNAL_TARGET_FAILURE);
            }
        }
    }
    if let Some(n) = uflags_read_len {
        rsp.read_len = n.into();
        let mut uflags = [0u8];
        region.read(entry + 7, &mut uflags)?;
        region.write(entry + 7, &[uflags[0] | abi::UFLAG_READ_LEN])?;
    }
    region.write(
        entry + abi::BODY_OFFSET as u64,
        zerocopy::IntoBytes::as_bytes(&rsp),
    )?;
    Ok(failure)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU32;

    use super::*;

    /// A region as the kernel lays it out: mailbox, ring at 128, data area at 4096.
    fn region_words() -> Vec<AtomicU32> {
        (0..(1 << 20) / 4).map(|_| AtomicU32::new(0)).collect()
    }

    fn put_cmd(r: &Region<'_>, at: u32, cdb: &[u8], data_off: u64, data_len: u64) -> u32 {
        let entry = 128 + u64::from(at);
        let len = 128u32; // 112-byte entry + one iovec, rounded to 8
        r.write(entry, &(len | abi::OP_CMD).to_le_bytes()).unwrap();
        r.write(entry + 8, &u32::from(data_len > 0).to_le_bytes())
            .unwrap();
        let cdb_off = 2048 + u64::from(at);
        r.write(entry + 24, &cdb_off.to_le_bytes()).unwrap();
        r.write(entry + 48, &data_off.to_le_bytes()).unwrap();
        r.write(entry + 56, &data_len.to_le_bytes()).unwrap();
        r.write(cdb_off, cdb).unwrap();
        at + len
    }

    #[test]
    fn inquiry_pad_and_unit_attention_through_the_ring() {
        let t = tempfile::tempdir().unwrap();
        let disc = t.path().join("cd.img");
        discburn_emu::create_disc(&disc, discburn_emu::MediaType::CdR, None).unwrap();
        let mut drive = discburn_emu::EmulatedDrive::open(&disc).unwrap();
        let words = region_words();
        let r = Region::new(&words);
        r.write(0, &abi::MAILBOX_VERSION.to_le_bytes()).unwrap();
        r.write(2, &abi::CAP_READ_LEN.to_le_bytes()).unwrap();
        r.write(4, &128u32.to_le_bytes()).unwrap();
        r.write(8, &1024u32.to_le_bytes()).unwrap();
        // INQUIRY for 96 bytes (the drive returns 36), then a PAD, then an unknown op
        let mut head = put_cmd(&r, 0, &[0x12, 0, 0, 0, 96, 0], 4096, 96);
        r.write(128 + u64::from(head), &(16u32 | abi::OP_PAD).to_le_bytes())
            .unwrap();
        head += 16;
        let unknown = head;
        r.write(128 + u64::from(head), &(16u32 | 5).to_le_bytes())
            .unwrap();
        head += 16;
        // READ(10) of a blank CD-R: CHECK CONDITION with sense through the ring
        head = put_cmd(&r, head, &[0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0], 8192, 2048);
        r.store_u32(12, head, Ordering::Release).unwrap();

        let done = process(&r, &mut drive).unwrap();
        assert_eq!(done.entries, 4);
        assert!(done.failures.is_empty(), "{:?}", done.failures);
        assert_eq!(
            r.load_u32(abi::CMD_TAIL_OFFSET, Ordering::Acquire),
            Ok(head)
        );
        let mut b = [0u8; 36];
        r.read(4096, &mut b).unwrap();
        assert_eq!(b[0], 0x05, "peripheral device type 05h (MMC)");
        assert_eq!(&b[8..16], b"DISCBURN");
        let mut rsp = [0u8; 8];
        r.read(128, &mut rsp).unwrap();
        assert_eq!(rsp[7] & abi::UFLAG_READ_LEN, abi::UFLAG_READ_LEN);
        let mut status = [0u8; 8];
        r.read(128 + 8, &mut status).unwrap();
        assert_eq!(status[0], 0, "GOOD");
        assert_eq!(u32::from_le_bytes(status[4..8].try_into().unwrap()), 36);
        let mut uf = [0u8];
        r.read(128 + u64::from(unknown) + 7, &mut uf).unwrap();
        assert_eq!(uf[0], abi::UFLAG_UNKNOWN_OP);
        let read_entry = 128 + u64::from(head) - 128;
        let mut rs = [0u8; 24];
        r.read(read_entry + 8, &mut rs).unwrap();
        assert_eq!(rs[0], Completion::CHECK_CONDITION);
        assert_eq!(rs[8] & 0x7F, 0x70, "fixed-format sense in sense_buffer");
        assert_ne!(rs[8 + 2] & 0x0F, 0, "a sense key");
    }

    #[test]
    fn mode_sense_6_is_answered_with_mode_sense_10() {
        let t = tempfile::tempdir().unwrap();
        let disc = t.path().join("cd.img");
        discburn_emu::create_disc(&disc, discburn_emu::MediaType::CdR, None).unwrap();
        let mut drive = discburn_emu::EmulatedDrive::open(&disc).unwrap();
        let mut ten = vec![0u8; 132];
        let c10 = drive
            .execute(
                &[0x5A, 0, 0x2A, 0, 0, 0, 0, 0, 132, 0],
                Data::In(&mut ten),
                COMMAND_TIMEOUT,
            )
            .unwrap();
        assert!(c10.is_good());
        let mut six = vec![0u8; 128];
        let c6 = mode_sense_6(&mut drive, &[0x1A, 0, 0x2A, 0, 128, 0], &mut six).unwrap();
        assert!(c6.is_good());
        let len10 = usize::from(u16::from_be_bytes([ten[0], ten[1]]));
        assert_eq!(
            usize::from(six[0]),
            len10 - 3,
            "mode data length: 4 header bytes fewer, a 1-byte instead of a 2-byte field"
        );
        assert_eq!(six[3], ten[7], "block descriptor length");
        assert_eq!(six[4] & 0x3F, 0x2A, "page 2Ah follows the 4-byte header");
        let page_len = usize::from(six[5]) + 2;
        assert_eq!(&six[4..4 + page_len], &ten[8..8 + page_len]);
        assert_eq!(c6.residual as usize, 128 - (usize::from(six[0]) + 1));
    }
}
