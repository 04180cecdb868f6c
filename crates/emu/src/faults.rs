//! Fault injection: power loss, write failures, chosen sense data and busy replies.
//!
//! A [`FaultPlan`] lives in two places:
//! * in the state file (`discburn disc inject`, [`crate::set_disc_faults`]), so that a
//!   separate process using the disc honours it; every handle copies it at open;
//! * in a handle ([`crate::EmulatedDrive::faults_mut`]), for in-process tests. Changing a
//!   handle's plan does not change the state file.
//!
//! Counters ("after N sectors", "the Nth occurrence") count from the moment a handle is
//! opened. A power cut fires once: it is removed from the state file when it fires.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::EmuError;
use crate::sense::SenseCode;

/// The faults to inject.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FaultPlan {
    /// Lose power once this many sectors have been written through the handle: the
    /// WRITE that crosses the limit stores only the sectors up to it and returns
    /// `TransportError::DeviceLost`, as does every later command of the handle. The
    /// medium keeps the sectors written and the state the write-ahead log describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_cut_after_sectors: Option<u64>,
    /// Lose power when the given command arrives (before it runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_cut_at_command: Option<CommandMatch>,
    /// Fail the WRITE that crosses this many written sectors: the sectors up to the limit
    /// are recorded, the track is marked damaged and the WRITE ends in CHECK CONDITION
    /// with the given sense (default 3/0C/00 WRITE ERROR).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_after_sectors: Option<FailAfter>,
    /// Return chosen sense data for chosen commands instead of running them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sense: Vec<SenseFault>,
    /// After CLOSE TRACK/SESSION or SYNCHRONIZE CACHE with Immed = 1, fail the next K
    /// media commands with 2/04/08 LONG WRITE IN PROGRESS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub busy_after_close: Option<u32>,
}

impl FaultPlan {
    /// True when no fault is planned.
    pub fn is_empty(&self) -> bool {
        *self == FaultPlan::default()
    }
}

impl fmt::Display for FaultPlan {
    /// One line, e.g. `power cut after 100 sectors; sense 2A:5/21/02@3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(n) = self.power_cut_after_sectors {
            parts.push(format!("power cut after {n} sectors"));
        }
        if let Some(c) = self.power_cut_at_command {
            parts.push(format!("power cut at command {:02X}@{}", c.opcode, c.nth));
        }
        if let Some(x) = self.fail_after_sectors {
            parts.push(format!(
                "write fails after {} sectors with {}",
                x.sectors, x.sense
            ));
        }
        for s in &self.sense {
            parts.push(format!("sense {s}"));
        }
        if let Some(k) = self.busy_after_close {
            parts.push(format!("busy for {k} commands after an Immed close/sync"));
        }
        if parts.is_empty() {
            f.write_str("no faults")
        } else {
            f.write_str(&parts.join("; "))
        }
    }
}

/// The Nth (1-based) occurrence of an operation code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandMatch {
    /// Operation code (CDB byte 0).
    pub opcode: u8,
    /// Which occurrence, counted from 1 since the handle was opened.
    pub nth: u32,
}

impl FromStr for CommandMatch {
    type Err = EmuError;

    /// Parses `OPCODE[@NTH]` (hex opcode, decimal NTH, default 1), e.g. `5B@2`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |reason| EmuError::BadFaultSpec {
            spec: s.to_string(),
            reason,
        };
        let (op, nth) = match s.split_once('@') {
            Some((op, nth)) => (
                op,
                nth.parse::<u32>()
                    .map_err(|_| bad("NTH is a decimal number ≥ 1"))?,
            ),
            None => (s, 1),
        };
        if nth == 0 {
            return Err(bad("NTH is a decimal number ≥ 1"));
        }
        Ok(CommandMatch {
            opcode: parse_opcode(op).ok_or_else(|| bad("OPCODE is a hex byte such as 2A"))?,
            nth,
        })
    }
}

/// A write failure after a number of sectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailAfter {
    /// Sectors written through the handle before the failure.
    pub sectors: u64,
    /// The sense returned.
    pub sense: SenseCode,
}

impl FromStr for FailAfter {
    type Err = EmuError;

    /// Parses `N[:KEY/ASC/ASCQ]`, e.g. `1000` or `1000:3/0C/00`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |reason| EmuError::BadFaultSpec {
            spec: s.to_string(),
            reason,
        };
        let (n, sense) = match s.split_once(':') {
            Some((n, sense)) => (n, sense.parse::<SenseCode>().map_err(bad)?),
            None => (s, SenseCode::WRITE_ERROR),
        };
        Ok(FailAfter {
            sectors: n.parse().map_err(|_| bad("N is a decimal sector count"))?,
            sense,
        })
    }
}

/// Chosen sense data for a chosen operation code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenseFault {
    /// Operation code (CDB byte 0).
    pub opcode: u8,
    /// The sense returned with CHECK CONDITION.
    pub sense: SenseCode,
    /// Only the Nth occurrence (1-based, counted since the handle was opened); every
    /// occurrence when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nth: Option<u32>,
}

fn parse_opcode(s: &str) -> Option<u8> {
    let s = s.trim_start_matches("0x").trim_start_matches("0X");
    if s.is_empty() || s.len() > 2 {
        return None;
    }
    u8::from_str_radix(s, 16).ok()
}

impl FromStr for SenseFault {
    type Err = EmuError;

    /// Parses `OPCODE:KEY/ASC/ASCQ[@NTH]` with hex OPCODE/KEY/ASC/ASCQ and decimal NTH,
    /// e.g. `2A:5/21/02@3`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |reason| EmuError::BadFaultSpec {
            spec: s.to_string(),
            reason,
        };
        let (op, rest) = s
            .split_once(':')
            .ok_or_else(|| bad("expected OPCODE:KEY/ASC/ASCQ[@NTH]"))?;
        let opcode = parse_opcode(op).ok_or_else(|| bad("OPCODE is a hex byte such as 2A"))?;
        let (sense, nth) = match rest.split_once('@') {
            Some((sense, nth)) => {
                let n = nth
                    .parse::<u32>()
                    .map_err(|_| bad("NTH is a decimal number ≥ 1"))?;
                if n == 0 {
                    return Err(bad("NTH is a decimal number ≥ 1"));
                }
                (sense, Some(n))
            }
            None => (rest, None),
        };
        Ok(SenseFault {
            opcode,
            sense: sense.parse().map_err(bad)?,
            nth,
        })
    }
}

impl fmt::Display for SenseFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02X}:{}", self.opcode, self.sense)?;
        if let Some(n) = self.nth {
            write!(f, "@{n}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_sense_fault() {
        let f: SenseFault = "2A:5/21/02@3".parse().unwrap();
        assert_eq!(f.opcode, 0x2A);
        assert_eq!(f.sense, SenseCode::INVALID_ADDRESS_FOR_WRITE);
        assert_eq!(f.nth, Some(3));
        assert_eq!(f.to_string(), "2A:5/21/02@3");
        let f: SenseFault = "0x5b:2/04/07".parse().unwrap();
        assert_eq!((f.opcode, f.nth), (0x5B, None));
        assert!("2A".parse::<SenseFault>().is_err());
        assert!("2A:5/21/02@0".parse::<SenseFault>().is_err());
        assert!("123:5/21/02".parse::<SenseFault>().is_err());
    }

    #[test]
    fn parse_fail_after_and_command_match() {
        let f: FailAfter = "64".parse().unwrap();
        assert_eq!(f.sense, SenseCode::WRITE_ERROR);
        let f: FailAfter = "64:3/0C/09".parse().unwrap();
        assert_eq!((f.sectors, f.sense), (64, SenseCode::new(3, 0x0C, 0x09)));
        let c: CommandMatch = "5B@2".parse().unwrap();
        assert_eq!((c.opcode, c.nth), (0x5B, 2));
        assert_eq!("35".parse::<CommandMatch>().unwrap().nth, 1);
    }
}
