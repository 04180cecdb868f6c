//! Transport wrappers: [`Recording`] writes a JSON-lines transcript of every command
//! (for bug reports and regression tests); [`Faulty`] injects sense data, short
//! transfers or transport failures at chosen commands (to test error paths).

use std::io::Write;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::cdb::opcode_name;
use crate::sense::Sense;
use crate::transport::{Completion, Data, DataDirection, Transport, TransportError};

/// One transcript line (JSON object). Byte strings are lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptRecord {
    /// 1-based command number.
    pub seq: u64,
    /// The CDB.
    pub cdb: String,
    /// Command name from the operation code.
    pub command: String,
    /// "none", "out" or "in".
    pub direction: String,
    /// Transfer length in bytes (allocation or data-out length).
    pub transfer_length: usize,
    /// Timeout passed to the transport (ms).
    pub timeout_ms: u64,
    /// Data-out bytes when at most [`Recording::data_out_limit`] bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_out: Option<String>,
    /// SHA-256 of the data-out bytes when longer than the limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_out_sha256: Option<String>,
    /// Data-in bytes actually transferred, when at most [`Recording::data_in_limit`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_in: Option<String>,
    /// SHA-256 of the data-in bytes transferred when longer than the limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_in_sha256: Option<String>,
    /// SCSI status (absent on transport failure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u8>,
    /// Sense bytes (absent when none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sense: Option<String>,
    /// Decoded sense ("5/21/02 ILLEGAL REQUEST: INVALID ADDRESS FOR WRITE").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sense_text: Option<String>,
    /// Residual byte count.
    #[serde(default)]
    pub residual: u32,
    /// Duration the transport measured (µs).
    #[serde(default)]
    pub duration_us: u64,
    /// Transport failure text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport_error: Option<String>,
}

/// Lowercase hex of `b`.
pub fn hex(b: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// Bytes of a hex string, or `None` when malformed.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn sha256_hex(b: &[u8]) -> String {
    hex(&Sha256::digest(b))
}

/// A transport that writes a transcript line per command to `W` and passes every
/// command through to `T` unchanged.
///
/// Writing the transcript never fails a command: the first I/O error is kept and
/// returned by [`Recording::take_write_error`], and recording stops after it.
#[derive(Debug)]
pub struct Recording<T, W: Write> {
    inner: T,
    out: W,
    seq: u64,
    /// Data-out payloads up to this many bytes are written in full (default 64);
    /// longer ones as a SHA-256.
    pub data_out_limit: usize,
    /// Data-in payloads up to this many bytes are written in full (default 65536).
    pub data_in_limit: usize,
    write_error: Option<std::io::Error>,
}

impl<T: Transport, W: Write> Recording<T, W> {
    /// Wraps `inner`, writing to `out`.
    pub fn new(inner: T, out: W) -> Self {
        Recording {
            inner,
            out,
            seq: 0,
            data_out_limit: 64,
            data_in_limit: 65536,
            write_error: None,
        }
    }

    /// The wrapped transport.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The wrapped transport, mutably.
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Returns the transport and the writer.
    pub fn into_parts(self) -> (T, W) {
        (self.inner, self.out)
    }

    /// The first error met writing the transcript, if any.
    pub fn take_write_error(&mut self) -> Option<std::io::Error> {
        self.write_error.take()
    }

    fn emit(&mut self, rec: &TranscriptRecord) {
        if self.write_error.is_some() {
            return;
        }
        let r = serde_json::to_writer(&mut self.out, rec)
            .map_err(std::io::Error::from)
            .and_then(|_| self.out.write_all(b"\n"))
            .and_then(|_| self.out.flush());
        if let Err(e) = r {
            self.write_error = Some(e);
        }
    }
}

impl<T: Transport, W: Write> Transport for Recording<T, W> {
    fn execute(
        &mut self,
        cdb: &[u8],
        mut data: Data<'_>,
        timeout: Duration,
    ) -> Result<Completion, TransportError> {
        self.seq += 1;
        let direction = data.direction();
        let transfer_length = data.len();
        let mut rec = TranscriptRecord {
            seq: self.seq,
            cdb: hex(cdb),
            command: opcode_name(cdb.first().copied().unwrap_or(0)).to_string(),
            direction: match direction {
                DataDirection::None => "none",
                DataDirection::ToDevice => "out",
                DataDirection::FromDevice => "in",
            }
            .to_string(),
            transfer_length,
            timeout_ms: timeout.as_millis() as u64,
            data_out: None,
            data_out_sha256: None,
            data_in: None,
            data_in_sha256: None,
            status: None,
            sense: None,
            sense_text: None,
            residual: 0,
            duration_us: 0,
            transport_error: None,
        };
        if let Data::Out(b) = &data {
            if b.len() <= self.data_out_limit {
                rec.data_out = Some(hex(b));
            } else {
                rec.data_out_sha256 = Some(sha256_hex(b));
            }
        }
        let result = match &mut data {
            Data::In(b) => self.inner.execute(cdb, Data::In(b), timeout),
            Data::Out(b) => self.inner.execute(cdb, Data::Out(b), timeout),
            Data::None => self.inner.execute(cdb, Data::None, timeout),
        };
        match &result {
            Ok(c) => {
                rec.status = Some(c.status);
                rec.residual = c.residual;
                rec.duration_us = c.duration.as_micros() as u64;
                if !c.sense.is_empty() {
                    rec.sense = Some(hex(&c.sense));
                    rec.sense_text = Sense::parse(&c.sense).ok().map(|s| s.to_string());
                }
                if let Data::In(b) = &data {
                    let got = &b[..b.len().saturating_sub(c.residual as usize)];
                    if got.len() <= self.data_in_limit {
                        rec.data_in = Some(hex(got));
                    } else {
                        rec.data_in_sha256 = Some(sha256_hex(got));
                    }
                }
            }
            Err(e) => rec.transport_error = Some(e.to_string()),
        }
        self.emit(&rec);
        result
    }

    fn max_transfer(&self) -> usize {
        self.inner.max_transfer()
    }

    fn device_name(&self) -> String {
        self.inner.device_name()
    }
}

/// A transport that answers from a transcript written by [`Recording`]: each command
/// must match the next record's CDB (and data-out bytes or digest); the answer is the
/// recorded status, sense, residual and data-in bytes. Turns a real-drive session into
/// a test that needs no drive.
#[derive(Debug)]
pub struct Replay {
    records: Vec<TranscriptRecord>,
    next: usize,
    max_transfer: usize,
    name: String,
}

impl Replay {
    /// Reads JSON lines (blank lines skipped).
    ///
    /// # Errors
    /// A message naming the line that does not parse.
    pub fn from_jsonl(text: &str) -> Result<Replay, String> {
        let mut records = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let r: TranscriptRecord = serde_json::from_str(line)
                .map_err(|e| format!("transcript line {}: {e}", i + 1))?;
            records.push(r);
        }
        Ok(Replay {
            records,
            next: 0,
            max_transfer: 65536,
            name: "replay".into(),
        })
    }

    /// Sets the maximum transfer reported (the recording drive's).
    pub fn with_max_transfer(mut self, bytes: usize) -> Replay {
        self.max_transfer = bytes;
        self
    }

    /// Records not yet replayed.
    pub fn remaining(&self) -> usize {
        self.records.len() - self.next
    }

    fn mismatch(&self, what: String) -> TransportError {
        TransportError::InvalidRequest(format!("replay record {}: {what}", self.next + 1))
    }
}

impl Transport for Replay {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
        _timeout: Duration,
    ) -> Result<Completion, TransportError> {
        let Some(rec) = self.records.get(self.next).cloned() else {
            return Err(self.mismatch(format!("transcript exhausted at CDB {}", hex(cdb))));
        };
        if rec.cdb != hex(cdb) {
            return Err(self.mismatch(format!("expected CDB {}, got {}", rec.cdb, hex(cdb))));
        }
        if let Data::Out(b) = &data {
            let ok = match (&rec.data_out, &rec.data_out_sha256) {
                (Some(h), _) => *h == hex(b),
                (None, Some(d)) => *d == sha256_hex(b),
                (None, None) => false,
            };
            if !ok {
                return Err(self.mismatch("data-out bytes differ".into()));
            }
        }
        if let Some(e) = &rec.transport_error {
            self.next += 1;
            return Err(TransportError::DeviceLost {
                device: self.name.clone(),
                reason: format!("recorded transport error: {e}"),
            });
        }
        let mut c = Completion {
            status: rec.status.unwrap_or(0),
            sense: rec.sense.as_deref().and_then(unhex).unwrap_or_default(),
            residual: rec.residual,
            duration: Duration::from_micros(rec.duration_us),
        };
        if let Data::In(buf) = data {
            let bytes = match &rec.data_in {
                Some(h) => unhex(h).ok_or_else(|| self.mismatch("bad data_in hex".into()))?,
                None if rec.data_in_sha256.is_some() => {
                    return Err(self.mismatch("data-in recorded as a digest only".into()));
                }
                None => Vec::new(),
            };
            let n = bytes.len().min(buf.len());
            buf[..n].copy_from_slice(&bytes[..n]);
            c.residual = (buf.len() - n) as u32;
        }
        self.next += 1;
        Ok(c)
    }

    fn max_transfer(&self) -> usize {
        self.max_transfer
    }

    fn device_name(&self) -> String {
        self.name.clone()
    }
}

/// When a [`Fault`] fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultWhen {
    /// At the n-th command through the wrapper (1-based).
    Command(u64),
    /// At the n-th command (1-based) with this operation code.
    Opcode {
        /// Operation code.
        opcode: u8,
        /// Which occurrence.
        nth: u64,
    },
    /// At every k-th command with this operation code (k ≥ 1).
    EveryNth {
        /// Operation code.
        opcode: u8,
        /// Period.
        k: u64,
    },
}

/// What a [`Fault`] does.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultEffect {
    /// The command is not passed on; the answer is CHECK CONDITION with this sense.
    Sense(Sense),
    /// The command is passed on; the answer reports this many bytes not transferred.
    ShortTransfer(u32),
    /// The command is not passed on; the transport fails ("device lost").
    TransportFailure,
}

/// One injected fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// When.
    pub when: FaultWhen,
    /// What.
    pub effect: FaultEffect,
}

impl Fault {
    /// CHECK CONDITION with `sense` at the `n`-th command.
    pub fn sense_at(n: u64, sense: Sense) -> Fault {
        Fault {
            when: FaultWhen::Command(n),
            effect: FaultEffect::Sense(sense),
        }
    }
}

/// A transport that injects [`Fault`]s into the commands passing to `T`.
#[derive(Debug)]
pub struct Faulty<T> {
    inner: T,
    faults: Vec<Fault>,
    count: u64,
    per_opcode: [u64; 256],
}

impl<T: Transport> Faulty<T> {
    /// Wraps `inner` with no faults.
    pub fn new(inner: T) -> Self {
        Faulty {
            inner,
            faults: Vec::new(),
            count: 0,
            per_opcode: [0; 256],
        }
    }

    /// Adds a fault.
    pub fn inject(&mut self, f: Fault) -> &mut Self {
        self.faults.push(f);
        self
    }

    /// The wrapped transport.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The wrapped transport, mutably.
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Number of commands seen.
    pub fn commands(&self) -> u64 {
        self.count
    }
}

impl<T: Transport> Transport for Faulty<T> {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
        timeout: Duration,
    ) -> Result<Completion, TransportError> {
        self.count += 1;
        let opcode = cdb.first().copied().unwrap_or(0);
        self.per_opcode[opcode as usize] += 1;
        let nth_op = self.per_opcode[opcode as usize];
        let fired = self.faults.iter().find(|f| match f.when {
            FaultWhen::Command(n) => n == self.count,
            FaultWhen::Opcode { opcode: o, nth } => o == opcode && nth == nth_op,
            FaultWhen::EveryNth { opcode: o, k } => {
                o == opcode && k > 0 && nth_op.is_multiple_of(k)
            }
        });
        match fired.map(|f| f.effect.clone()) {
            Some(FaultEffect::Sense(s)) => Ok(Completion::check_condition(s.to_fixed().to_vec())),
            Some(FaultEffect::TransportFailure) => Err(TransportError::DeviceLost {
                device: self.inner.device_name(),
                reason: "injected fault".into(),
            }),
            Some(FaultEffect::ShortTransfer(n)) => {
                let len = data.len() as u32;
                let mut c = self.inner.execute(cdb, data, timeout)?;
                c.residual = c.residual.max(n.min(len));
                Ok(c)
            }
            None => self.inner.execute(cdb, data, timeout),
        }
    }

    fn max_transfer(&self) -> usize {
        self.inner.max_transfer()
    }

    fn device_name(&self) -> String {
        self.inner.device_name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cdb;
    use crate::drive::{Drive, NoSleep};

    /// Answers INQUIRY with fixed bytes, everything else GOOD.
    #[derive(Debug)]
    struct Echo;

    impl Transport for Echo {
        fn execute(
            &mut self,
            cdb: &[u8],
            data: Data<'_>,
            _t: Duration,
        ) -> Result<Completion, TransportError> {
            let mut c = Completion::good();
            c.duration = Duration::from_micros(250);
            if let Data::In(b) = data {
                for (i, x) in b.iter_mut().enumerate() {
                    *x = i as u8 ^ cdb[0];
                }
                c.residual = (b.len() / 2) as u32;
            }
            Ok(c)
        }
        fn max_transfer(&self) -> usize {
            65536
        }
        fn device_name(&self) -> String {
            "echo".into()
        }
    }

    #[test]
    fn transcript_lines() {
        let mut out = Vec::new();
        {
            let mut r = Recording::new(Faulty::new(Echo), &mut out);
            r.inner_mut()
                .inject(Fault::sense_at(3, Sense::INVALID_ADDRESS_FOR_WRITE));
            let mut buf = [0u8; 8];
            r.execute(
                cdb::inquiry(8).as_bytes(),
                Data::In(&mut buf),
                Duration::from_secs(30),
            )
            .unwrap();
            let big = vec![7u8; 4096];
            r.execute(
                cdb::write10(0, 2).as_bytes(),
                Data::Out(&big),
                Duration::from_secs(200),
            )
            .unwrap();
            let c = r
                .execute(
                    cdb::write10(2, 1).as_bytes(),
                    Data::Out(&[1, 2, 3]),
                    Duration::from_secs(200),
                )
                .unwrap();
            assert_eq!(c.status, 2);
            assert!(r.take_write_error().is_none());
        }
        let text = String::from_utf8(out).unwrap();
        let recs: Vec<TranscriptRecord> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[0].cdb, "120000000800");
        assert_eq!(recs[0].command, "INQUIRY");
        assert_eq!(recs[0].direction, "in");
        assert_eq!(recs[0].data_in.as_deref(), Some("12131011"));
        assert_eq!(recs[0].residual, 4);
        assert_eq!(recs[0].duration_us, 250);
        assert_eq!(recs[1].data_out, None);
        assert_eq!(
            recs[1].data_out_sha256.as_deref(),
            Some(sha256_hex(&[7u8; 4096]).as_str())
        );
        assert_eq!(recs[2].data_out.as_deref(), Some("010203"));
        assert_eq!(recs[2].status, Some(2));
        assert!(
            recs[2]
                .sense_text
                .as_deref()
                .unwrap()
                .starts_with("5/21/02 ILLEGAL REQUEST")
        );
        assert_eq!(
            unhex(recs[2].sense.as_deref().unwrap()).unwrap(),
            Sense::INVALID_ADDRESS_FOR_WRITE.to_fixed().to_vec()
        );
    }

    #[test]
    fn faulty_through_drive() {
        let mut f = Faulty::new(Echo);
        f.inject(Fault {
            when: FaultWhen::EveryNth {
                opcode: cdb::op::WRITE_10,
                k: 2,
            },
            effect: FaultEffect::Sense(Sense::LONG_WRITE_IN_PROGRESS),
        });
        f.inject(Fault {
            when: FaultWhen::Opcode {
                opcode: cdb::op::TEST_UNIT_READY,
                nth: 1,
            },
            effect: FaultEffect::TransportFailure,
        });
        let mut d = Drive::with_sleeper(f, Box::new(NoSleep));
        d.write10(0, &[0u8; 2048 * 3]).unwrap();
        // One WRITE (3 blocks fit in one command): the 1st WRITE passes.
        assert_eq!(d.transport().commands(), 1);
        d.write10(3, &[0u8; 2048]).unwrap();
        // WRITE #2 rejected with 2/04/08, resent as #3.
        assert_eq!(d.transport().commands(), 3);
        assert!(matches!(
            d.test_unit_ready(),
            Err(crate::MmcError::Transport(
                TransportError::DeviceLost { .. }
            ))
        ));
        d.test_unit_ready().unwrap();
    }

    #[test]
    fn hex_roundtrip() {
        assert_eq!(hex(&[0, 0xAB, 0x10]), "00ab10");
        assert_eq!(unhex("00ab10"), Some(vec![0, 0xAB, 0x10]));
        assert_eq!(unhex("0"), None);
        assert_eq!(unhex("zz"), None);
    }
}
