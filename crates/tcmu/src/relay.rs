//! A [`Transport`] carried over a byte stream, so that the ring handler can run where
//! the kernel is (a VM) and the drive where its files are (the host): [`RelayClient`]
//! sends each CDB and data-out phase, [`serve_relay`] executes it on a transport and
//! sends back status, sense, residual and data-in.
//!
//! Frames (integers little-endian): request `'Q'`, CDB length (u8), CDB (16 bytes,
//! zero-padded), direction (u8: 0 none, 1 data-in, 2 data-out), transfer length (u32),
//! timeout in ms (u32), then the data-out bytes; reply `'R'`, status (u8), sense length
//! (u8), sense, residual (u32), data-in length (u32), data-in bytes; or `'E'`, message
//! length (u16), message (UTF-8): a transport failure.

use std::io::{self, Read, Write};
use std::time::Duration;

use discburn_mmc::{Completion, Data, Transport, TransportError};

/// Largest transfer a frame may carry (the emulated drive's own limit is lower).
const MAX_FRAME_DATA: usize = 16 * 1024 * 1024;

/// The client end: a transport whose drive is at the other end of `stream`.
#[derive(Debug)]
pub struct RelayClient<S> {
    stream: S,
    name: String,
}

impl<S: Read + Write> RelayClient<S> {
    /// A client over `stream`; `name` is what [`Transport::device_name`] reports.
    pub fn new(stream: S, name: impl Into<String>) -> Self {
        RelayClient {
            stream,
            name: name.into(),
        }
    }

    fn round_trip(
        &mut self,
        cdb: &[u8],
        data: &mut Data<'_>,
        timeout: Duration,
    ) -> io::Result<Result<Completion, String>> {
        let mut req = Vec::with_capacity(27 + data.len());
        req.push(b'Q');
        req.push(cdb.len().min(16) as u8);
        let mut c = [0u8; 16];
        let n = cdb.len().min(16);
        c[..n].copy_from_slice(&cdb[..n]);
        req.extend_from_slice(&c);
        let (dir, len) = match data {
            Data::None => (0u8, 0usize),
            Data::In(b) => (1, b.len()),
            Data::Out(b) => (2, b.len()),
        };
        req.push(dir);
        req.extend_from_slice(&(len as u32).to_le_bytes());
        req.extend_from_slice(
            &(timeout.as_millis().min(u128::from(u32::MAX)) as u32).to_le_bytes(),
        );
        if let Data::Out(b) = data {
            req.extend_from_slice(b);
        }
        self.stream.write_all(&req)?;
        self.stream.flush()?;
        let tag = read_u8(&mut self.stream)?;
        match tag {
            b'R' => {
                let status = read_u8(&mut self.stream)?;
                let sense_len = read_u8(&mut self.stream)?;
                let mut sense = vec![0u8; usize::from(sense_len)];
                self.stream.read_exact(&mut sense)?;
                let residual = read_u32(&mut self.stream)?;
                let in_len = read_u32(&mut self.stream)? as usize;
                let mut bytes = vec![0u8; in_len];
                self.stream.read_exact(&mut bytes)?;
                if let Data::In(buf) = data {
                    let n = in_len.min(buf.len());
                    buf[..n].copy_from_slice(&bytes[..n]);
                }
                Ok(Ok(Completion {
                    status,
                    sense,
                    residual,
                    duration: Duration::ZERO,
                }))
            }
            b'E' => {
                let mut l = [0u8; 2];
                self.stream.read_exact(&mut l)?;
                let mut msg = vec![0u8; usize::from(u16::from_le_bytes(l))];
                self.stream.read_exact(&mut msg)?;
                Ok(Err(String::from_utf8_lossy(&msg).into_owned()))
            }
            other => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("relay reply starts with {other:02X}h, not 'R' or 'E'"),
            )),
        }
    }
}

fn read_u8(r: &mut impl Read) -> io::Result<u8> {
    let mut b = [0u8];
    r.read_exact(&mut b)?;
    Ok(b[0])
}

fn read_u32(r: &mut impl Read) -> io::Result<u32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

impl<S: Read + Write> Transport for RelayClient<S> {
    fn execute(
        &mut self,
        cdb: &[u8],
        mut data: Data<'_>,
        timeout: Duration,
    ) -> Result<Completion, TransportError> {
        match self.round_trip(cdb, &mut data, timeout) {
            Ok(Ok(c)) => Ok(c),
            Ok(Err(msg)) => Err(TransportError::InvalidRequest(msg)),
            Err(e) => Err(TransportError::Io {
                device: self.name.clone(),
                op: "relay",
                source: e,
            }),
        }
    }

    fn max_transfer(&self) -> usize {
        256 * 1024
    }

    fn device_name(&self) -> String {
        self.name.clone()
    }
}

/// Answers requests from `stream` with `transport` until the stream ends. Returns the
/// number of commands executed.
///
/// # Errors
/// The stream's I/O error, or [`io::ErrorKind::InvalidData`] for a malformed frame.
pub fn serve_relay<S: Read + Write, T: Transport + ?Sized>(
    stream: &mut S,
    transport: &mut T,
) -> io::Result<u64> {
    let mut count = 0;
    loop {
        let mut tag = [0u8];
        match stream.read(&mut tag) {
            Ok(0) => return Ok(count),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
        if tag[0] != b'Q' {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("relay request starts with {:02X}h, not 'Q'", tag[0]),
            ));
        }
        let mut head = [0u8; 26];
        stream.read_exact(&mut head)?;
        let cdb_len = usize::from(head[0]).min(16);
        let cdb = head[1..1 + cdb_len].to_vec();
        let dir = head[17];
        let len = u32::from_le_bytes([head[18], head[19], head[20], head[21]]) as usize;
        let timeout_ms = u32::from_le_bytes([head[22], head[23], head[24], head[25]]);
        if len > MAX_FRAME_DATA || dir > 2 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("relay request with direction {dir} and {len} bytes"),
            ));
        }
        let mut buf = vec![0u8; len];
        if dir == 2 {
            stream.read_exact(&mut buf)?;
        }
        let data = match dir {
            0 => Data::None,
            1 => Data::In(&mut buf),
            _ => Data::Out(&buf),
        };
        let result = transport.execute(&cdb, data, Duration::from_millis(u64::from(timeout_ms)));
        count += 1;
        let mut reply = Vec::new();
        match result {
            Ok(c) => {
                reply.push(b'R');
                reply.push(c.status);
                let sense = &c.sense[..c.sense.len().min(255)];
                reply.push(sense.len() as u8);
                reply.extend_from_slice(sense);
                reply.extend_from_slice(&c.residual.to_le_bytes());
                let data_in: &[u8] = if dir == 1 {
                    &buf[..len.saturating_sub(c.residual as usize)]
                } else {
                    &[]
                };
                reply.extend_from_slice(&(data_in.len() as u32).to_le_bytes());
                reply.extend_from_slice(data_in);
            }
            Err(e) => {
                let msg = e.to_string();
                let msg = &msg.as_bytes()[..msg.len().min(4096)];
                reply.push(b'E');
                reply.extend_from_slice(&(msg.len() as u16).to_le_bytes());
                reply.extend_from_slice(msg);
            }
        }
        stream.write_all(&reply)?;
        stream.flush()?;
    }
}
