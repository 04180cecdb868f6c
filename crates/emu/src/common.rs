//! Pieces of [`crate::EmulatedDrive`]: the completion builder with allocation-length
//! discipline, CDB checks and the replies that do not depend on the medium (INQUIRY, GET
//! EVENT STATUS NOTIFICATION, READ BUFFER CAPACITY).

use discburn_mmc::{Completion, Data, TransportError};

use crate::cdb::{be16, cdb_len_for, op, put16, put32};
use crate::sense::{Sense, SenseCode};

/// Why a command did not complete with GOOD.
#[derive(Debug)]
pub(crate) enum Fail {
    /// CHECK CONDITION with this sense.
    Sense(Sense),
    /// The transport itself failed.
    Transport(TransportError),
    /// A SCSI status other than CHECK CONDITION, without sense.
    Status(u8),
}

/// SCSI status RESERVATION CONFLICT (SAM-5): another handle is writing the disc.
pub(crate) const RESERVATION_CONFLICT: u8 = 0x18;

impl From<SenseCode> for Fail {
    fn from(code: SenseCode) -> Self {
        Fail::Sense(code.into())
    }
}

impl From<Sense> for Fail {
    fn from(s: Sense) -> Self {
        Fail::Sense(s)
    }
}

/// Data-in bytes of a completed command (empty when there is no data phase), already
/// cut to the allocation length.
pub(crate) type CmdResult = Result<Vec<u8>, Fail>;

/// Cuts a reply to the CDB's allocation length.
pub(crate) fn alloc(mut reply: Vec<u8>, allocation_length: usize) -> Vec<u8> {
    reply.truncate(allocation_length);
    reply
}

pub(crate) fn invalid_request(msg: String) -> Fail {
    Fail::Transport(TransportError::InvalidRequest(msg))
}

/// Checks the CDB length against its operation code group (SPC-4 4.2.5.1).
pub(crate) fn check_cdb(cdb: &[u8]) -> Result<(), TransportError> {
    if cdb.len() < 6 || cdb.len() > 16 {
        return Err(TransportError::InvalidRequest(format!(
            "CDB of {} bytes (6 to 16 allowed)",
            cdb.len()
        )));
    }
    if let Some(n) = cdb_len_for(cdb[0])
        && cdb.len() < n
    {
        return Err(TransportError::InvalidRequest(format!(
            "operation code {:02X}h needs a {n}-byte CDB, got {}",
            cdb[0],
            cdb.len()
        )));
    }
    Ok(())
}

/// Which data phase an operation code uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    In,
    Out,
    None,
}

pub(crate) fn phase_of(opcode: u8) -> Phase {
    match opcode {
        op::INQUIRY
        | op::REQUEST_SENSE
        | op::GET_CONFIGURATION
        | op::GET_EVENT_STATUS_NOTIFICATION
        | op::MODE_SENSE_10
        | op::READ_FORMAT_CAPACITIES
        | op::READ_CAPACITY
        | op::READ_10
        | op::READ_12
        | op::READ_TOC
        | op::READ_DISC_INFORMATION
        | op::READ_TRACK_INFORMATION
        | op::READ_BUFFER_CAPACITY
        | op::GET_PERFORMANCE
        | op::READ_DISC_STRUCTURE => Phase::In,
        op::WRITE_10
        | op::WRITE_12
        | op::MODE_SELECT_10
        | op::FORMAT_UNIT
        | op::SET_STREAMING
        | op::SEND_OPC_INFORMATION => Phase::Out,
        _ => Phase::None,
    }
}

/// Rejects a data phase in the wrong direction for the operation code.
pub(crate) fn check_direction(opcode: u8, data: &Data<'_>) -> Result<(), TransportError> {
    let ok = matches!(
        (phase_of(opcode), data),
        (_, Data::None)
            | (Phase::In, Data::In(_))
            | (Phase::Out, Data::Out(_))
            | (Phase::None, Data::In(_))
    );
    if ok {
        Ok(())
    } else {
        Err(TransportError::InvalidRequest(format!(
            "data phase {:?} does not fit operation code {:02X}h",
            data.direction(),
            opcode
        )))
    }
}

/// Turns a command result into a completion: data-in bytes are copied into the buffer
/// (never more than it holds) and the residual is what the buffer did not receive.
pub(crate) fn finish(mut data: Data<'_>, result: CmdResult) -> Result<Completion, TransportError> {
    match result {
        Ok(bytes) => Ok(Completion::good_with_data_in(&mut data, &bytes)),
        Err(Fail::Sense(s)) => {
            let mut c = Completion::check_condition(s.to_fixed());
            if let Data::In(buf) = data {
                c.residual = buf.len() as u32;
            }
            Ok(c)
        }
        Err(Fail::Transport(e)) => Err(e),
        Err(Fail::Status(status)) => {
            let mut c = Completion::good();
            c.status = status;
            c.residual = data.len() as u32;
            Ok(c)
        }
    }
}

/// Standard INQUIRY data (SPC-4 6.6.2) or VPD pages 00h / 80h.
pub(crate) fn inquiry(cdb: &[u8], product: &str, serial: &str) -> CmdResult {
    let evpd = cdb[1] & 1 != 0;
    let page = cdb[2];
    let allocation = usize::from(be16(cdb, 3));
    let reply = if !evpd {
        if page != 0 {
            return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
        }
        let mut b = vec![0u8; 36];
        b[0] = 0x05; // CD/DVD device
        b[1] = 0x80; // RMB
        b[2] = 0x05; // SPC-3
        b[3] = 0x02; // response data format 2
        b[4] = 31;
        b[8..16].copy_from_slice(b"DISCBURN");
        let mut p = [b' '; 16];
        let n = product.len().min(16);
        p[..n].copy_from_slice(&product.as_bytes()[..n]);
        b[16..32].copy_from_slice(&p);
        b[32..36].copy_from_slice(b"0.1 ");
        b
    } else {
        match page {
            0x00 => vec![0x05, 0x00, 0x00, 0x02, 0x00, 0x80],
            0x80 => {
                let mut b = vec![0x05, 0x80, 0x00, serial.len() as u8];
                b.extend_from_slice(serial.as_bytes());
                b
            }
            _ => return Err(SenseCode::INVALID_FIELD_IN_CDB.into()),
        }
    };
    Ok(alloc(reply, allocation))
}

/// GET EVENT STATUS NOTIFICATION, polled, media class only (MMC-6 6.7).
pub(crate) fn event_status(cdb: &[u8], present: bool, tray_open: bool, event: u8) -> CmdResult {
    if cdb[1] & 1 == 0 {
        return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
    }
    let allocation = usize::from(be16(cdb, 7));
    let reply = if cdb[4] & 0x10 != 0 {
        vec![
            0,
            6,
            0x04,
            0x10,
            event,
            (u8::from(present) << 1) | u8::from(tray_open),
            0,
            0,
        ]
    } else {
        vec![0, 2, 0x80, 0x10]
    };
    Ok(alloc(reply, allocation))
}

/// Size of the emulated drive buffer.
pub(crate) const BUFFER_BYTES: u32 = 4 << 20;

/// READ BUFFER CAPACITY (MMC-6 6.23): the buffer is always empty (writes go straight to
/// the medium).
pub(crate) fn read_buffer_capacity(cdb: &[u8]) -> CmdResult {
    let block = cdb[1] & 1 != 0;
    let allocation = usize::from(be16(cdb, 7));
    let mut b = vec![0u8; 12];
    put16(&mut b, 0, 10);
    if block {
        b[3] = 1;
        put32(&mut b, 8, BUFFER_BYTES / 2048);
    } else {
        put32(&mut b, 4, BUFFER_BYTES);
        put32(&mut b, 8, BUFFER_BYTES);
    }
    Ok(alloc(b, allocation))
}

/// GET PERFORMANCE (MMC-6 6.8) for types 00h (nominal performance) and 03h (write
/// speed descriptors).
pub(crate) fn get_performance(
    cdb: &[u8],
    last_lba: u32,
    read_kbps: u32,
    write_kbps: &[u32],
) -> CmdResult {
    let data_type = cdb[1];
    let max_descriptors = usize::from(be16(cdb, 8));
    let mut b = vec![0u8; 8];
    match cdb[10] {
        0x03 => {
            put32(&mut b, 0, 4 + 16 * write_kbps.len() as u32);
            for &w in write_kbps.iter().take(max_descriptors) {
                let mut d = [0u8; 16];
                d[4..8].copy_from_slice(&last_lba.to_be_bytes());
                d[8..12].copy_from_slice(&read_kbps.to_be_bytes());
                d[12..16].copy_from_slice(&w.to_be_bytes());
                b.extend_from_slice(&d);
            }
        }
        0x00 => {
            let write = data_type & 0x04 != 0;
            let except = data_type & 0x03;
            b[4] = (u8::from(write) << 1) | u8::from(except != 0);
            if except == 0 && max_descriptors > 0 {
                let speed = if write {
                    write_kbps.first().copied().unwrap_or(0)
                } else {
                    read_kbps
                };
                let mut d = [0u8; 16];
                d[4..8].copy_from_slice(&speed.to_be_bytes());
                d[8..12].copy_from_slice(&last_lba.to_be_bytes());
                d[12..16].copy_from_slice(&speed.to_be_bytes());
                b.extend_from_slice(&d);
            }
            let len = (b.len() - 4) as u32;
            put32(&mut b, 0, len);
        }
        _ => return Err(SenseCode::INVALID_FIELD_IN_CDB.into()),
    }
    Ok(b)
}

/// Mode parameter header (10) followed by `pages` (MODE SENSE(10), SPC-4 7.5.5).
pub(crate) fn mode_sense_reply(pages: &[u8], allocation_length: usize) -> Vec<u8> {
    let mut b = vec![0u8; 8];
    b.extend_from_slice(pages);
    let len = (b.len() - 2) as u16;
    put16(&mut b, 0, len);
    alloc(b, allocation_length)
}
